import { NodeRegistry, registerPluginModules } from '../engine';
import { ALL_NODES } from './index';

/**
 * The shipped node types plus those of plugin modules (see engine/plugins.ts). Built the same way by the CLI, the
 * server's main thread (validation, /api/nodes) and its worker (execution), so all of them agree on every type.
 */
export async function buildNodeRegistry(pluginModules: readonly string[] = []): Promise<NodeRegistry> {
  const registry = new NodeRegistry(ALL_NODES);
  await registerPluginModules(registry, pluginModules);
  return registry;
}
