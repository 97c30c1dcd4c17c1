import { defineNode, input, output } from '../../engine';
import { inspectSdFolder } from '../../diffusion/model/inspect-folder';
import { loadSdModel, type SdModel } from '../../diffusion/model/load';
import { describeRecommendation } from '../../diffusion/model/recommended';
import { knownText, type ModelFacts } from '../facts';
import { MODEL } from '../diffusion-ports';
import { STRING } from '../ports';

export const LoadModelNode = defineNode({
  type: 'LoadModel',
  version: 1,
  category: 'loaders',
  description: 'Opens a Stable Diffusion ONNX folder (text encoder, UNet, VAE decoder, tokenizer, scheduler). ' +
    '"models/shapes" is the embedded model.',
  inputs: {
    folder: input<string>(STRING, { schema: { type: 'string', default: 'models/shapes', minLength: 1, 'x-widget': 'path', 'x-choices': 'models' }, file: 'dir' }),
    provider: input<'cpu' | 'auto' | 'cuda'>(STRING, {
      schema: { type: 'string', enum: ['cpu', 'auto', 'cuda'], default: 'cpu' },
      description: 'auto/cuda try the CUDA execution provider and fall back to CPU with a warning ' +
        '(CUDA is untested: no GPU on the build machines).',
    }),
  },
  outputs: { model: output<SdModel>(MODEL) },
  // The folder layout, configs and tokenizer, as loadSdModel() reads them, without opening a session.
  check: async ({ literals, facts }, ctx) => {
    const folder = knownText(literals.folder, facts.folder);
    if (folder === undefined) return;
    const found = await ctx.attempt('folder', () => inspectSdFolder(ctx.resolvePath(folder)));
    if (found) return { facts: { model: { kind: 'model', ...found } satisfies ModelFacts } };
  },
  run: async ({ folder, provider }, ctx) => {
    const model = await loadSdModel(ctx.resolvePath(folder), { provider, onWarning: (m) => process.stderr.write(`warning: ${m}\n`) });
    return { outputs: { model }, ui: { text: `${model.describe()}; ${describeRecommendation(model.recommended)}`, warnings: model.warnings } };
  },
});
