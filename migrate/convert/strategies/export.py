"""``export``: torch.export.export (non-strict), saved as a .pt2 and run with ``.module()``.

On failure, ``torch.export.draft_export`` runs for its report (which lines are data-dependent);
its program is never used, since it is not sound.
"""

from __future__ import annotations

from migrate.convert.strategies._common import as_module, draft_export_summary, submodule_hint
from migrate.convert.strategies.base import Context, Converted, Strategy


def export_and_save(ctx: Context, strict: bool, dynamic_shapes=None, args=None, kwargs=None) -> Converted:
    import torch

    program = torch.export.export(as_module(ctx.module), ctx.inputs if args is None else args,
                                  (ctx.kwargs if kwargs is None else kwargs) or None,
                                  strict=strict, dynamic_shapes=dynamic_shapes)
    path = ctx.artifact_path(".pt2")
    ctx.step("save")
    torch.export.save(program, str(path))
    ctx.step("reload")
    return Converted(run=torch.export.load(str(path)).module(), artifact=str(path))


class Export(Strategy):
    name = "export"
    family = "export"
    order = 30
    static_shapes = True
    description = "torch.export.export, non-strict, static shapes (.pt2)"

    def convert(self, ctx: Context) -> Converted:
        return export_and_save(ctx, strict=False)

    def explain_failure(self, ctx: Context, error: BaseException) -> dict | None:
        hint = submodule_hint(ctx.module)
        if hint:  # draft_export cannot trace through TorchScript either; the fix is in the source
            return {"cause": "TorchScript submodule", "hint": hint}
        return {"draft_export": draft_export_summary(ctx.module, ctx.inputs, ctx.kwargs or None)}
