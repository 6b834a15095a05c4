"""Collecting @migrate.target functions from targets files, folders and archives."""

import textwrap

import pytest

import migrate
from migrate.convert.targets import Target, collect, load_target

TARGETS_FILE = '''
import torch
import migrate
from helper_module import imported_target  # targets imported from elsewhere are not collected twice

@migrate.target
def plain():
    return migrate.Target(torch.nn.Identity(), (torch.ones(2),))

@migrate.target(name="Named")
def named():
    return migrate.Target(torch.nn.ReLU(), (torch.ones(2),), check_inputs=[(-torch.ones(2),)])

def not_a_target():
    return 1
'''

HELPER = '''
import migrate

@migrate.target
def imported_target():
    raise AssertionError("never called")
'''


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_collect_finds_decorated_functions_in_order(tmp_path):
    write(tmp_path, "helper_module.py", HELPER)
    path = write(tmp_path, "models.py", TARGETS_FILE)
    refs, errors = collect([str(path)])
    assert [r.name for r in refs] == ["plain", "Named"] and errors == []
    assert refs[1].function == "named" and refs[1].source == f"{path}:10"  # the decorator line
    built = load_target(refs[1])
    assert isinstance(built, Target) and len(built.check_inputs) == 1


def test_folder_collects_every_file_and_reports_bad_ones(tmp_path):
    write(tmp_path, "helper_module.py", HELPER)
    write(tmp_path, "models.py", TARGETS_FILE)
    write(tmp_path, "broken.py", "raise ImportError('missing dependency')\n")
    refs, errors = collect([str(tmp_path)])
    assert {r.name for r in refs} == {"plain", "Named", "imported_target"}
    assert [e.file.endswith("broken.py") for e in errors] == [True]
    assert "import failed: ImportError: missing dependency" in errors[0].message


@pytest.mark.parametrize("name, content, message", [
    pytest.param("missing.py", None, "no such file", id="missing"),
    pytest.param("empty.py", "x = 1\n", "no @migrate.target functions", id="no-targets"),
    pytest.param("notes.txt", "hello", "not a targets file", id="wrong-suffix"),
    pytest.param("model.pt", "", "needs --example-inputs", id="archive-without-inputs"),
])
def test_bad_paths_become_errors(tmp_path, name, content, message):
    if content is not None:
        write(tmp_path, name, content)
    refs, errors = collect([str(tmp_path / name)])
    assert refs == [] and message in errors[0].message


def test_migrate_exposes_target_lazily():
    assert migrate.target is migrate.convert.targets.target and migrate.Target is Target


def test_target_validates_inputs():
    with pytest.raises(TypeError, match="tuple"):
        Target(len, [1])
