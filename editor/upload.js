// Uploads from the editor (server/README.md, POST /api/upload/:folder): a file picked with a node's upload button or
// dropped on the node goes to the folder its picker lists, the picker takes the name the server saved it under, and
// every picker list is refreshed. The server judges every file (name, extension, leading bytes, 50 MB); its refusal
// is shown to the user with its code, never swallowed.
import { api } from './api.js';
import { refreshChoices } from './choices.js';

/** Picker lists that can be uploaded to, and what the server accepts there (server/upload-rules.ts). */
export const UPLOAD_FOLDERS = {
  inputs: { accept: '.png,.jpg,.jpeg,image/png,image/jpeg', images: true },
  layouts: { accept: '.png,image/png', images: true },
  residuals: { accept: '.safetensors,.pt', images: false },
};

/** The upload folder of a picker list, or undefined (model folders are not uploaded). */
export function uploadFolderFor(kind) {
  return Object.hasOwn(UPLOAD_FOLDERS, kind) ? kind : undefined;
}

/** True when `file` is an image a node's picker in `folder` can take (a PNG or JPEG; layouts: PNG only). */
export function isUploadableImage(folder, file) {
  const png = file.type === 'image/png' || /\.png$/i.test(file.name);
  const jpeg = file.type === 'image/jpeg' || /\.jpe?g$/i.test(file.name);
  return folder === 'layouts' ? png : !!UPLOAD_FOLDERS[folder]?.images && (png || jpeg);
}

const NAME_MAX = 200;

/**
 * A name the server's rule (letters, digits, ".", "_", "-", space; starting with a letter or digit) accepts, made
 * from a file's own name: "my photo (1).png" -> "my photo -1-.png". The server still checks it.
 */
export function uploadName(name) {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot).replace(/[^A-Za-z0-9.]/g, '') : '';
  let stem = (dot > 0 ? name.slice(0, dot) : name).replace(/[^A-Za-z0-9._ -]+/g, '-').replace(/\.{2,}/g, '.');
  stem = stem.replace(/^[^A-Za-z0-9]+/, '').slice(0, NAME_MAX - ext.length).replace(/\.+$/, '');
  return `${stem || 'upload'}${ext}`;
}

/** `CODE: message (hint)` of an API error, for the status line and the log. */
export function describeError(err) {
  return `${err.code ?? 'E_HTTP'}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`;
}

/** Opens the browser's file dialog; resolves with the chosen file, or undefined when none was chosen. */
export function pickFile(accept) {
  return new Promise((resolve) => {
    const picker = Object.assign(document.createElement('input'), { type: 'file', accept });
    picker.onchange = () => resolve(picker.files[0]);
    picker.oncancel = () => resolve(undefined);
    picker.click();
  });
}

/**
 * Uploads `file` into `folder`, refreshes the picker lists and resolves with the server's answer
 * ({ folder, name, size, url, renamed }). Rejects with the server's error.
 */
export async function uploadFile(folder, file) {
  const r = await api(`/api/upload/${encodeURIComponent(folder)}?filename=${encodeURIComponent(uploadName(file.name))}`, { method: 'POST', file });
  await refreshChoices().catch(() => undefined); // the upload stands; the next refresh reports a failing list
  return r;
}

/**
 * Uploads `file` for the picker widget `widget` (into its folder) and sets the widget to the saved name. `ui` shows
 * what happened ({ log, status }). Resolves with the saved name, or undefined when the server refused the file.
 */
export async function uploadInto(widget, file, ui) {
  try {
    const r = await uploadFile(widget.conesUpload, file);
    widget.conesChoose(r.name);
    const renamed = r.renamed ? ` (renamed: "${uploadName(file.name)}" was taken)` : '';
    ui.log(`uploaded ${r.name} to ${r.folder}${renamed}`);
    ui.status(`uploaded ${r.name}`);
    return r.name;
  } catch (err) {
    const text = `upload of ${file.name} refused: ${describeError(err)}`;
    ui.log(text, 'error');
    ui.status(text, true);
    return undefined;
  }
}
