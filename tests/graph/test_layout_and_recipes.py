"""Tidy layout and the standard networks."""

import pytest

from explorer.graph import ExpandBlock, check_graph, layered_positions, recipes
from explorer.graph.layout import TidyAgain, positions_for_frame, positions_to_fill, tidy_wrap


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


def _place(graph, positions):
    for node_id, (x, y) in positions.items():
        graph.move(node_id, x, y)


def test_a_network_opens_folded_to_the_window_at_a_readable_zoom():
    g = recipes.mlp(depth=20).graph  # 43 nodes in a chain
    zoom = 0.8
    pos = positions_for_frame(g, 700, 500, zoom)  # too long to show whole at that zoom
    widest = max(x for x, _ in pos.values()) + 220.0
    assert widest * zoom <= 700 < (widest + 220.0) * zoom  # rows as wide as the window holds
    reading = sorted(g.topological_order(), key=lambda n: (pos[n][1], pos[n][0]))
    assert reading == g.topological_order()  # read like text
    small = recipes.mlp(depth=2).graph  # fits whole: the folding that shows it largest
    whole = positions_for_frame(small, 700, 500, zoom)
    xs, ys = [x for x, _ in whole.values()], [y for _, y in whole.values()]
    assert (max(xs) + 220.0) * zoom <= 700 and (max(ys) - min(ys) + 120.0) * zoom <= 500
    assert len(set(ys)) > 1  # one line would not fit: folded in two


def test_only_a_tidy_layout_counts_as_tidy():
    g = recipes.mlp(depth=20).graph
    _place(g, layered_positions(g, wrap=7))
    assert tidy_wrap(g) == 7
    first = g.node_ids()[0]
    g.move(first, *g.node(first).position)  # unchanged: still tidy
    _place(g, {n: (x + 100.0, y - 40.0) for n, (x, y) in layered_positions(g, wrap=7).items()})
    assert tidy_wrap(g) == 7  # moved as a whole
    g.move(first, 5.0, 5.0)  # placed by hand
    assert tidy_wrap(g) is None


def test_a_block_expanded_in_a_tidy_layout_opens_on_one_band_and_undoes():
    g = recipes.residual_mlp(blocks=3).graph
    _place(g, layered_positions(g, wrap=3))
    before = {n.id: n.position for n in g.nodes()}
    assert tidy_wrap(g) == 3
    expand, tidy = ExpandBlock("res_2"), TidyAgain(3)
    expand.apply(g)
    pushed_aside = {n.id: n.position for n in g.nodes()}
    tidy.apply(g)
    members = g.members("res_2")
    assert len(members) > 3 and len({g.node(m).position[1] for m in members}) == 1  # one band
    assert len({n.position for n in g.nodes()}) == len(g)  # nobody on top of anybody
    assert tidy_wrap(g) is not None  # still tidy: the next block opens the same way
    tidy.revert(g)
    assert {n.id: n.position for n in g.nodes()} == pushed_aside
    expand.revert(g)
    assert {n.id: n.position for n in g.nodes()} == before


def test_bands_break_between_expanded_blocks_as_text_wraps_between_words():
    g = recipes.residual_mlp(blocks=4).graph
    for block in ("res_1", "res_3"):
        ExpandBlock(block).apply(g)
    for wrap in range(5, 12):
        pos = layered_positions(g, wrap=wrap)
        for block in ("res_1", "res_3"):
            assert len({pos[m][1] for m in g.members(block)}) == 1, (wrap, block)
        assert max(x for x, _ in pos.values()) <= (wrap - 1) * 220.0
        reading = sorted(g.topological_order(), key=lambda n: (pos[n][1], pos[n][0]))
        assert reading == g.topological_order()


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


def _measured(positions, aspect, column, row):
    """How large positions show in a frame ``aspect`` wide and 1 high, from the positions."""
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    return min(aspect / (max(xs) - min(xs) + column), 1 / (max(ys) - min(ys) + row))


@pytest.mark.parametrize("network", ["chain", "densenet", "resnet_stages"])
def test_a_fold_is_sized_without_placing_its_nodes_exactly_as_placing_them_would(network):
    from explorer.graph.layout import COLUMN_WIDTH, ROW_HEIGHT, _columns, _fold, _sizes
    from explorer.graph.zoo import densenet121, resnet18

    if network == "chain":
        graph = recipes.residual_chain(120, width=8)
    elif network == "densenet":  # expanded blocks wider than most bands
        graph = densenet121().graph
        for block in [n.id for n in graph.nodes() if n.kind == "DenseBlock"][:2]:
            ExpandBlock(block).apply(graph)
    else:
        graph = resnet18().graph  # stages kept on a band where they fit
    layers = _columns(graph)
    sizes = _sizes(layers, 1.6, COLUMN_WIDTH, ROW_HEIGHT)
    assert set(sizes) == set(range(1, len(layers.columns) + 1))
    for wrap, size in sizes.items():
        placed = _fold(layers, COLUMN_WIDTH, ROW_HEIGHT, wrap)
        assert size == pytest.approx(_measured(placed, 1.6, COLUMN_WIDTH, ROW_HEIGHT), rel=1e-12)
