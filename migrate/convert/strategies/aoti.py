"""``aoti``: AOTInductor. Compiles the exported program (export's .pt2, else ts2ep's) with
``torch._inductor.aoti_compile_and_package`` and runs it with ``aoti_load_package``.

Compiles take 7-36 s on a 2-core CPU; the worker points TORCHINDUCTOR_CACHE_DIR at the user cache
so repeated runs are faster. Skip it with ``--skip aoti``.
"""

from __future__ import annotations

from migrate.convert.strategies.base import Context, Converted, Strategy


class AOTInductor(Strategy):
    name = "aoti"
    family = "compiled"
    order = 70
    needs = ("export", "ts2ep")
    applies_to = "both"
    static_shapes = True
    description = "AOTInductor package compiled from export's program, else ts2ep's (.pt2)"

    def convert(self, ctx: Context) -> Converted:
        import torch
        from torch._inductor import aoti_compile_and_package, aoti_load_package

        source = next(name for name in self.needs if ctx.artifact(name))
        program = torch.export.load(ctx.artifact(source))
        path = ctx.artifact_path(".pt2")
        if path.exists():
            path.unlink()
        package = aoti_compile_and_package(program, package_path=str(path))
        ctx.step("reload")
        return Converted(run=aoti_load_package(package), artifact=str(package), notes=(f"compiled from {source}",))
