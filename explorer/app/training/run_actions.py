"""The Run menu's commands (Train, Pause, Step, Stop) and the gradient colours' toggles."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from ..seams import MenuHost
from .canvas_heat import CanvasHeat

RUN_COMMANDS = (  # name, text, keys, what it does
    ("train", "Train", "F5", "Train the network on its dataset (or resume)."),
    ("pause", "Pause", "F6", "Pause the run after its current step."),
    ("step", "Step", "F10", "While paused: one more step, logged in full."),
    ("stop", "Stop", "Shift+F5", "Stop the run; it keeps what it learned."),
)


def make_run_actions(parent: QObject, menus: MenuHost, heat: CanvasHeat,
                     slots: dict[str, Callable[[], object]]) -> dict[str, QAction]:
    """The run commands, each calling its slot, put in the Run menu, the tool bar and the
    window's shortcuts; and the View menu's gradient-colour toggles for ``heat``."""
    made: dict[str, QAction] = {}
    for name, text, keys, tip in RUN_COMMANDS:
        action = QAction(text, parent)
        action.setShortcut(QKeySequence(keys))
        action.setToolTip(f"{tip} ({keys})")
        action.setStatusTip(tip)
        action.triggered.connect(lambda *_, slot=slots[name]: slot())
        made[name] = action
    run = [made[name] for name, *_ in RUN_COMMANDS]
    menus.add_shortcuts(run)
    colours = QAction("Colour Nodes by &Gradient", parent, checkable=True, checked=True)
    colours.setStatusTip("Colour the canvas by each layer's gradient size during and "
                         "after a run.")
    colours.toggled.connect(heat.set_enabled)
    clear = QAction("&Clear Gradient Colours", parent)
    clear.triggered.connect(lambda *_: heat.clear())
    made.update(colours=colours, clear_colours=clear)
    menus.add_menu("&Run").addActions(run)
    menus.view_menu.addSeparator()
    menus.view_menu.addActions([colours, clear])
    menus.tool_bar.addSeparator()
    menus.tool_bar.addActions(run)
    return made
