"""The scan configuration is resolved in one place, migrate.config, from paths plus overrides (no argparse);
the command line only maps its options onto it."""

import json
import os

import pytest

from migrate.cli import main
from migrate.config import ConfigError, ScanConfig, resolve_scan_config, scan_config_for, user_cache_dir
from migrate.scan import scan


@pytest.fixture
def project(tmp_path):
    (tmp_path / "a.py").write_text("import torch\nm = torch.jit.script(x)\nt = torch.jit.trace(x, y)\n")
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "b.py").write_text("import torch\nm = torch.jit.script(x)\n")
    (tmp_path / "pyproject.toml").write_text('[tool.migrate]\nexclude = ["gen/"]\nselect = ["TS1"]\n'
                                             'max-file-size = 1000\n')
    return tmp_path


def test_tool_migrate_then_overrides(project):
    config, found = resolve_scan_config([str(project)])
    assert found.path == str(project / "pyproject.toml")
    assert (config.select, config.exclude, config.max_file_bytes, config.base) == (
        ("TS1",), ("gen/",), 1000, str(project))
    config, _ = resolve_scan_config([str(project)], select=["TS102"], exclude=["x/"], cache=False, jobs=3)
    assert (config.select, config.exclude, config.cache_dir, config.jobs) == (("TS102",), ("gen/", "x/"), "", 3)
    assert scan_config_for(str(project)) == resolve_scan_config([str(project)])[0]


def test_unknown_rule_is_a_config_error(project):
    with pytest.raises(ConfigError, match="unknown rule id or prefix: TS7"):
        resolve_scan_config([str(project)], ignore=["TS7"])


def test_the_command_line_resolves_the_same_config(project, capsys):
    assert main(["scan", str(project), "--format", "json", "--no-cache", "--select", "TS101"]) == 1
    cli = json.loads(capsys.readouterr().out)["findings"]
    config, _ = resolve_scan_config([str(project)], select=["TS101"], cache=False)
    assert [f.to_dict() for f in scan([str(project)], config).findings] == cli
    assert [(f["path"], f["rule"]) for f in cli] == [("a.py", "TS101")]


def test_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert user_cache_dir("scan") == os.path.join(str(tmp_path), "torchscript-migrate", "scan")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert user_cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "torchscript-migrate")
    assert ScanConfig().cache_dir is None  # None: the scan uses user_cache_dir("scan")
