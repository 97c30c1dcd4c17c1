"""transformers' CLIPTextModel at toy width for the SD replicas (training/make_sd_replicas.py), with its module names
(text_model.embeddings.token_embedding, text_model.encoder.layers.N.self_attn.q_proj, ..., text_model.final_layer_norm)
so the exported node names match a real SD text encoder export.

input_ids [B, L] (int32 or int64) -> last_hidden_state [B, L, D] (after the final LayerNorm) and pooler_output [B, D]
(the hidden state at argmax(input_ids), i.e. the first EOS, the highest id of the vocabulary). Pre-LN causal
transformer; the causal mask is built from L at run time (rows may only see earlier columns), filled with the most
negative value of the export's dtype as transformers does (float32 min, or -65504 for float16 exports).
hidden_act: "quick_gelu" (OpenAI CLIP, SD 1.x) or "gelu" (OpenCLIP, SD 2.x).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class CLIPAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads, self.head_dim = heads, width // heads
        self.scale = self.head_dim ** -0.5
        self.q_proj, self.k_proj = nn.Linear(width, width), nn.Linear(width, width)
        self.v_proj, self.out_proj = nn.Linear(width, width), nn.Linear(width, width)

    def forward(self, x, mask):
        B, L, C = x.shape
        q = (self.q_proj(x) * self.scale).view(B, L, self.heads, self.head_dim).transpose(1, 2)  # [B, H, L, d]
        k = self.k_proj(x).view(B, L, self.heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, L, self.heads, self.head_dim).transpose(1, 2)
        p = (torch.matmul(q, k.transpose(-1, -2)) + mask).softmax(-1)  # [B, H, L, L]
        return self.out_proj(torch.matmul(p, v).transpose(1, 2).reshape(B, L, C))


class CLIPMLP(nn.Module):
    def __init__(self, width, act):
        super().__init__()
        self.act = act
        self.fc1, self.fc2 = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

    def forward(self, x):
        h = self.fc1(x)
        h = h * torch.sigmoid(1.702 * h) if self.act == "quick_gelu" else F.gelu(h)
        return self.fc2(h)


class CLIPEncoderLayer(nn.Module):
    def __init__(self, width, heads, act):
        super().__init__()
        self.self_attn = CLIPAttention(width, heads)
        self.layer_norm1 = nn.LayerNorm(width)
        self.mlp = CLIPMLP(width, act)
        self.layer_norm2 = nn.LayerNorm(width)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class CLIPEncoder(nn.Module):
    def __init__(self, width, heads, layers, act):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(width, heads, act) for _ in range(layers)])


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, vocab, width, positions):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, width)
        self.position_embedding = nn.Embedding(positions, width)
        self.register_buffer("position_ids", torch.arange(positions).unsqueeze(0))

    def forward(self, input_ids):
        L = input_ids.shape[-1]
        return self.token_embedding(input_ids) + self.position_embedding(self.position_ids[:, :L])


class CLIPTextTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.mask_min = cfg["mask_min"]
        self.embeddings = CLIPTextEmbeddings(cfg["vocab_size"], cfg["hidden_size"], cfg["max_position_embeddings"])
        self.encoder = CLIPEncoder(cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"], cfg["hidden_act"])
        self.final_layer_norm = nn.LayerNorm(cfg["hidden_size"])

    def forward(self, input_ids):
        x = self.embeddings(input_ids)  # [B, L, D]
        L = input_ids.shape[-1]
        cols = torch.arange(L)
        mask = torch.full((L, L), self.mask_min, dtype=x.dtype)
        mask = mask.masked_fill(cols[None, :] <= cols[:, None], 0.0)[None, None]  # [1, 1, L, L]
        for layer in self.encoder.layers:
            x = layer(x, mask)
        x = self.final_layer_norm(x)
        pooled = x[torch.arange(x.shape[0]), input_ids.to(torch.int).argmax(dim=-1)]  # [B, D]
        return x, pooled


class CLIPTextModel(nn.Module):
    """The exported module: forward(input_ids) -> (last_hidden_state, pooler_output)."""

    def __init__(self, cfg):
        super().__init__()
        self.text_model = CLIPTextTransformer(cfg)

    def forward(self, input_ids):
        return self.text_model(input_ids)
