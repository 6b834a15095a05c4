"""The structure of a model's output: its leaves by path, and a short description of it.

``flatten(output)`` gives ``[(path, leaf), ...]``. Mappings (dict, OrderedDict, transformers'
ModelOutput) and dataclasses are walked by key or field, lists, tuples and namedtuples by
position, other types torch's pytree knows by their children; everything else is a leaf. Two
outputs have the same structure when their paths are the same: a traced model's dict matches
eager's ModelOutput with the same keys, a namedtuple matches a tuple, but a tensor does not match
a tuple holding it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 50


def _children(value) -> list[tuple[str, Any]] | None:
    """(key, child) pairs of a container, or None for a leaf."""
    import torch

    if isinstance(value, torch.Tensor) or value is None or isinstance(value, (str, bytes, int, float, complex)):
        return None
    if isinstance(value, Mapping):
        return [(f"[{k!r}]", v) for k, v in value.items()]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [(f".{f.name}", getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, (list, tuple)):
        return [(f"[{i}]", v) for i, v in enumerate(value)]
    from torch.utils import _pytree

    node = _pytree.SUPPORTED_NODES.get(type(value))
    if node is None:
        return None
    try:
        children, _ = node.flatten_fn(value)
    except Exception:  # a flatten function that fails leaves the object a leaf
        return None
    return [(f"[{i}]", v) for i, v in enumerate(children)]


def flatten(value, path: str = "output", depth: int = 0) -> list[tuple[str, Any]]:
    """``[(path, leaf)]`` in order; the path of the whole output is "output"."""
    children = _children(value) if depth < MAX_DEPTH else None
    if children is None:
        return [(path, value)]
    leaves: list[tuple[str, Any]] = []
    for key, child in children:
        leaves += flatten(child, f"{path}{key}", depth + 1)
    return leaves


def describe(value, depth: int = 0) -> str:
    """A short description of a structure: ``GoogLeNetOutputs(Tensor, None, None)``, ``dict(logits=Tensor)``."""
    children = _children(value) if depth < 3 else None
    if children is None:
        return "None" if value is None else type(value).__name__
    inner = ", ".join(
        (f"{k.strip('[].' ).strip(chr(39))}={describe(v, depth + 1)}" if not k.startswith("[") or not k[1:-1].isdigit()
         else describe(v, depth + 1)) for k, v in children[:6])
    more = ", ..." if len(children) > 6 else ""
    return f"{type(value).__name__}({inner}{more})"
