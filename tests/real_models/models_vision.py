"""torchvision classifiers with random weights (weights=None), on small images."""

import _packages

_packages.prepare()

import torch  # noqa: E402
import torchvision  # noqa: E402

import migrate  # noqa: E402


def _images(batch, size=64, seed=0):
    return torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(seed))


@migrate.target(name="tv.resnet18")
def resnet18():
    return migrate.Target(torchvision.models.resnet18(weights=None, num_classes=10).eval(), (_images(1),),
                          check_inputs=[(_images(3, seed=1),)])


@migrate.target(name="tv.googlenet")
def googlenet():
    model = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False, num_classes=10).eval()
    return migrate.Target(model, (_images(1),), check_inputs=[(_images(2, seed=1),)])


@migrate.target(name="tv.squeezenet")
def squeezenet():
    return migrate.Target(torchvision.models.squeezenet1_1(weights=None, num_classes=10).eval(), (_images(1),),
                          check_inputs=[(_images(2, 48, seed=1),)])


@migrate.target(name="tv.mobilenet_v3")
def mobilenet_v3():
    return migrate.Target(torchvision.models.mobilenet_v3_small(weights=None, num_classes=10).eval(), (_images(1),),
                          check_inputs=[(_images(2, seed=1),)])
