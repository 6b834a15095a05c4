"""``eager``: the module as written, run by Python. Every other strategy is compared with it."""

from __future__ import annotations

from migrate.convert.strategies.base import Context, Converted, Strategy


class Eager(Strategy):
    name = "eager"
    order = 0
    applies_to = "module"
    description = "the module as written (the reference)"

    def convert(self, ctx: Context) -> Converted:
        return Converted(run=ctx.module)
