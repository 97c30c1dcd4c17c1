/**
 * Which cross-attention layers receive the layout bias (the report's improvement 2, docs/method.md section 8).
 *
 * Each cross-attention layer is identified by its query length S. The UNet halves the latent grid with stride-2
 * convolutions (kernel 3, padding 1: n -> ceil(n / 2)), so S = h_k * w_k for some level k of that chain; for a
 * 96x96 latent: 9216, 2304, 576, 144. A selection picks levels:
 *
 *   'all'           every layer (the reference behaviour)
 *   'none'          no layer
 *   'highest:N'     the N largest distinct resolutions (e.g. 'highest:2' = 96x96 and 48x48 at 768 px)
 *   [64, [32, 24]]  explicit grids: a number n matches the grid whose larger side is n, a pair [h, w] matches exactly
 *
 * Unselected layers get zero bias and no mask. A listed resolution that no layer has is an error: the report's own
 * attempt silently matched nothing and guided no layer at all.
 */
import { ModelError } from '../errors';
import { LAYOUT_CODES } from './codes';
import { checkSize } from './regions';

export interface LatentSize {
  readonly height: number;
  readonly width: number;
}

export type ResolutionSpec = number | readonly [h: number, w: number];
export type ResolutionSelection = 'all' | 'none' | `highest:${number}` | readonly ResolutionSpec[];

export interface LayerGuidance {
  /** Index in the list of cross-attention layers given (graph order). */
  readonly layer: number;
  readonly queryLength: number;
  readonly h: number;
  readonly w: number;
  readonly guided: boolean;
}

/** The UNet's downsampling chain: cap on levels, far above SD's 4 (a 1x1 grid ends it anyway). */
const MAX_LEVELS = 16;

/** The attention grid (h, w) of a layer with query length S, by walking the latent's downsampling chain. */
export function queryGrid(queryLength: number, latent: LatentSize): { h: number; w: number } {
  checkSize('latent height', latent.height);
  checkSize('latent width', latent.width);
  let h = latent.height;
  let w = latent.width;
  const seen: string[] = [];
  for (let level = 0; level < MAX_LEVELS; level++) {
    if (h * w === queryLength) return { h, w };
    seen.push(`${h}x${w} = ${h * w}`);
    if (h === 1 && w === 1) break;
    h = Math.ceil(h / 2);
    w = Math.ceil(w / 2);
  }
  throw new ModelError(LAYOUT_CODES.queryLength, `Expected a query length on the ${latent.height}x${latent.width} latent's ` +
    `downsampling chain (${seen.join(', ')}) but received ${queryLength}.`, {
    hint: 'Pass the latent size (image size / 8) the UNet is run at.',
  });
}

function specMatches(spec: ResolutionSpec, h: number, w: number): boolean {
  return typeof spec === 'number' ? Math.max(h, w) === spec : spec[0] === h && spec[1] === w;
}

function badSelection(selection: unknown, why: string): ModelError {
  return new ModelError(LAYOUT_CODES.resolution, `Expected a resolution selection 'all', 'none', 'highest:N' or a list like [64, 32] ` +
    `but received ${JSON.stringify(selection)}: ${why}.`);
}

/** Which of the given cross-attention layers get the layout bias. */
export function selectGuidedLayers(queryLengths: readonly number[], latent: LatentSize, selection: ResolutionSelection): LayerGuidance[] {
  const layers = queryLengths.map((queryLength, layer) => ({ layer, queryLength, ...queryGrid(queryLength, latent) }));
  let guided: (l: { queryLength: number; h: number; w: number }) => boolean;
  if (selection === 'all' || selection === 'none') {
    guided = () => selection === 'all';
  } else if (typeof selection === 'string') {
    const match = /^highest:(\d+)$/.exec(selection);
    if (!match || Number(match[1]) < 1) throw badSelection(selection, 'N must be a positive integer');
    const keep = new Set([...new Set(layers.map((l) => l.queryLength))].sort((a, b) => b - a).slice(0, Number(match[1])));
    guided = (l) => keep.has(l.queryLength);
  } else if (Array.isArray(selection)) {
    const available = [...new Set(layers.map((l) => `${l.h}x${l.w}`))].join(', ');
    for (const spec of selection) {
      const validPair = Array.isArray(spec) && spec.length === 2 && spec.every((v) => Number.isInteger(v) && v > 0);
      const valid = typeof spec === 'number' ? Number.isInteger(spec) && spec > 0 : validPair;
      if (!valid) throw badSelection(selection, `${JSON.stringify(spec)} is not a positive integer or an [h, w] pair`);
      if (!layers.some((l) => specMatches(spec, l.h, l.w))) {
        throw new ModelError(LAYOUT_CODES.resolution, 'Expected each selected resolution to exist in the UNet ' +
          `but ${JSON.stringify(spec)} matches none of its cross-attention grids (${available}).`, {
          hint: 'Attention grids are latent-sized: a 512 px image has 64, 32, 16 and 8; a 768 px image 96, 48, 24 and 12.',
        });
      }
    }
    guided = (l) => selection.some((spec) => specMatches(spec, l.h, l.w));
  } else {
    throw badSelection(selection, 'unknown form');
  }
  return layers.map((l) => ({ ...l, guided: guided(l) }));
}

/** Parses the text form a graph stores: 'all', 'none', 'highest:2', '64,32' or '64x64, 32x32'. */
export function parseResolutionSelection(text: string): ResolutionSelection {
  const trimmed = text.trim();
  if (trimmed === 'all' || trimmed === 'none' || /^highest:\d+$/.test(trimmed)) return trimmed as ResolutionSelection;
  const specs = trimmed.split(',').map((part) => {
    const m = /^\s*(\d+)\s*(?:x\s*(\d+))?\s*$/.exec(part);
    if (!m) throw badSelection(text, `"${part.trim()}" is not n or HxW`);
    return m[2] === undefined ? Number(m[1]) : ([Number(m[1]), Number(m[2])] as const);
  });
  return specs;
}
