/** Public surface of the residual formats and helpers. */
export { addResidual } from './apply';
export { RESIDUAL_CODES } from './codes';
export {
  RESIDUAL_FORMAT,
  RESIDUAL_TENSOR_NAME,
  checkResidualWidth,
  encodeResidualSafetensors,
  readResidual,
  writeResidualSafetensors,
  type Residual,
  type ResidualToWrite,
} from './residual';
export { parseSafetensors, serializeSafetensors, type SafeTensor, type SafetensorsFile } from './safetensors';
export { readTorchTensor, type TorchTensor, type TorchTensorRef } from './torch-pt';
