"""The editor's look: the light or dark theme, and the size of all text (projectors).

``Look`` applies a choice (``theme.py`` does the painting of widgets), keeps
it in the settings, and says so with ``theme_changed`` and
``text_size_changed``, so each part restyles itself: the window connects
them, and the parts never call each other for it. It is the ``TextSize``
seam of presentation mode.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from . import theme
from .seams import Notices

THEME_KEY = "ui/theme"
ZOOM_KEY = "ui/zoom"


class Look(QObject):
    """The theme and the text size of one window, remembered in ``settings``."""

    theme_changed = Signal(str)  # "light" or "dark", once applied
    text_size_changed = Signal(float)  # the factor applied (1.0: normal)

    def __init__(self, settings: QSettings, notices: Notices,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.notices = notices
        self._ui_zoom = 1.0

    @property
    def ui_zoom(self) -> float:
        return self._ui_zoom

    def set_theme(self, name: str) -> None:
        theme.apply_theme(name)
        self.settings.setValue(THEME_KEY, theme.current().name)
        self.theme_changed.emit(theme.current().name)

    def set_ui_zoom(self, factor: float) -> None:
        self._ui_zoom = theme.apply_ui_zoom(factor)
        self.text_size_changed.emit(self._ui_zoom)
        self.settings.setValue(ZOOM_KEY, self._ui_zoom)
        self.notices.show_message(f"Text size {round(self._ui_zoom * 100)}%.")

    def step_ui_zoom(self, step: int) -> None:
        """One step bigger (1) or smaller (-1)."""
        self.set_ui_zoom(theme.next_ui_zoom(self._ui_zoom, step))

    def restore(self) -> None:
        """Apply the theme and text size kept from the last session."""
        name = self.settings.value(THEME_KEY, "light")
        self.set_theme(name if isinstance(name, str) else "light")
        try:
            zoom = float(str(self.settings.value(ZOOM_KEY, 1.0)))  # a str or a float, by format
        except (TypeError, ValueError):
            zoom = 1.0
        if abs(zoom - 1.0) > 1e-6:
            self.set_ui_zoom(zoom)
