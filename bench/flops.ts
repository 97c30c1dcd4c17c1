/**
 * FLOPs of one onnxruntime call, counted from the kernels ORT actually ran (its profile trace), so the count
 * follows the executed graph after fusion and layout changes (NCHWc convolutions pad channels to the block size):
 *
 *   Conv / FusedConv          2 * |Y| * (C_in / group) * kh * kw     weight W: [M, C_in / group, kh, kw]
 *   MatMul / FusedMatMul /    2 * |Y| * K                            K from A and Y: A is [.., m, K] when
 *   Gemm                                                             A[-2] == Y[-2], else [.., K, m] (transposed)
 *
 * Norms, softmax, activations and bias adds are not counted (a few percent of a UNet's FLOPs). ORT omits the shape
 * of pre-packed weights from the trace, which is why K is read from A, never from B.
 */

/** One kernel event of an ORT profile ("cat": "Node", name ending in "_kernel_time"). */
export interface KernelEvent {
  name: string;
  dur: number;
  args: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] };
}

export interface FlopCount {
  /** Counted FLOPs, by operator type. */
  byOp: Record<string, number>;
  total: number;
  /** Kernel time (microseconds) of the counted operators and of all kernels. */
  countedMicros: number;
  allMicros: number;
  /** Kernel launches in the window. */
  kernels: number;
  /** Matrix-like kernels whose shapes the trace did not give (their FLOPs are missing from `total`). */
  uncounted: string[];
}

const CONV_OPS = new Set(['Conv', 'FusedConv', 'NhwcFusedConv']);
const MATMUL_OPS = new Set(['MatMul', 'FusedMatMul', 'Gemm']);

function shapeOf(entry: Record<string, number[]> | undefined): number[] | null {
  if (!entry) return null;
  const dims = Object.values(entry)[0];
  return Array.isArray(dims) ? dims : null;
}

const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

export function convFlops(weight: readonly number[], output: readonly number[]): number {
  const [, cPerGroup, kh, kw] = weight;
  return 2 * product(output) * cPerGroup * kh * kw;
}

export function matmulFlops(a: readonly number[], output: readonly number[]): number {
  const m = output[output.length - 2];
  const k = a.length < 2 ? a[0] : a[a.length - 2] === m ? a[a.length - 1] : a[a.length - 2];
  return 2 * product(output) * k;
}

/** FLOPs of one kernel event, or null when it is a matrix-like kernel without usable shapes, 0 when not counted. */
export function kernelFlops(event: KernelEvent): number | null {
  const op = event.args.op_name ?? '';
  const inputs = event.args.input_type_shape ?? [];
  const out = shapeOf(event.args.output_type_shape?.[0]);
  if (CONV_OPS.has(op)) {
    const w = shapeOf(inputs[1]);
    return w && w.length === 4 && out ? convFlops(w, out) : null;
  }
  if (MATMUL_OPS.has(op)) {
    const a = shapeOf(inputs[0]);
    return a && out && out.length >= 2 ? matmulFlops(a, out) : null;
  }
  return 0;
}

/** The kernel events of a profile ("cat": "Node", name ending in "_kernel_time") whose start lies in the window. */
export function* kernelEvents(events: readonly unknown[], window: { fromTs?: number; toTs?: number } = {}): Generator<KernelEvent> {
  for (const raw of events) {
    const e = raw as KernelEvent & { cat?: string; ts?: number };
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args) continue;
    if (window.fromTs !== undefined && (e.ts ?? 0) < window.fromTs) continue;
    if (window.toTs !== undefined && (e.ts ?? 0) > window.toTs) continue;
    yield e;
  }
}

/** Sums the kernels of the profile events between `fromTs` and `toTs` (microseconds, the trace's clock). */
export function countFlops(events: readonly unknown[], window: { fromTs?: number; toTs?: number } = {}): FlopCount {
  const result: FlopCount = { byOp: {}, total: 0, countedMicros: 0, allMicros: 0, kernels: 0, uncounted: [] };
  for (const e of kernelEvents(events, window)) {
    const flops = kernelFlops(e);
    result.allMicros += e.dur;
    result.kernels++;
    if (flops === null) {
      result.uncounted.push(e.name);
      continue;
    }
    if (flops > 0) {
      const op = e.args.op_name!;
      result.byOp[op] = (result.byOp[op] ?? 0) + flops;
      result.total += flops;
      result.countedMicros += e.dur;
    }
  }
  return result;
}

/** Start times of the model runs in a profile ("cat": "Session", "name": "model_run"), in order. */
export function modelRuns(events: readonly unknown[]): { ts: number; dur: number }[] {
  return events
    .map((raw) => raw as { cat?: string; name?: string; ts?: number; dur?: number })
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .map((e) => ({ ts: e.ts ?? 0, dur: e.dur ?? 0 }));
}
