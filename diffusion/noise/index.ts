export { gaussian, noiseStream, seedToKey, LATENT_NOISE_STREAM, STEP_NOISE_STREAM } from './gaussian';
export type { NoiseStream, Seed } from './gaussian';
export { philox4x32 } from './philox';
export { NOISE_CODES } from './codes';
