import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspectSdFolder } from '../../../diffusion/model/inspect-folder';
import { SHAPES_MODEL } from '../../helpers/paths';
import { scratchDir } from '../../helpers/scratch';

test('the embedded model: text width, VAE factor, size and tokenizer, read without a session', async () => {
  const facts = await inspectSdFolder(SHAPES_MODEL);
  assert.equal(facts.textWidth, 128);
  assert.equal(facts.vaeFactor, 4);
  assert.equal(facts.defaultSize, 64);
  assert.equal(facts.predictionType, 'epsilon');
  assert.equal(facts.id, 'shapes');
  assert.deepEqual(facts.tokenizer.tokenize('a red circle', { mode: 'adaptive' }).words.map((w) => w.text), ['a', 'red', 'circle']);
});

test('text width falls back to the UNet cross_attention_dim; without either it is unknown, not guessed', async () => {
  const dir = join(scratchDir('inspect'), 'model');
  cpSync(SHAPES_MODEL, dir, { recursive: true });
  rmSync(join(dir, 'text_encoder', 'config.json'));
  assert.equal((await inspectSdFolder(dir)).textWidth, 128);
  writeFileSync(join(dir, 'unet', 'config.json'), '{}');
  assert.equal((await inspectSdFolder(dir)).textWidth, undefined);
});

test('the tokenizer is parsed once per folder and again when its files change', async () => {
  const dir = join(scratchDir('inspect'), 'model');
  cpSync(SHAPES_MODEL, dir, { recursive: true });
  const first = (await inspectSdFolder(dir)).tokenizer;
  assert.equal((await inspectSdFolder(dir)).tokenizer, first);
  writeFileSync(join(dir, 'tokenizer', 'vocab.json'), '[1, 2]');
  await assert.rejects(inspectSdFolder(dir), { code: 'E_TOKENIZER_VOCAB_INVALID' });
});

test('configs the loader refuses are refused with its codes', async () => {
  const dir = join(scratchDir('inspect'), 'model');
  cpSync(SHAPES_MODEL, dir, { recursive: true });
  writeFileSync(join(dir, 'scheduler', 'scheduler_config.json'), JSON.stringify({ prediction_type: 'sample' }));
  await assert.rejects(inspectSdFolder(dir), { code: 'E_MODEL_UNSUPPORTED_EXPORT' });
  writeFileSync(join(dir, 'scheduler', 'scheduler_config.json'), 'not json');
  await assert.rejects(inspectSdFolder(dir), { code: 'E_MODEL_CONFIG' });
  writeFileSync(join(dir, 'scheduler', 'scheduler_config.json'), JSON.stringify({ num_train_timesteps: -1 }));
  await assert.rejects(inspectSdFolder(dir), { code: 'E_SCHEDULER_CONFIG' });
});
