"""``jit.freeze``: torch.jit.freeze of the jit.script archive (else the jit.trace one), in eval mode."""

from __future__ import annotations

from migrate.convert.strategies.base import Context, Converted, Strategy


class JitFreeze(Strategy):
    name = "jit.freeze"
    family = "torchscript"
    order = 25  # with the other TorchScript strategies; runs after the ones it needs
    needs = ("jit.script", "jit.trace")
    description = "torch.jit.freeze of the scripted (else traced) archive, saved and reloaded (.pt)"

    def skip_reason(self, target) -> str | None:
        import torch

        return None if isinstance(target.module, torch.nn.Module) else "jit.freeze applies to modules, not functions"

    def convert(self, ctx: Context) -> Converted:
        import torch

        source = next(name for name in self.needs if ctx.artifact(name))
        loaded = torch.jit.load(ctx.artifact(source))
        frozen = torch.jit.freeze(loaded.eval())
        path = ctx.artifact_path(".pt")
        ctx.step("save")
        frozen.save(str(path))
        ctx.step("reload")
        return Converted(run=torch.jit.load(str(path)), artifact=str(path), notes=(f"frozen from {source}",))
