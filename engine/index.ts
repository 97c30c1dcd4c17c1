export { defineNode, input, output } from './define';
export type {
  AnyNodeDefinition, CheckContext, CheckInputs, CheckIssue, CheckResult, InputSpec, NodeDefinition, OutputSpec, Preview, RunContext,
  UiOutput,
} from './define';
export { ERROR_CODES, formatIssue, GraphValidationError, InterruptedError, NodeRunError } from './errors';
export type { EngineErrorCode, GraphIssue } from './errors';
export type { RunEvent, RunEventType } from './events';
export { Engine } from './execute';
export type { RunOptions, RunSummary } from './execute';
export { loadGraph, parseGraphFile, type LoadedGraph, type LoadOptions } from './load';
export { describeSubgraph, type SubgraphInterface } from './subgraph/interface';
export { listLibrary, listLibraryFiles, MAX_LIBRARY_LISTING } from './subgraph/library';
export { readFileBounded, type BoundedRead } from './bounded-read';
export { isSubgraphType, MAX_SUBGRAPH_DEPTH, MAX_SUBGRAPH_FILE_BYTES } from './subgraph/names';
export { checkGraph, preflightGraph, type CheckGraphOptions, type PreflightOptions, type PreflightReport } from './preflight';
export { applyOverrides, type InputOverride } from './overrides';
export { NodeCache } from './cache';
export { NodeRegistry } from './registry';
export { PluginLoadError, pluginModulesIn, registerPluginModules } from './plugins';
export { FileNotAllowedError, isInside, lookupPath, resolveFileInput, type FileAccess } from './file-inputs';
export { describeNode } from './schema/node-schema';
export type { NodeTypeDescription } from './schema/node-schema';
export { GRAPH_FILE_SCHEMA } from './schema/graph-file';
export type { JsonSchema } from './schema/json-schema';
export { GRAPH_FORMAT, GRAPH_FORMAT_VERSION } from './types';
export type { GraphFile, GraphInterface, InputBinding, InputValue, Link, NodeEntry, OutputBinding } from './types';
