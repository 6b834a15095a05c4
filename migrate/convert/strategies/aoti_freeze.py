"""``aoti.freeze``: AOTInductor with inductor's freezing (``torch._inductor.config.freezing``).

Freezing treats the parameters as constants: inductor folds them into the graph (constant
folding) and lays out the weights of convolutions and linear layers for its CPU kernels
(weight prepacking, oneDNN/mkldnn where available). Numerics stay within the comparison's
tolerances (the checks say so per target). Its own strategy, in the same family as ``aoti``, so
that both are visible and the report can name the faster one. Packages are reused like ``aoti``'s
(the options are part of the key).
"""

from __future__ import annotations

from migrate.convert.strategies.aoti import AOTInductor


class AOTInductorFrozen(AOTInductor):
    name = "aoti.freeze"
    order = 71
    description = "AOTInductor package with inductor freezing (constant folding, weight prepacking) (.pt2)"
    inductor_options = {"freezing": True}
