"""``jit.load``: a TorchScript archive given on the command line, loaded and run as it is."""

from __future__ import annotations

from migrate.convert.strategies.base import Context, Converted, Strategy


class JitLoad(Strategy):
    name = "jit.load"
    family = "torchscript"
    order = 5
    applies_to = "archive"
    reference = True
    description = "the TorchScript archive itself (torch.jit.load)"

    def convert(self, ctx: Context) -> Converted:
        import torch

        return Converted(run=torch.jit.load(ctx.archive_file), artifact=ctx.archive_file)
