/**
 * Batches on the LATENT and IMAGE ports (GuidedSampler `batch` N > 1). LATENT carries N in its first axis; IMAGE stays
 * one RgbImage at batch 1 (exactly as before) and at N > 1 is image 0 with `batch` listing all N, so a node that
 * knows nothing of batches still sees a whole image. The shipped image nodes map over the batch, or refuse it with
 * E_IMAGE_BATCH where one image is needed. Each image of a sampler batch keeps its origin (sampler node, seed), which
 * SaveImage writes into its provenance.
 */
import type { RgbImage } from '../../diffusion/image/encode';
import type { F32Tensor } from '../../diffusion/tensor';
import { NodeError } from '../codes';

/** Where image `index` of a sampler batch of `size` came from. */
export interface BatchOrigin {
  /** The GuidedSampler node id. */
  node: string;
  /** Its seed, as decimal text (seeds past 2^53 stay exact). */
  seed: string;
  index: number;
  size: number;
}

/** What the IMAGE port carries. */
export interface ImageValue extends RgbImage {
  /** N > 1 only: every image of the batch, in seed order (this value is batch[0]). */
  batch?: readonly ImageValue[];
  origin?: BatchOrigin;
}

/** What the LATENT port carries: [N, C, h, w], and at N > 1 the origin of each row. */
export interface LatentValue extends F32Tensor {
  origins?: readonly BatchOrigin[];
}

export function imagesOf(image: ImageValue): readonly ImageValue[] {
  return image.batch ?? [image];
}

/** One image stays itself; several become image 0 carrying the batch. */
export function imageBatch(images: readonly ImageValue[]): ImageValue {
  return images.length === 1 ? images[0] : { ...images[0], batch: images };
}

/** fn on every image of the batch, in order (one at a time, to bound memory), origins kept. */
export async function mapImages(image: ImageValue, fn: (one: ImageValue, k: number) => Promise<RgbImage> | RgbImage): Promise<ImageValue> {
  const out: ImageValue[] = [];
  for (const [k, one] of imagesOf(image).entries()) {
    const made: ImageValue = await fn(one, k);
    out.push(one.origin ? { ...made, origin: one.origin } : made);
  }
  return imageBatch(out);
}

/** The image of a node input that takes exactly one, or E_IMAGE_BATCH. */
export function singleImage(image: ImageValue, nodeType: string, input: string): ImageValue {
  if (!image.batch) return image;
  throw new NodeError('E_IMAGE_BATCH', `Expected one image at ${nodeType}'s "${input}" but received a batch of ${image.batch.length}.`, {
    hint: 'Set the sampler\'s batch to 1 (the seed of image k of a batch is seed + k, so any one of them can be made alone).',
  });
}
