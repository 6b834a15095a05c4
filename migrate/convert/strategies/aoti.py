"""``aoti``: AOTInductor. Compiles the exported program (export's .pt2, else ts2ep's) with
``torch._inductor.aoti_compile_and_package`` and runs it with ``aoti_load_package``'s loader (its
device-information check skipped, the call specs parsed once: ``_aoti_runner.load_package``).

Compiles take 7-36 s on a 2-core CPU. Packages are reused: one compiled for the same program,
constants, torch version, inductor configuration and thread count is copied from the user cache
(``_aoti_cache.py``; the result says ``cached``). The worker also points TORCHINDUCTOR_CACHE_DIR at
the user cache. Skip it with ``--skip aoti``. ``aoti.freeze`` (``aoti_freeze.py``) is the same
with inductor's freezing, ``aoti.sdpa_math`` (``aoti_sdpa_math.py``) with short attention in
inductor's own kernels.
"""

from __future__ import annotations

from typing import ClassVar

from migrate.convert.strategies.base import Context, Converted, Strategy


class AOTInductor(Strategy):
    name = "aoti"
    family = "compiled"
    order = 70
    needs = ("export", "ts2ep")
    applies_to = "both"
    static_shapes = True
    description = "AOTInductor package compiled from export's program, else ts2ep's (.pt2)"
    inductor_options: ClassVar[dict] = {}  # inductor configuration for this compile (aoti.freeze: freezing)

    def options(self, program) -> dict:
        """The inductor configuration for compiling ``program`` (may raise SkipStrategy)."""
        return dict(self.inductor_options)

    def convert(self, ctx: Context) -> Converted:
        import torch

        from migrate.convert.strategies._aoti_cache import compile_package
        from migrate.convert.strategies._aoti_runner import load_package

        source = next(name for name in self.needs if ctx.artifact(name))
        program = torch.export.load(ctx.artifact(source))
        options = self.options(program)
        package, cached = compile_package(program, ctx.artifact_path(".pt2"), ctx.threads, ctx.cache_dir, options)
        ctx.step("reload")
        return Converted(run=load_package(package), artifact=package, notes=(f"compiled from {source}",),
                         cached=cached)
