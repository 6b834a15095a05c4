"""Conversion strategies, one per file; see ``base.py`` for the protocol.

``discover()`` walks this package and returns every ``Strategy`` subclass with a name, so adding a
strategy is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil

from migrate.convert.strategies.base import Context, Converted, Latency, SkipStrategy, Strategy


def discover() -> dict[str, Strategy]:
    """name -> strategy instance, in run order (dependencies before dependants)."""
    found: dict[str, type[Strategy]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Strategy) and value.name and value.__module__ == module.__name__:
                if value.name in found and found[value.name] is not value:
                    raise ValueError(f"two strategies named {value.name!r}: {found[value.name].__module__} and {value.__module__}")
                found[value.name] = value
    return {name: found[name]() for name in run_order(found)}


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


__all__ = ["Context", "Converted", "Latency", "SkipStrategy", "Strategy", "discover", "run_order"]
