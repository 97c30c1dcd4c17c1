import type { CodeTable } from '../../errors/code-table';

/** Error codes raised by diffusion/pipeline (the sampling loop around the model), each thrown as a `ModelError`. */
export const PIPELINE_ERRORS = {
  E_IMAGE_SIZE: { summary: 'The image width or height is not divisible by the model\'s VAE factor (8 for Stable Diffusion).' },
  E_CONDITIONING_SHAPE: { summary: 'The conditional and unconditional embeddings differ in shape (encode them with one Encode node).' },
  E_MASK_SIZE: { summary: 'An inpainting mask is smaller than the latent grid, or does not match the latents it blends.' },
  E_MASK_NEEDS_LATENT: { summary: 'An inpainting mask was given to a sampler without a starting latent (the picture to keep).' },
  E_DENOISE_RANGE: { summary: 'An image-to-image denoise strength outside [0, 1].' },
  E_INIT_LATENT_SHAPE: { summary: 'The starting latent of an image-to-image run does not have the shape of the requested image size.' },
} as const satisfies CodeTable;

export type PipelineErrorCode = keyof typeof PIPELINE_ERRORS;
