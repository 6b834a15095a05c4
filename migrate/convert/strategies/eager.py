"""``eager``: the module as written, run by Python. Every other strategy is compared with it.

A ``@torch.jit.script`` function runs as its original Python function; submodules that are already
TorchScript stay TorchScript (that is how the model runs today).
"""

from __future__ import annotations

from migrate.convert.strategies._common import python_callable
from migrate.convert.strategies.base import Context, Converted, Strategy


class Eager(Strategy):
    name = "eager"
    family = "reference"
    order = 0
    applies_to = "module"
    reference = True
    description = "the module as written (the reference)"

    def convert(self, ctx: Context) -> Converted:
        return Converted(run=python_callable(ctx.module))
