/**
 * Every example graph in graphs/ runs end to end through the engine, as the CLI and the editor run it, on the committed
 * embedded model (a missing or broken model fails these tests).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { readPngText } from '../../diffusion/image/png-text';
import { Engine, NodeRegistry } from '../../engine';
import { ALL_NODES } from '../../nodes';
import { scratchDir } from '../helpers/scratch';

const ROOT = resolve(import.meta.dirname, '..', '..');
const engine = new Engine(new NodeRegistry(ALL_NODES));

// Library subgraphs (graphs/lib/*.json) are not examples of their own: the examples that use them run them.
const LIBRARIES = [join(ROOT, 'graphs', 'lib')];

for (const name of readdirSync(join(ROOT, 'graphs')).filter((f) => f.endsWith('.json')).sort()) {
  const text = readFileSync(join(ROOT, 'graphs', name), 'utf8');
  test(`graphs/${name} runs end to end`, async () => {
    const out = scratchDir('example');
    const graph = JSON.parse(text);
    const r = await engine.run(graph, { outputDir: out, searchPaths: [ROOT], libraries: LIBRARIES, runInfo: { graph } });
    assert.ok(r.executed.length + r.cached.length > 0);
    for (const ui of Object.values(r.ui)) {
      for (const file of (ui.files as string[] | undefined) ?? []) {
        assert.ok(existsSync(file), `${file} written`);
        if (file.endsWith('.png')) {
          const meta = await sharp(file).metadata();
          assert.ok(meta.width && meta.width >= 64);
          assert.deepEqual(JSON.parse(readPngText(readFileSync(file))['cones-graph']), graph, 'the graph is embedded in the PNG');
        }
      }
    }
  });
}
