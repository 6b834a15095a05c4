"""torch_geometric convolutions on a small random graph (random weights)."""

import _packages

_packages.prepare()

import torch  # noqa: E402
import torch_geometric  # noqa: E402

import migrate  # noqa: E402


def _graph(nodes, edges, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(nodes, 8, generator=generator), torch.randint(0, nodes, (2, edges), generator=generator)


def _target(conv):
    torch.manual_seed(0)
    return migrate.Target(conv.eval(), _graph(6, 12), check_inputs=[_graph(9, 20, seed=1)])


@migrate.target(name="pyg.GCNConv")
def gcn():
    return _target(torch_geometric.nn.GCNConv(8, 4))


@migrate.target(name="pyg.GATConv")
def gat():
    return _target(torch_geometric.nn.GATConv(8, 4, heads=2))


@migrate.target(name="pyg.SAGEConv")
def sage():
    return _target(torch_geometric.nn.SAGEConv(8, 4))
