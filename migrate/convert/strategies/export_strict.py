"""``export.strict``: torch.export.export with strict=True (TorchDynamo captures the Python)."""

from __future__ import annotations

from migrate.convert.strategies._common import submodule_hint
from migrate.convert.strategies.base import Context, Converted, Strategy
from migrate.convert.strategies.export import export_and_save


class ExportStrict(Strategy):
    name = "export.strict"
    family = "export"
    order = 40
    static_shapes = True
    description = "torch.export.export, strict (TorchDynamo), static shapes (.pt2)"

    def convert(self, ctx: Context) -> Converted:
        return export_and_save(ctx, strict=True, per_value=True)

    def explain_failure(self, ctx: Context, error: BaseException) -> dict | None:
        hint = submodule_hint(ctx.module)
        return {"cause": "TorchScript submodule", "hint": hint} if hint else None
