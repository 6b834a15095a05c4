"""Plain data that crosses the scanner's boundaries: rules, findings, errors, results (the scan's
configuration, ScanConfig, is migrate.config's and importable from here too)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from migrate.config import ScanConfig

SEVERITIES = ("info", "warning", "error")  # ascending
FIXABLE = ("safe", "unsafe", "none")
SCHEMA_VERSION = 1
__all__ = ["Rule", "Finding", "FileError", "ScanConfig", "ScanResult", "SEVERITIES", "FIXABLE"]


@dataclass(frozen=True)
class Rule:
    id: str
    api: str
    category: str
    severity: str
    fixable: str
    replacement: str
    message: str
    recipe: str
    before: str
    after: str
    aliases: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    valid: tuple[str, ...] = ()
    stage: str = "scan"  # "fix": found by the codemods' analysis (migrate fix), not by the scanner

    @property
    def language(self) -> str:
        return "cpp" if self.category == "cpp" else "python"


@dataclass(frozen=True)
class Finding:
    path: str  # relative to the scanned root, forward slashes
    line: int  # 1-based
    column: int  # 1-based
    end_line: int
    end_column: int
    rule: str
    api: str
    severity: str
    message: str
    recipe: str
    fixable: str  # safe | unsafe | none

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def sort_key(self):
        return (self.path, self.line, self.column, self.rule)


@dataclass(frozen=True)
class FileError:
    """A file that could not be scanned or rewritten, with the reason (scan and fix both report these)."""

    path: str
    reason: str
    # fix: True when the file had rewrites that could not be made (compile check or write failed): exit 2.
    blocking: bool = field(default=False, compare=False)

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True)
class ScanResult:
    root: str
    files_scanned: int
    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    seconds: float = 0.0
    cache_hits: int = 0
    links: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path reported, other paths reaching that file)

    @property
    def files_with_findings(self) -> int:
        return len({f.path for f in self.findings})

    def summary(self) -> dict:
        return {
            "files_scanned": self.files_scanned,
            "files_with_findings": self.files_with_findings,
            "findings": len(self.findings),
            "files_failed": len(self.errors),
        }

    def to_dict(self) -> dict:
        from migrate import __version__

        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "torchscript-migrate", "version": __version__},
            "summary": self.summary(),
            "findings": [f.to_dict() for f in self.findings],
            "errors": [e.to_dict() for e in self.errors],
            "links": [{"path": path, "also": list(also)} for path, also in self.links],
        }

    @classmethod
    def from_dict(cls, data: dict, root: str = ".") -> "ScanResult":
        """Read back the JSON of `migrate scan --format json` (used by `migrate report --scan-json`)."""
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"unsupported scan schema_version {data.get('schema_version')!r}")
        return cls(
            root=root,
            files_scanned=int(data["summary"]["files_scanned"]),
            findings=tuple(Finding(**f) for f in data["findings"]),
            errors=tuple(FileError(**e) for e in data["errors"]),
        )
