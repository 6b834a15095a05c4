"""``aoti.sdpa_math``: AOTInductor with short attention computed by inductor's kernels, not flash attention.

The same compile as ``aoti`` with one inductor pass (``_sdpa_math.MathAttention``): each
``scaled_dot_product_attention`` over at most 128 x 128 query x key positions per head becomes
``softmax(q @ k.T * scale) @ v``, two batched matrix multiplies around one fused softmax, instead of
ATen's flash-attention kernel, whose set-up dominates on short sequences. On the fixtures'
TransformerEncoder at 1 thread the package is about a fifth faster than ``aoti``'s. A program with no
such attention is skipped (its package would be ``aoti``'s), so targets without attention cost no
compile. Packages are reused like ``aoti``'s (the pass's version is part of the key).
"""

from __future__ import annotations

from migrate.convert.strategies.aoti import AOTInductor
from migrate.convert.strategies.base import SkipStrategy


class AOTInductorMathAttention(AOTInductor):
    name = "aoti.sdpa_math"
    order = 73
    description = "AOTInductor package with short attention as matmul-softmax-matmul, not flash attention (.pt2)"

    def options(self, program) -> dict:
        from migrate.convert.strategies._sdpa_math import MAX_SCORES, math_attention_pass, short_attention_calls

        if not short_attention_calls(program):
            raise SkipStrategy(f"no float32 scaled_dot_product_attention of at most {MAX_SCORES} query x key "
                               "positions per head (without mask, dropout or causal) in the exported program: "
                               "the package would be aoti's")
        return {**self.inductor_options, "joint_custom_post_pass": math_attention_pass()}
