import { extname } from 'node:path';

/** Longest file name written (bytes are counted by most filesystems; 255 is the usual limit). */
const MAX_NAME_CHARS = 120;
/** Names Windows refuses whatever the extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/**
 * The plain file name an output URL from the server ends in, safe to create inside the output folder: the last
 * path segment, percent-decoded, then only what follows its last "/" or "\" (so "..%2F..%2Fx" and "%2Fetc%2Fx"
 * give "x"), without control or reserved characters, without leading dots (no ".", "..", hidden files) or trailing
 * dots and spaces, at most MAX_NAME_CHARS characters with the extension kept; "output" when nothing is left.
 */
export function safeBasename(url: string): string {
  const path = url.split(/[?#]/, 1)[0];
  let name = path.slice(path.lastIndexOf('/') + 1);
  try {
    name = decodeURIComponent(name);
  } catch {
    // not valid percent-encoding: the raw segment, cleaned like any other
  }
  name = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  // eslint-disable-next-line no-control-regex
  name = name.replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u202a-\u202e\u2066-\u2069]/g, '_');
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (name.length > MAX_NAME_CHARS) {
    const ext = extname(name).slice(0, 20);
    name = name.slice(0, MAX_NAME_CHARS - ext.length) + ext;
  }
  const stem = name.slice(0, name.length - extname(name).length);
  if (RESERVED.test(stem)) name = `_${name}`;
  return name || 'output';
}

/** `name`, then `stem-1.ext`, `stem-2.ext`, ...: the candidates for a file that must not overwrite another. */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const ext = extname(name);
  return `${name.slice(0, name.length - ext.length)}-${n}${ext}`;
}
