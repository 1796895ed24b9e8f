"""The Train panel's "Processes" option: offered only where a run can be split, and it gives
the command line that trains the saved project in that many processes."""

import shlex
import sys

import pytest

from explorer.app.document import Document
from explorer.app.training import devices
from explorer.app.training.devices import BASIC, DeviceChoice, DeviceList, processes_offered
from explorer.app.training.settings_form import TrainingSettingsForm
from explorer.graph import project as project_file
from explorer.graph import recipes

TWO_GPUS = [DeviceChoice("cuda:0", "GPU 0"), DeviceChoice("cuda:1", "GPU 1")]


@pytest.mark.parametrize(("device", "known", "cores", "expected"), [
    ("cpu", list(BASIC), 4, 4),  # a CPU run: one process per core
    ("cpu", list(BASIC), 1, 1),  # one core: nothing to choose
    ("auto", list(BASIC), 8, 8),  # auto without GPUs trains on the CPU
    ("auto", [*BASIC, TWO_GPUS[0]], 8, 1),  # auto picks the one GPU: one process
    ("cuda", [*BASIC, *TWO_GPUS], 8, 2),  # one process per GPU
    ("mps", [*BASIC, DeviceChoice("mps", "Apple GPU (MPS)")], 8, 1),
])
def test_processes_are_offered_per_gpu_or_per_core(device, known, cores, expected):
    assert processes_offered(device, known, cores) == expected


@pytest.fixture
def form(qtbot, monkeypatch):
    monkeypatch.setattr(devices, "find_devices", lambda: [])  # no torch import
    monkeypatch.setattr(devices.os, "cpu_count", lambda: 4)
    document = Document(recipes.mlp(device="cpu", batch_size=32))
    form = TrainingSettingsForm(document, DeviceList())
    qtbot.addWidget(form)
    return form


def test_a_cpu_run_on_several_cores_offers_processes_and_the_command(form, tmp_path):
    assert form.form.isRowVisible(form.processes) and form.processes.maximum() == 4
    assert not form.form.isRowVisible(form.processes_note)  # one process: nothing to say
    path = tmp_path / "spirals.archx.json"
    project_file.save(form.document.project, path)
    form.document.set_path(path)
    form.processes.setValue(2)
    assert form.form.isRowVisible(form.processes_note)
    command = form.processes_command()
    words = shlex.split(command)  # this Python, from any folder the shell is in
    assert words[:7] == [sys.executable, "-m", "explorer.cli", "train", str(path), "--nproc", "2"]
    assert words[7] == "--out"
    note = form.processes_note.text()
    assert "The Train button trains in 2 processes" in note and command in note
    assert "save it first" not in note and "multiple" not in note


def test_the_note_asks_for_a_batch_that_splits_and_a_saved_file(form):
    form.processes.setValue(3)
    note = form.processes_note.text()
    assert "PROJECT.archx.json --nproc 3" in note
    assert "multiple of 3: 32 does not split evenly over 3 processes" in note
    assert "save it first" in note


def test_the_option_hides_where_a_run_cannot_be_split(form):
    form.change(device="mps")
    assert not form.form.isRowVisible(form.processes)
    assert not form.form.isRowVisible(form.processes_note)
