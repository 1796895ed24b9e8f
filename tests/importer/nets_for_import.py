"""Small networks written the way people write them, for the import tests (loaded by path)."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, features=8, hidden=16, classes=3):
        super().__init__()
        self.fc1 = nn.Linear(features, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.fc2(F.relu(self.act(self.fc1(x))))


class Block(nn.Module):
    """torchvision's BasicBlock, written out: conv-bn-relu-conv-bn, add the input, relu."""

    def __init__(self, channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class Scale(nn.Module):
    """A learned per-channel scale: no node kind computes it, so it is kept whole."""

    def __init__(self, channels, factor=2.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(channels, 1, 1))
        self.factor = factor

    def forward(self, x):
        return x * self.weight * self.factor


class CNN(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = Block(8)
        self.scale = Scale(8, factor=0.5)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, classes)

    def forward(self, x):
        x = self.scale(self.block(self.stem(x)))
        x = self.pool(x)
        x = x.view(x.size(0), -1)
        return self.head(x)


class Branchy(nn.Module):
    """Chooses its path by the values it sees: torch.fx cannot trace that."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x)
        return x


class Gate(nn.Module):
    """Data-dependent inside a submodule: the submodule is kept whole, the rest is traced."""

    def forward(self, x):
        return x if x.mean() > 0 else -x


class GatedMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 6)
        self.gate = Gate()
        self.out = nn.Linear(6, 2)

    def forward(self, x):
        return self.out(self.gate(self.fc(x)))


def make_cnn():
    torch.manual_seed(0)
    model = CNN()
    for module in model.modules():  # running statistics other than the defaults
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return model


def broken():
    raise ValueError("no weights here")


class BasicBlock(nn.Module):
    """torchvision.models.resnet.BasicBlock, as written there (downsample given from outside)."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """torchvision.models.resnet.Bottleneck (v1.5: the stride on the 3×3)."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, padding=1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


def _downsample(inplanes, planes, stride):
    return nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                         nn.BatchNorm2d(planes))


class TinyResNet(nn.Module):
    """A stem, two basic blocks (the second halves the size), a bottleneck, a block that
    differs from torchvision's (biased convolutions) and a classifier."""

    def __init__(self, classes=5):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8),
                                    BasicBlock(8, 16, 2, _downsample(8, 16, 2)))
        self.layer2 = nn.Sequential(Bottleneck(16, 4), Bottleneck(16, 8, 2, _downsample(16, 32, 2),
                                                                  groups=2))
        self.odd = BasicBlock(32, 32)
        self.odd.conv2 = nn.Conv2d(32, 32, 3, padding=1, bias=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.odd(self.layer2(self.layer1(x)))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def tiny_resnet():
    torch.manual_seed(0)
    model = TinyResNet()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
    return model


class Functional(nn.Module):
    """Pooling and dropout written as functions, and a reshape with the batch size."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3)
        self.fc = nn.Linear(6 * 2 * 2, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        x = F.avg_pool2d(x, 3, stride=1, padding=1)
        x = F.dropout(x, 0.25, self.training)
        return self.fc(x.reshape(x.shape[0], -1))


class WithOptions(nn.Module):
    """forward takes options with defaults; they are traced at their defaults."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, mask=None, scale=1.0):
        if mask is not None:
            x = x * mask
        return self.fc(x) * scale if scale != 1.0 else self.fc(x)


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, y):
        return self.fc(x + y)


class NegativeScale(Scale):
    """Inherits Scale's constructor: its arguments are still recorded."""

    def forward(self, x):
        return -super().forward(x)


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.scale = NegativeScale(4, factor=3.0)

    def forward(self, x):
        return self.scale(self.conv(x))
