"""Small static questions about names, answered from the tree of one file (never by running it)."""

from __future__ import annotations

import libcst as cst

from migrate.fix.rewrites.base import RewriteContext
from migrate.scan.matches import dotted_parts

TENSOR_FACTORIES = frozenset({
    "randn", "rand", "randint", "zeros", "ones", "full", "empty", "tensor", "as_tensor", "arange", "linspace",
    "eye", "randn_like", "rand_like", "zeros_like", "ones_like", "full_like", "empty_like", "from_numpy",
    "randperm", "logspace", "normal",
})


class _Bindings(cst.CSTVisitor):
    """Every way a scope binds `name`, without entering nested scopes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: list[cst.BaseExpression] = []
        self.other = False  # bound some way whose value is not a plain expression
        self.defs: list[cst.CSTNode] = []

    def _target(self, target: cst.BaseExpression) -> bool:
        if isinstance(target, cst.Name):
            return target.value == self.name
        if isinstance(target, (cst.Tuple, cst.List)):
            return any(self._target(e.value) for e in target.elements)
        if isinstance(target, cst.StarredElement):
            return self._target(target.value)
        return False

    def visit_Assign(self, node: cst.Assign) -> bool:
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value == self.name:
                self.values.append(node.value)
            elif self._target(target.target):
                self.other = True
        return True

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        if isinstance(node.target, cst.Name) and node.target.value == self.name and node.value is not None:
            self.values.append(node.value)
        return True

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        self.other |= self._target(node.target)
        return True

    def visit_For(self, node: cst.For) -> bool:
        self.other |= self._target(node.target)
        return True

    def visit_WithItem(self, node: cst.WithItem) -> bool:
        self.other |= node.asname is not None and self._target(node.asname.name)
        return True

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        self.other |= self._target(node.target)
        return True

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        bound = node.asname.name if node.asname is not None else node.name
        self.other |= isinstance(bound, cst.Name) and bound.value == self.name
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if node.name.value == self.name:
            self.defs.append(node)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if node.name.value == self.name:
            self.defs.append(node)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ListComp(self, node) -> bool:
        return False

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp


def bindings(ctx: RewriteContext, at: cst.CSTNode, name: str) -> _Bindings | None:
    """How the scope that holds `at` binds `name` (None when it is a parameter there, or not bound there)."""
    scope = ctx.tree.scope(at)
    if isinstance(scope, (cst.FunctionDef, cst.Lambda)):
        params = scope.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
        if any(p.name.value == name for p in every):
            return None
    found = _Bindings(name)
    body = scope.body if not isinstance(scope, cst.Module) else scope
    if isinstance(body, cst.Module):
        for statement in body.body:
            statement.visit(found)
    else:
        body.visit(found)
    if not (found.values or found.other or found.defs) and not isinstance(scope, cst.Module):
        # A free name: look in the module (functions and classes are usually defined there).
        module_found = _Bindings(name)
        for statement in ctx.tree.module.body:
            statement.visit(module_found)
        return module_found
    return found


def is_function(ctx: RewriteContext, expr: cst.BaseExpression) -> bool:
    """Whether the expression is certainly a plain function (a lambda or a name bound only by `def`)."""
    if isinstance(expr, cst.Lambda):
        return True
    if isinstance(expr, cst.Name):
        found = bindings(ctx, expr, expr.value)
        return (found is not None and not found.values and not found.other and bool(found.defs)
                and all(isinstance(d, cst.FunctionDef) for d in found.defs))
    return False


def is_class(ctx: RewriteContext, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name):
        found = bindings(ctx, expr, expr.value)
        return (found is not None and not found.values and not found.other and bool(found.defs)
                and all(isinstance(d, cst.ClassDef) for d in found.defs))
    return False


def is_tensor_factory(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Call):
        parts = dotted_parts(expr.func)
        return bool(parts) and len(parts) >= 2 and parts[-1] in TENSOR_FACTORIES
    return False


def tuple_kind(ctx: RewriteContext, expr: cst.BaseExpression) -> str:
    """'tuple', 'single' (certainly not a tuple: one input) or 'unknown'."""
    if isinstance(expr, cst.Tuple):
        return "tuple"
    if is_tensor_factory(expr) or isinstance(expr, (cst.BinaryOperation, cst.Integer, cst.Float)):
        return "single"
    if isinstance(expr, cst.Name):
        found = bindings(ctx, expr, expr.value)
        if found is None or found.other or found.defs or not found.values:
            return "unknown"
        kinds = {tuple_kind(ctx, value) if not isinstance(value, cst.Name) else "unknown" for value in found.values}
        return kinds.pop() if len(kinds) == 1 else "unknown"
    return "unknown"


def single_value(ctx: RewriteContext, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """The one expression a name is assigned from in its scope (None if bound otherwise or more than once)."""
    if not isinstance(expr, cst.Name):
        return None
    found = bindings(ctx, expr, expr.value)
    if found is None or found.other or found.defs or len(found.values) != 1:
        return None
    return found.values[0]
