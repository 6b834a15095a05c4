"""The pre-commit hooks (.pre-commit-hooks.yaml): `pre-commit try-repo` installs this project into a
hook environment from a commit and runs both hooks on a small repository, as a user's commit would.

The hooks name files one by one, so [tool.migrate]'s exclude must apply to named files too
(`--force-exclude`); the fast tests check that through main(argv), the slow one end to end.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from migrate.cli import main

ROOT = Path(__file__).resolve().parents[2]
CONFIG = '[tool.migrate]\nfail-on = "error"\nexclude = ["vendored/**"]\n'
MODEL = "import torch\nx = torch.jit.annotate(int, 3)\nm = torch.jit.script(model)\n"  # TS305 safe fix; TS101 error
WARNINGS_ONLY = "import torch\nwith torch.jit.fuser('fuser1'):\n    pass\n"  # TS501: a warning, no rewrite
VENDORED = "import torch\nt = torch.jit.trace(f, x)\n"


def git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def sample(tmp_path):
    repo = tmp_path / "sample"
    (repo / "vendored").mkdir(parents=True)
    (repo / "pyproject.toml").write_text(CONFIG)
    (repo / "model.py").write_text(MODEL)
    (repo / "constants.py").write_text(WARNINGS_ONLY)
    (repo / "vendored" / "old.py").write_text(VENDORED)
    return repo


def test_named_files_honour_the_configs_exclude_with_force_exclude(sample, monkeypatch, capsys):
    monkeypatch.chdir(sample)
    assert main(["scan", "vendored/old.py", "--no-cache", "-q"]) == 1  # named on purpose: scanned
    assert main(["scan", "--force-exclude", "vendored/old.py", "--no-cache", "-q"]) == 0
    assert "0 findings in 0 of 0 files" in capsys.readouterr().out


def test_named_files_use_the_configs_fail_on(sample, monkeypatch, capsys):
    monkeypatch.chdir(sample)
    assert main(["scan", "--force-exclude", "constants.py", "vendored/old.py", "--no-cache", "-q"]) == 0  # a warning
    assert main(["scan", "--force-exclude", "constants.py", "model.py", "--no-cache", "-q"]) == 1  # an error
    capsys.readouterr()


def test_fix_leaves_excluded_files_alone(sample, monkeypatch, capsys):
    monkeypatch.chdir(sample)
    (sample / "vendored" / "old.py").write_text(MODEL)
    assert main(["fix", "--apply", "--force-exclude", "vendored/old.py", "model.py"]) == 1
    capsys.readouterr()
    assert (sample / "vendored" / "old.py").read_text() == MODEL
    assert "x: int = 3" in (sample / "model.py").read_text()


def project_at_a_commit(folder: Path) -> Path:
    """This checkout's working tree (what pip installs of it), committed in a git repository of its
    own: try-repo clones a commit, and the checkout may have changes or not be a repository at all."""
    folder.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, folder / name)
    shutil.copytree(ROOT / "migrate", folder / "migrate", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    git("init", "-q", cwd=folder)
    git("add", "-A", cwd=folder)
    git("commit", "-q", "-m", "torchscript-migrate", cwd=folder)
    return folder


@pytest.mark.slow  # about 50 s: pre-commit builds a virtualenv and pip-installs the project and its dependencies
def test_pre_commit_try_repo_runs_both_hooks(sample, tmp_path):
    project = project_at_a_commit(tmp_path / "project")
    git("init", "-q", cwd=sample)
    git("add", "-A", cwd=sample)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the hook must run its own installed copy
    env["PRE_COMMIT_COLOR"] = "never"
    done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(project), "--all-files"], cwd=sample,
                          env=env, capture_output=True, text=True, timeout=600)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    fix_part, scan_part = out.split("- hook id: migrate-fix")[1].split("- hook id: migrate-scan")
    assert "files were modified by this hook" in fix_part
    assert (sample / "model.py").read_text() == "import torch\nx: int = 3\nm = torch.jit.script(model)\n"
    assert (sample / "vendored" / "old.py").read_text() == VENDORED  # excluded in [tool.migrate]
    assert "model.py:3:5  TS101 error" in scan_part  # an error: at or above fail-on = "error"
    assert "constants.py:2:6  TS501 warning" in scan_part  # shown, below fail-on
    assert "vendored" not in scan_part
