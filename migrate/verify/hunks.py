"""A rewritten file as hunks, and the file with only some of them applied (pure: text in, text out).

The hunks are those of the unified diff `migrate fix` shows (difflib's grouped opcodes, 3 lines of
context), so the hunk verify names is one the user has seen.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CONTEXT = 3


@dataclass(frozen=True)
class Hunk:
    index: int  # 0-based, in file order
    header: str  # "@@ -12,7 +12,8 @@"
    text: str  # the hunk as unified-diff lines (header included)
    edits: tuple[tuple[int, int, tuple[str, ...]], ...]  # (first old line, end old line, new lines)


def _range(start: int, stop: int) -> str:
    length = stop - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def hunks(old: str, new: str) -> list[Hunk]:
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    found = []
    for index, group in enumerate(difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(CONTEXT)):
        header = f"@@ -{_range(group[0][1], group[-1][2])} +{_range(group[0][3], group[-1][4])} @@"
        lines = [header]
        edits = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [" " + line.rstrip("\r\n") for line in a[i1:i2]]
                continue
            lines += ["-" + line.rstrip("\r\n") for line in a[i1:i2]]
            lines += ["+" + line.rstrip("\r\n") for line in b[j1:j2]]
            edits.append((i1, i2, tuple(b[j1:j2])))
        found.append(Hunk(index, header, "\n".join(lines) + "\n", tuple(edits)))
    return found


def apply_hunks(old: str, selected: list[Hunk]) -> str:
    """``old`` with the edits of the selected hunks (of ``hunks(old, new)``) made, the others not."""
    a = old.splitlines(keepends=True)
    edits = sorted((e for h in selected for e in h.edits), key=lambda e: e[0])
    out, position = [], 0
    for start, end, replacement in edits:
        out += a[position:start]
        out += list(replacement)
        position = end
    out += a[position:]
    return "".join(out)
