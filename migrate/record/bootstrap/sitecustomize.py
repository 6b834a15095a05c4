"""Put first on PYTHONPATH by ``migrate record``: starts recording in every Python process of the run.

Python imports ``sitecustomize`` at start-up; this one waits for ``import torch`` (it imports
nothing heavy itself), then runs the sitecustomize it shadows, if there is one.
"""

import os

if os.environ.get("MIGRATE_RECORD_DIR"):
    try:
        from migrate.record.startup import start, chain_sitecustomize

        start()
        chain_sitecustomize(os.path.dirname(os.path.abspath(__file__)))
    except Exception as exc:  # recording must never stop the user's program
        import sys

        print(f"migrate record: not recording in this process: {type(exc).__name__}: {exc}", file=sys.stderr)
