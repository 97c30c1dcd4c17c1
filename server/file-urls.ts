import { isAbsolute, relative } from 'node:path';
import { INSTALL_ROOT } from './graph-paths';
import type { FolderName } from './options';
import { isInside } from './paths';

/** Folders served by GET /api/files/:folder/... (example graphs have their own endpoint). */
export const SERVED_FOLDERS = ['outputs', 'inputs', 'residuals', 'layouts'] as const satisfies readonly FolderName[];
export type ServedFolder = (typeof SERVED_FOLDERS)[number];

export function fileUrl(folder: ServedFolder, rel: string): string {
  return `/api/files/${folder}/${rel.split(/[\\/]/).map(encodeURIComponent).join('/')}`;
}

/** The URL of an absolute path when it lies in a served folder. */
export function urlForPath(folders: Record<FolderName, string>, path: string): string | undefined {
  if (!isAbsolute(path)) return undefined;
  for (const folder of SERVED_FOLDERS) {
    if (isInside(folders[folder], path) && path !== folders[folder]) return fileUrl(folder, relative(folders[folder], path));
  }
  return undefined;
}

/**
 * Names the server's own folders inside free text (error messages, hints): `/srv/cones/data/inputs/x.png` becomes
 * `<inputs>/x.png`, the install folder `<install>`, so remote clients never learn the server's directory layout.
 */
export function scrubPaths(text: string, folders: Record<FolderName, string>): string {
  const named: Array<[string, string]> = [...Object.entries(folders), ['install', INSTALL_ROOT]];
  named.sort((a, b) => b[1].length - a[1].length); // a folder inside another is named by the inner one
  let out = text;
  for (const [name, root] of named) {
    // Only the folder itself or a path below it: "/srv/in" must not rewrite "/srv/input".
    const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`${escaped}(?=[/\\\\]|\\.(?!\\w)|[^\\w.-]|$)`, 'g'), `<${name}>`);
  }
  return out;
}

/**
 * Replaces every string that is an absolute path inside a served folder by its /api/files/... URL, deep in
 * a JSON-like value (ui values, output summaries, errors): clients get links they can fetch, and the server's own
 * directory layout is not disclosed (other strings get their folder paths named by `scrubPaths`). `files` collects
 * the URLs.
 */
export function pathsToUrls<T>(value: T, folders: Record<FolderName, string>, files: string[] = []): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') {
      const url = urlForPath(folders, item);
      if (url) files.push(url);
      return url ?? scrubPaths(item, folders);
    }
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object' && !ArrayBuffer.isView(item)) {
      return Object.fromEntries(Object.entries(item).map(([k, x]) => [k, walk(x)]));
    }
    return item;
  };
  return walk(value) as T;
}
