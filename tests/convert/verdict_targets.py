"""Small models that reproduce each way a verdict went wrong on real third-party models (issue 10).

Each one stands for a real model: an output holding an opaque object (transformers' DynamicCache),
a dict output (every ModelOutput), a CNN (static programs on another batch), an archive that does
not reload (torch_geometric's GCNConv), a scripted output of another structure (torchvision's
googlenet), keyword inputs (an attention mask), dropout in training mode, and a target whose
import fails underneath.
"""

from typing import NamedTuple, Optional

import torch

import migrate


class Cache:
    """Compares by identity, like transformers' DynamicCache."""

    def __init__(self, keys):
        self.keys = keys


class ReturnsACache(torch.nn.Module):
    def forward(self, x):
        return x * 2, Cache(x)


class ReturnsADict(torch.nn.Module):
    def forward(self, x):
        return {"logits": x * 2, "hidden": torch.relu(x)}


class SmallCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3)))


class ArchiveRefusesToLoad(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(3))

    def forward(self, x):
        return x * self.w

    def __deepcopy__(self, memo):  # Python copies (one per strategy) do not go through __setstate__
        copied = ArchiveRefusesToLoad()
        copied.w.data.copy_(self.w.data)
        return copied

    @torch.jit.export
    def __getstate__(self):
        return (self.w, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, bool]):
        raise RuntimeError("this archive refuses to load")


class Outputs(NamedTuple):
    logits: torch.Tensor
    aux: Optional[torch.Tensor]


class ScriptedReturnsANamedTuple(torch.nn.Module):
    """Like torchvision's googlenet: scripted, it returns Outputs(logits, None); eager, the logits."""

    def forward(self, x):
        logits = x * 3
        if torch.jit.is_scripting():
            return Outputs(logits, None)
        return logits


class Masked(torch.nn.Module):
    def forward(self, x, mask: torch.Tensor, scale: float = 2.0):
        return x * mask * scale


class Dropout(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.drop = torch.nn.Dropout(0.5)  # left in training mode

    def forward(self, x):
        return self.drop(x) + 1


class CountsItsCalls(torch.nn.Module):
    """Eager gives another answer on every call (as uninitialised memory would), whatever the seed."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x + 0.001 * (self.calls % 2)


@migrate.target
def counts_its_calls():
    return migrate.Target(CountsItsCalls(), (torch.rand(2, 3),))


@migrate.target
def returns_a_cache():
    return migrate.Target(ReturnsACache(), (torch.rand(2, 3),))


@migrate.target
def returns_a_dict():
    return migrate.Target(ReturnsADict(), (torch.rand(2, 3),))


@migrate.target
def small_cnn():
    return migrate.Target(SmallCNN().eval(), (torch.rand(1, 3, 8, 8),), check_inputs=[(torch.rand(3, 3, 8, 8),)])


@migrate.target
def archive_refuses_to_load():
    return migrate.Target(ArchiveRefusesToLoad(), (torch.rand(3),))


@migrate.target
def scripted_returns_a_namedtuple():
    return migrate.Target(ScriptedReturnsANamedTuple(), (torch.rand(2, 3),))


@migrate.target
def keyword_inputs():
    mask = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    return migrate.Target(Masked(), (torch.rand(2, 3),), kwargs={"mask": mask})


@migrate.target
def dropout_in_training_mode():
    return migrate.Target(Dropout().train(), (torch.rand(4, 8),))


@migrate.target
def import_fails_underneath():
    try:
        import a_package_that_is_not_installed  # noqa: F401
    except ImportError as exc:
        raise RuntimeError("Could not import module 'BertModel'") from exc
