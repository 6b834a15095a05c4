"""Guards that exist only for TorchScript: the predicate goes instead of becoming is_exporting() (TS401/TS402).

`torch.jit.is_scripting()` and `is_tracing()` are False everywhere outside TorchScript (eager, torch.compile,
torch.export), so dropping them keeps eager exactly as it was. That is the migration a maintainer writes
where the code says the TorchScript branch only works around TorchScript:

- a comment on the guard (on its line, above it, or atop its body) that names a TorchScript limitation
  (`# can't slice blocks in torchscript`, `# return_prefix not support in torchscript due to poor type
  handling`): the operand is dropped from its `and`/`or` chain where that leaves the chain's value as
  eager had it (`is_scripting() or X` -> `X`; `not is_scripting() and X` -> `X`), so export takes the
  eager path, which only TorchScript could not run;
- `if ... is_scripting(): raise ...("... not supported with torch.jit.script")` (a branch that only
  TorchScript ever took, raising about TorchScript): the statement goes;
- a condition that itself asks whether a graph capture runs (`not is_scripting() and is_compiling()`: timm's
  optimizer helpers, kornia's grids; `is_scripting()` was only there because TorchScript cannot call
  `is_compiling()`): the predicate goes, so torch.compile and torch.export take that branch as before;
- a condition that already checks `is_exporting()` (`not is_exporting() and not torch.jit.is_tracing()`,
  kornia's own helper): the operand goes rather than repeat that check.

Anything else keeps the usual choice (predicates.py).
"""

from __future__ import annotations

import re

import libcst as cst

from migrate.fix.rewrites import boolean

_TORCHSCRIPT = re.compile(r"torch\s*script|\bjit\b|\bscript(ed|ing)?\b", re.IGNORECASE)
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
    return next((c for c in _comments(guard) if _TORCHSCRIPT.search(c) and _LIMITATION.search(c)), None)


def neutral_operand(ctx, call: cst.Call, top) -> cst.BaseExpression | None:
    """The operand (`call` or `not call`) of ``top``'s chain whose removal keeps the chain's eager value, where
    the call is a direct operand of an `or` chain or stands under one `not` in an `and` chain."""
    if not isinstance(top, cst.BooleanOperation):
        return None
    operator = type(top.operator)
    operands = boolean._operands(top.with_changes(lpar=[], rpar=[]), operator)
    parent = ctx.tree.parent(call)
    if operator is cst.Or and call in operands:
        return call
    if operator is cst.And and boolean._is_not(parent) and parent in operands and not parent.lpar:
        return parent
    return None


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


def _raise_mentions_torchscript(statement) -> bool:
    if isinstance(statement, cst.SimpleStatementLine):
        if len(statement.body) != 1:
            return False
        node = statement.body[0]
    else:  # a small statement of `if x: raise ...` on one line
        node = statement
    return isinstance(node, cst.Raise) and node.exc is not None and bool(_TORCHSCRIPT.search(_EMPTY.code_for_node(node.exc)))


def torchscript_only_raise(ctx, guard, negated: bool, call: cst.Call) -> bool:
    """`if [A and] is_scripting() [and B]: raise X("...TorchScript...")` with no else: only TorchScript took it."""
    if not isinstance(guard, cst.If) or negated or guard.orelse is not None:
        return False
    test = guard.test
    if test is not call:
        if not (isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And)):
            return False
        if call not in boolean._operands(test.with_changes(lpar=[], rpar=[]), cst.And):
            return False
    body = guard.body
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    if len(statements) != 1 or not _raise_mentions_torchscript(statements[0]):
        return False
    block = ctx.tree.parent(guard)
    siblings = getattr(block, "body", None)
    return isinstance(siblings, (list, tuple)) and len(siblings) > 1  # the block keeps a statement


def _calls_is_exporting(node) -> bool:
    from migrate.scan.matches import dotted_parts

    return isinstance(node, cst.Call) and not node.args and (dotted_parts(node.func) or ("",))[-1] == "is_exporting"


def existing_export_check(top, operand) -> str | None:
    """Another operand of ``top``'s chain that already checks is_exporting() the way ``operand`` would after the
    rewrite (kornia's `not is_exporting() and not torch.jit.is_tracing()`): its text, else None."""
    operator = type(top.operator)
    for other in boolean._operands(top.with_changes(lpar=[], rpar=[]), operator):
        if other is operand:
            continue
        inner = other.expression if operator is cst.And and boolean._is_not(other) else other
        if (operator is cst.Or or inner is not other) and _calls_is_exporting(inner):
            return _EMPTY.code_for_node(other).strip()
    return None


CAPTURE_CHECKS = frozenset({"is_compiling", "_is_compiling", "is_dynamo_compiling", "is_torchdynamo_compiling",
                            "is_exporting", "_is_exporting"})


def capture_check(top, predicates) -> str | None:
    """A call in the condition ``top`` (not one of the TorchScript ``predicates``) that asks whether a graph
    capture runs: its text, else None."""
    from migrate.scan.matches import dotted_parts

    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> bool:
            if node not in predicates and (dotted_parts(node.func) or ("",))[-1] in CAPTURE_CHECKS:
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
