"""Run one archive with a C++ runner and read back its JSON line and its outputs.

The runner runs in a subprocess: a load failure, a wrong input, a crash or a hang of the C++ side is a
RunResult with a status and a reason (``failed``, ``skipped``, ``timeout``, ``crashed``), never an
exception in Python.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Sequence

import torch

from migrate.cpp import build as builder
from migrate.cpp.tensor_file import TensorFileError, read_tensors, write_tensors

RUNNERS = ("torchscript", "aoti")
RUN_TIMEOUT_S = 300


@dataclasses.dataclass(frozen=True)
class RunResult:
    status: str  # ok, failed, skipped (no runner could be built), timeout, crashed
    runner: str
    archive: str
    stage: str | None = None  # where it stopped: build, archive, inputs, load, run, outputs, timeout, crash
    error: str | None = None
    load_ms: float | None = None
    median_ms: float | None = None
    iqr_ms: float | None = None
    min_ms: float | None = None
    runs: int = 0
    threads: int | None = None
    outputs: tuple[torch.Tensor, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["outputs"] = [{"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape)} for t in self.outputs]
        return data


def runner_for(archive: str | Path) -> str:
    """The runner an archive needs: ``.pt2`` packages go to the AOTInductor runner."""
    return "aoti" if str(archive).endswith(".pt2") else "torchscript"


def archive_kind(archive: str | Path) -> str | None:
    """What a zip archive holds, from its file list: "torchscript" (torch.jit.save), "aoti" (an
    AOTInductor package), "export" (torch.export.save, not compiled), or None (not a zip, or unknown)."""
    try:
        with zipfile.ZipFile(archive) as z:
            names = z.namelist()
    except (OSError, zipfile.BadZipFile):
        return None
    parts = [name.split("/", 1)[-1] for name in names]  # drop the archive's top folder
    if any(part.startswith("data/aotinductor/") for part in parts):
        return "aoti"
    if any(part.startswith("models/") and part.endswith(".json") for part in parts):
        return "export"
    if any(part.startswith("code/") for part in parts) and any(part in ("data.pkl", "constants.pkl") for part in parts):
        return "torchscript"
    return None


def mismatched_archive(archive: str | Path, runner: str) -> str | None:
    """Why ``runner`` cannot load ``archive`` (one line), or None when it may."""
    kind = archive_kind(archive)
    if kind is None or kind == runner:
        return None
    what = {
        "torchscript": "a TorchScript archive (torch.jit.save)",
        "aoti": "an AOTInductor package",
        "export": "an ExportedProgram saved with torch.export.save, not compiled by AOTInductor",
    }[kind]
    if kind == "export":
        advice = "compile it with torch._inductor.aoti_compile_and_package(program) and run that package"
    else:
        advice = f"run it with --runner {kind}"
    return f"{archive} is {what}; the {runner} runner cannot load it: {advice}"


def runner_inputs(values: Any, runner: str) -> list[torch.Tensor]:
    """Positional inputs as the runner takes them: the pytree leaves, in order.

    Python scalars become 0-d tensors for the TorchScript runner (it turns them back into scalars where
    ``forward`` declares bool, int or float); the AOTInductor runner takes tensor leaves only, as
    ``aoti_load_package`` does. ``None`` leaves are dropped. Anything else raises TypeError.
    """
    from torch.utils import _pytree as pytree

    tensors = []
    for i, leaf in enumerate(pytree.tree_leaves(values)):
        if isinstance(leaf, torch.Tensor):
            tensors.append(leaf)
        elif leaf is None:
            continue
        elif isinstance(leaf, (bool, int, float)):
            if runner == "torchscript":
                tensors.append(torch.tensor(leaf))
        else:
            raise TypeError(f"input leaf {i} is a {type(leaf).__name__}; the runners take tensors and scalars")
    return tensors


def run_archive(
    archive: str | Path,
    inputs: Sequence[torch.Tensor] | str | Path,
    runner: str | None = None,
    threads: int = 1,
    warmup: int = 10,
    iters: int = 100,
    timeout_s: float = RUN_TIMEOUT_S,
    build: builder.BuildResult | None = None,
    check_inputs: bool = True,
    seed: int | None = None,
) -> RunResult:
    """Run ``archive`` on ``inputs`` (tensors, or the path of a tensor file) with the matching runner.

    ``check_inputs=False`` turns off the AOTInductor package's own check of each input's dtype, shape
    and strides (about 0.7 us a call on a 2-core CPU): only for inputs known to match the package.
    ``seed`` reseeds torch's CPU generator before every call, as ``torch.manual_seed(seed)`` does in
    Python, so sampling models draw the same values as in Python.
    """
    runner = runner or runner_for(archive)
    if runner not in RUNNERS:
        raise ValueError(f"unknown runner {runner!r}; choose from {', '.join(RUNNERS)}")
    archive = Path(archive)
    base = {"runner": runner, "archive": str(archive)}
    if not archive.is_file():
        return RunResult("failed", stage="archive", error=f"{archive}: no such archive", **base)
    if problem := mismatched_archive(archive, runner):
        return RunResult("failed", stage="archive", error=problem, **base)
    build = build or builder.build_runners()
    if not build.ok:
        return RunResult("skipped", stage="build", error=f"C++ runners unavailable: {build.error}", **base)

    with tempfile.TemporaryDirectory(prefix="migrate-cpp-") as tmp:
        inputs_path = Path(tmp) / "inputs.tensors"
        outputs_path = Path(tmp) / "outputs.tensors"
        if isinstance(inputs, (str, Path)):
            inputs_path = Path(inputs)
        else:
            try:
                write_tensors(inputs_path, list(inputs))
            except TensorFileError as exc:
                return RunResult("failed", stage="inputs", error=str(exc), **base)
        command = [
            str(build.runners[runner]), str(archive), "--inputs", str(inputs_path), "--outputs", str(outputs_path),
            "--threads", str(threads), "--warmup", str(warmup), "--iters", str(iters),
        ]  # fmt: skip
        if seed is not None:
            command += ["--seed", str(seed)]
        try:
            env = {**os.environ, "AOTI_RUNTIME_CHECK_INPUTS": "1" if check_inputs else "0"}
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env)
        except subprocess.TimeoutExpired:
            return RunResult("timeout", stage="timeout", error=f"runner did not finish in {timeout_s:.0f} s", **base)
        except OSError as exc:
            return RunResult("skipped", stage="build", error=f"cannot start the runner: {exc.strerror or exc}", **base)
        return _result_from_process(done, outputs_path, base)


def _result_from_process(done: subprocess.CompletedProcess, outputs_path: Path, base: dict) -> RunResult:
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name if -done.returncode in signal.valid_signals() else "?"
        detail = _last_lines(done.stderr)
        return RunResult("crashed", stage="crash", error=f"runner killed by {name}{detail}", **base)
    line = parse_result_line(done.stdout)
    if line is None:
        reason = f"runner exited {done.returncode} without a result line{_last_lines(done.stderr)}"
        return RunResult("failed", stage="run", error=reason, **base)
    if "error" in line or done.returncode != 0:
        message = _without_file_list(str(line.get("message", f"runner exited {done.returncode}")))
        return RunResult("failed", stage=str(line.get("error", "run")), error=message, **base)
    try:
        outputs = tuple(read_tensors(outputs_path))
    except TensorFileError as exc:
        return RunResult("failed", stage="outputs", error=str(exc), **base)
    return RunResult(
        "ok",
        load_ms=float(line["load_ms"]),
        median_ms=float(line["median_ms"]),
        iqr_ms=float(line["iqr_ms"]),
        min_ms=float(line["min_ms"]),
        runs=int(line["runs"]),
        threads=int(line["threads"]),
        outputs=outputs,
        **base,
    )


def parse_result_line(stdout: str) -> dict | None:
    """The runner's JSON line: the last stdout line that parses as a JSON object."""
    for text in reversed(stdout.splitlines()):
        text = text.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _last_lines(stderr: str, n: int = 3) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return (": " + " | ".join(lines[-n:])) if lines else ""


def _without_file_list(message: str) -> str:
    """AOTInductor's load errors end with the archive's whole file list: keep what comes before it."""
    head = message.split("The following files were found:", 1)[0]
    return "\n".join(line for line in head.strip().splitlines() if line.strip()) or message
