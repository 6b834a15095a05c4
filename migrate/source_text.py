"""Python source text as the scanner and the codemods both read it.

Decoding (BOM, PEP 263 coding cookie, UTF-8 default), line splitting as Python's tokenizer does it,
the suppression comments (`# migrate: ignore[...]`, `# migrate: ignore-file`), syntax error reasons a
person can act on, and node positions measured one top-level statement at a time (libcst renders the
code it measures: measuring one statement costs that statement, not the whole file).
Pure functions of text; no file system access.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Iterable

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

SUPPRESS = re.compile(r"(?:#|//|/\*)\s*migrate:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?(?![\w-])")
SUPPRESS_FILE = re.compile(r"#\s*migrate:\s*ignore-file\b")
_PY2_HINTS = re.compile(r"^\s*(print\s+[\"'\w]|exec\s+[\"']|except\s+[\w.]+\s*,\s*\w+\s*:)|^\s*\w+\s*=\s*\d+L\b|ur[\"']",
                        re.MULTILINE)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Lines as Python's tokenizer sees them (only \\n, \\r\\n and \\r end a line), ends kept."""
    return _LINE.findall(text)


def suppressed(lines: list[str], line_numbers: Iterable[int], rule: str) -> bool:
    """Whether a `migrate: ignore` comment on one of the (1-based) lines hides `rule` (ids or prefixes)."""
    for number in line_numbers:
        if 0 < number <= len(lines):
            hit = SUPPRESS.search(lines[number - 1])
            if hit and (hit.group(1) is None or
                        any(rule.startswith(code.strip()) for code in hit.group(1).split(",") if code.strip())):
                return True
    return False


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    bom: bool


class DecodeError(Exception):
    pass


def decode_python(data: bytes) -> Decoded:
    if b"\x00" in data:
        raise DecodeError("contains NUL bytes (a binary file, or UTF-16/32 text, which Python does not accept)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # unknown codec in the cookie, or a BOM that contradicts it
        raise DecodeError(f"bad encoding declaration: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    bom = encoding == "utf-8-sig"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        raise DecodeError(f"not valid {encoding.replace('-sig', '')} text{where} (declare the encoding with a "
                          f"coding comment or convert the file)") from None
    return Decoded(text, "utf-8" if bom else encoding, bom)


def syntax_error_reason(exc: Exception, text: str) -> str:
    """One position and one message. Python's own parser says where the error is as the user's tools
    do (libcst's position can be a line later, with a second position inside its message), so it is
    asked first; libcst's own words stand only where Python parses the file (syntax libcst lacks)."""
    if isinstance(exc, cst.ParserSyntaxError):
        python = _python_syntax_error(text)
        if python is not None:
            exc = python
        else:
            message = _LIBCST_POSITION.sub("", exc.message)
            reason = f"syntax error at line {exc.raw_line}, column {exc.raw_column + 1}: {message}"
    if isinstance(exc, SyntaxError):
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        reason = f"syntax error at {where}: {exc.msg}"
    elif not isinstance(exc, cst.ParserSyntaxError):
        reason = f"cannot parse: {exc}"
    if _PY2_HINTS.search(text):
        reason += " (this looks like Python 2 code)"
    return reason


_LIBCST_POSITION = re.compile(r"^(parser error: )?error at \d+:\d+: ")


def _python_syntax_error(text: str) -> SyntaxError | None:
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError, OverflowError):
        return None
    return None


def statement_start(node: ast.stmt) -> int:
    """The first line of a statement's code, its decorators included."""
    decorators = getattr(node, "decorator_list", None)
    return min([node.lineno, *(d.lineno for d in decorators)]) if decorators else node.lineno


def statement_lines(text: str, module: cst.Module) -> list[int] | None:
    """The first line of code of each top-level statement (Python's own parser: fast), or None when
    its statements cannot be paired one to one with libcst's."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    starts: list[int] = []
    previous_end = -1
    for node in tree.body:
        start = statement_start(node)
        if start != previous_end:  # `a = 1; b = 2` is one libcst statement line
            starts.append(start)
        previous_end = node.end_lineno
    return starts if len(starts) == len(module.body) else None


class StatementPositions:
    """1-based (line, column, end_line, end_column) of nodes of `module`.

    `first_lines[k]` is the line where the code of `module.body[k]` starts (None: not known, every node
    is measured on the whole module). A node is measured on a module of its own top-level statement
    alone, shifted to where that statement starts; `top` says which statement holds it (None: unknown).
    """

    def __init__(self, module: cst.Module, first_lines: list[int] | None) -> None:
        self.module, self.first_lines = module, first_lines
        self.per_statement: dict[int, tuple[dict, int]] = {}
        self.whole = None

    def span(self, node: cst.CSTNode, top: int | None) -> tuple[int, int, int, int]:
        if top is None or self.first_lines is None:
            if self.whole is None:
                self.whole = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
            positions, shift = self.whole, 0
        else:
            if top not in self.per_statement:
                statement = self.module.body[top]
                single = self.module.with_changes(body=[statement], header=(), footer=())
                leading = len(getattr(statement, "leading_lines", ()))
                self.per_statement[top] = (MetadataWrapper(single, unsafe_skip_copy=True).resolve(PositionProvider),
                                           self.first_lines[top] - 1 - leading)
            positions, shift = self.per_statement[top]
        where = positions[node]
        return where.start.line + shift, where.start.column + 1, where.end.line + shift, where.end.column + 1
