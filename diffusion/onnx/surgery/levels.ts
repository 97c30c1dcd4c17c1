/**
 * Resolution level of an attention from its diffusers module scope: down_blocks.i runs at level i, up_blocks.j at
 * level (last up block) - j, the mid block at the lowest level. Level 0 is the full latent grid; each level halves it
 * (n -> ceil(n / 2)). Null where the scope is not a diffusers block name.
 */

/** The level of each scope, in the order given; the lowest level is taken from all of them together. */
export function diffusersLevels(scopes: readonly string[]): (number | null)[] {
  const index = (re: RegExp) => scopes.map((s) => re.exec(s)).filter(Boolean).map((m) => Number(m![1]));
  const ups = index(/up_blocks\.(\d+)/), downs = index(/down_blocks\.(\d+)/);
  const lowest = Math.max(ups.length ? Math.max(...ups) : 0, downs.length ? Math.max(...downs) : 0);
  return scopes.map((scope) => {
    const down = /down_blocks\.(\d+)/.exec(scope);
    if (down) return Number(down[1]);
    const up = /up_blocks\.(\d+)/.exec(scope);
    if (up) return lowest - Number(up[1]);
    return /mid_block/.test(scope) ? lowest : null;
  });
}

/** Query length S at `level` for a latent grid: the grid halved (rounding up) once per level. */
export function queryLengthAtLevel(level: number, latent: { height: number; width: number }): number {
  let h = latent.height, w = latent.width;
  for (let i = 0; i < level; i++) {
    h = Math.ceil(h / 2);
    w = Math.ceil(w / 2);
  }
  return h * w;
}
