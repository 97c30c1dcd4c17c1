// The lists the file pickers offer (GET /api/choices: model folders, residual, layout and input files), fetched when
// the editor starts, after an upload and from "Refresh lists". One copy for the page: every picker reads it when it
// draws or opens, so a refresh reaches every node at once.
import { api } from './api.js';

export const CHOICE_KINDS = ['models', 'residuals', 'layouts', 'inputs'];
const lists = Object.fromEntries(CHOICE_KINDS.map((kind) => [kind, []]));
let truncated = false;
const listeners = new Set();

/** The current list of `kind` (empty until the first refresh, and for a kind the server does not list). */
export function choicesFor(kind) {
  return lists[kind] ?? [];
}

/** True when the server cut a list short (at most 500 entries each). */
export const choicesTruncated = () => truncated;

/** Calls `listener()` after every refresh; returns a function that stops it. */
export function onChoicesChanged(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Fetches the lists again; rejects with the API's error (the caller shows it). Only arrays of strings are kept. */
export async function refreshChoices() {
  const body = await api('/api/choices');
  for (const kind of CHOICE_KINDS) {
    const list = body?.[kind];
    lists[kind] = Array.isArray(list) ? list.filter((v) => typeof v === 'string') : [];
  }
  truncated = body?.truncated === true;
  for (const listener of listeners) listener();
  return lists;
}
