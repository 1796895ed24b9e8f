"""For every node kind with a module: the ModuleSpec that builds (and prints) it.

A rule reads the node's parameters and the checker's report (its input
shapes and the values chosen for "auto") and returns the constructor call
a careful engineer would write. Block rules read their sizes from the
block's own expansion, so the module and the expanded view agree on every
resolved choice (hidden width, projection shortcut, squeeze width...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from explorer.graph import AUTO, NodeReport, TensorSpec, get_kind
from explorer.graph.kinds import Context
from explorer.graph.kinds.expansion import ACTIVATION_KINDS

from .module_spec import ModuleSpec
from .opaque import imported_module

Params = Mapping[str, Any]

# Blocks take their activation by its torch.nn.functional name.
FUNCTIONAL_ACTIVATIONS = {
    "relu": "relu", "gelu": "gelu", "tanh": "tanh", "sigmoid": "sigmoid", "silu": "silu",
    "leakyrelu": "leaky_relu", "relu6": "relu6", "hardswish": "hardswish",
}
ModuleRule = Callable[[Params, NodeReport], ModuleSpec]

# Defaults of torch's norm layers: left out of the printed call when unchanged.
TORCH_EPS = 1e-5
TORCH_MOMENTUM = 0.1


def _x(report: NodeReport) -> TensorSpec:
    return report.known_inputs[0]


def _expansion_params(kind: str, p: Params, report: NodeReport) -> dict[str, Params]:
    """Each sub-node's parameters in the block's expansion, by suffix."""
    expansion = get_kind(kind).expand_block(Context(p, report.known_inputs))
    return {sub.suffix: sub.params for sub in expansion.nodes}


def _norm_kwargs(p: Params, *names: str) -> dict[str, Any]:
    defaults = {"eps": TORCH_EPS, "momentum": TORCH_MOMENTUM}
    return {n: p[n] for n in names if p[n] != defaults[n]}


# -- layers -----------------------------------------------------------------------


def _linear(p: Params, report: NodeReport) -> ModuleSpec:
    init: tuple[tuple[str, str, float], ...] = ()
    if p["bias"] and p["bias_init"] != AUTO:
        init = (("constant_", "bias", float(p["bias_init"])),)
    return ModuleSpec("nn.Linear", (_x(report).shape[-1], p["out_features"]),
                      {"bias": p["bias"]}, init)


def _conv(p: Params, report: NodeReport) -> ModuleSpec:
    padding = p["kernel_size"] // 2 if p["padding"] == AUTO else p["padding"]
    kwargs: dict[str, Any] = {"stride": p["stride"], "padding": padding}
    if p["groups"] != 1:
        kwargs["groups"] = p["groups"]
    kwargs["bias"] = p["bias"]
    return ModuleSpec("nn.Conv2d", (_x(report).shape[0], p["out_channels"], p["kernel_size"]),
                      kwargs)


def _conv_transpose(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec(
        "nn.ConvTranspose2d", (_x(report).shape[0], p["out_channels"], p["kernel_size"]),
        {"stride": p["stride"], "padding": p["padding"], "bias": p["bias"]})


def _upsample(p: Params, report: NodeReport) -> ModuleSpec:
    kwargs: dict[str, Any] = {"scale_factor": p["scale_factor"], "mode": p["mode"]}
    if p["mode"] == "bilinear":
        kwargs["align_corners"] = False
    return ModuleSpec("nn.Upsample", (), kwargs)


def _embedding(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("nn.Embedding", (p["num_embeddings"], p["embedding_dim"]))


def _positional(p: Params, report: NodeReport) -> ModuleSpec:
    length, dim = _x(report).shape
    return ModuleSpec("PositionalEmbedding", (p["max_length"] or length, dim))


def _patch_embedding(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("PatchEmbedding", (_x(report).shape[0], p["dim"], p["patch_size"]))


def _class_token(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("ClassToken", (_x(report).shape[1],))


def _attention(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("SelfAttention", (_x(report).shape[1], p["heads"]),
                      {"dropout": p["dropout"], "causal": p["causal"]})


# -- activations, normalisation, dropout, pooling -------------------------------


def _activation(name: str) -> ModuleRule:
    def rule(p: Params, report: NodeReport) -> ModuleSpec:
        return ModuleSpec(f"nn.{name}", tuple(p.values()))

    return rule


def _gelu(p: Params, report: NodeReport) -> ModuleSpec:
    """``nn.GELU()``, or ``nn.GELU(approximate="tanh")`` for GPT-2's approximation."""
    return ModuleSpec("nn.GELU", (), {} if p["approximate"] == "none"
                      else {"approximate": p["approximate"]})


def _batch_norm(p: Params, report: NodeReport) -> ModuleSpec:
    x = _x(report)
    ctor = "nn.BatchNorm2d" if x.layout == "image" else "nn.BatchNorm1d"
    return ModuleSpec(ctor, (x.shape[0],), _norm_kwargs(p, "eps", "momentum"))


def _layer_norm(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("nn.LayerNorm", (_x(report).shape[-1],), _norm_kwargs(p, "eps"))


def _group_norm(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("nn.GroupNorm", (p["groups"], _x(report).shape[0]),
                      _norm_kwargs(p, "eps"))


def _dropout(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("nn.Dropout", (p["p"],))


def _pool(ctor: str) -> ModuleRule:
    def rule(p: Params, report: NodeReport) -> ModuleSpec:
        stride = p["kernel_size"] if p["stride"] == AUTO else p["stride"]
        kwargs = {} if stride == p["kernel_size"] else {"stride": stride}
        if p["padding"]:
            kwargs["padding"] = p["padding"]
        return ModuleSpec(ctor, (p["kernel_size"],), kwargs)

    return rule


def _adaptive_avg_pool(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("nn.AdaptiveAvgPool2d", (p["output_size"],))


def _stochastic_depth(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("StochasticDepth", (p["p"],))


def _drop_path(p: Params) -> dict[str, Any]:
    """``drop_path=...`` for a block's call, left out at 0 (the constructor's default)."""
    return {"drop_path": p["drop_path"]} if p["drop_path"] > 0 else {}


# -- blocks -----------------------------------------------------------------------


def _residual_mlp(p: Params, report: NodeReport) -> ModuleSpec:
    parts = _expansion_params("ResidualMLP", p, report)
    return ModuleSpec(
        "ResidualMLP",
        (_x(report).shape[-1], parts["fc2"]["out_features"], parts["fc1"]["out_features"]),
        {"activation": FUNCTIONAL_ACTIVATIONS[p["activation"]], "norm": p["norm"],
         "order": p["order"], "projection": "proj" in parts, "zero_init": p["zero_init"]})


def _residual_conv(p: Params, report: NodeReport) -> ModuleSpec:
    parts = _expansion_params("ResidualConv", p, report)
    return ModuleSpec(
        "ResidualConv", (_x(report).shape[0], parts["conv1"]["out_channels"]),
        {"kernel_size": p["kernel_size"], "stride": p["stride"],
         "activation": FUNCTIONAL_ACTIVATIONS[p["activation"]], "norm": p["norm"],
         "order": p["order"], "projection": "proj" in parts, "zero_init": p["zero_init"],
         **_drop_path(p)})


def _bottleneck(p: Params, report: NodeReport) -> ModuleSpec:
    parts = _expansion_params("Bottleneck", p, report)
    kwargs: dict[str, Any] = {"expansion": p["expansion"], "stride": p["stride"]}
    if p["groups"] != 1:
        kwargs["groups"] = p["groups"]
    kwargs.update(projection="downsample_0" in parts, zero_init=p["zero_init"], **_drop_path(p))
    return ModuleSpec("Bottleneck", (_x(report).shape[0], parts["conv3"]["out_channels"]),
                      kwargs)


def _highway(p: Params, report: NodeReport) -> ModuleSpec:
    gate_bias = report.resolved.get("gate_bias", p["gate_bias"])
    return ModuleSpec("Highway", (_x(report).shape[-1],),
                      {"activation": FUNCTIONAL_ACTIVATIONS[p["activation"]],
                       "gate_bias": float(gate_bias)})


def _dense(p: Params, report: NodeReport) -> ModuleSpec:
    return ModuleSpec("DenseBlock", (_x(report).shape[0], p["layers"], p["growth_rate"]),
                      {"bottleneck": p["bottleneck"]})


def _transition(p: Params, report: NodeReport) -> ModuleSpec:
    parts = _expansion_params("Transition", p, report)
    return ModuleSpec("Transition", (_x(report).shape[0], parts["conv"]["out_channels"]))


def _transformer(p: Params, report: NodeReport) -> ModuleSpec:
    kwargs = {"mlp_ratio": p["mlp_ratio"], "dropout": p["dropout"], "norm": p["norm"],
              "causal": p["causal"]}
    # The newer options only when set, so blocks made before them print as they did.
    if p["activation"] != "gelu":
        kwargs["activation"] = p["activation"]
    if p["eps"] != TORCH_EPS:
        kwargs["eps"] = p["eps"]
    return ModuleSpec("TransformerBlock", (_x(report).shape[1], p["heads"]),
                      {**kwargs, **_drop_path(p)})


def _mbconv(p: Params, report: NodeReport) -> ModuleSpec:
    parts = _expansion_params("MBConv", p, report)
    squeezed = parts["se_reduce"]["out_features"] if "se_reduce" in parts else 0
    return ModuleSpec(
        "MBConv", (_x(report).shape[0], parts["project"]["out_channels"]),
        {"expand_ratio": p["expand_ratio"], "kernel_size": p["kernel_size"],
         "stride": p["stride"], "se_channels": squeezed,
         "activation": FUNCTIONAL_ACTIVATIONS[p["activation"]],
         **(_drop_path(p) if "add" in parts else {})})  # it drops the residual branch only


MODULE_RULES: dict[str, ModuleRule] = {
    "Linear": _linear,
    "Conv2d": _conv,
    "ConvTranspose2d": _conv_transpose,
    "Upsample": _upsample,
    "Embedding": _embedding,
    "PositionalEmbedding": _positional,
    "PatchEmbedding": _patch_embedding,
    "ClassToken": _class_token,
    "SelfAttention": _attention,
    **{kind: _activation(kind) for kind in ACTIVATION_KINDS.values()},
    "GELU": _gelu,
    "BatchNorm": _batch_norm,
    "LayerNorm": _layer_norm,
    "GroupNorm": _group_norm,
    "Dropout": _dropout,
    "MaxPool2d": _pool("nn.MaxPool2d"),
    "AvgPool2d": _pool("nn.AvgPool2d"),
    "AdaptiveAvgPool2d": _adaptive_avg_pool,
    "StochasticDepth": _stochastic_depth,
    "ResidualMLP": _residual_mlp,
    "ResidualConv": _residual_conv,
    "Highway": _highway,
    "DenseBlock": _dense,
    "Transition": _transition,
    "TransformerBlock": _transformer,
    "MBConv": _mbconv,
    "Bottleneck": _bottleneck,
    "Module": imported_module,
}


def module_spec(kind: str, params: Params, report: NodeReport) -> ModuleSpec:
    """The submodule for a node of ``kind`` (KeyError for kinds that are expressions)."""
    return MODULE_RULES[kind](params, report)
