"""``jit.trace``: torch.jit.trace on the example inputs, saved as a TorchScript archive (.pt)."""

from __future__ import annotations

from migrate.convert.strategies._common import python_callable
from migrate.convert.strategies.base import Context, Converted, Strategy


class JitTrace(Strategy):
    name = "jit.trace"
    family = "torchscript"
    order = 20
    description = "torch.jit.trace on the example inputs, saved and reloaded (.pt)"

    def convert(self, ctx: Context) -> Converted:
        import torch

        if ctx.kwargs:
            traced = torch.jit.trace(python_callable(ctx.module), ctx.inputs or (), example_kwarg_inputs=ctx.kwargs)
        else:
            traced = torch.jit.trace(python_callable(ctx.module), ctx.inputs)
        path = ctx.artifact_path(".pt")
        traced.save(str(path))
        return Converted(run=torch.jit.load(str(path)), artifact=str(path))
