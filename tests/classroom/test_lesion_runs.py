"""The lesion study of a saved run folder: what the editor's lesion mode computes."""

import pytest

from explorer.graph import TrainingSettings, recipes
from explorer.graph.experiments import Variant
from explorer.train.errors import RunRecordError
from explorer.train.experiments import run_experiment
from explorer.train.lesions import lesion_study_of_run
from explorer.train.run_folder import WEIGHTS_FILE


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A residual MLP of three blocks, trained a few steps into a run folder."""
    out = tmp_path_factory.mktemp("runs")
    variant = Variant("residual", recipes.residual_mlp(blocks=3, width=16))
    [result] = run_experiment([variant], TrainingSettings(steps=20, log_every=10), out=out)
    assert result.status == "done"
    return result.run_dir


def test_a_run_folder_gives_one_lesion_per_block(run_dir):
    study = lesion_study_of_run(run_dir)
    assert [lesion.node_ids for lesion in study.lesions] == [("res_1",), ("res_2",), ("res_3",)]
    assert 0 <= study.chance <= 1 and 0 <= study.baseline_accuracy <= 1


def test_one_block_can_be_switched_off_alone(run_dir):
    study = lesion_study_of_run(run_dir, ["res_2"])
    assert [lesion.node_ids for lesion in study.lesions] == [("res_2",)]
    full = lesion_study_of_run(run_dir)
    assert study.lesions[0].accuracy == full.lesions[1].accuracy  # the same measurement


def test_nodes_that_cannot_be_switched_off_are_refused_with_the_reason(run_dir):
    with pytest.raises(ValueError, match="linear_1 cannot be switched off"):
        lesion_study_of_run(run_dir, ["linear_1"])
    with pytest.raises(ValueError, match="conv_9 is not part of the network"):
        lesion_study_of_run(run_dir, ["conv_9"])


def test_a_run_without_weights_is_refused(run_dir, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    (copy / WEIGHTS_FILE).unlink()
    with pytest.raises(RunRecordError, match="has no saved weights"):
        lesion_study_of_run(copy)


def test_each_lesion_says_whether_it_is_a_block_or_a_plain_layer(tmp_path):
    """A plain shape-keeping layer among residual blocks is a lesion too, marked as a layer."""
    project = recipes.residual_mlp(blocks=2, width=16)
    graph = project.graph
    first_block = next(n for n in graph.node_ids() if graph.kind_of(n) == "ResidualMLP")
    feeder = graph.in_edges(first_block)[0].src
    graph.disconnect(graph.in_edges(first_block)[0])
    extra = graph.add_node("Linear", {"out_features": 16})
    graph.connect(feeder, extra, "in")
    graph.connect(extra, first_block, "in")
    [result] = run_experiment([Variant("mixed", project)], TrainingSettings(steps=5, log_every=5),
                              out=tmp_path)
    study = lesion_study_of_run(result.run_dir)
    what = {lesion.node_ids[0]: lesion.what for lesion in study.lesions}
    assert what == {extra: "layer", "res_1": "block", "res_2": "block"}
    assert [lesion.is_block for lesion in study.lesions] == [False, True, True]
