"""Output comparison (pytree, dtype-aware tolerances) and the generated check inputs."""

import pytest
import torch

from migrate.convert.compare import compare, input_sets, resize_first_dim, same_shapes


@pytest.mark.parametrize("expected, actual, ok", [
    pytest.param(torch.ones(3), torch.ones(3), True, id="equal"),
    pytest.param(torch.ones(3), torch.ones(3) + 5e-6, True, id="within-float32-atol"),
    pytest.param(torch.ones(3), torch.ones(3) + 1e-3, False, id="beyond-float32-tolerance"),
    pytest.param(torch.ones(3, dtype=torch.float16), torch.ones(3, dtype=torch.float16) * 1.0005, True, id="float16-looser"),
    pytest.param(torch.tensor([1, 2]), torch.tensor([1, 3]), False, id="integers-exact"),
    pytest.param((torch.ones(2), [1, 2]), (torch.ones(2), [1, 2]), True, id="tensor-and-int-list"),
    pytest.param((torch.ones(2), [1, 2]), (torch.ones(2), [1, 3]), False, id="int-list-differs"),
    pytest.param((torch.ones(2), torch.zeros(2)), [torch.ones(2), torch.zeros(2)], True, id="tuple-vs-list-containers"),
    pytest.param(torch.tensor([float("nan")]), torch.tensor([float("nan")]), True, id="nan-equals-nan"),
])
def test_compare_ok(expected, actual, ok):
    assert compare(expected, actual).ok is ok


def test_compare_reports_errors():
    result = compare(torch.zeros(2), torch.tensor([0.0, 0.5]))
    assert result.max_abs_error == pytest.approx(0.5)
    assert not result.ok and result.error is None


@pytest.mark.parametrize("expected, actual, message", [
    pytest.param(torch.zeros(10, 20), torch.zeros(10), "shape (10,) where eager gives (10, 20)", id="shape"),
    pytest.param(torch.zeros(2), torch.zeros(2, dtype=torch.int64), "dtype", id="dtype"),
    pytest.param((torch.zeros(2), torch.zeros(2)), torch.zeros(2), "structure", id="structure"),
])
def test_compare_explains_incomparable_outputs(expected, actual, message):
    result = compare(expected, actual)
    assert not result.ok and message in result.error


def test_spread_widens_the_tolerance():
    assert not compare(torch.zeros(3), torch.full((3,), 0.01)).ok
    assert compare(torch.zeros(3), torch.full((3,), 0.01), spread=0.02).ok


def test_opaque_objects_are_not_compared_and_modeloutput_like_containers_are_flattened():
    from dataclasses import dataclass

    class Opaque:
        pass

    @dataclass
    class Output:
        logits: torch.Tensor
        cache: object

    result = compare(Output(torch.ones(2), Opaque()), Output(torch.ones(2), Opaque()))
    assert result.ok and result.not_compared == ("output.cache: Opaque",)
    assert not compare(Output(torch.ones(2), Opaque()), Output(torch.zeros(2), Opaque())).ok
    assert compare({"logits": torch.ones(2)}, {"logits": torch.ones(2)}).ok


def test_same_tensors_in_another_structure_is_not_a_value_mismatch():
    result = compare(torch.ones(2), (torch.ones(2), None, None))
    assert not result.ok and result.same_values and "the tensors are equal" in result.error


def test_input_sets_labels_and_shapes():
    example = (torch.rand(3, 4), torch.rand(3, 4))
    sets = input_sets(example, ((-example[0], example[1]),))
    assert [s.label for s in sets] == ["example", "check 1", "random values", "dim0=4"]
    assert same_shapes(sets[2].args, example) and not torch.equal(sets[2].args[0], example[0])
    assert sets[3].args[0].shape == (4, 4) and sets[3].args[1].shape == (4, 4)


def test_resize_keeps_batch_one_models_honest():
    label, args = resize_first_dim((torch.rand(1, 3, 8, 8),), seed=0)
    assert label == "dim0=2" and args[0].shape == (2, 3, 8, 8)


def test_resize_needs_a_common_first_dimension():
    assert resize_first_dim((torch.rand(2, 3), torch.rand(5, 3)), seed=0) is None
    assert resize_first_dim((True, 3), seed=0) is None


def test_generated_integer_inputs_stay_in_range():
    tokens = torch.tensor([[3, 7, 5]])
    (new,) = input_sets((tokens,), ())[1].args
    assert new.dtype == torch.int64 and int(new.min()) >= 3 and int(new.max()) <= 7
