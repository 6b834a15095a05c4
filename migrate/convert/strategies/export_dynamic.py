"""``export.dynamic``: non-strict torch.export.export with dynamic shapes.

Uses the target's ``dynamic_shapes`` when given, else ``Dim.AUTO`` on every dimension of every
tensor (export keeps static what the program needs static), keyword inputs included (the shapes
are then given by argument name). A size-1 first dimension would stay static under Dim.AUTO, so
such inputs are repeated to size 2 for the export.
"""

from __future__ import annotations

from migrate.convert.strategies._common import (as_module, auto_dynamic_shapes, bind_inputs, submodule_hint,
                                                 widen_batch_one)
from migrate.convert.strategies.base import Context, Converted, Strategy
from migrate.convert.strategies.export import export_and_save


class ExportDynamic(Strategy):
    name = "export.dynamic"
    family = "fallback"
    order = 50
    description = "torch.export.export, non-strict, Dim.AUTO or the target's dynamic_shapes (.pt2)"

    def convert(self, ctx: Context) -> Converted:
        if ctx.target.dynamic_shapes is not None:
            return export_and_save(ctx, strict=False, dynamic_shapes=ctx.target.dynamic_shapes)
        args, kwargs = widen_batch_one((ctx.inputs, ctx.kwargs))
        if kwargs:  # dynamic_shapes must then name every argument
            bound = bind_inputs(as_module(ctx.module).forward, args, kwargs, keep_var_keyword=True)
            shapes = {name: auto_dynamic_shapes(value) for name, value in bound.items()}
        else:
            shapes = auto_dynamic_shapes(args)
        converted = export_and_save(ctx, strict=False, dynamic_shapes=shapes, args=args, kwargs=kwargs)
        widened = [a is not b for a, b in zip(args, ctx.inputs)] + [kwargs[k] is not v for k, v in ctx.kwargs.items()]
        if any(widened):
            converted = Converted(converted.run, converted.artifact, notes=("exported with batch 2 (example has batch 1)",))
        return converted

    def explain_failure(self, ctx: Context, error: BaseException) -> dict | None:
        hint = submodule_hint(ctx.module)
        return {"cause": "TorchScript submodule", "hint": hint} if hint else None
