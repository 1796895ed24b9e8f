"""Tidy layout and the standard networks."""

import pytest

from explorer.graph import check_graph, layered_positions, recipes
from explorer.graph.layout import positions_to_fill


def test_layout_runs_left_to_right_in_dependency_order():
    g = recipes.unet(depth=2).graph
    pos = layered_positions(g, wrap=None)
    for edge in g.edges():
        assert pos[edge.src][0] < pos[edge.dst][0]
    assert len(set(pos.values())) == len(g)  # nobody on top of anybody


def test_a_chain_is_laid_out_on_one_line():
    g = recipes.mlp(depth=3).graph
    assert {y for _, y in layered_positions(g).values()} == {0.0}


def test_a_long_chain_folds_into_bands_read_like_text():
    g = recipes.mlp(depth=20).graph  # 43 nodes in a chain
    pos = layered_positions(g, wrap=16)
    order = g.topological_order()
    rows = sorted({y for _, y in pos.values()})
    assert len(rows) == 3 and max(x for x, _ in pos.values()) == 14 * 220.0  # 15 + 15 + 13
    reading = sorted(order, key=lambda n: (pos[n][1], pos[n][0]))
    assert reading == order  # left to right, then the next band down
    assert layered_positions(g, wrap=None)[order[-1]] == (42 * 220.0, 0.0)


def _aspect(pos):
    xs, ys = [x for x, _ in pos.values()], [y for _, y in pos.values()]
    return (max(xs) - min(xs) + 220.0) / (max(ys) - min(ys) + 120.0)


def test_a_thumbnail_layout_folds_a_long_chain_to_the_frame_it_fills():
    g = recipes.mlp(depth=20).graph
    wide = positions_to_fill(g, aspect=300 / 110)
    assert 1 < _aspect(wide) < 8  # folded into a few bands, not one strip 43 nodes long
    reading = sorted(g.topological_order(), key=lambda n: (wide[n][1], wide[n][0]))
    assert reading == g.topological_order()
    assert positions_to_fill(recipes.mlp(depth=1).graph, aspect=3.0) == layered_positions(
        recipes.mlp(depth=1).graph)  # a short chain stays on one line
    tall = positions_to_fill(g, aspect=0.5)
    assert _aspect(tall) < _aspect(wide)


@pytest.mark.parametrize("depth", [1, 5, 20])
def test_deep_recipes_have_the_depth_asked_for(depth):
    g = recipes.highway_mlp(blocks=depth).graph
    assert sum(n.kind == "Highway" for n in g.nodes()) == depth
    g = recipes.residual_mlp(blocks=depth).graph
    assert sum(n.kind == "ResidualMLP" for n in g.nodes()) == depth


def test_resnet_has_6n_plus_2_weight_layers():
    for n in (1, 3):
        plain = recipes.resnet_cifar(n=n, plain=True).graph
        convs = sum(node.kind == "Conv2d" for node in plain.nodes())
        linears = sum(node.kind == "Linear" for node in plain.nodes())
        assert convs + linears == 6 * n + 2
        residual = check_graph(recipes.resnet_cifar(n=n).graph)
        assert residual.ok
