import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by the residual readers, writers and helpers, each thrown as a `ModelError`. */
export const RESIDUAL_ERRORS = {
  E_RESIDUAL_NOT_FOUND: { summary: 'No residual file at the given path.' },
  E_RESIDUAL_FORMAT: {
    summary: 'Neither safetensors nor a PyTorch zip archive, or a pickle that is not a bare tensor ' +
      '(unknown opcode, unexpected call, unsupported dtype).',
  },
  E_RESIDUAL_CORRUPT: {
    summary: 'A recognised format whose bytes are inconsistent: truncated, offsets or sizes that lie, CRC mismatch, ' +
      'non-finite values, metadata width different from the data.',
  },
  E_RESIDUAL_SHAPE: { summary: 'Several tensors, or a tensor that is not [1, D] or [D]; or a prompt embedding that is not [1, L, D].' },
  E_RESIDUAL_WIDTH: { summary: 'The residual\'s width differs from the text encoder\'s (e.g. SD 2.x 1024 vs SD 1.x 768).' },
  E_RESIDUAL_POSITION: { summary: 'A token position lies outside the prompt embedding.' },
} as const satisfies CodeTable;

export type ResidualErrorCode = keyof typeof RESIDUAL_ERRORS;

/** Short names used at the throw sites. */
export const RESIDUAL_CODES = {
  notFound: 'E_RESIDUAL_NOT_FOUND',
  format: 'E_RESIDUAL_FORMAT',
  corrupt: 'E_RESIDUAL_CORRUPT',
  shape: 'E_RESIDUAL_SHAPE',
  width: 'E_RESIDUAL_WIDTH',
  position: 'E_RESIDUAL_POSITION',
} as const satisfies Record<string, ResidualErrorCode>;
