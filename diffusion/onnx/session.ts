/**
 * Opening an ONNX model as an onnxruntime session, with an honest CUDA -> CPU fallback.
 *
 * onnxruntime-node does NOT fall back on its own: `executionProviders: ['cuda', 'cpu']` throws when the
 * CUDA provider libraries are absent (the npm package does not bundle them), so CUDA is tried alone
 * and CPU is retried explicitly, reporting why through `onWarning`.
 * The CUDA branch is written against the documented API but has never run on a GPU here.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ModelError } from '../errors';
import { SD_FOLDER_LAYOUT } from './codes';
import { InferenceSession, type SessionOptions } from './ort';
import { float32Copy, hasReducedFloats } from './convert/float32-copy';
import { cachedSession, sessionCacheKey } from './session-cache';

export type ProviderChoice = 'cpu' | 'cuda' | 'auto';

export interface CreateSessionOptions {
  /** 'auto' and 'cuda' both try CUDA first and fall back to CPU with a warning. Default 'cpu'. */
  provider?: ProviderChoice;
  /** CUDA device ordinal (the only CUDA option the Node binding accepts). */
  deviceId?: number;
  /** Where ORT writes the graph it actually runs, after its optimisations (debugging, tests). */
  optimizedModelFilePath?: string;
  /** ORT graph optimisation level; ORT's default is 'all'. */
  graphOptimizationLevel?: SessionOptions['graphOptimizationLevel'];
  onWarning?: (message: string) => void;
  logger?: (message: string) => void;
  /**
   * The folder external-data weights are read from, when the model file is not beside them (a patched UNet in the
   * cache folder reads the original export's weights in place: ORT's model_external_initializers_file_folder_path).
   */
  externalDataFolder?: string;
  /** false: a float16 / bfloat16 model the CPU provider rejects is an error instead of running as a float32 copy. */
  float32Fallback?: boolean;
  /**
   * onnxruntime's CPU memory arena. Default: on, unless CONES_CPU_ARENA=0. Off, activations are returned to the
   * allocator after each call; with the query-sliced SD-1.5-sized UNet that lowers the peak only when glibc also
   * returns large blocks (MALLOC_MMAP_THRESHOLD_=1048576: 1.14x the weights vs 1.22x on; alone 1.34x; bench/RESULTS.md,
   * section large).
   */
  cpuMemArena?: boolean;
  /**
   * 'lean': onnxruntime's memory pattern off (it plans one block for every intermediate tensor of a call, per input
   * shape). openUnet uses it for the UNet when CONES_UNET_MEMORY=lean (diffusion/model/unet.ts says what it
   * measured). Default 'default': ORT's own settings.
   */
  memory?: 'default' | 'lean';
  /**
   * Turns on onnxruntime's per-node profiler for the session's whole life: it writes PREFIX_DATE_TIME.json (a Chrome
   * trace) on session.endProfiling(). Used by the benchmark to attribute a call's time to the nodes that ran.
   */
  profileFilePrefix?: string;
}

export interface LoadedSession {
  session: InferenceSession;
  /** The provider the session really runs on. */
  provider: 'cpu' | 'cuda';
  modelPath: string;
  /** Set when a requested CUDA session fell back to CPU. */
  fallbackReason?: string;
  /** Set when the session runs a float32 copy of a float16 / bfloat16 export (CPU provider without kernels). */
  float32Copy?: string;
  /** Warnings every caller opening this session is told (the CUDA fallback, the float32 copy). */
  notes: string[];
}

const CUDA_HELP =
  'To use CUDA: copy the CUDA provider libraries (libonnxruntime_providers_cuda.so, libonnxruntime_providers_shared.so, ' +
  'libonnxruntime_providers_tensorrt.so, built for CUDA 12 + cuDNN 9) into node_modules/onnxruntime-node/bin/napi-v6/linux/x64/; ' +
  'see diffusion/onnx/README.md.';

/** Creates (or reuses from the cache) a session for `modelPath`. */
export async function createSession(modelPath: string, opts: CreateSessionOptions = {}): Promise<LoadedSession> {
  const absolute = resolve(modelPath);
  assertModelFile(absolute);
  const key = sessionCacheKey(absolute, {
    provider: opts.provider ?? 'cpu',
    deviceId: opts.deviceId ?? 0,
    optimizedModelFilePath: opts.optimizedModelFilePath ?? '',
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    externalDataFolder: opts.externalDataFolder ?? '',
    float32Fallback: opts.float32Fallback === false ? 0 : 1,
    cpuMemArena: arenaEnabled(opts) ? 1 : 0,
    memory: opts.memory ?? 'default',
    profileFilePrefix: opts.profileFilePrefix ?? '',
  });
  const loaded = await cachedSession(key, () => openSession(absolute, opts));
  // A cache hit must still tell this caller that it is on CPU when CUDA was asked for, or runs a float32 copy.
  for (const note of loaded.notes) opts.onWarning?.(note);
  return loaded;
}

export function assertModelFile(absolute: string): void {
  if (existsSync(absolute) && statSync(absolute).isFile()) return;
  throw new ModelError('E_MODEL_FILE_MISSING', `Expected an ONNX model file at ${absolute} but found none.`, {
    hint: `Point the model folder at a Stable Diffusion ONNX export laid out as:\n  ${SD_FOLDER_LAYOUT}`,
    details: { path: absolute },
  });
}

async function openSession(absolute: string, opts: CreateSessionOptions): Promise<LoadedSession> {
  const base: SessionOptions = {
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    ...(arenaEnabled(opts) ? {} : { enableCpuMemArena: false }),
    ...(opts.memory === 'lean' ? { enableMemPattern: false } : {}),
    ...(opts.profileFilePrefix ? { enableProfiling: true, profileFilePrefix: resolve(opts.profileFilePrefix) } : {}),
    ...(opts.optimizedModelFilePath ? { optimizedModelFilePath: resolve(opts.optimizedModelFilePath) } : {}),
    ...(opts.externalDataFolder
      ? { extra: { session: { model_external_initializers_file_folder_path: resolve(opts.externalDataFolder) } } }
      : {}),
  };
  const provider = opts.provider ?? 'cpu';
  let fallbackReason: string | undefined;
  if (provider !== 'cpu') {
    try {
      opts.logger?.(`onnx: opening ${absolute} on CUDA device ${opts.deviceId ?? 0}`);
      const session = await InferenceSession.create(absolute, {
        ...base,
        executionProviders: [{ name: 'cuda', deviceId: opts.deviceId ?? 0 }],
        // Keeps session-level noise down; ORT's process-wide logger still prints one line when the
        // provider library is missing, and onWarning below says what it means.
        logSeverityLevel: 4,
      });
      return { session, provider: 'cuda', modelPath: absolute, notes: [] };
    } catch (err) {
      fallbackReason = errorText(err);
    }
  }
  const notes = fallbackReason ? [fallbackMessage(fallbackReason)] : [];
  try {
    opts.logger?.(`onnx: opening ${absolute} on CPU`);
    const session = await InferenceSession.create(absolute, { ...base, executionProviders: ['cpu'], ...cpuThreadOptions() });
    return { session, provider: 'cpu', modelPath: absolute, fallbackReason, notes };
  } catch (err) {
    if (opts.float32Fallback !== false && hasReducedFloats(absolute)) {
      return openFloat32Copy(absolute, opts, base, errorText(err), { fallbackReason, notes });
    }
    throw loadError(absolute, err, fallbackReason);
  }
}

/**
 * onnxruntime's CPU provider runs most float16 graphs (it casts around ops without half kernels) but rejects
 * bfloat16 ones and some ops: such an export runs as a float32 copy written once into the cache (never beside it).
 */
async function openFloat32Copy(
  absolute: string, opts: CreateSessionOptions, base: SessionOptions, reason: string, prior: { fallbackReason?: string; notes: string[] },
): Promise<LoadedSession> {
  const copy = await float32Copy(absolute, { externalDataFolder: opts.externalDataFolder });
  const { extra: _external, ...rest } = base; // the copy carries its own weights beside it
  try {
    const session = await InferenceSession.create(copy.path, { ...rest, executionProviders: ['cpu'], ...cpuThreadOptions() });
    const note = `onnxruntime's CPU provider cannot run ${absolute} in its own precision (${reason}); running a float32 copy ` +
      `${copy.cached ? 'made earlier' : 'made now'} in ${copy.path} (twice the weights' size on disk and in memory). ` +
      'On CUDA the export runs as it is.';
    return { session, provider: 'cpu', modelPath: absolute, fallbackReason: prior.fallbackReason, float32Copy: copy.path, notes: [...prior.notes, note] };
  } catch (err) {
    throw loadError(absolute, err, prior.fallbackReason, `(also as the float32 copy ${copy.path}; first error: ${reason})`);
  }
}

/** E_ONNX_KERNEL_MISSING naming the op when onnxruntime says so, else E_ONNX_LOAD. */
function loadError(absolute: string, err: unknown, fallbackReason: string | undefined, extra = ''): ModelError {
  const text = errorText(err);
  const kernel = /Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)'/.exec(text);
  if (kernel) {
    return new ModelError('E_ONNX_KERNEL_MISSING', `Expected onnxruntime's ${fallbackReason ? 'CPU ' : ''}provider to run op ${kernel[1]} ` +
      `(opset ${kernel[2]}, node "${kernel[3]}") of ${absolute} but it has no kernel for the types this export uses ${extra}`.trim() + '.', {
      hint: 'Run this model with provider "cuda", or re-export it in float32 (or with opset and types onnxruntime\'s CPU provider supports).',
      details: { path: absolute, op: kernel[1], opset: Number(kernel[2]), node: kernel[3], fallbackReason },
      cause: err,
    });
  }
  return new ModelError('E_ONNX_LOAD', `Expected a valid ONNX model at ${absolute} but onnxruntime rejected it: ${text} ${extra}`.trim(), {
    hint: 'Re-export the model, or check that its external weights file (e.g. model.onnx_data) sits beside it.',
    details: { path: absolute, fallbackReason },
    cause: err,
  });
}

/**
 * CPU intra-op threads: one per core by default. Left unset, ORT ran a 2048^3 MatMul at 115 GFLOP/s against 302 with
 * two threads and the shapes UNet 18% slower on the 2-core build machine (bench/RESULTS.md, section compute).
 * CONES_CPU_THREADS=N overrides it; 0 leaves ORT's own default.
 */
export function cpuThreadOptions(env: NodeJS.ProcessEnv = process.env): Pick<SessionOptions, 'intraOpNumThreads'> {
  const raw = env.CONES_CPU_THREADS;
  if (raw === undefined || raw === '') return { intraOpNumThreads: availableParallelism() };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new ModelError('E_CPU_THREADS', `Expected CONES_CPU_THREADS to be a whole number >= 0 but received "${raw}".`, {
      hint: 'Unset it for one thread per core, or set 0 for onnxruntime\'s own default.',
    });
  }
  return n === 0 ? {} : { intraOpNumThreads: n };
}

/** The option if given, else CONES_CPU_ARENA (0 = off; anything else or unset = on). */
export function arenaEnabled(opts: Pick<CreateSessionOptions, 'cpuMemArena'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return opts.cpuMemArena ?? env.CONES_CPU_ARENA !== '0';
}

function fallbackMessage(reason: string): string {
  return `CUDA execution provider unavailable (${reason}); running on CPU. ${CUDA_HELP}`;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}
