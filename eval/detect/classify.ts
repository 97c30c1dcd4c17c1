/**
 * Shape classification by nearest prototype in a scaled feature space (features in ./features.ts).
 *
 * Prototypes are the mean features of objects drawn by ./render.ts (the geometry of training/data.py, 313 objects,
 * seed 1, measured after detection, i.e. with anti-aliased edges lost to the colour tolerance). Scales are about
 * half the smallest gap between two classes on that feature, so one feature alone cannot flip a clear case and
 * blurred generated shapes still land near the right prototype:
 *
 *             fill   solidity  centroidY
 *   circle    0.78   0.94      0.50
 *   square    0.99   0.99      0.50
 *   triangle  0.53   0.91      0.65
 *   star      0.44   0.60      0.55
 *   scale     0.10   0.10      0.05
 *
 * Aspect is not used: every shape of the world is drawn with a square box, and clipped or merged objects distort it.
 */
import type { ShapeFeatures } from './features';
import { SHAPES, type ShapeName } from './palette';

type Used = Pick<ShapeFeatures, 'fill' | 'solidity' | 'centroidY'>;

export const SHAPE_PROTOTYPES: Record<ShapeName, Used> = {
  circle: { fill: 0.78, solidity: 0.94, centroidY: 0.5 },
  square: { fill: 0.99, solidity: 0.99, centroidY: 0.5 },
  triangle: { fill: 0.53, solidity: 0.91, centroidY: 0.65 },
  star: { fill: 0.44, solidity: 0.6, centroidY: 0.55 },
};
const SCALE: Used = { fill: 0.1, solidity: 0.1, centroidY: 0.05 };

export function classifyShape(f: ShapeFeatures): { shape: ShapeName; distances: Record<ShapeName, number> } {
  const distances = {} as Record<ShapeName, number>;
  let shape: ShapeName = SHAPES[0];
  for (const s of SHAPES) {
    const p = SHAPE_PROTOTYPES[s];
    distances[s] = Math.hypot((f.fill - p.fill) / SCALE.fill, (f.solidity - p.solidity) / SCALE.solidity, (f.centroidY - p.centroidY) / SCALE.centroidY);
    if (distances[s] < distances[shape]) shape = s;
  }
  return { shape, distances };
}
