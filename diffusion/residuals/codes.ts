/**
 * Error codes raised by the residual readers, writers and helpers (every one is thrown as a `ModelError`):
 *
 * - E_RESIDUAL_NOT_FOUND  no file at the given path.
 * - E_RESIDUAL_FORMAT     neither safetensors nor a PyTorch zip archive, or a pickle that is not a bare tensor
 *                         (unknown opcode, unexpected call, unsupported dtype).
 * - E_RESIDUAL_CORRUPT    a recognised format whose bytes are inconsistent: truncated, offsets or sizes that lie,
 *                         CRC mismatch, non-finite values, metadata width different from the data.
 * - E_RESIDUAL_SHAPE      several tensors, or a tensor that is not [1, D] or [D]; an embedding that is not [1, L, D].
 * - E_RESIDUAL_WIDTH      a residual whose width differs from the text encoder's (e.g. SD 2.x 1024 vs SD 1.x 768).
 * - E_RESIDUAL_POSITION   a token position outside the prompt embedding.
 */
export const RESIDUAL_CODES = {
  notFound: 'E_RESIDUAL_NOT_FOUND',
  format: 'E_RESIDUAL_FORMAT',
  corrupt: 'E_RESIDUAL_CORRUPT',
  shape: 'E_RESIDUAL_SHAPE',
  width: 'E_RESIDUAL_WIDTH',
  position: 'E_RESIDUAL_POSITION',
} as const;
