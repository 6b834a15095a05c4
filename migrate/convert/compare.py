"""Inputs to check a conversion on, and leaf-by-leaf comparison of outputs with eager's.

Inputs: the example, every ``check_inputs`` tuple, then generated ones: the example's shapes with
new values ("random values"), and a different size of the first dimension ("dim0=N", batch or
sequence length). A generated input on which eager itself raises is dropped.

Outputs are compared structure first, then leaf by leaf (``migrate.convert.structure`` flattens
them: mappings, ModelOutputs and dataclasses by key, sequences and namedtuples by position). Tensor
leaves use the tolerances of ``torch.testing.assert_close`` for the dtype (``|actual - expected| <=
atol + rtol * |expected|``, widened by eager's own spread when eager disagrees with itself);
integers and bools must be equal; other values must have the same type and, where their type
defines equality, the same value. Objects that are neither (a DynamicCache) are "not compared".
When the structures differ but the tensors, in order, are equal, the comparison says so
(``same_values``): only the output's containers differ.
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
    not_compared: tuple[str, ...] = ()  # "path: Type" of leaves that are neither tensors nor comparable
    same_values: bool = False  # the structures differ but the tensors, in order, are equal


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


def compare(expected: Any, actual: Any, spread: float = 0.0) -> Comparison:
    """Compare two outputs, structure first, then leaf by leaf; never raises.

    ``spread``: how much eager differs from itself on this input (added to the absolute tolerance).
    """
    from migrate.convert.structure import describe, flatten

    exp, act = flatten(expected), flatten(actual)
    if [path for path, _ in exp] != [path for path, _ in act]:
        values = compare_tensors([v for _, v in exp], [v for _, v in act], spread)
        error = f"output structure differs: {describe(actual)} where eager gives {describe(expected)}"
        if values is not None and values.ok:
            return Comparison(values.max_abs_error, values.max_rel_error, False, f"{error}; the tensors are equal",
                              same_values=True)
        return Comparison(None, None, False, error)
    max_abs = max_rel = 0.0
    ok = True
    not_compared = []
    for (path, e), (_, a) in zip(exp, act):
        leaf = compare_leaf(e, a, spread)
        if leaf.error is not None:
            return Comparison(None, None, False, f"{path}: {leaf.error}")
        if leaf.not_compared:
            not_compared.append(f"{path}: {type(e).__name__}")
            continue
        max_abs, max_rel = max(max_abs, leaf.max_abs_error), max(max_rel, leaf.max_rel_error)
        ok = ok and leaf.ok
    return Comparison(max_abs, max_rel, ok, not_compared=tuple(not_compared))


def compare_tensors(expected: list, actual: list, spread: float) -> Comparison | None:
    """The tensor leaves of two outputs compared in order (None leaves ignored), or None if they pair up badly."""
    import torch

    exp = [x for x in expected if isinstance(x, torch.Tensor)]
    act = [x for x in actual if isinstance(x, torch.Tensor)]
    if len(exp) != len(act) or not exp:
        return None
    others_equal = [x for x in expected if x is not None and not isinstance(x, torch.Tensor)] == [
        x for x in actual if x is not None and not isinstance(x, torch.Tensor)]
    results = [compare_leaf(e, a, spread) for e, a in zip(exp, act)]
    if any(r.error for r in results):
        return None
    return Comparison(max(r.max_abs_error for r in results), max(r.max_rel_error for r in results),
                      others_equal and all(r.ok for r in results))


@dataclass(frozen=True)
class _Leaf:
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    ok: bool = True
    error: str | None = None
    not_compared: bool = False


def has_own_equality(value) -> bool:
    """True for types that define ``==`` (numbers, strings, enums...); False where it is identity."""
    return type(value).__eq__ is not object.__eq__


def compare_leaf(e, a, spread: float = 0.0) -> _Leaf:
    import torch

    if isinstance(e, torch.Tensor) != isinstance(a, torch.Tensor):
        if isinstance(a, torch.Tensor) and a.numel() == 1 and isinstance(e, (int, float, bool)):
            a = a.item()  # a program may return a scalar as a 0-dim tensor
        elif isinstance(e, torch.Tensor) and e.numel() == 1 and isinstance(a, (int, float, bool)):
            e = e.item()
        else:
            return _Leaf(error=f"{type(a).__name__} where eager gives {type(e).__name__}")
    if not isinstance(e, torch.Tensor):
        return compare_value(e, a, spread)
    if e.shape != a.shape:
        return _Leaf(error=f"shape {tuple(a.shape)} where eager gives {tuple(e.shape)}")
    if e.dtype != a.dtype:
        return _Leaf(error=f"dtype {a.dtype} where eager gives {e.dtype}")
    if e.numel() == 0:
        return _Leaf()
    if e.is_floating_point() or e.is_complex():
        rtol, atol = TOLERANCES.get(str(e.dtype).replace("torch.", ""), (1.3e-6, 1e-5))
        wide = torch.complex128 if e.is_complex() else torch.float64
        e64, a64 = e.detach().to(wide), a.detach().to(wide)
        diff = (a64 - e64).abs()
        both_nan = torch.isnan(a64) & torch.isnan(e64) if not e.is_complex() else torch.zeros_like(diff, dtype=torch.bool)
        diff = torch.where(both_nan, torch.zeros_like(diff), diff)
        diff = torch.nan_to_num(diff, nan=math.inf)
        magnitude = torch.nan_to_num(e64.abs(), nan=0.0)
        rel = diff / magnitude.clamp_min(1e-12)
        return _Leaf(diff.max().item(), rel.max().item(), bool((diff <= atol + spread + rtol * magnitude).all()))
    diff = (a.to(torch.int64) - e.to(torch.int64)).abs() if e.dtype != torch.bool else (a != e).to(torch.int64)
    rel = diff.double() / e.to(torch.float64).abs().clamp_min(1)
    return _Leaf(float(diff.max().item()), rel.max().item(), bool((diff <= spread).all()))


def compare_value(e, a, spread: float = 0.0) -> _Leaf:
    """Two leaves that are not tensors: numbers by value, other types by type and (own) equality."""
    numbers = (int, float)
    if isinstance(e, numbers) and isinstance(a, numbers) and not isinstance(e, bool) and not isinstance(a, bool):
        diff = abs(float(a) - float(e))
        ok = math.isclose(float(a), float(e), rel_tol=1.3e-6, abs_tol=1e-5 + spread) or math.isnan(diff) and \
            math.isnan(float(a)) and math.isnan(float(e))
        return _Leaf(0.0 if math.isnan(diff) else diff, 0.0 if math.isnan(diff) else diff / max(abs(float(e)), 1e-12), ok)
    if type(e) is not type(a):
        return _Leaf(error=f"{type(a).__name__} where eager gives {type(e).__name__}")
    if e is None or not has_own_equality(e):
        return _Leaf(not_compared=e is not None)
    try:
        equal = bool(e == a)
    except Exception:  # an == that raises cannot say anything
        return _Leaf(not_compared=True)
    return _Leaf(0.0 if equal else math.inf, 0.0 if equal else math.inf, equal)
