/**
 * The detector's own accuracy on ground truth drawn by ./render.ts: for each drawn object, is there a detected
 * object of its colour (nearest centroid), and is its shape right. Reported next to every evaluation, since every
 * metric inherits the detector's errors.
 */
import type { Rng } from '../random';
import { detect } from './detect';
import { SHAPES, type ShapeName } from './palette';
import { randomScene } from './render';

export interface DetectorAccuracy {
  scenes: number;
  objects: number;
  /** Fraction of drawn objects with a detected object of their colour. */
  colourFound: number;
  /** Fraction of drawn objects whose matched detection has the right shape (missing counts as wrong). */
  shapeCorrect: number;
  /** Centroid error (pixels) of matched objects, mean. */
  centroidError: number;
  /** confusion[true][predicted] counts, "none" when not found. */
  confusion: Record<ShapeName, Record<ShapeName | 'none', number>>;
}

export function validateDetector(rng: Rng, scenes: number): DetectorAccuracy {
  const confusion = Object.fromEntries(SHAPES.map((s) => [s, Object.fromEntries([...SHAPES, 'none'].map((p) => [p, 0]))])) as DetectorAccuracy['confusion'];
  let objects = 0, found = 0, right = 0, error = 0;
  for (let i = 0; i < scenes; i++) {
    const scene = randomScene(rng);
    const d = detect(scene.image);
    for (const o of scene.objects) {
      objects++;
      const near = d.objects.filter((x) => x.colour === o.colour).map((x) => ({ x, dist: Math.hypot(x.centroid[0] - o.cx, x.centroid[1] - o.cy) })).sort((a, b) => a.dist - b.dist)[0];
      confusion[o.shape][near ? near.x.shape : 'none']++;
      if (!near) continue;
      found++;
      error += near.dist;
      if (near.x.shape === o.shape) right++;
    }
  }
  return { scenes, objects, colourFound: found / objects, shapeCorrect: right / objects, centroidError: found ? error / found : NaN, confusion };
}
