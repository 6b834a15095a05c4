"""Guards that exist only for TorchScript, inside a condition (TS401/TS402): the predicate's operand is dropped
instead of becoming is_exporting().

`torch.jit.is_scripting()` and `is_tracing()` are False everywhere outside TorchScript (eager, torch.compile,
torch.export), so dropping them where that leaves the chain's value as eager had it (`is_scripting() or X` ->
`X`; `not is_scripting() and X` -> `X`: ``neutral_in_chain``, ``drop``) keeps eager exactly as it was. That is
the migration a maintainer writes where the code says the TorchScript branch only works around TorchScript:

- a comment on the guard (on its line, above it, or atop its body) that names a TorchScript limitation
  (`# can't slice blocks in torchscript`, `# return_prefix not support in torchscript due to poor type
  handling`): export takes the eager path, which only TorchScript could not run;
- a condition that itself asks whether a graph capture runs (`not is_scripting() and is_compiling()`: timm's
  optimizer helpers, kornia's grids; `is_scripting()` was only there because TorchScript cannot call
  `is_compiling()`; also `not is_exporting() and not torch.jit.is_tracing()`, which is_exporting() would
  repeat): torch.compile and torch.export take that branch as before.

Whole `if` statements are resolved in ``guards.py``; anything else keeps the usual choice (predicates.py).
"""

from __future__ import annotations

import re

import libcst as cst

from migrate.fix.rewrites import boolean

TORCHSCRIPT = re.compile(r"torch\s*script|\bjit\b|\bscript(ed|ing)?\b", re.IGNORECASE)
_LIMITATION = re.compile(r"can'?t|cannot|can not|not\s+support|unsupported|doesn'?t\s+support|does\s+not\s+support|"
                         r"isn'?t\s+supported|not\s+work|poor\s+type|not\s+scriptable|not\s+allowed|has\s+no\b|"
                         r"does\s+not\s+script|doesn'?t\s+script|only\s+skips|lacks?\b", re.IGNORECASE)
_EMPTY = cst.Module([])


def _comments(guard: cst.If) -> list[str]:
    found = [line.comment.value for line in guard.leading_lines if line.comment]
    body = guard.body
    if isinstance(body, cst.IndentedBlock):
        if body.header.comment:
            found.append(body.header.comment.value)
        if body.body:
            found += [line.comment.value for line in body.body[0].leading_lines if line.comment]
    return found


def limitation_comment(guard) -> str | None:
    """The comment on an `if` guard that says the TorchScript branch works around TorchScript, if any."""
    if not isinstance(guard, cst.If):
        return None
    return next((c for c in _comments(guard) if TORCHSCRIPT.search(c) and _LIMITATION.search(c)), None)


def drop(key: str):
    """A build that removes the operand written ``key`` from the updated chain (the written operator before it
    goes with it; the first operand takes the next one's place)."""
    def build(updated: cst.BaseExpression) -> cst.BaseExpression:
        if not isinstance(updated, cst.BooleanOperation):
            return updated
        operator = type(updated.operator)
        operands, operators = boolean._chain(updated.with_changes(lpar=[], rpar=[]), operator)
        keys = [boolean._key(o) for o in operands]
        if key not in keys or len(operands) < 2:
            return updated
        index = keys.index(key)
        del operands[index]
        del operators[max(0, index - 1)]
        result = boolean._rebuild(operands, operators)
        single = len(operands) == 1 and not isinstance(result, (cst.IfExp, cst.Lambda, cst.NamedExpr))
        if updated.lpar and hasattr(result, "lpar") and not result.lpar and not single:
            result = result.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return result

    return build


# A call that asks whether a graph capture runs: is_exporting, is_compiling, is_dynamo_compiling and the projects'
# own wrappers (timm's _compiler_is_exporting, kornia's _is_exporting_eager).
CAPTURE_CALL = re.compile(r"(^|_)is_\w*(export|compil|dynamo)", re.IGNORECASE)


def capture_check(top, predicates) -> str | None:
    """A call in ``top`` (a condition or a statement; not one of the TorchScript ``predicates``) that asks
    whether a graph capture runs (``CAPTURE_CALL``): its text, else None."""
    from migrate.scan.matches import dotted_parts

    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> bool:
            if node not in predicates and CAPTURE_CALL.search((dotted_parts(node.func) or ("",))[-1]):
                found.append(_EMPTY.code_for_node(node))
            return True

        def visit_Lambda(self, node) -> bool:
            return False

    top.visit(Visitor())
    return found[0] if found else None


def neutral_in_chain(ctx, call: cst.Call):
    """(the and/or chain, the operand) where the call is an operand of an `or` chain, or stands under one `not` in
    an `and` chain: dropping that operand keeps the chain's value outside TorchScript. None elsewhere."""
    parent = ctx.tree.parent(call)
    if boolean._is_not(parent) and not parent.lpar and not call.lpar:
        operand, chain, operator = parent, ctx.tree.parent(parent), cst.And
    else:
        operand, chain, operator = call, parent, cst.Or
    if not (isinstance(chain, cst.BooleanOperation) and isinstance(chain.operator, operator)):
        return None
    while not chain.lpar:
        above = ctx.tree.parent(chain)
        if not (isinstance(above, cst.BooleanOperation) and isinstance(above.operator, operator)):
            break
        chain = above
    if operand not in boolean._operands(chain.with_changes(lpar=[], rpar=[]), operator):
        return None
    return chain, operand
