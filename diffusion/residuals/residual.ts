/**
 * Residual token embeddings on disk (docs/method.md section 3): one vector Δ of the text encoder's output width.
 *
 * - Our format: safetensors with one F32 tensor "residual" of shape [1, D], and string metadata
 *   { format: "cones-graph-residual/1", base_word, model, width, recipe (JSON) }.
 * - The reference format: a torch.save'd bare float tensor [1, D] (`.pt`), read without Python.
 * The format is recognised from the bytes, not the file extension.
 */
import { writeFile } from 'node:fs/promises';
import { ModelError } from '../errors';
import { readBounded } from '../io/bounded-read';
import { RESIDUAL_CODES } from './codes';
import { looksLikeSafetensors, parseSafetensors, serializeSafetensors } from './safetensors';
import { readTorchTensor } from './torch-pt';
import { isZip } from './zip';

export const RESIDUAL_FORMAT = 'cones-graph-residual/1';
export const RESIDUAL_TENSOR_NAME = 'residual';
/** Protocol-2 pickle header: a pre-1.6 torch.save file (not a zip). */
const LEGACY_TORCH_MAGIC = [0x80, 0x02];

export interface Residual {
  /** Δ: [D] */
  readonly vector: Float32Array;
  readonly width: number;
  readonly baseWord?: string;
  readonly model?: string;
  /** Parsed `recipe` metadata (training settings), when present and valid JSON. */
  readonly recipe?: unknown;
  readonly metadata: Readonly<Record<string, string>>;
  readonly source: 'safetensors' | 'pt';
}

export interface ResidualToWrite {
  readonly vector: Float32Array;
  readonly baseWord?: string;
  readonly model?: string;
  readonly recipe?: unknown;
  /** Extra string metadata; the standard keys above take precedence. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Reads a residual from a path or from bytes (`name` labels bytes in messages). */
export function readResidual(input: string | Uint8Array, name = 'the residual bytes'): Residual {
  const source = typeof input === 'string' ? input : name;
  const bytes = typeof input === 'string' ? readBytes(input) : input;
  if (isZip(bytes)) {
    const { ref, data } = readTorchTensor(bytes, source);
    return finish(data, ref.shape, {}, 'pt', source);
  }
  if (looksLikeSafetensors(bytes)) {
    const file = parseSafetensors(bytes, source);
    if (file.tensors.length !== 1) {
      const names = file.tensors.map((t) => t.name).join(', ') || 'none';
      throw new ModelError(RESIDUAL_CODES.shape, `Expected one tensor in ${source} but it holds ${file.tensors.length} (${names}).`, {
        hint: 'A residual file holds exactly one vector; save each residual to its own file.',
      });
    }
    return finish(file.tensors[0].data, file.tensors[0].shape, file.metadata, 'safetensors', source);
  }
  const legacy = LEGACY_TORCH_MAGIC.every((b, i) => bytes[i] === b);
  const found = legacy
    ? 'it is a legacy (pre-1.6) torch.save file'
    : `its first bytes are ${Buffer.from(bytes.subarray(0, 8)).toString('hex') || '(empty)'}`;
  throw new ModelError(RESIDUAL_CODES.format, `Expected a residual in safetensors or PyTorch zip (.pt) format at ${source} but ${found}.`, {
    hint: legacy
      ? 'Re-save it with a current PyTorch (torch.save(tensor, path)).'
      : 'Use a .safetensors file written by this project or a .pt residual from the Cones 2 reference trainer.',
  });
}

function readBytes(path: string): Uint8Array {
  try {
    return readBounded(path, 'residual');
  } catch (err) {
    if (err instanceof ModelError) throw err; // E_FILE_TOO_LARGE
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is none' : `it cannot be read (${(err as Error).message})`;
    throw new ModelError(RESIDUAL_CODES.notFound, `Expected a residual file at ${path} but ${reason}.`, {
      hint: 'Check the path (relative paths resolve from the working directory).',
      cause: err,
    });
  }
}

function finish(
  data: Float32Array, shape: readonly number[], metadata: Readonly<Record<string, string>>, kind: Residual['source'], source: string,
): Residual {
  const isVector = (shape.length === 1 || (shape.length === 2 && shape[0] === 1)) && shape[shape.length - 1] > 0;
  if (!isVector) {
    throw new ModelError(RESIDUAL_CODES.shape, `Expected a residual of shape [1, D] or [D] in ${source} ` +
      `but received [${shape.join(', ')}].`, {
      hint: 'A residual is one vector of the text encoder width (1024 for SD 2.x, 768 for SD 1.x).',
    });
  }
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new ModelError(RESIDUAL_CODES.corrupt, `Expected finite values in ${source} but element ${bad} is ${data[bad]}.`, {
      hint: 'The residual training diverged or the file is damaged; retrain or re-export it.',
    });
  }
  const width = data.length;
  if (metadata.width !== undefined && Number(metadata.width) !== width) {
    throw new ModelError(RESIDUAL_CODES.corrupt, `Expected metadata width ${metadata.width} in ${source} to match its ${width} values ` +
      'but it does not.', {
      hint: 'The file was edited or damaged; re-export it.',
    });
  }
  return {
    vector: data, width, baseWord: metadata.base_word, model: metadata.model, recipe: parseRecipe(metadata.recipe), metadata, source: kind,
  };
}

function parseRecipe(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text; // a human-written recipe note is kept as text rather than rejected
  }
}

/** Safetensors bytes of a residual: tensor "residual" [1, D] plus metadata. */
export function encodeResidualSafetensors(residual: ResidualToWrite): Uint8Array {
  const metadata: Record<string, string> = { ...residual.metadata, format: RESIDUAL_FORMAT, width: String(residual.vector.length) };
  if (residual.baseWord !== undefined) metadata.base_word = residual.baseWord;
  if (residual.model !== undefined) metadata.model = residual.model;
  if (residual.recipe !== undefined) metadata.recipe = JSON.stringify(residual.recipe);
  return serializeSafetensors([{ name: RESIDUAL_TENSOR_NAME, shape: [1, residual.vector.length], data: residual.vector }], metadata);
}

export async function writeResidualSafetensors(path: string, residual: ResidualToWrite): Promise<void> {
  await writeFile(path, encodeResidualSafetensors(residual));
}

/**
 * Throws E_RESIDUAL_WIDTH unless the residual fits a text encoder of `width`. `context` names the model and,
 * optionally, the residual, e.g. { model: 'sd-2.1', residual: 'dog.pt' }.
 */
export function checkResidualWidth(
  residual: Pick<Residual, 'width' | 'model'>, width: number, context: { model?: string; residual?: string } = {},
): void {
  if (residual.width === width) return;
  const guess = GENERATION_BY_WIDTH[residual.width];
  const trainedFor = guess ? ` (trained for ${guess}?)` : residual.model ? ` (trained for ${residual.model})` : '';
  const from = context.residual ? ` from ${context.residual}` : '';
  throw new ModelError(RESIDUAL_CODES.width, `Expected a residual of width ${width} for model ${context.model ?? 'in use'} ` +
    `but received ${residual.width}${trainedFor}${from}.`, {
    hint: 'A residual only works with the text encoder it was trained on: pick a residual trained for this model, or switch model.',
    details: { expected: width, received: residual.width, ...context },
  });
}

/** Text encoder output widths of the Stable Diffusion generations (CLIP ViT-L/14: 768; OpenCLIP ViT-H/14: 1024). */
const GENERATION_BY_WIDTH: Readonly<Record<number, string>> = { 768: 'SD 1.x', 1024: 'SD 2.x' };
