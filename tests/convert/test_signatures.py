"""Static export strategies export once per value of the non-tensor inputs the check inputs use, where the
example's program rejects them (the recipe for flags: one program per value; ``_signatures.py``)."""

from pathlib import Path

import pytest
import torch

from migrate.convert import convert
from migrate.convert.strategies._signatures import PerSignature, describe, signature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")

TARGETS = '''
import enum

import torch
import migrate


class Pattern(enum.Enum):
    BG = 0
    RG = 1


def demosaic(image, pattern: Pattern):
    return image[..., ::2, ::2] * 2 if pattern == Pattern.BG else image[..., 1::2, 1::2] * 3


class Scaled(torch.nn.Module):
    def forward(self, x, double: bool = False):
        return x * 2 if double else x + 1


class Unused(torch.nn.Module):
    def forward(self, x, flag: bool = False):
        return x + 1


@migrate.target(name="flag")
def flag():
    return migrate.Target(Scaled(), (torch.randn(2, 3), False), check_inputs=[(torch.randn(2, 3), True)])


@migrate.target(name="omitted")
def omitted():
    return migrate.Target(Scaled(), (torch.randn(2, 3),), check_inputs=[(torch.randn(2, 3), True)])


@migrate.target(name="enum")
def enum_input():
    return migrate.Target(demosaic, (torch.randn(1, 4, 4), Pattern.BG), check_inputs=[(torch.randn(1, 4, 4), Pattern.RG)])


@migrate.target(name="same")
def same():
    return migrate.Target(Scaled(), (torch.randn(2, 3), True), check_inputs=[(torch.randn(2, 3), True)])
'''


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signatures")
    (folder / "targets.py").write_text(TARGETS)
    return convert([folder / "targets.py"], strategies=["export", "export.strict"], min_run_time=0.01,
                   cache_dir=folder / "cache", artifact_dir=folder / "artifacts")


@pytest.mark.parametrize("strategy", ["export", "export.strict"])
def test_a_flag_the_program_guards_on_gets_a_program_per_value(run, strategy):
    result = next(t for t in run.targets if t.name == "flag").result(strategy)
    assert result.status == "ok", result.error
    assert result.variant == "2 programs, per input value"
    assert [c.ok for c in result.checks if c.label in ("example", "check 1")] == [True, True]
    note = next(n for n in result.notes if n.startswith("exported once per value"))
    assert "double=False (example); double=True (check 1)" in note
    assert Path(result.artifact).with_name(f"{strategy}.2.pt2").is_file()


def test_an_argument_the_example_leaves_out_is_named(run):
    result = next(t for t in run.targets if t.name == "omitted").result("export")
    assert result.status == "ok", result.error
    assert any("double not given (example); double=True (check 1)" in n for n in result.notes)


def test_checks_with_the_example_values_keep_one_program(run):
    result = next(t for t in run.targets if t.name == "same").result("export")
    assert result.status == "ok" and result.variant is None
    assert not any(n.startswith("exported once per value") for n in result.notes)


def test_the_dispatcher_names_what_it_has_for_an_unknown_signature():
    example = (torch.ones(1), False)
    dispatch = PerSignature({signature(example): lambda x, flag: x}, {signature(example): "flag=False (example)"})
    assert dispatch(torch.ones(1), False).item() == 1
    with pytest.raises(ValueError, match=r"no program was exported .*flag=False \(example\)"):
        dispatch(torch.ones(1), True)


def test_signature_ignores_tensor_values_and_shapes_but_not_structure_or_flags():
    assert signature((torch.ones(2), 3)) == signature((torch.zeros(5), 3))
    assert signature((torch.ones(2), 3)) != signature((torch.ones(2), 4))
    assert signature((torch.ones(2),)) != signature((torch.ones(2), None))
    assert describe([("example", (torch.ones(1), 1)), ("check 1", (torch.ones(1), 2))], ["x", "k"]) == [
        "k=1 (example)", "k=2 (check 1)"]


def test_an_enum_input_is_bound_into_the_program_it_cannot_be_saved_with(run):
    """torch.export.save cannot store an Enum input (kornia's raw_to_rgb CFA: "Failed serializing node cfa"): the
    value is bound into the program, one program per value the checks use."""
    result = next(t for t in run.targets if t.name == "enum").result("export")
    assert result.status == "ok", result.error
    assert [c.ok for c in result.checks if c.label in ("example", "check 1")] == [True, True]
    assert any("Enum input 2 bound into the program" in n for n in result.notes)
    assert result.variant == "2 programs, per input value"
