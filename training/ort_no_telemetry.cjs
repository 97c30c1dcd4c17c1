// onnxruntime's telemetry off for the training scripts that load onnxruntime-node themselves (the parity checks), as
// diffusion/onnx/telemetry.ts does for the app: required before onnxruntime-node, on the main thread, it sets
// onnxruntime's opt-out variables unless the user set them or CONES_ORT_TELEMETRY=1 (the README's Models section).
if (process.env.CONES_ORT_TELEMETRY !== '1') {
  for (const name of ['ORT_DISABLE_TELEMETRY', 'ORT_TELEMETRY_DISABLED']) process.env[name] ??= '1';
}
