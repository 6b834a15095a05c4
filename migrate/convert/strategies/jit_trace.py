"""``jit.trace``: torch.jit.trace on the example inputs, saved as a TorchScript archive (.pt).

Tracing is strict first (torch's default). Strict tracing rejects dict and namedtuple outputs
(every ModelOutput of transformers) and torch's message says to pass ``strict=False``: the trace
is then done again with ``strict=False``, and the result says so (``variant``, and the strict
error in its notes).

Keyword inputs are traced as keywords: every input is bound to forward's parameters and given as
``example_kwarg_inputs`` (torch.jit.trace ignores the positional example when keywords are given,
so mixing the two would trace the wrong arguments).
"""

from __future__ import annotations

from migrate.convert.strategies._common import bind_inputs, python_callable
from migrate.convert.strategies.base import Context, Converted, Strategy
from migrate.convert.targets import first_line


def trace(function, args: tuple, kwargs: dict, strict: bool):
    import torch

    if kwargs:
        return torch.jit.trace(function, example_kwarg_inputs=bind_inputs(function, args, kwargs), strict=strict)
    return torch.jit.trace(function, args, strict=strict)


def asks_for_strict_false(error: BaseException) -> bool:
    return "strict=False" in str(error)


class JitTrace(Strategy):
    name = "jit.trace"
    family = "torchscript"
    order = 20
    description = "torch.jit.trace on the example inputs (strict, else strict=False), saved and reloaded (.pt)"

    def convert(self, ctx: Context) -> Converted:
        import torch

        function = python_callable(ctx.module)
        notes, variant = (), None
        try:
            traced = trace(function, ctx.inputs or (), ctx.kwargs, strict=True)
        except Exception as exc:
            if not asks_for_strict_false(exc):
                raise
            notes = (f"strict tracing failed ({type(exc).__name__}: {first_line(str(exc))}); traced with strict=False",)
            variant = "strict=False"
            traced = trace(function, ctx.inputs or (), ctx.kwargs, strict=False)
        path = ctx.artifact_path(".pt")
        ctx.step("save")
        traced.save(str(path))
        ctx.step("reload")
        return Converted(run=torch.jit.load(str(path)), artifact=str(path), notes=notes, variant=variant)
