"""`main.py weights`: a checkpoint in torchvision's layout comes into the editor's names and
goes back out, so a zoo network trains from (and saves for) the original module."""

import pytest
import torch
from safetensors.torch import load_file

from explorer.cli import main
from explorer.compiler import build_model
from explorer.graph import project as project_file
from explorer.graph import recipes
from explorer.graph.zoo import ZOO

from .reference_cnns import resnet18


def test_a_torchvision_checkpoint_converts_in_and_back_out(tmp_path, capsys):
    torch.manual_seed(0)
    path = tmp_path / "resnet18.archx.json"
    project_file.save(ZOO["resnet18"](), path)
    reference = resnet18().eval()
    torch.save(reference.state_dict(), tmp_path / "resnet18.pth")

    assert main(["weights", str(path), str(tmp_path / "resnet18.pth"), "--to", "editor",
                 "-o", str(tmp_path / "editor.safetensors")]) == 0
    net = build_model(project_file.load(path).graph).eval()
    net.load_state_dict(load_file(tmp_path / "editor.safetensors"))
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(net(x), reference(x), atol=1e-5, rtol=1e-5)

    assert main(["weights", str(path), str(tmp_path / "editor.safetensors"), "--to", "original",
                 "-o", str(tmp_path / "back.safetensors")]) == 0
    back = load_file(tmp_path / "back.safetensors")
    original = reference.state_dict()
    assert back.keys() == original.keys()
    assert all(torch.equal(back[k], original[k]) for k in original)
    assert "Wrote 122 tensors" in capsys.readouterr().out


@pytest.mark.parametrize(("make_project", "weights", "expected"), [
    (recipes.mlp, None, "keeps no original names"),
    (lambda: ZOO["resnet18"](), "missing.pth", "there is no weights file"),
])
def test_what_cannot_be_converted_exits_2_with_one_line(tmp_path, capsys, make_project, weights,
                                                        expected):
    path = tmp_path / "p.archx.json"
    project_file.save(make_project(), path)
    source = tmp_path / (weights or "w.safetensors")
    code = main(["weights", str(path), str(source), "--to", "editor", "-o",
                 str(tmp_path / "out.safetensors")])
    err = capsys.readouterr().err
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1
