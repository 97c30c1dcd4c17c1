"""The shapes-world text encoder: CLIP-like causal transformer (diffusers / transformers CLIPTextModel names), width
128, 4 pre-LN layers of 4 heads, 77 learned positions, final LayerNorm; pooled output = hidden state at the first EOS.
Attention is written out (q @ k^T * scale + causal mask -> softmax -> @ v on 4-D logits [B, H, L, L]) in eval mode,
which is what the ONNX export traces; training mode runs blocks.train_attention (the same function, faster).
"""
import torch
import torch.nn as nn

from blocks import count_params, train_attention


class TEAttention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.scale = self.head_dim ** -0.5
        self.q_proj = nn.Linear(width, width)
        self.k_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.out_proj = nn.Linear(width, width)

    def forward(self, x, mask):
        B, L, C = x.shape
        H, D = self.heads, self.head_dim
        if self.training:
            return self.out_proj(train_attention(self.q_proj(x), self.k_proj(x), self.v_proj(x), H, self.scale, mask))
        q = self.q_proj(x).reshape(B, L, H, D).transpose(1, 2)
        k = self.k_proj(x).reshape(B, L, H, D).transpose(1, 2)
        v = self.v_proj(x).reshape(B, L, H, D).transpose(1, 2)
        a = (q @ k.transpose(-1, -2)) * self.scale + mask
        a = a.softmax(-1)
        o = (a @ v).transpose(1, 2).reshape(B, L, C)
        return self.out_proj(o)


class TELayer(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(width)
        self.self_attn = TEAttention(width, heads)
        self.layer_norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        x = x + self.mlp(self.layer_norm2(x))
        return x


class TextEncoder(nn.Module):
    def __init__(self, vocab_size, width=128, layers=4, heads=4, max_positions=77):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, hidden_size=width, num_hidden_layers=layers,
                           num_attention_heads=heads, max_position_embeddings=max_positions)
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.position_embedding = nn.Embedding(max_positions, width)
        self.layers = nn.ModuleList([TELayer(width, heads) for _ in range(layers)])
        self.final_layer_norm = nn.LayerNorm(width)
        mask = torch.full((max_positions, max_positions), -1e9).triu(1)
        self.register_buffer("causal_mask", mask, persistent=False)
        self.register_buffer("position_ids", torch.arange(max_positions), persistent=False)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.position_embedding.weight, std=0.01)

    def forward(self, input_ids, return_pooled=False):
        L = input_ids.shape[1]
        x = self.token_embedding(input_ids) + self.position_embedding(self.position_ids[:L])
        mask = self.causal_mask[:L, :L]
        for layer in self.layers:
            x = layer(x, mask)
        x = self.final_layer_norm(x)
        if return_pooled:
            pooled = x[torch.arange(x.shape[0]), input_ids.argmax(-1)]
            return x, pooled
        return x


if __name__ == "__main__":
    te = TextEncoder(674)
    print("text encoder", count_params(te), tuple(te(torch.randint(0, 674, (2, 77))).shape))
