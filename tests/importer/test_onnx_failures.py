"""What cannot be imported from ONNX is refused in plain words, naming every node; the CLI."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")

from explorer.compiler import build_model  # noqa: E402
from explorer.graph.project import load  # noqa: E402
from explorer.importer.errors import ImportFailure  # noqa: E402
from explorer.importer.onnx_import import import_onnx  # noqa: E402

from .onnx_helpers import export  # noqa: E402


class Unusual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.wide = nn.Conv2d(1, 2, (1, 3))

    def forward(self, x):
        y = torch.sin(self.fc(x)) + torch.abs(x)
        z = self.wide(y.view(y.size(0), 1, 2, 2).repeat(1, 1, 1, 2))
        return torch.cos(y) + torch.sin(y) + z.flatten(1)[:, :4]


def test_unsupported_operations_are_all_named_with_their_nodes(tmp_path):
    path = export(Unusual(), torch.randn(2, 4), tmp_path / "odd.onnx", 17)
    with pytest.raises(ImportFailure) as failure:
        import_onnx(path)
    text = str(failure.value)
    assert text.startswith("odd.onnx cannot be imported")
    for op, node in [("Sin", "'/Sin'"), ("Sin", "'/Sin_1'"), ("Abs", "'/Abs'"),
                     ("Cos", "'/Cos'"), ("Tile", "'/Tile'")]:
        assert f"{op} at node" in text and node in text
    assert "Replace those operations" in failure.value.hint


def test_a_kernel_that_is_not_square_is_refused_with_the_reason(tmp_path):
    path = export(nn.Sequential(nn.Conv2d(1, 2, (1, 3)), nn.Flatten()),
                  torch.randn(1, 1, 4, 4), tmp_path / "wide.onnx", 17)
    with pytest.raises(ImportFailure, match=r"Conv at node '/0/Conv': its kernel is \(1, 3\)"):
        import_onnx(path)


def test_a_fixed_tensor_that_cannot_be_folded_is_named(tmp_path):
    class Shifted(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.shift = nn.Linear(4, 3), nn.Parameter(torch.ones(3))

        def forward(self, x):
            y = self.fc(x)
            return y * 2 + y + self.shift

    path = export(Shifted(), torch.randn(2, 4), tmp_path / "shift.onnx", 17)
    with pytest.raises(ImportFailure) as failure:
        import_onnx(path)
    assert "Mul at node '/Mul': it multiplies by a fixed tensor (/Constant" in str(failure.value)


def test_inputs_and_outputs_it_cannot_take_are_explained(tmp_path):
    class TwoOut(nn.Module):
        def forward(self, x):
            return x.relu(), x.tanh()

    class TwoIn(nn.Module):
        def forward(self, x, y):
            return x + y

    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(nn.Conv2d(6, 4, 3).eval(), (torch.randn(1, 6, 8, 8),), str(path),
                          dynamo=False, opset_version=17, input_names=["input"],
                          dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}})
        with pytest.raises(ImportFailure, match="every size but the batch must be fixed"):
            import_onnx(path)
        torch.onnx.export(TwoOut(), (torch.randn(1, 4),), str(path), dynamo=False,
                          opset_version=17)
        with pytest.raises(ImportFailure, match="has 2 outputs; a network here has one"):
            import_onnx(path)
        torch.onnx.export(TwoIn(), (torch.randn(1, 4), torch.randn(1, 4)), str(path),
                          dynamo=False, opset_version=17)
        with pytest.raises(ImportFailure, match="the model has 2 inputs"):
            import_onnx(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ImportFailure, match="there is no file"):
        import_onnx(tmp_path / "nowhere.onnx")
    with pytest.raises(ImportFailure, match="is a folder"):
        import_onnx(tmp_path)


def test_a_file_that_is_not_onnx_is_refused(tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_bytes(b"\xff\x00 this is not a protobuf at all \x13\x37" * 10)
    with pytest.raises(ImportFailure, match="not an ONNX model"):
        import_onnx(path)
    path.write_text("")
    with pytest.raises(ImportFailure):
        import_onnx(path)


def test_an_old_opset_is_refused_with_what_to_do(tmp_path):
    path = export(nn.Linear(4, 2), torch.randn(1, 4), tmp_path / "old.onnx", 11)
    with pytest.raises(ImportFailure, match="opset 11; opset 13 or later") as failure:
        import_onnx(path)
    assert "opset_version=17" in failure.value.hint


# -- main.py import model.onnx ------------------------------------------------------------


def test_the_import_command_writes_a_project_and_weights_that_match(tmp_path, capsys):
    from safetensors.torch import load_file

    from explorer.cli import main

    torch.manual_seed(0)
    path = export(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(-1)),
                  torch.randn(2, 4), tmp_path / "net.onnx", 17)
    assert main(["import", str(path), "-o", str(tmp_path / "net.archx.json")]) == 0
    out = capsys.readouterr().out
    assert "note: The final Softmax" in out and "net.safetensors" in out
    network = build_model(load(tmp_path / "net.archx.json").graph)
    network.load_state_dict(load_file(str(tmp_path / "net.safetensors")))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = torch.randn(5, 4)
    (expected,) = session.run(None, {"input": x.numpy()})
    with torch.no_grad():
        assert np.abs(network(x).softmax(-1).numpy() - expected).max() <= 1e-5


def test_the_import_command_exits_2_naming_the_unsupported_operations(tmp_path, capsys):
    from explorer.cli import main

    path = export(Unusual(), torch.randn(2, 4), tmp_path / "odd.onnx", 17)
    assert main(["import", str(path), "-o", str(tmp_path / "odd.archx.json")]) == 2
    err = capsys.readouterr().err
    assert "Sin at nodes '/Sin', '/Sin_1'" in err and "Traceback" not in err
    assert not (tmp_path / "odd.archx.json").exists()
    assert main(["import", str(tmp_path / "missing.onnx"), "-o",
                 str(tmp_path / "m.archx.json")]) == 2
    assert "there is no file" in capsys.readouterr().err
