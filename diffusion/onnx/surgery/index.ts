/** Public surface of the layout-bias UNet surgery (explicit list; the files behind it are internal). */
export {
  DEFAULT_TEXT_INPUT, MAX_QUERY_SLICES, findCrossAttention, patchModel, type PatchDescription, type PatchOptions,
} from './patch-model';
export { diffusersLevels, queryLengthAtLevel } from './levels';
export type { SlicedAttention } from './slice-attention';
export {
  META_LAYERS, META_SOURCE, META_VERSION, SURGERY_VERSION,
  defaultPatchedPath, patchUnetBytes, patchUnetFile, readPatchedDescription,
  type PatchFileOptions, type PatchedUnet,
} from './patch-unet';
export { externalRefs, type ExternalRef } from './external-data';
export { readModelMetadata } from './model-metadata';
export type { AttentionSite, LayoutLayer, SkippedSite } from './types';
