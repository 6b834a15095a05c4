"""Plain data that crosses the fix stage's boundaries: edits, rewrite records, per-file outcomes, results."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

import libcst as cst

from migrate.scan.model import FileError  # one type for a file that failed, in scan and fix

SCHEMA_VERSION = 1
SAFETIES = ("safe", "unsafe")

# An edit turns the updated node (children already rewritten) into its replacement: a node, a
# FlattenSentinel of statements, or cst.RemoveFromParent().
Build = Callable[[cst.CSTNode], object]


@dataclass(frozen=True)
class Edit:
    target: cst.CSTNode  # a node of the original tree (matched by identity)
    build: Build


@dataclass(frozen=True)
class Import:
    """`import module` (obj None) or `from module import obj`, added with libcst's AddImportsVisitor."""

    module: str
    obj: str | None = None
    replaces: str | None = None  # the module the name was imported from until now (its import of obj goes)


@dataclass(frozen=True)
class Rewrite:
    """What a rewrite proposes for one construct: edits to apply, imports to add, comments to leave."""

    safety: str  # safe | unsafe
    reason: str  # why it is classed so / what to check
    edits: tuple[Edit, ...]
    imports: tuple[Import, ...] = ()
    notes: tuple[tuple[cst.CSTNode, str], ...] = ()  # (original statement, comment text) left above it
    unused_names: tuple[str, ...] = ()  # names whose import may become unused


@dataclass(frozen=True)
class Refusal:
    reason: str


@dataclass(frozen=True)
class RewriteRecord:
    rule: str
    api: str
    line: int
    column: int
    safety: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ManualItem:
    """A construct left for a human: no rewrite exists, it was refused, or it was not enabled."""

    path: str
    line: int
    column: int
    rule: str
    api: str
    recipe: str
    reason: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FileFix:
    path: str  # relative to the scan root, forward slashes
    diff: str
    rewrites: tuple[RewriteRecord, ...]
    new_text: str = field(default="", repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"path": self.path, "diff": self.diff, "rewrites": [r.to_dict() for r in self.rewrites]}


@dataclass(frozen=True)
class SourceOutcome:
    """The pure result for one source text: the new text (None when unchanged) and what was done."""

    new_text: str | None
    rewrites: tuple[RewriteRecord, ...] = ()
    manual: tuple[ManualItem, ...] = ()
    error: str | None = None
    rejected: bool = False  # rewrites were made but the result failed the parse/compile check


@dataclass(frozen=True)
class FixResult:
    root: str
    files: tuple[FileFix, ...]
    manual: tuple[ManualItem, ...]
    errors: tuple[FileError, ...]
    applied: bool = False
    files_scanned: int = 0

    def by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for file in self.files:
            for record in file.rewrites:
                counts[record.rule] = counts.get(record.rule, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self) -> dict:
        return {
            "files_changed": len(self.files),
            "rewrites": sum(len(f.rewrites) for f in self.files),
            "by_rule": self.by_rule(),
            "manual": len(self.manual),
        }

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "summary": self.summary(),
            "files": [f.to_dict() for f in self.files],
            "manual": [m.to_dict() for m in self.manual],
            "errors": [e.to_dict() for e in self.errors],
        }
