"""``cpp.aoti``: the AOTInductor package of ``aoti`` run by the C++ runner that replaces
``torch::jit::load`` in services (``torch::inductor::AOTIModelPackageLoader``).

Opt-in (``migrate convert --cpp``): builds cpp_reference/ once into the user cache (about 30 s).
"""

from __future__ import annotations

from migrate.convert.strategies.base import Context, Converted, Strategy


class CppAOTInductor(Strategy):
    name = "cpp.aoti"
    family = "cpp"
    order = 91
    needs = ("aoti",)
    opt_in = "cpp"
    accepts_kwargs = False  # the runner passes positional tensors only
    applies_to = "both"
    static_shapes = True
    description = "the aoti package run in C++ by AOTIModelPackageLoader"

    def convert(self, ctx: Context) -> Converted:
        from migrate.convert.strategies._cpp import convert_with_runner

        return convert_with_runner(ctx, "aoti", "aoti")
