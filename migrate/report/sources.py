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
    """A top-level class or function and the names its body uses.

    ``uses`` holds plain names (``MyCell``) and ``module.attribute`` pairs (``cells.MyCell``).
    """

    name: str
    start: int  # first decorator line
    end: int
    uses: frozenset[str]
    header: int = 0  # the ``def`` / ``class`` line


@dataclass(frozen=True)
class Outline:
    """What the links need from one Python file: its top-level definitions and its imports.

    ``imports`` maps a local name to (module, name): ``from .cells import MyCell as C`` gives
    ``{"C": (".cells", "MyCell")}``, ``import pkg.cells as c`` gives ``{"c": ("pkg.cells", None)}``.
    """

    definitions: dict
    imports: dict


def outline(text: str) -> Outline:
    """The :class:`Outline` of a Python file (empty when it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Outline({}, {})
    definitions, imports = {}, {}
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                imports[alias.asname or alias.name] = (module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = (alias.name, None)
                else:  # `import a.b` binds `a`
                    top = alias.name.split(".")[0]
                    imports[top] = (top, None)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            uses = set()
            for child in ast.walk(node):
                if isinstance(child, ast.Name):
                    uses.add(child.id)
                elif isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
                    uses.add(f"{child.value.id}.{child.attr}")
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            definitions[node.name] = Definition(
                node.name, start, node.end_lineno or start, frozenset(uses - {node.name}), node.lineno
            )
    return Outline(definitions, imports)


def module_file(module: str, importer: str, paths) -> str | None:
    """The path among ``paths`` that ``import module`` in the file ``importer`` reads, if scanned.

    Relative imports resolve against the importer's folder; absolute ones match the end of a path
    (``models.cells`` -> ``…/models/cells.py`` or ``…/models/cells/__init__.py``), the importer's
    own folder winning a tie.
    """
    level = len(module) - len(module.lstrip("."))
    parts = [p for p in module.lstrip(".").split(".") if p]
    if level:
        base = PurePosixPath(importer).parent
        for _ in range(level - 1):
            base = base.parent
        tail = "/".join([str(base)] + parts) if str(base) not in ("", ".") else "/".join(parts)
        wanted = [f"{tail}.py", f"{tail}/__init__.py"]
        return next((p for p in wanted if p in paths), None)
    tail = "/".join(parts)
    if not tail:
        return None
    found = [p for p in paths if any(p == t or p.endswith("/" + t) for t in (f"{tail}.py", f"{tail}/__init__.py"))]
    if len(found) > 1:
        folder = str(PurePosixPath(importer).parent)
        found = [p for p in found if str(PurePosixPath(p).parent).startswith(folder)] or found
    return found[0] if len(found) == 1 else None


def reachable_spans(outlines: dict[str, Outline], path: str, line: int) -> list[tuple[str, int, int]]:
    """(path, first, last) of the definition holding ``path:line`` and of every top-level class or
    function it uses, directly or through others, following Python's own name binding: a name is
    defined in the same file, or imported from another scanned file (``from cells import MyCell``,
    ``import cells`` then ``cells.MyCell``). Names from elsewhere (torch, the standard library) end
    the walk.
    """
    here = outlines.get(path)
    start = next((d for d in here.definitions.values() if d.start <= line <= d.end), None) if here else None
    if start is None:
        return []
    seen = {(path, start.name)}
    queue = [(path, start)]
    spans = []
    while queue:
        where, definition = queue.pop()
        spans.append((where, definition.start, definition.end))
        for used in sorted(definition.uses):
            target = _resolve(outlines, where, used)
            if target is not None and (target[0], target[1].name) not in seen:
                seen.add((target[0], target[1].name))
                queue.append(target)
    return sorted(spans)


def _resolve(outlines: dict[str, Outline], where: str, used: str) -> tuple[str, Definition] | None:
    local = outlines[where]
    if used in local.definitions:
        return where, local.definitions[used]
    name, _, attribute = used.partition(".")
    if name not in local.imports:
        return None
    module, imported = local.imports[name]
    if imported is None and not attribute:
        return None  # a module used as a whole
    if imported is not None and attribute:
        return None  # an attribute of an imported class or function
    source = module_file(module, where, outlines)
    if source is None:
        return None
    definition = outlines[source].definitions.get(imported or attribute)
    return (source, definition) if definition is not None else None


def defines_at(outlines: dict[str, Outline], path: str, line: int) -> bool:
    """Whether ``path:line`` is the decorator or ``def`` line of a top-level function or class.

    The converter names a target by the line of its builder function; any other line means the file
    changed since the conversion ran, and links built from it would be wrong.
    """
    here = outlines.get(path)
    return here is not None and any(d.start <= line <= d.header for d in here.definitions.values())


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
