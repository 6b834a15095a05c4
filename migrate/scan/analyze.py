"""One file in, findings or an error out: pure functions of (bytes, path), no file system access.

Decoding follows Python's rules (BOM, PEP 263 coding cookie, UTF-8 default) and every failure becomes
a `FileError` with a reason a person can act on; nothing a file contains can raise out of here.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from migrate.scan import cpp, prefilter
from migrate.scan.prefilter import split_lines
from migrate.scan.model import FileError, Finding
from migrate.scan.python import find_matches

SUPPRESS = re.compile(r"(?:#|//|/\*)\s*migrate:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?(?![\w-])")
SUPPRESS_FILE = re.compile(r"#\s*migrate:\s*ignore-file\b")
_PY2_HINTS = re.compile(r"^\s*(print\s+[\"'\w]|exec\s+[\"']|except\s+[\w.]+\s*,\s*\w+\s*:)|^\s*\w+\s*=\s*\d+L\b|ur[\"']",
                        re.MULTILINE)


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


def _suppressed(lines: list[str], finding: Finding) -> bool:
    for number in {finding.line, finding.end_line}:
        if 0 < number <= len(lines):
            hit = SUPPRESS.search(lines[number - 1])
            if hit and (hit.group(1) is None or
                        any(finding.rule.startswith(code.strip()) for code in hit.group(1).split(",") if code.strip())):
                return True
    return False


def _spans(module: cst.Module, matches, relevant) -> list[tuple[int, int, int, int]]:
    """(line, column, end_line, end_column), 1-based, in the original file, for each match.

    Positions come from libcst's PositionProvider, which renders the code it measures. When only some
    statements were parsed, each top-level statement holding a match is measured on its own (a module of
    that one statement) and shifted to where it starts: most of the file is never rendered.
    """
    if relevant is None or len(module.body) != len(relevant.top_lines):
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        return [_span(positions[m.node], 0, None) for m in matches]
    per_statement: dict[int, dict] = {}
    spans = []
    for match in matches:
        positions = per_statement.get(match.top)
        if positions is None:
            single = module.with_changes(body=[module.body[match.top]], header=(), footer=())
            positions = per_statement[match.top] = MetadataWrapper(single, unsafe_skip_copy=True).resolve(
                PositionProvider)
        spans.append(_span(positions[match.node], relevant.top_lines[match.top] - 1, relevant.line_map))
    return spans


def _span(where, shift: int, line_map) -> tuple[int, int, int, int]:
    start, end = where.start.line + shift, where.end.line + shift
    if line_map is not None:
        start, end = line_map[start - 1], line_map[end - 1]
    return start, where.start.column + 1, end, where.end.column + 1


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


def analyze_python(data: bytes, path: str, star_bindings: dict | None = None) -> tuple[list[Finding], FileError | None]:
    """Findings of every rule in a Python file (selection is applied by the caller).

    ``star_bindings``: the torch names that star imports of tree modules bind (star_imports.py)."""
    if not star_bindings and not prefilter.may_contain_findings(data, "python"):
        return [], None  # (names bound by star imports, e.g. `tj` for torch.jit, need no "jit" in the file)
    try:
        decoded = decode_python(data)
    except DecodeError as exc:
        return [], FileError(path, str(exc))
    text = decoded.text
    if SUPPRESS_FILE.search(text):
        return [], None
    try:
        relevant = prefilter.relevant_source(text)
        if star_bindings and relevant is not None:
            # names bound by star imports: the statement pre-filter cannot see them; libcst reads it all
            prefilter.check_depth([ast.parse(text)])
            relevant = None
    except prefilter.TooComplex as exc:
        return [], FileError(path, str(exc))
    try:
        module = cst.parse_module(relevant.source if relevant else text)
        matches = find_matches(module, star_bindings)
        if not matches:
            return [], None
        spans = _spans(module, matches, relevant)
    except (cst.ParserSyntaxError, SyntaxError) as exc:
        return [], FileError(path, syntax_error_reason(exc, text))
    except RecursionError:
        return [], FileError(path, "expressions nested too deeply to analyse (RecursionError)")
    except MemoryError:
        return [], FileError(path, "out of memory while parsing")
    lines = split_lines(text)
    findings = []
    for match, (start, column, end, end_column) in zip(matches, spans):
        finding = Finding(path=path, line=start, column=column, end_line=end, end_column=end_column,
                          rule=match.rule.id, api=match.api, severity=match.rule.severity, message=match.message,
                          recipe=match.rule.recipe, fixable=match.fixable)
        if not _suppressed(lines, finding):
            findings.append(finding)
    return sorted(set(findings), key=lambda f: f.sort_key), None


def analyze_cpp(data: bytes, path: str) -> tuple[list[Finding], FileError | None]:
    if not prefilter.may_contain_findings(data, "cpp"):
        return [], None
    text = data.decode("utf-8", errors="replace")
    if "\x00" in text:
        return [], FileError(path, "contains NUL bytes (a binary file?)")
    lines = split_lines(text)
    findings = [f for f in cpp.find_findings(text, path) if not _suppressed(lines, f)]
    return findings, None


def analyze(data: bytes, path: str, language: str,
            star_bindings: dict | None = None) -> tuple[list[Finding], FileError | None]:
    try:
        if language == "cpp":
            return analyze_cpp(data, path)
        return analyze_python(data, path, star_bindings)
    except RecursionError:
        return [], FileError(path, "nested too deeply to analyse (RecursionError)")
    except Exception as exc:  # a bug of ours must not end the run: report it against the file
        return [], FileError(path, f"internal error while analysing: {type(exc).__name__}: {exc}")
