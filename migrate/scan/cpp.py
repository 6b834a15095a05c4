"""Find TorchScript's C++ API (LibTorch) in C++ sources, with comments and string literals excluded.

A small lexer blanks comments and literals (keeping every line and column where it was), then
patterns find `torch::jit::load`, `torch::jit::script::Module`, `torch::jit::Module` and
`#include <torch/script.h>`, also through `using namespace torch;` (`jit::load`) and namespace
aliases (`namespace tj = torch::jit;`).
"""

from __future__ import annotations

import re

from migrate.scan.catalogue import load_rules
from migrate.scan.model import Finding

_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"](torch/script\.h)[>"]', re.MULTILINE)
_NS_ALIAS = re.compile(r"\bnamespace\s+(\w+)\s*=\s*(?:::\s*)?torch\s*::\s*jit\s*;")
_USING_TORCH = re.compile(r"\busing\s+namespace\s+(?:::\s*)?torch\s*;")


# One pass over comments and literals: the leftmost match wins, so `//` inside a string is not a comment
# and a quote inside a comment is not a string. Digit separators (1'000) are not char literals.
_LEXEMES = re.compile(
    r"(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))"
    r'|(?P<raw>(?<![\w])R"(?P<delim>[^()\\\s]{0,16})\(.*?(?:\)(?P=delim)"|\Z))'
    r'|(?P<string>"(?:\\.|[^"\\\n])*"?)'
    r"|(?P<char>(?<![\w'])'(?:\\.|[^'\\\n])*'?)",
    re.DOTALL,
)
_NOT_NEWLINE = re.compile(r"[^\r\n]")


def _blank(match: re.Match) -> str:
    return _NOT_NEWLINE.sub(" ", match.group())


def blank_comments_and_literals(text: str, literals: bool = True) -> str:
    """The text with comments (and, if `literals`, string and char literals) replaced by spaces,
    keeping every line and column where it was."""
    if literals:
        return _LEXEMES.sub(_blank, text)
    return _LEXEMES.sub(lambda m: _blank(m) if m.group("comment") else m.group(), text)


def _patterns(code: str) -> list[tuple[re.Pattern, str]]:
    prefixes = [r"(?<![\w:])(?:::\s*)?torch\s*::\s*jit"]
    prefixes += [rf"(?<![\w:]){re.escape(alias)}" for alias in _NS_ALIAS.findall(code)]
    if _USING_TORCH.search(code):
        prefixes.append(r"(?<![\w:])jit")
    prefix = "(?:" + "|".join(prefixes) + ")"
    return [
        (re.compile(prefix + r"\s*::\s*script\s*::\s*Module\b"), "torch::jit::script::Module"),
        (re.compile(prefix + r"\s*::\s*Module\b"), "torch::jit::Module"),
        (re.compile(prefix + r"\s*::\s*load\b"), "torch::jit::load"),
    ]


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def find_findings(text: str, path: str) -> list[Finding]:
    rules = {r.api: r for r in load_rules() if r.category == "cpp"}
    # Includes are read before literals are blanked ("torch/script.h" is a literal), after comments are.
    no_comments = blank_comments_and_literals(text, literals=False)
    code = blank_comments_and_literals(text)
    hits: list[tuple[int, int, str]] = [(m.start(), m.end(), "torch/script.h") for m in _INCLUDE.finditer(no_comments)]
    taken: list[tuple[int, int]] = []
    for pattern, api in _patterns(code):
        for m in pattern.finditer(code):
            if any(s <= m.start() < e for s, e in taken):
                continue  # `torch::jit::script::Module` is not also a `torch::jit::Module`
            taken.append((m.start(), m.end()))
            hits.append((m.start(), m.end(), api))
    findings = []
    for start, end, api in sorted(hits):
        rule = rules[api]
        line, column = _position(text, start)
        end_line, end_column = _position(text, end)
        findings.append(Finding(path=path, line=line, column=column, end_line=end_line, end_column=end_column,
                                rule=rule.id, api=api, severity=rule.severity, message=rule.message,
                                recipe=rule.recipe, fixable="none"))
    return findings
