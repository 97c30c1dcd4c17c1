/**
 * Bias inputs for every cross-attention layer of a UNet: the selected layers (./resolutions.ts) get the layout at
 * their own resolution (./downsample.ts), the others get null, meaning zero bias and no mask. Layers of equal
 * resolution share one ResolutionBias object, so SD's 16 layers cost 4 downsamplings at most.
 */
import { layoutBiasAt, type ResolutionBias } from './downsample';
import type { LayerGuidance } from './resolutions';
import type { TokenWeightMaps } from './weight-maps';

export function layoutBiasesForLayers(maps: TokenWeightMaps, layers: readonly LayerGuidance[]): (ResolutionBias | null)[] {
  const byGrid = new Map<string, ResolutionBias>();
  return layers.map((layer) => {
    if (!layer.guided) return null;
    const key = `${layer.h}x${layer.w}`;
    let bias = byGrid.get(key);
    if (!bias) {
      bias = layoutBiasAt(maps, layer.h, layer.w);
      byGrid.set(key, bias);
    }
    return bias;
  });
}
