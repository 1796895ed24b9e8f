"""How fast is a compiled network, and how fast is checking a big graph?

Run:  .venv/bin/python benchmarks/bench_compiler.py [--seconds 10] [--threads 1] [--only MLP]

1. A training step (forward + backward + SGD step) of four recipe networks,
   built from the graph, against the same network written by hand below in
   plain PyTorch. The two are interleaved step by step (so drift in machine
   load hits both alike), after a warm-up, for about ``--seconds`` each (at
   least ``--reps`` steps); the table shows medians and the ratio
   compiled / hand-written. Before timing, the hand-written model takes
   the compiled one's weights and must give the same output, so both really
   are the same network.
2. Loading a 1,000-node project from JSON text and checking it (validation
   and shape inference), and one re-check after a single parameter edit with
   a ShapeCache.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from explorer.compiler import build_model
from explorer.graph import ArchitectureGraph, ShapeCache, check_graph
from explorer.graph.project import Project, dumps, loads
from explorer.graph.recipes import densenet, highway_mlp, residual_mlp, resnet_cifar

# -- the same networks, written by hand ---------------------------------------------


class HandResidualBlock(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)

    def forward(self, x):
        return F.relu(x + self.fc2(F.relu(self.fc1(x))))


class HandResidualMLP(nn.Module):
    def __init__(self, blocks=3, width=64, features=2, classes=2):
        super().__init__()
        self.stem = nn.Linear(features, width)
        self.blocks = nn.ModuleList(HandResidualBlock(width) for _ in range(blocks))
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = F.relu(self.stem(x))
        for block in self.blocks:
            x = block(x)
        return self.head(x)


class HandResidualMLPInlined(nn.Module):
    """The leanest way to write it: no module per block, one loop over pairs of layers.

    Each module call costs a few microseconds, so on a network this small the
    compiled model (a module per block, and a module for the ReLU node) is
    a little slower than this; the row in the table shows by how much.
    """

    def __init__(self, blocks=3, width=64, features=2, classes=2):
        super().__init__()
        self.stem = nn.Linear(features, width)
        self.blocks = nn.ModuleList(
            nn.ModuleList([nn.Linear(width, width), nn.Linear(width, width)])
            for _ in range(blocks))
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = F.relu(self.stem(x))
        for fc1, fc2 in self.blocks:
            x = F.relu(x + fc2(F.relu(fc1(x))))
        return self.head(x)


class HandHighwayLayer(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.h = nn.Linear(width, width)
        self.t = nn.Linear(width, width)

    def forward(self, x):
        # H·T + x·(1 − T), written as x + T·(H − x): one multiply fewer, as the block does
        t = torch.sigmoid(self.t(x))
        return x + t * (F.relu(self.h(x)) - x)


class HandHighwayMLP(nn.Module):
    def __init__(self, blocks=10, width=50, features=2, classes=2):
        super().__init__()
        self.stem = nn.Linear(features, width)
        self.layers = nn.ModuleList(HandHighwayLayer(width) for _ in range(blocks))
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = F.relu(self.stem(x))
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


class HandBasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class HandResNet(nn.Module):
    def __init__(self, n=3, widths=(16, 32, 64), classes=10):
        super().__init__()
        self.conv = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(widths[0])
        layers, cin = [], widths[0]
        for stage, width in enumerate(widths):
            for i in range(n):
                layers.append(HandBasicBlock(cin, width, 2 if stage > 0 and i == 0 else 1))
                cin = width
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        x = self.layers(x)
        return self.fc(x.mean(dim=(2, 3)))


class HandDenseLayer(nn.Module):
    def __init__(self, cin, k):
        super().__init__()
        self.bn = nn.BatchNorm2d(cin)
        self.conv = nn.Conv2d(cin, k, 3, 1, 1, bias=False)

    def forward(self, x):
        return torch.cat([x, self.conv(F.relu(self.bn(x)))], 1)


class HandDenseNet(nn.Module):
    def __init__(self, blocks=3, layers=4, k=12, classes=10):
        super().__init__()
        c = 2 * k
        parts: list[nn.Module] = [nn.Conv2d(3, c, 3, 1, 1, bias=False)]
        for b in range(blocks):
            for _ in range(layers):
                parts.append(HandDenseLayer(c, k))
                c += k
            if b < blocks - 1:
                parts += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False),
                          nn.AvgPool2d(2)]
                c //= 2
        parts += [nn.BatchNorm2d(c), nn.ReLU()]
        self.features = nn.Sequential(*parts)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        return self.fc(self.features(x).mean(dim=(2, 3)))


# name: (recipe project, hand-written model, batch shape, classes)
NETWORKS: dict[str, tuple[Callable, Callable, tuple[int, ...], int]] = {
    "residual MLP (3 blocks, 64 wide)": (residual_mlp, HandResidualMLP, (128, 2), 2),
    "  same MLP vs hand-written, inlined": (residual_mlp, HandResidualMLPInlined, (128, 2), 2),
    "highway MLP (10 layers, 50 wide)": (highway_mlp, HandHighwayMLP, (128, 2), 2),
    "DenseNet (3×4 layers, k=12)": (densenet, HandDenseNet, (32, 3, 32, 32), 10),
    "CIFAR ResNet-20": (lambda: resnet_cifar(n=3), HandResNet, (32, 3, 32, 32), 10),
}


# -- timing ----------------------------------------------------------------------------

MAX_REPS = 5000


def _same_weights(compiled: nn.Module, hand: nn.Module) -> None:
    """Give the hand-written model the compiled one's weights (both register in one order)."""
    ours, theirs = compiled.state_dict(), hand.state_dict()
    assert [v.shape for v in ours.values()] == [v.shape for v in theirs.values()], \
        "the hand-written model is not the same network"
    hand.load_state_dict(dict(zip(theirs, ours.values(), strict=True)))


def _stepper(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    return step


def _time(step: Callable[[], None]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def compare_step(name: str, reps: int, warmup: int,
                 seconds: float) -> tuple[str, int, float, float]:
    make_project, make_hand, shape, classes = NETWORKS[name]
    torch.manual_seed(0)
    compiled, hand = build_model(make_project().graph), make_hand()
    _same_weights(compiled, hand)
    x, y = torch.randn(shape), torch.randint(0, classes, shape[:1])
    with torch.no_grad():
        assert torch.allclose(compiled.eval()(x), hand.eval()(x), atol=1e-5)
    compiled.train()
    hand.train()
    steps = {"compiled": _stepper(compiled, x, y), "hand": _stepper(hand, x, y)}
    times: dict[str, list[float]] = {"compiled": [], "hand": []}
    start = time.perf_counter()
    for _ in range(warmup):
        steps["compiled"]()
        steps["hand"]()
    per_pair = (time.perf_counter() - start) / warmup
    reps = max(reps, min(MAX_REPS, int(seconds / per_pair)))  # small networks get more steps
    for rep in range(reps):
        order = ("compiled", "hand") if rep % 2 == 0 else ("hand", "compiled")
        for which in order:
            times[which].append(_time(steps[which]))
    return name, reps, statistics.median(times["compiled"]), statistics.median(times["hand"])


def big_graph(nodes: int = 1000) -> ArchitectureGraph:
    """A residual MLP of Linear → ReLU → Add units: ``nodes`` nodes in all."""
    graph = ArchitectureGraph()
    last = graph.add_node("VectorInput", {"features": 32})
    with graph.batch():
        while len(graph) + 3 <= nodes - 1:
            linear = graph.add_node("Linear", {"out_features": 32})
            relu = graph.add_node("ReLU")
            add = graph.add_node("Add")
            graph.connect(last, linear)
            graph.connect(linear, relu)
            graph.connect(last, add, "in1")
            graph.connect(relu, add, "in2")
            last = add
        while len(graph) < nodes - 1:
            tanh = graph.add_node("Tanh")
            graph.connect(last, tanh)
            last = tanh
        graph.connect(last, graph.add_node("RegressionOutput"))
    return graph


def graph_timings(reps: int) -> list[tuple[str, float]]:
    graph = big_graph()
    text = dumps(Project(graph))
    load_check = []
    for _ in range(reps):
        start = time.perf_counter()
        result = check_graph(loads(text).graph)
        load_check.append(time.perf_counter() - start)
    assert len(result.order) == 1000 and result.ok

    cache = ShapeCache()
    check_graph(graph, cache=cache)
    middle = [n for n in graph.node_ids() if n.startswith("linear_")][150]
    recheck = []
    for rep in range(reps * 4):
        graph.set_params(middle, {"bias": rep % 2 == 1})
        start = time.perf_counter()
        check_graph(graph, cache=cache)
        recheck.append(time.perf_counter() - start)

    builds = []
    for _ in range(max(3, reps // 4)):
        start = time.perf_counter()
        build_model(graph)
        builds.append(time.perf_counter() - start)
    return [
        ("load + validate + shape inference, 1,000 nodes", statistics.median(load_check)),
        ("re-check after one set_params (ShapeCache), 1,000 nodes", statistics.median(recheck)),
        ("build_model (code + modules), 1,000 nodes", statistics.median(builds)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200, help="fewest timed steps per network")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="time each network for about this long (more steps when small)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--only", default="", help="time only networks whose name has this")
    parser.add_argument("--skip-graph", action="store_true", help="leave out the graph timings")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"torch {torch.__version__}, {args.threads} thread(s); medians of interleaved steps\n")
    print(f"{'training step':36} {'steps':>6} {'compiled':>10} {'by hand':>10} {'ratio':>7}")
    for name in [n for n in NETWORKS if args.only.lower() in n.lower()]:
        _, reps, ours, theirs = compare_step(name, args.reps, args.warmup, args.seconds)
        print(f"{name:36} {reps:6} {ours * 1e3:8.3f}ms {theirs * 1e3:8.3f}ms "
              f"{ours / theirs:7.3f}")
    if args.skip_graph:
        return
    print()
    for label, seconds in graph_timings(max(5, args.reps // 20)):
        print(f"{label:58} {seconds * 1e3:8.2f} ms")


if __name__ == "__main__":
    main()
