import torch

import migrate
from cells import MyCell, MyDecisionGate
from loop import WrapRNN


@migrate.target
def my_cell():
    return migrate.Target(MyCell(torch.nn.Identity()), (torch.rand(3, 4), torch.rand(3, 4)))


@migrate.target
def gated_cell():
    x = torch.rand(3, 4)
    return migrate.Target(MyCell(MyDecisionGate()), (x, x), check_inputs=[(-x, x)])


@migrate.target(name="wrap_rnn")
def wrapped_loop():
    return migrate.Target(WrapRNN(), (torch.rand(6, 10, 4),))
