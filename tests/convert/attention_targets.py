"""Test-only targets for ``aoti.sdpa_math``: short attention (rewritten), long attention and none (skipped)."""

import torch
import torch.nn.functional as F

import migrate


class FourAttentions(torch.nn.Module):
    """Four short attentions: the default scale, ``scale=``, a float mask and a boolean one, each with a
    query row masked everywhere (SDPA gives zeros there, a plain softmax NaN)."""

    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(16, 16)

    def forward(self, q, k, v):
        keep = torch.ones(q.size(-2), k.size(-2), dtype=torch.bool)
        keep[1] = False
        keep[2, 5:] = False
        additive = torch.zeros(keep.shape).masked_fill(~keep, float("-inf"))
        first = F.scaled_dot_product_attention(q, k, v)
        second = F.scaled_dot_product_attention(self.proj(first), k, v, scale=0.3)
        third = F.scaled_dot_product_attention(second, k, v, attn_mask=additive)
        return F.scaled_dot_product_attention(third, k, v, attn_mask=keep)


class Attention(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


def _qkv(length: int, key_length: int | None = None):
    torch.manual_seed(0)
    key_length = key_length or length
    return torch.randn(2, 2, length, 16), torch.randn(2, 2, key_length, 16), torch.randn(2, 2, key_length, 16)


@migrate.target(name="short")
def short():
    return migrate.Target(FourAttentions().eval(), _qkv(10, 12))


@migrate.target(name="long")
def long():
    return migrate.Target(Attention(), _qkv(129, 128))  # 129 x 128 scores per head: one past the limit


@migrate.target(name="none")
def none():
    return migrate.Target(torch.nn.Linear(4, 4).eval(), (torch.randn(2, 4),))
