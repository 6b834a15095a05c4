"""What a rewrite needs to know about the tree around a match: parents, scopes, names, how to spell torch.

Built once per file (only for files with matches) and read by every rewrite; nothing here edits the tree.
"""

from __future__ import annotations

import libcst as cst

from migrate.scan.matches import Match, dotted_parts

_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module)


class _ParentRecorder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.stack: list[cst.CSTNode] = []
        self.names: set[str] = set()
        self.counts: dict[str, int] = {}

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parents[node] = self.stack[-1]
        self.stack.append(node)
        if isinstance(node, cst.Name):
            self.names.add(node.value)
            self.counts[node.value] = self.counts.get(node.value, 0) + 1
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


def dotted(text: str) -> cst.BaseExpression:
    """"a.b.c" -> the Attribute chain."""
    parts = text.split(".")
    expr: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        expr = cst.Attribute(expr, cst.Name(part))
    return expr


class Tree:
    """Parents and names of the module's top-level statements listed in `tops` (all when None).

    Only the statements a rewrite can touch are walked: a large file with one finding costs one
    statement, not the whole module.
    """

    def __init__(self, module: cst.Module, tops: set[int] | None = None) -> None:
        self.module = module
        self.tops = set(range(len(module.body))) if tops is None else set(tops)
        recorder = _ParentRecorder()
        for index in sorted(self.tops):
            statement = module.body[index]
            statement.visit(recorder)
            recorder.parents[statement] = module
        self.top_index = {module.body[i]: i for i in self.tops}
        self.parents = recorder.parents
        self.names = recorder.names  # every identifier spelled anywhere in the module
        self.name_counts = recorder.counts
        self.torch_alias = _module_torch_alias(module)

    # -- navigation ---------------------------------------------------------------------------------
    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode):
        node = self.parents.get(node)
        while node is not None:
            yield node
            node = self.parents.get(node)

    def top_of(self, node: cst.CSTNode) -> int | None:
        """Index in module.body of the top-level statement holding the node."""
        for parent in [node, *self.ancestors(node)]:
            if parent in self.top_index:
                return self.top_index[parent]
        return None

    def statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The statement that holds the node (a simple statement line or a compound statement)."""
        for parent in [node, *self.ancestors(node)]:
            if isinstance(parent, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return parent
        return None

    def scope(self, node: cst.CSTNode) -> cst.CSTNode:
        """The function, lambda, class or module whose body holds the node."""
        for parent in self.ancestors(node):
            if isinstance(parent, _SCOPES):
                return parent
        return self.module

    def function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        for parent in self.ancestors(node):
            if isinstance(parent, cst.FunctionDef):
                return parent
        return None

    # -- names ----------------------------------------------------------------------------------------
    def torch_prefix(self, match: Match) -> tuple[str, bool]:
        """How to spell `torch` where the match stands: (spelling, whether `import torch` must be added).

        `th.jit.trace` -> "th" (the user's own alias); `trace` or `jit.trace` (names imported from torch)
        -> the module's `import torch [as X]` name, else "torch" with the import added.
        """
        parts = dotted_parts(match.node) if isinstance(match.node, (cst.Name, cst.Attribute)) else None
        if parts and len(parts) >= 3 and parts[-2] == "jit" and match.api.startswith("torch.jit."):
            return ".".join(parts[:-2]), False  # the chain spells torch.jit.X: its head spells torch
        if self.torch_alias:
            return self.torch_alias, False
        return "torch", True

    def fresh_name(self, base: str, taken: set[str]) -> str:
        name, index = base, 1
        while name in self.names or name in taken:
            name, index = f"{base}_{index}", index + 1
        taken.add(name)
        return name


def _module_torch_alias(module: cst.Module) -> str | None:
    """The name a module-level `import torch` / `import torch as X` binds (None when there is none)."""
    found = None
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.Import):
                continue
            for alias in small.names:
                name = ".".join(dotted_parts(alias.name) or ())
                if alias.asname is None and (name == "torch" or name.startswith("torch.")):
                    return "torch"
                if name == "torch" and alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    found = found or alias.asname.name.value
    return found


def decorator_of(match: Match) -> cst.Decorator | None:
    """The Decorator node a decorator match stands in."""
    owner = match.owner
    if not isinstance(owner, (cst.FunctionDef, cst.ClassDef)):
        return None
    for decorator in owner.decorators:
        expr = decorator.decorator
        if expr is match.node or (isinstance(expr, cst.Call) and expr.func is match.node):
            return decorator
    return None


def import_bindings(module: cst.Module) -> dict[str, set[tuple[str, str | None, str | None]]]:
    """name -> {(module, obj, asname)} for every `from M import X [as Y]`, `import M as Y` and `import a.b`
    (which binds `a`), anywhere.

    Used to schedule the removal of imports a rewrite may leave unused (RemoveImportsVisitor then
    removes only those that really are unused).
    """
    found: dict[str, set[tuple[str, str | None, str | None]]] = {}

    class Visitor(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> bool:
            for alias in node.names:
                full = ".".join(dotted_parts(alias.name) or ())
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    found.setdefault(alias.asname.name.value, set()).add((full, None, alias.asname.name.value))
                elif full:
                    found.setdefault(full.split(".")[0], set()).add((full, None, None))
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
                return False
            module_name = ".".join(dotted_parts(node.module) or ())
            for alias in node.names:
                if not isinstance(alias.name, cst.Name):
                    continue
                asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
                found.setdefault(asname or alias.name.value, set()).add((module_name, alias.name.value, asname))
            return False

    module.visit(Visitor())
    return found
