"""Each block module against a reference written here, independently, from its formula.

The references use only the block's weights and functional torch calls (and
hand-written normalisation and attention), so a mistake in a block's order
of operations shows up as a difference. Compared in eval mode, with every
weight and running statistic randomised, in float32: outputs and the
gradients with respect to the input agree to 1e-5.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from explorer.compiler import build_model
from explorer.graph import check_graph, get_kind

from .cases import BLOCK_CASES, LAYER_CASES, params
from .helpers import randomise

TOLERANCE = 1e-5
EPS = 1e-5
ACTIVATIONS = {
    "relu": F.relu, "gelu": F.gelu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
    "silu": F.silu, "leakyrelu": lambda x: F.leaky_relu(x, 0.01),
    "relu6": lambda x: x.clamp(0, 6), "hardswish": lambda x: x * (x + 3).clamp(0, 6) / 6,
}


# -- hand-written pieces ---------------------------------------------------------


def _channels_view(t, x):
    return t.view(1, -1, *([1] * (x.dim() - 2)))


def batch_norm(x, m):
    """Eval-mode batch norm from the running statistics."""
    mean, var = _channels_view(m.running_mean, x), _channels_view(m.running_var, x)
    return (x - mean) / torch.sqrt(var + EPS) * _channels_view(m.weight, x) \
        + _channels_view(m.bias, x)


def layer_norm(x, m, eps=EPS):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * m.weight + m.bias


def gelu_tanh(x):
    """GPT-2's GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))."""
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def group_norm(x, m, groups):
    n, c, h, w = x.shape
    g = x.reshape(n, groups, -1)
    mean = g.mean(-1, keepdim=True)
    var = ((g - mean) ** 2).mean(-1, keepdim=True)
    g = ((g - mean) / torch.sqrt(var + EPS)).reshape(n, c, h, w)
    return g * m.weight[None, :, None, None] + m.bias[None, :, None, None]


def linear(x, m):
    return F.linear(x, m.weight, m.bias)


def conv(x, m, stride=1, padding=0, groups=1):
    return F.conv2d(x, m.weight, m.bias, stride, padding, 1, groups)


def attention(x, mha, heads, causal):
    n, t, d = x.shape
    head = d // heads
    q, k, v = F.linear(x, mha.in_proj_weight, mha.in_proj_bias).chunk(3, dim=-1)

    def split(z):
        return z.reshape(n, t, heads, head).transpose(1, 2)

    scores = split(q) @ split(k).transpose(-2, -1) / math.sqrt(head)
    if causal:
        later = torch.ones(t, t, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(later, float("-inf"))
    mixed = (scores.softmax(-1) @ split(v)).transpose(1, 2).reshape(n, t, d)
    return F.linear(mixed, mha.out_proj.weight, mha.out_proj.bias)


# -- references ----------------------------------------------------------------------


def residual_mlp(m, x, p):
    act, norm = ACTIVATIONS[p["activation"]], p["norm"]
    out = p["out_features"] or x.shape[-1]

    def nrm(name, h):
        if norm == "none":
            return h
        return (batch_norm if norm == "batch" else layer_norm)(h, getattr(m, name))

    projected = p["shortcut"] == "projection" or out != x.shape[-1]
    skip = F.linear(x, m.proj.weight) if projected else x
    if p["order"] == "post":
        f = nrm("norm2", linear(act(nrm("norm1", linear(x, m.fc1))), m.fc2))
        return act(f + skip)
    f = linear(act(nrm("norm2", linear(act(nrm("norm1", x)), m.fc1))), m.fc2)
    return f + skip


def residual_conv(m, x, p):
    act, norm, k, s = ACTIVATIONS[p["activation"]], p["norm"], p["kernel_size"], p["stride"]
    out = p["out_channels"] or x.shape[1]

    def nrm(name, h):
        if norm == "none":
            return h
        if norm == "batch":
            return batch_norm(h, getattr(m, name))
        return group_norm(h, getattr(m, name), math.gcd(h.shape[1], 8))

    projected = p["shortcut"] == "projection" or out != x.shape[1] or s != 1
    skip = x
    if projected:
        skip = F.conv2d(x, m.proj.weight, None, s)
        if p["order"] == "post":
            skip = nrm("proj_norm", skip)
    if p["order"] == "post":
        f = act(nrm("norm1", conv(x, m.conv1, s, k // 2)))
        return act(nrm("norm2", conv(f, m.conv2, 1, k // 2)) + skip)
    f = conv(act(nrm("norm1", x)), m.conv1, s, k // 2)
    return conv(act(nrm("norm2", f)), m.conv2, 1, k // 2) + skip


def highway(m, x, p):
    h = ACTIVATIONS[p["activation"]](linear(x, m.h))
    t = torch.sigmoid(linear(x, m.t))
    return h * t + x * (1 - t)


def dense_block(m, x, p):
    features = [x]
    for layer in m.layers:
        h = F.relu(batch_norm(torch.cat(features, 1), layer.norm1))
        if p["bottleneck"]:
            h = F.relu(batch_norm(conv(h, layer.conv1), layer.norm2))
        features.append(conv(h, layer.conv, 1, 1))
    return torch.cat(features, 1)


def transition(m, x, p):
    h = conv(F.relu(batch_norm(x, m.norm)), m.conv)
    n, c, height, width = h.shape
    return h.reshape(n, c, height // 2, 2, width // 2, 2).mean(dim=(3, 5))


def transformer(m, x, p):
    def attend(h):
        return attention(h, m.attn.mha, p["heads"], p["causal"])

    def mlp(h):
        act = gelu_tanh if p["activation"] == "gelu_tanh" else F.gelu
        return linear(act(linear(h, m.fc1)), m.fc2)

    def norm(h, ln):
        return layer_norm(h, ln, p["eps"])

    if p["norm"] == "pre":
        y = x + attend(norm(x, m.ln1))
        return y + mlp(norm(y, m.ln2))
    y = norm(x + attend(x), m.ln1)
    return norm(y + mlp(y), m.ln2)


def mbconv(m, x, p):
    c, k, s = x.shape[1], p["kernel_size"], p["stride"]
    wide, out = c * p["expand_ratio"], p["out_channels"] or c
    act = ACTIVATIONS[p["activation"]]
    se_act = F.silu if p["activation"] == "silu" else F.relu  # EfficientNet; MobileNetV3
    h = x
    if wide != c:
        h = act(batch_norm(conv(h, m.expand), m.expand_norm))
    h = act(batch_norm(conv(h, m.dw, s, k // 2, groups=wide), m.dw_norm))
    if p["se_ratio"] > 0:
        g = torch.sigmoid(linear(se_act(linear(h.mean(dim=(2, 3)), m.se.reduce)), m.se.expand))
        h = h * g[:, :, None, None]
    h = batch_norm(conv(h, m.project), m.project_norm)
    return x + h if s == 1 and out == c else h


def bottleneck(m, x, p):
    """torchvision's ResNet v1.5 bottleneck: the stride on the 3×3, 1×1 convs around it."""
    out, s = p["out_channels"] or x.shape[1], p["stride"]
    width = out // p["expansion"]
    h = F.relu(batch_norm(F.conv2d(x, m.conv1.weight), m.bn1))
    h = F.relu(batch_norm(F.conv2d(h, m.conv2.weight, None, s, 1, 1, p["groups"]), m.bn2))
    h = batch_norm(F.conv2d(h, m.conv3.weight), m.bn3)
    assert h.shape[1] == out and m.conv2.weight.shape[:2] == (width, width // p["groups"])
    skip = x
    if p["shortcut"] == "projection" or out != x.shape[1] or s != 1:
        skip = batch_norm(F.conv2d(x, m.downsample[0].weight, None, s), m.downsample[1])
    return F.relu(h + skip)


def self_attention(m, x, p):
    return attention(x, m.mha, p["heads"], p["causal"])


def positional(m, x, p):
    return x + m.weight[: x.shape[1]]


def patch_embedding(m, x, p):
    """Each p×p patch, read row by row of patches, flattened (channel, row, column) and
    mapped by one matrix: the ViT paper's x_p·E."""
    n, c, h, w = x.shape
    k = p["patch_size"]
    patches = x.reshape(n, c, h // k, k, w // k, k).permute(0, 2, 4, 1, 3, 5)
    return patches.reshape(n, -1, c * k * k) @ m.weight.reshape(p["dim"], -1).T + m.bias


def class_token(m, x, p):
    token = m.token.reshape(1, 1, -1).repeat(x.shape[0], 1, 1)
    return torch.cat([token, x], dim=1)


REFERENCES = {
    "ResidualMLP": residual_mlp, "ResidualConv": residual_conv, "Highway": highway,
    "DenseBlock": dense_block, "Transition": transition, "TransformerBlock": transformer,
    "MBConv": mbconv, "Bottleneck": bottleneck, "SelfAttention": self_attention,
    "PositionalEmbedding": positional, "PatchEmbedding": patch_embedding,
    "ClassToken": class_token,
}
CASES = {**BLOCK_CASES, **{name: LAYER_CASES[name] for name in
                           ("attention", "attention causal", "positional",
                            "positional longer table", "patch embedding",
                            "patch embedding 1x1", "class token")}}


@pytest.mark.parametrize("factory", params(CASES))
def test_block_computes_its_formula(factory):
    graph = factory()
    result = check_graph(graph)
    (node,) = [n for n in graph.nodes() if n.kind in REFERENCES]
    net = build_model(graph, result)
    randomise(net)
    net.eval()
    block = net.get_submodule(net.node_names[node.id])
    settings = get_kind(node.kind).validate(node.params)
    x = torch.randn(4, *result.reports[node.id].inputs[0].shape, requires_grad=True)
    probe = torch.randn(4, *result.reports[node.id].spec.shape)

    got = block(x)
    (got_grad,) = torch.autograd.grad((got * probe).sum(), x)
    expected = REFERENCES[node.kind](block, x, settings)
    (expected_grad,) = torch.autograd.grad((expected * probe).sum(), x)

    assert got.shape == expected.shape
    assert (got - expected).abs().max().item() < TOLERANCE
    assert (got_grad - expected_grad).abs().max().item() < TOLERANCE


def test_bottleneck_weights_carry_torchvisions_names():
    """state_dict keys of torchvision's resnet50().layer1[0], written out here."""
    graph = BLOCK_CASES["bottleneck stride 2"]()
    net = build_model(graph)
    block = net.get_submodule(net.node_names["bottleneck_1"])
    norm = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
    expected = {"conv1.weight", "conv2.weight", "conv3.weight", "downsample.0.weight",
                *(f"{bn}.{key}" for bn in ("bn1", "bn2", "bn3", "downsample.1") for key in norm)}
    assert set(block.state_dict()) == expected
