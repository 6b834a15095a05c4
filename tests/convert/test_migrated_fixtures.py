"""The codemods migrate the tutorial models: `migrate fix --apply --unsafe` on a copy of fixtures/models, then
the convert API (AOTInductor and C++ skipped) on the copy. The migrated targets export and match eager on
every check input, and the models that no codemod migrates are left as they were, still correct in eager.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migrate.convert import convert
from migrate.fix.api import apply
from migrate.scan.model import ScanConfig

FIXTURES = Path(__file__).parents[2] / "fixtures" / "models"
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
# needed TorchScript before the fix (FullModel: its check 1 adds the `greedy` flag the example leaves
# out, so export exports once per value of it)
MIGRATED = ["MyCell+MyDecisionGate", "MyRNNLoop", "WrapRNN", "FullModel"]
LEFT = ["MyModule"]  # branches of different shapes: no torch.cond


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    copy = tmp_path_factory.mktemp("models") / "models"
    shutil.copytree(FIXTURES, copy)
    apply([str(copy)], config=ScanConfig(cache_dir="", jobs=1), unsafe=True)
    assert "torch.jit" not in (copy / "intro_tutorial.py").read_text()
    run = convert([copy / "intro_tutorial.py", copy / "deep_dive.py"], targets=MIGRATED + LEFT,
                  strategies=["export", "export.strict"], min_run_time=0.01,
                  cache_dir=tmp_path_factory.mktemp("cache"))
    return {t.name: t for t in run.targets}


@pytest.mark.parametrize("name", MIGRATED)
def test_the_migrated_target_exports_and_matches_eager_on_every_check(migrated, name):
    target = migrated[name]
    assert target.result("eager").status == "ok"
    for strategy in ("export", "export.strict"):
        result = target.result(strategy)
        assert result.status == "ok", (strategy, result.error)
        assert all(c.ok for c in result.checks) and result.checks[0].label == "example"
        # every check input is compared, or (static program) skipped as of other shapes: the loops'
        # checks have other sequence lengths, which a static export (loop unrolled) does not take
        compared = {c.label for c in result.checks}
        skipped = {s.split(":")[0] for s in result.skipped_inputs if "other shapes" in s}
        assert "check 1" in compared | skipped
    if name == "MyCell+MyDecisionGate":  # both branches of the gate, compared
        assert "check 1" in {c.label for c in target.result("export").checks}


def test_what_no_codemod_migrates_still_runs_in_eager(migrated):
    assert migrated["MyModule"].result("eager").status == "ok"  # no torch.cond over branches of other shapes


def test_full_model_exports_once_per_value_of_greedy(migrated):
    export = migrated["FullModel"].result("export")
    assert export.variant == "2 programs, per input value"
    assert any("greedy not given (example); greedy=False (check 1)" in note for note in export.notes)
