"""Patches, class token, token selection, long position tables and the tied output layer.

The tied output layer names its Embedding by id; deleting, undoing, re-sizing
or unwiring that Embedding is reported on the layer, and a kept ShapeCache
always agrees with a fresh check.
"""

import pytest

from explorer.graph import (
    Connect,
    Disconnect,
    Edge,
    ExpandBlock,
    RemoveNode,
    SetLabel,
    SetParams,
    ShapeCache,
    TensorSpec,
    check_graph,
    get_kind,
)
from explorer.graph.errors import ShapeError
from explorer.graph.kinds import Context

from .helpers import chain


def infer(kind_name, spec, **params):
    kind = get_kind(kind_name)
    ctx = Context(kind.validate(params), (spec,))
    return kind.infer(ctx), kind.count(ctx)


def test_patch_embedding_makes_one_token_per_patch():
    spec, count = infer("PatchEmbedding", TensorSpec((3, 224, 224)), patch_size=16, dim=768)
    assert spec.shape == (196, 768)
    assert count == 768 * 3 * 16 * 16 + 768


def test_patch_embedding_refuses_an_image_the_patches_do_not_tile():
    with pytest.raises(ShapeError) as err:
        infer("PatchEmbedding", TensorSpec((3, 30, 32)), patch_size=16)
    assert "30×32" in err.value.message and "divide" in err.value.message
    assert "patch size that divides" in err.value.hint


def test_class_token_adds_one_learned_token():
    spec, count = infer("ClassToken", TensorSpec((196, 768)))
    assert (spec.shape, count) == ((197, 768), 768)


def test_select_token_keeps_one_and_refuses_one_past_the_end():
    assert infer("SelectToken", TensorSpec((197, 768)))[0].shape == (768,)
    assert infer("SelectToken", TensorSpec((5, 8)), index=-5)[0].shape == (8,)
    with pytest.raises(ShapeError, match="only 5 tokens"):
        infer("SelectToken", TensorSpec((5, 8)), index=5)


def test_positional_table_may_be_longer_than_the_sequence_but_not_shorter():
    assert infer("PositionalEmbedding", TensorSpec((64, 768)), max_length=1024)[1] == 1024 * 768
    assert infer("PositionalEmbedding", TensorSpec((64, 768)))[1] == 64 * 768  # the old rule
    with pytest.raises(ShapeError) as err:
        infer("PositionalEmbedding", TensorSpec((64, 8)), max_length=32)
    assert "32 positions" in err.value.message and "at least 64" in err.value.hint


def test_transformer_options_at_their_defaults_expand_as_before():
    kind = get_kind("TransformerBlock")
    plain = kind.expand_block(Context(kind.validate({}), (TensorSpec((5, 8)),)))
    assert [n.suffix for n in plain.nodes] == ["ln1", "attn", "add1", "ln2", "fc1", "act",
                                               "fc2", "add2"]
    assert all(n.params == {} for n in plain.nodes if n.kind in ("LayerNorm", "GELU"))
    dropped = kind.expand_block(Context(kind.validate(
        {"drop_path": 0.1, "eps": 1e-6, "activation": "gelu_tanh"}), (TensorSpec((5, 8)),)))
    kinds = {n.suffix: (n.kind, dict(n.params)) for n in dropped.nodes}
    assert kinds["drop_path1"] == ("StochasticDepth", {"p": 0.1})
    assert kinds["drop_path2"] == ("StochasticDepth", {"p": 0.1})
    assert kinds["ln2"] == ("LayerNorm", {"eps": 1e-6})
    assert kinds["act"] == ("GELU", {"approximate": "tanh"})


def _language_model(**tied):
    graph, _ = chain(("Embedding", {"num_embeddings": 11, "embedding_dim": 8}),
                     ("Linear", {"out_features": 8}),
                     ("TiedLinear", {"embedding": "embed_1", **tied}), "ClassificationOutput",
                     input_kind="TokenInput", input_params={"length": 5, "vocab": 11})
    return graph


def _head_error(graph, cache=None) -> str:
    result = check_graph(graph, cache=cache) if cache else check_graph(graph)
    if cache:
        assert result == check_graph(graph)  # the kept cache saw every change
    return " ".join(f"{i.message} {i.hint}" for i in result.issues_for("tied_1"))


def test_tied_layer_scores_every_row_of_the_table_and_owns_no_weights():
    result = check_graph(_language_model())
    assert result.ok, result.errors
    assert result.reports["tied_1"].spec == TensorSpec((5, 11))
    assert result.reports["tied_1"].params == 0
    assert result.total_params == 11 * 8 + 8 * 8 + 8


@pytest.mark.parametrize(("embedding", "words"), [
    ("", "needs the Embedding"),
    ("embed_9", "no node 'embed_9'"),
    ("linear_1", "is a Linear"),
    ("tied_1", "is a TiedLinear"),
])
def test_tied_layer_says_what_is_wrong_with_the_name(embedding, words):
    assert words in _head_error(_language_model(embedding=embedding))


def test_tied_layer_follows_its_embedding_through_edits_and_undo():
    graph, cache = _language_model(), ShapeCache()
    assert _head_error(graph, cache) == ""

    resize = SetParams("embed_1", {"num_embeddings": 20})
    resize.apply(graph)
    assert check_graph(graph, cache=cache).reports["tied_1"].spec == TensorSpec((5, 20))
    resize.revert(graph)
    assert check_graph(graph, cache=cache).reports["tied_1"].spec == TensorSpec((5, 11))

    narrow = SetParams("embed_1", {"embedding_dim": 4})
    narrow.apply(graph)
    assert "holds vectors of 4, but 8 features" in _head_error(graph, cache)
    narrow.revert(graph)

    rename = SetLabel("embed_1", "token table")  # renaming edits the label; ids stay
    rename.apply(graph)
    assert _head_error(graph, cache) == ""
    rename.revert(graph)

    delete = RemoveNode("embed_1")
    delete.apply(graph)
    result = check_graph(graph, cache=cache)
    assert result == check_graph(graph)
    assert result.reports["tied_1"].spec is None  # its input is gone: the cause is upstream
    assert "not connected" in str(result.issues_for("linear_1")[0])
    delete.revert(graph)
    assert _head_error(graph, cache) == ""


def test_tied_layer_needs_its_embedding_upstream_and_rewiring_is_seen():
    graph, cache = _language_model(), ShapeCache()
    other = graph.add_node("Embedding", {"num_embeddings": 11, "embedding_dim": 8})
    graph.connect("input_1", other, "in")
    graph.set_params("tied_1", {"embedding": other})
    assert "does not feed it" in _head_error(graph, cache)
    # Rewire so the named Embedding feeds the head: nothing about the head itself changed.
    Disconnect(Edge("embed_1", "linear_1", "in")).apply(graph)
    Connect(Edge(other, "linear_1", "in")).apply(graph)
    assert _head_error(graph, cache) == ""


def test_tied_layer_keeps_its_embedding_when_a_block_before_it_is_opened():
    graph, _ = chain(("Embedding", {"num_embeddings": 11, "embedding_dim": 8}),
                     ("TransformerBlock", {"heads": 2, "causal": True}),
                     ("TiedLinear", {"embedding": "embed_1"}), "ClassificationOutput",
                     input_kind="TokenInput", input_params={"length": 5, "vocab": 11})
    cache = ShapeCache()
    assert _head_error(graph, cache) == ""
    opened = ExpandBlock("tf_1")
    opened.apply(graph)
    assert _head_error(graph, cache) == ""
    assert check_graph(graph, cache=cache).reports["tied_1"].spec == TensorSpec((5, 11))
    opened.revert(graph)
    assert _head_error(graph, cache) == ""
