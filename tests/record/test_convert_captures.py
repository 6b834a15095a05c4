"""`migrate convert CAPTURES/` gives the tutorial programs the verdicts of the hand-written targets."""

import json
import sys

import pytest

from migrate.cli import main
from tests.record.conftest import ROOT, SCRIPTS

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

STRATEGIES = "jit.script,jit.trace,export,ts2ep"
# capture (class@script:line of the call) -> the hand-written target in fixtures/models
SAME_MODEL = {
    "MyCell@trace_cell.py:15": "MyCell",
    "GatedCell@script_gated_cell.py:12": "MyCell+MyDecisionGate",
    "MyModule@save_and_load.py:15": "MyModule",
    "FullModel@full_model.py:14": "FullModel",
    "process_outputs@deep_dive.py:98": "process_outputs",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("record")
    captures = folder / "captures"
    for script in ("trace_cell", "script_gated_cell", "save_and_load", "full_model", "scripted_function"):
        assert main(["record", "--out", str(captures), "--", sys.executable, str(SCRIPTS / f"{script}.py")]) == 0
    common = ["--strategies", STRATEGIES, "--min-run-time", "0.01", "--cache-dir", str(folder / "cache"), "--format", "json"]
    main(["convert", str(captures), "-o", str(folder / "captures.json"), *common])
    main(["convert", str(ROOT / "fixtures" / "models"), "-o", str(folder / "hand.json"), *common,
          "--targets", ",".join(SAME_MODEL.values())])
    return (json.loads((folder / "captures.json").read_text()), json.loads((folder / "hand.json").read_text()))


def statuses(run: dict) -> dict:
    return {t["name"]: {r["strategy"]: (r["status"], r["cause"]) for r in t["results"]} for t in run["targets"]}


@pytest.mark.parametrize("capture, hand", SAME_MODEL.items())
def test_a_capture_gets_the_verdicts_of_its_hand_written_target(runs, capture, hand):
    recorded, written = (statuses(run) for run in runs)
    assert recorded[capture] == written[hand]


def test_captures_point_at_the_call_site_and_the_unconvertible_ones_say_why(runs):
    recorded, _ = runs
    sources = {t["name"]: t["source"] for t in recorded["targets"]}
    assert sources["GatedCell@script_gated_cell.py:12"].endswith("fixtures/record/script_gated_cell.py:12")
    # the encoder and decoder traced/scripted inside FullModel.__init__ are captured too; the
    # decoder is never called from Python (only from the scripted FullModel), so it has no inputs
    assert "Encoder@deep_dive.py:90" in sources
    assert any("ConditionalDecoder@deep_dive.py:91: no inputs recorded" in e["message"] for e in recorded["errors"])
