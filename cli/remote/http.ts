import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { answerError, protocolError } from './answers';
import { displayServer, type RemoteConfig } from './config';
import { RemoteError } from './errors';

/** JSON answers (a history entry carries its graph, at most 5 MB on the server) are read up to this many bytes. */
export const MAX_ANSWER_BYTES = 32 * 2 ** 20;

/** An answer whose headers arrived; `failure()` is the coded reason when the exchange was cut by a timeout. */
export interface Exchange {
  res: IncomingMessage;
  failure(): RemoteError | undefined;
}

/** The request path of `path` (relative, or "/api/..." as the server writes URLs) under the server's path prefix. */
export function serverPath(cfg: RemoteConfig, path: string): string {
  return cfg.base.pathname + path.replace(/^\/+/, '');
}

export function authHeaders(cfg: RemoteConfig): Record<string, string> {
  return cfg.token ? { authorization: `Bearer ${cfg.token}` } : {};
}

function unreachable(cfg: RemoteConfig, reason: string): RemoteError {
  return new RemoteError('E_SERVER_UNREACHABLE', `Expected the server at ${displayServer(cfg)} to accept a connection but ${reason}.`,
    'Check the URL (--server / CONES_SERVER), that the server is running, and the network between.');
}

function silent(cfg: RemoteConfig, path: string): RemoteError {
  return new RemoteError('E_SERVER_TIMEOUT', `Expected an answer to ${path} from ${displayServer(cfg)} but it was silent for ` +
    `${cfg.idleTimeoutMs} ms.`, 'The server may be overloaded or stuck; CONES_SERVER_TIMEOUT_MS sets how long to wait.');
}

/**
 * One HTTP exchange with bounded time: the connection must be made within the connect timeout
 * (E_SERVER_UNREACHABLE), then the server may stay silent at most the idle timeout at any point, headers and body
 * alike (E_SERVER_TIMEOUT). A fresh connection per request (no agent), so nothing lingers after the command.
 */
export function openExchange(cfg: RemoteConfig, method: string, path: string, json?: unknown): Promise<Exchange> {
  const payload = json === undefined ? undefined : Buffer.from(JSON.stringify(json));
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(cfg) };
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
  const secure = cfg.base.protocol === 'https:';
  return new Promise((resolve, reject) => {
    let failure: RemoteError | undefined;
    let connected = false;
    let req: ClientRequest;
    try {
      req = (secure ? https : http).request({
        protocol: cfg.base.protocol, hostname: cfg.base.hostname.replace(/^\[|\]$/g, ''), port: cfg.base.port || undefined,
        method, path: serverPath(cfg, path), headers, agent: false,
      });
    } catch (err) {
      return reject(protocolError(`a requestable path (${(err as Error).message})`, path));
    }
    const fail = (err: RemoteError): void => {
      failure ??= err;
      req.destroy(err);
    };
    const connectTimer = setTimeout(() => fail(unreachable(cfg, `no connection was made within ${cfg.connectTimeoutMs} ms`)), cfg.connectTimeoutMs);
    req.on('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        connected = true;
        clearTimeout(connectTimer);
      });
    });
    req.setTimeout(cfg.idleTimeoutMs, () => {
      fail(connected ? silent(cfg, path) : unreachable(cfg, `no connection was made within ${cfg.idleTimeoutMs} ms`));
    });
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      resolve({ res, failure: () => failure });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (failure) return reject(failure);
      reject(connected ? protocolError(`a whole answer to ${path}`, `a broken connection (${err.code ?? err.message})`)
        : unreachable(cfg, `the connection failed (${err.code ?? err.message})`));
    });
    req.end(payload);
  });
}

/** The whole body, at most `maxBytes` (E_SERVER_PROTOCOL beyond: a JSON answer is never that large). */
export function readBody(ex: Exchange, maxBytes: number, what: string): Promise<Buffer> {
  const { res } = ex;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => protocolError(`${what} of at most ${maxBytes} bytes`, `more (Content-Length ${res.headers['content-length'] ?? 'none'})`);
    if (Number(res.headers['content-length']) > maxBytes) {
      res.destroy();
      return reject(tooLarge());
    }
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        return reject(tooLarge());
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', () => reject(ex.failure() ?? protocolError(what, 'a connection broken mid-answer')));
    res.on('close', () => {
      if (!res.complete) reject(ex.failure() ?? protocolError(what, 'a connection closed mid-answer'));
    });
  });
}

/**
 * A JSON exchange: 2xx answers are parsed (E_SERVER_PROTOCOL if not JSON); error statuses become the server's
 * coded error (ServerAnswerError, shown verbatim) or E_SERVER_PROTOCOL when they carry none.
 */
export async function requestJson(cfg: RemoteConfig, method: string, path: string, json?: unknown): Promise<{ status: number; body: unknown }> {
  const ex = await openExchange(cfg, method, path, json);
  const bytes = await readBody(ex, MAX_ANSWER_BYTES, `the answer to ${method} ${path}`);
  const status = ex.res.statusCode ?? 0;
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    if (status >= 400) throw answerError(status, bytes.toString('utf8'));
    throw protocolError(`a JSON answer to ${method} ${path} (HTTP ${status})`, bytes.toString('utf8'));
  }
  if (status >= 400) throw answerError(status, body);
  if (status < 200 || status >= 300) throw protocolError(`a 2xx answer to ${method} ${path}`, `HTTP ${status}`);
  return { status, body };
}

