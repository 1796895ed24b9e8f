"""The depth sweep builder: pick block types and depths, and get one network per pair.

The block types on offer follow the dataset: plain, residual and highway
fully connected networks for points and tables; plain, residual and dense
CNNs for images. Depths are a comma list (5, 10, 20, 50); anything that is
not a whole number of layers within range is refused on the spot, with the
reason under the form, and Build stays off until the sweep makes sense.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.graph.experiments import IMAGE_DATASETS

from .sweeps import SweepRequest, blocks_for, parse_depths

BLOCK_WORDS = {"plain": "Plain", "residual": "Residual", "highway": "Highway", "dense": "Dense"}
BLOCK_TIPS = {
    "plain": "Layers one after another, nothing skips them.",
    "residual": "Each block adds its input to its output: y = x + F(x).",
    "highway": "A learned gate mixes the layer with its input: y = H·T + x·(1 − T).",
    "dense": "Each layer sees every earlier feature map, concatenated.",
}
ACTIVATIONS = (("relu", "ReLU"), ("tanh", "tanh"), ("sigmoid", "sigmoid"), ("gelu", "GELU"))
DEFAULT_DEPTHS = "5, 10, 20, 50"
SWEEP_GROUPS = ("2-D points", "Tables")


def sweep_datasets() -> list[tuple[str, str]]:
    """(name, title) of the datasets a sweep can train on: classification points and tables,
    and the images the convolutional recipes know."""
    from explorer.train.data import DATASETS  # numpy: only once the dialog is opened

    chosen = [(info.name, info.title) for info in DATASETS.values()
              if info.group in SWEEP_GROUPS and info.task == "classification"]
    chosen += [(name, DATASETS[name].title if name in DATASETS else name)
               for name in IMAGE_DATASETS]
    return chosen


class DepthSweepDialog(QDialog):
    """Asks for a sweep; ``request()`` is what was asked once it is accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Depth sweep")
        self.block_boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        intro = QLabel("Train one network per block type and depth, all with the same data, "
                       "seed, optimizer and number of steps, and compare them.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.dataset = QComboBox()
        for name, title in sweep_datasets():
            self.dataset.addItem(title, name)
        self.dataset.currentIndexChanged.connect(self._dataset_changed)
        form.addRow("Dataset", self.dataset)
        self.blocks_row = QHBoxLayout()
        form.addRow("Blocks", self.blocks_row)
        self.depths = QLineEdit(DEFAULT_DEPTHS)
        self.depths.setToolTip("Layers with weights between the input and the classifier, "
                               "separated by commas.")
        self.depths.textChanged.connect(self._validate)
        form.addRow("Depths", self.depths)
        self.width_box = QSpinBox()
        self.width_box.setRange(0, 1024)
        self.width_box.setSpecialValueText("as in the papers")
        self.width_box.setToolTip("Units per layer; “as in the papers” gives plain layers 71, "
                              "highway 50 and residual 64, about the same weights per layer.")
        form.addRow("Width", self.width_box)
        self.activation = QComboBox()
        for value, words in ACTIVATIONS:
            self.activation.addItem(words, value)
        form.addRow("Activation", self.activation)
        self.steps = QSpinBox()
        self.steps.setRange(10, 1_000_000)
        self.steps.setSingleStep(100)
        self.steps.setGroupSeparatorShown(True)
        form.addRow("Steps", self.steps)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        form.addRow("Seed", self.seed)
        layout.addLayout(form)
        self.problem = QLabel(" ")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #d93a35;")
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Build")
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.dataset.setCurrentIndex(max(0, self.dataset.findData("spirals")))
        self._dataset_changed()

    # -- the form --------------------------------------------------------------------------------

    def set_dataset(self, name: str) -> None:
        index = self.dataset.findData(name)
        if index < 0:
            raise ValueError(f"the sweep cannot train on {name!r}")
        self.dataset.setCurrentIndex(index)

    def set_blocks(self, blocks: list[str]) -> None:
        for name, box in self.block_boxes.items():
            box.setChecked(name in blocks)

    def _dataset_changed(self, *_) -> None:
        """Offer the block types of the dataset's family, keeping the ticks that still apply."""
        dataset = self.dataset.currentData()
        ticked = {name for name, box in self.block_boxes.items() if box.isChecked()}
        while self.blocks_row.count():
            item = self.blocks_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.block_boxes = {}
        for name in blocks_for(dataset):
            box = QCheckBox(BLOCK_WORDS[name])
            box.setToolTip(BLOCK_TIPS[name])
            box.setChecked(name in ticked or not ticked)
            box.toggled.connect(self._validate)
            self.blocks_row.addWidget(box)
            self.block_boxes[name] = box
        self.steps.setValue(600 if dataset in IMAGE_DATASETS else 1500)
        self._validate()

    def _validate(self, *_) -> str | None:
        """Say what is wrong (and keep Build off) until the sweep can be built."""
        problem = None
        try:
            problem = self.request().problem()
        except ValueError as error:
            problem = str(error)
        self.problem.setText(problem or " ")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)
        return problem

    def request(self) -> SweepRequest:
        """The sweep as the form stands (ValueError if the depths cannot be read)."""
        return SweepRequest(
            blocks=tuple(name for name, box in self.block_boxes.items() if box.isChecked()),
            depths=parse_depths(self.depths.text()),
            dataset=self.dataset.currentData(),
            width=self.width_box.value() or None,
            activation=self.activation.currentData(),
            steps=self.steps.value(),
            seed=self.seed.value(),
        )

    def _accept(self) -> None:
        if self._validate() is None:
            self.accept()
