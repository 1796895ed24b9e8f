"""The node library: every kind documents itself, checks its parameters and its shapes."""

import pytest

from explorer.graph import AUTO, CATEGORIES, ParamError, TensorSpec, all_kinds, get_kind
from explorer.graph.errors import ShapeError
from explorer.graph.kinds import Context, gate_bias_for_depth

KINDS = all_kinds()


def infer(kind_name, *inputs, depth=None, **params):
    kind = get_kind(kind_name)
    ctx = Context(kind.validate(params), tuple(TensorSpec(*i) if isinstance(i, tuple) else i
                                                   for i in inputs), depth or {})
    return kind.infer(ctx), kind.count(ctx)


def test_the_library_has_what_the_palette_promises():
    names = {k.name for k in KINDS}
    for required in [
        "VectorInput", "ImageInput", "TokenInput", "ClassificationOutput", "RegressionOutput",
        "SegmentationOutput", "Linear", "Conv2d", "ConvTranspose2d", "Upsample", "BatchNorm",
        "LayerNorm", "GroupNorm", "ReLU", "GELU", "Tanh", "Sigmoid", "SiLU", "LeakyReLU",
        "Dropout", "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "Flatten", "Embedding",
        "SelfAttention", "Add", "Concat", "Multiply", "ResidualMLP", "ResidualConv",
        "DenseBlock", "Transition", "Highway", "TransformerBlock", "MBConv",
    ]:
        assert required in names


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_kind_documents_itself(kind):
    assert kind.category in CATEGORIES
    assert kind.title and kind.formula and kind.id_prefix.isidentifier()
    assert kind.description.endswith(".") and 20 < len(kind.description) < 200
    for param in kind.params:
        assert param.doc, f"{kind.name}.{param.name} has no doc"
        assert param.validate(param.default) == param.default
        assert "default" in param.describe()
    assert kind.validate({}) == kind.defaults()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_number_param_refuses_out_of_range_and_wrong_types(kind):
    for param in kind.params:
        if param.type in (int, float) and param.max is not None:
            with pytest.raises(ParamError, match=param.name):
                kind.validate({param.name: param.max * 10 + 1}, "n1")
        if param.type in (int, float):
            with pytest.raises(ParamError, match="expects"):
                kind.validate({param.name: "12"}, "n1")
            with pytest.raises(ParamError):
                kind.validate({param.name: True}, "n1")
        if param.choices:
            with pytest.raises(ParamError, match="must be one of"):
                kind.validate({param.name: "nonsense"}, "n1")


def test_param_values_are_canonical():
    conv = get_kind("Conv2d")
    assert conv.validate({"out_channels": 8.0})["out_channels"] == 8
    with pytest.raises(ParamError, match="whole number"):
        conv.validate({"out_channels": 8.5})
    with pytest.raises(ParamError, match="finite"):
        get_kind("Dropout").validate({"p": float("nan")})
    assert conv.validate({"padding": AUTO})["padding"] == AUTO


@pytest.mark.parametrize(
    ("kind", "inputs", "params", "shape", "count"),
    [
        ("Linear", [((2,),)], {"out_features": 8}, (8,), 24),
        ("Linear", [((16, 32),)], {"out_features": 8, "bias": False}, (16, 8), 256),
        ("Conv2d", [((3, 32, 32),)], {"out_channels": 16}, (16, 32, 32), 448),
        ("Conv2d", [((3, 32, 32),)], {"out_channels": 16, "stride": 2, "padding": 0},
         (16, 15, 15), 448),
        ("Conv2d", [((8, 8, 8),)], {"out_channels": 8, "groups": 8, "bias": False},
         (8, 8, 8), 72),
        ("ConvTranspose2d", [((8, 4, 4),)], {"out_channels": 4}, (4, 8, 8), 132),
        ("Upsample", [((8, 4, 4),)], {}, (8, 8, 8), 0),
        ("MaxPool2d", [((8, 5, 5),)], {}, (8, 2, 2), 0),
        ("AvgPool2d", [((8, 8, 8),)], {"kernel_size": 3, "stride": 1}, (8, 6, 6), 0),
        ("GlobalAvgPool", [((8, 5, 5),)], {}, (8,), 0),
        ("GlobalAvgPool", [((10, 32),)], {}, (32,), 0),
        ("Flatten", [((8, 5, 5),)], {}, (200,), 0),
        ("BatchNorm", [((8, 5, 5),)], {}, (8, 5, 5), 16),
        ("LayerNorm", [((10, 32),)], {}, (10, 32), 64),
        ("GroupNorm", [((8, 5, 5),)], {"groups": 4}, (8, 5, 5), 16),
        ("Embedding", [((12,), "long", 20)], {"num_embeddings": 20, "embedding_dim": 8},
         (12, 8), 160),
        ("PositionalEmbedding", [((12, 8),)], {}, (12, 8), 96),
        ("SelfAttention", [((12, 8),)], {"heads": 2}, (12, 8), 4 * 64 + 32),
        ("Concat", [((8, 4, 4),), ((3, 4, 4),)], {}, (11, 4, 4), 0),
        ("Concat", [((5,),), ((7,),)], {}, (12,), 0),
        ("Multiply", [((8, 4, 4),), ((8,),)], {}, (8, 4, 4), 0),
        ("Add", [((8,),), ((8,),), ((8,),)], {"inputs": 3}, (8,), 0),
    ],
)
def test_shapes_and_parameter_counts(kind, inputs, params, shape, count):
    spec, n = infer(kind, *[TensorSpec(*i) for i in inputs], **params)
    assert spec.shape == shape
    assert n == count


@pytest.mark.parametrize(
    ("kind", "inputs", "params", "words"),
    [
        ("Linear", [(3, 8, 8)], {}, ["needs a feature vector", "Flatten"]),
        ("Conv2d", [(10,)], {}, ["needs an image", "Linear"]),
        ("Conv2d", [(3, 2, 2)], {"kernel_size": 5, "padding": 0}, ["shrink the image to"]),
        ("Conv2d", [(6, 8, 8)], {"groups": 4}, ["divisible by 4"]),
        ("GroupNorm", [(6, 8, 8)], {"groups": 4}, ["not divisible", "1, 2"]),
        ("SelfAttention", [(10, 30)], {"heads": 4}, ["not divisible by 4", "Pick heads"]),
        ("BatchNorm", [(10, 30)], {}, ["LayerNorm"]),
        ("ClassificationOutput", [(3, 8, 8)], {}, ["class scores", "Linear"]),
        ("ClassificationOutput", [(1,)], {}, ["at least 2"]),
        ("SegmentationOutput", [(10,)], {}, ["per-pixel", "1×1 Conv2d"]),
        ("ResidualConv", [(10,)], {}, ["MLP residual block"]),
        ("TransformerBlock", [(10,)], {}, ["Token input → Embedding"]),
        ("ResidualMLP", [(10,)], {"out_features": 5, "shortcut": "identity"},
         ["identity shortcut", "projection"]),
    ],
)
def test_shape_errors_say_what_to_do(kind, inputs, params, words):
    with pytest.raises(ShapeError) as err:
        infer(kind, *[TensorSpec(i) for i in inputs], **params)
    text = f"{err.value.message} {err.value.hint}"
    for word in words:
        assert word in text


def test_add_mismatch_suggests_a_projection_shortcut():
    with pytest.raises(ShapeError) as err:
        infer("Add", TensorSpec((64, 8, 8)), TensorSpec((32, 16, 16)))
    assert err.value.message == "Add needs equal shapes to add: 64×8×8 vs 32×16×16."
    assert "projection shortcut (1×1 conv to 64 channels, stride 2)" in err.value.hint
    assert "32×16×16 input" in err.value.hint


def test_embedding_needs_tokens_and_a_big_enough_table():
    with pytest.raises(ShapeError, match="token ids"):
        infer("Embedding", TensorSpec((12,)))
    with pytest.raises(ShapeError) as err:
        infer("Embedding", TensorSpec((12,), "long", 100), num_embeddings=32)
    assert "Set num_embeddings to 100" in err.value.hint


@pytest.mark.parametrize(
    ("params", "count"),
    [
        # 16 -> 32 channels, stride 2: two 3x3 convs + BN, a 1x1 projection + BN
        ({"out_channels": 32, "stride": 2}, 16 * 32 * 9 + 64 + 32 * 32 * 9 + 64 + 16 * 32 + 64),
        ({}, 2 * (16 * 16 * 9 + 32)),  # identity shortcut
        ({"norm": "none", "order": "pre"}, 2 * (16 * 16 * 9 + 16)),
    ],
)
def test_residual_conv_counts_follow_the_paper(params, count):
    spec, n = infer("ResidualConv", TensorSpec((16, 32, 32)), **params)
    assert n == count
    assert spec.shape[0] == params.get("out_channels", 16)


def test_dense_block_grows_channels_by_layers_times_growth():
    spec, _ = infer("DenseBlock", TensorSpec((16, 8, 8)), layers=5, growth_rate=12)
    assert spec.shape == (16 + 5 * 12, 8, 8)
    spec, _ = infer("Transition", spec, compression=0.5)
    assert spec.shape == (38, 4, 4)


def test_transformer_block_counts_attention_and_mlp():
    d = 64
    _, n = infer("TransformerBlock", TensorSpec((16, d)))
    assert n == 2 * 2 * d + (4 * d * d + 4 * d) + (d * 4 * d + 4 * d) + (4 * d * d + d)


def test_mbconv_adds_the_residual_only_when_shapes_match():
    kind = get_kind("MBConv")
    same = kind.expand(Context(kind.validate({}), (TensorSpec((16, 8, 8)),)))
    down = kind.expand(Context(kind.validate({"stride": 2}), (TensorSpec((16, 8, 8)),)))
    assert same.nodes[-1].kind == "Add"
    assert down.nodes[-1].kind == "BatchNorm"


def test_highway_gate_bias_follows_depth():
    assert gate_bias_for_depth(10) > gate_bias_for_depth(30) > gate_bias_for_depth(50)
    assert -3 <= gate_bias_for_depth(10) <= -1
    assert gate_bias_for_depth(50) <= -3
    assert gate_bias_for_depth(200) == gate_bias_for_depth(50)
    kind = get_kind("Highway")
    ctx = Context(kind.validate({}), (TensorSpec((50,)),), {"Highway": 30})
    assert kind.resolve(ctx) == {"gate_bias": gate_bias_for_depth(31)}  # + the plain layer
    fixed = Context(kind.validate({"gate_bias": -2.0}), (TensorSpec((50,)),), {"Highway": 30})
    assert kind.resolve(fixed) == {}


def test_the_documented_gate_biases_are_what_the_sweeps_depths_get():
    """docs/classroom.md: −1.8 at depth 10, −5 at depth 50 (1 plain + 49 highway layers)."""
    from explorer.graph import check_graph
    from explorer.graph.experiments import sweep_variants

    for depth, bias in ((10, -1.8), (50, -5.0)):
        [variant] = sweep_variants(["highway"], [depth])
        result = check_graph(variant.project.graph)
        chosen = {r.resolved.get("gate_bias") for r in result.reports.values()} - {None}
        assert chosen == {bias}, depth


@pytest.mark.parametrize("kind", [k for k in KINDS if k.is_block], ids=lambda k: k.name)
def test_block_counts_equal_their_expansion(kind):
    """A block's parameter count is the sum of its primitive layers' counts."""
    spec = {"ResidualMLP": (32,), "Highway": (32,), "TransformerBlock": (8, 32)}.get(
        kind.name, (16, 8, 8))
    ctx = Context(kind.validate({}), (TensorSpec(spec),), {})
    expansion = kind.expand(ctx)
    total = 0
    specs = {"@in": TensorSpec(spec)}
    for sub in expansion.nodes:
        sub_kind = get_kind(sub.kind)
        sub_ctx = Context(sub_kind.validate(sub.params), tuple(specs[s] for s in sub.inputs))
        specs[sub.suffix] = sub_kind.infer(sub_ctx)
        total += sub_kind.count(sub_ctx)
    assert total == kind.count(ctx)
    assert specs[expansion.output] == kind.infer(ctx)
