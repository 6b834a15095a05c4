"""Apply every rewrite (safe and unsafe) to a copy of the installed torch package's Python sources.

Shared by tests/fix/test_torch_package.py and by hand (`python tests/fix/torch_package.py`), which
prints the counts. Only files the scanner's byte pre-filter lets through are copied: the others hold
no TorchScript construct and are never read past that check.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor


def torch_sources() -> str:
    import importlib.util

    spec = importlib.util.find_spec("torch")
    return os.path.dirname(spec.origin)


def copy_candidates(source: str, target: str) -> int:
    from migrate.scan.prefilter import may_contain_findings

    copied = 0
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                data = handle.read()
            if not may_contain_findings(data, "python"):
                continue
            destination = os.path.join(target, os.path.relpath(path, source))
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            with open(destination, "wb") as handle:
                handle.write(data)
            copied += 1
    return copied


def _compile_errors(paths: list[str]) -> list[str]:
    import libcst as cst

    failures = []
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            compile(data, path, "exec", dont_inherit=True)
            cst.parse_module(data)
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            failures.append(f"{path}: {type(exc).__name__}: {exc}")
    return failures


def compile_all(paths: list[str], jobs: int = 2) -> list[str]:
    """Files that no longer compile (Python) or parse (libcst)."""
    chunks = [paths[i::jobs * 4] for i in range(jobs * 4)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return [failure for part in pool.map(_compile_errors, chunks) for failure in part]


def snapshot(root: str) -> dict[str, bytes]:
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".migrate_cache"]
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, root).replace(os.sep, "/")] = handle.read()
    return found


def run(work: str, jobs: int = 2) -> dict:
    from migrate.fix import apply
    from migrate.scan.model import ScanConfig

    started = time.perf_counter()
    copied = copy_candidates(torch_sources(), work)
    before = snapshot(work)
    # The scan cache lives in the work folder; the second run re-analyses only the files the first changed.
    config = ScanConfig(jobs=jobs, cache_dir=os.path.join(work, ".migrate_cache"), respect_gitignore=False)
    first = apply([work], config, unsafe=True)
    after = snapshot(work)
    changed = sorted(path for path in before if after.get(path) != before[path])
    # Changed files must parse and compile; every other file must be byte for byte as it was.
    failures = compile_all([os.path.join(work, path) for path in changed], jobs)
    first_seconds = time.perf_counter() - started
    second = apply([work], config, unsafe=True)
    refused = [m for m in first.manual if not m.reason.startswith("no automatic rewrite")]
    by_rule_refused: dict[str, int] = {}
    for item in refused:
        by_rule_refused[item.rule] = by_rule_refused.get(item.rule, 0) + 1
    return {
        "files_copied": copied,
        "files_changed": first.summary()["files_changed"],
        "rewrites": first.summary()["rewrites"],
        "by_rule": first.by_rule(),
        "refused": len(refused),
        "refused_by_rule": dict(sorted(by_rule_refused.items())),
        "manual_no_rewrite": len(first.manual) - len(refused),
        "errors": [e.to_dict() for e in first.errors],
        "compile_failures": failures,
        "changed_files_match_report": changed == sorted(f.path for f in first.files),
        "files_in_tree_unchanged": sorted(after) == sorted(before),
        "first_run_seconds": round(first_seconds, 1),
        "second_run_files_changed": second.summary()["files_changed"],
        "second_run_errors": [e.to_dict() for e in second.errors],
        "seconds": round(time.perf_counter() - started, 1),
    }


if __name__ == "__main__":
    folder = tempfile.mkdtemp(prefix="torch-fix-")
    try:
        print(json.dumps(run(folder, int(sys.argv[1]) if len(sys.argv) > 1 else 2), indent=2))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
