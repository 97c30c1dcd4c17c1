import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NodeRegistry, type AnyNodeDefinition } from '../engine';
import { ALL_NODES } from '../nodes';
import { UsageError } from './args';

/**
 * The shipped node types plus any plugin modules named with --plugin. A plugin is an ES module exporting
 * `nodes: NodeDefinition[]` (or a default export of that array), each made with `defineNode`.
 */
export async function buildRegistry(plugins: readonly string[] = []): Promise<NodeRegistry> {
  const registry = new NodeRegistry(ALL_NODES);
  for (const path of plugins) {
    let mod: { nodes?: unknown; default?: unknown };
    try {
      mod = (await import(pathToFileURL(resolve(path)).href)) as typeof mod;
    } catch (err) {
      throw new UsageError(`Could not load plugin "${path}": ${(err as Error).message}`);
    }
    const list = mod.nodes ?? mod.default;
    if (!Array.isArray(list)) throw new UsageError(`Plugin "${path}" must export \`nodes\`: an array of node definitions.`);
    for (const def of list as AnyNodeDefinition[]) {
      try {
        registry.register(def);
      } catch (err) {
        throw new UsageError(`Plugin "${path}": ${(err as Error).message}`);
      }
    }
  }
  return registry;
}
