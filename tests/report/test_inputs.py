"""Loading the inputs: bad files, wrong kinds, other schema versions, stages that fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.report import inputs
from migrate.report.inputs import InputError, Request, check_schema, load, read_json, read_sources

DATA = Path(__file__).parent / "data"


def test_reads_each_sample():
    for stage in ("scan", "fix", "convert"):
        assert read_json(str(DATA / f"{stage}.json"), stage) is not None


@pytest.mark.parametrize("content, stage, message", [
    (None, "scan", "no such file"),
    ("{not json", "scan", "not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)"),
    ("[1, 2]", "convert", "expected a JSON object, got list"),
    ('{"schema_version": 1, "targets": []}', "scan", "has no 'findings' key: it looks like the output of migrate convert"),
    (b"\xff\xfe\x00bad", "fix", "cannot read"),
])
def test_unusable_json_is_an_input_error_naming_the_file(tmp_path, content, stage, message):
    path = tmp_path / "input.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as raised:
        read_json(str(path), stage)
    assert str(raised.value).startswith(f"{stage}: {path}: ") and message in str(raised.value)


def test_schema_versions_warn_in_check_schema():
    warnings: list[str] = []
    assert check_schema({"findings": []}, "scan", "s.json", warnings) == {"findings": []}
    assert check_schema({"schema_version": 99, "targets": []}, "convert", "c.json", warnings) is not None
    assert "no schema_version" in warnings[0] and "99 is newer" in warnings[1]


def test_a_report_json_can_stand_in_for_a_stage_output():
    convert = {"schema_version": 1, "targets": [{"name": "a", "results": []}]}
    report = {"kind": "torchscript-migrate report", "schema_version": 1, "targets": [{"name": "joined"}],
              "scan": {"schema_version": 1, "findings": []}, "fix": None, "convert": convert}
    warnings: list[str] = []
    assert check_schema(report, "scan", "r.json", warnings) == {"schema_version": 1, "findings": []}
    assert check_schema(report, "convert", "r.json", warnings) == convert  # not the report's own "targets"
    assert warnings == []
    assert check_schema(report, "fix", "r.json", warnings) is None
    assert warnings == ["fix: r.json: this report has no fix part; ignored"]
    from migrate.report.json_report import KIND

    assert KIND == inputs.REPORT_KIND


def test_load_from_json_reads_sources_under_path():
    loaded = load(Request(path=str(DATA / "project"), scan_json=str(DATA / "scan.json"), fix_json=str(DATA / "fix.json"),
                          convert_json=str(DATA / "convert.json")), progress=lambda m: None)
    assert loaded.warnings == () and set(loaded.origins) == {"scan", "fix", "convert"}
    assert loaded.sources["loop.py"].startswith("import torch")
    assert "broken.py" not in loaded.sources  # no finding there: not read


def test_a_stage_that_is_missing_or_fails_leaves_its_part_empty(monkeypatch, tmp_path):
    def missing(_):
        raise ImportError("No module named 'migrate.fix.api'")

    def broken(_):
        raise RuntimeError("worker pool died\ndetails")

    monkeypatch.setattr(inputs, "_call_scan", broken)
    monkeypatch.setattr(inputs, "_call_fix", missing)
    monkeypatch.setattr(inputs, "_call_convert", lambda request: {"schema_version": 1, "targets": []})
    loaded = load(Request(path=str(tmp_path), targets=["models.py"]), progress=lambda m: None)
    assert loaded.scan is None and loaded.fix is None and loaded.convert == {"schema_version": 1, "targets": []}
    assert loaded.warnings == (
        "scan: failed with RuntimeError: worker pool died",
        "fix: the fix stage is not available (No module named 'migrate.fix.api'); that part of the report is empty",
    )


def test_convert_gets_only_the_options_it_accepts(monkeypatch):
    seen = {}

    def convert(paths, strategies=None, threads=1):
        seen.update(paths=paths, strategies=strategies, threads=threads)
        return {"schema_version": 1, "targets": []}

    import migrate.convert

    monkeypatch.setattr(migrate.convert, "convert", convert, raising=False)
    request = Request(targets=["m.py"], strategies=["eager", "export"], timeout=5.0, cpp=True, only=["My*"])
    assert inputs._call_convert(request) == {"schema_version": 1, "targets": []}
    assert seen == {"paths": ["m.py"], "strategies": ["eager", "export"], "threads": 1}


def test_nothing_to_report_says_so():
    assert "nothing to report" in load(Request(), progress=lambda m: None).warnings[0]


def test_read_sources_skips_unreadable_and_huge_files(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_bytes(b"x = 1\x00\n\xff")
    (tmp_path / "big.py").write_text("#" * 100)
    monkeypatch.setattr(inputs, "MAX_SOURCE_BYTES", 50)
    assert read_sources(str(tmp_path), ["a.py", "big.py", "gone.py"]) == {"a.py": "x = 1\n\ufffd"}


def test_targets_files_are_read_for_the_join(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "models.py").write_text("def t():\n    pass\n")
    (tmp_path / "elsewhere.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    convert = {"targets": [{"name": "a", "source": "src/models.py:1"}, {"name": "b", "source": "elsewhere.py:1"},
                           {"name": "c", "source": "gone.py:3"}, {"name": "d", "source": "model.pt"}]}
    found = inputs.read_target_files(convert, str(tmp_path / "src"), {})
    assert found == {"models.py": "def t():\n    pass\n", "elsewhere.py": "x = 1\n"}


def test_convert_gets_every_option_when_it_takes_them_all(monkeypatch):
    seen = {}

    def convert(paths, **kwargs):
        seen.update(kwargs)
        return {"schema_version": 1, "targets": []}

    import migrate.convert

    monkeypatch.setattr(migrate.convert, "convert", convert, raising=False)
    inputs._call_convert(Request(targets=["m.py"], skip=["aoti"], threads=2, cpp=True, only=["My*"], jobs=3))
    assert seen == {"skip": ["aoti"], "threads": 2, "opt_in": {"cpp"}, "targets": ["My*"], "jobs": 3}


def test_fix_is_asked_for_unsafe_rewrites_too(monkeypatch):
    seen = {}

    class Result:
        def to_dict(self):
            return {"schema_version": 1, "files": []}

    def suggest(paths, config=None, unsafe=False):
        seen.update(paths=paths, config=config, unsafe=unsafe)
        return Result()

    import migrate.fix

    monkeypatch.setattr(migrate.fix, "suggest", suggest, raising=False)
    assert inputs._call_fix("src") == {"schema_version": 1, "files": []}
    from migrate.config import scan_config_for

    assert seen == {"paths": ["src"], "config": scan_config_for("src"), "unsafe": True}  # [tool.migrate] applied


def test_report_cli_passes_jobs_to_convert(monkeypatch, tmp_path):
    seen = {}

    def call_convert(request):
        seen["jobs"] = request.jobs
        return {"schema_version": 2, "targets": []}

    monkeypatch.setattr(inputs, "_call_convert", call_convert)
    from migrate.cli import main

    (tmp_path / "m.py").write_text("x = 1\n")
    main(["report", str(tmp_path), "--targets", str(tmp_path / "m.py"), "--jobs", "2", "--no-fix", "--out", str(tmp_path / "out")])
    assert seen == {"jobs": 2}
