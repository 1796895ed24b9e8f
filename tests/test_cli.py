"""The command line: ``python main.py --help`` and ``check`` with its exit codes."""

import subprocess
import sys
from pathlib import Path

import pytest

from explorer.cli import main
from explorer.graph import recipes
from explorer.graph.project import save

ROOT = Path(__file__).resolve().parents[1]


def test_help_lists_the_commands():
    result = subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for name in ("check", "render"):
        assert name in result.stdout


def test_check_a_valid_project_prints_the_table(tmp_path, capsys):
    path = tmp_path / "net.archx.json"
    save(recipes.residual_mlp(blocks=2), path)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "res_2" in out and "Residual block (MLP)" in out and "0 error(s)" in out


def test_check_a_project_with_errors_exits_1_and_lists_them(tmp_path, capsys):
    project = recipes.mlp(depth=1)
    linear = next(n.id for n in project.graph.nodes() if n.kind == "Linear")
    project.graph.set_params(linear, {"out_features": 7})
    last = [n.id for n in project.graph.nodes() if n.kind == "Linear"][-1]
    project.graph.remove_node(last)
    path = tmp_path / "broken.archx.json"
    save(project, path)
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "error" in out and "not connected" in out


@pytest.mark.parametrize("content", ["", "{not json", "[]"])
def test_check_an_unreadable_file_exits_2_with_one_line(tmp_path, capsys, content):
    path = tmp_path / "bad.archx.json"
    path.write_text(content)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot read") and err.count("\n") == 1
    assert "Traceback" not in err


def test_check_a_missing_file_exits_2(capsys):
    assert main(["check", "/nowhere/net.archx.json"]) == 2
    assert "No such file" in capsys.readouterr().err


def test_unknown_command_and_bad_arguments_exit_2():
    result = subprocess.run([sys.executable, "main.py", "check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr


# -- exit codes that say what went wrong, and user text printed as text -------------------


def broken_project():
    project = recipes.mlp(depth=1)
    last = [n.id for n in project.graph.nodes() if n.kind == "Linear"][-1]
    project.graph.remove_node(last)
    return project


def test_train_on_a_graph_with_errors_exits_1_as_documented(tmp_path, capsys):
    path = tmp_path / "broken.archx.json"
    save(broken_project(), path)
    assert main(["train", str(path), "--out", str(tmp_path / "runs")]) == 1
    assert "cannot be trained yet" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_exporting_into_a_missing_folder_exits_2_before_any_work(tmp_path, capsys):
    path = tmp_path / "net.archx.json"
    save(recipes.mlp(depth=1), path)
    for extra in ([], ["--format", "onnx"]):
        target = tmp_path / "missing" / ("model.onnx" if extra else "model.py")
        assert main(["export", str(path), "-o", str(target), *extra]) == 2
        err = capsys.readouterr().err
        assert "folder" in err and "does not exist" in err and err.count("\n") == 1


def test_onnx_export_without_the_packages_says_how_to_install_them(tmp_path, capsys,
                                                                    monkeypatch):
    path = tmp_path / "net.archx.json"
    save(recipes.mlp(depth=1), path)
    for name in ("onnx", "onnxruntime"):
        monkeypatch.setitem(sys.modules, name, None)  # `import onnx` now fails as if missing
    assert main(["export", str(path), "--format", "onnx", "-o", str(tmp_path / "m.onnx")]) == 2
    err = capsys.readouterr().err
    assert "pip install onnx onnxruntime" in err and "[onnx]" in err
    assert "cannot express" not in err and not (tmp_path / "m.onnx").exists()


def markup_project():
    project = recipes.mlp(depth=1)
    project.name = "[/oops]"
    return project


def test_check_prints_names_and_ids_as_they_are_not_as_markup(tmp_path, capsys):
    from explorer.graph.project import dumps, loads

    text = dumps(markup_project())
    first = next(n.id for n in markup_project().graph.nodes() if n.kind == "Linear")
    text = text.replace(f'"{first}"', '"[bold]x[/bold]"')
    path = tmp_path / "markup.archx.json"
    path.write_text(text)
    loads(text)  # the file itself is fine
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "[/oops]" in out and "[bold]x[/bold]" in out


def test_check_prints_an_issue_naming_a_markup_id_as_it_is(tmp_path, capsys):
    project = broken_project()
    project.graph.add_node("Linear", {"out_features": 3}, node_id="[red]lonely[/]")
    path = tmp_path / "broken.archx.json"
    save(project, path)
    assert main(["check", str(path)]) == 1
    assert "[red]lonely[/]" in capsys.readouterr().out


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_check_refuses_a_device_at_once(capsys):
    assert main(["check", "/dev/zero"]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_the_run_summary_prints_a_run_folder_named_like_markup(capsys):

    from rich.console import Console

    from explorer.train.console import _print_run_folder

    _print_run_folder(Console(highlight=False), "runs/[/oops]/20260101-x")
    assert "Run folder: runs/[/oops]/20260101-x" in capsys.readouterr().out
