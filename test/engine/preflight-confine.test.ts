/**
 * File checks under attack (issue 24): validation opens files the run has not opened yet, so it must keep the run's
 * confinement (test/engine/file-inputs.test.ts) and size limits. Every file-taking node x (literal, link) x
 * (absolute, "..", symlink out, device, FIFO) gets a coded issue on its node and input, without the outside path
 * or any byte of it in the answer; huge files get E_FILE_TOO_LARGE; and a recorder on node:fs shows that nothing
 * outside the allowed folder was opened or listed, and nothing huge was read.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs, { cpSync, mkdirSync, realpathSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { test } from 'node:test';
import { checkGraph, defineNode, GraphValidationError, input, NodeRegistry, output, type GraphIssue } from '../../engine';
import { isInside } from '../../engine/file-inputs';
import { ALL_NODES } from '../../nodes';
import { SHAPES_MODEL } from '../helpers/paths';
import { scratchDir } from '../helpers/scratch';

/** An output node taking one port type, so a loader alone is what a run would execute (as in file-inputs.test.ts). */
const sink = (type: string) => defineNode({
  type: `Sink${type}`, version: 1, category: 'test', description: 'test sink', isOutput: true,
  inputs: { value: input<unknown>(type) }, outputs: { done: output<boolean>('BOOLEAN') }, run: () => ({ done: true }),
});
const registry = new NodeRegistry([...ALL_NODES, sink('RESIDUAL'), sink('LAYOUT'), sink('MODEL'), sink('IMAGE')]);
const root = realpathSync(scratchDir('preflight-confine'));
const allowed = join(root, 'allowed');
const outside = join(root, 'outside');
mkdirSync(allowed);
mkdirSync(outside);
writeFileSync(join(outside, 'secret.txt'), 'TOP-SECRET-CONTENT');
mkdirSync(join(outside, 'model'));
symlinkSync(join(outside, 'secret.txt'), join(allowed, 'link-out.pt'));
symlinkSync('/dev/zero', join(allowed, 'zero.pt'));
execFileSync('mkfifo', [join(allowed, 'fifo.pt')]);
const model = join(allowed, 'model');
cpSync(SHAPES_MODEL, model, { recursive: true });
symlinkSync(join(outside, 'secret.txt'), join(model, 'tokenizer', 'extra.json'));
symlinkSync(join(outside, 'model'), join(allowed, 'model-link'));
cpSync(join(SHAPES_MODEL, 'residuals', 'holed_star.safetensors'), join(allowed, 'ok.safetensors'));

// Huge files inside the allowed folder (sparse: no disk used): a residual, a mask image, a model config.
truncateSync(writeEmpty(join(allowed, 'huge.safetensors')), 3 * 2 ** 30);
truncateSync(writeEmpty(join(allowed, 'huge.png')), 65 * 2 ** 20);
const bigConfigModel = join(allowed, 'big-config-model');
cpSync(SHAPES_MODEL, bigConfigModel, { recursive: true });
truncateSync(join(bigConfigModel, 'text_encoder', 'config.json'), 2 * 2 ** 20);
// A tiny PNG that declares a 100000 x 100000 canvas: refused before decoding would allocate it.
writeFileSync(join(allowed, 'bomb.png'), pngHeaderOnly(100_000, 100_000));

function writeEmpty(path: string): string {
  writeFileSync(path, '');
  return path;
}

const LOADERS = [
  { type: 'LoadResidual', input: 'path', port: 'RESIDUAL', extra: {} },
  { type: 'LayoutFromMask', input: 'image', port: 'LAYOUT', extra: { colours: { '255,0,0': ['dog', 2.5] } } },
  { type: 'LoadModel', input: 'folder', port: 'MODEL', extra: {} },
  { type: 'LoadImage', input: 'path', port: 'IMAGE', extra: {} },
];
const REFUSED: Array<[string, string]> = [
  ['an absolute path that exists', join(outside, 'secret.txt')],
  ['an absolute path that does not exist', join(outside, 'missing.txt')],
  ['/etc/passwd', '/etc/passwd'],
  ['/dev/zero', '/dev/zero'],
  ['a ".." climb', '../outside/secret.txt'],
  ['a ".." climb to a folder', '../outside/model'],
  ['a symlink out of the folder', 'link-out.pt'],
  ['a symlink to a device', 'zero.pt'],
  ['a FIFO', 'fifo.pt'],
];

function graphFor(loader: (typeof LOADERS)[number], value: string, route: 'literal' | 'link'): unknown {
  const given = route === 'link' ? { from: 'text', output: 'text' } : value;
  const nodes: Record<string, unknown> = {
    load: { type: loader.type, version: 1, inputs: { ...loader.extra, [loader.input]: given } },
    out: { type: `Sink${loader.port}`, version: 1, inputs: { value: { from: 'load', output: loader.port.toLowerCase() } } },
  };
  if (route === 'link') nodes.text = { type: 'Text', version: 1, inputs: { value } };
  return { format: 'cones-graph', version: 1, nodes };
}

/** Paths opened, read or listed through node:fs while `fn` runs. */
async function recordReads(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const wrap = <T extends object, K extends keyof T>(obj: T, key: K): (() => void) => {
    const original = obj[key] as unknown as (...args: unknown[]) => unknown;
    (obj as Record<K, unknown>)[key] = function (this: unknown, ...args: unknown[]) {
      if (typeof args[0] === 'string') seen.push(resolve(args[0]));
      return original.apply(this, args);
    };
    return () => {
      (obj as Record<K, unknown>)[key] = original;
    };
  };
  const undo = [
    wrap(fs, 'readFileSync'), wrap(fs, 'openSync'), wrap(fs, 'readdirSync'), wrap(fs, 'readFile'), wrap(fs, 'createReadStream'),
    wrap(fsp, 'readFile'), wrap(fsp, 'open'), wrap(fsp, 'readdir'),
  ];
  syncBuiltinESMExports();
  try {
    await fn();
  } finally {
    for (const u of undo) u();
    syncBuiltinESMExports();
  }
  return seen;
}

async function issuesOf(graph: unknown): Promise<GraphIssue[]> {
  try {
    await checkGraph(graph, registry, { searchPaths: [allowed], confine: [allowed] });
    return [];
  } catch (err) {
    if (err instanceof GraphValidationError) return err.issues;
    throw err;
  }
}

async function loaderIssues(loader: (typeof LOADERS)[number], value: string, route: 'literal' | 'link'): Promise<GraphIssue[]> {
  return (await issuesOf(graphFor(loader, value, route))).filter((i) => i.nodeId === 'load');
}

test('every escape, literal or linked, is one coded issue on the loader; nothing outside is opened or listed', async () => {
  const reads = await recordReads(async () => {
    for (const loader of LOADERS) {
      for (const route of ['literal', 'link'] as const) {
        for (const [name, value] of REFUSED) {
          const where = `${loader.type} ${route} ${name}`;
          const issues = await loaderIssues(loader, value, route);
          assert.deepEqual(issues.map((i) => [i.code, i.input]), [['E_FILE_NOT_ALLOWED', loader.input]], `${where}: ${JSON.stringify(issues)}`);
          const text = JSON.stringify(issues);
          assert.ok(!text.includes(outside) && !text.includes('/etc') && !text.includes('/dev'), `${where}: ${text}`);
          assert.ok(!text.includes('TOP-SECRET'), where);
        }
      }
    }
    for (const folder of ['model', 'model-link']) {
      const issues = await loaderIssues(LOADERS[2], folder, 'literal');
      assert.deepEqual(issues.map((i) => i.code), ['E_FILE_NOT_ALLOWED'], `${folder}: a folder with an entry linking out, or linked out`);
    }
    assert.deepEqual(await loaderIssues(LOADERS[0], 'ok.safetensors', 'link'), [], 'control: a file inside is checked and passes');
  });
  assert.ok(reads.includes(join(allowed, 'ok.safetensors')), 'the recorder sees the reads of the checks');
  const escaped = reads.filter((p) => !isInside(allowed, p));
  assert.deepEqual(escaped, [], 'no file outside the allowed folder was opened, read or listed');
});

test('huge files get E_FILE_TOO_LARGE before a byte is read; a header-only image bomb is refused', async () => {
  const [residual, mask] = LOADERS;
  let residualIssues: GraphIssue[] = [];
  let maskIssues: GraphIssue[] = [];
  let modelIssues: GraphIssue[] = [];
  let bombIssues: GraphIssue[] = [];
  let imageIssues: GraphIssue[] = [];
  let imageBombIssues: GraphIssue[] = [];
  const reads = await recordReads(async () => {
    imageIssues = await loaderIssues(LOADERS[3], 'huge.png', 'literal');
    imageBombIssues = await loaderIssues(LOADERS[3], 'bomb.png', 'link');
    residualIssues = await loaderIssues(residual, 'huge.safetensors', 'literal');
    maskIssues = await loaderIssues(mask, 'huge.png', 'link');
    modelIssues = await loaderIssues(LOADERS[2], 'big-config-model', 'literal');
    bombIssues = await loaderIssues(mask, 'bomb.png', 'literal');
  });
  assert.deepEqual(residualIssues.map((i) => [i.code, i.input]), [['E_FILE_TOO_LARGE', 'path']], JSON.stringify(residualIssues));
  assert.deepEqual(maskIssues.map((i) => [i.code, i.input]), [['E_FILE_TOO_LARGE', 'image']], JSON.stringify(maskIssues));
  assert.deepEqual(modelIssues.map((i) => [i.code, i.input]), [['E_FILE_TOO_LARGE', 'folder']], JSON.stringify(modelIssues));
  assert.deepEqual(bombIssues.map((i) => [i.code, i.input]), [['E_LAYOUT_IMAGE_READ', 'image']], JSON.stringify(bombIssues));
  assert.match(bombIssues[0].message, /pixel/i);
  assert.deepEqual(imageIssues.map((i) => [i.code, i.input]), [['E_FILE_TOO_LARGE', 'path']], JSON.stringify(imageIssues));
  assert.deepEqual(imageBombIssues.map((i) => [i.code, i.input]), [['E_IMAGE_READ', 'path']], JSON.stringify(imageBombIssues));
  assert.match(imageBombIssues[0].message, /pixel/i);
  assert.ok(reads.some((p) => isInside(bigConfigModel, p)), 'the recorder sees the model folder being read');
  const huge = [join(allowed, 'huge.safetensors'), join(allowed, 'huge.png'), join(bigConfigModel, 'text_encoder', 'config.json')];
  assert.deepEqual(reads.filter((p) => huge.includes(p)), [], 'no huge file was opened');
});

/** PNG signature + IHDR of the given size + an empty IDAT + IEND: a valid header over a canvas nobody should allocate. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
