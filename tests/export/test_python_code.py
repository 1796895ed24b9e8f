"""Exported code stands alone, reads well, and computes exactly what the app trains."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from explorer.compiler import build_model
from explorer.export import ExportError, export_python, network_source
from explorer.graph import ArchitectureGraph, recipes
from explorer.graph.examples import example_paths
from explorer.graph.project import Project, dumps, load, loads

RUNNER = Path(__file__).with_name("runner.py")
BIN = Path(sys.executable).parent
PROJECTS = {name: recipe for name, recipe in recipes.RECIPES.items()}
EXAMPLES = {p.name.removesuffix(".archx.json"): p for p in example_paths()}


def prepare(project, folder: Path, seed: int = 0):
    """Write model.py, weights and inputs for ``project``; return the compiled model and x."""
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    model = build_model(project.graph)
    (folder / "model.py").write_text(network_source(project).text)
    save_file(model.state_dict(), str(folder / "weights.safetensors"))
    spec = model.input_spec
    if spec.dtype == "long":
        x = torch.randint(0, spec.vocab, (3, *spec.shape))
    else:
        x = torch.randn(3, *spec.shape)
    out = model(x)
    projection = torch.randn_like(out)
    save_file({"x": x, "projection": projection}, str(folder / "inputs.safetensors"))
    return model, x, projection


def expected(model, x, projection):
    x = x.clone().requires_grad_(x.is_floating_point())
    out = model(x)
    (out * projection).sum().backward()
    grads = {f"grad.{k}": p.grad for k, p in model.named_parameters() if p.grad is not None}
    if x.grad is not None:
        grads["grad_input"] = x.grad
    return {"out": out.detach(), **grads}


def run_exported(*folders: Path):
    result = subprocess.run([sys.executable, str(RUNNER), *map(str, folders)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]


def test_every_example_exports_code_that_matches_the_compiled_module(tmp_path):
    """Outputs and gradients of exported code equal the app's module (float32, < 1e-5)."""
    cases = {}
    projects = {**{f"recipe_{n}": r() for n, r in PROJECTS.items()},
                **{n: load(p) for n, p in EXAMPLES.items()}}
    for name, project in projects.items():
        folder = tmp_path / name
        cases[name] = (folder, prepare(project, folder))
    run_exported(*(folder for folder, _ in cases.values()))
    for name, (folder, (model, x, projection)) in cases.items():
        want = expected(model, x, projection)
        got = load_file(str(folder / "results.safetensors"))
        assert set(got) == set(want), name
        for key in want:
            diff = (got[key] - want[key]).abs().max().item()
            assert diff < 1e-5, f"{name}: {key} differs by {diff}"


def test_exported_code_is_formatted_and_passes_ruff(tmp_path):
    for name in ("resnet_cifar", "transformer_classifier", "unet"):
        path = tmp_path / f"{name}.py"
        path.write_text(network_source(PROJECTS[name]()).text)
        check = subprocess.run([str(BIN / "ruff"), "check", "--isolated", str(path)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout
        fmt = subprocess.run([str(BIN / "ruff"), "format", "--isolated", "--check", str(path)],
                             capture_output=True, text=True)
        assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_the_code_reads_top_to_bottom_and_names_every_node():
    project = recipes.residual_mlp(blocks=2)
    exported = network_source(project)
    text = exported.text
    assert text.startswith('"""Residual MLP, 2 blocks.')
    assert "Input:  a batch of feature vectors, shape (N, 2)." in text
    assert "class ResidualMLP(nn.Module):" in text
    assert "self.res_1 = ResidualMLP(" in text
    assert "        res_2 = self.res_2(res_1)\n" in text  # no comment repeating the line
    assert text.count("# Residual block (MLP), He et al. 2016") == 1  # the paper, named once
    lines = text.splitlines()
    for node_id, numbers in exported.node_lines.items():
        assert any(node_id in lines[n - 1] for n in numbers), node_id
    imports = {n.names[0].name for n in ast.parse(text).body
               if isinstance(n, (ast.Import, ast.ImportFrom))} | {
        n.module for n in ast.parse(text).body if isinstance(n, ast.ImportFrom)}
    assert imports <= {"argparse", "json", "math", "struct", "torch", "nn",
                       "torch.nn.functional"}


def nasty_project() -> Project:
    """Ids, labels and texts that would break naive code generation."""
    g = ArchitectureGraph()
    names = ["class", "lambda", "__import__('os').system('touch pwned')", "x\ny", "forward",
             "3d ✓ λ", "import", "a\"b'c", "self"]
    prev = g.add_node("VectorInput", {"features": 4}, node_id="input")
    for i, node_id in enumerate(names):
        kind = "Linear" if i % 2 == 0 else "ReLU"
        params = {"out_features": 4} if kind == "Linear" else {}
        node = g.add_node(kind, params, node_id=node_id,
                          label=f"\"\"\"; import os; os.system('touch pwned{i}') #\n")
        g.connect(prev, node)
        prev = node
    head = g.add_node("ClassificationOutput", node_id="'''")
    g.connect(prev, head)
    return Project(g, name='Net """ + __import__("os").system("touch pwned") + """',
                   description="line one\nline two \\ with \"quotes\"")


def test_hostile_names_export_to_valid_code_that_runs_only_the_model(tmp_path):
    project = loads(dumps(nasty_project()))  # as if read from a file
    folder = tmp_path / "nasty"
    model, x, projection = prepare(project, folder)
    tree = ast.parse((folder / "model.py").read_text())
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name)}
    assert not calls & {"eval", "exec", "__import__", "compile"}
    result = subprocess.run([sys.executable, "model.py"], cwd=folder, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    run_exported(folder)
    assert not list(folder.glob("pwned*")) and not list(Path.cwd().glob("pwned*"))
    got = load_file(str(folder / "results.safetensors"))
    assert torch.allclose(got["out"], expected(model, x, projection)["out"], atol=1e-5)


def test_weights_are_checked_and_copied_beside_the_code(tmp_path):
    project = recipes.mlp(depth=1)
    model = build_model(project.graph)
    weights = tmp_path / "run.safetensors"
    save_file(model.state_dict(), str(weights))
    export_python(project, tmp_path / "model.py", weights=weights)
    assert (tmp_path / "model.safetensors").read_bytes() == weights.read_bytes()

    other = build_model(recipes.mlp(depth=2).graph)
    save_file(other.state_dict(), str(tmp_path / "other.safetensors"))
    with pytest.raises(ExportError, match="do not fit this network: unexpected"):
        export_python(project, tmp_path / "m2.py", weights=tmp_path / "other.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"not a weights file")
    with pytest.raises(ExportError, match="not a readable"):
        export_python(project, tmp_path / "m3.py", weights=tmp_path / "junk.safetensors")
    assert not (tmp_path / "m2.py").exists() and not (tmp_path / "m3.py").exists()


def test_a_graph_with_errors_is_not_exported():
    project = recipes.mlp(depth=1)
    last = [n.id for n in project.graph.nodes() if n.kind == "Linear"][-1]
    project.graph.set_params(last, {"out_features": 1})
    with pytest.raises(ExportError, match="at least 2 class scores"):
        network_source(project)


def test_weights_saved_by_the_app_load_with_the_same_keys(tmp_path):
    project = recipes.densenet(blocks=2, layers=2)
    model = build_model(project.graph)
    names = json.dumps(sorted(model.state_dict()))
    folder = tmp_path / "d"
    prepare(project, folder)
    code = ("import json, sys; sys.path.insert(0, '.'); import model; "
            "print(json.dumps(sorted(model.Network().state_dict())))")
    result = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.strip() == names


def _transformer_project(name: str, steps) -> Project:
    graph = ArchitectureGraph()
    last = None
    for kind, params in steps:
        node = graph.add_node(kind, params)
        if last is not None:
            graph.connect(last, node, graph.input_ports(node)[0])
        last = node
    return Project(graph=graph, name=name)


def test_vision_and_language_transformers_export_with_the_tie(tmp_path):
    """A tiny ViT and a tiny GPT-2 (output layer tied to the token table) export exactly."""
    vit = _transformer_project("tiny ViT", [
        ("ImageInput", {"channels": 3, "height": 8, "width": 8}),
        ("PatchEmbedding", {"patch_size": 4, "dim": 8}), ("ClassToken", {}),
        ("PositionalEmbedding", {}),
        ("TransformerBlock", {"heads": 2, "eps": 1e-6}),
        ("LayerNorm", {"eps": 1e-6}), ("SelectToken", {}), ("Linear", {"out_features": 3}),
        ("ClassificationOutput", {})])
    gpt = _transformer_project("tiny GPT-2", [
        ("TokenInput", {"length": 6, "vocab": 11}),
        ("Embedding", {"num_embeddings": 11, "embedding_dim": 8}),
        ("PositionalEmbedding", {"max_length": 16}),
        ("TransformerBlock", {"heads": 2, "causal": True, "activation": "gelu_tanh"}),
        ("LayerNorm", {}), ("TiedLinear", {"embedding": "embed_1"}),
        ("ClassificationOutput", {})])
    text = network_source(gpt).text
    assert "F.linear(ln_1, self.embed_1.weight)" in text  # the tie, as one reads it
    assert "tied_1 =" in text and "self.tied_1" not in text  # no weights of its own
    cases = {}
    for name, project in (("vit", vit), ("gpt", gpt)):
        folder = tmp_path / name
        cases[name] = (folder, prepare(project, folder))
        path = folder / "model.py"
        check = subprocess.run([str(BIN / "ruff"), "check", "--isolated", str(path)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stdout
    run_exported(*(folder for folder, _ in cases.values()))
    for name, (folder, (model, x, projection)) in cases.items():
        want = expected(model, x, projection)
        got = load_file(str(folder / "results.safetensors"))
        assert set(got) == set(want), name
        for key in want:
            assert (got[key] - want[key]).abs().max().item() < 1e-5, f"{name}: {key}"
