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


def _resolved_guard(ctx: RewriteContext, guard, call: cst.Call, negated: bool, old: str):
    """The whole `if` replaced by the branch eager takes, where the code says it is a TorchScript workaround or
    shield (``guards.py``); None otherwise."""
    if guard is None:
        return None
    why = None
    text = guards.shield(ctx, guard, call, negated)
    if text:
        why = f"it returns a constant only so that TorchScript never reaches `{text}`"
    else:
        text = guards.after_capture_branch(ctx, guard, call, negated)
        if text:
            why = f"an earlier branch already tests `{text}`, so this one only ever ran under TorchScript"
        else:
            comment = workarounds.limitation_comment(guard)
            why = f"the comment `{comment.strip()}` says it works around TorchScript" if comment else None
            if why is None and isinstance(guard, cst.If) and guards.context_manager_branch(_eager_branch(ctx, guard, negated)):
                why = "the branch eager takes is the same code inside a `with` block, which TorchScript cannot enter"
    edits = guards.resolve(ctx, guard, call, negated) if why else None
    if not edits:
        return None
    branch = "always runs" if negated else "never runs"
    return rewrite("unsafe", f"{old}() is False outside TorchScript, so this `if` {branch} there, and {why}: the "
                   f"statement is replaced by the branch eager takes (eager unchanged; torch.compile and "
                   f"torch.export take it too: check that they do)", edits, None)


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
    if workarounds.torchscript_only_raise(ctx, guard, negated, original):
        return rewrite("unsafe", f"{old}() is False outside TorchScript, so only TorchScript ever took this branch, "
                       f"which raises about TorchScript: the statement goes (eager, torch.compile and torch.export "
                       f"never ran it)", [remove(guard)], match)
    resolved = _resolved_guard(ctx, guard, original, negated, old)
    if resolved is not None:
        return resolved
    top = boolean.chain_top(ctx, original)
    capture = workarounds.capture_check(top, set(_predicates_in(ctx, top))) if top is not None else None
    placed = workarounds.neutral_in_chain(ctx, original) if capture else None
    if placed is not None:
        chain, operand = placed
        return rewrite("unsafe", f"{old}() is False outside TorchScript, and the condition itself asks whether a "
                       f"graph capture runs (`{capture}`): `{ctx.tree.module.code_for_node(operand).strip()}` only "
                       f"kept TorchScript from calling it, so it is dropped and torch.compile and torch.export take "
                       f"the branch as before", [replace(chain, workarounds.drop(boolean._key(operand))),
                                                 replace(top, boolean.simplify)], match)
    comment = workarounds.limitation_comment(guard)
    evidence = f"the comment `{comment.strip()}` says" if comment else None
    if not comment and isinstance(guard, cst.If) and guards.context_manager_branch(_eager_branch(ctx, guard, negated)):
        evidence = "the branch eager takes is a `with` block, which TorchScript cannot enter: so"
    if evidence and top is not None and len(_predicates_in(ctx, top)) == 1:
        operand = workarounds.neutral_operand(ctx, original, top)
        if operand is not None:
            kept = ctx.tree.module.code_for_node(operand).strip()
            return rewrite("unsafe", f"{old}() is False outside TorchScript and {evidence} "
                           f"the branch works around TorchScript: `{kept}` is dropped from the condition, so eager "
                           f"is unchanged and torch.export takes the eager path (check that it exports)",
                           [replace(top, workarounds.drop(boolean._key(operand))), replace(top, boolean.simplify)],
                           match)
    choice, why = _choice(ctx, original)
    operand = workarounds.neutral_operand(ctx, original, top) if top is not None else None
    existing = workarounds.existing_export_check(top, operand) if operand is not None and choice == "is_exporting" \
        else None
    if existing:
        return rewrite("unsafe", f"{old}() is False outside TorchScript and would become is_exporting(), which the "
                       f"condition already checks (`{existing}`): `{ctx.tree.module.code_for_node(operand).strip()}` "
                       f"is dropped", [replace(top, workarounds.drop(boolean._key(operand))), replace(top, boolean.simplify)],
                       match)
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
