/**
 * The held-out split by construction, the same rule as training/data.py (HELDOUT_SALT, HELDOUT_MOD, heldout_pair):
 * a pair of objects (colour + shape) is held out when the 32-bit FNV-1a hash of the salt + its key
 * ("blue square + red circle", the two items sorted) is 0 mod 10. A scene holding a held-out pair is a held-out
 * scene. A model built by training/build_all.sh with HELDOUT=1 (its default) never saw one in its diffusion training, so the
 * held-out sets (./sets.ts, `heldout: true`) measure compositions it never saw. One-subject prompts cannot be held
 * out this way (each of the 20 objects must be learnt); their boxes and seeds are fresh draws.
 */
import type { ColourName, ShapeName } from './detect/palette';

export const HELDOUT_SALT = 'split2 ';
export const HELDOUT_MOD = 10;

/** 32-bit FNV-1a over the UTF-8 bytes of text (data.py fnv1a32). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h >>> 0;
}

export interface ObjectAttrs { colour: ColourName; shape: ShapeName }

/** "blue square + red circle": the two items sorted (data.py pair_key; JavaScript's sort matches Python's on ASCII). */
export function pairKey(a: ObjectAttrs, b: ObjectAttrs): string {
  return [`${a.colour} ${a.shape}`, `${b.colour} ${b.shape}`].sort().join(' + ');
}

export function heldoutPair(a: ObjectAttrs, b: ObjectAttrs): boolean {
  return fnv1a32(HELDOUT_SALT + pairKey(a, b)) % HELDOUT_MOD === 0;
}

export function heldoutScene(objects: readonly ObjectAttrs[]): boolean {
  return objects.some((a, i) => objects.slice(i + 1).some((b) => heldoutPair(a, b)));
}
