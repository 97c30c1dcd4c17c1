"""Token grounding loss for diffusion training (train_diffusion.py --ground W).

Layout guidance (docs/method.md section 5) moves an object by raising its words' cross-attention logits in a box. That
only works if the UNet draws an object where its words are attended. Trained on the denoising loss alone, this small
model does so unreliably: the share of centroids landing in their boxes went from 92.5% to 77% between two runs of
the same recipe (training/HISTORY.md, ninth and tenth builds). The synthetic data knows every object's box, so
training can ask for it directly: for every colour, pattern and shape word of an object's phrase, the share of that
token's attention mass (over image positions, mean over heads) that falls inside the object's box should be 1.

    frac_j   = sum_s a[s, j] * m_j[s] / sum_s a[s, j]        a = softmax attention of attn2 [S, T], m_j = box cover
    L_ground = mean over attn2 layers of  sum_j w_j (1 - frac_j)^2 / sum_j w_j

This is the token-level term of TokenCompose (Wang et al., CVPR 2024), written here from its formula. w_j is
sqrt(alpha_bar_t) of the row's timestep: at high noise the latent does not yet show where the objects are, so the
loss asks less there. m_j[s] is the share of attention cell s covered by the box (cells of 4 px at 16x16, 8 px at
8x8), so small objects still have a target at 8x8.
"""
import torch

import data
from bpe import PAT, clean

GROUNDED_WORDS = frozenset(data.SHAPES) | frozenset(data.COLORS) | frozenset(data.PATTERNS)


def word_boxes(tok, caption, where, objects, max_pos):
    """Token positions (BOS = 0) of the grounded words of each object's phrase, with that object's box.
    where: caption_for(..., spans=True)'s [(object index, char start, char end)]; objects: the scene's objects (their
    'box' in 64 px image coordinates, mirrored when the image is). Returns [(position, box)], positions < max_pos."""
    assert clean(caption) == caption, "captions are generated lower-case with single spaces"
    out, pos = [], 1
    for m in PAT.finditer(caption):
        n = len(tok.bpe(m.group()))
        if m.group() in GROUNDED_WORDS:
            for i, a, b in where:
                if a <= m.start() < b:
                    out += [(p, objects[i]["box"]) for p in range(pos, min(pos + n, max_pos))]
        pos += n
    return out


def box_cover(box, r, size=data.SIZE):
    """[r*r] share of each cell of an r x r grid over a size x size image covered by box (x0, y0, x1, y1), row-major."""
    c = size / r
    edges = torch.arange(r + 1, dtype=torch.float32) * c
    x0, y0, x1, y1 = (float(v) for v in box)
    cx = ((torch.minimum(edges[1:], torch.tensor(x1)) - torch.maximum(edges[:-1], torch.tensor(x0))).clamp(min=0) / c)
    cy = ((torch.minimum(edges[1:], torch.tensor(y1)) - torch.maximum(edges[:-1], torch.tensor(y0))).clamp(min=0) / c)
    return (cy[:, None] * cx[None, :]).reshape(-1)


def targets(rows, T, resolutions):
    """rows: per batch row, [(position, box)]. -> ({S: cover [B, T, S]}, grounded [B, T] bool)."""
    B = len(rows)
    cover = {r * r: torch.zeros(B, T, r * r) for r in resolutions}
    grounded = torch.zeros(B, T, dtype=torch.bool)
    for b, row in enumerate(rows):
        for p, box in row:
            grounded[b, p] = True
            for r in resolutions:
                cover[r * r][b, p] = box_cover(box, r)
    return cover, grounded


def inside_share(p, cover):
    """p: one attn2 layer's attention [B, H, S, T]; cover {S: [B, T, S]} -> frac [B, T] (mean over heads)."""
    a = p.mean(1)  # [B, S, T]
    return torch.einsum("bst,bts->bt", a, cover[a.shape[1]]) / (a.sum(1) + 1e-6)


def loss(probs, cover, weight):
    """probs: attn2 attention of each layer, [B, H, S, T]; cover {S: [B, T, S]}; weight [B, T] (0 = not grounded).
    -> scalar L_ground (0 when no token is grounded)."""
    total = weight.sum()
    if float(total) == 0.0:
        return probs[0].sum() * 0.0
    terms = []
    for p in probs:
        terms.append(((1 - inside_share(p, cover)) ** 2 * weight).sum() / total)
    return torch.stack(terms).mean()
