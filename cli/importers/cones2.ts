/**
 * Reference Cones 2 inference configs -> a cones-graph file. The reference format (a JSON array; element 0 is used):
 *
 *   prompt, residual_dict {name: path}, color_context {"R,G,B": [word, strength]}, guidance_steps, guidance_weight,
 *   weight_negative, layout (PNG path), subject_list [[name, token_index]]
 *
 * Paths in these configs are relative to the folder above the config's own folder (docs/method.md section 14). The
 * token index of `subject_list` is turned into a phrase of the prompt, so residual and layout are linked by words the
 * person can read instead of by a number that only holds for one tokenizer.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import type { GraphFile, NodeEntry } from '../../engine';
import { CodedError } from '../../errors/coded-error';

export interface Cones2Config {
  prompt: string;
  residual_dict?: Record<string, string>;
  color_context?: Record<string, [string, number]>;
  guidance_steps?: number;
  guidance_weight?: number;
  weight_negative?: number;
  layout?: string;
  subject_list?: Array<[string, number]>;
}

export interface ImportOptions {
  /** Where the config file is (its paths are resolved from the folder above it). */
  configPath: string;
  /** Where the graph will be written (paths in the graph are made relative to it). */
  graphPath: string;
  modelFolder: string;
  /** Base folder for the config's relative paths; default: the folder above the config's folder. */
  baseDir?: string;
}

export class ImportError extends CodedError<'E_IMPORT_CONES2'> {
  constructor(message: string) {
    super('E_IMPORT_CONES2', message);
    this.name = 'ImportError';
  }
}

/** Reference defaults (docs/method.md section 14): SD 2.1 768 px, Euler, 50 steps, CFG 7.5, seed 0. */
const REFERENCE = { steps: 50, cfg: 7.5, size: 768, seed: 0 };

const link = (from: string, output: string) => ({ from, output });

export function importCones2(raw: unknown, opts: ImportOptions): { graph: GraphFile; warnings: string[] } {
  const cfg = pickConfig(raw);
  const warnings: string[] = [];
  const base = opts.baseDir ?? resolve(dirname(opts.configPath), '..');
  const graphDir = dirname(resolve(opts.graphPath));
  const rel = (p: string) => relative(graphDir, resolve(base, p)) || '.';
  const nodes: Record<string, NodeEntry> = {
    model: { type: 'LoadModel', version: 1, inputs: { folder: opts.modelFolder } },
    tokens: { type: 'Tokenize', version: 1, inputs: { model: link('model', 'model'), text: cfg.prompt, mode: 'fixed' } },
    encode: { type: 'Encode', version: 1, inputs: { model: link('model', 'model'), tokens: link('tokens', 'tokens'), negative: '' } },
  };
  let conditioning = link('encode', 'conditioning');
  const phrases = Object.values(cfg.color_context ?? {}).map(([word]) => word);
  (cfg.subject_list ?? []).forEach(([name, index], k) => {
    const path = cfg.residual_dict?.[name];
    if (!path) {
      const known = Object.keys(cfg.residual_dict ?? {}).join(', ') || 'none';
      throw new ImportError(`subject_list names "${name}" but residual_dict has no entry for it (it has ${known}).`);
    }
    const { phrase, occurrence, note } = phraseAtToken(cfg.prompt, index, phrases);
    if (note) warnings.push(`${name}: ${note}`);
    nodes[`residual_${k}`] = { type: 'LoadResidual', version: 1, inputs: { path: rel(path) } };
    nodes[`add_residual_${k}`] = {
      type: 'AddResidual', version: 1,
      inputs: {
        conditioning, residual: link(`residual_${k}`, 'residual'), phrase, occurrence: String(occurrence), tokens: 'first', strength: 1,
      },
    };
    conditioning = link(`add_residual_${k}`, 'conditioning');
  });
  const sampler: NodeEntry = {
    type: 'GuidedSampler', version: 2,
    inputs: {
      model: link('model', 'model'), conditioning, guidance: link('cfg', 'guidance'), sampler: 'euler', steps: REFERENCE.steps,
      seed: REFERENCE.seed, width: REFERENCE.size, height: REFERENCE.size, layout_weight: cfg.guidance_weight ?? 0.08,
      guidance_steps: cfg.guidance_steps ?? REFERENCE.steps, eta_schedule: 'log1p_sigma_sq', resolutions: 'all', self_recurrence: 'on',
    },
  };
  if (cfg.layout && cfg.color_context && Object.keys(cfg.color_context).length) {
    const image = rel(findLayout(cfg.layout, base, opts.configPath, warnings));
    nodes.layout = { type: 'LayoutFromMask', version: 1, inputs: { image, colours: cfg.color_context } };
    sampler.inputs!.layout = link('layout', 'layout');
  }
  if (cfg.weight_negative !== undefined && cfg.weight_negative > -1e4) {
    warnings.push(`weight_negative ${cfg.weight_negative} is not a hard negative; ` +
      'cones-graph always masks subject tokens outside their region (the reference\'s -1e8).');
  }
  nodes.cfg = { type: 'CFG', version: 1, inputs: { scale: REFERENCE.cfg } };
  nodes.sampler = sampler;
  nodes.decode = { type: 'VAEDecode', version: 1, inputs: { model: link('model', 'model'), latent: link('sampler', 'latent') } };
  nodes.save = { type: 'SaveImage', version: 1, inputs: { image: link('decode', 'image'), prefix: 'cones2' } };
  const graph: GraphFile = {
    format: 'cones-graph', version: 1, nodes,
    meta: { title: `Imported Cones 2 config: ${cfg.prompt}`, importedFrom: relative(graphDir, resolve(opts.configPath)), warnings },
  };
  return { graph, warnings };
}

/** The reference configs' paths often point at the wrong folder: try the documented base, then beside the config. */
function findLayout(path: string, base: string, configPath: string, warnings: string[]): string {
  const candidates = [resolve(base, path), resolve(dirname(configPath), path), resolve(dirname(configPath), basename(path))];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    warnings.push(`layout ${path} was not found (looked at ${candidates.join(', ')}); fix the LayoutFromMask image path.`);
    return candidates[0];
  }
  if (found !== candidates[0]) warnings.push(`layout ${path} is not at ${candidates[0]}; using ${found}.`);
  return found;
}

function pickConfig(raw: unknown): Cones2Config {
  const cfg = Array.isArray(raw) ? raw[0] : raw;
  if (!cfg || typeof cfg !== 'object') {
    throw new ImportError('Expected a Cones 2 config: a JSON array whose first element is an object with "prompt".');
  }
  const c = cfg as Cones2Config;
  if (typeof c.prompt !== 'string' || !c.prompt.trim()) throw new ImportError('Expected the config to have a non-empty "prompt".');
  for (const [key, value] of Object.entries(c.color_context ?? {})) {
    const isWordStrength = Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number';
    if (!isWordStrength) throw new ImportError(`color_context["${key}"] should be [word, strength] but is ${JSON.stringify(value)}.`);
  }
  return c;
}

/**
 * The word at a reference token index. The reference configs count whitespace-separated words from 1 (BOS is 0),
 * which equals the CLIP token index only while every earlier word is one token: in "A dog, a pet cat" the "," is a
 * token of its own, so index 4 means "pet" to the config's author but "a" to the tokenizer. Importing by phrase
 * keeps the author's intent. Prefers a color_context phrase that starts at that word, so layout and residual name
 * the same subject; counts earlier occurrences so a repeated word keeps its place.
 */
export function phraseAtToken(
  prompt: string, index: number, phrases: readonly string[],
): { phrase: string; occurrence: number; note?: string } {
  const bare = (w: string) => w.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  const words = prompt.split(/\s+/).filter(Boolean).map(bare);
  const w = index - 1;
  if (!Number.isInteger(index) || w < 0 || w >= words.length || !words[w]) {
    throw new ImportError(`Token index ${index} is outside the prompt "${prompt}" (${words.length} words; index 1 is the first word).`);
  }
  const word = words[w];
  const occurrence = words.slice(0, w).filter((x) => x === word).length;
  const phrase = phrases.map(bare).find((candidate) => {
    const parts = candidate.split(/\s+/).filter(Boolean);
    return parts.length > 0 && parts.every((part, j) => words[w + j] === part);
  });
  const shifted = prompt.split(/\s+/).slice(0, w).some((x) => /[^\p{L}\p{N}]/u.test(x));
  const note = shifted
    ? `token index ${index} counts words; punctuation before it makes the CLIP token index differ, ` +
      `so the reference scripts would have put this residual on another token. Imported as the word "${word}".`
    : undefined;
  return { phrase: phrase ?? word, occurrence, note };
}
