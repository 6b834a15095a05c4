"""``cpp.torchscript``: the TorchScript archive of ``jit.script`` (else ``jit.trace``, or the archive given
on the command line) run by the C++ reference runner (``torch::jit::load``, ``forward``).

Opt-in (``migrate convert --cpp``): builds cpp_reference/ once into the user cache (about 30 s).
"""

from __future__ import annotations

from migrate.convert.strategies.base import Context, Converted, Strategy


class CppTorchScript(Strategy):
    name = "cpp.torchscript"
    family = "cpp"
    order = 90
    needs = ("jit.script", "jit.trace", "jit.load")
    opt_in = "cpp"
    accepts_kwargs = False  # the runner passes positional tensors only
    applies_to = "both"
    description = "the jit.script (else jit.trace) archive run in C++ by torch::jit::load"

    def convert(self, ctx: Context) -> Converted:
        from migrate.convert.strategies._cpp import convert_with_runner

        source = next(name for name in self.needs if ctx.artifact(name))
        return convert_with_runner(ctx, "torchscript", source)
