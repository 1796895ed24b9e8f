"""The seams between the editor's parts: what one part may ask of another.

Each feature of the editor (the training workspace, the exports, the
classroom with its lesion and presentation modes, the code preview, the
menus) is handed the few objects it uses, typed by the small protocols
below, and never the main window: a feature that could reach everything
would come to depend on everything, and every change would ripple through
all of them. ``MainWindow`` only assembles: it makes the parts and gives
each its seams (docs/architecture.md draws who gets what).

Besides these protocols, features receive plain objects: the ``Document``
(the project and its one change path), and a parent widget for the dialogs
they open. Presentation mode alone gets the ``QMainWindow`` itself, because
rearranging the frame (full screen, docks, menu bar) is its whole job.

Nothing here imports a part of the app, so every part can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction, QColor
    from PySide6.QtWidgets import QDockWidget, QMenu, QToolBar, QWidget

NodeMenuEntries = Callable[["QMenu", str], None]  # adds entries to a node's context menu


class Notices(Protocol):
    """Telling the user something without stopping them.

    ``show_message``: the status bar for a while; a problem (``error=True``)
    also as a banner over the canvas. ``announce``: the status bar and a
    banner, for a success worth seeing (a file written). ``show_progress``: a
    status line that stays until the next message, while work is under way.
    """

    def show_message(self, text: str, error: bool = False) -> None: ...

    def announce(self, text: str) -> None: ...

    def show_progress(self, text: str) -> None: ...


class DockHost(Protocol):
    """Room for panels around the canvas; each panel gets an entry in View > Panels.

    ``add_panel`` tabs a panel with the inspector (right). ``add_bottom_panel``
    puts one below the canvas: beside the problems list when ``beside`` is
    ``problems_dock``, split off ``beside`` when it is another dock, or on its
    own when it is None. ``resize_docks`` shares out the room (``QMainWindow``'s).
    """

    problems_dock: QDockWidget

    def add_panel(self, title: str, widget: QWidget) -> QDockWidget: ...

    def add_bottom_panel(self, title: str, widget: QWidget, beside: QDockWidget | None = None,
                         *, name: str = "") -> QDockWidget: ...

    def resize_docks(self, docks: list[QDockWidget], sizes: list[int],
                     orientation: Qt.Orientation) -> None: ...


class MenuHost(Protocol):
    """Where a feature puts its commands.

    ``add_menu`` makes a menu of its own, placed before Help; entries may join
    the View menu or the tool bar; ``add_shortcuts`` makes actions work
    anywhere in the window, even with the menu bar hidden.
    """

    view_menu: QMenu
    tool_bar: QToolBar

    def add_menu(self, title: str) -> QMenu: ...

    def add_shortcuts(self, actions: Iterable[QAction]) -> None: ...


class CanvasFocus(Protocol):
    """Pointing at nodes on the canvas from a panel or a command.

    ``reveal_node`` selects a node, centres it and gives the canvas the
    keyboard; ``select_nodes`` selects those of the ids on the canvas (others
    are ignored); ``fit`` shows the whole network; ``show_whole`` shows it
    whole and as large as it can be, folding a network opened only for viewing
    (an example) to the canvas's shape; ``show_opened`` shows it as a network
    just opened is shown (its text readable); ``add_node_menu_entries`` lets a
    feature add commands to a node's context menu.
    """

    def reveal_node(self, node_id: str) -> None: ...

    def select_nodes(self, node_ids: list[str]) -> None: ...

    def fit(self) -> None: ...

    def show_whole(self) -> None: ...

    def show_opened(self) -> None: ...

    def add_node_menu_entries(self, entries: NodeMenuEntries) -> None: ...


class NodeColours(Protocol):
    """Colouring the canvas's nodes by a number each (the gradient sizes of a run).

    ``set_heat`` takes node id -> (colour, lines of text); an empty dict takes
    the colours off. ``legend_host`` is the widget a legend floats over.
    """

    @property
    def legend_host(self) -> QWidget: ...

    def set_heat(self, nodes: dict[str, tuple[QColor, tuple[str, ...]]]) -> None: ...


class UnsavedWork(Protocol):
    """Asking about unsaved changes before the document is replaced.

    ``maybe_save`` is True when it is fine to go on (saved, or discarded).
    """

    def maybe_save(self) -> bool: ...


class TextSize(Protocol):
    """The size of all text in the editor (bigger for projectors), 1.0 being normal."""

    @property
    def ui_zoom(self) -> float: ...

    def set_ui_zoom(self, factor: float) -> None: ...


class EditorRuns(Protocol):
    """What the classroom may ask of the editor's training workspace.

    ``actions``: Train, Pause, Step and Stop by name ("train", ...).
    ``live_docks``: the loss, gradient-flow and decision-boundary docks, top
    to bottom. ``presenting``: presentation mode has laid the panels out, so a
    run must leave them be. ``run_active``: a run is training in the editor.
    ``finished_run``: the folder and name of the run a lesion study is about
    (None when there is no finished run).
    """

    presenting: bool

    @property
    def actions(self) -> Mapping[str, QAction]: ...

    def live_docks(self) -> tuple[QDockWidget, ...]: ...

    def run_active(self) -> bool: ...

    def finished_run(self) -> tuple[Path, str] | None: ...
