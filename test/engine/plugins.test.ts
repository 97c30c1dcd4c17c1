import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NodeRegistry, PluginLoadError, pluginModulesIn, registerPluginModules } from '../../engine';
import { buildNodeRegistry } from '../../nodes/registry';
import { ALL_NODES } from '../../nodes';
import { REPO } from '../helpers/paths';
import { scratchDir } from '../helpers/scratch';

const PLUGIN = join(REPO, 'test', 'fixtures', 'plugins', 'test-nodes.ts');

test('a plugin module adds its node types to the shipped ones', async () => {
  const registry = await buildNodeRegistry([PLUGIN]);
  assert.equal(registry.list().length > ALL_NODES.length, true);
  for (const def of ALL_NODES) assert.ok(registry.has(def.type), def.type);
});

test('modules that are missing, throw on import, export no list, or clash with a shipped type are E_PLUGIN_LOAD', async () => {
  const dir = scratchDir('plugins');
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const cases: Array<[string, RegExp]> = [
    [join(dir, 'absent.mjs'), /Could not load plugin module/],
    [write('throws.mjs', "throw new Error('boom at import');\n"), /boom at import/],
    [write('empty.mjs', 'export const other = 1;\n'), /export `nodes`.*but it exports other/],
    [write('not-array.mjs', 'export const nodes = { Text: 1 };\n'), /export `nodes`/],
    [write('clash.mjs', `export { ALL_NODES as nodes } from ${JSON.stringify(join(REPO, 'nodes', 'index.ts'))};\n`), /registered twice/],
  ];
  for (const [path, message] of cases) {
    await assert.rejects(registerPluginModules(new NodeRegistry(ALL_NODES), [path]), (err: Error) => {
      assert.ok(err instanceof PluginLoadError, `${path}: ${err.name}`);
      assert.equal((err as PluginLoadError).code, 'E_PLUGIN_LOAD');
      assert.match(err.message, message, path);
      return true;
    });
  }
});

test('.ts and .mts plugins in a folder with no package.json import the running package by name', async () => {
  const dir = scratchDir('plugin-anywhere'); // under the OS temp folder: no package.json above it
  const source = (type: string) => [
    "import { defineNode, input, output, STRING } from 'cones-graph';",
    "import { defineNode as engineDefine } from 'cones-graph/engine';",
    `export const nodes = [defineNode({ type: '${type}', version: 1, category: 'test', description: 'plugin test',`,
    "  inputs: { text: input<string>(STRING, { schema: { type: 'string', default: 'x' } }) },",
    "  outputs: { text: output<string>(STRING) }, run: ({ text }) => ({ text: text + '!' }) })];",
    'export const sameEngine = defineNode === engineDefine;',
  ].join('\n');
  writeFileSync(join(dir, 'a.ts'), source('PluginTs'));
  writeFileSync(join(dir, 'b.mts'), source('PluginMts'));
  const registry = await buildNodeRegistry([join(dir, 'a.ts'), join(dir, 'b.mts')]);
  assert.ok(registry.has('PluginTs') && registry.has('PluginMts'));
  const a = (await import(join(dir, 'a.ts'))) as { sameEngine: boolean };
  assert.equal(a.sameEngine, true, 'one engine instance: the plugin got the running installation');
});

test('pluginModulesIn lists the modules directly in a folder, sorted, without tests and declarations', () => {
  const dir = scratchDir('plugin-folder');
  for (const f of ['b.ts', 'a.mjs', 'c.mts', 'd.js', 'x.test.ts', 'types.d.ts', 'notes.md', 'data.json']) writeFileSync(join(dir, f), '');
  mkdirSync(join(dir, 'sub.ts')); // a folder named like a module is not one
  assert.deepEqual(pluginModulesIn(dir).map((p) => p.slice(dir.length + 1)), ['a.mjs', 'b.ts', 'c.mts', 'd.js']);
  assert.throws(() => pluginModulesIn(join(dir, 'missing')), (e: PluginLoadError) => e.code === 'E_PLUGIN_LOAD');
});
