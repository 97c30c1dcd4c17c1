/**
 * What a plugin imports: `import { defineNode, input, output, STRING } from 'cones-graph'` (package.json "exports"
 * points here; engine/plugin-hooks.mjs makes it resolve from a plugin in any folder). The engine's node API, the
 * plain port types and the diffusion port types, so a plugin node can link to the shipped ones.
 */
export { defineNode, input, output } from '../engine';
export type {
  AnyNodeDefinition, CheckContext, CheckInputs, CheckIssue, CheckResult, InputSpec, NodeDefinition, OutputSpec, Preview,
  RunContext, RunResult, UiOutput,
} from '../engine/define';
export { BOOLEAN, FLOAT, INT, STRING } from './ports';
export { CONDITIONING, GUIDANCE, IMAGE, LATENT, LAYOUT, MASK, MODEL, RESIDUAL, TOKENS } from './diffusion-ports';
