"""The checker and blocks: a block's inside is checked like the rest, and never crashes it."""

import subprocess
import sys
from pathlib import Path

import pytest

from explorer.graph import Project, ShapeCache, check_graph

from .helpers import chain

ROOT = Path(__file__).resolve().parents[2]
GIB = 1024**3


def too_wide_transformer():
    """Embedding to 65,537 features, then an MLP 16 times wider: its fc1 passes Linear's limit."""
    return chain(("Embedding", {"embedding_dim": 65_537}),
                 ("TransformerBlock", {"mlp_ratio": 16, "heads": 1}),
                 input_kind="TokenInput", input_params={"length": 4})


def too_wide_mbconv():
    """8,193 channels widened 8 times: the expansion passes Conv2d's 65,536 channels."""
    return chain(("Conv2d", {"out_channels": 8_193, "kernel_size": 1, "padding": 0}),
                 ("MBConv", {"expand_ratio": 8}),
                 input_kind="ImageInput", input_params={"height": 4, "width": 4})


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (too_wide_transformer, ["inner Linear 'fc1'", "1,048,592", "limit is 1,048,576"]),
        (too_wide_mbconv, ["inner Conv2d 'expand'", "65,544", "limit is 65,536"]),
    ],
)
def test_a_block_whose_inside_passes_a_limit_is_an_issue_not_a_crash(build, words):
    graph, ids = build()
    result = check_graph(graph)
    (issue,) = result.issues_for(ids[2])
    for word in words:
        assert word in issue.message, issue.message
    assert issue.hint and issue.severity == "error"
    assert result.spec(ids[2]) is None and result.spec(ids[1]) is not None


def test_the_command_line_check_reports_it_and_exits_1(tmp_path):
    path = tmp_path / "wide.archx.json"
    from explorer.graph.project import save

    save(Project(too_wide_mbconv()[0]), path)
    done = subprocess.run([sys.executable, "main.py", "check", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "inner Conv2d 'expand'" in done.stdout
    assert "Traceback" not in done.stderr + done.stdout


def wide_mbconv_on_a_big_image():
    """2,048 channels of 256×256, widened 8 times inside: each inner tensor is 4.3 GB."""
    return chain(("Conv2d", {"out_channels": 2_048, "kernel_size": 1, "padding": 0}),
                 ("MBConv", {"expand_ratio": 8}),
                 input_kind="ImageInput", input_params={"height": 256, "width": 256})


def test_what_a_block_computes_inside_counts_in_the_memory_check():
    graph, ids = wide_mbconv_on_a_big_image()
    result = check_graph(graph, batch_size=4, memory_limit=12 * GIB)
    report = result.reports[ids[2]]
    assert report.largest_inner == ("expand", report.largest_inner[1])
    assert report.largest_inner[1].shape == (16_384, 256, 256)
    (inside,) = result.issues_for(ids[2])
    assert "inside" in inside.message and "16384×256×256" in inside.message
    assert "16.0 GB" in inside.message and "12.0 GB" in inside.message
    assert any(i.node_id is None and "Training this network with a batch of 4" in i.message
               for i in result.errors)


def test_a_block_that_fits_checks_clean_and_its_inside_is_worked_out_once(monkeypatch):
    from explorer.graph.kinds import expansion

    graph, ids = chain(("Conv2d", {"out_channels": 8}), ("MBConv", {"expand_ratio": 4}),
                       "GlobalAvgPool", ("Linear", {"out_features": 2}), "ClassificationOutput",
                       input_kind="ImageInput", input_params={"height": 8, "width": 8})
    runs = []
    real = expansion.run_expansion
    monkeypatch.setattr(expansion, "run_expansion", lambda *a: runs.append(1) or real(*a))
    cache = ShapeCache()
    result = check_graph(graph, cache=cache, memory_limit=GIB)
    assert result.ok and len(runs) == 1
    # 32 channels of 8×8 inside: expand, its norm and act, dw, its norm and act, and the
    # squeeze-excite scale (7 × 2,048); the squeeze-excite vectors (32, 2, 2, 32, 32); then
    # project and its norm back at 8×8×8 (2 × 512). The residual add is the output.
    assert result.reports[ids[2]].inner_values == 7 * 2_048 + 100 + 2 * 512
    graph.set_params(ids[0], {"channels": 3})  # the same value: nothing to work out again
    graph.move(ids[2], 10, 10)
    assert check_graph(graph, cache=cache, memory_limit=GIB) == result and len(runs) == 1
