import type { GraphIssue } from '../errors';
import { parseGraphFile } from '../load';
import { migrateNodes } from '../migrate';
import type { NodeRegistry } from '../registry';
import { GRAPH_FORMAT_VERSION, type GraphFile } from '../types';
import { interfaceOf, type InterfaceResult } from './interface';
import { findLibraryFile } from './library';
import { getOwn, LIB_PREFIX, MAX_LIBRARY_BYTES, MAX_LIBRARY_FILES, parseSubgraphType } from './names';

/**
 * Where a subgraph reference is looked up: the document it appears in. `subgraph/NAME` is an entry of that
 * document's `subgraphs` table (for an embedded subgraph: its siblings in the file that carries it); `lib/NAME` is
 * searched in the library folders; `requires` pins are the document's own.
 */
export interface Scope {
  /** Identity of the document owning the `subgraphs` table. */
  key: string;
  subgraphs?: Record<string, GraphFile>;
  requires?: Record<string, { sha256: string }>;
}

/** One graph used as a node, ready to expand: migrated (file format and node versions), never mutated afterwards. */
export interface SubgraphDoc {
  /** Identity for cycle detection and memos: `lib:REALPATH` or `SCOPE#NAME`. */
  key: string;
  /** The type it was referenced by (`lib/NAME`, `subgraph/NAME`). */
  type: string;
  kind: 'lib' | 'embedded';
  file: GraphFile;
  /** Where the references inside it are looked up. */
  scope: Scope;
  /** Library files: the file and the sha256 of its bytes. */
  path?: string;
  sha256?: string;
}

/**
 * Issues of a resolution are relative to the subgraph: `nodeId` is an inner node id (or absent for the reference
 * itself); the expander prefixes them with the instance path.
 */
export interface Resolution {
  doc?: SubgraphDoc;
  issues: GraphIssue[];
}

export function rootScope(file: GraphFile): Scope {
  return { key: 'root', subgraphs: file.subgraphs, requires: file.requires };
}

/**
 * Finds, reads and prepares subgraph documents for one load, with memos (a subgraph used many times is read and
 * migrated once) and the per-load budget of library files and bytes.
 */
export class SubgraphResolver {
  private readonly docs = new Map<string, Resolution>();
  private readonly interfaces = new Map<string, InterfaceResult>();
  private files = 0;
  private bytes = 0;

  constructor(readonly registry: NodeRegistry, readonly libraries: readonly string[], readonly root: Scope) {}

  resolve(type: string, scope: Scope): Resolution {
    const ref = parseSubgraphType(type);
    if (ref.kind === 'bad') return { issues: [{ code: 'E_SUBGRAPH_NAME', message: ref.reason, hint: 'Library subgraphs are files NAME.json in a library folder, used as "lib/NAME".' }] };
    const memoKey = ref.kind === 'lib' ? type : `${scope.key}#${ref.name}`;
    let found = this.docs.get(memoKey);
    if (!found) {
      found = ref.kind === 'lib' ? this.library(type, ref.name) : this.embedded(type, ref.name, scope);
      this.docs.set(memoKey, found);
    }
    return found;
  }

  /** The typed interface of a document (memoized); `chain` is the keys of the documents being described. */
  interfaceOf(doc: SubgraphDoc, chain: readonly string[]): InterfaceResult {
    let result = this.interfaces.get(doc.key);
    if (!result) {
      result = interfaceOf(doc, this, chain);
      this.interfaces.set(doc.key, result);
    }
    return result;
  }

  private embedded(type: string, name: string, scope: Scope): Resolution {
    const raw = getOwn(scope.subgraphs, name);
    if (!raw) {
      const names = Object.keys(scope.subgraphs ?? {});
      return {
        issues: [{
          code: 'E_UNKNOWN_NODE_TYPE', message: `Unknown node type "${type}": the file embeds no subgraph "${name}".`,
          hint: names.length ? `Its embedded subgraphs are: ${names.slice(0, 20).join(', ')}.` : 'Add it to the file\'s "subgraphs" section.',
        }],
      };
    }
    if (raw.version !== GRAPH_FORMAT_VERSION) {
      return {
        issues: [{
          code: 'E_GRAPH_VERSION', message: `Expected embedded subgraph "${name}" in format version ${GRAPH_FORMAT_VERSION} but it has version ${raw.version}.`,
          hint: 'Embedded subgraphs are not migrated: save the file again with this cones-graph.',
        }],
      };
    }
    // A copy: node migrations must not change the file the run records as its provenance.
    const file = structuredClone(raw);
    const issues = migrateNodes(file, this.registry);
    const doc: SubgraphDoc = {
      key: `${scope.key}#${name}`, type, kind: 'embedded', file,
      scope: { key: scope.key, subgraphs: scope.subgraphs, requires: file.requires },
    };
    return { doc, issues };
  }

  private library(type: string, name: string): Resolution {
    if (!this.libraries.length) {
      return { issues: [{ code: 'E_UNKNOWN_NODE_TYPE', message: `Unknown node type "${type}": no library folder was given.`, hint: 'Pass a library folder (the CLI searches graphs/lib/ and --lib DIR).' }] };
    }
    if (this.files >= MAX_LIBRARY_FILES) {
      return { issues: [{ code: 'E_SUBGRAPH_LIMIT', message: `Expected a graph to use at most ${MAX_LIBRARY_FILES} library files but it uses more.` }] };
    }
    const lookup = findLibraryFile(name, this.libraries);
    if ('missing' in lookup) {
      return {
        issues: [{
          code: 'E_UNKNOWN_NODE_TYPE', message: `Unknown node type "${type}": no ${name}.json in the library folders.`,
          hint: `Searched: ${this.libraries.join(', ')}. Run \`cones nodes\` to list the library subgraphs.`,
        }],
      };
    }
    if ('issue' in lookup) return { issues: [lookup.issue] };
    const { found } = lookup;
    this.files += 1;
    this.bytes += found.bytes;
    if (this.bytes > MAX_LIBRARY_BYTES) {
      return { issues: [{ code: 'E_SUBGRAPH_LIMIT', message: `Expected a graph's library subgraphs to total at most ${MAX_LIBRARY_BYTES} bytes but they total more.` }] };
    }
    const parsed = parseGraphFile(found.text);
    const where = `In library subgraph ${LIB_PREFIX}${name} (${found.path}): `;
    if (!parsed.file) return { issues: parsed.issues.map((issue) => ({ ...issue, message: where + issue.message })) };
    const issues = migrateNodes(parsed.file, this.registry);
    const doc: SubgraphDoc = {
      key: `lib:${found.path}`, type, kind: 'lib', file: parsed.file, path: found.path, sha256: found.sha256,
      scope: { key: `lib:${found.path}`, subgraphs: parsed.file.subgraphs, requires: parsed.file.requires },
    };
    return { doc, issues };
  }
}
