"""``--executor ray``: a local Ray cluster with 2 CPUs converts fixtures; the JSON equals the process
pool's except timings (skipped when Ray is not installed: it is the optional extra ``[ray]``)."""

import json
import re
from pathlib import Path

import pytest

from migrate.cli import main

pytest.importorskip("ray", reason="Ray is not installed (pip install 'torchscript-migrate[ray]')")

HERE = Path(__file__).parent
FIXTURES = HERE.parents[1] / "fixtures" / "models"
pytestmark = pytest.mark.slow

# timed_alone_seconds: the process pool's exclusive timing phase; a Ray run has none (None)
TIMING_KEYS = {"seconds", "latency_ms", "ratios", "wall_seconds", "timed_alone_seconds"}
# chosen by latency (the fastest of a family), so they are timings too; jobs and executor differ by design
DERIVED_KEYS = {"baselines", "python_free", "jobs", "executor"}
# the side-by-side note keeps the first median, which the process pool takes beside the other workers
FIRST_MEDIAN = re.compile(r"first timed briefly after its conversion( beside the other workers)?: [0-9.e+-]+ ms")


def without_timings(value, folder: str):
    if isinstance(value, dict):
        return {k: without_timings(v, folder) for k, v in value.items() if k not in TIMING_KEYS | DERIVED_KEYS}
    if isinstance(value, list):
        return [without_timings(v, folder) for v in value]
    if isinstance(value, str):
        return FIRST_MEDIAN.sub("first timed briefly: <ms>", value.replace(folder, "<artifacts>"))
    return value


def test_ray_run_equals_the_process_pool_run_except_timings(tmp_path):
    runs = {}
    for executor in ("process", "ray"):
        output = tmp_path / f"{executor}.json"
        code = main(["convert", str(FIXTURES / "torch_nn.py"), str(FIXTURES / "intro_tutorial.py"),
                     "--targets", "MultiheadAttention,MyCell", "--strategies", "eager,jit.script,jit.trace,export",
                     "--executor", executor, "--jobs", "2", "--min-run-time", "0.01", "--format", "json",
                     "-o", str(output), "--cache-dir", str(tmp_path / "cache"),
                     "--artifacts", str(tmp_path / f"artifacts-{executor}")])
        assert code in (0, 1)
        data = json.loads(output.read_text())
        assert data["executor"] == executor and data["jobs"] == 2
        runs[executor] = without_timings(data, str(tmp_path / f"artifacts-{executor}"))
        assert all(Path(r["artifact"].replace("<artifacts>", str(tmp_path / f"artifacts-{executor}"))).is_file()
                   for t in runs[executor]["targets"] for r in t["results"] if r["artifact"])
    assert [t["name"] for t in runs["ray"]["targets"]] == ["MultiheadAttention", "MyCell"]
    assert runs["ray"] == runs["process"]

