import { pathToFileURL } from 'node:url';
import { NodeRegistry, type AnyNodeDefinition } from '../engine';
import { ALL_NODES } from '../nodes';
import { ServerError } from './codes';

/**
 * The shipped node types plus registry modules (the CLI's --plugin contract: an ES module exporting
 * `nodes`, or a default export, that is an array of defineNode definitions). Built identically in the main
 * thread (validation, /api/nodes) and in the worker (execution), so both agree on every type.
 */
export async function buildServerRegistry(modules: readonly string[]): Promise<NodeRegistry> {
  const registry = new NodeRegistry(ALL_NODES);
  for (const path of modules) {
    let mod: { nodes?: unknown; default?: unknown };
    try {
      mod = (await import(pathToFileURL(path).href)) as typeof mod;
    } catch (err) {
      throw new ServerError('E_PLUGIN_LOAD', `Could not load registry module "${path}": ${(err as Error).message}`, { cause: err });
    }
    const list = mod.nodes ?? mod.default;
    if (!Array.isArray(list)) {
      throw new ServerError('E_PLUGIN_LOAD', `Expected registry module "${path}" to export \`nodes\` (an array of node definitions) but it exports ${Object.keys(mod).join(', ') || 'nothing'}.`);
    }
    for (const def of list as AnyNodeDefinition[]) {
      try {
        registry.register(def);
      } catch (err) {
        throw new ServerError('E_PLUGIN_LOAD', `Registry module "${path}": ${(err as Error).message}`);
      }
    }
  }
  return registry;
}
