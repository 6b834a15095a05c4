"""Import edits after the rewrites. Added names join a sorted `from M import a, b` in their sorted place
(AddImportsVisitor puts them first). Removing the imports a rewrite left unused: libcst's RemoveImportsVisitor (its scope analysis decides what
is still read), with two guards of our own.

- Comment lines written above a removed import statement stay: they move onto the statement that
  follows in the same block (the file's footer when the import was the last statement).
- An import inside `try:` is kept even when nothing reads it: `try: import torch except ImportError:`
  checks availability, which removing the import would change.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import RemoveImportsVisitor

_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


class RemoveUnusedImports(RemoveImportsVisitor):
    """RemoveImportsVisitor that keeps comments above a removed statement and imports inside `try:`."""

    def __init__(self, context) -> None:
        super().__init__(context)
        self._tries = 0
        self._blocks: list[list[cst.EmptyLine]] = []  # comment lines waiting for the next statement, per block
        self._heads: list[str] = []  # per block: "start", "removed" (only removed statements so far) or "kept"

    # -- imports inside try: kept ---------------------------------------------------------------------------
    def visit_Try(self, node: cst.Try) -> None:
        self._tries += 1

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.Try:
        self._tries -= 1
        return updated_node

    def leave_Import(self, original_node, updated_node):
        return updated_node if self._tries else super().leave_Import(original_node, updated_node)

    def leave_ImportFrom(self, original_node, updated_node):
        return updated_node if self._tries else super().leave_ImportFrom(original_node, updated_node)

    # -- comments above a removed statement: kept -------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._blocks.append([])
        self._heads.append("start")
        return super().visit_Module(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._blocks.append([])
        self._heads.append("start")

    def leave_IndentedBlock(self, original_node, updated_node):
        self._blocks.pop()
        self._heads.pop()  # comments after the last statement of a block: rare, and then dropped with it
        return updated_node

    def leave_Module(self, original_node, updated_node):
        pending = self._blocks.pop() if self._blocks else []
        self._heads.pop()
        if pending:
            header = [] if updated_node.body else list(updated_node.header)
            updated_node = updated_node.with_changes(footer=[*header, *pending, *updated_node.footer])
        return super().leave_Module(original_node, updated_node) if hasattr(super(), "leave_Module") \
            else updated_node

    def on_leave(self, original_node, updated_node):
        updated = super().on_leave(original_node, updated_node)
        if not isinstance(original_node, _STATEMENTS) or not self._blocks:
            return updated
        if isinstance(original_node, cst.SimpleStatementLine) and (
                isinstance(updated, cst.RemovalSentinel) or
                (isinstance(updated, cst.SimpleStatementLine) and not updated.body)):
            if any(line.comment is not None for line in original_node.leading_lines):
                self._blocks[-1].extend(original_node.leading_lines)
            if self._heads[-1] == "start":
                self._heads[-1] = "removed"
            return cst.RemoveFromParent()
        pending, head = self._blocks[-1], self._heads[-1]
        self._heads[-1] = "kept"
        if isinstance(updated, _STATEMENTS) and (pending or head == "removed"):
            self._blocks[-1] = []
            leading = list(updated.leading_lines)
            if head == "removed" and not pending:
                # The block's first statements were removed: the blank lines that followed them go too.
                while leading and leading[0].comment is None:
                    leading.pop(0)
            return updated.with_changes(leading_lines=[*pending, *leading])
        return updated


class SortedAdditions(cst.CSTTransformer):
    """`from typing import Final, Any, Dict` (Final added by AddImportsVisitor, first) -> `Any, Dict, Final`,
    when the names that were there stood sorted."""

    def __init__(self, added: set[tuple[str, str]]) -> None:
        super().__init__()
        self.added = added

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        names = updated_node.names
        if isinstance(names, cst.ImportStar) or len(names) < 2 or updated_node.relative or \
                updated_node.module is None or updated_node.lpar:
            return updated_node
        module = cst.helpers.get_full_name_for_node(updated_node.module)
        first = names[0]
        if (module, first.evaluated_name) not in self.added or first.asname is not None:
            return updated_node
        rest = [alias.evaluated_name for alias in names[1:]]
        if rest != sorted(rest):
            return updated_node
        order = sorted(names, key=lambda alias: alias.evaluated_name)
        if [a.evaluated_name for a in order] == [a.evaluated_name for a in names]:
            return updated_node
        rebuilt = [alias.with_changes(comma=slot.comma) for alias, slot in zip(order, names)]
        return updated_node.with_changes(names=rebuilt)


def _module_name(node) -> str | None:
    return cst.helpers.get_full_name_for_node(node) if node is not None else None


def merge_into_existing(module: cst.Module, imports: set) -> tuple[cst.Module, set]:
    """Add the needed `from M import name` to a module-level `from M import ...` wherever it stands, and drop
    a needed `import M` that a module-level statement already makes; the rest is left to AddImportsVisitor.

    AddImportsVisitor only looks at the imports that lead the module: with `__all__ = [...]` above them
    (timm's tiny_vit.py) it wrote a second `from typing import Final` under the docstring. A name joins
    the statement at its sorted place when the names there are sorted, else at the end."""
    wanted_from: dict[str, list[str]] = {}
    for item in imports:
        if item.obj:
            wanted_from.setdefault(item.module, []).append(item.obj)
    bound_plain = set()
    targets: dict[str, int] = {}  # module -> index of the first plain (unparenthesised, unaliased) from-import
    for index, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                bound_plain.update(_module_name(a.name) for a in small.names if a.asname is None)
            elif (isinstance(small, cst.ImportFrom) and not small.relative and not isinstance(small.names, cst.ImportStar)
                  and small.lpar is None and len(statement.body) == 1):
                name = _module_name(small.module)
                if name in wanted_from and name not in targets:
                    targets[name] = index
    left = {i for i in imports if not (i.obj is None and i.module in bound_plain) and not (i.obj and i.module in targets)}
    if not targets:
        return module, left
    body = list(module.body)
    for name, index in targets.items():
        statement = body[index]
        node = statement.body[0]
        present = {a.evaluated_name for a in node.names if a.asname is None}
        names = list(node.names)
        was_sorted = [a.evaluated_name for a in names] == sorted(a.evaluated_name for a in names)
        for obj in sorted(set(wanted_from[name]) - present):
            position = next((i for i, a in enumerate(names) if a.evaluated_name > obj), len(names)) if was_sorted \
                else len(names)
            names.insert(position, cst.ImportAlias(name=cst.Name(obj)))
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        names = [a.with_changes(comma=comma) for a in names[:-1]] + [names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        body[index] = statement.with_changes(body=[node.with_changes(names=names)])
    return module.with_changes(body=body), left


def move_bindings(module: cst.Module, imports: set) -> cst.Module:
    """For each needed `from M import name` that replaces an import of `name` from another module
    (`Import.replaces`: `from torch.jit import Final` -> `from typing import Final`), drop `name` from the
    module-level `from <replaces> import ...` statements (the whole statement when it was the only name),
    keeping their comments on the statement that follows. The uses keep their spelling."""
    moves = {(i.replaces, i.obj) for i in imports if i.replaces and i.obj}
    if not moves:
        return module
    body, pending = [], []
    for statement in module.body:
        node = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
        if isinstance(node, cst.ImportFrom) and not node.relative and not isinstance(node.names, cst.ImportStar):
            name = _module_name(node.module)
            kept = [a for a in node.names if not ((name, a.evaluated_name) in moves and a.asname is None)]
            if len(kept) != len(node.names):
                if not kept:
                    pending += [line for line in statement.leading_lines if line.comment]
                    continue
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                statement = statement.with_changes(body=[node.with_changes(names=kept)])
        if pending:
            statement = statement.with_changes(leading_lines=[*pending, *statement.leading_lines])
            pending = []
        body.append(statement)
    return module.with_changes(body=body)
