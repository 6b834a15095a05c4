"""``python -m tests.real_models [--ci]``: the real-model benchmark (every target, or the CI subset).

Prints the agreement table (target x strategy: expected verdict, and migrate's where it differs)
and the wall time. Exit code 1 when a verdict differs.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _suite import agreement_table, available_files, run_suite  # noqa: E402  (suite puts this folder on sys.path)
from _expected import CI_SUBSET  # noqa: E402


def main(argv: list[str]) -> int:
    files, left_out = available_files()
    for reason in left_out:
        print(f"left out: {reason}")
    if not files:
        return 0
    run, rows, seconds = run_suite(files, targets=CI_SUBSET if "--ci" in argv else None)
    print(agreement_table(rows))
    print(f"wall time: {seconds} s for {len(run.targets)} targets (torch {run.torch_version}, "
          f"{run.threads} thread(s), no AOTInductor)")
    return 0 if all(e == f for _, _, e, f in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
