import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/image (tensor -> PNG, PNG text chunks), each thrown as a `ModelError`. */
export const IMAGE_ERRORS = {
  E_IMAGE_SHAPE: { summary: 'A decoded image tensor is not [B, 3, H, W].' },
  E_PNG_INVALID: {
    summary: 'The bytes are not a whole PNG (bad signature, truncated or trailing bytes, IHDR not first) or a text entry is corrupt.',
  },
  E_IMAGE_READ: { summary: 'An input image is not a readable PNG, JPEG or WebP within the size limits.' },
  E_PNG_TEXT_KEY: { summary: 'A PNG text keyword is not 1-79 printable Latin-1 characters.' },
} as const satisfies CodeTable;

export type ImageErrorCode = keyof typeof IMAGE_ERRORS;
