"""``migrate record``: conversion targets captured from the user's own runs.

``record(command, out)`` runs ``command`` unchanged (arguments, working folder, environment,
stdio; its exit code is the result) with TorchScript's entry points intercepted in that process
and in every Python process it starts, and writes one capture per intercepted call to ``out``.
``migrate convert OUT`` then converts every capture like a hand-written target.

Data flow: ``startup`` (in each recorded process: wait for ``import torch``) -> ``patches`` (the
wrappers around torch.jit) -> ``hooks`` (what a call becomes: a capture, its site, its inputs) ->
``capture`` (the file format, atomic writes) ... later, in ``migrate convert``: ``targets``
(captures -> TargetRefs, checks; building the Target in the worker).

Captures are pickles: loading one runs code, like importing a targets file. Convert only
captures you recorded yourself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

BOOTSTRAP = Path(__file__).resolve().parent / "bootstrap"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MAX_CALLS = 4
DEFAULT_MAX_BYTES = 100 << 20
DEFAULT_MAX_TOTAL_BYTES = 500 << 20


def recording_environment(out: Path, max_calls: int, max_bytes: int, max_total_bytes: int,
                          base: dict | None = None) -> dict:
    """The command's environment plus what turns recording on in its Python processes."""
    from migrate.record.startup import ENV_DIR, ENV_MAX_BYTES, ENV_MAX_CALLS, ENV_MAX_TOTAL

    env = dict(os.environ if base is None else base)
    paths = [str(BOOTSTRAP), str(PACKAGE_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.update({ENV_DIR: str(out.resolve()), ENV_MAX_CALLS: str(max_calls), ENV_MAX_BYTES: str(max_bytes),
                ENV_MAX_TOTAL: str(max_total_bytes)})
    return env


def exit_code(returncode: int) -> int:
    """The shell's convention: a command killed by signal N gives 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def record(command: list[str], out: str | Path, max_calls: int = DEFAULT_MAX_CALLS,
           max_bytes: int = DEFAULT_MAX_BYTES, max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES) -> int:
    """Run ``command`` while recording into ``out``; the command's exit code (127: not found)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    env = recording_environment(out, max_calls, max_bytes, max_total_bytes)
    main_thread = threading.current_thread() is threading.main_thread()
    # Ctrl-C reaches the command (same process group); record waits for its exit code. A Python
    # handler, not SIG_IGN: ignored signals stay ignored in the child, handlers are reset at exec.
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None) if main_thread else None
    try:
        try:
            process = subprocess.Popen(command, env=env)
        except FileNotFoundError:
            print(f"migrate record: command not found: {command[0]}", file=sys.stderr)
            return 127
        except PermissionError:
            print(f"migrate record: not executable: {command[0]}", file=sys.stderr)
            return 126
        return exit_code(process.wait())
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)


__all__ = ["record", "recording_environment", "exit_code"]
