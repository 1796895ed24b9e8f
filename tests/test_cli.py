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
