"""One traversal of a libcst module that records what name resolution needs.

Every dotted name read (with its scope and its position in the flow), every binding (imports,
assignments, defs, parameters, ...), `__constants__` in classes and signature type comments. Names are
resolved afterwards (resolve.py), when every scope is complete; matches.py turns them into matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from migrate.scan.resolve import Binding, Chain, LocalClass, Scope

TYPE_COMMENT = re.compile(r"#[ \t]*type:[ \t]*\(.*\)\s*->")  # the pre-filter's PY_TYPE_COMMENT must match it too


@dataclass(frozen=True, eq=False)
class Site:
    chain: Chain
    node: cst.CSTNode
    context: str
    call: cst.Call | None = None
    owner: cst.CSTNode | None = None
    top: int = 0


def dotted_parts(expr: cst.BaseExpression) -> tuple[str, ...] | None:
    """`a.b.c` -> ("a", "b", "c"); None when the expression is not a plain dotted name."""
    parts = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        parts.append(expr.value)
        return tuple(reversed(parts))
    return None


def _import_module_name(node: cst.ImportFrom) -> str | None:
    if node.relative or node.module is None:
        return None  # relative imports are not resolved: they never name torch from outside torch
    return ".".join(dotted_parts(node.module) or ())


class Collector(cst.CSTVisitor):
    def __init__(self, star_bindings: dict[str, dict[str, str]] | None = None) -> None:
        self.star_bindings = star_bindings or {}  # what star imports of tree modules bind (star_imports.py)
        self.module_scope = Scope("module", None)
        self.scope = self.module_scope
        self.order = 0
        self.cond = 0  # > 0 while inside a branch, loop, try or match of the current scope
        self.contexts: list[str] = []
        self.sites: list[Site] = []
        self.class_attributes: list[tuple[LocalClass, cst.CSTNode, cst.ClassDef]] = []
        self.type_comments: list[tuple[cst.Comment, cst.FunctionDef]] = []
        self.imports_torch = False
        self.top = 0  # index of the top-level statement being visited

    # -- bookkeeping ------------------------------------------------------------------------------
    def _tick(self) -> int:
        self.order += 1
        return self.order

    def _bind(self, name: str, value) -> None:
        scope = self.scope
        if name in scope.globals:
            scope = scope.module()
        scope.bindings.setdefault(name, []).append(Binding(self._tick(), value, self.cond > 0))

    def _bind_target(self, target: cst.BaseExpression, value=None) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None)
        else:  # attribute or subscript targets bind no name but read some
            target.visit(self)

    def _site(self, expr, context: str, call=None, owner=None) -> bool:
        parts = dotted_parts(expr)
        if parts is None:
            return False
        self.sites.append(Site(Chain(self.scope, self._tick(), parts), expr, context, call, owner, self.top))
        return True

    def _context(self) -> str:
        return self.contexts[-1] if self.contexts else "reference"

    def _push(self, kind: str) -> tuple:
        saved = (self.scope, self.cond)
        self.scope, self.cond = Scope(kind, self.scope), 0
        return saved

    def _pop(self, saved: tuple) -> None:
        self.scope, self.cond = saved

    def _visit_all(self, nodes) -> None:
        for node in nodes:
            if node is not None:
                node.visit(self)

    # -- imports ----------------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            full = ".".join(dotted_parts(alias.name) or ())
            self.imports_torch |= full == "torch" or full.startswith("torch.")
            if alias.asname is not None:
                self._bind_target(alias.asname.name, full)
            else:
                self._bind(full.split(".")[0], full.split(".")[0])
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = _import_module_name(node)
        if module is not None:
            self.imports_torch |= module == "torch" or module.startswith("torch.")
        if isinstance(node.names, cst.ImportStar):
            named = ".".join(dotted_parts(node.module) or ()) if node.module is not None else ""
            spec = "." * len(node.relative) + named
            if spec in self.star_bindings:  # a module of the scanned tree that imports torch names
                self.imports_torch = True
                for name, value in self.star_bindings[spec].items():
                    self._bind(name, value)
                return False
            if module is not None:  # bind every catalogue name that lives in that module
                from migrate.scan.catalogue import names_in_module

                for name, api in names_in_module(module).items():
                    self._bind(name, api)
            return False
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else None
            value = f"{module}.{name}" if module is not None and name else None
            target = alias.asname.name if alias.asname is not None else alias.name
            self._bind_target(target, value)
        return False

    def visit_Global(self, node: cst.Global) -> bool:
        self.scope.globals.update(item.name.value for item in node.names)
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        self.scope.nonlocals.update(item.name.value for item in node.names)
        return False

    # -- definitions ------------------------------------------------------------------------------
    def _visit_decorators(self, decorators, owner) -> None:
        for decorator in decorators:
            expr = decorator.decorator
            if self._site(expr, "decorator", owner=owner):
                continue
            if isinstance(expr, cst.Call) and self._site(expr.func, "decorator", call=expr, owner=owner):
                self._visit_all(expr.args)
            else:
                expr.visit(self)

    def _params(self, params: cst.Parameters) -> list[cst.Param]:
        star = [params.star_arg] if isinstance(params.star_arg, cst.Param) else []
        kwargs = [params.star_kwarg] if params.star_kwarg is not None else []
        return [*params.posonly_params, *params.params, *star, *params.kwonly_params, *kwargs]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._visit_decorators(node.decorators, node)
        params = self._params(node.params)
        for param in params:  # defaults and annotations are evaluated in the enclosing scope
            self._visit_all((param.default, param.annotation))
        self._visit_all((node.returns,))
        self._bind(node.name.value, None)
        self._collect_type_comments(node)
        saved = self._push("function")
        for param in params:
            self._bind(param.name.value, None)
        node.body.visit(self)
        self._pop(saved)
        return False

    def _collect_type_comments(self, node: cst.FunctionDef) -> None:
        body = node.body
        if not isinstance(body, cst.IndentedBlock):
            return
        comments = [body.header.comment] if body.header.comment else []
        if body.body:
            comments += [line.comment for line in body.body[0].leading_lines if line.comment]
        for comment in comments:
            if TYPE_COMMENT.match(comment.value):
                self.type_comments.append((comment, node, self.top))

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._visit_decorators(node.decorators, node)
        bases = []
        for arg in node.bases:
            if self._site(arg.value, "base", owner=node):
                bases.append(self.sites[-1].chain)
            else:
                arg.value.visit(self)
        for arg in node.keywords:
            arg.value.visit(self)
        local = LocalClass(node.name.value, bases)
        self._bind(node.name.value, local)
        if isinstance(node.body, cst.IndentedBlock):
            for statement in node.body.body:
                if not isinstance(statement, cst.SimpleStatementLine):
                    continue
                for small in statement.body:
                    targets = ()
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                    elif isinstance(small, cst.AnnAssign):
                        targets = [small.target]
                    if any(isinstance(t, cst.Name) and t.value == "__constants__" for t in targets):
                        self.class_attributes.append((local, small, node, self.top))
        saved = self._push("class")
        node.body.visit(self)
        self._pop(saved)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        params = self._params(node.params)
        self._visit_all(p.default for p in params)
        saved = self._push("lambda")
        for param in params:
            self._bind(param.name.value, None)
        node.body.visit(self)
        self._pop(saved)
        return False

    def _visit_comprehension(self, node) -> bool:
        saved = self._push("comprehension")
        node.for_in.visit(self)
        self._visit_all(getattr(node, name, None) for name in ("elt", "key", "value"))
        self._pop(saved)
        return False

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _visit_comprehension

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        node.iter.visit(self)
        self._bind_target(node.target)
        self._visit_all((*node.ifs, node.inner_for_in))
        return False

    # -- statements that bind ---------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> bool:
        node.value.visit(self)
        parts = dotted_parts(node.value)
        alias = Chain(self.scope, self.order, parts) if parts and len(node.targets) == 1 else None
        for target in node.targets:
            self._bind_target(target.target, alias)
        return False

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        node.annotation.visit(self)
        if node.value is not None:
            node.value.visit(self)
            self._bind_target(node.target)
        elif not isinstance(node.target, cst.Name):
            node.target.visit(self)
        return False

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        self._visit_all((node.value, node.target))
        if isinstance(node.target, cst.Name):
            self._bind(node.target.value, None)
        return False

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        node.value.visit(self)
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        scope.bindings.setdefault(node.target.value, []).append(Binding(self._tick(), None, True))
        return False

    def visit_For(self, node: cst.For) -> bool:
        node.iter.visit(self)
        self.cond += 1
        self._bind_target(node.target)
        self._visit_all((node.body, node.orelse))
        self.cond -= 1
        return False

    def visit_With(self, node: cst.With) -> bool:
        for item in node.items:
            item.item.visit(self)
            if item.asname is not None:
                self._bind_target(item.asname.name)
        node.body.visit(self)
        return False

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        self._visit_all((node.type,))
        if node.name is not None:
            self._bind_target(node.name.name)
        node.body.visit(self)
        return False

    visit_ExceptStarHandler = visit_ExceptHandler

    def visit_Del(self, node: cst.Del) -> bool:
        self._bind_target(node.target)
        return False

    def visit_MatchAs(self, node: cst.MatchAs) -> bool:
        self._visit_all((node.pattern,))
        if node.name is not None:
            self._bind(node.name.value, None)
        return False

    def visit_MatchStar(self, node: cst.MatchStar) -> bool:
        if node.name is not None:
            self._bind(node.name.value, None)
        return False

    def visit_MatchMapping(self, node: cst.MatchMapping) -> bool:
        self._visit_all(node.elements)
        if node.rest is not None:
            self._bind(node.rest.value, None)
        return False

    def visit_MatchKeywordElement(self, node: cst.MatchKeywordElement) -> bool:
        node.pattern.visit(self)
        return False

    # Branches, loops and handlers make their bindings conditional.
    def _enter_branch(self, node) -> bool:
        self.cond += 1
        return True

    def _leave_branch(self, node) -> None:
        self.cond -= 1

    visit_If = visit_While = visit_Try = visit_TryStar = visit_Match = _enter_branch
    leave_If = leave_While = leave_Try = leave_TryStar = leave_Match = _leave_branch

    # -- reads ------------------------------------------------------------------------------------
    def visit_Annotation(self, node: cst.Annotation) -> bool:
        self.contexts.append("annotation")
        return True

    def leave_Annotation(self, node: cst.Annotation) -> None:
        self.contexts.pop()

    def visit_Name(self, node: cst.Name) -> bool:
        self._site(node, self._context())
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if not self._site(node, self._context()):
            node.value.visit(self)  # `f().jit.script`: read what is inside, never the attribute names
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # a keyword's name is not a read
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        if not self._site(func, "call", call=node):
            func.visit(self)
        if isinstance(func, cst.Name) and func.value in ("isinstance", "issubclass") and len(node.args) >= 2:
            node.args[0].visit(self)
            second = node.args[1].value
            elements = [e.value for e in second.elements] if isinstance(second, cst.Tuple) else [second]
            for element in elements:
                if not self._site(element, "isinstance", call=node):
                    element.visit(self)
            self._visit_all(node.args[2:])
        else:
            self._visit_all(node.args)
        return False
