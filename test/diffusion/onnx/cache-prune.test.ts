/**
 * Cache housekeeping (diffusion/onnx/cache-prune.ts): derived files of a source that is gone are removed when the next
 * derived file is written; nothing else is (another host's, a live source's, an unrecorded one, a link, a fresh temp).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { derivedFrom, META_DERIVED_FROM } from '../../../diffusion/onnx/cache-dir';
import { ABANDONED_MS, pruneCache } from '../../../diffusion/onnx/cache-prune';
import { float32Copy } from '../../../diffusion/onnx/convert/float32-copy';
import { DataType, decodeModel, encodeModel, metadataEntry } from '../../../diffusion/onnx/proto';
import { patchUnetFile } from '../../../diffusion/onnx/surgery/patch-unet';
import { readModelMetadata } from '../../../diffusion/onnx/surgery/model-metadata';
import { SHAPES_MODEL } from '../../helpers/paths';
import { scratchDir } from '../../helpers/scratch';
import { halfGraph } from '../model/helpers/half-folder';

let savedCacheDir: string | undefined;
before(() => {
  savedCacheDir = process.env.CONES_CACHE_DIR;
  process.env.CONES_CACHE_DIR = scratchDir('prune-cache');
});
after(() => {
  if (savedCacheDir === undefined) delete process.env.CONES_CACHE_DIR;
  else process.env.CONES_CACHE_DIR = savedCacheDir;
});

/** A metadata-only ONNX file, as readModelMetadata sees a derived file. */
function derivedFile(path: string, record?: string): void {
  const model = create(ModelProtoSchema, { irVersion: 8n, metadataProps: record === undefined ? [] : [metadataEntry(META_DERIVED_FROM, record)] });
  writeFileSync(path, encodeModel(model));
}

const age = (path: string, ms: number) => {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
};

test('pruneCache removes the derived files of a gone source of this host, and only those', () => {
  const root = scratchDir('prune-unit');
  const kind = join(root, 'float32');
  mkdirSync(kind);
  const live = join(scratchDir('prune-live-source'), 'model.onnx');
  writeFileSync(live, 'x');
  const gone = '/nonexistent/cones-prune-test/model.onnx';
  const rec = (host: string, path: string) => JSON.stringify({ host, path });
  const f = (name: string) => join(kind, name);

  derivedFile(f('gone.f32.onnx'), rec('h1', gone));
  writeFileSync(f('gone.f32.onnx.data'), Buffer.alloc(1000));
  derivedFile(f('other-host.f32.onnx'), rec('h2', gone));
  derivedFile(f('live.f32.onnx'), rec('h1', live));
  derivedFile(f('unrecorded.f32.onnx'));
  derivedFile(f('relative.f32.onnx'), rec('h1', 'model.onnx'));
  derivedFile(f('bad-json.f32.onnx'), '{not json');
  writeFileSync(f('garbage.f32.onnx'), 'not a protobuf at all \u0000\u00ff');
  // A link named like a derived file, to a file whose record says its source is gone: neither is removed.
  const victim = join(scratchDir('prune-victim'), 'victim.onnx');
  derivedFile(victim, rec('h1', gone));
  symlinkSync(victim, f('link.f32.onnx'));
  // Temp files and lone data files: removed once a day old.
  writeFileSync(f('x.f32.onnx.tmp-123'), 'partial');
  age(f('x.f32.onnx.tmp-123'), ABANDONED_MS + 60_000);
  writeFileSync(f('y.f32.onnx.tmp-456'), 'being written');
  writeFileSync(f('lone.f32.onnx.data'), 'orphan');
  age(f('lone.f32.onnx.data'), ABANDONED_MS + 60_000);
  derivedFile(f('kept.f32.onnx'));
  writeFileSync(f('kept.f32.onnx.data'), 'weights');
  age(f('kept.f32.onnx.data'), ABANDONED_MS + 60_000);
  // Files directly in the cache root are no kind's: left alone.
  derivedFile(join(root, 'gone.onnx'), rec('h1', gone));

  const result = pruneCache({ dir: root, host: 'h1' });
  assert.deepEqual(result.removed.map((p) => p.slice(kind.length + 1)).sort(),
    ['gone.f32.onnx', 'gone.f32.onnx.data', 'lone.f32.onnx.data', 'x.f32.onnx.tmp-123']);
  assert.ok(result.bytes >= 1000);
  for (const kept of ['other-host.f32.onnx', 'live.f32.onnx', 'unrecorded.f32.onnx', 'relative.f32.onnx', 'bad-json.f32.onnx',
    'garbage.f32.onnx', 'link.f32.onnx', 'y.f32.onnx.tmp-456', 'kept.f32.onnx', 'kept.f32.onnx.data']) {
    assert.ok(existsSync(f(kept)), kept);
  }
  assert.ok(existsSync(victim) && existsSync(join(root, 'gone.onnx')));
  assert.deepEqual(pruneCache({ dir: root, host: 'h1' }).removed, [], 'a second pass removes nothing');
  assert.deepEqual(pruneCache({ dir: join(root, 'absent') }).removed, [], 'a missing cache folder is no error');
});

test('derived files record their source; moving a model folder away frees its files at the next write', async () => {
  // Two model folders: a patched UNet and a float32 copy of a bfloat16 text encoder from the first.
  const first = scratchDir('prune-model-a');
  const second = scratchDir('prune-model-b');
  for (const dir of [first, second]) cpSync(join(SHAPES_MODEL, 'unet'), join(dir, 'unet'), { recursive: true });
  mkdirSync(join(first, 'text_encoder'));
  const te = join(first, 'text_encoder', 'model.onnx');
  writeFileSync(te, encodeModel(halfGraph(decodeModel(readFileSync(join(SHAPES_MODEL, 'text_encoder/model.onnx'))), DataType.BFLOAT16)));

  const patched = await patchUnetFile(join(first, 'unet', 'model.onnx'));
  const copy = await float32Copy(te);
  assert.equal(readModelMetadata(patched.path).get(META_DERIVED_FROM), derivedFrom(join(first, 'unet', 'model.onnx')));
  assert.equal(readModelMetadata(copy.path).get(META_DERIVED_FROM), derivedFrom(te));
  assert.ok(existsSync(`${copy.path}.data`));

  rmSync(first, { recursive: true });
  const notes: string[] = [];
  const other = await patchUnetFile(join(second, 'unet', 'model.onnx'), { logger: (l) => notes.push(l) });
  assert.equal(existsSync(patched.path), false, 'the gone UNet\'s patched file was removed');
  assert.equal(existsSync(copy.path), false, 'the gone text encoder\'s float32 copy was removed');
  assert.equal(existsSync(`${copy.path}.data`), false, 'with its weights');
  assert.ok(existsSync(other.path));
  assert.ok(notes.some((n) => /removed 3 cached file\(s\) whose source is gone/.test(n)), notes.join('\n'));
  // The live one is reused as before.
  assert.equal((await patchUnetFile(join(second, 'unet', 'model.onnx'))).cached, true);
});
