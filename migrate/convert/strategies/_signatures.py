"""One exported program per value of the non-tensor inputs (not a strategy: files starting with ``_`` are skipped).

``torch.export`` specialises a program to the example's non-tensor inputs (a ``greedy: bool`` flag, an
optional tensor left out, an ``int``) and to the structure of its inputs: called with another flag value it
raises (``Guard failed: greedy == True``), called with an argument the example left out it cannot flatten
the inputs. The migration recipe for such a model is to export once per value the callers use and pick the
program by that value (TorchScript kept the branch; export keeps one program per branch). ``per_signature``
does that for the static export strategies, from the values the target's check inputs use:

- a check input whose non-tensor values and structure are the example's: the example's program;
- another one that the example's program *accepts*: still that program (if it is silently wrong there, the
  checks say so: a flag the program ignores is a finding, not something to paper over);
- another one that the example's program *rejects*: one more program, exported from that check input,
  saved beside the first (``export.2.pt2``...). The converted program dispatches on the signature and raises,
  naming the signatures it has, on one it has no program for.
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import replace
from typing import Callable

from migrate.convert.strategies.base import Context, Converted


def signature(args: tuple) -> tuple:
    """What a static program is specialised to besides shapes: the inputs' structure and non-tensor values."""
    import torch
    from torch.utils._pytree import tree_flatten

    leaves, spec = tree_flatten(args)
    return (str(spec), tuple("tensor" if isinstance(x, torch.Tensor) else f"{type(x).__name__}:{x!r}" for x in leaves))


def parameter_names(module) -> list[str]:
    """The names of the positional parameters of ``module``'s forward (or of a function), for messages."""
    from migrate.convert.strategies._common import python_callable

    target = python_callable(module)
    function = getattr(target, "forward", target)
    try:
        return [p.name for p in inspect.signature(function).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"]
    except (TypeError, ValueError):
        return []


def _shown(value) -> str:
    import torch

    if isinstance(value, torch.Tensor):
        return "a tensor"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe(variants: list[tuple[str, tuple]], names: list[str]) -> list[str]:
    """Per variant (label, args): the positional inputs that set it apart, ``"greedy=False"``,
    ``"labels=a tensor"``, ``"labels not given"`` (only the positions where the variants differ)."""
    width = max(len(args) for _, args in variants)
    differing = [i for i in range(width)
                 if len({signature((args[i],)) if i < len(args) else None for _, args in variants}) > 1]
    described = []
    for label, args in variants:
        parts = []
        for i in differing:
            name = names[i] if i < len(names) else f"argument {i + 1}"
            parts.append(f"{name}={_shown(args[i])}" if i < len(args) else f"{name} not given")
        described.append(f"{', '.join(parts) or 'other input structure'} ({label})")
    return described


class PerSignature:
    """Calls the program exported for the signature of the inputs it is given."""

    def __init__(self, programs: dict[tuple, Callable], described: dict[tuple, str]):
        self.programs = programs
        self.described = described

    def __call__(self, *args, **kwargs):
        program = self.programs.get(signature(args))
        if program is None:
            raise ValueError("no program was exported for these non-tensor inputs; exported for: "
                             + "; ".join(self.described.values()))
        return program(*args, **kwargs)


def _accepts(run, args: tuple, kwargs: dict) -> bool:
    import torch

    try:
        with torch.no_grad():
            run(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except Exception:  # a guard on the flag, an input tree spec that does not match
        return False
    return True


def per_signature(ctx: Context, converted: Converted, export_one: Callable[[tuple, str], Callable]) -> Converted:
    """``converted`` (the example's program), or a dispatcher over one program per signature that the
    example's program rejects. ``export_one(args, suffix)`` exports, saves (``ctx.artifact_path(suffix)``)
    and loads back a program for ``args``; an export that fails there leaves the example's program alone
    (its checks then fail, with the guard's message) and says why in a note."""
    example = signature(ctx.inputs)
    kwargs = ctx.kwargs
    programs, variants, notes = {example: converted.run}, {example: ("example", ctx.inputs)}, []
    for index, check in enumerate(ctx.target.check_inputs or (), 1):
        check = tuple(check)
        key = signature(check)
        if key in programs or key in variants or _accepts(converted.run, check, kwargs):
            variants.setdefault(key, (f"check {index}", check))
            continue
        variants[key] = (f"check {index}", check)
        try:
            programs[key] = export_one(copy.deepcopy(check), f".{len(programs) + 1}.pt2")
        except Exception as exc:  # noqa: BLE001 - reported, the example's program stays
            line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            notes.append(f"could not export for check {index}'s non-tensor inputs: {type(exc).__name__}: {line[:160]}")
    if len(programs) == 1:
        return replace(converted, notes=converted.notes + tuple(notes))
    names = parameter_names(ctx.module)
    shown = dict(zip(variants, describe(list(variants.values()), names)))
    described = {key: shown[key] for key in programs}
    note = (f"exported once per value of the non-tensor inputs ({len(programs)} programs, the caller picks one "
            f"by them): {'; '.join(described.values())}")
    return replace(converted, run=PerSignature(programs, described), timed=programs[example], variant=f"{len(programs)} programs, per input value",
                   notes=converted.notes + (note,) + tuple(notes))


def enum_positions(inputs: tuple) -> list[int]:
    """Positions of the top-level inputs that are Enum members: torch.export fixes them like any constant, but
    ``torch.export.save`` cannot serialise an Enum input ("Failed serializing node cfa": kornia's CFA)."""
    import enum

    return [i for i, value in enumerate(inputs) if isinstance(value, enum.Enum)]


def bind_positions(module, inputs: tuple, positions: list[int]):
    """(a module taking the other inputs, with the values at ``positions`` bound in; a wrapper for its loaded
    program that takes every input and raises on another value at those positions)."""
    import torch

    bound = {i: inputs[i] for i in positions}
    arity = len(inputs)

    class Bound(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *args, **kwargs):
            rest = iter(args)
            return self.inner(*[bound[i] if i in bound else next(rest) for i in range(arity)], **kwargs)

    def wrap(program):
        def run(*args, **kwargs):
            for i, value in bound.items():
                if i >= len(args) or args[i] != value:
                    raise ValueError(f"this program was exported with input {i + 1} = {value!r} bound in "
                                     f"(torch.export.save cannot store an Enum input); got "
                                     f"{args[i] if i < len(args) else 'nothing'!r}")
            return program(*[a for i, a in enumerate(args) if i not in bound], **kwargs)

        return run

    return Bound(module), wrap
