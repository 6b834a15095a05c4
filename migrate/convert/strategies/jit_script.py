"""``jit.script``: torch.jit.script, saved as a TorchScript archive (.pt) and loaded back.

Modules run from the reloaded archive (so saving is checked too); scripted functions run as
scripted, since a reloaded function has lost its default arguments.
"""

from __future__ import annotations

from migrate.convert.strategies.base import Context, Converted, Strategy


class JitScript(Strategy):
    name = "jit.script"
    family = "torchscript"
    order = 10
    description = "torch.jit.script, saved and reloaded (.pt)"

    def convert(self, ctx: Context) -> Converted:
        import torch

        scripted = torch.jit.script(ctx.module)
        path = ctx.artifact_path(".pt")
        ctx.step("save")
        scripted.save(str(path))
        ctx.step("reload")
        if isinstance(scripted, torch.jit.ScriptFunction):
            # a reloaded function loses its default arguments: run the scripted function itself
            return Converted(run=scripted, artifact=str(path), notes=("the saved archive needs every argument",))
        return Converted(run=torch.jit.load(str(path)), artifact=str(path))
