/**
 * The Stable Diffusion replicas in test/fixtures/sd-replicas/ (training/make_sd_replicas.py): what each folder
 * declares, what its architecture implies for the layout surgery, and small tools to run graphs on them.
 */
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { InputOverride } from '../../../engine';
import { REPO } from '../../helpers/paths';

export const REPLICAS_DIR = join(REPO, 'test', 'fixtures', 'sd-replicas');

export interface Replica {
  name: 'sd15' | 'sd21' | 'sd15-fp16' | 'sd21-fp16';
  /** Float type of the UNet's sample / encoder_hidden_states and the VAE decoder's latent_sample. */
  float: 'float32' | 'float16';
  ids: 'int64' | 'int32';
  timestep: 'int64' | 'float32' | 'float16';
  prediction: 'epsilon' | 'v_prediction';
  /** Token id the tokenizer pads with: "<|endoftext|>" (673) for SD 1, "!" (0) for SD 2. */
  padId: number;
  /** Logits rank of the cross-attention: 4 (torch 2 SDPA, [B, H, S, T]) or 3 (baddbmm, [B*H, S, T]). */
  rank: 3 | 4;
  /** The float32 folder holding the same weights (for the fp16 ones). */
  sibling?: Replica['name'];
}

export const REPLICAS: readonly Replica[] = [
  { name: 'sd15', float: 'float32', ids: 'int64', timestep: 'int64', prediction: 'epsilon', padId: 673, rank: 4 },
  { name: 'sd21', float: 'float32', ids: 'int32', timestep: 'float32', prediction: 'v_prediction', padId: 0, rank: 3 },
  { name: 'sd15-fp16', float: 'float16', ids: 'int64', timestep: 'int64', prediction: 'epsilon', padId: 673, rank: 4, sibling: 'sd15' },
  { name: 'sd21-fp16', float: 'float16', ids: 'int32', timestep: 'float16', prediction: 'v_prediction', padId: 0, rank: 3, sibling: 'sd21' },
];

export const replicaDir = (name: string): string => join(REPLICAS_DIR, name);

export function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/**
 * The cross-attention scopes a diffusers UNet2DConditionModel config implies, in graph order (down, mid, up):
 * CrossAttnDownBlock2D i has layers_per_block transformers, the UNetMidBlock2DCrossAttn one, CrossAttnUpBlock2D j
 * layers_per_block + 1. Each is `/<block>/attentions.<k>/transformer_blocks.0/attn2/`.
 */
export function expectedCrossAttentionScopes(unetConfig: Record<string, unknown>): string[] {
  const layers = unetConfig.layers_per_block as number;
  const scopes: string[] = [];
  const add = (block: string, n: number) => {
    for (let k = 0; k < n; k++) scopes.push(`/${block}/attentions.${k}/transformer_blocks.0/attn2/`);
  };
  (unetConfig.down_block_types as string[]).forEach((t, i) => t.startsWith('CrossAttn') && add(`down_blocks.${i}`, layers));
  if (unetConfig.mid_block_type === undefined || unetConfig.mid_block_type === 'UNetMidBlock2DCrossAttn') add('mid_block', 1);
  (unetConfig.up_block_types as string[]).forEach((t, j) => t.startsWith('CrossAttn') && add(`up_blocks.${j}`, layers + 1));
  return scopes;
}

/** Query length S of a scope at a latent size from the architecture: level = down index, lowest for mid, last - up index. */
export function expectedQueryLength(scope: string, levels: number, latent: { height: number; width: number }): number {
  const down = /down_blocks\.(\d+)/.exec(scope), up = /up_blocks\.(\d+)/.exec(scope);
  const level = down ? Number(down[1]) : up ? levels - 1 - Number(up[1]) : levels - 1;
  return Math.ceil(latent.height / 2 ** level) * Math.ceil(latent.width / 2 ** level);
}

/**
 * `--set` overrides that point an example graph at a replica: LoadModel's folder, the sampler's steps and size (and
 * an image-to-image graph's ResizeImage size), and every LoadResidual's path to the replica's residual for the phrase it is added to (random_<word>).
 */
export function replicaOverrides(
  graph: { nodes: Record<string, { type: string; inputs?: Record<string, unknown> }> }, folder: string,
  opts: { steps: number; width: number; height: number },
): InputOverride[] {
  const out: InputOverride[] = [];
  const residuals = new Set(readdirSync(join(folder, 'residuals')));
  for (const [id, node] of Object.entries(graph.nodes)) {
    if (node.type === 'LoadModel') out.push({ nodeId: id, input: 'folder', text: folder });
    if (node.type === 'GuidedSampler') out.push({ nodeId: id, input: 'steps', text: String(opts.steps) });
    if (node.type === 'GuidedSampler' || node.type === 'ResizeImage') { // img2img: the input image sets the size
      out.push({ nodeId: id, input: 'width', text: String(opts.width) }, { nodeId: id, input: 'height', text: String(opts.height) });
    }
    if (node.type === 'LoadResidual') {
      const user = Object.values(graph.nodes).find((n) => n.type === 'AddResidual' &&
        (n.inputs?.residual as { from?: string } | undefined)?.from === id);
      const phrase = String(user?.inputs?.phrase ?? 'circle');
      const file = residuals.has(`random_${phrase}.safetensors`) ? `random_${phrase}.safetensors` : 'random_circle.safetensors';
      out.push({ nodeId: id, input: 'path', text: join(folder, 'residuals', file) });
    }
  }
  return out;
}

/** Every file and folder below `dir` with its size and modification time (to prove nothing was written). */
export function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .map((path) => `${path}:${statSync(path).size}:${statSync(path).mtimeMs}`)
    .sort();
}

/** chmod every folder below `dir` (and `dir`): 0o555 makes the tree read-only for non-root users. */
export function chmodTree(dir: string, mode: number): void {
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory()) chmodSync(join(e.parentPath ?? e.path, e.name), mode);
  }
  chmodSync(dir, mode);
}
