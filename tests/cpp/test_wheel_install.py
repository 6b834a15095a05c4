"""A non-editable install (a built wheel in a fresh virtual environment) can build and run the C++ runners.

The runner sources live in cpp_reference/ at the repository root; the package reaches them as
``migrate/cpp/reference`` (a link in the checkout, real files in the wheel), so ``pip install .`` ships
them as package data. The venv sees the system's torch (``--system-site-packages``) so nothing is
downloaded; the build goes to a fresh cache folder so that the wheel's own sources are compiled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import torch

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _run(command, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the venv's own migrate, not a checkout's
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env, **kwargs)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)])
    (built,) = out.glob("torchscript_migrate-*.whl")
    return built


def test_wheel_ships_the_runner_sources(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    sources = sorted(p.name for p in (ROOT / "cpp_reference").iterdir() if p.suffix in (".cpp", ".h", ".txt"))
    assert sources, "cpp_reference/ has no sources"
    for name in sources:
        assert f"migrate/cpp/reference/{name}" in names, f"{name} missing from the wheel"


def test_wheel_install_builds_and_runs_the_runners(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)])
    where = _run([str(python), "-c", "import migrate, sys; print(migrate.__file__)"], cwd=tmp_path).stdout.strip()
    assert Path(where).resolve().is_relative_to(env_dir.resolve()), f"migrate imported from {where}, not the wheel"

    cache = tmp_path / "cpp-cache"
    build = _run([str(env_dir / "bin" / "migrate"), "cpp", "build", "--cache-dir", str(cache)], cwd=tmp_path)
    assert "C++ runners ready (built" in build.stdout

    module = torch.jit.script(torch.nn.Linear(3, 2).eval())
    archive, inputs = tmp_path / "linear.pt", tmp_path / "inputs.pt"
    module.save(str(archive))
    torch.save((torch.ones(1, 3),), inputs)
    command = [str(env_dir / "bin" / "migrate"), "cpp", "run", str(archive), "--inputs", str(inputs),
               "--cache-dir", str(cache), "--iters", "2", "--warmup", "0", "--json"]  # fmt: skip
    result = json.loads(_run(command, cwd=tmp_path).stdout)
    assert result["status"] == "ok"
