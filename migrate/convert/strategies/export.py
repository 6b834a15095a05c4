"""``export``: torch.export.export (non-strict), saved as a .pt2 and run with ``.module()``.

Where a check input has non-tensor values (a flag) or a structure the program rejects, one more program
is exported for it (``_signatures.py``: export once per flag value, the recipe for such models).
On failure, ``torch.export.draft_export`` runs for its report (which lines are data-dependent);
its program is never used, since it is not sound.
"""

from __future__ import annotations

from dataclasses import replace

from migrate.convert.strategies._common import as_module, draft_export_summary, submodule_hint
from migrate.convert.strategies._signatures import bind_positions, enum_positions, per_signature
from migrate.convert.strategies.base import Context, Converted, Strategy


def export_and_save(ctx: Context, strict: bool, dynamic_shapes=None, args=None, kwargs=None,
                    per_value: bool = False) -> Converted:
    """Export, save as ``<strategy>.pt2``, load back. ``per_value``: one more program per signature of the
    check inputs that the example's program rejects (``_signatures.per_signature``; static strategies)."""
    import torch

    notes = {}  # in order, once each

    def export_one(inputs: tuple, suffix: str):
        module, wrap = as_module(ctx.module), None
        enums = enum_positions(inputs) if dynamic_shapes is None else []
        if enums:  # bound in: torch.export.save cannot store an Enum input
            module, wrap = bind_positions(module, inputs, enums)
            inputs = tuple(x for i, x in enumerate(inputs) if i not in enums)
            notes[f"Enum input{'s' if len(enums) > 1 else ''} {', '.join(str(i + 1) for i in enums)} bound into the "
                  f"program (torch.export.save cannot store an Enum input); one program per value"] = None
        program = torch.export.export(module, inputs, (ctx.kwargs if kwargs is None else kwargs) or None,
                                      strict=strict, dynamic_shapes=dynamic_shapes)
        path = ctx.artifact_path(suffix)
        ctx.step("save")
        torch.export.save(program, str(path))
        ctx.step("reload")
        loaded = torch.export.load(str(path)).module()
        return (wrap(loaded) if wrap else loaded), path

    run, path = export_one(ctx.inputs if args is None else args, ".pt2")
    converted = Converted(run=run, artifact=str(path))
    if per_value:
        ctx.step("convert")
        converted = per_signature(ctx, converted, lambda inputs, suffix: export_one(inputs, suffix)[0])
    return replace(converted, notes=tuple(notes) + converted.notes) if notes else converted


class Export(Strategy):
    name = "export"
    family = "export"
    order = 30
    static_shapes = True
    description = "torch.export.export, non-strict, static shapes (.pt2)"

    def convert(self, ctx: Context) -> Converted:
        return export_and_save(ctx, strict=False, per_value=True)

    def explain_failure(self, ctx: Context, error: BaseException) -> dict | None:
        hint = submodule_hint(ctx.module)
        if hint:  # draft_export cannot trace through TorchScript either; the fix is in the source
            return {"cause": "TorchScript submodule", "hint": hint}
        return {"draft_export": draft_export_summary(ctx.module, ctx.inputs, ctx.kwargs or None)}
