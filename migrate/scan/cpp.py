"""Find TorchScript's C++ API (LibTorch) in C++ sources, with comments and string literals excluded.

A small lexer blanks comments and literals (keeping every line and column where it was), then the
catalogue's C++ names are matched: every `torch::jit::...` api and alias of a TS9xx rule (the module
types, `load`, `IValue`, `freeze`, the fusion and executor settings, ...), also through
`using namespace torch;` (`jit::load`) and namespace aliases (`namespace tj = torch::jit;`), and
`#include <torch/script.h>`. Rules whose api is a method (`torch::jit::Module::get_method`) are matched
on the variables the file declares as TorchScript modules (`torch::jit::script::Module m;`,
`auto m = torch::jit::load(...)`, `std::shared_ptr<torch::jit::Module> m`): `m.get_method(...)`,
`m->attr(...)`, `m.to(...)`; the same method on any other object is not a finding.
"""

from __future__ import annotations

import functools
import re

from migrate.scan.catalogue import load_rules
from migrate.scan.model import Finding, Rule

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


_JIT = "torch::jit::"
_MODULE_TYPES = ("torch::jit::script::Module", "torch::jit::Module")


@functools.lru_cache(maxsize=1)
def _cpp_names() -> tuple[tuple[tuple[str, ...], str, Rule], ...]:
    """(parts after torch::jit, reported api, rule) for every C++ name in the catalogue, longest first
    (so that `torch::jit::script::Module` is not also a `torch::jit::Module`). Methods are left out."""
    names = []
    for rule in load_rules():
        if rule.category != "cpp" or _is_method(rule.api):
            continue
        for name in (rule.api, *rule.aliases):
            if name.startswith(_JIT):
                names.append((tuple(name[len(_JIT):].split("::")), name, rule))
    return tuple(sorted(names, key=lambda n: -len(n[0])))


@functools.lru_cache(maxsize=1)
def _methods() -> dict[str, tuple[str, Rule]]:
    """method name -> (reported api, rule), for the catalogue's `torch::jit::Module::<method>` names."""
    found = {}
    for rule in load_rules():
        if rule.category == "cpp" and _is_method(rule.api):
            for name in (rule.api, *rule.aliases):
                found[name.rsplit("::", 1)[1]] = (name, rule)
    return found


def _is_method(api: str) -> bool:
    return api.startswith(tuple(t + "::" for t in _MODULE_TYPES)) and api.rsplit("::", 1)[1][:1].islower()


def _prefix(code: str) -> str:
    prefixes = [r"(?<![\w:])(?:::\s*)?torch\s*::\s*jit"]
    prefixes += [rf"(?<![\w:]){re.escape(alias)}" for alias in _NS_ALIAS.findall(code)]
    if _USING_TORCH.search(code):
        prefixes.append(r"(?<![\w:])jit")
    return "(?:" + "|".join(prefixes) + ")"


def _patterns(code: str) -> list[tuple[re.Pattern, str, Rule]]:
    prefix = _prefix(code)
    return [(re.compile(prefix + "".join(rf"\s*::\s*{re.escape(part)}" for part in parts) + r"\b"), api, rule)
            for parts, api, rule in _cpp_names()]


def _module_variables(code: str) -> set[str]:
    """Names the file declares as TorchScript modules: typed declarations and `auto x = ...::load(`."""
    prefix = _prefix(code)
    module = prefix + r"\s*::\s*(?:script\s*::\s*)?Module\b"
    declared = re.compile(module + r"\s*(?:>\s*)?(?:const\s+)?[&*]*\s*(\w+)\s*[;,)=({\[]")
    loaded = re.compile(r"\bauto\s*[&*]?\s*(\w+)\s*=\s*" + prefix + r"\s*::\s*load\b")
    return {m.group(1) for pattern in (declared, loaded) for m in pattern.finditer(code)} - {"const"}


def _method_hits(code: str) -> list[tuple[int, int, str, Rule]]:
    methods = _methods()
    variables = _module_variables(code) if methods else set()
    if not variables:
        return []
    pattern = re.compile(r"(?<![\w.>])(" + "|".join(map(re.escape, sorted(variables))) + r")\s*(?:\.|->)\s*("
                         + "|".join(map(re.escape, sorted(methods))) + r")\s*\(")
    hits = []
    for m in pattern.finditer(code):
        api, rule = methods[m.group(2)]
        hits.append((m.start(), m.end(2), api, rule))
    return hits


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def find_findings(text: str, path: str) -> list[Finding]:
    include = next(r for r in load_rules() if r.api == "torch/script.h")
    # Includes are read before literals are blanked ("torch/script.h" is a literal), after comments are.
    no_comments = blank_comments_and_literals(text, literals=False)
    code = blank_comments_and_literals(text)
    hits = [(m.start(), m.end(), "torch/script.h", include) for m in _INCLUDE.finditer(no_comments)]
    taken: list[tuple[int, int]] = []
    for pattern, api, rule in _patterns(code):
        for m in pattern.finditer(code):
            if any(s <= m.start() < e for s, e in taken):
                continue  # `torch::jit::script::Module` is not also a `torch::jit::Module`
            taken.append((m.start(), m.end()))
            hits.append((m.start(), m.end(), api, rule))
    hits += _method_hits(code)
    findings = []
    for start, end, api, rule in sorted(hits, key=lambda h: (h[0], h[1], h[2])):
        line, column = _position(text, start)
        end_line, end_column = _position(text, end)
        findings.append(Finding(path=path, line=line, column=column, end_line=end_line, end_column=end_column,
                                rule=rule.id, api=api, severity=rule.severity, message=rule.message,
                                recipe=rule.recipe, fixable="none"))
    return findings
