"""``aoti.tuned``: AOTInductor with freezing and ``max_autotune`` (opt-in: ``migrate convert --tuned``).

On top of ``aoti.freeze``, inductor benchmarks its CPU GEMM templates (``CppMicroGemm``) against
the ATen kernels for every matrix multiply and keeps the fastest: on the fixtures' transformer
and attention layers this is where most of the time goes at 1 thread. The compile takes two to
four times ``aoti``'s (it times every candidate), so it is opt-in; its packages are reused from the
user cache like ``aoti``'s. The checks confirm the numerics per target, as for every strategy.
"""

from __future__ import annotations

from migrate.convert.strategies.aoti import AOTInductor


class AOTInductorTuned(AOTInductor):
    name = "aoti.tuned"
    order = 72
    opt_in = "tuned"
    description = "AOTInductor package with freezing and max_autotune (CPU GEMM templates) (.pt2)"
    inductor_options = {"freezing": True, "max_autotune": True}
