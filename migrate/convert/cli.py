"""``migrate convert PATHS``: convert every target with every strategy, compare outputs and latency."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migrate.cli_common import comma_list
from migrate.convert.supervisor import DEFAULT_TIMEOUT, default_cache_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="targets files (.py with @migrate.target functions), folders of them, TorchScript archives (.pt), "
                             "or folders of `migrate record` captures (pickles: loading them runs code)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE instead of the terminal")
    parser.add_argument("--strategies", type=comma_list, metavar="A,B", help="run only these strategies (and what they need)")
    parser.add_argument("--targets", type=comma_list, metavar="A,B",
                        help="only targets with these names (shell patterns, e.g. 'My*')")
    parser.add_argument("--skip", type=comma_list, metavar="A,B", default=[], help="do not run these strategies; a name also skips its variants (aoti: aoti.freeze, aoti.sdpa_math, ...)")
    parser.add_argument("--cpp", action="store_true", help="also run the opt-in C++ runner strategies (cpp.*)")
    parser.add_argument("--tuned", action="store_true",
                        help="also run the opt-in aoti.tuned strategy (freezing + max_autotune; slow compiles, reused)")
    parser.add_argument("--threads", type=int, default=1, metavar="N", help="torch threads for conversion and timing (default 1)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="targets converted at once, each worker pinned to its own --threads cores "
                             "(default: the number of cores / --threads)")
    parser.add_argument("--max-memory", default="default", metavar="SIZE",
                        help="memory one worker may hold (e.g. 4G) before it is stopped and reported 'out of memory' "
                             "(default: 80%% of the machine's memory / --jobs; 0: no limit)")
    parser.add_argument("--executor", choices=("process", "ray"), default="process",
                        help="process: worker processes here (default); ray: one Ray task per target (extra [ray])")
    parser.add_argument("--ray-address", metavar="ADDRESS",
                        help="with --executor ray: the cluster to use (e.g. ray://head:10001 or auto); default: a local one")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds one strategy may take on one target before its worker is killed (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--example-inputs", metavar="INPUTS.pt",
                        help="inputs for .pt archive targets: a tuple saved with torch.save (loaded with weights_only=True)")
    parser.add_argument("--cache-dir", metavar="DIR",
                        help=f"AOTInductor cache and artifacts (default {default_cache_dir()})")
    parser.add_argument("--artifacts", metavar="DIR", help="where .pt/.pt2 artifacts go (default CACHE_DIR/artifacts)")
    parser.add_argument("--min-run-time", type=float, default=0.2, metavar="S",
                        help="seconds of timed blocks of calls per strategy, after a warm-up (default 0.2)")
    parser.add_argument("--path", action="append", default=[], metavar="DIR",
                        help="add DIR to sys.path (and PYTHONPATH of the workers) so captures and targets can import your code")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the results of targets whose code, files and options are unchanged since an "
                             "earlier run (their latencies are that run's)")
    parser.add_argument("--list-strategies", action="store_true", help="list the strategies and exit")


def list_strategies() -> str:
    from migrate.convert.strategies import discover

    lines = []
    for name, strategy in discover().items():
        extra = [f"opt-in: --{strategy.opt_in}"] if strategy.opt_in else []
        extra += [f"needs {' or '.join(strategy.needs)}"] if strategy.needs else []
        lines.append(f"{name:16} {strategy.description}{' (' + '; '.join(extra) + ')' if extra else ''}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from migrate.convert.supervisor import convert
    from migrate.convert.table import render, render_text

    if args.list_strategies:
        print(list_strategies())
        return 0
    if not args.paths:
        print("migrate convert: name at least one targets file, folder or .pt archive", file=sys.stderr)
        return 2
    if args.threads < 1 or args.timeout <= 0 or (args.jobs is not None and args.jobs < 1):
        print("migrate convert: --threads and --jobs must be >= 1 and --timeout > 0", file=sys.stderr)
        return 2
    problem = _unusable_options(args)
    if problem:  # found before the run, not after minutes of conversion
        print(f"migrate convert: {problem}", file=sys.stderr)
        return 2
    add_import_paths(args.path)
    console = Console(stderr=True)
    progress = Progress(console) if console.is_terminal else None
    try:
        result = convert(args.paths, strategies=args.strategies, skip=args.skip, threads=args.threads,
                         timeout=args.timeout, opt_in={g for g, on in (("cpp", args.cpp), ("tuned", args.tuned)) if on}, artifact_dir=args.artifacts,
                         cache_dir=args.cache_dir, example_inputs=args.example_inputs, min_run_time=args.min_run_time,
                         targets=args.targets, on_event=progress.on_event if progress else None, jobs=args.jobs,
                         max_memory=args.max_memory, executor=args.executor, ray_address=args.ray_address,
                         reuse=getattr(args, "reuse", False))
    except ValueError as exc:
        print(f"migrate convert: {exc}", file=sys.stderr)
        return 2
    finally:
        if progress:
            progress.stop()
    if not result.targets:  # nothing to convert: each reason, no empty table
        for error in result.errors or [{"file": ", ".join(args.paths), "message": "no targets found"}]:
            print(f"migrate convert: {error['file']}: {error['message']}", file=sys.stderr)
        if args.format != "json":
            return 2
    if args.format == "json":
        output = result.to_json() + "\n"
    else:
        output = None
    if args.output:
        try:
            Path(args.output).write_text(output if output is not None else render_text(result))
        except OSError as exc:
            print(f"migrate convert: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"wrote {args.output}", file=sys.stderr)
    elif output is not None:
        sys.stdout.write(output)
    elif Console().is_terminal:
        terminal = Console()
        terminal.print(render(result, width=terminal.width))
    else:  # piped or redirected: as wide as the table needs, nothing cut off
        sys.stdout.write(render_text(result))
    if not result.targets:
        return 2
    return 1 if result.has_failures or result.errors else 0


def _unusable_options(args) -> str | None:
    """What is wrong with --output or --example-inputs (one line), or None."""
    from migrate.cli_common import unwritable_file
    from migrate.convert.targets import read_example_inputs

    from migrate.convert.resources import parse_size

    if args.output and (problem := unwritable_file(args.output)):
        return f"--output {args.output}: {problem}"
    if args.max_memory != "default":
        try:
            parse_size(args.max_memory)
        except ValueError as exc:
            return f"--max-memory: {exc}"
    if args.ray_address and args.executor != "ray":
        return "--ray-address needs --executor ray"
    if args.executor == "ray":
        import importlib.util

        if importlib.util.find_spec("ray") is None:
            return "--executor ray needs Ray: pip install 'torchscript-migrate[ray]'"
    if args.example_inputs:
        try:
            read_example_inputs(args.example_inputs)
        except ValueError as exc:
            return f"--example-inputs {args.example_inputs}: {exc}"
    return None


def add_import_paths(folders: list[str]) -> None:
    """``--path``: folders the user's code imports from, for this process and the workers it starts."""
    import os

    resolved = [str(Path(f).resolve()) for f in folders]
    for folder in reversed(resolved):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    if resolved:
        existing = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(resolved + existing))


class Progress:
    """The shared progress bar (migrate.cli_common) over (target, strategy) pairs, fed by the runner's events."""

    def __init__(self, console):
        from migrate.cli_common import ProgressBar

        self.bar = ProgressBar(console, "converting", min_total=0)
        self.done = 0
        self.total: int | None = None
        self.description = "converting"

    def on_event(self, event: dict) -> None:
        kind = event["event"]
        if kind == "plan":
            self.total = len(event["targets"]) * len(event["strategies"])
        elif self.total is None:
            return
        elif kind == "start":
            self.description = f"{event['target']}: {event['strategy']}"
        elif kind == "result":
            self.done += 1
        else:
            return
        self.bar(self.done, self.total, self.description)

    def stop(self) -> None:
        self.bar.stop()
