"""Cheap pre-filters that let the scanner skip code which provably holds no finding.

Why they cannot miss a finding the parser would report:

1. File level. Every Python rule needs one of the trigger words in the file's text: an API under
   `torch.jit` (and `torch._C._jit_*`) can only be reached through an import or attribute chain that
   spells `jit`; `optimize_for_mobile` through `mobile_optimizer`; `__constants__` and signature type
   comments are spelled out. (Star imports `from torch.jit import *` also spell `jit`.) A file whose
   bytes contain none of them has no finding. Files in an encoding where ASCII words are not ASCII
   bytes (UTF-16/32, detected by BOM or NUL bytes) are never skipped. C++ rules all spell
   `torch/script.h` or `jit` next to `::` (see CPP_TRIGGER).

2. Statement level (`relevant_source`). Inside a file that passes, a statement can only hold a finding
   if its own text contains a trigger word, or a name that an import binds to a trigger API
   (`from torch.jit import script as s` makes `s` a trigger word; so does `f = torch._C._jit_f`).
   The resolver also follows the names that imports from torch bind (`torch`, `th`, `nn`): every
   statement that binds one of those or a trigger name anywhere inside it (found with Python's ast:
   assignment targets, parameters, defs, `global`, ...) is kept too, so no kept read can be resolved
   differently from a full parse. The kept statements are parsed as one module with their original line numbers and columns;
   a class is kept as its header plus the statements of its body that qualify, recursively.
   Imports are always kept. If Python's own parser cannot read the file (newer syntax, Python 2,
   deep nesting), the whole file goes to libcst unchanged.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass

from migrate.source_text import split_lines, statement_start

PY_TRIGGERS = (b"jit", b"mobile_optimizer", b"__constants__")
# A signature type comment is `# type: (...) -> ...` (collect.TYPE_COMMENT); `# type: ignore` is not one.
PY_TYPE_COMMENT = re.compile(rb"#[ \t]*type:[ \t]*\(")
# Every C++ finding spells `torch/script.h`, or `jit` next to `::` (torch::jit::load, jit::load after
# `using namespace torch;`, and the `= torch::jit;` that defines a namespace alias).
CPP_TRIGGER = re.compile(rb"jit\s*::|::\s*jit|torch/script\.h")
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TRIGGER_RE = re.compile(r"jit|mobile_optimizer|__constants__|#[ \t]*type:[ \t]*\(")


def may_contain_findings(data: bytes, language: str) -> bool:
    if data.startswith(_WIDE_BOMS) or b"\x00" in data:
        return True  # not ASCII-compatible: let the full path decide (and report)
    if language == "cpp":
        return CPP_TRIGGER.search(data) is not None
    return any(t in data for t in PY_TRIGGERS) or PY_TYPE_COMMENT.search(data) is not None


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []  # attributes and subscripts bind no name


def _pattern_names(pattern) -> list[str]:
    names = []
    for node in ast.walk(pattern):
        if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.append(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.append(node.rest)
    return names


def _statement_bindings(node) -> list[str]:
    """Names a statement binds (or deletes, or declares global) in the scope it stands in, without
    walking its expressions: what a function binds inside its body is found at that body's statements."""
    if isinstance(node, (ast.Assign, ast.Delete)):
        return [n for target in node.targets for n in _target_names(target)]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        return _target_names(node.target)
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [n for item in node.items if item.optional_vars for n in _target_names(item.optional_vars)]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        a = node.args
        params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(p for p in (a.vararg, a.kwarg) if p)]
        return [node.name, *(p.arg for p in params)]
    if isinstance(node, ast.ClassDef):
        return [node.name]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    if isinstance(node, ast.ExceptHandler):
        return [node.name] if node.name else []
    if isinstance(node, ast.match_case):
        return _pattern_names(node.pattern)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name != "*"]
    return []


def _all_statements(body: list):
    """Every statement, except handler and match case, at any depth: not their expressions."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for field in ("cases", "handlers", "finalbody", "orelse", "body"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                stack.extend(reversed(children))


def _trigger_names(tree: ast.Module, text: str) -> tuple[set[str], list[int]] | None:
    """(trigger names, lines that rebind a name the resolver may follow), or None if a star import
    makes every name a trigger.

    Trigger names are bound to trigger APIs by imports, or by assignments of dotted names
    (`f = torch._C._jit_f`), transitively. The resolver follows every name an import from torch binds
    (`torch`, `th`, `nn`, ...) and every trigger name, so each statement that rebinds one of them must be
    parsed too (`torch = None` shadows `torch` in a class body). Only statements are walked (cheap on
    generated data files); bindings inside expressions are comprehension and lambda variables, local to
    their own scopes, and `:=`, whose statements are then walked in full.
    """
    names: set[str] = set()
    heads: set[str] = set()
    aliases = []  # (name, dotted value) of `name = a.b.c`: the resolver follows these
    bindings: dict[str, list[int]] = {}
    star = False
    walrus = ":=" in text
    for node in _all_statements(tree.body):
        line = getattr(node, "lineno", 0)
        for name in _statement_bindings(node):
            bindings.setdefault(name, []).append(line)
        if walrus and isinstance(node, ast.stmt):
            for inner in ast.walk(node):
                if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                    bindings.setdefault(inner.target.id, []).append(line)
        if isinstance(node, ast.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                dotted = _dotted(node.value)
                if dotted:
                    aliases.append((node.targets[0].id, dotted))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if alias.name == "*":
                    star |= bool(_TRIGGER_RE.search(module))
                    continue
                if module == "torch" or module.startswith("torch."):
                    heads.add(alias.asname or alias.name)
                if _TRIGGER_RE.search(f"{module}.{alias.name}"):
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "torch" or alias.name.startswith("torch."):
                    heads.add(alias.asname or "torch")
                if alias.asname and _TRIGGER_RE.search(alias.name):
                    names.add(alias.asname)
    if star:
        return None
    changed = True
    while changed:
        changed = False
        for name, dotted in aliases:
            if name not in names and (_TRIGGER_RE.search(dotted) or dotted.split(".")[0] in names | heads):
                names.add(name)
                changed = True
    rebinding_lines = sorted({line for name in names | heads for line in bindings.get(name, ())})
    return names, rebinding_lines


class TooComplex(Exception):
    """Code that libcst cannot parse in reasonable time (or at all without overflowing its stack)."""


# libcst's parser slows down sharply with nesting depth (a chain of 1,000 `+` parses in 0.1 s, of 3,000
# in 2-3 s, of 6,000 in over 30 s) and overflows its stack on deeper parentheses: stop well before.
MAX_DEPTH = 1000


def check_depth(nodes) -> None:
    """Raises TooComplex if any of the nodes nests deeper than MAX_DEPTH (an explicit stack: no recursion)."""
    stack = [(node, 0) for node in nodes]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            line = getattr(node, "lineno", None)
            where = f" at line {line}" if line else ""
            raise TooComplex(f"code nested more than {MAX_DEPTH} levels deep{where} (e.g. a generated chain of "
                             f"operators): too deep to analyse")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _any_between(sorted_lines: list[int], start: int, end: int) -> bool:
    i = bisect.bisect_left(sorted_lines, start)
    return i < len(sorted_lines) and sorted_lines[i] <= end


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


@dataclass(frozen=True)
class Relevant:
    """Kept statements: line `i` (1-based) of `source` is line `line_map[i - 1]` of the original;
    `top_lines[k]` is the line of `source` where its k-th top-level statement starts."""

    source: str
    line_map: list[int]
    top_lines: list[int]


def relevant_source(text: str) -> Relevant | None:
    """The statements of `text` that may hold findings, or None when the whole text must be parsed
    (Python's parser failed, or every name may be a trigger)."""
    try:
        tree = ast.parse(text)
    except (RecursionError, MemoryError) as exc:
        raise TooComplex(f"too deeply nested for Python's own parser ({type(exc).__name__})") from None
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg) or "too complex" in str(exc.msg):
            raise TooComplex(f"syntax error at line {exc.lineno}: {exc.msg}") from None
        return None  # newer syntax, Python 2, a real error: libcst parses the whole file and says
    except (ValueError, OverflowError):
        return None
    triggers = _trigger_names(tree, text)
    if triggers is None:
        check_depth([tree])  # libcst parses all of it
        return None
    names, rebinding_lines = triggers
    pattern = _TRIGGER_RE if not names else re.compile(
        _TRIGGER_RE.pattern + "|" + "|".join(rf"\b{re.escape(n)}\b" for n in sorted(names)))
    lines = split_lines(text)
    # Classes matter beyond their own text when `__constants__` is around: "derives from nn.Module" may
    # go through a local base class. Their headers are then kept with a `pass` body.
    keep_class_headers = "__constants__" in text
    kept: list[tuple[int, int] | tuple[str, int]] = []  # line ranges (1-based, inclusive), or synthetic lines
    kept_nodes: list[ast.AST] = []  # what libcst will parse, for the depth check

    top_starts: list[int] = []  # original first line of each kept top-level statement (libcst's Module.body)

    def add(start: int, end: int, top: bool = False) -> None:
        if kept and isinstance(kept[-1][0], int) and start <= kept[-1][1]:  # `a = 1; b = 2` share a line
            kept[-1] = (kept[-1][0], max(end, kept[-1][1]))
        else:
            kept.append((start, end))
            if top:
                top_starts.append(start)

    def keep(statements: list[ast.stmt], top: bool = False) -> bool:
        any_kept = False
        for node in statements:
            start, end = statement_start(node), node.end_lineno or node.lineno
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                add(start, end, top)
                any_kept = True
                continue
            kept_nodes.append(node)
            is_class = isinstance(node, ast.ClassDef)
            matched = bool(pattern.search("".join(lines[start - 1:end]))) or _any_between(rebinding_lines, start, end)
            if not matched and not (is_class and keep_class_headers):
                kept_nodes.pop()
                continue
            any_kept = True
            body = node.body if is_class else None
            first = statement_start(body[0]) if body else 0
            if body and first > node.lineno and not lines[first - 1][:body[0].col_offset].strip():
                kept_nodes[-1:] = [*node.decorator_list, *node.bases, *node.keywords]  # the body is checked as kept
                add(start, first - 1, top)
                if not (matched and keep(body)):  # keep the class valid with a stand-in body
                    indent = re.match(r"[ \t]*", lines[first - 1]).group()
                    kept.append((indent + "pass\n", first - 1))
            else:
                add(start, end, top)
        return any_kept

    keep(tree.body, top=True)
    check_depth(kept_nodes)
    line_map: list[int] = []
    parts: list[str] = []
    for item in kept:
        if isinstance(item[0], str):
            parts.append(item[0])
            line_map.append(item[1])
        else:
            for n in range(item[0], item[1] + 1):
                parts.append(lines[n - 1])
                line_map.append(n)
    if len(line_map) >= len(lines):
        check_depth([tree])
        return None
    source = "".join(parts)
    if source and not source.endswith(("\n", "\r")):
        source += "\n"
    first_synthetic = {}
    for index, original in enumerate(line_map, 1):
        first_synthetic.setdefault(original, index)
    return Relevant(source, line_map, [first_synthetic[n] for n in top_starts])
