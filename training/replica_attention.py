"""diffusers' `Attention` module for the SD replicas (training/make_sd_replicas.py), with the two forms real Stable
Diffusion ONNX exports contain, written out op by op so torch 1.13's TorchScript exporter produces them:

- "sdpa" (diffusers AttnProcessor2_0 exported by torch 2, what optimum gives for SD 1.5): q, k, v as [B, H, S, d];
  torch 2 decomposes F.scaled_dot_product_attention into
      s = sqrt(1 / sqrt(d)) (d from Shape(q));  MatMul(q * s, Transpose(k, [0,1,3,2]) * s) -> Softmax -> MatMul(., v)
  so the 4-D logits [B, H, S, T] carry no Mul after the score MatMul.
- "baddbmm" (diffusers AttnProcessor, the torch 1 exports of SD 2.1): heads folded into the batch, [B*H, S, d];
  scores = baddbmm(empty, q, k^T, beta=0, alpha=scale), which ONNX spells MatMul -> Mul(alpha) -> Add(Mul(empty, 0)),
  then Softmax -> bmm with v. 3-D logits [B*H, S, T].

`upcast_attention` (SD 2.1-768) computes q, k (so the scores and the softmax) in float32; `upcast_softmax` (the VAE)
only the softmax. Both are `.float()` / `.to(dtype)` calls: no-ops in a float32 trace, real Cast nodes when the model
is traced in float64 for a float16 export (make_sd_replicas.py rewrites DOUBLE to FLOAT16, FLOAT stays FLOAT).
"""
import torch
import torch.nn as nn


class Attention(nn.Module):
    """diffusers `Attention`: to_q / to_k / to_v / to_out.0 (+ to_out.1 dropout), optional group_norm (VAE mid
    block) and residual connection. Query input [B, S, C] (or [B, C, H, W] with group_norm), context [B, T, Cc]."""

    def __init__(self, query_dim, heads, dim_head, cross_attention_dim=None, form="sdpa", upcast_attention=False,
                 upcast_softmax=False, bias=False, norm_groups=None, residual_connection=False):
        super().__init__()
        inner = heads * dim_head
        self.heads, self.form = heads, form
        self.scale = dim_head ** -0.5
        self.upcast_attention, self.upcast_softmax = upcast_attention, upcast_softmax
        self.residual_connection = residual_connection
        self.group_norm = nn.GroupNorm(norm_groups, query_dim, eps=1e-6) if norm_groups else None
        self.to_q = nn.Linear(query_dim, inner, bias=bias)
        self.to_k = nn.Linear(cross_attention_dim or query_dim, inner, bias=bias)
        self.to_v = nn.Linear(cross_attention_dim or query_dim, inner, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim), nn.Dropout(0.0)])

    def forward(self, hidden_states, encoder_hidden_states=None):
        residual = hidden_states
        spatial = hidden_states.dim() == 4
        if spatial:  # VAE mid block: [B, C, H, W] -> [B, H*W, C]
            B, C, Hh, Ww = hidden_states.shape
            hidden_states = hidden_states.view(B, C, Hh * Ww).transpose(1, 2)
        if self.group_norm is not None:
            hidden_states = self.group_norm(hidden_states.transpose(1, 2)).transpose(1, 2)
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        q, k, v = self.to_q(hidden_states), self.to_k(context), self.to_v(context)
        out = self.sdpa(q, k, v) if self.form == "sdpa" else self.baddbmm(q, k, v)
        out = self.to_out[1](self.to_out[0](out))
        if spatial:
            out = out.transpose(-1, -2).reshape(B, C, Hh, Ww)
        return out + residual if self.residual_connection else out

    def sdpa(self, q, k, v):
        """torch 2's ONNX decomposition of scaled_dot_product_attention on [B, H, S, d]. q [B, S, C] -> [B, S, C]."""
        B = q.shape[0]
        d = q.shape[-1] // self.heads
        q, k, v = (t.view(B, -1, self.heads, d).transpose(1, 2) for t in (q, k, v))  # [B, H, S|T, d]
        # scale = 1 / sqrt(d) with d read from Shape(q), split as sqrt(scale) on each side (as torch 2 exports it)
        e = torch._shape_as_tensor(q)[-1:].to(q.dtype)
        sqrt_scale = torch.sqrt(torch.ones(1, dtype=q.dtype) / torch.sqrt(e))
        logits = torch.matmul(q * sqrt_scale, k.transpose(-2, -1) * sqrt_scale)  # [B, H, S, T]
        out = torch.matmul(logits.softmax(-1), v)  # [B, H, S, d]
        return out.transpose(1, 2).reshape(B, -1, self.heads * d)

    def head_to_batch_dim(self, t):
        """[B, S, C] -> [B*H, S, C/H]."""
        B, S, C = t.shape
        return t.reshape(B, S, self.heads, C // self.heads).permute(0, 2, 1, 3).reshape(B * self.heads, S, C // self.heads)

    def batch_to_head_dim(self, t):
        """[B*H, S, d] -> [B, S, H*d]."""
        BH, S, d = t.shape
        return t.reshape(BH // self.heads, self.heads, S, d).permute(0, 2, 1, 3).reshape(BH // self.heads, S, d * self.heads)

    def baddbmm(self, q, k, v):
        """diffusers AttnProcessor + get_attention_scores on 3-D [B*H, S, T] logits (baddbmm with beta 0)."""
        q, k, v = self.head_to_batch_dim(q), self.head_to_batch_dim(k), self.head_to_batch_dim(v)
        dtype = q.dtype
        if self.upcast_attention:
            q, k = q.float(), k.float()
        # diffusers: baddbmm(torch.empty(B*H, S, T), q, k^T, beta=0, alpha=scale). Written as the ops ONNX's baddbmm
        # symbolic emits (checked: the same graph as baddbmm with torch.empty or torch.zeros, ConstantOfShape 0):
        # MatMul -> Mul(alpha), Mul(zeros, beta), Add. Not baddbmm itself in eager mode: torch 1.13's CPU baddbmm
        # with beta=0 returned NaN from uninitialised memory for some small shapes here (e.g. [1, 6, 8] x [1, 8, 6]).
        zeros = torch.zeros(q.shape[0], q.shape[1], k.shape[1], dtype=q.dtype)
        scores = torch.bmm(q, k.transpose(-1, -2)) * self.scale + zeros * 0.0  # [B*H, S, T]
        if self.upcast_softmax:
            scores = scores.float()
        probs = scores.softmax(dim=-1).to(dtype)
        return self.batch_to_head_dim(torch.bmm(probs, v))
