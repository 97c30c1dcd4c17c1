/**
 * Port types of the diffusion nodes. A link is only allowed between ports of the same type; the TypeScript type
 * each carries is named beside it.
 */
export const MODEL = 'MODEL'; //             SdModel (diffusion/model/load.ts)
export const TOKENS = 'TOKENS'; //           Tokenized (diffusion/tokenizer)
export const CONDITIONING = 'CONDITIONING'; // Conditioning (diffusion/pipeline/conditioning.ts)
export const RESIDUAL = 'RESIDUAL'; //       Residual (diffusion/residuals)
export const LAYOUT = 'LAYOUT'; //           Layout (diffusion/layout)
export const GUIDANCE = 'GUIDANCE'; //       GuidanceRule (diffusion/guidance)
export const LATENT = 'LATENT'; //           F32Tensor [1, C, h, w]
export const IMAGE = 'IMAGE'; //             RgbImage (diffusion/image/encode.ts)
export const MASK = 'MASK'; //               ImageMask (diffusion/image/mask.ts), 1 = repaint
