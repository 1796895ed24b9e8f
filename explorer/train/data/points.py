"""Classroom sets of 2-D points: spirals, moons, circles, XOR, blobs, and a noisy sine curve.

Points lie roughly within [-1, 1]², so a network needs no input scaling.
Classes get equal numbers of points (up to one point when they cannot).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.graph.params import Param
from explorer.graph.specs import TensorSpec

from .dataset import DatasetInfo, Generated, Maker, Task

POINTS_GROUP = "2-D points"
MAX_POINTS = 1_000_000


def _noise(default: float, doc: str = "Spread of the random jitter added to each point") -> Param:
    return Param("noise", float, default, doc, min=0.0, max=2.0)


def _class_sizes(total: int, classes: int) -> np.ndarray:
    """``total`` points shared out between ``classes`` as evenly as whole numbers allow."""
    sizes = np.full(classes, total // classes)
    sizes[: total % classes] += 1
    return sizes


def _labelled(parts: list[np.ndarray], names: tuple[str, ...]) -> Generated:
    x = np.concatenate(parts).astype(np.float32)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(parts)])
    return Generated(x, y, TensorSpec((2,)), "classification", len(parts), names)


def _jitter(points: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    return points + rng.normal(0.0, noise, points.shape) if noise else points


def _spirals(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    classes, turns = opts["classes"], opts["turns"]
    parts = []
    for k in range(classes):
        t = rng.uniform(0.0, 1.0, opts["points_per_class"])
        radius = 0.05 + 0.95 * t
        angle = 2 * np.pi * (turns * t + k / classes)
        arm = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
        parts.append(_jitter(arm, opts["noise"], rng))
    return _labelled(parts, tuple(f"arm {k + 1}" for k in range(classes)))


def _moons(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    upper_n, lower_n = _class_sizes(opts["points"], 2)
    a = rng.uniform(0.0, np.pi, upper_n)
    b = rng.uniform(0.0, np.pi, lower_n)
    upper = np.stack([np.cos(a) - 0.5, np.sin(a) - 0.25], axis=1)
    lower = np.stack([0.5 - np.cos(b), 0.25 - np.sin(b)], axis=1)
    parts = [_jitter(m * 0.8, opts["noise"], rng) for m in (upper, lower)]
    return _labelled(parts, ("upper moon", "lower moon"))


def _circles(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    parts = []
    for radius, n in zip((1.0, opts["inner_radius"]), _class_sizes(opts["points"], 2),
                         strict=True):
        angle = rng.uniform(0.0, 2 * np.pi, n)
        ring = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        parts.append(_jitter(ring, opts["noise"], rng))
    return _labelled(parts, ("outer circle", "inner circle"))


def _xor(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    parts = []
    for k, n in enumerate(_class_sizes(opts["points"], 2)):
        corner = rng.uniform(0.05, 1.0, (n, 2))
        # class 0: same signs (quadrants I and III); class 1: opposite signs (II and IV)
        signs = rng.choice([-1.0, 1.0], n)
        corner[:, 0] *= signs
        corner[:, 1] *= signs * (1 if k == 0 else -1)
        parts.append(_jitter(corner, opts["noise"], rng))
    return _labelled(parts, ("same signs", "opposite signs"))


def _blobs(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    centers = opts["centers"]
    turn = rng.uniform(0.0, 2 * np.pi)
    parts = []
    for k in range(centers):
        angle = turn + 2 * np.pi * k / centers
        center = 0.7 * np.array([np.cos(angle), np.sin(angle)])
        parts.append(center + rng.normal(0.0, opts["spread"], (opts["points_per_class"], 2)))
    return _labelled(parts, tuple(f"blob {k + 1}" for k in range(centers)))


def _sine(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    x = rng.uniform(-np.pi, np.pi, (opts["points"], 1))
    y = np.sin(opts["frequency"] * x) + rng.normal(0.0, opts["noise"], x.shape)
    return Generated(x.astype(np.float32), y.astype(np.float32), TensorSpec((1,)), "regression")


def _info(name: str, title: str, description: str, options: tuple[Param, ...], make: Maker,
          *, task: Task = "classification") -> DatasetInfo:
    return DatasetInfo(name, title, description, POINTS_GROUP, options, task, "VectorInput",
                       make)


def _total(default: int = 1000) -> Param:
    return Param("points", int, default, "How many points in all", min=4, max=MAX_POINTS)


def _per_class(default: int) -> Param:
    return Param("points_per_class", int, default, "How many points each class gets",
                 min=2, max=MAX_POINTS)


DATASETS = (
    _info("spirals", "Spirals",
          "Points on interleaved spiral arms, one arm per class: hard for shallow nets.",
          (Param("classes", int, 2, "Number of spiral arms (one class each)", min=2, max=10),
           _per_class(500),
           _noise(0.05),
           Param("turns", float, 1.5, "How many times each arm winds around", min=0.25,
                 max=5.0)),
          _spirals),
    _info("moons", "Two moons", "Two interlocking half circles.",
          (_total(), _noise(0.1)), _moons),
    _info("circles", "Circles", "A small circle inside a big one: the classes are rings.",
          (_total(), _noise(0.05),
           Param("inner_radius", float, 0.5, "Radius of the inner circle (the outer is 1)",
                 min=0.05, max=0.95)),
          _circles),
    _info("xor", "XOR", "Points in four squares; a class is whether x and y share a sign.",
          (_total(), _noise(0.05)), _xor),
    _info("blobs", "Blobs", "Round clouds of points around separate centers, one per class.",
          (Param("centers", int, 3, "Number of clouds (one class each)", min=2, max=10),
           _per_class(200),
           Param("spread", float, 0.2, "How wide each cloud is", min=0.01, max=2.0)),
          _blobs),
    _info("sine", "Sine curve",
          "Predict a number: y = sin(x) plus noise, for x from −π to π.",
          (_total(), _noise(0.1, "Spread of the noise added to each y"),
           Param("frequency", float, 1.0, "How many waves fit in the range", min=0.1, max=20.0)),
          _sine, task="regression"),
)
