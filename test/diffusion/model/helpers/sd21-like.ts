/**
 * Turns the shapes model folder into one shaped like a real Stable Diffusion 2.1 ONNX export (early diffusers
 * script): `input_ids` int32, `timestep` int64 [batch], UNet weights in external data (`unet/model.onnx_data`),
 * SD 2's "!" pad token, and no downsample factor in the VAE config (it must come from block_out_channels).
 * The weights stay the shapes model's, so outputs can be compared with the original folder.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, decodeModel, encodeModel, node, type ModelProto } from '../../../../diffusion/onnx/proto';

/** Graph input `name` becomes `dtype`; a Cast back to `castTo` feeds every former consumer. */
function retypeInput(model: ModelProto, name: string, dtype: number, castTo: number): void {
  const g = model.graph!;
  const inp = g.input.find((i) => i.name === name)!;
  if (inp.type?.value.case === 'tensorType') inp.type.value.value.elemType = dtype;
  const cast = `${name}__cast`;
  for (const n of g.node) n.input = n.input.map((x) => (x === name ? cast : x));
  g.node.unshift(node('Cast', `/${name}/Cast`, [name], [cast], { to: castTo }));
}

/** Moves every initializer over 1 KB into `dataFile` beside the model (ONNX external data). */
export function externalise(model: ModelProto, dir: string, dataFile: string): number {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let moved = 0;
  for (const t of model.graph!.initializer) {
    if (t.rawData.length <= 1024) continue;
    const bytes = t.rawData.slice();
    t.externalData = [
      { key: 'location', value: dataFile },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(bytes.length) },
    ].map((e) => ({ $typeName: 'onnx.StringStringEntryProto', ...e })) as typeof t.externalData;
    t.dataLocation = 1;
    t.rawData = new Uint8Array(0);
    chunks.push(bytes);
    offset += bytes.length;
    moved++;
  }
  writeFileSync(join(dir, dataFile), Buffer.concat(chunks));
  return moved;
}

export function makeSd21LikeFolder(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sd21-like-'));
  cpSync(source, dir, { recursive: true, filter: (p) => !p.endsWith('.layout.onnx') });
  const te = decodeModel(readFileSync(join(dir, 'text_encoder/model.onnx')));
  retypeInput(te, 'input_ids', DataType.INT32, DataType.INT64);
  writeFileSync(join(dir, 'text_encoder/model.onnx'), encodeModel(te));
  const unet = decodeModel(readFileSync(join(dir, 'unet/model.onnx')));
  retypeInput(unet, 'timestep', DataType.INT64, DataType.FLOAT);
  externalise(unet, join(dir, 'unet'), 'model.onnx_data');
  writeFileSync(join(dir, 'unet/model.onnx'), encodeModel(unet));
  for (const f of ['tokenizer/tokenizer_config.json', 'tokenizer/special_tokens_map.json']) {
    const cfg = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    cfg.pad_token = '!';
    writeFileSync(join(dir, f), JSON.stringify(cfg));
  }
  const vae = JSON.parse(readFileSync(join(dir, 'vae_decoder/config.json'), 'utf8'));
  const factor = vae.downsample_factor as number;
  delete vae.downsample_factor;
  vae.block_out_channels = Array.from({ length: Math.log2(factor) + 1 }, (_, i) => 64 * 2 ** i);
  writeFileSync(join(dir, 'vae_decoder/config.json'), JSON.stringify(vae));
  return dir;
}
