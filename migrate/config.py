"""`[tool.migrate]` in pyproject.toml: found from the scanned path upwards, nearest file wins.

Keys (all optional): include, exclude, select, ignore (lists of strings), respect-gitignore (bool),
fail-on (severity), max-file-size (bytes). Command-line options override them: --select and
--ignore replace the configured lists, --exclude adds to them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field

KNOWN_KEYS = {"include", "exclude", "select", "ignore", "respect-gitignore", "fail-on", "max-file-size"}


class ConfigError(Exception):
    pass


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
