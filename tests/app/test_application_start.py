"""Starting the editor on a Linux desktop that lacks Qt's X11 libraries: one line, exit 2."""

import pytest

from explorer.app import application
from explorer.app.application import missing_xcb_libraries, uses_xcb, xcb_problem
from explorer.cli import main

X_DESKTOP = {"DISPLAY": ":0"}


def loader_without(*absent):
    def load(name):
        if name in absent:
            raise OSError(f"{name}: cannot open shared object file")
        return object()
    return load


def test_the_missing_libraries_are_named_with_their_packages():
    load = loader_without("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    assert missing_xcb_libraries(load) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    line = xcb_problem(X_DESKTOP, "linux", load)
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in line and "\n" not in line
    assert xcb_problem(X_DESKTOP, "linux", loader_without()) == ""


@pytest.mark.parametrize(("environ", "platform", "expected"), [
    ({"DISPLAY": ":0"}, "linux", True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"},
     "linux", False),
    ({}, "linux", False),
    ({"DISPLAY": ":0"}, "darwin", False),
    ({"DISPLAY": ":0"}, "win32", False),
])
def test_only_linux_with_the_xcb_platform_is_checked(environ, platform, expected):
    assert uses_xcb(environ, platform) is expected
    everything_missing = loader_without(*application.XCB_LIBRARIES)
    assert bool(xcb_problem(environ, platform, everything_missing)) is expected


def test_the_editor_says_what_to_install_instead_of_aborting(monkeypatch, capsys):
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.setattr(application, "XCB_LIBRARIES",
                        {"libxcb-not-on-this-machine.so.9": "libxcb-not-on-this-machine9"})
    monkeypatch.setattr(application, "create_application",
                        lambda *a: pytest.fail("Qt was started without its libraries"))
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sudo apt install libxcb-not-on-this-machine9" in err
