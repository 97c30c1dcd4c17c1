import { CodedError } from '../errors/coded-error';
import type { GuidanceErrorCode } from './guidance/codes';
import type { ImageErrorCode } from './image/codes';
import type { IoErrorCode } from './io/codes';
import type { LayoutErrorCode } from './layout/codes';
import type { SdModelErrorCode } from './model/codes';
import type { NoiseErrorCode } from './noise/codes';
import type { OnnxErrorCode } from './onnx/codes';
import type { PipelineErrorCode } from './pipeline/codes';
import type { ResidualErrorCode } from './residuals/codes';
import type { SamplerErrorCode } from './samplers/codes';
import type { ScheduleErrorCode } from './schedule/codes';
import type { TokenizerErrorCode } from './tokenizer/codes';

/** Every code of the model layer: the keys of the `codes.ts` tables under diffusion/. */
export type ModelErrorCode =
  | GuidanceErrorCode | ImageErrorCode | IoErrorCode | LayoutErrorCode | SdModelErrorCode | NoiseErrorCode | OnnxErrorCode
  | PipelineErrorCode | ResidualErrorCode | SamplerErrorCode | ScheduleErrorCode | TokenizerErrorCode;

/**
 * Coded errors raised by the model-math modules. The engine wraps any error that carries a `code`
 * with the node id and type that raised it, so these modules never need to know about graphs.
 * Message shape (after sharp): "Expected X for Y but received Z" followed by what to do.
 */
export class ModelError extends CodedError<ModelErrorCode> {
  constructor(code: ModelErrorCode, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'ModelError';
  }
}
