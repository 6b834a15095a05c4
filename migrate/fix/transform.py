"""The pure core of the fix stage: source text in, rewritten text and a record of every decision out.

1. `find_matches` on the whole parsed module (the same matching as `migrate scan`);
2. one rewrite per match (the `Rewriter`s of migrate/fix/rewrites), each returning edits or a refusal
   with its reason, plus what the `Finder`s find (rules of the fix stage, e.g. torch.cond for TS601);
3. one transformer applies every edit in a single pass, then libcst's AddImportsVisitor and
   RemoveImportsVisitor add the imports the rewrites need and remove the ones they left unused;
4. the result must parse and compile, else nothing is changed and the reason is returned.
"""

from __future__ import annotations

import ast
import dataclasses
import re

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper

from migrate.fix.imports import RemoveUnusedImports, SortedAdditions, merge_into_existing, move_bindings
from migrate.fix.model import ManualItem, Refusal, Rewrite, RewriteRecord, SourceOutcome
from migrate.fix.rewrites import finders, rewriters
from migrate.fix.rewrites.base import RewriteContext
from migrate.fix.tree import Tree, import_bindings
from migrate.scan.catalogue import rule_by_id
from migrate.scan.matches import find_matches
from migrate.source_text import (SUPPRESS_FILE, StatementPositions, split_lines, statement_lines, suppressed,
                                 syntax_error_reason)

UNSAFE_SKIPPED = "unsafe rewrite not applied (run with --unsafe to apply it): "
_JIT_WORDS = re.compile(r"torch\.?script|\bjit\b|\bscript(ed|ing|able)?\b", re.IGNORECASE)


def _jit_comments(lines: list[str], line: int) -> str:
    """A note for comments on the rewritten line, or on the comment lines right above it, that speak of
    TorchScript: they may no longer hold (they are reported, never edited)."""
    found = []
    at = line - 1
    if 0 <= at < len(lines) and "#" in lines[at] and _JIT_WORDS.search(lines[at][lines[at].index("#"):]):
        found.append(at + 1)
    at -= 1
    while 0 <= at < len(lines) and lines[at].lstrip().startswith("#"):
        if _JIT_WORDS.search(lines[at]) and "migrate" not in lines[at]:
            found.append(at + 1)
        at -= 1
    if not found:
        return ""
    where = ", ".join(str(n) for n in sorted(found))
    return f"; the comment on line {where} speaks of TorchScript/jit: check that it still holds"


class _Apply(cst.CSTTransformer):
    """Applies edits (by identity of the original node) and leaves comment lines above statements."""

    def __init__(self, edits: dict, notes: dict) -> None:
        super().__init__()
        self.edits = edits
        self.notes = notes

    def on_leave(self, original_node, updated_node):
        updated = super().on_leave(original_node, updated_node)
        for build in self.edits.get(original_node, ()):
            if not isinstance(updated, cst.CSTNode):
                break
            updated = build(updated)
        comments = self.notes.get(original_node)
        if comments:
            updated = _with_comments(updated, comments)
        return updated

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        """A block whose first statement an edit removed starts with the next one, without the blank lines
        that stood between them (`def f():` then an empty line reads as a leftover)."""
        body = updated_node.body
        if not body or len(body) >= len(original_node.body) or original_node.body[0].leading_lines:
            return updated_node
        first = body[0]
        lines = list(getattr(first, "leading_lines", ()))
        while lines and lines[0].comment is None:
            lines.pop(0)
        if len(lines) == len(first.leading_lines):
            return updated_node
        return updated_node.with_changes(body=[first.with_changes(leading_lines=lines), *body[1:]])


def _with_comments(node, comments: list[str]):
    lines = [cst.EmptyLine(comment=cst.Comment(text)) for text in comments]
    if isinstance(node, cst.FlattenSentinel):
        first, *rest = node.nodes
        return cst.FlattenSentinel([_with_comments(first, comments), *rest])
    if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and hasattr(node, "leading_lines"):
        return node.with_changes(leading_lines=[*node.leading_lines, *lines])
    return node


class Positions:
    """1-based (line, column) of nodes, measured one top-level statement at a time where possible."""

    def __init__(self, text: str, module: cst.Module, tree: Tree) -> None:
        self.tree = tree
        self.positions = StatementPositions(module, statement_lines(text, module))

    def __call__(self, node: cst.CSTNode) -> tuple[int, int]:
        top = self.tree.top_of(node) if self.positions.first_lines is not None else None
        return self.positions.span(node, top)[:2]


def fix_source(text: str, path: str, enabled: frozenset[str] | None = None, unsafe: bool = True) -> SourceOutcome:
    """Rewrite one module's source. `enabled`: rule ids to act on (None: all). Never raises for bad input."""
    if SUPPRESS_FILE.search(text):
        return SourceOutcome(None)
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, SyntaxError) as exc:
        return SourceOutcome(None, error=syntax_error_reason(exc, text))
    found = find_matches(module)
    matches = [m for m in found if enabled is None or m.rule.id in enabled]
    # The fix stage's own rules run in files that use TorchScript.
    finding = [f for rule, f in finders().items() if enabled is None or rule in enabled] if found else []
    if not matches and not finding:
        return SourceOutcome(None)
    tree = Tree(module, {m.top for m in matches}.union(*(f.tops(module) for f in finding)))
    where = Positions(text, module, tree)
    lines = split_lines(text)
    matches = [m for m in matches if not suppressed(lines, (where(m.node)[0],), m.rule.id)]
    if not matches and not finding:
        return SourceOutcome(None)
    ctx = RewriteContext(tree, matches, path=path)
    rewrites = rewriters()
    plans = []  # (rule id, api, node, recipe, Rewrite | Refusal)
    for match in matches:
        if match.fixable == "none":
            plans.append((match.rule.id, match.api, match.node, match.rule.recipe,
                          Refusal(f"no automatic rewrite{match.detail}; replacement: {match.rule.replacement}")))
            continue
        rewriter = rewrites.get((match.rule.id, match.context))
        outcome = rewriter.function(match, ctx) if rewriter else Refusal("no rewrite for this use")
        plans.append((match.rule.id, match.api, match.node, match.rule.recipe, outcome))
    for finder in finding:
        rule = rule_by_id(finder.rule)
        for node, outcome in finder.find(ctx):
            if not suppressed(lines, (where(node)[0],), rule.id):
                plans.append((rule.id, rule.api, node, rule.recipe, outcome))
    return _apply(text, path, module, tree, plans, where, unsafe)


def _apply(text, path, module, tree, plans, where, unsafe) -> SourceOutcome:
    edits: dict = {}
    notes: dict = {}
    imports = set()
    unused = set()
    records, manual = [], []
    lines = split_lines(text)
    for rule, api, node, recipe, outcome in plans:
        line, column = where(node)
        if isinstance(outcome, Rewrite) and (outcome.safety == "safe" or unsafe):
            for edit in outcome.edits:
                edits.setdefault(edit.target, []).append(edit.build)
            for statement, comment in outcome.notes:
                if comment not in notes.setdefault(statement, []):
                    notes[statement].append(comment)
            imports.update(outcome.imports)
            unused.update(outcome.unused_names)
            reason = outcome.reason + _jit_comments(lines, line)
            records.append(RewriteRecord(rule, api, line, column, outcome.safety, reason))
            continue
        if isinstance(outcome, Rewrite):
            reason = UNSAFE_SKIPPED + outcome.reason
        else:
            reason = outcome.reason
        manual.append(ManualItem(path, line, column, rule, api, recipe, reason))
    manual.sort(key=lambda m: (m.line, m.column, m.rule))
    records.sort(key=lambda r: (r.line, r.column, r.rule))
    if not records:
        return SourceOutcome(None, (), tuple(manual))
    try:
        new_module = _transform(module, tree, edits, notes)
        new_text = _fix_imports(module, new_module, imports, unused).code
        compile(new_text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError, cst.CSTValidationError) as exc:
        detail = syntax_error_reason(exc, "") if isinstance(exc, SyntaxError) else f"{type(exc).__name__}: {exc}"
        reason = f"the rewritten file would not compile ({detail}); left untouched"
        left = [ManualItem(path, r.line, r.column, r.rule, r.api, rule_by_id(r.rule).recipe, reason) for r in records]
        return SourceOutcome(None, (), tuple(sorted(manual + left, key=lambda m: (m.line, m.column))), error=reason,
                             rejected=True)
    if new_text == text:
        return SourceOutcome(None, (), tuple(manual))
    return SourceOutcome(new_text, tuple(records), tuple(manual))


def _transform(module: cst.Module, tree: Tree, edits: dict, notes: dict) -> cst.Module:
    """Apply the edits in one pass over the top-level statements they touch (the others are kept as they are)."""
    touched = {tree.top_of(node) for node in [*edits, *notes]}
    transformer = _Apply(edits, notes)
    body = []
    for index, statement in enumerate(module.body):
        if index not in touched:
            body.append(statement)
            continue
        result = statement.visit(transformer)
        if isinstance(result, cst.FlattenSentinel):
            body.extend(result.nodes)
        elif isinstance(result, cst.CSTNode):
            body.append(result)
    return module.with_changes(body=body)


def _names_read(code: str) -> set[str]:
    """Every name the code reads (Python's ast: fast), plus names listed in __all__ strings."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
              and n.value.isidentifier()}
    return names


def _fix_imports(original: cst.Module, module: cst.Module, imports: set, unused: set) -> cst.Module:
    """Imports the rewrites need (AddImportsVisitor) and those they left unused (RemoveImportsVisitor).

    The removal visitor needs scope analysis of the whole module, the costliest step here, so it only
    runs when a name bound by an import no longer appears anywhere else in the new text.
    """
    context = CodemodContext()
    if imports:
        module = move_bindings(module, set(imports))
        module, imports = merge_into_existing(module, set(imports))
    if imports:
        for item in sorted(imports, key=lambda i: (i.module, i.obj or "")):
            AddImportsVisitor.add_needed_import(context, item.module, item.obj)
        module = module.visit(AddImportsVisitor(context))
        module = module.visit(SortedAdditions({(i.module, i.obj) for i in imports if i.obj}))
    bindings = import_bindings(original)
    read = _names_read(module.code) if unused else set()
    scheduled = False
    for name in sorted(unused):
        if name in bindings and name not in read:
            for module_name, obj, asname in sorted(bindings[name], key=str):
                RemoveImportsVisitor.remove_unused_import(context, module_name, obj, asname)
            scheduled = True
    if scheduled:
        # As Codemod.transform_module does, without its deep copy of the module (costly on large files).
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        visitor = RemoveUnusedImports(context)
        with visitor.resolve(wrapper):
            visitor.context = dataclasses.replace(visitor.context, wrapper=wrapper)
            module = visitor.transform_module_impl(wrapper.module)
    return module
