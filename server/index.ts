export { startServer } from './start';
export type { RunningServer } from './start';
export { DEFAULT_PORT } from './options';
export type { ServerFolders, ServerOptions } from './options';
export { SERVER_ERRORS, ServerError } from './codes';
export type { ServerErrorCode } from './codes';
