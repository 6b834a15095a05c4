"""``migrate verify``: the codemods proven by running them.

    from migrate.verify import verify, Options
    result = verify(["src/"], ["models.py"], Options(unsafe=True, skip=["aoti"]))   # the --format json object

Data flow: ``migrate.fix.suggest`` (the rewrites) -> ``scratch`` (a copy of the tree, rewritten) ->
``migrate.convert.convert`` twice, with the ``verify.eager`` strategy (``strategies/``) -> ``core``
(pure: before/after, routes, regressions, improvements) -> bisect in ``run`` (``hunks``: one hunk at
a time) -> ``terminal`` / JSON. The user's files are only read. See docs/verify.md.
"""

from __future__ import annotations


def __getattr__(name):  # lazy: importing the package does not import torch
    if name in ("verify", "Options", "UsageError"):
        from migrate.verify import run

        return getattr(run, name)
    raise AttributeError(f"module 'migrate.verify' has no attribute {name!r}")


__all__ = ["verify", "Options", "UsageError"]
