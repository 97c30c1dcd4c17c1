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
}

export interface LoadedSession {
  session: InferenceSession;
  /** The provider the session really runs on. */
  provider: 'cpu' | 'cuda';
  modelPath: string;
  /** Set when a requested CUDA session fell back to CPU. */
  fallbackReason?: string;
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
  });
  const loaded = await cachedSession(key, () => openSession(absolute, opts));
  // A cache hit must still tell this caller that it is on CPU when CUDA was asked for.
  if (loaded.fallbackReason) opts.onWarning?.(fallbackMessage(loaded.fallbackReason));
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
      return { session, provider: 'cuda', modelPath: absolute };
    } catch (err) {
      fallbackReason = errorText(err);
    }
  }
  try {
    opts.logger?.(`onnx: opening ${absolute} on CPU`);
    const session = await InferenceSession.create(absolute, { ...base, executionProviders: ['cpu'], ...cpuThreadOptions() });
    return { session, provider: 'cpu', modelPath: absolute, fallbackReason };
  } catch (err) {
    throw new ModelError('E_ONNX_LOAD', `Expected a valid ONNX model at ${absolute} but onnxruntime rejected it: ${errorText(err)}`, {
      hint: 'Re-export the model, or check that its external weights file (e.g. model.onnx_data) sits beside it.',
      details: { path: absolute, fallbackReason },
      cause: err,
    });
  }
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

function fallbackMessage(reason: string): string {
  return `CUDA execution provider unavailable (${reason}); running on CPU. ${CUDA_HELP}`;
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}
