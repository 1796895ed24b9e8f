"""Exports write whole files or none, refuse at once what cannot work, and keep user text inert."""

import ast
import sys
from pathlib import Path

import pytest
from safetensors.torch import save_file

from explorer.compiler import build_model
from explorer.export import CannotStart, export_onnx, export_python, network_source, training_script
from explorer.graph import recipes
from explorer.graph.examples import example_paths
from explorer.graph.project import dumps, load, loads


def wordy_project():
    """Labels, a name and a description holding what breaks strings, comments and docstrings."""
    project = recipes.mlp(depth=2)
    hostile = ['line one\nline two', 'say """hi""" \\', "it's \"quoted\"\r\n# not a comment",
               "nul\x00 and\u2028separator\x0c", "\\N{BULLET} {braces} %s"]
    for node, text in zip(project.graph.nodes(), hostile, strict=False):
        project.graph.set_label(node.id, text)
    project.name = 'Net """\nimport os\n'
    project.description = "ends in a backslash \\"
    return loads(dumps(project))  # as read from a file


def test_labels_names_and_descriptions_never_break_the_generated_python():
    project = wordy_project()
    text = network_source(project).text
    tree = ast.parse(text)
    compile(text, "model.py", "exec")
    assert "\x00" not in text and "\u2028" not in text
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    nested = [ast.unparse(n) for n in imports if n.col_offset != 0]
    assert nested == ["from safetensors.torch import load_file"]  # load_tensors' own, no other
    assert "import os" not in {ast.unparse(n) for n in imports}
    docstring = ast.get_docstring(tree)
    assert docstring.startswith('Net """ import os.')


def test_code_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    import os

    target = tmp_path / "model.py"
    target.write_text("# the previous export\n")

    def killed_before_the_rename(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", killed_before_the_rename)
    with pytest.raises(OSError):
        export_python(recipes.mlp(depth=1), target)
    assert target.read_text() == "# the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["model.py"]


def test_weights_copied_half_way_keep_the_previous_weights(tmp_path, monkeypatch):
    import shutil

    project = recipes.mlp(depth=1)
    weights = tmp_path / "run.safetensors"
    save_file(build_model(project.graph).state_dict(), str(weights))
    beside = tmp_path / "model.safetensors"
    beside.write_bytes(b"the weights exported last time")

    def half_a_copy(source, target):
        Path(target).write_bytes(Path(source).read_bytes()[:50])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", half_a_copy)
    with pytest.raises(OSError):
        export_python(project, tmp_path / "model.py", weights=weights)
    assert beside.read_bytes() == b"the weights exported last time"


def test_a_missing_folder_or_weights_file_is_refused_before_any_work(tmp_path, monkeypatch):
    from explorer import export

    monkeypatch.setattr(export, "network_source", lambda *a, **k: pytest.fail("did work"))
    project = recipes.mlp(depth=1)
    with pytest.raises(CannotStart, match="does not exist"):
        export_python(project, tmp_path / "nowhere" / "model.py")
    with pytest.raises(CannotStart, match="is a folder"):
        export_python(project, tmp_path)
    with pytest.raises(CannotStart, match="no weights file"):
        export_python(project, tmp_path / "model.py", weights=tmp_path / "none.safetensors")
    with pytest.raises(CannotStart, match="does not exist"):
        export_onnx(project, tmp_path / "nowhere" / "model.onnx")


@pytest.mark.parametrize("missing", ["onnx", "onnxruntime"])
def test_onnx_export_without_a_package_says_how_to_install_it(tmp_path, monkeypatch, missing):
    monkeypatch.setitem(sys.modules, missing, None)  # imports of it now fail
    with pytest.raises(CannotStart) as caught:
        export_onnx(recipes.mlp(depth=1), tmp_path / "m.onnx")
    message = str(caught.value)
    assert f"needs the {missing} package" in message and "pip install onnx onnxruntime" in message
    assert caught.value.node_id is None and not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.name.removesuffix(".archx.json"))
def test_black_leaves_the_exported_model_and_training_script_as_they_are(path):
    """Exported code is formatted once (by ruff, in black's style): black finds nothing to do."""
    import black

    project = load(path)
    script = training_script(project)
    for name, text in (("model.py", network_source(project).text), ("train.py", script)):
        assert black.format_str(text, mode=black.Mode()) == text, f"black reformats {name}"
    assert len(script.splitlines()) < 300  # short enough to read through before a long run
