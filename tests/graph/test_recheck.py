"""A kept ShapeCache re-checks only what changed, and always finds what a fresh check finds."""

from hypothesis import given

from explorer.graph import GraphError, ShapeCache, check_graph, recipes

from .helpers import classifier
from .strategies import make_edit, ops

SMALL = {"batch_size": 8, "memory_limit": 2**20}  # 1 MB: memory issues come and go too


def same_as_fresh(graph, cache):
    kept = check_graph(graph, cache=cache, **SMALL)
    assert kept == check_graph(graph, **SMALL)
    return kept


@given(ops)
def test_after_any_edits_and_their_undo_a_kept_cache_equals_a_fresh_check(steps):
    graph, _ = classifier(("ResidualMLP", {}), ("Highway", {}), features=4)
    cache = ShapeCache()
    same_as_fresh(graph, cache)
    done = []
    for step in steps:
        edit = make_edit(graph, *step)
        if edit is None:
            continue
        try:
            edit.apply(graph)
        except GraphError:
            same_as_fresh(graph, cache)  # a refused edit left the graph as it was
            continue
        done.append(edit)
        same_as_fresh(graph, cache)
    for edit in reversed(done):
        edit.revert(graph)
        same_as_fresh(graph, cache)


def test_a_parameter_edit_re_infers_only_the_nodes_whose_inputs_changed(monkeypatch):
    project = recipes.resnet_cifar(n=2)
    graph, cache = project.graph, ShapeCache()
    check_graph(graph, cache=cache)
    inferred = []
    real = cache.infer
    monkeypatch.setattr(cache, "infer", lambda kind, *rest: inferred.append(kind) or
                        real(kind, *rest))
    head = next(n for n in graph.node_ids() if graph.kind_of(n) == "Linear")
    graph.set_params(head, {"out_features": 7})
    result = check_graph(graph, cache=cache)
    assert inferred == ["Linear", "ClassificationOutput"]
    assert result == check_graph(graph)


def test_a_node_removed_while_events_were_blocked_is_still_seen():
    graph, ids = classifier(("Linear", {"out_features": 8}))
    cache = ShapeCache()
    check_graph(graph, cache=cache)
    with graph.events.blocked():
        graph.remove_node(ids[-1])
    assert check_graph(graph, cache=cache) == check_graph(graph)


def test_one_cache_for_two_graphs_and_two_settings():
    first, _ = classifier(("Linear", {"out_features": 8}))
    second, _ = classifier(("Linear", {"out_features": 1 << 16}), features=1 << 14)
    cache = ShapeCache()
    for graph in (first, second, first):
        for limit in (2**40, 2**20):
            assert check_graph(graph, cache=cache, memory_limit=limit) == \
                check_graph(graph, memory_limit=limit)
