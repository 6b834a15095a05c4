"""Which strategies a run converts with: ``--strategies``, ``--skip`` and the opt-in groups (``--cpp``, ``--tuned``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping

if TYPE_CHECKING:
    from migrate.convert.strategies.base import Strategy


def select_strategies(available: Mapping[str, Strategy], strategies: Iterable[str] | None = None,
                      skip: Iterable[str] | None = None, opt_in: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(strategies to run, strategies recorded as skipped by the user), both in run order.

    Default: every strategy that is not opt-in, plus the opt-in groups named in ``opt_in``.
    ``strategies`` names exactly which run (opt-in ones included); the reference (eager) and what
    the named ones ``need`` are added (the references: the strategies declaring ``reference``). ``skip`` removes strategies (they show as skipped);
    a name also removes its dotted variants (``aoti``: aoti.freeze, aoti.tuned, ...), as a linter's
    ``--ignore E`` ignores E501. Unknown names raise ValueError.
    """
    order = list(available)
    references = [n for n, s in available.items() if s.reference]
    named = [s.strip() for s in (strategies or ()) if s.strip()]
    skip_names = [s.strip() for s in (skip or ()) if s.strip()]
    unknown = [s for s in named if s not in order] + [
        s for s in skip_names if not any(n == s or n.startswith(s + ".") for n in order)]
    if unknown:
        raise ValueError(f"unknown strategy {', '.join(unknown)}; known: {', '.join(order)}")
    skipped = [n for n in order if any(n == s or n.startswith(s + ".") for s in skip_names)]
    blocked = [s for s in skipped if s in references]
    if blocked:
        raise ValueError(f"{', '.join(blocked)} is the reference every strategy is compared with; it cannot be skipped")
    groups = set(opt_in)
    if named:
        wanted = set(named) | set(references)
        pending = list(wanted)
        while pending:  # pull in what the named strategies need
            for dep in available[pending.pop()].needs:
                if dep in order and dep not in wanted and dep not in skipped:
                    wanted.add(dep)
                    pending.append(dep)
    else:
        wanted = {n for n, s in available.items() if s.opt_in is None or s.opt_in in groups}
    run = [s for s in order if s in wanted and s not in skipped]
    # shown as skipped: the names given, and the variants they stood for that would have run
    return run, [s for s in order if s in skip_names or (s in skipped and s in wanted)]
