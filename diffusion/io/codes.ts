import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/io (bounded reads of the files a model or a node opens), each a `ModelError`. */
export const IO_ERRORS = {
  E_FILE_TOO_LARGE: {
    summary: 'A file is larger than the limit for its kind (residual, tokenizer file, config, layout image); nothing was read.',
  },
} as const satisfies CodeTable;

export type IoErrorCode = keyof typeof IO_ERRORS;
