"""``ts2ep``: TS2EPConverter on the TorchScript program (jit.script's archive, else jit.trace's,
or the archive given on the command line), saved as a .pt2 and run with ``.module()``.

The converter turns ``prim::If`` into ``torch.cond`` and marks every dimension Dim.AUTO. A program
converted from a trace inherits the trace's specialisation: the checks say so.
"""

from __future__ import annotations

from migrate.convert.strategies._common import python_callable
from migrate.convert.strategies.base import Context, Converted, Strategy


class TS2EP(Strategy):
    name = "ts2ep"
    order = 60
    needs = ("jit.script", "jit.trace", "jit.load")
    applies_to = "both"
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
        program = TS2EPConverter(scripted, ctx.inputs, ctx.kwargs or None).convert()
        path = ctx.artifact_path(".pt2")
        torch.export.save(program, str(path))
        return Converted(run=torch.export.load(str(path)).module(), artifact=str(path),
                         notes=(f"converted from {source}",))
