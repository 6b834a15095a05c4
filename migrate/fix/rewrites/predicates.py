"""`torch.jit.is_scripting()` / `is_tracing()` -> `torch.compiler.is_exporting()` or `is_compiling()` (unsafe).

Under torch.export and torch.compile both old predicates are always False, so the code they guarded
would silently take the eager-only path. Which new predicate keeps the intent depends on what that
eager-only path (the branch TorchScript skipped) does:

- it has effects outside the graph (print, warnings, logging, files, hooks, checkpointing,
  `__torch_function__` dispatch, ...): every graph capture should skip it, as TorchScript did ->
  `torch.compiler.is_compiling()` (True under torch.compile and torch.export);
- otherwise it is tensor code that torch.compile can run (graph breaks included) but torch.export may
  not (data-dependent branches, `.item()`, Python containers): only export needs the TorchScript-safe
  path -> `torch.compiler.is_exporting()` (True under torch.export only).

With no guarded branch to read (the predicate used as a value), `is_exporting()` is chosen. Guards that only
work around TorchScript (a comment naming the limitation, a branch raising about TorchScript) lose the
predicate instead (``workarounds.py``).
"""

from __future__ import annotations

import libcst as cst

from migrate.fix.rewrites import boolean, guards, workarounds
from migrate.fix.rewrites.base import Rewriter, RewriteContext, refuse, remove, replace, rewrite
from migrate.scan.matches import Match, dotted_parts

# Not checkpointing: torch.compile supports activation checkpointing, so is_compiling() there would silently turn
# it off for every torch.compile training run (timm's `if self.grad_checkpointing and not is_scripting()`).
SIDE_EFFECT_CALLS = frozenset({"print", "warn", "open", "input", "breakpoint", "set_trace",
                               "has_torch_function", "has_torch_function_unary", "has_torch_function_variadic",
                               "handle_torch_function", "register_forward_hook", "register_forward_pre_hook",
                               "register_backward_hook", "register_full_backward_hook", "register_hook",
                               "debug", "info", "warning", "error", "exception", "critical", "log"})
SIDE_EFFECT_MODULES = frozenset({"warnings", "logging", "logger", "log", "_logger", "LOGGER", "os", "sys", "pdb",
                                 "overrides"})


class _Effects(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: str | None = None

    def visit_Call(self, node: cst.Call) -> bool:
        parts = dotted_parts(node.func) or ()
        if self.found is None and parts and (parts[-1] in SIDE_EFFECT_CALLS or
                                             any(p in SIDE_EFFECT_MODULES for p in parts[:-1])):
            self.found = ".".join(parts)
        return True

    def visit_Global(self, node: cst.Global) -> bool:
        self.found = self.found or "global"
        return False


def _guard(ctx: RewriteContext, call: cst.Call):
    """(the If/IfExp whose test holds the call, whether the call is negated there) or (None, False)."""
    negated = False
    child: cst.CSTNode = call
    for parent in ctx.tree.ancestors(call):
        if isinstance(parent, (cst.If, cst.IfExp)) and parent.test is child:
            return parent, negated
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
            negated = not negated
        elif not isinstance(parent, cst.BooleanOperation):
            return None, False
        child = parent
    return None, False


def _eager_branch(ctx: RewriteContext, guard, negated: bool) -> list[cst.CSTNode]:
    """The code that runs when the old predicate is False (the branch TorchScript skipped)."""
    if negated:
        return [guard.body]
    if isinstance(guard, cst.IfExp):
        return [guard.orelse]
    if guard.orelse is not None:
        return [guard.orelse]
    # `if torch.jit.is_scripting(): return ...` followed by eager code: the statements after the if.
    block = ctx.tree.parent(guard)
    body = getattr(block, "body", None)
    if isinstance(body, (list, tuple)) and guard in body:
        return list(body[list(body).index(guard) + 1:])
    return []


def _choice(ctx: RewriteContext, call: cst.Call) -> tuple[str, str]:
    """(the new predicate, why) for one is_scripting()/is_tracing() call."""
    guard, negated = _guard(ctx, call)
    if guard is None:
        return "is_exporting", "used as a value, not as a branch condition: check every use"
    effects = _Effects()
    for node in _eager_branch(ctx, guard, negated):
        node.visit(effects)
    if effects.found:
        return "is_compiling", (f"the branch TorchScript skipped calls {effects.found} (an effect outside the graph), "
                                f"so every graph capture (torch.compile and torch.export) skips it")
    return "is_exporting", ("the branch TorchScript skipped is tensor code torch.compile can run, so only "
                            "torch.export takes the TorchScript-safe branch")


def _predicates_in(ctx: RewriteContext, top) -> list[cst.Call]:
    """The is_scripting()/is_tracing() calls (without arguments) inside the chain ``top``."""
    return [m.call for m in ctx.matches_of("TS401", "TS402")
            if m.call is not None and not m.call.args and top in ctx.tree.ancestors(m.call)]


def _workaround(ctx: RewriteContext, guard, negated: bool) -> str | None:
    """Why the code says this guard only works around TorchScript (a comment naming the limitation, or an eager
    branch that is the same code inside a `with` block), in words; None where it does not say so."""
    comment = workarounds.limitation_comment(guard)
    if comment:
        return f"the comment `{comment.strip()}` says it works around TorchScript"
    if isinstance(guard, cst.If) and guards.context_manager_branch(_eager_branch(ctx, guard, negated)):
        return "the branch eager takes is the same code inside a `with` block, which TorchScript cannot enter"
    return None


def _whole_if(ctx: RewriteContext, guard, call: cst.Call, negated: bool, old: str, workaround: str | None):
    """The whole `if` replaced by the branch eager takes, where it is a TorchScript-only raise, a shield or a
    workaround (``guards.py``); None otherwise."""
    if guard is None:
        return None
    if guards.raises_about_torchscript(guard, negated):
        why = "it raises about TorchScript"
    elif text := guards.shield(ctx, guard, call, negated):
        why = f"it returns a constant only so that TorchScript never reaches `{text}`"
    elif text := guards.after_capture_branch(ctx, guard, call, negated):
        why = f"an earlier branch already tests `{text}`, so this one only ever ran under TorchScript"
    else:
        why = workaround
    edits = guards.resolve(ctx, guard, call, negated) if why else None
    if not edits:
        return None
    branch = "always runs" if negated else "never runs"
    return rewrite("unsafe", f"{old}() is False outside TorchScript, so this `if` {branch} there, and {why}: the "
                   f"statement is replaced by the branch eager takes (eager unchanged; torch.compile and "
                   f"torch.export take it too: check that they do)", edits, None)


def _dropped_operand(ctx: RewriteContext, call: cst.Call, top, old: str, match: Match, workaround: str | None):
    """The predicate's operand dropped from its and/or chain, where the condition asks about graph capture
    itself or the code says the guard is a workaround (``workarounds.py``); None otherwise."""
    placed = workarounds.neutral_in_chain(ctx, call) if top is not None else None
    if placed is None:
        return None
    chain, operand = placed
    capture = workarounds.capture_check(top, set(_predicates_in(ctx, top)))
    if capture:
        why = (f"the condition itself asks whether a graph capture runs (`{capture}`), which the operand only kept "
               f"TorchScript from calling: torch.compile and torch.export take the branch as before")
    elif workaround and len(_predicates_in(ctx, top)) == 1:
        why = f"{workaround}: eager is unchanged and torch.export takes the eager path (check that it exports)"
    else:
        return None
    text = ctx.tree.module.code_for_node(operand).strip()
    return rewrite("unsafe", f"{old}() is False outside TorchScript, so `{text}` is dropped from the condition: {why}",
                   [replace(chain, workarounds.drop(boolean._key(operand))), replace(top, boolean.simplify)], match)


def predicate(match: Match, ctx: RewriteContext):
    original = match.call
    if original.args:
        return refuse("the predicate is called with arguments: rewrite it by hand")
    old = "is_scripting" if match.rule.id == "TS401" else "is_tracing"
    guard, negated = _guard(ctx, original)
    assertion = guards.always_true_assert(ctx, original)
    if assertion is not None:
        return rewrite("unsafe", f"`assert not {old}()` always passes outside TorchScript: the statement goes",
                       [remove(assertion)], match)
    workaround = _workaround(ctx, guard, negated) if guard is not None else None
    top = boolean.chain_top(ctx, original)
    resolved = _whole_if(ctx, guard, original, negated, old, workaround) or \
        _dropped_operand(ctx, original, top, old, match, workaround)
    if resolved is not None:
        return resolved
    choice, why = _choice(ctx, original)
    func, imports = ctx.torch(match, f"compiler.{choice}")
    reason = (f"{old}() is always False under torch.export and torch.compile; became {choice}() because {why}; "
              f"check that the branch taken under export/compile is the one you want")
    edits = [replace(original, lambda updated: updated.with_changes(func=func))]
    if top is not None:
        calls = {call: _choice(ctx, call)[0] for call in _predicates_in(ctx, top)}
        always, under_export = boolean.constant(top, calls)
        text = ctx.tree.module.code_for_node(top)
        if always is not None:
            return refuse(f"after the rewrite the guard `{text}` would always be {always} (its predicates become "
                          f"the same one): remove the guard and keep the branch you want by hand")
        if under_export is not None:
            reason += f"; under torch.export the guard `{text}` is always {under_export}"
        edits.append(replace(top, boolean.simplify))
    return rewrite("unsafe", reason, edits, match, imports=imports)


REWRITES = (Rewriter("TS401", "call", "unsafe", predicate), Rewriter("TS402", "call", "unsafe", predicate))
