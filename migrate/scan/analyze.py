"""One file in, findings or an error out: pure functions of (bytes, path), no file system access.

Decoding follows Python's rules (migrate/source_text.py) and every failure becomes a `FileError` with a
reason a person can act on; nothing a file contains can raise out of here.
"""

from __future__ import annotations

import ast

import libcst as cst

from migrate.scan import cpp, prefilter
from migrate.scan.matches import find_matches
from migrate.scan.model import FileError, Finding
from migrate.source_text import (SUPPRESS_FILE, DecodeError, StatementPositions, decode_python, split_lines,
                                 suppressed, syntax_error_reason)


def _suppressed(lines: list[str], finding: Finding) -> bool:
    return suppressed(lines, {finding.line, finding.end_line}, finding.rule)


def _spans(module: cst.Module, matches, relevant) -> list[tuple[int, int, int, int]]:
    """(line, column, end_line, end_column), 1-based, in the original file, for each match.

    When only some statements were parsed, each top-level statement holding a match is measured on its
    own and shifted to where it starts (most of the file is never rendered), then mapped back to the
    original file's lines.
    """
    if relevant is None or len(module.body) != len(relevant.top_lines):
        positions = StatementPositions(module, None)
        return [positions.span(m.node, None) for m in matches]
    positions = StatementPositions(module, relevant.top_lines)
    spans = []
    for match in matches:
        start, column, end, end_column = positions.span(match.node, match.top)
        spans.append((relevant.line_map[start - 1], column, relevant.line_map[end - 1], end_column))
    return spans


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
