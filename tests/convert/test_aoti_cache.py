"""AOTInductor packages reused from the user cache: the key, and a re-run through the CLI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.convert.results import ConvertRun

HERE = Path(__file__).parent
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


def _program(seed: int = 0, shape=(2, 4)):
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU()).eval()
    return torch.export.export(model, (torch.randn(*shape),))


def test_key_follows_the_machine(monkeypatch):
    """A package compiled on an AVX-512 machine dies on an AVX2 one: a shared cache must not hand it over."""
    import torch

    from migrate.convert.strategies._aoti_cache import package_key

    program = _program()
    key = package_key(program, 1)
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "DEFAULT")
    assert package_key(program, 1) != key


def test_key_follows_graph_constants_threads_and_options(tmp_path):
    import torch

    from migrate.convert.strategies._aoti_cache import package_key

    program = _program()
    key = package_key(program, 1)
    torch.export.save(program, str(tmp_path / "p.pt2"))
    assert package_key(torch.export.load(str(tmp_path / "p.pt2")), 1) == key  # saved and loaded back: the same
    assert package_key(_program(seed=1), 1) != key  # other weights
    assert package_key(_program(shape=(3, 4)), 1) != key  # other shapes in the graph
    assert package_key(program, 2) != key
    assert package_key(program, 1, {"freezing": True}) != key
    model = torch.nn.Sequential(torch.nn.Linear(4, 4)).eval()
    strided = torch.randn(4, 2).t()  # the same shape, another layout: AOTInductor specialises to it
    assert package_key(torch.export.export(model, (strided,)), 1) != package_key(
        torch.export.export(model, (strided.contiguous(),)), 1)


@pytest.mark.slow
def test_a_rerun_on_an_unchanged_target_reuses_the_package(tmp_path):
    def run(name: str) -> ConvertRun:
        output = tmp_path / f"{name}.json"
        code = main(["convert", str(HERE / "parallel_targets.py"), "--targets", "probe_a", "--strategies", "aoti,aoti.freeze",
                     "--min-run-time", "0.01", "--format", "json", "-o", str(output), "--cache-dir",
                     str(tmp_path / "cache"), "--artifacts", str(tmp_path / name)])
        assert code == 0
        return ConvertRun.load(output)

    cold_run, warm_run = (run(name).targets[0] for name in ("cold", "warm"))
    # aoti.freeze runs after aoti in the same worker: its key must not depend on whether aoti compiled
    assert cold_run.result("aoti.freeze").cached is False and warm_run.result("aoti.freeze").cached is True
    cold, warm = cold_run.result("aoti"), warm_run.result("aoti")
    assert cold.status == warm.status == "ok"
    assert cold.cached is False and warm.cached is True
    assert Path(warm.artifact).is_file() and warm.artifact.startswith(str(tmp_path / "warm"))
    assert [c.ok for c in warm.checks] == [c.ok for c in cold.checks]
    assert len(list((tmp_path / "cache" / "aoti-packages").glob("*.pt2"))) == 2
    # loading it back runs no vector-ISA probe (a compile and a dlopen subprocess per ISA: most of a hit's
    # cost in a fresh worker; aoti_load_package runs it only to warn about another CPU, which the key rules out)
    probe = ("import sys, torch; from migrate.convert.strategies._aoti_runner import load_package; "
             "from torch._inductor import cpu_vec_isa; run = load_package(sys.argv[1]); "
             "print(cpu_vec_isa.valid_vec_isa_list.cache_info().currsize, run(torch.randn(2, 3)).shape)")
    out = subprocess.run([sys.executable, "-c", probe, warm.artifact], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(HERE.parents[1])})
    assert out.stdout.split()[0] == "0", out.stdout
    table = tmp_path / "table.txt"
    main(["convert", str(HERE / "parallel_targets.py"), "--targets", "probe_a", "--strategies", "aoti",
          "--min-run-time", "0.01", "-o", str(table), "--cache-dir", str(tmp_path / "cache")])
    assert "(cached)" in table.read_text()


def test_workers_get_the_cache_dir_even_after_inductor_set_its_default(monkeypatch, tmp_path):
    """Anything that compiles in this process (torch.compile, an in-process AOTInductor build) makes inductor
    write its default cache folder into os.environ; that is not the user's choice, so the workers still get
    --cache-dir's inductor folder (seen in CI: test_aoti_on_a_small_model found no inductor folder)."""
    from torch._inductor.runtime.cache_dir_utils import cache_dir, default_cache_dir

    from migrate.convert.supervisor import WorkerOptions, _worker_env

    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    cache_dir()  # what inductor does on its first compile
    import os

    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == os.path.abspath(default_cache_dir())
    options = WorkerOptions(artifact_dir=tmp_path / "artifacts", cache_dir=tmp_path / "cache")
    assert _worker_env(options)["TORCHINDUCTOR_CACHE_DIR"] == str(tmp_path / "cache" / "inductor")
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "mine"))  # the user's own: kept
    assert _worker_env(options)["TORCHINDUCTOR_CACHE_DIR"] == str(tmp_path / "mine")
