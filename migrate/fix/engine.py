"""The pure core of the fix stage: source text in, rewritten text and a record of every decision out.

1. `find_matches` on the whole parsed module (the same engine as `migrate scan`);
2. one rewrite per match (migrate/fix/rewrites), each returning edits or a refusal with its reason,
   plus the torch.cond suggestions for data-dependent branches in `forward`;
3. one transformer applies every edit in a single pass, then libcst's AddImportsVisitor and
   RemoveImportsVisitor add the imports the rewrites need and remove the ones they left unused;
4. the result must parse and compile, else nothing is changed and the reason is returned.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from migrate.fix import cond
from migrate.fix.model import ManualItem, Refusal, Rewrite, RewriteRecord, SourceOutcome
from migrate.fix.rewrites import all_rewrites
from migrate.fix.rewrites.base import Context
from migrate.fix.tree import Tree, import_bindings
from migrate.scan.analyze import SUPPRESS, SUPPRESS_FILE, syntax_error_reason
from migrate.scan.prefilter import split_lines
from migrate.scan.python import find_matches

UNSAFE_SKIPPED = "unsafe rewrite not applied (run with --unsafe to apply it): "


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


def _with_comments(node, comments: list[str]):
    lines = [cst.EmptyLine(comment=cst.Comment(text)) for text in comments]
    if isinstance(node, cst.FlattenSentinel):
        first, *rest = node.nodes
        return cst.FlattenSentinel([_with_comments(first, comments), *rest])
    if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and hasattr(node, "leading_lines"):
        return node.with_changes(leading_lines=[*node.leading_lines, *lines])
    return node


def _suppressed(lines: list[str], line: int, rule: str) -> bool:
    if 0 < line <= len(lines):
        hit = SUPPRESS.search(lines[line - 1])
        if hit and (hit.group(1) is None or
                    any(rule.startswith(code.strip()) for code in hit.group(1).split(",") if code.strip())):
            return True
    return False


def fix_source(text: str, path: str, enabled: frozenset[str] | None = None, unsafe: bool = True) -> SourceOutcome:
    """Rewrite one module's source. `enabled`: rule ids to act on (None: all). Never raises for bad input."""
    if SUPPRESS_FILE.search(text):
        return SourceOutcome(None)
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, SyntaxError) as exc:
        return SourceOutcome(None, error=syntax_error_reason(exc, text))
    matches = [m for m in find_matches(module) if enabled is None or m.rule.id in enabled]
    if not matches:
        return SourceOutcome(None)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    lines = split_lines(text)

    def where(node) -> tuple[int, int]:
        start = positions[node].start
        return start.line, start.column + 1

    matches = [m for m in matches if not _suppressed(lines, where(m.node)[0], m.rule.id)]
    if not matches:
        return SourceOutcome(None)
    tree = Tree(module)
    ctx = Context(tree, matches)
    rewrites = all_rewrites()
    plans = []  # (rule id, api, node, recipe, Rewrite | Refusal | None)
    for match in matches:
        if match.fixable == "none":
            plans.append((match.rule.id, match.api, match.node, match.rule.recipe,
                          Refusal(f"no automatic rewrite{match.detail}; replacement: {match.rule.replacement}")))
            continue
        function = rewrites.get((match.rule.id, match.context))
        outcome = function(match, ctx) if function else Refusal("no rewrite for this use")
        plans.append((match.rule.id, match.api, match.node, match.rule.recipe, outcome))
    if enabled is None or cond.RULE in enabled:
        for node, outcome in cond.suggestions(ctx):
            if not _suppressed(lines, where(node)[0], cond.RULE):
                plans.append((cond.RULE, cond.API, node, cond.RECIPE, outcome))
    return _apply(text, path, module, plans, where, unsafe)


def _apply(text, path, module, plans, where, unsafe) -> SourceOutcome:
    edits: dict = {}
    notes: dict = {}
    imports = set()
    unused = set()
    records, manual = [], []
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
            records.append(RewriteRecord(rule, api, line, column, outcome.safety, outcome.reason))
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
        new_module = module.visit(_Apply(edits, notes))
        new_module = _fix_imports(module, new_module, imports, unused)
        new_text = new_module.code
        compile(new_text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError, cst.CSTValidationError) as exc:
        detail = syntax_error_reason(exc, "") if isinstance(exc, SyntaxError) else f"{type(exc).__name__}: {exc}"
        reason = f"the rewritten file would not compile ({detail}); left untouched"
        left = [ManualItem(path, r.line, r.column, r.rule, r.api, _recipe(r.rule), reason) for r in records]
        return SourceOutcome(None, (), tuple(sorted(manual + left, key=lambda m: (m.line, m.column))), error=reason,
                             rejected=True)
    if new_text == text:
        return SourceOutcome(None, (), tuple(manual))
    return SourceOutcome(new_text, tuple(records), tuple(manual))


def _recipe(rule: str) -> str:
    if rule == cond.RULE:
        return cond.RECIPE
    from migrate.scan.catalogue import rule_by_id

    return rule_by_id(rule).recipe


def _fix_imports(original: cst.Module, module: cst.Module, imports: set, unused: set) -> cst.Module:
    if not imports and not unused:
        return module
    context = CodemodContext()
    for item in sorted(imports, key=lambda i: (i.module, i.obj or "")):
        AddImportsVisitor.add_needed_import(context, item.module, item.obj)
    bindings = import_bindings(original)
    for name in sorted(unused):
        if name in bindings:
            module_name, obj, asname = bindings[name]
            RemoveImportsVisitor.remove_unused_import(context, module_name, obj, asname)
    if imports:
        module = AddImportsVisitor(context).transform_module(module)
    if unused:
        module = RemoveImportsVisitor(context).transform_module(module)
    return module
