"""Write the four real tables the app ships (digits, iris, wine, breast_cancer) as .npz files.

A maintainer's tool, run once when the tables change: it reads them from
scikit-learn, which only this script needs (pip install scikit-learn), so the
app itself reads plain NumPy archives and does not depend on it.

    python scripts/make_tables.py

Each archive holds ``data`` (the numbers exactly as scikit-learn gives them; the
digit scans as uint8, since they are whole numbers 0 … 16), ``target`` (int64
class ids), ``class_names`` and ``feature_names`` (text). The zip entries carry a
fixed date, so running the script again writes the same bytes.
"""

import io
import zipfile
from pathlib import Path

import numpy as np
from sklearn import datasets

FOLDER = Path(__file__).resolve().parents[1] / "explorer" / "train" / "data" / "bundled"
NAMES = ("digits", "iris", "wine", "breast_cancer")
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can hold


def arrays(name: str) -> dict[str, np.ndarray]:
    """One set's arrays, in the smallest dtype that keeps every value exactly."""
    bunch = getattr(datasets, f"load_{name}")()
    data = bunch.data
    if name == "digits":
        data = data.astype(np.uint8)
        assert np.array_equal(data, bunch.data), "digit pixels are no longer whole numbers"
    return {
        "data": data,
        "target": bunch.target.astype(np.int64),
        "class_names": np.array([str(n) for n in bunch.target_names]),
        "feature_names": np.array([str(n) for n in bunch.feature_names]),
    }


def write_npz(path: Path, named: dict[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed``, with fixed dates so the bytes do not change per run."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in named.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            entry = zipfile.ZipInfo(f"{key}.npy", date_time=_FIXED_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, buffer.getvalue(), compresslevel=9)


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        path = FOLDER / f"{name}.npz"
        write_npz(path, arrays(name))
        print(f"wrote {path.relative_to(FOLDER.parents[3])} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
