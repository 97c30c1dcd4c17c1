// Runs exported ONNX components with onnxruntime-node on inputs written by export.py and prints
// max |onnx - torch| per case. Usage: node training/onnx_parity.cjs <cases.json>
// Last stdout line is a JSON summary.
const fs = require('fs');
const path = require('path');
require('./ort_no_telemetry.cjs'); // before onnxruntime-node
const ort = require('onnxruntime-node');

function load(spec) {
  const buf = fs.readFileSync(spec.file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  if (spec.dtype === 'int64') return new ort.Tensor('int64', new BigInt64Array(ab), spec.shape);
  return new ort.Tensor('float32', new Float32Array(ab), spec.shape);
}

(async () => {
  const man = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const sessions = {};
  const summary = {};
  for (const c of man.cases) {
    if (!sessions[c.model]) {
      sessions[c.model] = await ort.InferenceSession.create(path.join(man.model_dir, c.model, 'model.onnx'));
      const s = sessions[c.model];
      console.log(c.model, 'inputs', JSON.stringify(s.inputNames.map((n, i) => [n, s.inputMetadata?.[i]?.type, s.inputMetadata?.[i]?.shape])),
        'outputs', JSON.stringify(s.outputNames));
    }
    const feeds = {};
    for (const [k, v] of Object.entries(c.inputs)) feeds[k] = load(v);
    const t0 = Date.now();
    const res = await sessions[c.model].run(feeds);
    const ms = Date.now() - t0;
    let worst = 0;
    for (const [k, v] of Object.entries(c.outputs)) {
      const ref = load(v).data;
      const got = res[k].data;
      if (got.length !== ref.length) throw new Error(`${c.name}/${k}: length ${got.length} vs ${ref.length}`);
      let m = 0;
      for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(got[i] - ref[i]));
      worst = Math.max(worst, m);
      console.log(`${c.name} ${k} dims=${JSON.stringify(res[k].dims)} max_abs_diff=${m.toExponential(3)} (${ms} ms)`);
    }
    summary[c.name] = worst;
  }
  console.log(JSON.stringify(summary));
})().catch((e) => { console.error(e); process.exit(1); });
