"""`migrate record` runs the command unchanged and captures every TorchScript call with its inputs."""

import os
import subprocess
import sys
import textwrap

import pytest

from migrate.convert.targets import collect
from tests.record.conftest import ROOT, SCRIPTS, captures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def shapes(call):
    return [leaf.get("shape") for leaf in call["inputs"]]


def test_trace_is_captured_with_its_example_and_the_other_calls_as_checks(record, python):
    code, _, err, out = record(python, SCRIPTS / "trace_cell.py")
    assert code == 0 and "1 new capture(s)" in err
    (meta,) = captures(out).values()
    assert meta["name"] == "MyCell@trace_cell.py:15" and meta["api"] == "trace"
    assert meta["class"] == "intro_tutorial.MyCell" and meta["source"] == "importable"
    assert meta["site"]["file"] == str(SCRIPTS / "trace_cell.py") and meta["site"]["line"] == 15
    assert [c["origin"] for c in meta["calls"]] == ["example inputs of trace", f"{SCRIPTS / 'trace_cell.py'}:17"]
    assert [shapes(c) for c in meta["calls"]] == [[[3, 4], [3, 4]], [[5, 4], [5, 4]]]  # the repeat of the example is not kept
    assert meta["calls"][1]["bytes"] == 2 * 5 * 4 * 4
    assert meta["payload"]["module"]["bytes"] > 0 and len(meta["payload"]["module"]["sha256"]) == 64


def test_script_takes_the_first_calls_of_the_scripted_module(record, python):
    _, _, _, out = record(python, SCRIPTS / "script_gated_cell.py")
    (meta,) = captures(out).values()
    assert meta["name"] == "GatedCell@script_gated_cell.py:12" and meta["api"] == "script"
    assert [c["origin"].rsplit(":", 1)[1] for c in meta["calls"]] == ["13", "14"]  # both branches of the gate


def test_save_and_load_follow_the_program(record, python, tmp_path):
    _, _, _, out = record(python, SCRIPTS / "save_and_load.py", tmp_path)
    (meta,) = captures(out).values()
    assert meta["apis"] == ["script", "save", "load"] and meta["saved_to"] == [str(tmp_path / "my_module.pt")]
    assert [shapes(c) for c in meta["calls"]] == [[[20]], [[20]]]  # calls of the loaded program


def test_nested_calls_are_all_captured_and_the_outer_names_the_inner(record, python):
    _, _, _, out = record(python, SCRIPTS / "full_model.py")
    found = captures(out)
    assert set(found) == {"FullModel@full_model.py:14", "Encoder@deep_dive.py:90", "ConditionalDecoder@deep_dive.py:91",
                          "process_outputs@deep_dive.py:98"}  # process_outputs: the decorator, at import time
    assert found["FullModel@full_model.py:14"]["contains"] == ["Encoder@deep_dive.py:90", "ConditionalDecoder@deep_dive.py:91"]
    assert [shapes(c) for c in found["Encoder@deep_dive.py:90"]["calls"]] == [[[1, 16, 64]]]


def test_a_scripted_function_records_its_calls(record, python):
    _, _, _, out = record(python, SCRIPTS / "scripted_function.py")
    meta = captures(out)["process_outputs@deep_dive.py:98"]
    assert meta["kind"] == "function" and meta["payload"]["module"] == {"function": ["deep_dive", "process_outputs"]}
    assert [shapes(c) for c in meta["calls"]] == [[[4, 10]], [[4, 10], [4]]]


@pytest.mark.parametrize("script", ["trace_cell", "script_gated_cell", "full_model", "scripted_function"])
def test_recording_never_changes_the_output(record, python, script):
    plain = subprocess.run([python, str(SCRIPTS / f"{script}.py")], capture_output=True, env=os.environ)
    code, out, err, _ = record(python, SCRIPTS / f"{script}.py")
    assert code == plain.returncode == 0
    assert out.encode() == plain.stdout  # byte for byte
    assert err.rsplit("migrate record:", 1)[0].encode() == plain.stderr


PROGRAM = """
import os, signal, sys, torch
sys.path.insert(0, {models!r})
from intro_tutorial import MyCell
if __name__ == "__main__":
    traced = torch.jit.trace(MyCell(), (torch.rand(3, 4), torch.rand(3, 4)))
    how = sys.argv[1]
    if how == "exit":
        sys.exit(3)
    if how == "interrupt":
        os.kill(os.getpid(), signal.SIGINT)
    if how == "abort":
        os.abort()
    if how == "raise":
        raise ValueError("boom")
"""


@pytest.mark.parametrize("how, code", [("exit", 3), ("raise", 1), ("interrupt", 130), ("abort", 134)])
def test_a_failing_or_interrupted_command_passes_its_code_and_keeps_valid_captures(record, python, tmp_path, how, code):
    script = tmp_path / "prog.py"
    script.write_text(PROGRAM.format(models=str(ROOT / "fixtures" / "models")))
    got, _, _, out = record(python, script, how)
    assert got == code
    refs, errors = collect([str(out)])
    assert [r.name for r in refs] == ["MyCell@prog.py:6"] and errors == []
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_python_children_and_pytest_are_recorded_with_the_test_id(record, python, tmp_path):
    child = tmp_path / "child.py"
    child.write_text(PROGRAM.format(models=str(ROOT / "fixtures" / "models")))
    tests = tmp_path / "test_models.py"
    tests.write_text(textwrap.dedent(f"""
        import subprocess, sys, torch
        sys.path.insert(0, {str(ROOT / "fixtures" / "models")!r})
        from intro_tutorial import MyModule

        def test_script():
            scripted = torch.jit.script(MyModule(2, 3))
            scripted(torch.rand(3))

        def test_child():
            assert subprocess.run([sys.executable, {str(child)!r}, "none"]).returncode == 0
    """))
    code, out_text, _, out = record(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tests))
    assert code == 0 and "2 passed" in out_text
    found = captures(out)
    assert found["MyModule@test_models.py:7"]["test"] == "test_models.py::test_script"
    assert found["MyCell@child.py:6"]["test"] == "test_models.py::test_child"  # the child inherits the test id


def test_a_local_class_keeps_the_torchscript_archive(record, python, tmp_path):
    script = tmp_path / "local.py"
    script.write_text(textwrap.dedent("""
        import torch
        def build():
            class Local(torch.nn.Module):
                def forward(self, x):
                    return x * 2
            return Local()
        if __name__ == "__main__":
            torch.jit.script(build())(torch.ones(2))
    """))
    _, _, _, out = record(python, script)
    (meta,) = captures(out).values()
    assert meta["source"] == "not importable" and "local class" in meta["source_reason"]
    assert set(meta["payload"]) == {"archive", "inputs"}
    (ref,), errors = collect([str(out)])
    assert ref.kind == "archive" and ref.archive.endswith(".archive.pt") and ref.source.endswith("local.py:9")


def test_size_limit_keeps_the_metadata_and_says_why(record, python):
    _, _, _, out = record(python, SCRIPTS / "trace_cell.py", options=["--max-bytes", "1k"])
    (meta,) = captures(out).values()
    assert "over --max-bytes" in meta["omitted"] and meta["payload"] == {}
    refs, errors = collect([str(out)])
    assert refs == [] and "payload left out while recording" in errors[0].message


def test_max_calls_limits_the_recorded_calls(record, python):
    _, _, _, out = record(python, SCRIPTS / "script_gated_cell.py", options=["--max-calls", "1"])
    (meta,) = captures(out).values()
    assert len(meta["calls"]) == 1


def test_exit_codes_of_record_itself(record):
    assert record()[0] == 2  # no command
    code, _, err, _ = record("no-such-command-xyz")
    assert code == 127 and "command not found" in err


def test_help_says_captures_are_pickles(capsys):
    from migrate.cli import main

    assert main(["record", "--help"]) == 0
    assert "captures are pickles" in capsys.readouterr().out


def test_a_corrupt_or_foreign_capture_is_an_error_for_that_capture_only(record, python):
    _, _, _, out = record(python, SCRIPTS / "full_model.py")
    files = {m["name"]: m for m in captures(out).values()}
    assert len(files) == 4
    encoder = next(out.glob("Encoder@*.module.pt"))
    encoder.write_bytes(encoder.read_bytes()[:100])  # truncated
    decoder = next(out.glob("ConditionalDecoder@*.capture.json"))
    decoder.write_text(decoder.read_text().replace(files["ConditionalDecoder@deep_dive.py:91"]["torch_version"], "1.13.1"))
    (out / "broken.capture.json").write_text("{not json")
    refs, errors = collect([str(out)])
    assert [r.name for r in refs] == ["FullModel@full_model.py:14"]
    messages = sorted(e.message for e in errors)
    assert any("corrupt: Encoder@" in m for m in messages)
    assert any("recorded with torch 1.13.1, this is torch" in m for m in messages)
    assert any(m.startswith("capture: unreadable capture metadata") for m in messages)
    assert any("no inputs recorded" in m for m in messages)  # process_outputs was never called
