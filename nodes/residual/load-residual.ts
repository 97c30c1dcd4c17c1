import { basename } from 'node:path';
import { defineNode, input, output } from '../../engine';
import { readResidual, type Residual } from '../../diffusion/residuals';
import { RESIDUAL } from '../diffusion-ports';
import { knownText, type ResidualFacts } from '../facts';
import { STRING } from '../ports';

export const LoadResidualNode = defineNode({
  type: 'LoadResidual',
  version: 1,
  category: 'loaders',
  description: 'Reads a residual token embedding: our safetensors format, or a Cones 2 reference .pt file (no Python needed).',
  inputs: {
    path: input<string>(STRING, { schema: { type: 'string', minLength: 1, 'x-widget': 'path', 'x-choices': 'residuals' }, file: 'file' }),
  },
  outputs: { residual: output<Residual>(RESIDUAL) },
  // The same bounded read as the run (a residual is a few KB; the limit is 16 MiB): exists, parses, one vector.
  check: async ({ literals, facts }, ctx) => {
    const path = knownText(literals.path, facts.path);
    if (path === undefined) return;
    const residual = await ctx.attempt('path', () => readResidual(ctx.resolvePath(path)));
    if (!residual) return;
    const fact: ResidualFacts = { kind: 'residual', width: residual.width, baseWord: residual.baseWord, model: residual.model };
    return { facts: { residual: fact } };
  },
  run: ({ path }, ctx) => {
    const residual = readResidual(ctx.resolvePath(path));
    const label = `${basename(path)}: width ${residual.width}${residual.baseWord ? `, base word "${residual.baseWord}"` : ''}`;
    return { outputs: { residual }, ui: { text: label } };
  },
});
