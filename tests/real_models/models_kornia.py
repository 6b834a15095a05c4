"""kornia filters, features and geometry modules (no weights), on small images."""

import _packages

_packages.prepare()

import kornia  # noqa: E402
import torch  # noqa: E402

import migrate  # noqa: E402


def _images(batch, size=32, seed=0, channels=3):
    return torch.rand(batch, channels, size, size, generator=torch.Generator().manual_seed(seed))


@migrate.target(name="kornia.GaussianBlur2d")
def gaussian_blur():
    return migrate.Target(kornia.filters.GaussianBlur2d((5, 5), (1.5, 1.5)), (_images(1),),
                          check_inputs=[(_images(2, 40, seed=1),)])


@migrate.target(name="kornia.Sobel")
def sobel():
    return migrate.Target(kornia.filters.Sobel(), (_images(1),), check_inputs=[(_images(2, 40, seed=1),)])


@migrate.target(name="kornia.Rotate")
def rotate():
    return migrate.Target(kornia.geometry.Rotate(torch.tensor([30.0])), (_images(1),),
                          check_inputs=[(_images(1, 40, seed=1),)])


@migrate.target(name="kornia.RgbToGrayscale")
def grayscale():
    return migrate.Target(kornia.color.RgbToGrayscale(), (_images(1),), check_inputs=[(_images(2, 40, seed=1),)])


@migrate.target(name="kornia.Harris")
def harris():
    return migrate.Target(kornia.feature.CornerHarris(0.04), (_images(1, channels=1),),
                          check_inputs=[(_images(2, 40, seed=1, channels=1),)])
