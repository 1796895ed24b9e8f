"""The training settings as a form: dataset and its options, optimizer, schedule, length, device.

Every setting gets the same typed editor the inspector gives node
parameters (built from the setting's ``Param``), so ranges, special values
and tooltips read alike everywhere. Each change goes through
``change_settings`` (undoable, checked); a refused value leaves the project
as it was, the control shows the project's value again, and the reason
appears under the form. The form listens to the project's own events
(``project.events.training``, repeated by the document as
``training_changed`` for whichever project is shown), so it follows every
change however it was made (a control, undo, redo, a merged run of typing)
and a newly opened project.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.graph.settings import SETTINGS_PARAMS, TrainingSettings

from ..document import Document
from ..param_editors import ParamEditor, make_editor
from .devices import DeviceList, choice_for, processes_offered
from .settings_edit import change_settings

# The settings shown, in order, by section; the rest keep their values from the file.
MAIN_SETTINGS = ("optimizer", "lr", "momentum", "schedule", "decay_every", "gamma",
                 "warmup_steps", "batch_size", "steps", "epochs", "seed")
MORE_SETTINGS = ("weight_decay", "grad_clip", "init", "zero_init_residual", "val_fraction",
                 "log_every", "precision", "deterministic", "checkpointing")
LABELS = {"lr": "Learning rate", "batch_size": "Batch size", "decay_every": "Decay every",
          "warmup_steps": "Warm-up steps", "weight_decay": "Weight decay",
          "grad_clip": "Clip gradients", "init": "Initialisation",
          "zero_init_residual": "Blocks start as identity", "val_fraction": "Validation share",
          "log_every": "Log every", "checkpointing": "Gradient checkpointing"}
SHOWN_WHEN = {  # settings that only matter for some values of another
    "momentum": ("optimizer", ("sgd",)),
    "decay_every": ("schedule", ("step", "exponential")),
    "gamma": ("schedule", ("step", "exponential")),
}
_PARAMS = {p.name: p for p in SETTINGS_PARAMS}


def _label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


class TrainingSettingsForm(QWidget):
    """Edits ``document.project.training``; ``error`` shows why the last change was refused."""

    def __init__(self, document: Document, devices: DeviceList,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from explorer.train.data import DATASETS, GROUPS  # numpy: only once the form is shown

        self.document = document
        self.devices = devices
        self._datasets = DATASETS
        self.editors: dict[str, ParamEditor] = {}
        self.option_editors: dict[str, ParamEditor] = {}
        self._option_dataset: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form)

        self.dataset = QComboBox()
        self.dataset.setToolTip("What the network learns from")
        items = self.dataset.model()
        assert isinstance(items, QStandardItemModel)  # a combo box's own model; headers need it
        for group in GROUPS:
            self.dataset.addItem(group)
            header = items.item(self.dataset.count() - 1)
            header.setEnabled(False)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            for info in DATASETS.values():
                if info.group == group:
                    self.dataset.addItem(f"   {info.title}", info.name)
                    self.dataset.setItemData(self.dataset.count() - 1, info.description,
                                             Qt.ItemDataRole.ToolTipRole)
        self.dataset.activated.connect(self._dataset_chosen)
        self.form.addRow("Dataset", self.dataset)
        self.options_form = QFormLayout()
        self.options_form.setContentsMargins(12, 0, 0, 0)
        self.form.addRow(self.options_form)
        for name in MAIN_SETTINGS:
            self._add_editor(name)
        self.device = QComboBox()
        self.device.setToolTip(_PARAMS["device"].doc)
        self.device.activated.connect(self._device_chosen)
        self.form.addRow("Device", self.device)
        self._add_processes()
        more = QLabel("More")
        more.setObjectName("InspectorHeading")
        self.form.addRow(more)
        for name in MORE_SETTINGS:
            self._add_editor(name)
        self.error = QLabel(wordWrap=True)
        self.error.setObjectName("InspectorError")
        self.error.hide()
        layout.addWidget(self.error)
        for combo in self.findChildren(QComboBox):  # long choices must not widen the panel
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        devices.changed.connect(lambda: self._fill_devices(self.settings.device))
        devices.changed.connect(self._offer_processes)
        document.path_changed.connect(self._offer_processes)
        document.undo_stack.cleanChanged.connect(self._offer_processes)
        document.training_changed.connect(self.refresh)
        document.project_replaced.connect(self.refresh)
        self.refresh()

    @property
    def settings(self) -> TrainingSettings:
        return self.document.project.training

    def _add_editor(self, name: str) -> None:
        editor = make_editor(_PARAMS[name])
        editor.committed.connect(lambda value, n=name: self.change(**{n: value}))
        editor.finished.connect(self.document.close_merge)
        self.editors[name] = editor
        self.form.addRow(_label(name), editor)

    # -- showing the project's values -------------------------------------------------------

    def refresh(self, *args: Any) -> None:
        """Show the project's settings (after a change, an undo, or another project)."""
        settings = self.settings
        index = self.dataset.findData(settings.dataset)
        if index < 0:  # a name this version does not know: shown, and refused when training
            self.dataset.addItem(settings.dataset, settings.dataset)
            index = self.dataset.count() - 1
        self.dataset.setCurrentIndex(index)
        self._show_options(settings)
        for name, editor in self.editors.items():
            editor.set_value(getattr(settings, name))
        for name, (other, values) in SHOWN_WHEN.items():
            self.form.setRowVisible(self.editors[name], getattr(settings, other) in values)
        self._fill_devices(settings.device)
        self._offer_processes()

    def _show_options(self, settings: TrainingSettings) -> None:
        info = self._datasets.get(settings.dataset)
        if settings.dataset != self._option_dataset:
            while self.options_form.rowCount():
                self.options_form.removeRow(0)
            self.option_editors = {}
            self._option_dataset = settings.dataset
            for param in info.options if info is not None else ():
                editor = make_editor(param)
                editor.committed.connect(lambda value, n=param.name: self.change_option(n, value))
                editor.finished.connect(self.document.close_merge)
                self.option_editors[param.name] = editor
                self.options_form.addRow(_label(param.name), editor)
        defaults = info.defaults if info is not None else {}
        for name, editor in self.option_editors.items():
            editor.set_value(settings.dataset_options.get(name, defaults.get(name)))

    def _fill_devices(self, current: str) -> None:
        self.devices.look_up()
        choices = list(self.devices.choices)
        chosen = choice_for(current, choices)
        if chosen not in choices:
            choices.append(chosen)
        self.device.blockSignals(True)
        self.device.clear()
        for choice in choices:
            self.device.addItem(choice.text, choice.value)
        self.device.setCurrentIndex(choices.index(chosen))
        self.device.blockSignals(False)

    # -- changing ----------------------------------------------------------------------------

    def change(self, **changes: Any) -> bool:
        """Apply ``changes`` (undoably); on refusal show why and the project's values again."""
        problem = change_settings(self.document, **changes)
        self.show_problem(problem)
        if problem:
            self.refresh()
        return problem is None

    def change_option(self, name: str, value: Any) -> bool:
        options = {**self.settings.dataset_options, name: value}
        return self.change(dataset_options=options)

    def show_problem(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))

    def _dataset_chosen(self, index: int) -> None:
        name = self.dataset.itemData(index)
        if isinstance(name, str) and name != self.settings.dataset:
            self.change(dataset=name)

    def _device_chosen(self, index: int) -> None:
        value = self.device.itemData(index)
        if isinstance(value, str):
            self.change(device=value)

    # -- several processes ---------------------------------------------------------------------

    def _add_processes(self) -> None:
        """Processes: offered when this machine has several GPUs, or a CPU run several cores.

        The Train button trains in the chosen number (``chosen_processes``;
        the live panels then show rank 0's progress, and the curves when the
        run ends). The form also spells out the command line that does the
        same on a cluster or in a terminal, ready to copy, with the app's
        runs folder so such a run appears in the run history too.
        """
        self.processes = QSpinBox()
        self.processes.setRange(1, 1)
        self.processes.setToolTip("Train in several processes (torchrun: gloo on the CPU, one "
                                  "GPU each with NCCL), the batch split between them")
        self.processes.valueChanged.connect(self._offer_processes)
        self.form.addRow("Processes", self.processes)
        self.processes_note = QLabel(wordWrap=True)
        self.processes_note.setObjectName("InspectorHint")
        self.processes_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow(self.processes_note)
        self.copy_command = QPushButton("Copy command")
        self.copy_command.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.processes_command()))
        self.form.addRow(self.copy_command)

    def chosen_processes(self) -> int:
        """How many processes Train uses: the chosen number where it is offered, else 1."""
        return self.processes.value() if self.form.isRowVisible(self.processes) else 1

    def processes_command(self) -> str:
        """The command that trains the saved project in the chosen number of processes."""
        from ..paths import runs_dir

        path = self.document.path
        file = shlex.quote(str(path)) if path is not None else "PROJECT.archx.json"
        runs = shlex.quote(str(runs_dir()))
        python = shlex.quote(sys.executable)  # this very Python, whatever folder the shell is in
        count = self.processes.value()
        return f"{python} -m explorer.cli train {file} --nproc {count} --out {runs}"

    def _offer_processes(self, *args: Any) -> None:
        most = processes_offered(self.settings.device, self.devices.choices)
        self.processes.blockSignals(True)
        self.processes.setMaximum(most)
        self.processes.blockSignals(False)
        self.form.setRowVisible(self.processes, most > 1)
        several = most > 1 and self.processes.value() > 1
        self.form.setRowVisible(self.processes_note, several)
        self.form.setRowVisible(self.copy_command, several)
        if several:
            self.processes_note.setText(self._processes_text(self.processes.value()))

    def _processes_text(self, count: int) -> str:
        lines = [f"The Train button trains in {count} processes. To do the same on a cluster "
                 "or in a terminal, run this; the run then appears in the run history:",
                 self.processes_command()]
        batch = self.settings.batch_size
        if batch % count:
            lines.append(f"First make the batch size a multiple of {count}: {batch} does not "
                         f"split evenly over {count} processes.")
        if self.document.path is None or self.document.is_modified:
            lines.append("The command reads the project file: save it first.")
        return "\n".join(lines)
