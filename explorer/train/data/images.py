"""Generated pictures: which shape is it, which way do the stripes run, which pixel is what.

Everything is drawn with numpy (see ``raster``), so any size, colour depth
and count is a few array operations away and nothing is downloaded.
Classes are exactly balanced: example i has class i mod classes, shuffled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.graph.params import Param
from explorer.graph.specs import TensorSpec

from .dataset import DatasetInfo, Generated
from .limits import require_memory
from .raster import (
    SHAPE_NAMES,
    add_noise,
    backgrounds,
    bright_colours,
    paint,
    random_placement,
    shape_masks,
)

IMAGES_GROUP = "Images"


def _size(default: int = 32) -> Param:
    return Param("size", int, default, "Image height and width in pixels", min=8, max=256)


def _channels(default: int) -> Param:
    return Param("channels", int, default, "Colour channels (1 grey, 3 colour)", min=1, max=3)


def _count(default: int) -> Param:
    return Param("count", int, default, "How many images in all", min=4, max=200_000)


def _noise(default: float = 0.05) -> Param:
    return Param("noise", float, default, "Spread of the random noise added to each pixel",
                 min=0.0, max=1.0)


def _reserve(name: str, opts: dict[str, Any], bytes_per_pixel: int) -> None:
    pixels = opts["count"] * opts["size"] ** 2
    require_memory(name, pixels * bytes_per_pixel, "count or size")


def _balanced_labels(count: int, classes: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(np.arange(count) % classes).astype(np.int64)


def _shapes(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    _reserve("shapes", opts, 4 * opts["channels"] + 12)  # image, mask and coordinates
    n, size, channels, classes = opts["count"], opts["size"], opts["channels"], opts["classes"]
    labels = _balanced_labels(n, classes, rng)
    images = backgrounds(n, channels, size, rng)
    cx, cy, radius = random_placement(n, size, 0.2, 0.42, rng)
    paint(images, shape_masks(labels, cx, cy, radius, size), bright_colours(n, channels, rng))
    add_noise(images, opts["noise"], rng)
    return Generated(images, labels, TensorSpec((channels, size, size)), "classification",
                     classes, SHAPE_NAMES[:classes])


def _stripe_name(degrees: float) -> str:
    plain = {0.0: " (horizontal)", 90.0: " (vertical)"}.get(degrees, "")
    return f"{degrees:g}°{plain}"


def _stripes(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    _reserve("stripes", opts, 8 * opts["channels"] + 16)  # image and the wave it is made of
    n, size, channels, classes = opts["count"], opts["size"], opts["channels"], opts["classes"]
    labels = _balanced_labels(n, classes, rng)
    step = np.pi / classes
    angle = labels * step + rng.uniform(-0.2, 0.2, n) * step  # of the stripes, from horizontal
    waves = rng.uniform(2.5, 5.0, n)  # stripes across the image
    phase = rng.uniform(0.0, 2 * np.pi, n)
    grid = (np.arange(size, dtype=np.float32) + 0.5) / size
    across = (np.sin(angle)[:, None, None] * grid[None, None, :]
              + np.cos(angle)[:, None, None] * grid[None, :, None])
    wave = 0.5 + 0.5 * np.sin(2 * np.pi * waves[:, None, None] * across + phase[:, None, None])
    dark = rng.uniform(0.0, 0.3, (n, channels, 1, 1))
    light = rng.uniform(0.6, 1.0, (n, channels, 1, 1))
    images = (dark + (light - dark) * wave[:, None]).astype(np.float32)
    add_noise(images, opts["noise"], rng)
    names = tuple(_stripe_name(round(180.0 * k / classes, 1)) for k in range(classes))
    return Generated(images, labels, TensorSpec((channels, size, size)), "classification",
                     classes, names)


def _shape_masks(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    _reserve("shape_masks", opts, 4 * opts["channels"] + 8 + 12)  # image, labels, drawing
    n, size, channels, classes = opts["count"], opts["size"], opts["channels"], opts["classes"]
    images = backgrounds(n, channels, size, rng)
    masks = np.zeros((n, size, size), dtype=np.int64)
    shown = rng.integers(1, opts["objects"] + 1, n)  # how many shapes each image holds
    for k in range(opts["objects"]):
        kinds = rng.integers(0, classes - 1, n)
        cx, cy, radius = random_placement(n, size, 0.12, 0.26, rng)
        drawn = shape_masks(kinds, cx, cy, radius, size) & (k < shown)[:, None, None]
        paint(images, drawn, bright_colours(n, channels, rng))
        masks[drawn] = np.broadcast_to(kinds[:, None, None] + 1, drawn.shape)[drawn]
    add_noise(images, opts["noise"], rng)
    return Generated(images, masks, TensorSpec((channels, size, size)), "segmentation",
                     classes, ("background", *SHAPE_NAMES[: classes - 1]))


DATASETS = (
    DatasetInfo(
        "shapes", "Shapes",
        "One light shape per image (circle, square, triangle, …): name the shape.",
        IMAGES_GROUP,
        (Param("classes", int, 10, "How many kinds of shape (one class each)", min=2,
               max=len(SHAPE_NAMES)),
         _size(), _channels(3), _count(2000), _noise()),
        "classification", "ImageInput", _shapes),
    DatasetInfo(
        "stripes", "Stripes",
        "Striped images: tell which way the stripes run.",
        IMAGES_GROUP,
        (Param("classes", int, 4, "How many stripe directions (one class each)", min=2,
               max=12),
         _size(), _channels(1), _count(1000), _noise(0.1)),
        "classification", "ImageInput", _stripes),
    DatasetInfo(
        "shape_masks", "Shape masks",
        "Images with a few shapes: label every pixel as background or the shape it is in.",
        IMAGES_GROUP,
        (Param("classes", int, 3, "Pixel classes, background included", min=2,
               max=len(SHAPE_NAMES) + 1),
         Param("objects", int, 2, "Most shapes in one image", min=1, max=6),
         _size(), _channels(1), _count(1000), _noise()),
        "segmentation", "ImageInput", _shape_masks),
)
