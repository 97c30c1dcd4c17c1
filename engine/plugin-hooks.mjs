/**
 * Module resolution hooks for plugin modules, registered once per thread by engine/plugins.ts (node:module
 * register; they run in Node's loader thread, before tsx's own hooks).
 *
 * 1. `import { defineNode } from 'cones-graph'` works from a plugin anywhere on disk, with no node_modules beside
 *    it: the package name (and its subpaths in package.json "exports") resolves to the running installation, so a
 *    plugin always gets the same engine instance as the process that loads it.
 * 2. A `.ts` file outside any package that declares "type": "commonjs" is ES module source. Left alone, tsx treats a
 *    `.ts` file with no package.json above it as CommonJS, and its `import` of the (ESM) engine then fails with
 *    "Cannot require() ES Module ... in a cycle". `.mts` is always ESM; `.cts` and explicit CommonJS are respected.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8'));
const PACKAGE = manifest.name;
const EXPORTS = typeof manifest.exports === 'object' && manifest.exports !== null ? manifest.exports : {};

/** "type" of the nearest package.json above `file`, or undefined when none says. Cached per folder. */
const typeByDir = new Map();
function packageType(file) {
  const seen = [];
  let dir = dirname(file);
  for (;;) {
    if (typeByDir.has(dir)) break;
    seen.push(dir);
    let type;
    try {
      type = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type ?? null;
    } catch {
      type = undefined; // no (readable) package.json here: look further up
    }
    if (type !== undefined) { typeByDir.set(dir, type); break; }
    const parent = dirname(dir);
    if (parent === dir) { typeByDir.set(dir, null); break; }
    dir = parent;
  }
  const found = typeByDir.get(dir);
  for (const d of seen) typeByDir.set(d, found);
  return found ?? undefined;
}

export async function resolve(specifier, context, next) {
  if (specifier === PACKAGE || specifier.startsWith(`${PACKAGE}/`)) {
    const subpath = specifier === PACKAGE ? '.' : `.${specifier.slice(PACKAGE.length)}`;
    const target = EXPORTS[subpath];
    if (typeof target === 'string') return next(new URL(target, ROOT).href, context);
  }
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:') && resolved.url.endsWith('.ts') && resolved.format !== 'module') {
    const type = packageType(fileURLToPath(resolved.url));
    if (type !== 'commonjs') return { ...resolved, format: 'module' };
  }
  return resolved;
}
