import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/layout (and the layout plan of diffusion/pipeline), each thrown as a `ModelError`. */
export const LAYOUT_ERRORS = {
  E_LAYOUT_BOX: { summary: 'A box is not [x0, y0, x1, y1] inside [0, 1] with x0 < x1 and y0 < y1 (the message names the phrase).' },
  E_LAYOUT_REGION_EMPTY: { summary: 'A subject\'s region covers no pixel at the target size (box thinner than a pixel, blank mask).' },
  E_LAYOUT_MASK_SIZE: { summary: 'A free-form mask\'s data length is not width * height.' },
  E_LAYOUT_COLOUR_KEY: { summary: 'A colour-table key is not "R,G,B" with integers in [0, 255], or its value is not [word, strength].' },
  E_LAYOUT_COLOUR_NOT_FOUND: {
    summary: 'A colour of the table occurs nowhere in the layout image (the message lists the colours that do).',
  },
  E_LAYOUT_IMAGE_READ: { summary: 'The layout image cannot be read or decoded.' },
  E_LAYOUT_STRENGTH: { summary: 'A subject strength is not a finite number.' },
  E_LAYOUT_TOKEN_POSITION: { summary: 'A token position is not an integer in [0, L).' },
  E_LAYOUT_TOKEN_CONFLICT: {
    summary: 'One token position is claimed by two subjects, or longer subject phrases claim every occurrence of a subject\'s words.',
  },
  E_LAYOUT_SIZE: { summary: 'An image or attention grid size is not a positive integer.' },
  E_LAYOUT_QUERY_LENGTH: { summary: 'A cross-attention query length matches no level of the latent\'s downsampling chain.' },
  E_LAYOUT_RESOLUTION: { summary: 'A resolution selection is malformed or names a resolution no layer has.' },
  E_LAYOUT_SHAPE: { summary: 'The attention logits, weights and mask given to the layout bias have dims that do not agree.' },
  E_LAYOUT_ETA: { summary: 'An eta schedule is unknown or has out-of-range parameters, or a step count is negative.' },
} as const satisfies CodeTable;

export type LayoutErrorCode = keyof typeof LAYOUT_ERRORS;

/** Short names used at the throw sites. */
export const LAYOUT_CODES = {
  box: 'E_LAYOUT_BOX',
  regionEmpty: 'E_LAYOUT_REGION_EMPTY',
  maskSize: 'E_LAYOUT_MASK_SIZE',
  colourKey: 'E_LAYOUT_COLOUR_KEY',
  colourNotFound: 'E_LAYOUT_COLOUR_NOT_FOUND',
  imageRead: 'E_LAYOUT_IMAGE_READ',
  strength: 'E_LAYOUT_STRENGTH',
  tokenPosition: 'E_LAYOUT_TOKEN_POSITION',
  tokenConflict: 'E_LAYOUT_TOKEN_CONFLICT',
  size: 'E_LAYOUT_SIZE',
  queryLength: 'E_LAYOUT_QUERY_LENGTH',
  resolution: 'E_LAYOUT_RESOLUTION',
  shape: 'E_LAYOUT_SHAPE',
  eta: 'E_LAYOUT_ETA',
} as const satisfies Record<string, LayoutErrorCode>;
