/**
 * Error codes raised by diffusion/layout (every one is thrown as a `ModelError`):
 *
 * - E_LAYOUT_BOX               a box is not [x0, y0, x1, y1] inside [0, 1] with x0 < x1 and y0 < y1 (names the phrase).
 * - E_LAYOUT_REGION_EMPTY      a subject's region covers no pixel at the target size (box thinner than a pixel, blank mask).
 * - E_LAYOUT_MASK_SIZE         a free-form mask's data length is not width * height.
 * - E_LAYOUT_COLOUR_KEY        a colour-table key is not "R,G,B" with integers in [0, 255], or its value is not [word, strength].
 * - E_LAYOUT_COLOUR_NOT_FOUND  a colour of the table occurs nowhere in the layout image (lists the colours that do).
 * - E_LAYOUT_IMAGE_READ        the layout image cannot be read or decoded.
 * - E_LAYOUT_STRENGTH          a strength is not a finite number.
 * - E_LAYOUT_TOKEN_POSITION    a token position is not an integer in [0, L).
 * - E_LAYOUT_TOKEN_CONFLICT    one token position is claimed by two subjects.
 * - E_LAYOUT_SIZE              an image or attention grid size is not a positive integer.
 * - E_LAYOUT_QUERY_LENGTH      a cross-attention query length matches no level of the latent's downsampling chain.
 * - E_LAYOUT_RESOLUTION        a resolution selection is malformed or names a resolution no layer has.
 * - E_LAYOUT_SHAPE             applyLayoutBias got logits / weights / mask whose dims do not agree.
 * - E_LAYOUT_ETA               an eta schedule is unknown or has out-of-range parameters.
 */
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
} as const;
