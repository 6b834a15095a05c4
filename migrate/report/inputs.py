"""Load what the report joins: earlier JSON files, or fresh runs of scan, fix and convert.

This is the I/O edge of the report stage. A JSON file the user gives (``--scan-json`` ...) that
cannot be used (unreadable, not JSON, another stage's output, the wrong shape, a missing or newer
schema_version) is an :class:`InputError`, a usage error naming the file and what is wrong, raised
before any stage runs: a report built on it would be a false green. A stage run here that fails
becomes a warning carried into the report, and the part it concerns is left empty.
"""

from __future__ import annotations

import inspect
import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

from migrate.convert.results import SCHEMA_VERSION as CONVERT_SCHEMA
from migrate.report.model import Inputs

# Keys each stage's JSON must have, to tell a scan file from a convert file given by mistake.
EXPECTED_KEYS = {"scan": "findings", "fix": "files", "convert": "targets", "verify": "regressions"}
SUPPORTED_SCHEMA = {"scan": 1, "fix": 1, "convert": CONVERT_SCHEMA, "verify": 1}
MAX_SOURCE_BYTES = 2_000_000
REPORT_KIND = "torchscript-migrate report"  # json_report.KIND, without importing the renderers  # larger files get no snippets (generated code)


class InputError(Exception):
    """A JSON input that cannot be used: one line naming the file and what is wrong."""


# What each stage's JSON must hold: top-level lists and, for their items, the keys and types read.
_SHAPES = {
    "scan": {"findings": {"path": str, "line": int, "column": int, "rule": str, "severity": str},
             "errors": {"path": str, "reason": str}},
    "fix": {"files": {"path": str, "diff": str}, "manual": {"path": str, "rule": str},
            "errors": {"path": str, "reason": str}},
    "convert": {"targets": {"name": str, "results": list}, "errors": {}},
}


def shape_problem(data: dict, stage: str) -> str | None:
    """What is wrong with the shape of a stage's JSON (first problem only), or None."""
    for key, fields in _SHAPES[stage].items():
        if key not in data:
            if key == EXPECTED_KEYS[stage]:
                return f"has no '{key}' list"
            continue
        items = data[key]
        if not isinstance(items, list):
            return f"'{key}' is {_kind(items)}, not a list"
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                return f"{key}[{i}] is {_kind(item)}, not an object"
            for name, kind in fields.items():
                value = item.get(name)
                if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                    return f"{key}[{i}].{name} is {_kind(value)}, not {'an' if kind is int else 'a'} {_type_name(kind)}"
    return None


def _kind(value) -> str:
    return "missing" if value is None else f"{'an' if type(value).__name__[0] in 'aeiou' else 'a'} {_type_name(type(value))}"


def _type_name(kind: type) -> str:
    return {str: "string", int: "integer", float: "number", list: "list", dict: "object", bool: "boolean"}.get(kind, kind.__name__)


@dataclass
class Request:
    """What the user asked for (built by the CLI, usable from Python)."""

    path: str | None = None  # folder or file to scan and fix
    targets: list[str] = field(default_factory=list)  # targets files / folders / .pt archives
    scan_json: str | None = None
    fix_json: str | None = None
    convert_json: str | None = None
    run_fix: bool = True
    strategies: list[str] | None = None
    skip: list[str] | None = None
    threads: int | None = None
    timeout: float | None = None
    cpp: bool = False
    example_inputs: str | None = None
    only: list[str] | None = None  # target names (shell patterns) to convert; None: all
    jobs: int | None = None  # targets converted at once; None: the converter's default
    verify: bool = False  # run `migrate verify` on path and targets: the conversion before and after the codemods
    unsafe: bool = False  # with verify: apply the unsafe rewrites too


def load(request: Request, progress=print) -> Inputs:
    """Gather the three inputs. ``progress(message)`` is told what is being run."""
    warnings: list[str] = []
    origins: dict[str, str] = {}
    # finding paths are relative to the scanned folder, or to the working folder when a file is scanned
    root = os.path.abspath(request.path) if request.path and os.path.isdir(request.path) else os.getcwd()

    # Every given file is checked before anything runs: a bad one is a usage error (InputError).
    given = {stage: read_json(path, stage) for stage, path in
             (("scan", request.scan_json), ("fix", request.fix_json), ("convert", request.convert_json)) if path}
    scan = fix = convert = None
    if request.scan_json:
        scan = given["scan"]
        origins["scan"] = f"read from {request.scan_json}"
    elif request.path:
        progress(f"scanning {request.path} …")
        scan = _run_stage("scan", lambda: _call_scan(request.path), warnings)
        origins["scan"] = f"migrate scan {request.path}"
    if request.fix_json:
        fix = given["fix"]
        origins["fix"] = f"read from {request.fix_json}"
    elif request.path and request.run_fix:
        progress(f"computing codemod suggestions for {request.path} …")
        fix = _run_stage("fix", lambda: _call_fix(request.path), warnings)
        origins["fix"] = f"migrate fix --unsafe {request.path} (nothing written)"
    verified = None
    if request.convert_json:
        convert = given["convert"]
        origins["convert"] = f"read from {request.convert_json}"
    elif request.verify and request.path and request.targets:
        progress(f"verifying the codemods of {request.path} on the targets in {', '.join(request.targets)} …")
        verified = _run_stage("verify", lambda: _call_verify(request), warnings)
        convert = verified["before"] if verified else None
        origins["convert"] = "migrate verify (the original code) " + " ".join(request.targets)
        origins["verify"] = (f"migrate verify {request.path}{' --unsafe' if request.unsafe else ''} --targets "
                             + " ".join(request.targets))
    elif request.targets:
        progress(f"converting the targets in {', '.join(request.targets)} …")
        convert = _run_stage("convert", lambda: _call_convert(request), warnings)
        origins["convert"] = "migrate convert " + " ".join(request.targets)
    if scan is None and fix is None and convert is None and not warnings:
        warnings.append("nothing to report: give a PATH to scan, --targets to convert, or earlier JSON")

    paths = {str(f.get("path")) for f in (scan or {}).get("findings") or [] if isinstance(f, dict) and f.get("path")}
    paths |= {str(f.get("path")) for key in ("files", "manual") for f in (fix or {}).get(key) or []
              if isinstance(f, dict) and f.get("path")}
    sources = read_sources(root, sorted(paths))
    sources.update(read_target_files(convert, root, sources))
    return Inputs(scan=scan, fix=fix, convert=convert, verify=verified, root=root, sources=sources, origins=origins,
                  warnings=tuple(warnings))


def read_json(path: str, stage: str) -> dict:
    """One stage's JSON as given by the user; raises InputError saying why it cannot be used."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise InputError(f"{stage}: {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{stage}: {path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{stage}: {path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except (RecursionError, ValueError) as exc:  # nested too deeply, or numbers too long
        raise InputError(f"{stage}: {path}: not valid JSON ({type(exc).__name__})") from None
    problems: list[str] = []
    checked = check_schema(data, stage, path, problems)
    if checked is None or problems:
        raise InputError(problems[0].removesuffix("; ignored"))
    version = checked.get("schema_version")
    if version is None:
        raise InputError(f"{stage}: {path}: no schema_version: not the output of migrate {stage} --format json")
    problem = shape_problem(checked, stage)
    if problem:
        raise InputError(f"{stage}: {path}: not the output of migrate {stage} --format json: {problem}")
    return checked


def check_schema(data, stage: str, origin: str, warnings: list[str]) -> dict | None:
    """``data`` if it looks like the stage's JSON; else None. Version differences only warn."""
    if not isinstance(data, dict):
        warnings.append(f"{stage}: {origin}: expected a JSON object, got {type(data).__name__}")
        return None
    if data.get("kind") == REPORT_KIND:  # a report.json: its copy of the stage's output
        if isinstance(data.get(stage), dict):
            return check_schema(data[stage], stage, f"{origin} (the '{stage}' part of a report)", warnings)
        warnings.append(f"{stage}: {origin}: this report has no {stage} part; ignored")
        return None
    key = EXPECTED_KEYS[stage]
    if key not in data:
        other = next((s for s, k in EXPECTED_KEYS.items() if s != stage and k in data), None)
        hint = f": it looks like the output of migrate {other}" if other else ""
        warnings.append(f"{stage}: {origin}: has no '{key}' key{hint}; ignored")
        return None
    version = data.get("schema_version")
    supported = SUPPORTED_SCHEMA[stage]
    if version is None:
        warnings.append(f"{stage}: {origin}: no schema_version; read as version {supported}, missing fields are left empty")
    elif not isinstance(version, int) or isinstance(version, bool) or version < 1:
        warnings.append(f"{stage}: {origin}: schema_version {version!r} is not a version of migrate {stage}'s JSON")
    elif version > supported:
        warnings.append(
            f"{stage}: {origin}: schema_version {version} is newer than this migrate understands ({supported}): "
            "upgrade torchscript-migrate to read it"
        )
    return data


def read_sources(root: str, paths: list[str]) -> dict[str, str]:
    """Text of each finding's file (for snippets and scopes); unreadable or huge files are skipped."""
    sources: dict[str, str] = {}
    for path in paths:
        full = Path(root, path)
        try:
            if full.stat().st_size > MAX_SOURCE_BYTES:
                continue
            sources[path] = full.read_bytes().decode("utf-8", errors="replace").replace("\x00", "")
        except OSError:
            continue
    return sources


def read_target_files(convert: dict | None, root: str, known: dict[str, str]) -> dict[str, str]:
    """Text of the targets files (to see which classes a target builds), keyed like scan paths.

    A file under ``root`` is keyed by its path relative to it; another by the path the converter gave.
    """
    from migrate.report.sources import parse_reference

    found: dict[str, str] = {}
    for target in (convert or {}).get("targets") or []:
        reference = parse_reference(str(target.get("source") or "")) if isinstance(target, dict) else None
        if reference is None or not reference[0].endswith(".py"):
            continue
        full = os.path.abspath(reference[0])
        relative = os.path.relpath(full, root).replace(os.sep, "/")
        key = reference[0] if relative.startswith("..") else relative
        if key in known or key in found:
            continue
        found.update({key: text for text in read_sources("/", [full]).values()})
    return found


def environment() -> dict[str, str]:
    """The machine the report was built on (the converter's torch version and threads come first)."""
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "report built on": platform.node() or "unknown host",
    }


# ---------------------------------------------------------------- running the stages


def _run_stage(stage: str, call, warnings: list[str]) -> dict | None:
    try:
        data = call()
    except ImportError as exc:
        warnings.append(f"{stage}: the {stage} stage is not available ({exc}); that part of the report is empty")
        return None
    except Exception as exc:  # a failing stage must not lose the other two parts of the report
        warnings.append(f"{stage}: failed with {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")
        return None
    return check_schema(data, stage, f"migrate {stage}", warnings)


def _to_dict(result) -> dict:
    return result.to_dict() if hasattr(result, "to_dict") else result


def _call_scan(path: str) -> dict:
    from migrate.scan import scan
    from migrate.config import scan_config_for

    return _to_dict(scan([path], config=scan_config_for(path)))


def _call_fix(path: str) -> dict:
    """Every rewrite the codemods would make, safe and unsafe, computed without writing anything."""
    from migrate.fix import suggest
    from migrate.config import scan_config_for

    accepted = inspect.signature(suggest).parameters
    options = {k: v for k, v in (("config", scan_config_for(path)), ("unsafe", True)) if k in accepted}
    return _to_dict(suggest([path], **options))


def _call_convert(request: Request) -> dict:
    from migrate.convert import convert

    options = {
        "strategies": request.strategies,
        "skip": request.skip,
        "threads": request.threads,
        "timeout": request.timeout,
        "opt_in": {"cpp"} if request.cpp else None,
        "example_inputs": request.example_inputs,
        "targets": request.only,
        "jobs": request.jobs,
    }
    accepted = inspect.signature(convert).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    kwargs = {k: v for k, v in options.items() if v is not None and (takes_any or k in accepted)}
    progress = _convert_progress() if "on_event" in accepted else None
    if progress is not None:
        kwargs["on_event"] = progress.on_event
    try:
        return _to_dict(convert(list(request.targets), **kwargs))
    finally:
        if progress is not None:
            progress.stop()


def _call_verify(request: Request) -> dict:
    from migrate.verify import Options, verify

    options = Options(unsafe=request.unsafe, strategies=request.strategies, skip=list(request.skip or []),
                      only=request.only, cpp=request.cpp, threads=request.threads or 1,
                      **({"timeout": request.timeout} if request.timeout else {}))
    return verify([request.path], list(request.targets), options)


def _convert_progress():
    """The converter's own progress bar, on a terminal only (None elsewhere or if it has none)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        return None
    try:
        from migrate.convert.cli import Progress
    except ImportError:
        return None
    return Progress(console)
