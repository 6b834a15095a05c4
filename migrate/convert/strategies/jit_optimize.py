"""``jit.optimize``: torch.jit.optimize_for_inference of the frozen jit.script archive (else the
jit.trace one), in eval mode: the fastest TorchScript path on CPU (it folds batch norms into
convolutions and moves convolutions to MKLDNN), so the TorchScript side of a latency comparison
includes the best number a TorchScript user has today.

The optimised module is saved and loaded back like the other TorchScript strategies. In torch 2.13
`torch.jit.load` rejects the archive of a model whose convolutions were moved to MKLDNN ("required
keyword attribute 'value' is undefined"): then the module runs as optimised in memory, the strategy
keeps no artifact and says so in its notes (a service calls optimize_for_inference after loading).
"""

from __future__ import annotations

from migrate.convert.strategies._common import first_line
from migrate.convert.strategies.base import Context, Converted, Strategy


class JitOptimize(Strategy):
    name = "jit.optimize"
    order = 26  # after jit.freeze, with the other TorchScript strategies
    needs = ("jit.script", "jit.trace")
    family = "torchscript"
    description = "torch.jit.optimize_for_inference of the frozen scripted (else traced) archive (.pt)"

    def skip_reason(self, target) -> str | None:
        import torch

        return None if isinstance(target.module, torch.nn.Module) else "jit.optimize applies to modules, not functions"

    def convert(self, ctx: Context) -> Converted:
        import torch

        source = next(name for name in self.needs if ctx.artifact(name))
        frozen = torch.jit.freeze(torch.jit.load(ctx.artifact(source)).eval())
        optimized = torch.jit.optimize_for_inference(frozen)
        notes = (f"frozen and optimised from {source}",)
        path = ctx.artifact_path(".pt")
        optimized.save(str(path))
        try:
            return Converted(run=torch.jit.load(str(path)), artifact=str(path), notes=notes)
        except RuntimeError as exc:
            path.unlink()
            reason = f"{type(exc).__name__}: {first_line(str(exc))}"
            return Converted(run=optimized, notes=(*notes, f"torch.jit.load rejects the saved optimised archive "
                                                          f"({reason}): run in memory, no artifact"))
