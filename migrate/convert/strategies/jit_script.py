"""``jit.script``: torch.jit.script, saved as a TorchScript archive (.pt) and loaded back."""

from __future__ import annotations

from migrate.convert.strategies.base import Context, Converted, Strategy


class JitScript(Strategy):
    name = "jit.script"
    order = 10
    description = "torch.jit.script, saved and reloaded (.pt)"

    def convert(self, ctx: Context) -> Converted:
        import torch

        scripted = torch.jit.script(ctx.module)
        path = ctx.artifact_path(".pt")
        scripted.save(str(path))
        return Converted(run=torch.jit.load(str(path)), artifact=str(path))
