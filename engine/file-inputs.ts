import { existsSync, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CodedError } from '../errors/coded-error';

/**
 * Where the paths of file inputs (inputs declared `file: 'file' | 'dir'`) may lead. Every path a node is handed
 * comes through `resolveFileInput`, however it arrived (literal, link, override, migration), so confinement is
 * enforced where files are opened rather than where graphs are submitted:
 *
 *   value ──lookup──> candidate ──lexically inside a root?──> real path inside a root? ──> regular file / folder
 *          (search paths,        (no filesystem access for       (symlinks followed; for a    (no devices, FIFOs,
 *           first existing)       a path outside the roots)       folder, every entry too)     sockets anywhere)
 *
 * A refused path gets one code, E_FILE_NOT_ALLOWED, naming the input but never the outside path, whether it
 * exists, or its contents. A missing path inside the roots is handed on: the node reports it with its own code.
 */
export interface FileAccess {
  /** Where relative paths are looked up, in order (first existing wins). */
  searchPaths: readonly string[];
  /** When set, every file a run opens must resolve (through symlinks) inside one of these folders. */
  roots?: readonly string[];
}

export class FileNotAllowedError extends CodedError<'E_FILE_NOT_ALLOWED'> {
  constructor(input: string, reason: string) {
    super('E_FILE_NOT_ALLOWED', `Input "${input}" ${reason}.`, {
      hint: 'Use a file inside the folders this run may read (the server\'s folders, or the CLI\'s --confine folders).',
    });
    this.name = 'FileNotAllowedError';
  }
}

/** Folder entries checked per folder input (a model folder holds a few dozen). */
const MAX_FOLDER_ENTRIES = 10_000;
const MAX_FOLDER_DEPTH = 4;

/** True when `path` is `root` or below it (both absolute). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The absolute path a file input names under `access`, or a FileNotAllowedError. */
export function resolveFileInput(input: string, value: string, kind: 'file' | 'dir', access: FileAccess): string {
  if (value.includes('\0')) throw new FileNotAllowedError(input, 'holds a NUL byte');
  const candidate = lookupPath(value, access.searchPaths);
  const roots = access.roots?.map((root) => resolve(root));
  if (roots && !roots.some((root) => isInside(root, candidate))) {
    throw new FileNotAllowedError(input, 'names a path outside the allowed folders');
  }
  if (!existsSync(candidate)) return candidate; // inside the roots (or unconfined): the node says it is missing
  const realRoots = roots?.map(realOrSelf);
  const real = realpathSync(candidate);
  if (realRoots && !realRoots.some((root) => isInside(root, real))) {
    throw new FileNotAllowedError(input, 'leads outside the allowed folders through a symbolic link');
  }
  const stats = statSync(real);
  if (kind === 'file' && !stats.isFile()) throw new FileNotAllowedError(input, `names a ${describe(stats)}, not a regular file`);
  if (kind === 'dir') {
    if (!stats.isDirectory()) throw new FileNotAllowedError(input, `names a ${describe(stats)}, not a folder`);
    checkFolder(input, real, realRoots);
  }
  return candidate;
}

/** The first existing of `value` under each search path (an absolute value as it is), else under the first. */
export function lookupPath(value: string, searchPaths: readonly string[]): string {
  if (isAbsolute(value)) return resolve(value);
  for (const base of searchPaths) {
    const candidate = resolve(base, value);
    if (existsSync(candidate)) return candidate;
  }
  return resolve(searchPaths[0] ?? process.cwd(), value);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function describe(stats: Stats): string {
  if (stats.isDirectory()) return 'folder';
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device file';
  return 'special file';
}

/** Every entry of a folder input is a regular file or folder, and (when confined) stays inside the roots. */
function checkFolder(input: string, folder: string, realRoots: readonly string[] | undefined): void {
  let seen = 0;
  const walk = (dir: string, depth: number): void => {
    if (depth > MAX_FOLDER_DEPTH) return;
    for (const name of readdirSync(dir)) {
      if (++seen > MAX_FOLDER_ENTRIES) throw new FileNotAllowedError(input, `names a folder with more than ${MAX_FOLDER_ENTRIES} entries`);
      const path = join(dir, name);
      let target = path;
      if (lstatSync(path).isSymbolicLink()) {
        if (!existsSync(path)) continue; // dangling: nothing can be read through it; the loader reports it if needed
        target = realpathSync(path);
        if (realRoots && !realRoots.some((root) => isInside(root, target))) {
          throw new FileNotAllowedError(input, `names a folder whose entry "${relative(folder, path)}" links outside the allowed folders`);
        }
      }
      const stats = statSync(target);
      if (stats.isDirectory()) walk(target, depth + 1);
      else if (!stats.isFile()) {
        throw new FileNotAllowedError(input, `names a folder holding a ${describe(stats)} ("${relative(folder, path)}")`);
      }
    }
  };
  walk(folder, 0);
}
