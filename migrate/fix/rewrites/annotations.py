"""Type annotations TorchScript needed: torch.jit.annotate, torch.jit.Final, __constants__ (all safe)."""

from __future__ import annotations

import libcst as cst

from migrate.fix.model import Import
from migrate.fix.tree import import_bindings
from migrate.fix.rewrites.base import Rewriter, RewriteContext, in_place_of, positional, refuse, remove, replace, rewrite, updated_arg
from migrate.scan.matches import Match


def annotate(match: Match, ctx: RewriteContext):
    """`torch.jit.annotate(T, v)` -> `v`; `x = torch.jit.annotate(T, v)` -> `x: T = v`."""
    original = match.call
    args = positional(original) if original is not None else None
    if args is None or len(args) != 2 or len(original.args) != 2:
        return refuse("torch.jit.annotate takes exactly two positional arguments here: rewrite it by hand")
    type_arg, value_arg = args
    fit = in_place_of(ctx, original)
    edits = [replace(original, lambda updated: fit(updated_arg(updated, original, value_arg).value))]
    reason = "annotate is an identity function outside TorchScript: the value is kept"
    assign = ctx.tree.parent(original)
    if (isinstance(assign, cst.Assign) and assign.value is original and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
            and not _declared_global(ctx, assign, assign.targets[0].target.value)):
        annotation = type_arg.value

        def to_annotated(updated: cst.Assign) -> cst.AnnAssign:
            return cst.AnnAssign(target=updated.targets[0].target, annotation=cst.Annotation(annotation),
                                 value=updated.value, semicolon=updated.semicolon)

        edits.append(replace(assign, to_annotated))
        reason += ", and the type becomes a variable annotation"
    return rewrite("safe", reason, edits, match)


def _declared_global(ctx: RewriteContext, node: cst.CSTNode, name: str) -> bool:
    """Whether `name` is declared global/nonlocal in the function holding node (an annotation would not compile)."""
    function = ctx.tree.function(node)
    if function is None:
        return False
    found = False

    class Visitor(cst.CSTVisitor):
        def visit_Global(self, node: cst.Global) -> bool:
            nonlocal found
            found |= any(item.name.value == name for item in node.names)
            return False

        visit_Nonlocal = visit_Global

    function.body.visit(Visitor())
    return found


def final(match: Match, ctx: RewriteContext):
    """`torch.jit.Final[T]` -> `typing.Final[T]` (from typing import Final, when the name is free)."""
    bindings = import_bindings(ctx.tree.module)
    final_bindings = bindings.get("Final", ())
    if any(binding[:2] == ("typing", "Final") for binding in final_bindings):
        expr, imports = cst.Name("Final"), ()  # the module already has typing's Final
    elif isinstance(match.node, cst.Name) and final_bindings and all(
            tuple(binding[:2]) == ("torch.jit", "Final") and (len(binding) < 3 or binding[2] is None)
            for binding in final_bindings):
        # `from torch.jit import Final`: the import moves to typing, every `Final[...]` stays as written
        expr, imports = cst.Name("Final"), (Import("typing", "Final", replaces="torch.jit"),)
    elif isinstance(match.node, cst.Name) or not _only_torch_final(ctx):
        expr, imports = cst.Attribute(cst.Name("typing"), cst.Name("Final")), (Import("typing"),)
    else:
        expr, imports = cst.Name("Final"), (Import("typing", "Final"),)
    return rewrite("safe", "typing.Final means the same to Python, torch.export and type checkers",
                   [replace(match.node, lambda updated: expr)], match, imports=imports)


def _only_torch_final(ctx: RewriteContext) -> bool:
    """Whether every `Final` spelled in the module is the attribute of torch.jit (so the bare name is free)."""
    class Visitor(cst.CSTVisitor):
        bare = False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)  # the attribute's own name is not a free name
            return False

        def visit_Name(self, node: cst.Name) -> bool:
            Visitor.bare |= node.value == "Final"
            return False

    ctx.tree.module.visit(Visitor())
    return not Visitor.bare


def constants(match: Match, ctx: RewriteContext):
    """`__constants__ = [...]` in an nn.Module class body -> removed (unless the code reads it)."""
    if ctx.tree.name_counts.get("__constants__", 0) > sum(1 for m in ctx.matches if m.rule.id == "TS310"):
        return refuse("__constants__ is also read in this file: remove those reads first")
    return rewrite("safe", "__constants__ only told TorchScript which attributes to inline; Python ignores it",
                   [remove(match.node)], None)


REWRITES = (
    Rewriter("TS305", "call", "safe", annotate),
    Rewriter("TS306", "annotation", "safe", final),
    Rewriter("TS310", "class-attribute", "safe", constants),
)
