"""timm models with random weights (pretrained=False), on small images."""

import _packages

_packages.prepare()

import timm  # noqa: E402
import torch  # noqa: E402

import migrate  # noqa: E402


def _images(batch, size=64, seed=0):
    return torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(seed))


@migrate.target(name="timm.resnet18")
def resnet18():
    return migrate.Target(timm.create_model("resnet18", pretrained=False, num_classes=10).eval(), (_images(1),),
                          check_inputs=[(_images(3, seed=1),)])


@migrate.target(name="timm.mobilenetv3")
def mobilenetv3():
    model = timm.create_model("mobilenetv3_small_050", pretrained=False, num_classes=10).eval()
    return migrate.Target(model, (_images(1),), check_inputs=[(_images(2, seed=1),)])


@migrate.target(name="timm.vit")
def vit():
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=32, patch_size=8, depth=2,
                              num_classes=10).eval()
    return migrate.Target(model, (_images(2, 32),), check_inputs=[(_images(3, 32, seed=1),)])
