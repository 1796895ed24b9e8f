"""The convolutional networks of the model zoo, written from their papers in plain torch.

These are the yardsticks the zoo is measured against, so they import nothing
from explorer. Every submodule carries torchvision's name, so a state_dict
here has exactly torchvision's keys and a checkpoint moves between the two
unchanged.

- ResNet (He et al. 2016), the "v1.5" form torchvision uses: a bottleneck
  block strides in its 3×3 convolution, not its first 1×1.
- DenseNet-BC (Huang et al. 2017): bottleneck layers of 4k channels,
  transitions that halve the channels.
- MobileNetV2 (Sandler et al. 2018): inverted residuals, ReLU6, linear
  bottlenecks.
- EfficientNet-B0 (Tan & Le 2019): MBConv blocks with squeeze-and-excitation
  and SiLU.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1,
            act: type[nn.Module] | None = nn.ReLU) -> nn.Sequential:
    """Conv (padding k//2, no bias), BatchNorm and an activation: keys .0, .1 (and .2)."""
    layers: list[nn.Module] = [
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


# -- ResNet ----------------------------------------------------------------------


def _downsample(cin: int, cout: int, stride: int) -> nn.Sequential | None:
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    """relu(x' + bn2(conv2(relu(bn1(conv1(x)))))), two 3×3 convolutions."""

    expansion = 1

    def __init__(self, cin: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = _downsample(cin, planes, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x if self.downsample is None else self.downsample(x)
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(h)) + skip)


class Bottleneck(nn.Module):
    """1×1 down to ``planes``, 3×3 (strided), 1×1 up to 4·planes; added to x'."""

    expansion = 4

    def __init__(self, cin: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out = planes * self.expansion
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.downsample = _downsample(cin, out, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x if self.downsample is None else self.downsample(x)
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        return F.relu(self.bn3(self.conv3(h)) + skip)


class ResNet(nn.Module):
    """7×7/2 stem, 3×3/2 max pool, four stages (64..512 planes), average pool, classifier."""

    def __init__(self, block: type[BasicBlock] | type[Bottleneck], depths: tuple[int, ...],
                 classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = 64
        for stage, (planes, n) in enumerate(zip((64, 128, 256, 512), depths, strict=True), start=1):
            blocks = []
            for i in range(n):
                blocks.append(block(cin, planes, 2 if stage > 1 and i == 0 else 1))
                cin = planes * block.expansion
            setattr(self, f"layer{stage}", nn.Sequential(*blocks))
        self.fc = nn.Linear(cin, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(x.mean(dim=(2, 3)))


# -- DenseNet ----------------------------------------------------------------------


class DenseLayer(nn.Module):
    """BN, ReLU, 1×1 conv to 4k, BN, ReLU, 3×3 conv to k: the k new channels."""

    def __init__(self, cin: int, k: int) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, 4 * k, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(4 * k)
        self.conv2 = nn.Conv2d(4 * k, k, 3, 1, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(F.relu(self.norm2(self.conv1(F.relu(self.norm1(x))))))


class DenseBlock(nn.ModuleDict):
    """Each layer sees every map before it; its output is concatenated on."""

    def __init__(self, cin: int, layers: int, k: int) -> None:
        super().__init__({f"denselayer{i + 1}": DenseLayer(cin + i * k, k)
                          for i in range(layers)})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.values():
            x = torch.cat([x, layer(x)], 1)
        return x


class Transition(nn.Sequential):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(OrderedDict(norm=nn.BatchNorm2d(cin), relu=nn.ReLU(),
                                     conv=nn.Conv2d(cin, cout, 1, bias=False),
                                     pool=nn.AvgPool2d(2, 2)))


class DenseNet(nn.Module):
    """DenseNet-BC: stem to 2k channels, dense blocks joined by halving transitions."""

    def __init__(self, layers: tuple[int, ...] = (6, 12, 24, 16), k: int = 32,
                 classes: int = 1000) -> None:
        super().__init__()
        c = 2 * k
        parts: OrderedDict[str, nn.Module] = OrderedDict(
            conv0=nn.Conv2d(3, c, 7, 2, 3, bias=False), norm0=nn.BatchNorm2d(c),
            relu0=nn.ReLU(), pool0=nn.MaxPool2d(3, 2, 1))
        for i, n in enumerate(layers, start=1):
            parts[f"denseblock{i}"] = DenseBlock(c, n, k)
            c += n * k
            if i < len(layers):
                parts[f"transition{i}"] = Transition(c, c // 2)
                c //= 2
        parts["norm5"] = nn.BatchNorm2d(c)
        self.features = nn.Sequential(parts)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(F.relu(self.features(x)).mean(dim=(2, 3)))


# -- MobileNetV2 -----------------------------------------------------------------------

# (expansion t, channels c, repeats n, first stride s), the paper's Table 2.
MOBILENET_V2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))


class InvertedResidual(nn.Module):
    """1×1 expand (ReLU6), 3×3 depthwise (ReLU6), linear 1×1 project; residual if shapes match."""

    def __init__(self, cin: int, cout: int, stride: int, t: int) -> None:
        super().__init__()
        wide = cin * t
        layers: list[nn.Module] = [] if t == 1 else [conv_bn(cin, wide, 1, act=nn.ReLU6)]
        layers += [conv_bn(wide, wide, 3, stride, groups=wide, act=nn.ReLU6),
                   nn.Conv2d(wide, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        features: list[nn.Module] = [conv_bn(3, 32, 3, 2, act=nn.ReLU6)]
        cin = 32
        for t, c, n, s in MOBILENET_V2:
            for i in range(n):
                features.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        features.append(conv_bn(cin, 1280, 1, act=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean(dim=(2, 3)))


# -- EfficientNet-B0 ---------------------------------------------------------------------

# (expand ratio, kernel, first stride, channels in, channels out, layers), the paper's Table 1.
EFFICIENTNET_B0 = ((1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2),
                   (6, 3, 2, 40, 80, 3), (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4),
                   (6, 3, 1, 192, 320, 1))


class SqueezeExcitation(nn.Module):
    """Channel gates: average, 1×1 conv down (SiLU), 1×1 conv up, sigmoid, scale."""

    def __init__(self, channels: int, squeezed: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.fc2 = nn.Conv2d(squeezed, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = self.fc2(F.silu(self.fc1(x.mean(dim=(2, 3), keepdim=True))))
        return x * torch.sigmoid(g)


class MBConv(nn.Module):
    """Expand (SiLU), depthwise (SiLU), squeeze-excite (in/4 channels), linear project."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, t: int) -> None:
        super().__init__()
        wide = cin * t
        layers: list[nn.Module] = [] if t == 1 else [conv_bn(cin, wide, 1, act=nn.SiLU)]
        layers += [conv_bn(wide, wide, k, stride, groups=wide, act=nn.SiLU),
                   SqueezeExcitation(wide, max(1, cin // 4)),
                   conv_bn(wide, cout, 1, act=None)]
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x) if self.residual else self.block(x)


class EfficientNetB0(nn.Module):
    def __init__(self, classes: int = 1000) -> None:
        super().__init__()
        features: list[nn.Module] = [conv_bn(3, 32, 3, 2, act=nn.SiLU)]
        for t, k, s, cin, cout, n in EFFICIENTNET_B0:
            features.append(nn.Sequential(*(
                MBConv(cin if i == 0 else cout, cout, k, s if i == 0 else 1, t)
                for i in range(n))))
        features.append(conv_bn(320, 1280, 1, act=nn.SiLU))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean(dim=(2, 3)))


def resnet18() -> ResNet:
    return ResNet(BasicBlock, (2, 2, 2, 2))


def resnet34() -> ResNet:
    return ResNet(BasicBlock, (3, 4, 6, 3))


def resnet50() -> ResNet:
    return ResNet(Bottleneck, (3, 4, 6, 3))


def densenet121() -> DenseNet:
    return DenseNet((6, 12, 24, 16), 32)
