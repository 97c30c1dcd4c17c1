/**
 * The only module that imports onnxruntime-node (after transformers.js): everything else goes through
 * these re-exports, so the runtime can be swapped or mocked in one place.
 */
import * as ort from 'onnxruntime-node';
import { disableOrtTelemetryHere } from './telemetry';

// Before any session exists (onnxruntime reads it then): telemetry.ts.
disableOrtTelemetryHere();

export { ort };
export const InferenceSession = ort.InferenceSession;
export const Tensor = ort.Tensor;
export type InferenceSession = ort.InferenceSession;
export type Tensor = ort.Tensor;
export type SessionOptions = ort.InferenceSession.SessionOptions;
export type ValueMetadata = ort.InferenceSession.ValueMetadata;
export type TensorDataType = ort.Tensor.Type;
