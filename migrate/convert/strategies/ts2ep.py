"""``ts2ep``: TS2EPConverter on the TorchScript program (jit.script's archive, else jit.trace's,
or the archive given on the command line), saved as a .pt2 and run with ``.module()``.

The converter turns ``prim::If`` into ``torch.cond``; its program has static shapes (it guards on
the example's batch size), so like ``export`` it is checked only on inputs of the example's
shapes. A program converted from a trace inherits the trace's specialisation: the checks say so.

Keyword inputs are passed by position (the converter fails an internal assert on keywords).
TS2EPConverter needs a sample for *every* argument of forward, defaulted ones included (else it
fails an internal assert, "input_values.size() == param_count_list.size()"): the defaults of the
TorchScript signature are appended to the example, and to every call of the converted program.
"""

from __future__ import annotations

from migrate.convert.strategies._common import python_callable
from migrate.convert.strategies.base import Context, Converted, Strategy


def trailing_defaults(scripted) -> list:
    """``(has_default, default)`` for each positional argument of a TorchScript forward/function."""
    import torch

    schema = scripted.schema if isinstance(scripted, torch.jit.ScriptFunction) else scripted.forward.schema
    arguments = [a for a in schema.arguments if a.name != "self" and not a.kwarg_only]
    return [(a.has_default_value(), a.default_value) for a in arguments]


def as_positional(scripted, args: tuple, kwargs: dict) -> tuple:
    """Keyword inputs placed at their positions in the TorchScript signature (defaults in between).

    TS2EPConverter fails an internal assert when given keyword inputs, so they are passed by
    position. Raises TypeError when an argument has neither a value nor a default.
    """
    import torch

    if not kwargs:
        return tuple(args)
    schema = scripted.schema if isinstance(scripted, torch.jit.ScriptFunction) else scripted.forward.schema
    arguments = [a for a in schema.arguments if a.name != "self"]
    values = list(args)
    for argument in arguments[len(args):]:
        if argument.name in kwargs:
            values.append(kwargs[argument.name])
        elif argument.has_default_value():
            values.append(argument.default_value)
        else:
            raise TypeError(f"no value for argument {argument.name!r} of the TorchScript forward")
    unknown = set(kwargs) - {a.name for a in arguments}
    if unknown:
        raise TypeError(f"the TorchScript forward has no argument {', '.join(sorted(unknown))}")
    last = max(i for i, a in enumerate(arguments) if i < len(args) or a.name in kwargs)
    return tuple(values[:last + 1])


def fill_defaults(args: tuple, defaults: list) -> tuple:
    """``args`` followed by the defaults of the arguments it leaves out (when they all have one)."""
    missing = defaults[len(args):]
    if not missing or not all(has for has, _ in missing):
        return args
    return tuple(args) + tuple(value for _, value in missing)


class TS2EP(Strategy):
    name = "ts2ep"
    family = "fallback"
    order = 60
    needs = ("jit.script", "jit.trace", "jit.load")
    applies_to = "both"
    static_shapes = True  # the converter's program has static shapes (a guard on the batch), like export's
    description = "torch._export.converter.TS2EPConverter on the scripted (else traced) program (.pt2)"

    def convert(self, ctx: Context) -> Converted:
        import torch
        from torch._export.converter import TS2EPConverter

        source = next(name for name in self.needs if ctx.artifact(name))
        if isinstance(ctx.module, torch.nn.Module):
            scripted = torch.jit.load(ctx.artifact(source))
        else:  # a reloaded function has lost its default arguments: convert the function itself
            scripted = torch.jit.script(python_callable(ctx.module)) if source == "jit.script" else torch.jit.load(
                ctx.artifact(source))
        defaults = trailing_defaults(scripted)
        args = fill_defaults(as_positional(scripted, ctx.inputs, ctx.kwargs), defaults)
        program = TS2EPConverter(scripted, args).convert()
        path = ctx.artifact_path(".pt2")
        ctx.step("save")
        torch.export.save(program, str(path))
        ctx.step("reload")
        module = torch.export.load(str(path)).module()
        notes = (f"converted from {source}",)
        if len(args) > len(ctx.inputs) + len(ctx.kwargs):
            notes += (f"default arguments passed explicitly: {len(args) - len(ctx.inputs) - len(ctx.kwargs)}",)
        if ctx.kwargs:
            notes += ("keyword inputs passed by position (TS2EPConverter does not take keywords)",)

        def run(*inputs, **kwargs):
            return module(*fill_defaults(as_positional(scripted, inputs, kwargs), defaults))

        return Converted(run=run, artifact=str(path), notes=notes)
