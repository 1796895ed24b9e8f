"""What a fresh interpreter has imported after some statements: the check behind the
tests that keep heavy libraries (torch, Qt, pyqtgraph, the export layer) out of places that must
start quickly or stay light."""

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def loaded_after(statements: str, modules: Iterable[str], *, home: Path | None = None) -> list[str]:
    """Which of ``modules`` a new Python process has imported after running ``statements``.

    ``home``: run as a fresh user (settings, autosaves and run folders go there) with Qt
    offscreen, for statements that open the editor.
    """
    wanted = sorted(modules)
    code = f"import sys\n{statements}\nprint([m for m in {wanted!r} if m in sys.modules])"
    env = None if home is None else {
        "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(home),
        "ARCHITECTURE_EXPLORER_DATA": str(home)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip().splitlines()[-1])  # a list of names we printed
