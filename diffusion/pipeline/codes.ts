import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/pipeline (the sampling loop around the model), each thrown as a `ModelError`. */
export const PIPELINE_ERRORS = {
  E_IMAGE_SIZE: { summary: 'The image width or height is not divisible by the model\'s VAE factor (8 for Stable Diffusion).' },
  E_CONDITIONING_SHAPE: { summary: 'The conditional and unconditional embeddings differ in shape (encode them with one Encode node).' },
} as const satisfies CodeTable;

export type PipelineErrorCode = keyof typeof PIPELINE_ERRORS;
