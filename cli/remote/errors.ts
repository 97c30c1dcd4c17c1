import type { GraphIssue } from '../../engine';
import { CodedError } from '../../errors/coded-error';
import type { CliErrorCode } from '../codes';

export type RemoteCode = Extract<CliErrorCode, 'E_SERVER_UNREACHABLE' | 'E_SERVER_TIMEOUT' | 'E_SERVER_PROTOCOL' | 'E_DOWNLOAD_TOO_LARGE'>;

/** A failure of the remote client itself: the server could not be reached, went silent, or answered nonsense. */
export class RemoteError extends CodedError<RemoteCode> {
  constructor(code: RemoteCode, message: string, hint?: string) {
    super(code, message, { hint });
    this.name = 'RemoteError';
  }
}

/** The server's own coded answer `{ error: { code, message, hint?, issues? } }` with its HTTP status, kept verbatim. */
export class ServerAnswerError extends Error {
  constructor(
    readonly status: number, readonly code: string, message: string, readonly hint?: string,
    readonly issues?: GraphIssue[], readonly omitted = 0,
  ) {
    super(message);
    this.name = 'ServerAnswerError';
  }
}
