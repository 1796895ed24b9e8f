"""torch.export traces what torch.fx cannot, and the import reads it as fx's graph.

einops checks its input's type, which torch.fx's stand-in values fail; code that
iterates over a tensor or computes a size with ``math`` stops fx too. torch.export
runs such code on fake tensors, and ``export_tracing`` rewrites what it records
into the graph fx would have given, so the same node kinds come out.
"""

import math
import textwrap

import pytest
import torch
import torch.fx as fx
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange, reduce, repeat
from einops.layers.torch import Rearrange

from explorer.cli import main
from explorer.compiler import build_model
from explorer.export.original_weights import to_original_layout
from explorer.graph import TensorSpec
from explorer.importer import torch_import
from explorer.importer.export_tracing import trace_with_export
from explorer.importer.torch_import import import_module
from explorer.importer.tracing import TraceFailure, trace
from tests.importer.checks import kinds, largest_difference


class EinopsViT(nn.Module):
    """Written as in lucidrains' vit-pytorch: einops names the reshapes."""

    def __init__(self, image=16, patch=4, dim=16, classes=5):
        super().__init__()
        self.to_patch_embedding = nn.Sequential(
            nn.Conv2d(3, dim, patch, stride=patch), Rearrange("b c h w -> b (h w) c"))
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, (image // patch) ** 2 + 1, dim))
        self.ff = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 2 * dim), nn.GELU(),
                                nn.Linear(2 * dim, dim))
        self.mlp_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, classes))

    def forward(self, img):
        x = self.to_patch_embedding(img)
        b, n, _ = x.shape
        cls_tokens = repeat(self.cls_token, "1 1 d -> b 1 d", b=b)
        x = torch.cat((cls_tokens, x), dim=1)
        x += self.pos_embedding[:, :(n + 1)]
        x = self.ff(x) + x
        x = reduce(x, "b n d -> b d", "mean")
        return self.mlp_head(x)


class EinopsCNN(nn.Module):
    """A convolutional network flattening and pooling with einops."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 3)
        self.side = nn.Linear(4, 3)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return self.fc(rearrange(x, "b c h w -> b (c h w)")) + self.side(
            reduce(x, "b c h w -> b c", "mean"))


class Stacked(nn.Module):
    """Sums stacked branch outputs by iterating over the stack: fx cannot iterate."""

    def __init__(self):
        super().__init__()
        self.branches = nn.ModuleList(nn.Linear(6, 4) for _ in range(3))

    def forward(self, x):
        outs = torch.stack([branch(x) for branch in self.branches])
        y = outs[0]
        for o in outs[1:]:
            y = y + o
        return y


class PoolToSquareRoot(nn.Module):
    """A pooling window worked out from the input's size with ``math``, which fx's
    stand-in sizes cannot be given to."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        x = self.conv(x)
        x = F.max_pool2d(x, int(math.sqrt(x.shape[-1])))
        return self.fc(torch.flatten(x, 1))


class Swap(nn.Module):
    """Channels last and back by einops: an operation no kind has, so kept whole."""

    def forward(self, x):
        return rearrange(rearrange(x, "b c h w -> b h w c") * 2, "b h w c -> b c h w")


class WithSwap(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.swap = Swap()
        self.fc = nn.Linear(4 * 8 * 8, 3)

    def forward(self, x):
        return self.fc(rearrange(self.swap(self.conv(x)), "b c h w -> b (c h w)"))


class Gate(nn.Module):
    """Decides by the values it sees: neither tracer can follow, so it is kept whole."""

    def forward(self, x):
        return x if x.mean() > 0 else -x


class EinopsGated(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 6)
        self.gate = Gate()
        self.out = nn.Linear(6, 2)

    def forward(self, x):
        return self.out(self.gate(self.fc(rearrange(x, "b c h w -> b (c h w)"))))


class BasicBlock(nn.Module):
    def __init__(self, channels_in, channels, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample = None if stride == 1 and channels_in == channels else nn.Sequential(
            nn.Conv2d(channels_in, channels, 1, stride, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + identity)


class ResNetLike(nn.Module):
    """torchvision's ResNet shape, small: its blocks fold into ResidualConv either way."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 16, 2))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        x = self.layer1(self.maxpool(self.relu(self.bn1(self.conv1(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Attending(nn.Module):
    """A layer called twice, a parameter read directly, a layer returning a tuple."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.att = nn.MultiheadAttention(8, 2, batch_first=True)
        self.token = nn.Parameter(torch.randn(1, 4, 8))

    def forward(self, x):
        h = torch.relu(self.proj(x)) + self.token
        h = self.att(h, h, h)[0]
        return torch.flatten(self.proj(h), 1)


class SummedBranches(nn.Module):
    """``sum()`` starts from 0: fx records ``0 + branch(x)`` first."""

    def __init__(self):
        super().__init__()
        self.branches = nn.ModuleList(nn.Linear(6, 4) for _ in range(2))

    def forward(self, x):
        return sum(branch(x) for branch in self.branches)


def form(traced):
    """Each node's kind of call, target and arguments (earlier nodes by position)."""
    index = {node: i for i, node in enumerate(traced.graph.nodes)}
    return [(node.op, node.target, fx.node.map_arg(node.args, index.__getitem__))
            for node in traced.graph.nodes]


def exported_note(imported):
    return [note for note in imported.notes if "torch.export" in note]


@pytest.mark.parametrize("net, spec, expected", [
    (EinopsViT, TensorSpec((3, 16, 16)),
     ["ImageInput", "PatchEmbedding", "ClassToken", "PositionalEmbedding", "LayerNorm",
      "Linear", "GELU", "Linear", "Add", "GlobalAvgPool", "LayerNorm", "Linear",
      "ClassificationOutput"]),
    (EinopsCNN, TensorSpec((3, 8, 8)),
     ["ImageInput", "Conv2d", "ReLU", "Flatten", "Linear", "GlobalAvgPool", "Linear", "Add",
      "ClassificationOutput"]),
])
def test_einops_networks_import_as_editable_nodes(net, spec, expected):
    torch.manual_seed(0)
    module = net()
    imported = import_module(module, spec)
    assert kinds(imported) == expected
    assert largest_difference(imported, module, spec) <= 1e-5
    assert len(exported_note(imported)) == 1
    assert "torch.fx cannot trace" in exported_note(imported)[0]


@pytest.mark.parametrize("net, spec, expected", [
    (Stacked, TensorSpec((6,)),
     ["VectorInput", "Linear", "Linear", "Linear", "Add", "Add", "ClassificationOutput"]),
    (PoolToSquareRoot, TensorSpec((3, 16, 16)),
     ["ImageInput", "Conv2d", "MaxPool2d", "Flatten", "Linear", "ClassificationOutput"]),
])
def test_code_fx_cannot_trace_is_exported_instead(net, spec, expected):
    torch.manual_seed(0)
    module = net()
    imported = import_module(module, spec)
    assert kinds(imported) == expected
    assert largest_difference(imported, module, spec) <= 1e-5
    assert exported_note(imported)


def test_the_exported_graph_has_the_form_fx_gives():
    module = Attending().eval()
    assert form(trace_with_export(module, set(), torch.randn(2, 4, 8))) == form(
        trace(module, set()))


def test_a_part_with_an_operation_no_kind_has_is_kept_whole():
    torch.manual_seed(0)
    module = WithSwap()
    imported = import_module(module, TensorSpec((3, 8, 8)))
    assert kinds(imported) == ["ImageInput", "Conv2d", "Module", "Flatten", "Linear",
                               "ClassificationOutput"]
    assert any(note.startswith("swap (Swap) is kept whole: the operation aten.permute")
               for note in imported.notes)
    assert largest_difference(imported, module, TensorSpec((3, 8, 8))) <= 1e-5


def test_a_part_export_cannot_trace_is_kept_whole_and_the_rest_exported():
    torch.manual_seed(0)
    module = EinopsGated()
    imported = import_module(module, TensorSpec((3, 2, 2)))
    assert kinds(imported) == ["ImageInput", "Flatten", "Linear", "Module", "Linear",
                               "ClassificationOutput"]
    assert any(note.startswith("gate (Gate) is kept whole: torch.export cannot trace into it")
               for note in imported.notes)
    assert exported_note(imported)
    assert largest_difference(imported, module, TensorSpec((3, 2, 2))) <= 1e-5


def test_a_resnet_exported_imports_as_traced_by_fx(monkeypatch):
    def fx_fails(module, *rest):
        raise TraceFailure("", RuntimeError("fx is not used here"), "")

    torch.manual_seed(0)
    module = ResNetLike()
    by_fx = import_module(module, TensorSpec((3, 16, 16)))
    monkeypatch.setattr(torch_import, "trace", fx_fails)
    monkeypatch.setattr(torch_import, "trace_with_values", fx_fails)
    exported = import_module(module, TensorSpec((3, 16, 16)))
    assert kinds(exported) == kinds(by_fx)
    assert "ResidualConv" in kinds(exported)
    assert exported.project.weight_map == by_fx.project.weight_map
    assert largest_difference(exported, module, TensorSpec((3, 16, 16))) <= 1e-5


def test_an_operation_no_kind_has_is_named_with_the_users_line():
    class Permuted(nn.Module):
        def forward(self, x):
            return rearrange(x, "b c h w -> b h w c")

    with pytest.raises(Exception) as error:
        import_module(Permuted(), TensorSpec((3, 4, 4)))
    message = str(error.value)
    assert "aten.permute" in message
    assert 'rearrange(x, "b c h w -> b h w c")' in message  # the user's line, not einops'


DATA_DEPENDENT = '''
    import torch
    import torch.nn as nn
    from einops import rearrange


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            x = rearrange(x, "b d -> b d")
            if x.sum() > 0:
                return self.fc(x)
            return x
'''


@pytest.mark.parametrize("einops_first", [True, False])
def test_data_dependent_control_flow_is_still_refused_naming_the_line(
        tmp_path, capsys, einops_first):
    source = textwrap.dedent(DATA_DEPENDENT)
    if not einops_first:
        source = source.replace('x = rearrange(x, "b d -> b d")', "x = x")
    path = tmp_path / "gated.py"
    path.write_text(source)
    assert main(["import", f"{path}:Net", "--input", "8",
                 "-o", str(tmp_path / "net.archx.json")]) == 2
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "Traceback" not in text
    assert "gated.py:14" in text and "if x.sum() > 0:" in text


def test_weights_go_back_to_the_original_layout():
    torch.manual_seed(0)
    module = EinopsViT()
    imported = import_module(module, TensorSpec((3, 16, 16)))
    wanted = module.state_dict()
    original = to_original_layout(imported.state_dict, imported.project.weight_map,
                                  {key: tuple(value.shape) for key, value in wanted.items()})
    assert set(original) == set(wanted)
    for key, value in wanted.items():
        assert torch.equal(original[key], value), key


def test_sum_of_branches_adds_nothing_for_its_start_value():
    torch.manual_seed(0)
    module = SummedBranches()
    imported = import_module(module, TensorSpec((6,)))
    assert kinds(imported) == ["VectorInput", "Linear", "Linear", "Add",
                               "ClassificationOutput"]
    assert largest_difference(imported, module, TensorSpec((6,))) <= 1e-5
    assert not exported_note(imported)  # plain fx traced it


PATCHES_AS_ROWS = '''
import torch
import torch.nn as nn
from einops.layers.torch import Rearrange


class PatchViT(nn.Module):
    """lucidrains' way in: patches cut by einops into rows, then a Linear."""

    def __init__(self, patch=4, dim=16, classes=5):
        super().__init__()
        self.to_patch_embedding = nn.Sequential(
            Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=patch, p2=patch),
            nn.Linear(patch * patch * 3, dim))
        self.head = nn.Linear(dim, classes)

    def forward(self, img):
        return self.head(self.to_patch_embedding(img).mean(1))
'''


def test_a_library_layer_kept_whole_is_made_again_with_the_arguments_it_was_given(tmp_path):
    path = tmp_path / "patch_vit.py"
    path.write_text(PATCHES_AS_ROWS)
    imported = torch_import.import_torch(f"{path}:PatchViT", "3x16x16")
    graph = imported.project.graph
    [kept] = [n for n in graph.nodes() if n.kind == "Module"]
    assert graph.params_of(kept.id)["class_path"] == "einops.layers.torch.Rearrange"
    assert '"p1": 4' in graph.params_of(kept.id)["init_args"]  # recorded, so it builds
    assert any("agree" in note for note in imported.notes), imported.notes
    model = build_model(graph).eval()
    model.load_state_dict(imported.state_dict)
    assert model(torch.randn(2, 3, 16, 16)).shape == (2, 5)
