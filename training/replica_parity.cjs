// Runs the SD replica exports with onnxruntime-node on inputs written by make_sd_replicas.py and prints
// max |onnx - torch| per case; float16 outputs are widened to float32 before the comparison.
// Usage: node training/replica_parity.cjs <cases.json>. Last stdout line: JSON {case: max diff | "error: ..."}.
// Input files are raw little-endian arrays; dtype int32 | int64 | float32 | float16 (IEEE half bits).
const fs = require('fs');
require('./ort_no_telemetry.cjs'); // before onnxruntime-node
const ort = require('onnxruntime-node');

const ARRAYS = { int32: Int32Array, int64: BigInt64Array, float32: Float32Array, float16: Uint16Array };

function load(spec) {
  const buf = fs.readFileSync(spec.file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return new ort.Tensor(spec.dtype, new ARRAYS[spec.dtype](ab), spec.shape);
}

/** IEEE binary16 bits -> number. */
function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

(async () => {
  const man = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const summary = {};
  for (const c of man.cases) {
    try {
      const session = await ort.InferenceSession.create(c.model);
      const feeds = {};
      for (const [k, v] of Object.entries(c.inputs)) feeds[k] = load(v);
      const res = await session.run(feeds);
      let worst = 0;
      for (const [k, v] of Object.entries(c.outputs)) {
        const ref = load(v).data;
        const t = res[k];
        const got = t.type === 'float16' ? Array.from(t.data, halfToFloat) : t.data;
        if (got.length !== ref.length) throw new Error(`${k}: ${got.length} values, expected ${ref.length}`);
        for (let i = 0; i < ref.length; i++) {
          const d = Math.abs(got[i] - ref[i]);
          worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
        }
      }
      summary[c.name] = worst;
      console.log(`${c.name} max_abs_diff=${worst.toExponential(3)}`);
      if (!Number.isFinite(worst)) {
        for (const [k, v] of Object.entries(c.outputs)) {
          const ref = load(v).data;
          const got = res[k].type === 'float16' ? Array.from(res[k].data, halfToFloat) : Array.from(res[k].data);
          console.log(`  ${k}: non-finite onnx ${got.filter((x) => !Number.isFinite(x)).length}, torch ${ref.filter((x) => !Number.isFinite(x)).length} of ${ref.length}`);
        }
      }
    } catch (e) {
      summary[c.name] = `error: ${String(e.message ?? e).split('\n')[0].slice(0, 300)}`;
      console.log(`${c.name} ${summary[c.name]}`);
    }
  }
  console.log(JSON.stringify(summary));
})().catch((e) => { console.error(e); process.exit(1); });
