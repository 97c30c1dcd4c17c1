// Worker entry: registers the TypeScript loader inside this thread (a worker does not inherit the hooks of a
// launcher that called tsx's register()), then loads the real worker. Registering twice (when the process
// was started with `--import tsx`) is harmless.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.workerModule);
