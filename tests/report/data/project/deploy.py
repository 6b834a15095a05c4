import torch


def save_for_serving(model, example, path):
    traced = torch.jit.trace(model, example)
    frozen = torch.jit.freeze(traced.eval())
    torch.jit.save(frozen, path)


def load_for_serving(path):
    return torch.jit.load(path)
