"""Inputs to check a conversion on, and leaf-by-leaf comparison of outputs with eager's.

Inputs: the example, every ``check_inputs`` tuple, then generated ones: the example's shapes with
new values ("random values"), and a different size of the first dimension ("dim0=N", batch or
sequence length). A generated input on which eager itself raises is dropped.

Outputs are flattened with torch's pytree and compared leaf by leaf with the tolerances of
``torch.testing.assert_close`` for the dtype (``|actual - expected| <= atol + rtol * |expected|``);
integer, bool and non-tensor leaves must be equal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# (rtol, atol) by dtype name, as torch.testing.assert_close's defaults
TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


@dataclass(frozen=True)
class InputSet:
    label: str
    args: tuple
    generated: bool = False


@dataclass(frozen=True)
class Comparison:
    max_abs_error: float | None
    max_rel_error: float | None
    ok: bool
    error: str | None = None  # why the outputs cannot be compared (structure, shape, dtype)


def shapes_of(args) -> list:
    import torch
    from torch.utils._pytree import tree_flatten

    return [tuple(x.shape) if isinstance(x, torch.Tensor) else None for x in tree_flatten(args)[0]]


def same_shapes(a, b) -> bool:
    return shapes_of(a) == shapes_of(b)


def input_sets(example: tuple, check_inputs: tuple, seed: int = 0) -> list[InputSet]:
    """The example, the user's checks, and generated inputs (see the module docstring)."""
    sets = [InputSet("example", example)]
    sets += [InputSet(f"check {i}", tuple(c)) for i, c in enumerate(check_inputs, 1)]
    sets.append(InputSet("random values", regenerate(example, seed=seed + 1), generated=True))
    resized = resize_first_dim(example, seed=seed + 2)
    if resized is not None:
        sets.append(InputSet(resized[0], resized[1], generated=True))
    return sets


def _new_values(x, generator, shape=None):
    """A tensor like ``x`` (dtype, value range) of ``shape`` (default x's) with new values."""
    import torch

    shape = tuple(x.shape) if shape is None else shape
    if x.dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    if x.is_floating_point():
        scale = x.abs().max().item() if x.numel() else 1.0
        return (torch.rand(shape, generator=generator, dtype=x.dtype) * 2 - 1) * (scale or 1.0)
    if x.is_complex() or x.numel() == 0:
        return x.clone() if shape == tuple(x.shape) else torch.zeros(shape, dtype=x.dtype)
    low, high = int(x.min().item()), int(x.max().item())
    return torch.randint(low, high + 1, shape, generator=generator, dtype=x.dtype)


def regenerate(args, seed: int):
    """Same structure and shapes, new values (floats uniform in the example's range)."""
    import torch
    from torch.utils._pytree import tree_map

    generator = torch.Generator().manual_seed(seed)
    return tree_map(lambda x: _new_values(x, generator) if isinstance(x, torch.Tensor) else x, args)


def resize_first_dim(args, seed: int):
    """(label, args) with the first dimension of every tensor of 1+ dims changed, or None.

    The size goes up by one (from 1 to 2), so a batch-1 example also checks batch 2 and an
    unrolled loop meets a longer sequence.
    """
    import torch
    from torch.utils._pytree import tree_flatten, tree_map

    sizes = {x.shape[0] for x in tree_flatten(args)[0] if isinstance(x, torch.Tensor) and x.dim() >= 1}
    if len(sizes) != 1:
        return None  # no tensors, or first dims that differ: no consistent "batch" to change
    new_size = sizes.pop() + 1
    generator = torch.Generator().manual_seed(seed)

    def resize(x):
        if not isinstance(x, torch.Tensor) or x.dim() == 0:
            return x
        return _new_values(x, generator, shape=(new_size, *x.shape[1:]))

    return f"dim0={new_size}", tree_map(resize, args)


def compare(expected: Any, actual: Any) -> Comparison:
    """Compare two outputs leaf by leaf; never raises."""
    import torch
    from torch.utils._pytree import tree_flatten

    exp_leaves, exp_spec = tree_flatten(expected)
    act_leaves, act_spec = tree_flatten(actual)
    if len(exp_leaves) != len(act_leaves):
        return Comparison(None, None, False, f"output structure differs: {len(act_leaves)} leaves, eager has {len(exp_leaves)}")
    max_abs = max_rel = 0.0
    ok = True
    for i, (e, a) in enumerate(zip(exp_leaves, act_leaves)):
        if isinstance(e, torch.Tensor) != isinstance(a, torch.Tensor):
            if isinstance(a, torch.Tensor) and a.numel() == 1 and not isinstance(e, (list, tuple, dict)):
                a = a.item()  # a program may return a scalar as a 0-dim tensor
            elif isinstance(e, torch.Tensor) and e.numel() == 1:
                e = e.item()
            else:
                return Comparison(None, None, False, f"output {i}: {type(a).__name__} where eager gives {type(e).__name__}")
        if not isinstance(e, torch.Tensor):
            if isinstance(e, float) or isinstance(a, float):
                diff = abs(float(a) - float(e))
                max_abs, max_rel = max(max_abs, diff), max(max_rel, diff / max(abs(float(e)), 1e-12))
                ok = ok and math.isclose(float(a), float(e), rel_tol=1.3e-6, abs_tol=1e-5)
            elif a != e:
                ok = False
                max_abs = max(max_abs, math.inf)
            continue
        if e.shape != a.shape:
            return Comparison(None, None, False, f"output {i}: shape {tuple(a.shape)} where eager gives {tuple(e.shape)}")
        if e.dtype != a.dtype:
            return Comparison(None, None, False, f"output {i}: dtype {a.dtype} where eager gives {e.dtype}")
        if e.numel() == 0:
            continue
        if e.is_floating_point() or e.is_complex():
            rtol, atol = TOLERANCES.get(str(e.dtype).replace("torch.", ""), (1.3e-6, 1e-5))
            e64, a64 = e.detach().to(torch.complex128 if e.is_complex() else torch.float64), a.detach().to(
                torch.complex128 if e.is_complex() else torch.float64)
            diff = (a64 - e64).abs()
            both_nan = torch.isnan(a64) & torch.isnan(e64) if not e.is_complex() else torch.zeros_like(diff, dtype=torch.bool)
            diff = torch.where(both_nan, torch.zeros_like(diff), diff)
            diff = torch.nan_to_num(diff, nan=math.inf)
            magnitude = torch.nan_to_num(e64.abs(), nan=0.0)
            rel = diff / magnitude.clamp_min(1e-12)
            max_abs, max_rel = max(max_abs, diff.max().item()), max(max_rel, rel.max().item())
            ok = ok and bool((diff <= atol + rtol * magnitude).all())
        else:
            diff = (a.to(torch.int64) - e.to(torch.int64)).abs() if e.dtype != torch.bool else (a != e).to(torch.int64)
            rel = diff.double() / e.to(torch.float64).abs().clamp_min(1)
            max_abs, max_rel = max(max_abs, float(diff.max().item())), max(max_rel, rel.max().item())
            ok = ok and bool((diff == 0).all())
    return Comparison(max_abs, max_rel, ok)
