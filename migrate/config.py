"""Configuration: `[tool.migrate]` in pyproject.toml, the scan configuration, the user cache folder.

`[tool.migrate]` is found from the scanned path upwards, nearest file wins. Keys (all optional):
include, exclude, select, ignore (lists of strings), respect-gitignore (bool), fail-on (severity),
max-file-size (bytes). `resolve_scan_config(paths, ...)` turns it plus overrides (what a command line
gives) into a `ScanConfig`: select and ignore replace the configured lists, exclude adds to them,
include replaces them. No argparse here: every command (scan, fix, report) resolves through it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field

CACHE_FOLDER = "torchscript-migrate"
KNOWN_KEYS = {"include", "exclude", "select", "ignore", "respect-gitignore", "fail-on", "max-file-size"}


class ConfigError(Exception):
    pass


def user_cache_dir(*parts: str) -> str:
    """$XDG_CACHE_HOME/torchscript-migrate/<parts> (else ~/.cache/torchscript-migrate/<parts>)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, CACHE_FOLDER, *parts)


@dataclass(frozen=True)
class ScanConfig:
    """What to scan and report (used by scan and fix). Defaults match the CLI's defaults."""

    include: tuple[str, ...] = ()  # glob patterns; empty = every .py and C++ source
    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()  # rule ids or prefixes; empty = all
    ignore: tuple[str, ...] = ()
    respect_gitignore: bool = True
    jobs: int = 0  # 0 = number of CPUs
    cache_dir: str | None = None  # None = default user cache; "" = no cache
    max_file_bytes: int = 20_000_000
    base: str | None = None  # folder include/exclude globs are relative to (pyproject's); None = scan root
    force_exclude: bool = False  # include/exclude also apply to files named explicitly (as pre-commit names them)


@dataclass(frozen=True)
class ProjectConfig:
    path: str | None = None  # the pyproject.toml read, if any
    values: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def get(self, key: str, default=None):
        return self.values.get(key, default)


def find_pyproject(start: str) -> str | None:
    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    while True:
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _string_list(value, key: str, path: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: [tool.migrate] {key} must be a list of strings")
    return tuple(value)


def load_config(start: str, explicit: str | None = None) -> ProjectConfig:
    """The [tool.migrate] table that applies to `start` (or of the file named by --config)."""
    path = explicit or find_pyproject(start)
    if path is None:
        return ProjectConfig()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("migrate", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.migrate] must be a table")
    values: dict = {}
    for key in ("include", "exclude", "select", "ignore"):
        if key in table:
            values[key] = _string_list(table[key], key, path)
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"{path}: [tool.migrate] respect-gitignore must be true or false")
        values["respect-gitignore"] = table["respect-gitignore"]
    if "fail-on" in table:
        if table["fail-on"] not in ("info", "warning", "error", "never"):
            raise ConfigError(f"{path}: [tool.migrate] fail-on must be info, warning, error or never")
        values["fail-on"] = table["fail-on"]
    if "max-file-size" in table:
        if not isinstance(table["max-file-size"], int) or table["max-file-size"] <= 0:
            raise ConfigError(f"{path}: [tool.migrate] max-file-size must be a positive number of bytes")
        values["max-file-size"] = table["max-file-size"]
    unknown = sorted(set(table) - KNOWN_KEYS)
    warnings = tuple(f"{path}: unknown key in [tool.migrate]: {key}" for key in unknown)
    return ProjectConfig(path, values, warnings)


def resolve_scan_config(paths, *, config_file: str | None = None, select=None, ignore=None, include=(), exclude=(),
                        respect_gitignore: bool | None = None, jobs: int = 0, cache: bool = True,
                        cache_dir: str | None = None, force_exclude: bool = False) -> tuple[ScanConfig, ProjectConfig]:
    """The ScanConfig for `paths`: [tool.migrate] of the nearest pyproject.toml above the first path (or
    of `config_file`), overridden by what is given (None: not given). Raises ConfigError."""
    from migrate.scan.catalogue import unknown_rule_patterns

    paths = list(paths)
    project = load_config(paths[0] if paths else ".", config_file)
    select = select if select is not None else project.get("select", ())
    ignore = ignore if ignore is not None else project.get("ignore", ())
    unknown = unknown_rule_patterns(tuple(select) + tuple(ignore))
    if unknown:
        raise ConfigError(f"unknown rule id or prefix: {', '.join(unknown)} (see `migrate rules`)")
    # Globs are relative to the folder of the pyproject.toml (else the scan root); finding paths to the root.
    respect = respect_gitignore if respect_gitignore is not None else project.get("respect-gitignore", True)
    config = ScanConfig(
        include=tuple(include) or project.get("include", ()),
        exclude=tuple(project.get("exclude", ())) + tuple(exclude),
        select=tuple(select), ignore=tuple(ignore), respect_gitignore=respect, jobs=jobs,
        cache_dir=cache_dir if cache else "",
        max_file_bytes=project.get("max-file-size", ScanConfig.max_file_bytes),
        base=os.path.dirname(os.path.abspath(project.path)) if project.path else None,
        force_exclude=force_exclude,
    )
    return config, project


def scan_config_for(path: str) -> ScanConfig:
    """The ScanConfig `migrate scan PATH` uses with no options (for callers such as `migrate report`)."""
    return resolve_scan_config([path])[0]
