/**
 * Reading a file that someone else controls, with a size bound that holds whatever stat said: the file is opened
 * with O_NONBLOCK (a FIFO put in its place opens at once instead of blocking, and fstat then refuses it), must be a
 * regular file, and at most `maxBytes + 1` bytes are read, so a file growing after fstat is still caught.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type BoundedRead =
  | { bytes: Buffer }
  | { refused: 'not-a-file' }
  | { refused: 'too-large'; size: number };

/** The file's bytes, or why it was refused. System errors (ENOENT, EACCES) are thrown as they are. */
export function readFileBounded(path: string, maxBytes: number): BoundedRead {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { refused: 'not-a-file' };
    if (stats.size > maxBytes) return { refused: 'too-large', size: stats.size };
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) break;
    }
    if (length > maxBytes) return { refused: 'too-large', size: length };
    return { bytes: buffer.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}
