"""Whole `if` statements that only exist for TorchScript (TS401/TS402): resolved, not rewritten.

When the test is the predicate alone, `if torch.jit.is_scripting():` never runs outside TorchScript and
`if not torch.jit.is_scripting():` always does, so the statement can be replaced by the branch eager
takes, which keeps eager exactly as it was and sends torch.compile and torch.export down the same path.
That is done where the code says the TorchScript branch is a workaround or a shield:

- a comment on the guard names a TorchScript limitation (kornia: `# TorchScript has no context managers;
  a scripted call keeps the caller's precision` above `if torch.jit.is_scripting(): return f(x)` followed by
  `with _autocast_disabled(...): return f(x)`): export now keeps the autocast fix;
- a shield: `if torch.jit.is_scripting(): return False` in front of code that asks about graph capture
  (`return is_exporting()`): TorchScript could not call it; `is_exporting()` there would make export
  return False;
- an `elif torch.jit.is_tracing():` after a branch that already asks about graph capture (`if
  is_exporting(): ... elif torch.jit.is_tracing(): ...`): it only ever ran under jit.trace;
- an eager branch that is the same code inside a `with` block (TorchScript cannot enter a context manager);
- `if [A and] is_scripting(): raise RuntimeError("torch.jit.script not supported ...")`: the statement goes
  (an `and` chain holding the predicate never runs either).

The comments above a removed statement move onto the statement that follows.
"""

from __future__ import annotations

import libcst as cst

from migrate.fix.rewrites import workarounds
from migrate.fix.rewrites.base import remove, replace

_EMPTY = cst.Module([])


def _runs(guard, call, negated: bool) -> str | None:
    """"never" where the test is the predicate or an `and` chain holding it (False outside TorchScript),
    "always" where it is `not predicate`; None for any other test."""
    test, boolean = guard.test, workarounds.boolean
    if negated:
        return "always" if boolean._is_not(test) and test.expression is call else None
    if test is call or (isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And) and not test.lpar
                        and call in boolean._operands(test, cst.And)):
        return "never"
    return None


def _statements(suite) -> list:
    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    return [cst.SimpleStatementLine(list(suite.body))]  # `if x: return y` on one line


def _siblings(ctx, guard):
    block = ctx.tree.parent(guard)
    body = getattr(block, "body", None)
    return list(body) if isinstance(body, (list, tuple)) else None


def _comment_lines(guard) -> list:
    return [line for line in guard.leading_lines if line.comment]


def resolve(ctx, guard, call, negated: bool) -> list | None:
    """Edits that replace the `if` statement by the branch eager takes; None where that cannot be done here
    (a test that is more than the predicate, a block that would be left empty)."""
    runs = _runs(guard, call, negated) if isinstance(guard, cst.If) else None
    if runs is None:
        return None
    negated = runs == "always"
    parent = ctx.tree.parent(guard)
    if isinstance(parent, cst.If) and parent.orelse is guard:  # an elif that never runs: the next clause instead
        if negated:
            return None
        return [replace(guard, lambda updated: updated.orelse if updated.orelse is not None else cst.RemoveFromParent())]
    siblings = _siblings(ctx, guard)
    if siblings is None:
        return None
    if negated or isinstance(guard.orelse, cst.Else):
        def build(updated: cst.If):
            kept = _statements(updated.body if negated else updated.orelse.body)
            kept[0] = kept[0].with_changes(leading_lines=[*updated.leading_lines, *kept[0].leading_lines])
            return cst.FlattenSentinel(kept)

        return [replace(guard, build)]
    if guard.orelse is not None:  # `if P: ... elif Q: ...` -> `if Q: ...`
        return [replace(guard, lambda updated: updated.orelse.with_changes(leading_lines=updated.leading_lines))]
    if len(siblings) < 2:
        return None
    index = siblings.index(guard)
    edits = [remove(guard)]
    comments = _comment_lines(guard)
    if comments and index + 1 < len(siblings):
        edits.append(replace(siblings[index + 1], lambda updated: updated.with_changes(
            leading_lines=[*comments, *updated.leading_lines])))
    return edits


def shield(ctx, guard, call, negated: bool) -> str | None:
    """`if is_scripting(): return <constant>` ahead of statements that call a capture check: that call's text."""
    if negated or not isinstance(guard, cst.If) or guard.test is not call or guard.orelse is not None:
        return None
    body = _statements(guard.body)
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return None
    statement = body[0].body[0]
    if not (isinstance(statement, cst.Return) and isinstance(statement.value, (cst.Name, cst.Integer, cst.SimpleString))
            and (not isinstance(statement.value, cst.Name) or statement.value.value in ("True", "False", "None"))):
        return None
    siblings = _siblings(ctx, guard)
    for statement in siblings[siblings.index(guard) + 1:] if siblings else ():
        found = workarounds.capture_check(statement, {call})
        if found:
            return found
    return None


def after_capture_branch(ctx, guard, call, negated: bool) -> str | None:
    """An `elif P:` whose `if` (or an earlier elif) already tests a graph capture: that test's text."""
    parent = ctx.tree.parent(guard)
    if negated or not isinstance(guard, cst.If) or guard.test is not call:
        return None
    while isinstance(parent, cst.If) and parent.orelse is guard:
        text = workarounds.capture_check(parent.test, {call})
        if text:
            return text
        guard, parent = parent, ctx.tree.parent(parent)
    return None


def context_manager_branch(eager: list) -> bool:
    """Whether the branch TorchScript skipped (``eager``: the nodes ``predicates._eager_branch`` gives) is one
    `with` block: the TorchScript branch is then the same code without the context manager, which TorchScript
    could not enter (kornia: `if torch.jit.is_scripting(): x = f(t) else: with _autocast_disabled(...): x = f(t)`);
    torch.export and torch.compile can, so they should keep it."""
    statements = []
    for node in eager:
        if isinstance(node, cst.Else):
            node = node.body
        statements += list(node.body) if isinstance(node, cst.IndentedBlock) else [node]
    return bool(statements) and isinstance(statements[0], cst.With) and (len(statements) == 1 or len(eager) > 1)


def raises_about_torchscript(guard, negated: bool) -> bool:
    """`if [A and] is_scripting(): raise X("... torch.jit.script not supported ...")`: a branch only TorchScript
    took, raising about TorchScript (timm's optimizers)."""
    if negated or not isinstance(guard, cst.If) or guard.orelse is not None:
        return False
    body = _statements(guard.body)
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return False
    node = body[0].body[0]
    return isinstance(node, cst.Raise) and node.exc is not None and \
        bool(workarounds.TORCHSCRIPT.search(_EMPTY.code_for_node(node.exc)))


def always_true_assert(ctx, call) -> cst.CSTNode | None:
    """The statement of `assert not torch.jit.is_scripting()` (it always passes outside TorchScript), where its
    block keeps another statement."""
    negation = ctx.tree.parent(call)
    assertion = ctx.tree.parent(negation) if workarounds.boolean._is_not(negation) else None
    if not isinstance(assertion, cst.Assert) or assertion.test is not negation:
        return None
    line = ctx.tree.parent(assertion)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    siblings = _siblings(ctx, line)
    return line if siblings and len(siblings) > 1 else None
