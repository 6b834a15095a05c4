"""Real third-party models (transformers, timm, torchvision, kornia, PyG): migrate's verdicts must be
the expected ones (_expected.py, from manual runs).

By default the CI subset runs (one target per mechanism, a few minutes); set
``MIGRATE_REAL_MODELS=full`` for every target (or run ``python -m tests.real_models``, which prints
the agreement table). A targets file whose package is not installed is skipped with the reason.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _expected import CI_SUBSET, EXPECTED, FILES  # noqa: E402
from _packages import installed  # noqa: E402
from _suite import HERE, run_suite  # noqa: E402

pytestmark = pytest.mark.real_models
FULL = os.environ.get("MIGRATE_REAL_MODELS") == "full"


def wanted(name: str) -> bool:
    return FULL or name in CI_SUBSET


@pytest.fixture(scope="module")
def suite_rows(tmp_path_factory):
    files = [HERE / f for f, package in FILES.items() if installed(package)]
    if not files:
        pytest.skip(f"none of {', '.join(FILES.values())} is installed (pip install -e \".[real-models]\")")
    targets = None if FULL else CI_SUBSET
    run, rows, seconds = run_suite(files, targets=targets, cache_dir=str(tmp_path_factory.mktemp("real") / "cache"))
    return {(t, s): (e, f) for t, s, e, f in rows}, run


PACKAGE_OF = {"hf": "transformers", "tv": "torchvision", "timm": "timm", "kornia": "kornia", "pyg": "torch_geometric"}


def _cases():
    for target in EXPECTED:
        package = PACKAGE_OF[target.split(".")[0]]
        marks = [] if wanted(target) else [pytest.mark.skip(reason="not in the CI subset: MIGRATE_REAL_MODELS=full")]
        if not installed(package):
            marks = [pytest.mark.skip(reason=f"{package} is not installed (pip install -e \".[real-models]\")")]
        yield pytest.param(target, id=target, marks=marks)


@pytest.mark.parametrize("target", list(_cases()))
def test_verdicts_are_the_expected_ones(suite_rows, target):
    rows, _ = suite_rows
    found = {s: f for (t, s), (e, f) in rows.items() if t == target}
    assert found == EXPECTED[target]


def test_gcn_archive_that_does_not_reload_is_named_so(suite_rows):
    _, run = suite_rows
    script = next(t for t in run.targets if t.name == "pyg.GCNConv").result("jit.script")
    assert script.stage == "reload" and script.cause == "archive does not reload"
    assert script.source_line is None or "code/__torch__" not in script.source_line


def test_bert_trace_says_it_needed_strict_false(suite_rows):
    _, run = suite_rows
    bert = next(t for t in run.targets if t.name == "hf.Bert")
    assert bert.result("jit.trace").variant == "strict=False"
    assert bert.result("jit.script").cause == "source not available"


def test_gpt2_cache_is_not_compared_and_export_says_use_cache(suite_rows):
    _, run = suite_rows
    gpt2 = next(t for t in run.targets if t.name == "hf.GPT2")
    assert any("DynamicCache" in n for n in gpt2.result("eager").notes)
    assert gpt2.result("export").cause == "non-tensor object in output"
    assert "use_cache=False" in gpt2.result("export").hint


def test_googlenet_script_differs_in_structure_only(suite_rows):
    _, run = suite_rows
    script = next(t for t in run.targets if t.name == "tv.googlenet").result("jit.script")
    assert script.cause == "other output structure" and "the tensors are equal" in script.error


def test_kornia_library_failures_name_the_library_line(suite_rows):
    _, run = suite_rows
    script = next(t for t in run.targets if t.name == "kornia.Rotate").result("jit.script")
    assert script.source_line and "(library code: kornia)" in script.source_line
    assert script.cause == "TorchScript type limitation"
