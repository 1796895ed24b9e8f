"""The checker: shapes and counts for every node, and every problem in plain words."""

from explorer.graph import ArchitectureGraph, ShapeCache, check_graph, recipes

from .helpers import chain, classifier


def messages(result):
    return [str(i) for i in result.issues]


def test_a_valid_network_has_shapes_counts_and_no_issues():
    g, ids = classifier(("Linear", {"out_features": 8}), "ReLU", features=2, classes=3)
    result = check_graph(g)
    assert result.ok and not result.issues
    assert [result.spec(n).shape for n in ids] == [(2,), (8,), (8,), (3,), (3,)]
    assert result.total_params == (2 * 8 + 8) + (8 * 3 + 3)
    assert result.input_id == ids[0] and result.output_id == ids[-1]


def test_missing_input_and_output_are_errors_on_the_graph():
    g = ArchitectureGraph()
    g.add_node("ReLU")
    result = check_graph(g)
    text = " ".join(messages(result))
    assert "no input" in text and "no output head" in text
    assert any(i.node_id is None for i in result.errors)


def test_an_unconnected_input_is_named_once_and_not_repeated_downstream():
    g, ids = chain("ReLU", ("Add", {}), "ClassificationOutput")
    result = check_graph(g)
    add = ids[2]
    assert [str(i) for i in result.errors] == [
        f"{add}: input 'in2' is not connected. Drag a wire from another node's output into it."
    ]
    assert result.spec(ids[-1]) is None


def test_shape_mismatch_is_attached_to_the_node_with_a_fix():
    g, ids = chain(("Conv2d", {"out_channels": 64, "stride": 2}), ("Add", {}),
                   input_kind="ImageInput", input_params={"channels": 32, "height": 16,
                                                          "width": 16})
    g.connect(ids[0], ids[2], "in2")
    (issue,) = check_graph(g).issues_for(ids[2])
    assert issue.message == "Add needs equal shapes to add: 64×8×8 vs 32×16×16."
    assert "stride 2" in issue.hint


def test_two_inputs_or_outputs_are_errors_on_the_extra_node():
    g, _ = classifier()
    extra = g.add_node("VectorInput")
    result = check_graph(g)
    assert [i.node_id for i in result.errors] == [extra]


def test_parts_not_reaching_the_output_are_warnings():
    g, ids = classifier()
    stray = g.add_node("ReLU")
    g.connect(ids[0], stray)
    result = check_graph(g)
    assert result.ok
    (warning,) = result.warnings
    assert warning.node_id == stray and "not connected to the output" in warning.message


def test_absurd_sizes_are_errors_before_anything_is_allocated():
    g, ids = classifier(("Linear", {"out_features": 1 << 20}), ("Linear", {"out_features":
                                                                            1 << 20}))
    result = check_graph(g, memory_limit=8 * 1024**3)
    huge = ids[2]
    assert any(i.node_id == huge and "TB to train" in i.message for i in result.errors)

    g, ids = chain(("Upsample", {"scale_factor": 16}), ("Upsample", {"scale_factor": 16}),
                   input_kind="ImageInput", input_params={"channels": 512, "height": 64,
                                                          "width": 64})
    result = check_graph(g, batch_size=64, memory_limit=8 * 1024**3)
    assert any("would need" in i.message for i in result.issues_for(ids[1]))


def test_highway_auto_gate_bias_is_resolved_for_the_depth():
    result = check_graph(recipes.highway_mlp(blocks=30).graph)
    resolved = {r.resolved.get("gate_bias") for r in result.reports.values() if r.resolved}
    assert len(resolved) == 1 and resolved.pop() < -3


def test_cached_checks_equal_fresh_ones_after_edits():
    project = recipes.resnet_cifar(n=2)
    g, cache = project.graph, ShapeCache()
    check_graph(g, cache=cache)
    conv = next(n.id for n in g.nodes() if n.kind == "Conv2d")
    g.set_params(conv, {"out_channels": 8})
    assert check_graph(g, cache=cache) == check_graph(g)
    g.set_params(next(n.id for n in g.nodes() if n.kind == "Linear"), {"out_features": 1})
    cached = check_graph(g, cache=cache)
    assert cached == check_graph(g) and not cached.ok


def test_every_recipe_checks_clean():
    for name, recipe in recipes.RECIPES.items():
        result = check_graph(recipe().graph)
        assert result.ok, (name, messages(result))
        assert not result.warnings, name
