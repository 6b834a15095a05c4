"""``migrate convert``: convert targets with every strategy and compare outputs and latency.

Python API (importing this package does not import torch)::

    from migrate.convert import convert
    run = convert(["fixtures/models"], skip=["aoti"])   # -> ConvertRun
    run.to_dict()                                       # the --format json object
    ConvertRun.load("convert.json")                     # read it back

Data flow: ``targets`` (declare and collect) -> ``supervisor`` (one worker process per target,
timeouts, crashes) -> ``worker`` -> ``harness`` (one strategy: convert, ``compare``, time) ->
``results`` (the one results model: ratios against the declared baselines, JSON, the tolerant
reader ``ConvertRun.from_dict`` that the report uses too) -> ``table`` / JSON.
Strategies live in ``strategies/``, one per file, each declaring its ``family`` (protocol in
``strategies/base.py``; more from the folders in ``MIGRATE_STRATEGY_PATH``).
"""

from __future__ import annotations


def __getattr__(name):  # lazy, so `import migrate.convert` stays light
    if name == "convert":
        from migrate.convert.supervisor import convert

        return convert
    if name in ("ConvertRun", "TargetResult", "StrategyResult", "Check", "SCHEMA_VERSION"):
        from migrate.convert import results

        return getattr(results, name)
    if name in ("Target", "target"):
        from migrate.convert import targets

        return getattr(targets, name)
    raise AttributeError(f"module 'migrate.convert' has no attribute {name!r}")


__all__ = ["convert", "ConvertRun", "TargetResult", "StrategyResult", "Check", "SCHEMA_VERSION", "Target", "target"]
