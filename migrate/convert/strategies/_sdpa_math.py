"""Short attention computed by inductor's own kernels (not a strategy: files starting with ``_`` are skipped).

On CPU, inductor lowers ``scaled_dot_product_attention`` to ATen's flash-attention kernel
(``_scaled_dot_product_flash_attention_for_cpu``), and its pattern matcher turns a hand-written
``softmax(q @ k.T * scale) @ v`` back into that kernel. The kernel works in blocks sized for long
sequences; on short ones its set-up dominates. Measured here (AOTInductor, 1 thread, one attention
call, interleaved timing), math attention against flash:

    ===============  ======  ======  ======  =======  =======  =======
    (B, H, L, E)      2,4,10  1,12,32 1,12,64 1,12,128 1,12,197 1,12,384
                      ,16     ,64     ,64     ,64      ,64      ,64
    math / flash      0.58    0.84    0.88    0.96     1.71     1.77
    ===============  ======  ======  ======  =======  =======  =======

(the fixtures' TransformerEncoder is the first column: 30 us of flash attention per call against 17.)
So ``MathAttention``, an inductor ``joint_custom_post_pass`` (it runs after the pattern matcher, so
nothing fuses it back), replaces every flash-attention call whose query and key lengths give at most
``MAX_SCORES`` scores per head (float32, no dropout, not causal, its log-sum-exp unused) with
``softmax(q @ k.transpose(-2, -1) * scale + mask) @ v``: two batched matrix multiplies around one fused
softmax kernel (with a mask, ``_safe_softmax``: a row masked everywhere gives zeros, as flash does). Longer attention keeps the flash kernel. The numerics are those of torch's math
backend; the checks compare every strategy's outputs with eager as usual.
"""

from __future__ import annotations

MAX_SCORES = 128 * 128  # query length x key length per head, where math attention stops beating flash (see above)
VERSION = 3  # part of the pass's uuid (the AOTI package key, inductor's own caches): bump when the rewrite changes


def short(query, key) -> bool:
    """Whether an attention over these (fake) tensors is one the pass rewrites: float32, at most
    ``MAX_SCORES`` query x key positions per head."""
    import torch

    return (query.dtype == torch.float32 and key.dtype == torch.float32 and query.dim() == 4
            and query.size(-2) * key.size(-2) <= MAX_SCORES)


def short_attention_calls(program) -> int:
    """How many ``scaled_dot_product_attention`` calls of an exported program the pass would rewrite."""
    import torch

    sdpa = torch.ops.aten.scaled_dot_product_attention.default
    count = 0
    for node in program.graph.nodes:
        if node.op != "call_function" or node.target is not sdpa:
            continue
        bound = dict(zip(("query", "key", "value", "attn_mask", "dropout_p", "is_causal"), node.args))
        bound.update(node.kwargs)
        query, key = (getattr(bound.get(name), "meta", {}).get("val") for name in ("query", "key"))
        if (query is None or key is None or bound.get("dropout_p", 0.0) or bound.get("is_causal", False)
                or bound.get("enable_gqa", False)):
            continue
        if short(query, key):
            count += 1
    return count


_PASS = None


def math_attention_pass():
    """The inductor pass (one per process: its patterns are registered once)."""
    global _PASS
    if _PASS is None:
        _PASS = _build_pass()
    return _PASS


def _build_pass():
    import operator

    import torch
    from torch._inductor.custom_graph_pass import CustomGraphPass
    from torch._inductor.pattern_matcher import CallFunction, KeywordArg, PatternMatcherPass, register_graph_pattern

    flash = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu.default
    patterns = PatternMatcherPass()

    def flash_call(match):
        return next(node for node in match.nodes if node.target is flash)

    def applies(match) -> bool:
        # the node itself decides, not the pattern: a pattern's missing keyword arguments match any value
        node = flash_call(match)
        bound = dict(zip(("query", "key", "value", "dropout_p", "is_causal"), node.args))
        bound.update(node.kwargs)
        if bound.get("dropout_p", 0.0) or bound.get("is_causal", False):
            return False
        mask = bound.get("attn_mask")  # by now a float mask to add (SDPA turned a boolean one into 0/-inf)
        if mask is not None and getattr(getattr(mask, "meta", {}).get("val"), "dtype", None) != torch.float32:
            return False
        scale = bound.get("scale")
        if scale is not None and not isinstance(scale, (int, float)):
            return False
        query, key = (getattr(bound[name], "meta", {}).get("val") for name in ("query", "key"))
        return query is not None and key is not None and short(query, key)

    def rewrite(match, query, key, value):
        node = flash_call(match)
        scale, mask = node.kwargs.get("scale"), node.kwargs.get("attn_mask")

        def attention(query, key, value, *mask):
            factor = query.size(-1) ** -0.5 if scale is None else scale
            scores = (query @ key.transpose(-2, -1)) * factor
            if not mask:
                return torch.softmax(scores, -1) @ value
            # _safe_softmax: a row masked everywhere gives zeros, as the flash kernel does (softmax: NaN)
            return torch.ops.aten._safe_softmax(scores + mask[0], -1) @ value

        match.replace_by_example(attention, [query, key, value] + ([mask] if mask is not None else []))

    # flash(q, k, v, ...): only output 0 used (the log-sum-exp is for backward)
    call = CallFunction(flash, KeywordArg("query"), KeywordArg("key"), KeywordArg("value"), _users=1)
    register_graph_pattern(CallFunction(operator.getitem, call, 0), pass_dict=patterns, extra_check=applies)(rewrite)

    class MathAttention(CustomGraphPass):
        """``softmax(q @ k.T * scale) @ v`` in place of short flash-attention calls (module docstring)."""

        def __call__(self, graph) -> None:
            patterns.apply(graph)

        def uuid(self) -> str:
            return f"migrate-math-attention-{VERSION}-{MAX_SCORES}"

        def __repr__(self) -> str:  # the AOTI package key hashes the options' reprs
            return f"MathAttention({self.uuid()})"

    return MathAttention()
