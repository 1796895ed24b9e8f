"""Moving weights between a compiled zoo network and a reference model by the weight map."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
import torch.nn as nn

# How a tensor must change on its way: (original key, tensor as the original holds it) ->
# tensor. The default keeps the values and takes the original's shape, which covers the
# only layout differences of the zoo: a squeeze-excite Linear vs torchvision's 1×1 conv,
# and a position table or class token with or without the leading batch axis of 1.
Convert = Callable[[str, torch.Tensor], torch.Tensor]


def same_numbers(key: str, tensor: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``tensor`` in the shape of ``like``; only the shape may differ, never the count."""
    assert tensor.numel() == like.numel(), (
        f"{key}: {tuple(tensor.shape)} cannot become {tuple(like.shape)}")
    return tensor.reshape(like.shape)


def to_original(compiled: Mapping[str, torch.Tensor], weight_map: Mapping[str, str],
                target: Mapping[str, torch.Tensor],
                convert: Callable[[str, torch.Tensor, torch.Tensor], torch.Tensor]
                = same_numbers) -> dict[str, torch.Tensor]:
    """The compiled state_dict renamed (and reshaped) into the original's keys."""
    assert set(compiled) == set(weight_map), "the weight map names every compiled tensor"
    return {weight_map[k]: convert(weight_map[k], v, target[weight_map[k]])
            for k, v in compiled.items()}


def from_original(original: Mapping[str, torch.Tensor], weight_map: Mapping[str, str],
                  target: Mapping[str, torch.Tensor],
                  convert: Callable[[str, torch.Tensor, torch.Tensor], torch.Tensor]
                  = same_numbers) -> dict[str, torch.Tensor]:
    """The original's state_dict renamed (and reshaped) into the compiled network's keys."""
    return {k: convert(k, original[o], target[k]) for k, o in weight_map.items()}


def randomise_norms(model: nn.Module, seed: int = 0) -> None:
    """Give every norm layer's statistics and affine weights random values.

    Fresh BatchNorm layers hold mean 0, variance 1, weight 1, bias 0: a wrong
    mapping between two of them would go unnoticed. Random values make every
    tensor count in the comparison.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                assert module.running_mean is not None and module.running_var is not None
                module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=g)
                                          * 0.1)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=g)
                                         + 0.5)
            norm = isinstance(module, (nn.modules.batchnorm._BatchNorm, nn.LayerNorm))
            if norm and module.weight is not None:
                module.weight.copy_(torch.rand(module.weight.shape, generator=g) + 0.5)
                module.bias.copy_(torch.randn(module.bias.shape, generator=g) * 0.1)
