"""Tolerant readers for the stages' JSON: a missing or odd field gives an empty value, never an error."""

from __future__ import annotations


def list_field(data: dict | None, key: str, warnings: list[str], stage: str) -> list:
    if data is None:
        return []
    value = data.get(key)
    if value is None:
        warnings.append(f"{stage}: the input has no '{key}' list; treated as empty")
        return []
    if not isinstance(value, list):
        warnings.append(f"{stage}: '{key}' is not a list; ignored")
        return []
    return value


def int_value(value) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def first_line(value) -> str:
    text = as_text(value)
    return text.strip().splitlines()[0] if text.strip() else ""


def code_after_reference(value) -> str:
    """The converter writes "file:line: code"; the code part ("" when absent)."""
    parts = first_line(value).split(":", 2)
    return parts[2].strip() if len(parts) == 3 and parts[1].strip().isdigit() else ""


def without_prefix(error: str, error_type: str) -> str:
    """"RuntimeError: boom" with error_type RuntimeError -> "boom" (the type is shown beside it)."""
    prefix = f"{error_type}: "
    return error[len(prefix):] if error_type and error.startswith(prefix) else error


def draft_summary(value) -> str:
    """torch.export.draft_export's report in one line: "2 issues: DATA_DEPENDENT_ERROR Eq(u0, 1) at f.py:3"."""
    if not isinstance(value, dict):
        return as_text(value)
    if value.get("ran") is False:
        return f"draft_export did not run: {first_line(value.get('error')) or 'no reason given'}"
    listed = value.get("failures")
    failures = [f for f in listed if isinstance(f, dict)] if isinstance(listed, list) else []
    if not failures:
        return "no issues found" if value.get("successful") else as_text(value)
    parts = []
    for failure in failures:
        where = first_line(failure.get("user_line"))
        text = " ".join(str(failure[k]) for k in ("type", "expr", "message") if failure.get(k))
        parts.append(text + (f" at {where}" if where else ""))
    return f"{len(failures)} issue{'s' if len(failures) != 1 else ''}: " + "; ".join(parts)


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # e.g. a draft_export summary given as data
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)
