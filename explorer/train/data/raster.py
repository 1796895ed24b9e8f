"""Drawing simple shapes with numpy alone: each shape is an inequality on pixel coordinates.

A shape is described in its own coordinates ``u, v`` (the image's x and y
relative to the shape's centre, in units of its radius; ``v`` grows
downward as image rows do). Drawing many images at once evaluates the
inequality on a grid per image: no drawing library, no Python loop over
pixels.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Inside = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _circle(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u * u + v * v <= 1.0


def _square(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.maximum(abs(u), abs(v)) <= 0.8


def _triangle(u: np.ndarray, v: np.ndarray) -> np.ndarray:  # apex up, flat base
    return (v >= -0.9) & (v <= 0.8) & (abs(u) <= (v + 0.9) * 0.56)


def _plus(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return ((abs(u) <= 0.3) & (abs(v) <= 1.0)) | ((abs(v) <= 0.3) & (abs(u) <= 1.0))


def _ring(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    r2 = u * u + v * v
    return (r2 >= 0.55**2) & (r2 <= 1.0)


def _diamond(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return abs(u) + abs(v) <= 1.0


def _x(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return ((abs(u - v) <= 0.42) | (abs(u + v) <= 0.42)) & (np.maximum(abs(u), abs(v)) <= 0.8)


def _frame(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    edge = np.maximum(abs(u), abs(v))
    return (edge >= 0.45) & (edge <= 0.85)


def _star(u: np.ndarray, v: np.ndarray) -> np.ndarray:  # five points, one at the top
    angle = np.arctan2(u, -v)
    reach = 0.45 + 0.55 * ((1.0 + np.cos(5.0 * angle)) / 2.0) ** 2
    return np.sqrt(u * u + v * v) <= reach


def _half_disc(u: np.ndarray, v: np.ndarray) -> np.ndarray:  # flat side up
    return (u * u + (v + 0.45) ** 2 <= 1.05**2) & (v >= -0.45)


SHAPES: dict[str, Inside] = {
    "circle": _circle,
    "square": _square,
    "triangle": _triangle,
    "plus": _plus,
    "ring": _ring,
    "diamond": _diamond,
    "x": _x,
    "frame": _frame,
    "star": _star,
    "half disc": _half_disc,
}
SHAPE_NAMES = tuple(SHAPES)


def shape_masks(kinds: np.ndarray, cx: np.ndarray, cy: np.ndarray, radius: np.ndarray,
                size: int) -> np.ndarray:
    """Boolean N×size×size masks: image i holds shape ``SHAPE_NAMES[kinds[i]]``.

    ``cx``, ``cy`` and ``radius`` are in pixels; pixel centres sit at
    0.5, 1.5, … so a shape looks the same wherever it is placed.
    """
    grid = np.arange(size, dtype=np.float32) + 0.5
    masks = np.zeros((len(kinds), size, size), dtype=bool)
    for kind in np.unique(kinds):
        sel = np.flatnonzero(kinds == kind)
        r = radius[sel, None, None]
        u = (grid[None, None, :] - cx[sel, None, None]) / r
        v = (grid[None, :, None] - cy[sel, None, None]) / r
        masks[sel] = SHAPES[SHAPE_NAMES[kind]](u, v)
    return masks


def random_placement(n: int, size: int, smallest: float, largest: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres and radii (pixels) for ``n`` shapes that fit inside a size×size image.

    ``smallest`` and ``largest`` are radii as a share of the image side.
    """
    radius = rng.uniform(smallest, largest, n) * size
    cx = rng.uniform(radius, size - radius)
    cy = rng.uniform(radius, size - radius)
    return cx.astype(np.float32), cy.astype(np.float32), radius.astype(np.float32)


def backgrounds(n: int, channels: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Dark, plain backgrounds (N×C×size×size float32), a random shade for each image."""
    shade = rng.uniform(0.0, 0.35, (n, channels, 1, 1)).astype(np.float32)
    return np.broadcast_to(shade, (n, channels, size, size)).copy()


def bright_colours(n: int, channels: int, rng: np.random.Generator) -> np.ndarray:
    """A random light colour (or grey level) per shape, clearly brighter than any background."""
    return rng.uniform(0.55, 1.0, (n, channels)).astype(np.float32)


def paint(images: np.ndarray, masks: np.ndarray, colours: np.ndarray) -> None:
    """Fill each image's mask with its colour, in place (later shapes cover earlier ones)."""
    np.copyto(images, colours[:, :, None, None], where=masks[:, None, :, :])


def add_noise(images: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian pixel noise of spread ``noise``, kept within [0, 1]."""
    if noise > 0:
        images += noise * rng.standard_normal(images.shape, dtype=np.float32)
    return np.clip(images, 0.0, 1.0, out=images)
