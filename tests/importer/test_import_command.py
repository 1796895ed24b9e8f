"""``main.py import``: a project and its weights on disk, or one clear line and exit status 2."""

import sys
from pathlib import Path

import pytest
import torch

from explorer.cli import main
from explorer.compiler import build_model
from explorer.export import network_source
from explorer.export.weights import load_weights
from explorer.graph.project import load

NETS = Path(__file__).with_name("nets_for_import.py")


def test_import_writes_the_project_and_its_weights(tmp_path, capsys):
    out = tmp_path / "cnn.archx.json"
    assert main(["import", f"{NETS}:make_cnn", "--input", "3x8x8", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Wrote {out} and {tmp_path / 'cnn.safetensors'}" in printed
    assert "note: scale (Scale) is kept whole" in printed
    project = load(out)
    model = build_model(project.graph).eval()
    load_weights(model, tmp_path / "cnn.safetensors")
    reference = sys.modules["nets_for_import"].make_cnn().eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        assert (model(x) - reference(x)).abs().max().item() <= 1e-5


def test_exported_code_imports_the_kept_whole_class(tmp_path):
    out = tmp_path / "cnn.archx.json"
    assert main(["import", f"{NETS}:make_cnn", "--input", "3x8x8", "-o", str(out)]) == 0
    text = network_source(load(out)).text
    assert "import nets_for_import" in text
    assert "nets_for_import.Scale(channels=8, factor=0.5)" in text
    namespace: dict = {"__name__": "exported"}
    exec(compile(text, "model.py", "exec"), namespace)  # nets_for_import is in sys.modules
    model = namespace["Network"]().eval()
    model.load_state_dict(namespace["load_tensors"](str(tmp_path / "cnn.safetensors")))
    reference = sys.modules["nets_for_import"].make_cnn().eval()
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        assert (model(x) - reference(x)).abs().max().item() <= 1e-5


@pytest.mark.parametrize("arguments, words", [
    (["missing.py:Net", "--input", "4"], "there is no file missing.py"),
    ([f"{NETS}:Nothing", "--input", "4"], "has no 'Nothing'"),
    ([f"{NETS}:broken", "--input", "4"], "raised ValueError: no weights here"),
    ([f"{NETS}:MLP", "--input", "5"], "refuses an input of shape (5,)"),
    ([f"{NETS}:MLP", "--input", "five"], "is not a shape"),
    ([f"{NETS}:MLP"], "--input is needed"),
    ([f"{NETS}:Branchy", "--input", "4"], "if x.sum() > 0:"),
])
def test_every_refusal_is_one_line_and_exit_status_2(tmp_path, capsys, arguments, words):
    out = tmp_path / "net.archx.json"
    assert main(["import", *arguments, "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert words in captured.err
    assert captured.err.startswith("error: cannot import: ")
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert not out.exists()


def test_a_missing_output_folder_is_refused_before_importing(tmp_path, capsys):
    out = tmp_path / "no" / "net.archx.json"
    assert main(["import", f"{NETS}:MLP", "--input", "8", "-o", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_an_onnx_file_imports_through_the_same_command(tmp_path, capsys):
    pytest.importorskip("onnx")
    from .onnx_helpers import export

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    onnx_file = export(net, torch.randn(1, 8), tmp_path / "mlp.onnx", opset=17)
    out = tmp_path / "mlp.archx.json"
    assert main(["import", str(onnx_file), "-o", str(out)]) == 0, capsys.readouterr().err
    model = build_model(load(out).graph).eval()
    load_weights(model, tmp_path / "mlp.safetensors")
    x = torch.randn(2, 8)
    with torch.no_grad():
        assert (model(x) - net.eval()(x)).abs().max().item() <= 1e-5
