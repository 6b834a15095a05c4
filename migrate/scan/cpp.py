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
_RAW_STRING = re.compile(r'R"([^()\\\s]{0,16})\(')


def blank_comments_and_literals(text: str) -> str:
    """The text with comments and the contents of string/char literals replaced by spaces."""
    out = list(text)
    i, n = 0, len(text)

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] not in "\r\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            blank(i, end)
            i = end
        elif c == "R" and (raw := _RAW_STRING.match(text, i)) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = ")" + raw.group(1) + '"'
            end = text.find(close, raw.end())
            end = n if end < 0 else end + len(close)
            blank(raw.end(), end - len(close))
            i = end
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):  # 1'000 is a number
            k = i + 1
            while k < n and text[k] != c and text[k] != "\n":
                k += 2 if text[k] == "\\" else 1
            blank(i + 1, k)
            i = k + 1
        else:
            i += 1
    return "".join(out)


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
    no_comments = blank_comments_and_literals(re.sub(r'(#[ \t]*include[ \t]*)"([^"\n]*)"', r"\1<\2>", text))
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
