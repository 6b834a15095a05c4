"""The readiness figure: one number a lead can read, with its formula stated next to it.

    model score = (targets that export cleanly + ½ × targets that export only via a fallback) ÷ targets
    code score  = (findings with a safe rewrite + ½ × findings with an unsafe rewrite) ÷ findings
    readiness   = mean of the scores that could be computed

A target that still needs TorchScript, and a finding left for a human, count 0. Fallbacks and unsafe
rewrites count half: they work, but need a person to check them. A scan with no findings scores 100.
"""

from __future__ import annotations

from migrate.report.model import Readiness

PCT = "\u202f%"  # narrow no-break space: "42 %" never breaks before the sign

FORMULA = (
    "readiness = mean of the model score and the code score; "
    "model score = (targets that export cleanly + ½ × targets that export only via a fallback) ÷ targets; "
    "code score = (findings with a safe rewrite + ½ × findings with an unsafe rewrite) ÷ findings. "
    "Targets that still need TorchScript and findings left for a human count 0."
)


def compute(
    *, targets: int | None, clean: int, fallback: int, findings: int | None, safe: int, unsafe: int
) -> Readiness:
    """``targets`` / ``findings`` are None when that input is missing (its score is then left out)."""
    parts: list[str] = []
    models = code = None
    if targets:
        models = 100.0 * (clean + 0.5 * fallback) / targets
        parts.append(f"model score ({clean} + ½ × {fallback}) ÷ {targets} = {models:.0f}{PCT}")
    if findings is not None:
        code = 100.0 * (safe + 0.5 * unsafe) / findings if findings else 100.0
        if findings:
            parts.append(f"code score ({safe} + ½ × {unsafe}) ÷ {findings} = {code:.0f}{PCT}")
        else:
            parts.append(f"code score: no findings = 100{PCT}")
    scores = [s for s in (models, code) if s is not None]
    percent = sum(scores) / len(scores) if scores else None
    if len(scores) == 2:
        parts.append(f"readiness ({models:.0f}{PCT} + {code:.0f}{PCT}) ÷ 2 = {percent:.0f}{PCT}")
    elif percent is not None:
        parts.append(f"readiness = {percent:.0f}{PCT} (only one score available)")
    else:
        parts.append("readiness: no targets converted and no scan, nothing to score")
    return Readiness(percent, models, code, FORMULA, "; ".join(parts))
