/**
 * Byte-pair encoding of one pre-token, as in CLIP's `bpe()` (Sennrich et al. 2016, with GPT-2's byte-level symbols):
 * start from one symbol per byte with `</w>` glued to the last one, then repeatedly merge the adjacent pair with the
 * lowest rank in merges.txt (every non-overlapping occurrence, left to right) until no ranked pair is left.
 */
import { textToByteSymbols } from './bytes';

/** CLIP marks the end of a word by suffixing its last symbol. */
export const END_OF_WORD = '</w>';
/** Distinct pre-tokens remembered; a server tokenising user prompts for days must not grow without bound. */
const CACHE_LIMIT = 20_000;

export class BpeModel {
  private readonly ranks: ReadonlyMap<string, number>;
  private readonly cache = new Map<string, readonly string[]>();

  /** `merges[r]` is the pair of rank r. */
  constructor(merges: ReadonlyArray<readonly [string, string]>) {
    const ranks = new Map<string, number>();
    merges.forEach(([a, b], rank) => {
      const key = pairKey(a, b);
      if (!ranks.has(key)) ranks.set(key, rank); // a repeated pair keeps its first (highest-priority) rank
    });
    this.ranks = ranks;
  }

  /** The BPE symbols of one pre-token (cleaned text, not yet byte-encoded). */
  encode(piece: string): readonly string[] {
    const hit = this.cache.get(piece);
    if (hit) return hit;
    const symbols = textToByteSymbols(piece);
    if (symbols.length === 0) return [];
    symbols[symbols.length - 1] += END_OF_WORD;
    const merged = this.mergeAll(symbols);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, merged);
    return merged;
  }

  private mergeAll(start: string[]): string[] {
    let word = start;
    while (word.length > 1) {
      let best = Infinity;
      let bestA = '';
      let bestB = '';
      for (let i = 0; i + 1 < word.length; i++) {
        const rank = this.ranks.get(pairKey(word[i], word[i + 1]));
        if (rank !== undefined && rank < best) {
          best = rank;
          bestA = word[i];
          bestB = word[i + 1];
        }
      }
      if (best === Infinity) break;
      const next: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i + 1 < word.length && word[i] === bestA && word[i + 1] === bestB) {
          next.push(bestA + bestB);
          i += 2;
        } else {
          next.push(word[i]);
          i += 1;
        }
      }
      word = next;
    }
    return word;
  }
}

/** Symbols never contain a space (the space byte is U+0120 'Ġ'), so a space is an unambiguous separator. */
function pairKey(a: string, b: string): string {
  return `${a} ${b}`;
}
