"""`torch.jit.fork(f, *a)` -> `f(*a)` and `torch.jit.wait(x)` -> `x`, where the pair is local (safe).

Outside TorchScript, fork already runs `f` at once and returns a finished future, so a direct call
computes the same value; torch.export and torch.compile schedule the graph themselves. The pair is
local when the fork's result goes straight into wait, or into a name of the same scope that is read
only as the argument of wait. A future that is stored in a list, returned or passed on is refused.
"""

from __future__ import annotations

import libcst as cst

from migrate.fix.rewrites import lookup
from migrate.fix.rewrites.base import Rewriter, RewriteContext, in_place_of, positional, refuse, replace, rewrite
from migrate.scan.matches import Match

REASON = "outside TorchScript fork runs the function at once; the direct call computes the same value"


class _Reads(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> bool:
        if node.value == self.name:
            self.found.append(node)
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False


def _wait_calls(ctx: RewriteContext) -> dict[cst.Call, Match]:
    return {m.call: m for m in ctx.matches_of("TS404") if m.call is not None and m.context == "call"}


def _only_arg(call: cst.Call) -> cst.BaseExpression | None:
    args = positional(call)
    return args[0].value if args is not None and len(args) == 1 and len(call.args) == 1 else None


def pair_problem(fork: Match, ctx: RewriteContext) -> str | None:
    """None when every value the fork returns reaches only torch.jit.wait in the same scope."""
    waits = _wait_calls(ctx)
    parent = ctx.tree.parent(fork.call)
    grand = ctx.tree.parent(parent) if parent is not None else None
    if isinstance(parent, cst.Arg) and grand in waits and _only_arg(grand) is fork.call:
        return None
    if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and
            isinstance(parent.targets[0].target, cst.Name)):
        return "the future is not assigned to a name: rewrite the fork/wait pair by hand"
    target = parent.targets[0].target
    if lookup.single_value(ctx, target) is not fork.call:
        return f"`{target.value}` is bound more than once in this scope: rewrite the fork/wait pair by hand"
    reads = _Reads(target.value)
    scope = ctx.tree.scope(fork.call)
    (scope.body if not isinstance(scope, cst.Module) else scope).visit(reads)
    uses = [n for n in reads.found if n is not target]
    if not uses:
        return "the future is never waited for: rewrite it by hand"
    for use in uses:
        arg = ctx.tree.parent(use)
        call = ctx.tree.parent(arg) if arg is not None else None
        if not (isinstance(arg, cst.Arg) and call in waits and _only_arg(call) is use):
            return f"the future `{target.value}` is used other than by torch.jit.wait: rewrite the pair by hand"
    return None


def fork(match: Match, ctx: RewriteContext):
    original = match.call
    if not original.args or original.args[0].keyword is not None or original.args[0].star:
        return refuse("cannot read the forked function: rewrite it by hand")
    problem = pair_problem(match, ctx)
    if problem:
        return refuse(problem)

    def build(updated: cst.Call) -> cst.Call:
        func, *rest = updated.args
        rest = list(rest)
        if rest:
            rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return cst.Call(func.value, rest)

    return rewrite("safe", REASON, [replace(original, build)], match)


def wait(match: Match, ctx: RewriteContext):
    original = match.call
    value = _only_arg(original)
    if value is None:
        return refuse("wait takes one future: rewrite it by hand")
    forks = {m.call: m for m in ctx.matches_of("TS403") if m.call is not None and m.context == "call"}
    source = forks.get(value)
    if source is None and isinstance(value, cst.Name):
        source = forks.get(lookup.single_value(ctx, value))
    if source is None:
        return refuse("the future does not come from a torch.jit.fork in the same scope: rewrite it by hand")
    problem = pair_problem(source, ctx)
    if problem:
        return refuse(problem)
    fit = in_place_of(ctx, original)
    return rewrite("safe", "the direct call already returned the value; wait has nothing left to do",
                   [replace(original, lambda updated: fit(updated.args[0].value))], match)


REWRITES = (Rewriter("TS403", "call", "safe", fork), Rewriter("TS404", "call", "safe", wait))
