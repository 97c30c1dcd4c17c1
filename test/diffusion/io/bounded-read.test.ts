/**
 * Size limits before reading (issue 23, item 3): every reader of a whole file refuses one over its kind's limit with
 * E_FILE_TOO_LARGE, without reading it. The big files here are sparse (truncate), so they cost no disk or time.
 */
import assert from 'node:assert/strict';
import { cpSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FILE_LIMITS, readBounded } from '../../../diffusion/io/bounded-read';
import { readColourLayout } from '../../../diffusion/layout/colour-layout';
import { readSdFolder } from '../../../diffusion/model/sd-folder';
import { readResidual } from '../../../diffusion/residuals/residual';
import { loadClipTokenizer } from '../../../diffusion/tokenizer';
import { SHAPES_MODEL } from '../../helpers/paths';
import { scratchDir } from '../../helpers/scratch';

const dir = scratchDir('bounded');
const sparse = (name: string, bytes: number): string => {
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
};

test('readBounded reads files up to the limit and refuses one byte more', () => {
  assert.equal(readBounded(sparse('at-limit.bin', FILE_LIMITS.config), 'config').length, FILE_LIMITS.config);
  assert.throws(() => readBounded(sparse('over.bin', FILE_LIMITS.config + 1), 'config'), { code: 'E_FILE_TOO_LARGE' });
});

test('a residual, a layout image, a tokenizer file and a model config over their limits are refused', async () => {
  assert.throws(() => readResidual(sparse('huge.safetensors', FILE_LIMITS.residual + 1)), { code: 'E_FILE_TOO_LARGE' });
  const hugeImage = sparse('huge.png', FILE_LIMITS.image + 1);
  await assert.rejects(readColourLayout(hugeImage, { '1,2,3': ['x', 1] }, { width: 8, height: 8 }), { code: 'E_FILE_TOO_LARGE' });

  const tokenizer = join(dir, 'tokenizer');
  cpSync(join(SHAPES_MODEL, 'tokenizer'), tokenizer, { recursive: true });
  truncateSync(join(tokenizer, 'vocab.json'), FILE_LIMITS.tokenizer + 1);
  await assert.rejects(loadClipTokenizer(tokenizer), { code: 'E_FILE_TOO_LARGE' });

  const model = join(dir, 'model');
  cpSync(SHAPES_MODEL, model, { recursive: true, filter: (src) => !src.endsWith('.onnx') });
  for (const part of ['text_encoder', 'unet', 'vae_decoder']) writeFileSync(join(model, part, 'model.onnx'), ''); // only looked for
  truncateSync(join(model, 'scheduler', 'scheduler_config.json'), FILE_LIMITS.config + 1);
  assert.throws(() => readSdFolder(model), { code: 'E_FILE_TOO_LARGE' });
});

test('a layout PNG declaring a canvas over 8192 x 8192 is refused before decoding', async () => {
  const sharp = (await import('sharp')).default;
  const path = join(dir, 'wide.png');
  await sharp({ create: { width: 16_384, height: 4_200, channels: 3, background: '#ffffff' } }).png().toFile(path);
  await assert.rejects(readColourLayout(path, { '1,2,3': ['x', 1] }, { width: 8, height: 8 }), { code: 'E_LAYOUT_IMAGE_READ' });
});
