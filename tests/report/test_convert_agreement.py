"""The report shows what the convert stage computed, and a new strategy needs no edit outside its file.

One real conversion of two fixture targets (MyCell, MyCell+MyDecisionGate) with a fast strategy
subset (no AOTInductor) plus a throwaway strategy kept in a temporary folder named by
``MIGRATE_STRATEGY_PATH`` (the documented way to add strategies outside the package); then
``migrate report --convert-json`` on its JSON.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.convert.results import ConvertRun
from migrate.convert.table import render_text
from migrate.report import formatting
from migrate.report.model import target_anchor

pytest.importorskip("torch")

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "models" / "intro_tutorial.py"
TARGETS = ("MyCell", "MyCell+MyDecisionGate")
THROWAWAY = '''
"""Test only: eager run again, declared as an export-family strategy."""
from migrate.convert.strategies.base import Context, Converted, Strategy


class Throwaway(Strategy):
    name = "throwaway.export"
    family = "export"
    order = 35
    description = "the module as written, declared as an export (test only)"

    def convert(self, ctx: Context) -> Converted:
        return Converted(run=ctx.module)
'''


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """(convert JSON, its table, the report's HTML, the report's JSON) of one run."""
    tmp = tmp_path_factory.mktemp("agreement")
    (tmp / "plugins").mkdir()
    (tmp / "plugins" / "throwaway.py").write_text(THROWAWAY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MIGRATE_STRATEGY_PATH", str(tmp / "plugins"))  # inherited by the worker processes
        patch.setenv("XDG_CACHE_HOME", str(tmp / "cache"))
        convert_json = tmp / "convert.json"
        code = main(["convert", str(FIXTURES), "--targets", ",".join(TARGETS), "--min-run-time", "0.05",
                     "--strategies", "jit.script,jit.trace,jit.freeze,export,throwaway.export",
                     "--format", "json", "--output", str(convert_json)])
        assert code == 1  # export fails on the data-dependent if, jit.trace is silently wrong
        table = render_text(ConvertRun.load(convert_json), width=250)
        assert main(["report", "--convert-json", str(convert_json), "--out", str(tmp / "out"), "--exit-zero"]) == 0
    return (json.loads(convert_json.read_text()), table, (tmp / "out" / "index.html").read_text(),
            json.loads((tmp / "out" / "report.json").read_text()))


def html_ratios(page: str, target: str) -> dict[str, tuple[str, str]]:
    """strategy -> (vs eager, vs TorchScript) as the target's strategy table shows them."""
    article = page.split(f'id="{target_anchor(target)}"', 1)[1].split("</article>", 1)[0]
    rows = re.findall(r'<td class="strategy">.*?</span>([^<]+)</td>(.*?)</tr>', article, flags=re.S)
    return {html.unescape(name): tuple(re.findall(r'<td class="num">([^<]*)</td>', body)[-2:]) for name, body in rows}


def test_the_ratios_in_the_html_are_the_ones_in_convert_s_json(converted):
    convert, _, page, report = converted
    for target in convert["targets"]:
        shown = html_ratios(page, target["name"])
        assert set(shown) == {r["strategy"] for r in target["results"]}
        for result in target["results"]:
            ratios = result["ratios"]
            expected = (formatting.ratio(ratios.get("vs_eager")), formatting.ratio(ratios.get("vs_torchscript")))
            assert shown[result["strategy"]] == expected, (target["name"], result["strategy"])
        joined = next(t for t in report["targets"] if t["name"] == target["name"])
        assert joined["torchscript_reference"] == target["baselines"]["torchscript"]
        assert {r["strategy"]: r["ratio_to_torchscript"] for r in joined["results"]} == {
            r["strategy"]: r["ratios"].get("vs_torchscript") for r in target["results"]}
    cell = next(t for t in convert["targets"] if t["name"] == "MyCell")
    ok_torchscript = [r for r in cell["results"] if r["strategy"] in ("jit.script", "jit.trace", "jit.freeze")
                      and r["status"] == "ok"]
    fastest = min(ok_torchscript, key=lambda r: r["latency_ms"]["median"])
    assert cell["baselines"]["torchscript"] == fastest["strategy"] and fastest["ratios"]["vs_torchscript"] == 1.0


def test_a_strategy_outside_the_package_shows_everywhere(converted):
    convert, table, page, report = converted
    assert {"name": "throwaway.export", "family": "export", "order": 35} in convert["strategies"]
    assert [s["name"] for s in convert["strategies"]] == [  # placed by its declared order
        "eager", "jit.script", "jit.trace", "jit.freeze", "export", "throwaway.export"]
    header = next(line for line in table.splitlines() if "target" in line)
    assert header.split("┃")[-2].strip() == "throwaway.export"  # the last column of convert's table
    assert '<th>throwaway.<wbr>export</th>' in page  # a column of the HTML matrix
    verdicts = {t["name"]: (t["verdict"], t["verdict_reason"]) for t in report["targets"]}
    # export itself fails on MyDecisionGate's data-dependent if; the throwaway "export" is ok: clean
    assert verdicts["MyCell+MyDecisionGate"] == ("clean", "throwaway.export ok")
    assert verdicts["MyCell"] == ("clean", "export and throwaway.export ok")
    assert "clean</b> = export or throwaway.export ok" in page
