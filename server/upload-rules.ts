import { ServerError } from './codes';
import type { FolderName } from './options';

/** What each checker accepts: a cheap look at the leading bytes, so a renamed file is refused at once. */
const looksLike = {
  png: (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  jpeg: (b: Buffer) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  // safetensors: u64 little-endian header length, then a JSON header starting with "{".
  safetensors: (b: Buffer) => b.length > 9 && b.readBigUInt64LE(0) > 1n && b.readBigUInt64LE(0) <= BigInt(b.length - 8) && b[8] === 0x7b,
  // torch.save: a zip archive (PyTorch >= 1.6) or a legacy pickle (protocol marker 0x80).
  pt: (b: Buffer) => b.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')) || b[0] === 0x80,
  json: (b: Buffer) => {
    try {
      JSON.parse(b.toString('utf8'));
      return true;
    } catch {
      return false;
    }
  },
  text: (b: Buffer) => !b.includes(0),
};

interface Kind {
  mime: string;
  check: (b: Buffer) => boolean;
}

const KINDS: Record<string, Kind> = {
  '.png': { mime: 'image/png', check: looksLike.png },
  '.jpg': { mime: 'image/jpeg', check: looksLike.jpeg },
  '.jpeg': { mime: 'image/jpeg', check: looksLike.jpeg },
  '.safetensors': { mime: 'application/octet-stream', check: looksLike.safetensors },
  '.pt': { mime: 'application/octet-stream', check: looksLike.pt },
  '.json': { mime: 'application/json', check: looksLike.json },
  '.txt': { mime: 'text/plain', check: looksLike.text },
};

/** Extensions each writable folder accepts. Outputs (written by runs) and graphs (read-only) take no uploads. */
export const UPLOAD_EXTENSIONS: Partial<Record<FolderName, readonly string[]>> = {
  residuals: ['.safetensors', '.pt'],
  layouts: ['.png'],
  inputs: ['.png', '.jpg', '.jpeg', '.safetensors', '.pt', '.json', '.txt'],
};

export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const FILENAME = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,200}$/;

/** Checks name, extension, Content-Type and leading bytes of an upload; returns the file name to use. */
export function checkUpload(folder: FolderName, filename: unknown, contentType: string | undefined, body: Buffer): string {
  const allowed = UPLOAD_EXTENSIONS[folder];
  if (!allowed) throw new ServerError('E_FOLDER_READ_ONLY', `Uploads go to ${Object.keys(UPLOAD_EXTENSIONS).join(', ')}, not ${folder}.`);
  if (typeof filename !== 'string' || !FILENAME.test(filename) || filename.includes('..')) {
    throw new ServerError('E_UPLOAD_FILENAME', 'Expected ?filename= to be a plain file name ' +
      `(letters, digits, ".", "_", "-", space; no folders) but received ${JSON.stringify(filename ?? null)}.`);
  }
  const ext = /\.[^.]+$/.exec(filename)?.[0].toLowerCase() ?? '';
  if (!allowed.includes(ext)) {
    throw new ServerError('E_UPLOAD_EXTENSION', `Expected a ${allowed.join(' or ')} file for ${folder} but received "${filename}".`);
  }
  const kind = KINDS[ext];
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/octet-stream' && type !== kind.mime) {
    throw new ServerError('E_UNSUPPORTED_MEDIA_TYPE', `Expected Content-Type application/octet-stream or ${kind.mime} for "${filename}" ` +
      `but received ${type || 'none'}.`);
  }
  if (!body.length || !kind.check(body)) {
    throw new ServerError('E_UPLOAD_CONTENT', `Expected the bytes of a ${ext} file in "${filename}" ` +
      'but the content does not look like one.');
  }
  return filename;
}
