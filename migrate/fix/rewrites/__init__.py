"""The rewrites, one module per family. Each module exports `REWRITES`: {(rule id, context): function}.

They are found by walking this package, so adding a rewrite needs no registry edit.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil


@functools.lru_cache(maxsize=1)
def all_rewrites() -> dict:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, function in getattr(module, "REWRITES", {}).items():
            if key in found:
                raise ValueError(f"two rewrites for {key}")
            found[key] = function
    return found
