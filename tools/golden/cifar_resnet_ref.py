# SPDX-License-Identifier: MIT
"""The CIFAR ResNets of He et al. 2016 ("Deep Residual Learning for Image Recognition",
section 4.2), as the widely used PyTorch port akamaster/pytorch_resnet_cifar10 (resnet.py)
defines them: the reference weightinit's `cifar-resnet-D` models are checked against.

conv3x3(in -> 16) + BN + ReLU, three stages of n BasicBlocks (16, 32, 64 channels; stride 2 in
the first block of stages 2 and 3), F.avg_pool2d over the whole map, Linear(64 -> classes);
depth = 6n + 2. Shortcut "option A": the identity, and where the shape changes x[:, :, ::2, ::2]
zero-padded by planes // 4 channels on each side (a LambdaLayer around F.pad). The port ends its
constructor with `self.apply(_weights_init)`: kaiming_normal_ (fan_in, gain sqrt(2)) on every
Conv2d and Linear weight; the Linear bias keeps its default (weightinit's `cifar-resnet` policy).

Two arguments the port does not have, both off by default so the port's models are unchanged:
`bn=False` removes every BatchNorm2d (the convolutions stay bias-free: the normless setting of
Fixup and ReZero, whose scalar biases and multipliers are not part of the model), and
`in_channels` (1 for Fashion-MNIST padded to 32x32).

    torch.manual_seed(s); m = cifar_resnet_ref.resnet20()
gives the tensors of `weightinit init cifar-resnet20 --seed s` (build, then the cifar-resnet
policy from the same generator).
"""
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init


def _weights_init(m):
    if isinstance(m, nn.Linear) or isinstance(m, nn.Conv2d):
        init.kaiming_normal_(m.weight)


class LambdaLayer(nn.Module):
    def __init__(self, lambd):
        super().__init__()
        self.lambd = lambd

    def forward(self, x):
        return self.lambd(x)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1, bn=True):
        super().__init__()
        self.use_bn = bn
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1,
                               bias=False)
        if bn:
            self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        if bn:
            self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            # option A
            self.shortcut = LambdaLayer(lambda x: F.pad(x[:, :, ::2, ::2],
                                                        (0, 0, 0, 0, planes // 4, planes // 4),
                                                        "constant", 0))

    def forward(self, x):
        out = self.conv1(x)
        out = F.relu(self.bn1(out) if self.use_bn else out)
        out = self.conv2(out)
        out = self.bn2(out) if self.use_bn else out
        out = out + self.shortcut(x)
        return F.relu(out)


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10, bn=True, in_channels=3):
        super().__init__()
        self.in_planes = 16
        self.use_bn = bn
        self.conv1 = nn.Conv2d(in_channels, 16, kernel_size=3, stride=1, padding=1, bias=False)
        if bn:
            self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(block, 16, num_blocks[0], stride=1, bn=bn)
        self.layer2 = self._make_layer(block, 32, num_blocks[1], stride=2, bn=bn)
        self.layer3 = self._make_layer(block, 64, num_blocks[2], stride=2, bn=bn)
        self.linear = nn.Linear(64, num_classes)
        self.apply(_weights_init)

    def _make_layer(self, block, planes, num_blocks, stride, bn):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for s in strides:
            layers.append(block(self.in_planes, planes, s, bn))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv1(x)
        out = F.relu(self.bn1(out) if self.use_bn else out)
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = F.avg_pool2d(out, out.size()[3])
        out = out.view(out.size(0), -1)
        return self.linear(out)


def cifar_resnet(depth, num_classes=10, bn=True, in_channels=3):
    assert (depth - 2) % 6 == 0 and depth >= 8, depth
    n = (depth - 2) // 6
    return ResNet(BasicBlock, [n, n, n], num_classes, bn, in_channels)


def resnet20(**kw):
    return cifar_resnet(20, **kw)


def resnet32(**kw):
    return cifar_resnet(32, **kw)


def resnet44(**kw):
    return cifar_resnet(44, **kw)


def resnet56(**kw):
    return cifar_resnet(56, **kw)


def resnet110(**kw):
    return cifar_resnet(110, **kw)


def resnet1202(**kw):
    return cifar_resnet(1202, **kw)


def from_spec(spec):
    """The reference model of a weightinit spec: cifar-resnet20, cifar-resnet-56,
    cifar-resnet20:bn=false,in_channels=1,classes=100."""
    name, _, options = spec.partition(":")
    assert name.startswith("cifar-resnet"), spec
    depth = int(name[len("cifar-resnet"):].lstrip("-"))
    kw = {}
    for item in filter(None, options.split(",")):
        key, value = item.split("=")
        if key == "bn":
            kw["bn"] = value in ("true", "1")
        elif key == "in_channels":
            kw["in_channels"] = int(value)
        elif key == "classes":
            kw["num_classes"] = int(value)
        else:
            raise ValueError(spec)
    return cifar_resnet(depth, **kw)
