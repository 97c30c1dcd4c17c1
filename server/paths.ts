import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { isInside } from '../engine';
import { ServerError } from './codes';

export { isInside };

/**
 * The segments of a client-given relative path, refusing anything that could name a file outside its folder:
 * NUL bytes (E_PATH_INVALID), absolute paths, drive letters, and `..` segments (E_PATH_OUTSIDE_FOLDER).
 * Both separators count, so `..\\x` is refused on every platform.
 */
export function safeSegments(raw: string): string[] {
  if (raw.includes('\0')) throw new ServerError('E_PATH_INVALID', 'Expected a path without NUL bytes but received one containing \\0.');
  if (isAbsolute(raw) || /^[a-zA-Z]:/.test(raw) || raw.startsWith('\\')) {
    throw new ServerError('E_PATH_OUTSIDE_FOLDER', `Expected a path relative to the folder but received the absolute path "${raw}".`);
  }
  const segments = raw.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new ServerError('E_PATH_OUTSIDE_FOLDER', `Expected a path inside the folder but "${raw}" climbs out of it with "..".`);
  }
  return segments;
}

/** The real path of the first existing ancestor of `path` (so a symlinked parent of a new file is seen through). */
function realExisting(path: string): string {
  let cur = path;
  const rest: string[] = [];
  while (!existsSync(cur)) {
    const parent = resolve(cur, '..');
    if (parent === cur) return path;
    rest.unshift(cur.slice(parent.length + 1));
    cur = parent;
  }
  return join(realpathSync(cur), ...rest);
}

/**
 * Resolves a client-given path inside `folder`, following symlinks: the real target must stay inside the
 * folder's real path (a symlink planted in the folder cannot expose /etc).
 */
export function resolveInFolder(folder: string, raw: string): string {
  const segments = safeSegments(raw);
  const target = join(folder, ...segments);
  if (!isInside(realExisting(folder), realExisting(target))) {
    throw new ServerError('E_PATH_OUTSIDE_FOLDER', `Expected "${raw}" to stay inside its folder ` +
      'but it leads outside it (through a symbolic link).');
  }
  return target;
}
