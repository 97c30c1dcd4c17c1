/**
 * Text from a server reaches the user's terminal: control characters (escape sequences that could move the
 * cursor, rewrite the title or hide lines) are replaced, line breaks and tabs kept.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(CONTROL, '?');
}

/** `printable` on every string deep in a JSON-like value (for events handed to the progress printer). */
export function printableDeep<T>(value: T): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return printable(item);
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object' && !ArrayBuffer.isView(item)) {
      return Object.fromEntries(Object.entries(item).map(([k, x]) => [k, walk(x)]));
    }
    return item;
  };
  return walk(value) as T;
}

/** The start of an unexpected answer, for an error message. */
export function excerpt(value: unknown, max = 200): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return printable(text.length > max ? `${text.slice(0, max)}...` : text);
}
