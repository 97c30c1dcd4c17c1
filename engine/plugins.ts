import { readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodedError } from '../errors/coded-error';
import type { AnyNodeDefinition } from './define';
import type { NodeRegistry } from './registry';

/** A plugin module that cannot be imported, exports no node list, or declares a type the registry refuses. */
export class PluginLoadError extends CodedError<'E_PLUGIN_LOAD'> {
  constructor(message: string, cause?: unknown) {
    super('E_PLUGIN_LOAD', message, { cause });
    this.name = 'PluginLoadError';
  }
}

let hooksRegistered = false;

/**
 * Once per thread: lets plugins import the running package by name ('cones-graph') from any folder, and loads a
 * `.ts` plugin outside an ES module package as ESM (engine/plugin-hooks.mjs says why).
 */
export function usePluginResolution(): void {
  if (hooksRegistered) return;
  register(new URL('./plugin-hooks.mjs', import.meta.url));
  hooksRegistered = true;
}

/**
 * Registers the node types of plugin modules. A plugin is an ES module (TypeScript under tsx) exporting `nodes`, or
 * a default export, that is an array of `defineNode(...)` definitions. The CLI's `--plugin` and the server's registry
 * modules (main thread and worker) all come through here, so every entry point accepts and refuses the same modules.
 * Relative paths resolve from the working directory.
 */
export async function registerPluginModules(registry: NodeRegistry, modules: readonly string[]): Promise<void> {
  if (modules.length) usePluginResolution();
  for (const path of modules) {
    let mod: { nodes?: unknown; default?: unknown };
    try {
      mod = (await import(pathToFileURL(resolve(path)).href)) as typeof mod;
    } catch (err) {
      throw new PluginLoadError(`Could not load plugin module "${path}": ${(err as Error).message}`, err);
    }
    const list = mod.nodes ?? mod.default;
    if (!Array.isArray(list)) {
      const exported = Object.keys(mod).join(', ') || 'nothing';
      throw new PluginLoadError(`Expected plugin module "${path}" to export \`nodes\` (an array of node definitions) ` +
        `but it exports ${exported}.`);
    }
    for (const def of list as AnyNodeDefinition[]) {
      try {
        registry.register(def);
      } catch (err) {
        throw new PluginLoadError(`Plugin module "${path}": ${(err as Error).message}`, err);
      }
    }
  }
}

/** Module files a plugin folder may hold; tests (*.test.*) and declaration files are skipped. */
const MODULE_FILE = /^(?!.*\.test\.)(?!.*\.d\.[mc]?ts$).+\.(ts|mts|js|mjs)$/;
/** A plugin folder is a handful of files; a huge listing is a wrong path, refused rather than imported. */
export const MAX_PLUGIN_FILES = 200;

/**
 * Every module file directly in `dir`, sorted (the server's `--plugins DIR`): `.ts`, `.mts`, `.js`, `.mjs`, not
 * `*.test.*` nor `*.d.ts`. A missing folder or one with more than MAX_PLUGIN_FILES modules is E_PLUGIN_LOAD.
 */
export function pluginModulesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new PluginLoadError(`Expected a plugin folder at "${dir}" but it cannot be read: ${(err as Error).message}`, err);
  }
  const files = names.filter((n) => MODULE_FILE.test(n)).sort().map((n) => resolve(join(dir, n)))
    .filter((p) => statSync(p).isFile());
  if (files.length > MAX_PLUGIN_FILES) {
    throw new PluginLoadError(`Expected at most ${MAX_PLUGIN_FILES} plugin modules in "${dir}" but found ${files.length}.`);
  }
  return files;
}
