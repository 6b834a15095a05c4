"""The rewrites, one module per family; each declares them in `REWRITES` (see base.py: `Rewriter` for a
rule in one context of the scanner's matches, `Finder` for a rule the fix stage finds itself).

They are found by walking this package, so adding a rewrite is one declaration in its family's module.
What `migrate scan` reports as a finding's `fixable` is generated from these declarations into
migrate/scan/fixable.toml (`python -m migrate.fix.rewrites`), so that a scan never imports the codemods;
tests/fix/test_fixability.py keeps it, the catalogue's `fixable` column and the docs in step.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from migrate.fix.rewrites.base import Finder, Rewriter


@functools.lru_cache(maxsize=1)
def _declared() -> tuple:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            found.extend(getattr(importlib.import_module(f"{__name__}.{info.name}"), "REWRITES", ()))
    keys = [(entry.rule, entry.context) for entry in found]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"two rewrites for {twice}")
    return tuple(found)


def rewriters() -> dict[tuple[str, str], Rewriter]:
    """(rule id, match context) -> its Rewriter."""
    return {(e.rule, e.context): e for e in _declared() if isinstance(e, Rewriter)}


def finders() -> dict[str, Finder]:
    """rule id -> the Finder of a rule the fix stage finds itself."""
    return {e.rule: e for e in _declared() if isinstance(e, Finder)}


def fixability() -> dict[str, dict[str, str]]:
    """rule id -> {context (or `context:owner`) -> safety}, sorted: what migrate/scan/fixable.toml holds."""
    table: dict[str, dict[str, str]] = {}
    for entry in _declared():
        for key in entry.keys:
            table.setdefault(entry.rule, {})[key] = entry.safety
    return {rule: dict(sorted(table[rule].items())) for rule in sorted(table)}


def fixable_toml() -> str:
    lines = ["# Generated from the declarations in migrate/fix/rewrites by `python -m migrate.fix.rewrites`;",
             "# do not edit. What `migrate scan` reports as a finding's `fixable` in each context (elsewhere:",
             '# "none"); `decorator:function` is a decorator on a function only.', "", "[fixable]"]
    for rule, contexts in fixability().items():
        cells = ", ".join(f'"{key}" = "{safety}"' for key, safety in contexts.items())
        lines.append(f"{rule} = {{ {cells} }}")
    return "\n".join(lines) + "\n"
