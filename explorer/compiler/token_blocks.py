"""The modules that turn an image into tokens for a vision transformer (ViT).

They follow the rules of ``blocks.py`` (which imports them, so every block
class is found there): exported code copies each class word for word, so
this file imports nothing but torch, and each class stands on its own.
"""

import torch
import torch.nn as nn


class PatchEmbedding(nn.Conv2d):
    """Cuts the image into patch_size × patch_size patches and maps each to a dim-vector.

    A convolution whose kernel and stride are the patch size (torchvision's
    ``conv_proj``), then the grid of patches read row by row: the output is
    batch × patches × dim. Being a Conv2d itself, its weights are ``weight``
    and ``bias``.
    """

    def __init__(self, in_channels, dim, patch_size=16):
        super().__init__(in_channels, dim, patch_size, stride=patch_size)

    def forward(self, x):
        return super().forward(x).flatten(2).transpose(1, 2)


class ClassToken(nn.Module):
    """Puts one learned token in front of the sequence (ViT's ``class_token``, 1 × 1 × dim).

    It starts at zero, as in torchvision; the head later reads the answer from it.
    """

    def __init__(self, dim):
        super().__init__()
        self.token = nn.Parameter(torch.zeros(1, 1, dim))

    def forward(self, x):
        return torch.cat([self.token.expand(x.shape[0], -1, -1), x], dim=1)
