"""Pure helpers about source text and source references: scopes, snippets, "file:line" matching.

Nothing here touches the file system: paths are compared as strings, the text comes from the
loader (:mod:`migrate.report.inputs`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from migrate.report.model import SnippetLine

SNIPPET_CONTEXT = 1  # lines shown above and below a finding
MAX_SNIPPET_WIDTH = 160


@dataclass(frozen=True)
class Scope:
    """A function or class of a Python file, decorators included in its line span."""

    name: str  # qualified: "MyCell.forward"
    kind: str  # "function" or "class"
    start: int
    end: int
    parent_class: str  # qualified name of the class a method belongs to ("" otherwise)


def python_scopes(text: str) -> tuple[Scope, ...]:
    """Every function and class in ``text``; empty when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    scopes: list[Scope] = []

    def visit(node: ast.AST, prefix: str, enclosing_class: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                is_class = isinstance(child, ast.ClassDef)
                scopes.append(
                    Scope(name, "class" if is_class else "function", start, child.end_lineno or start,
                          "" if is_class else enclosing_class)
                )
                visit(child, f"{name}.", name if is_class else "")
            else:
                visit(child, prefix, enclosing_class)

    visit(tree, "", "")
    return tuple(scopes)


@dataclass(frozen=True)
class Definition:
    """A top-level class or function and the names its body uses (calls, bases, attributes)."""

    name: str
    start: int  # first decorator line
    end: int
    uses: frozenset[str]
    header: int = 0  # the ``def`` / ``class`` line


def top_level_definitions(text: str) -> dict[str, Definition]:
    """Top-level classes and functions of a Python file by name; empty when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            uses = set()
            for child in ast.walk(node):
                if isinstance(child, ast.Name):
                    uses.add(child.id)
                elif isinstance(child, ast.Attribute):
                    uses.add(child.attr)
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            found[node.name] = Definition(
                node.name, start, node.end_lineno or start, frozenset(uses - {node.name}), node.lineno
            )
    return found


def reachable_spans(
    definitions: dict[str, dict[str, Definition]], path: str, line: int
) -> list[tuple[str, int, int]]:
    """(path, first, last) of the definition holding ``path:line`` and of every top-level class or
    function it uses, directly or through others, among ``definitions`` (path -> name -> Definition).

    A name is looked up in the same file first, else in the one other file that defines it (a name
    defined in several other files is ambiguous and not followed).
    """
    start = next((d for d in definitions.get(path, {}).values() if d.start <= line <= d.end), None)
    if start is None:
        return []
    seen = {(path, start.name)}
    queue = [(path, start)]
    spans = []
    while queue:
        where, definition = queue.pop()
        spans.append((where, definition.start, definition.end))
        for name in sorted(definition.uses):
            if name in definitions.get(where, {}):
                found = [(where, definitions[where][name])]
            else:
                found = [(p, defs[name]) for p, defs in definitions.items() if name in defs]
            if len(found) == 1 and (found[0][0], name) not in seen:
                seen.add((found[0][0], name))
                queue.append(found[0])
    return sorted(spans)


def defines_at(definitions: dict[str, dict[str, Definition]], path: str, line: int) -> bool:
    """Whether ``path:line`` is the decorator or ``def`` line of a top-level function or class.

    The converter names a target by the line of its builder function; any other line means the file
    changed since the conversion ran, and links built from it would be wrong.
    """
    return any(d.start <= line <= d.header for d in definitions.get(path, {}).values())


def innermost(scopes: tuple[Scope, ...], line: int, kind: str | None = None) -> Scope | None:
    """The smallest scope (of ``kind`` if given) whose span holds ``line``."""
    holding = [s for s in scopes if s.start <= line <= s.end and (kind is None or s.kind == kind)]
    return min(holding, key=lambda s: s.end - s.start, default=None)


def link_span(scopes: tuple[Scope, ...], line: int) -> tuple[int, int, str]:
    """The lines whose findings an error at ``line`` is linked to, and the scope's name.

    The innermost function holding the line; for a method, its whole class (a method calls the
    submodules that ``__init__`` scripted or traced); at module level, the line itself.
    """
    function = innermost(scopes, line, "function")
    if function is not None and function.parent_class:
        cls = next((s for s in scopes if s.kind == "class" and s.name == function.parent_class), None)
        if cls is not None:
            return cls.start, cls.end, cls.name
    if function is not None:
        return function.start, function.end, function.name
    cls = innermost(scopes, line, "class")
    if cls is not None:
        return cls.start, cls.end, cls.name
    return line, line, ""


def snippet(text: str | None, line: int, context: int = SNIPPET_CONTEXT) -> tuple[SnippetLine, ...]:
    """Lines around ``line`` (1-based) with that line marked; empty when the text is unknown."""
    if not text:
        return ()
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ()
    first, last = max(1, line - context), min(len(lines), line + context)
    return tuple(
        SnippetLine(n, _clip(lines[n - 1].rstrip()), n == line) for n in range(first, last + 1)
    )


def source_line_text(text: str | None, line: int) -> str:
    """The stripped text of one line ("" when unknown)."""
    found = snippet(text, line, context=0)
    return found[0].text.strip() if found else ""


def _clip(text: str) -> str:
    return text if len(text) <= MAX_SNIPPET_WIDTH else text[: MAX_SNIPPET_WIDTH - 1] + "…"


_REF_PATTERNS = (
    re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)'),
    re.compile(r"(?P<path>[\w./\\:-]+\.(?:py|pyi|cpp|cc|cxx|h|hpp)):(?P<line>\d+)"),
)


def parse_reference(*texts: str | None) -> tuple[str, int] | None:
    """The first "file:line" (or traceback ``File "x", line N``) found in the texts, in order."""
    for text in texts:
        if not text:
            continue
        for pattern in _REF_PATTERNS:
            match = pattern.search(text)
            if match:
                return normalise_path(match["path"]), int(match["line"])
    return None


def normalise_path(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def match_path(reference: str, candidates: list[str] | tuple[str, ...], root: str) -> str | None:
    """Which of ``candidates`` (paths relative to ``root``) the ``reference`` path names.

    ``reference`` may be absolute, relative to the working folder, or relative to the root: an
    exact match under the root wins, else the candidate sharing the longest tail of path parts
    (whole file name at least) with it; a tie between candidates matches none.
    """
    reference = normalise_path(reference)
    root_posix = normalise_path(root).rstrip("/")
    if root_posix and reference.startswith(root_posix + "/"):
        relative = reference[len(root_posix) + 1 :]
        if relative in candidates:
            return relative
    if reference in candidates:
        return reference
    ref_parts = PurePosixPath(reference).parts
    best: list[tuple[int, str]] = []
    for candidate in candidates:
        parts = PurePosixPath(candidate).parts
        shared = 0
        while shared < min(len(parts), len(ref_parts)) and parts[-1 - shared] == ref_parts[-1 - shared]:
            shared += 1
        if shared:
            best.append((shared, candidate))
    if not best:
        return None
    best.sort(reverse=True)
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1]
