import type { AnyNodeDefinition } from './define';

/**
 * The node types a graph may use, handed to the engine by whoever assembles the application (the CLI,
 * the server, a test). Explicit list, no folder scanning: what is registered is what you passed.
 */
export class NodeRegistry {
  private readonly defs = new Map<string, AnyNodeDefinition>();

  constructor(definitions: readonly AnyNodeDefinition[] = []) {
    for (const def of definitions) this.register(def);
  }

  register(def: AnyNodeDefinition): void {
    if (this.defs.has(def.type)) throw new Error(`Node type "${def.type}" is registered twice.`);
    // Reserved for graphs used as nodes (engine/subgraph/names.ts): a registered type there would never be reached.
    if (def.type.startsWith('lib/') || def.type.startsWith('subgraph/')) {
      throw new Error(`Node type "${def.type}" uses a prefix reserved for subgraphs ("lib/", "subgraph/").`);
    }
    for (const [name, spec] of Object.entries(def.outputs)) {
      if (!spec || typeof spec.type !== 'string') throw new Error(`Node type "${def.type}" output "${name}" has no port type.`);
    }
    this.defs.set(def.type, def);
  }

  get(type: string): AnyNodeDefinition | undefined {
    return this.defs.get(type);
  }

  has(type: string): boolean {
    return this.defs.has(type);
  }

  list(): AnyNodeDefinition[] {
    return [...this.defs.values()];
  }

  types(): string[] {
    return [...this.defs.keys()];
  }
}
