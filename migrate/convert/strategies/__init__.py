"""Conversion strategies, one per file; see ``base.py`` for the protocol.

``discover()`` walks this package and returns every ``Strategy`` subclass with a name, so adding a
strategy is adding a file. Strategies kept outside this package (a team's own conversion method)
are found the same way in the folders named by the ``MIGRATE_STRATEGY_PATH`` environment variable
(``os.pathsep``-separated, like ``PYTHONPATH``): every ``*.py`` file there whose name does not start
with ``_``. The worker processes inherit the variable, so nothing else needs to change: the
strategy runs, and shows in the table, the JSON and the report by its ``family``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import sys
from pathlib import Path

from migrate.convert.strategies.base import FAMILIES, Context, Converted, Latency, SkipStrategy, Strategy

PATH_VARIABLE = "MIGRATE_STRATEGY_PATH"
PLUGIN_PACKAGE = "migrate_strategy_plugins"  # the module name prefix of files found on the path


def discover() -> dict[str, Strategy]:
    """name -> strategy instance, in run order (dependencies before dependants)."""
    found: dict[str, type[Strategy]] = {}
    for module in _strategy_modules():
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Strategy) and value.name and value.__module__ == module.__name__:
                if value.name in found and found[value.name] is not value:
                    raise ValueError(f"two strategies named {value.name!r}: {found[value.name].__module__} and {value.__module__}")
                found[value.name] = value
    return {name: found[name]() for name in run_order(found)}


def _strategy_modules() -> list:
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_") and info.name != "base":
            modules.append(importlib.import_module(f"{__name__}.{info.name}"))
    for folder in filter(None, os.environ.get(PATH_VARIABLE, "").split(os.pathsep)):
        for file in sorted(Path(folder).glob("*.py")):
            if not file.name.startswith("_"):
                modules.append(_load_file(file))
    return modules


def _load_file(file: Path):
    """Import a strategy file from ``MIGRATE_STRATEGY_PATH`` (once per process, like an import)."""
    name = f"{PLUGIN_PACKAGE}.{''.join(c if c.isalnum() else '_' for c in file.stem)}"
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None) == str(file):
        return module
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load strategy file {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_order(strategies: dict) -> list[str]:
    """Names sorted by ``order`` then name, with every strategy after the ones it ``needs``."""
    pending = sorted(strategies, key=lambda n: (strategies[n].order, n))
    ordered: list[str] = []
    while pending:
        for name in pending:
            if all(dep in ordered or dep not in strategies for dep in strategies[name].needs):
                ordered.append(name)
                pending.remove(name)
                break
        else:
            raise ValueError(f"strategies depend on each other in a cycle: {pending}")
    return ordered


__all__ = ["FAMILIES", "PATH_VARIABLE", "Context", "Converted", "Latency", "SkipStrategy", "Strategy", "discover",
           "run_order"]
