"""The user's own pictures: a folder with one subfolder per class, read with Pillow.

``pets/cat/1.png``, ``pets/dog/7.jpg`` … make a two-class dataset whose
class names are the subfolders' names. Every image is resized to a square
of ``size`` pixels so they stack into one array.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from explorer.graph.params import Param
from explorer.graph.specs import TensorSpec

from .dataset import DatasetInfo, Generated
from .errors import DatasetError
from .user_files import USER_GROUP, existing_path, path_option

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def class_folders(root: Path) -> dict[str, list[Path]]:
    """Class name -> its image files, in name order, refusing folders that make no dataset."""
    try:
        entries = sorted(p for p in root.iterdir() if _visible(p))
    except OSError as error:
        raise DatasetError(f"image_folder: cannot read the folder '{root}': "
                           f"{error.strerror or error}.") from None
    folders = [p for p in entries if p.is_dir()]
    if not folders:
        loose = any(p.suffix.lower() in IMAGE_SUFFIXES for p in entries)
        where = "holds images but no subfolders" if loose else "has no subfolders"
        raise DatasetError(f"image_folder: '{root.name}' {where}. Put each class's images in "
                           "a subfolder named after the class (e.g. cats/, dogs/).")
    classes = {}
    for folder in folders:
        images = sorted(p for p in folder.iterdir()
                        if _visible(p) and p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise DatasetError(f"image_folder: the class folder '{folder.name}' holds no PNG or "
                               "JPEG images.")
        classes[folder.name] = images
    if len(classes) < 2:
        raise DatasetError(f"image_folder: '{root.name}' has only one class folder "
                           f"('{folders[0].name}'); classification needs at least 2.")
    return classes


def read_image(path: Path, size: int, grayscale: bool) -> np.ndarray:
    """One image as float32 C×size×size in [0, 1], or an error naming the file."""
    from PIL import Image

    try:
        with Image.open(path) as file:
            image = file.convert("L" if grayscale else "RGB")
            image = image.resize((size, size), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.float32) / 255.0
    except Exception:  # a user's file can fail to decode in many ways; each means "unreadable"
        raise DatasetError(f"image_folder: cannot read '{path.parent.name}/{path.name}': it is "
                           "not a PNG or JPEG image, or it is damaged. Remove or replace "
                           "it.") from None
    return pixels[None] if grayscale else pixels.transpose(2, 0, 1)


def _make(opts: dict[str, Any], rng: np.random.Generator) -> Generated:
    root = existing_path("image_folder", opts["path"], folder=True)
    classes = class_folders(root)
    try:
        import PIL  # noqa: F401
    except ImportError:
        raise DatasetError("image_folder: reading images needs the Pillow package; install it "
                           "with: pip install pillow") from None
    size, grayscale = opts["size"], opts["grayscale"]
    images, labels = [], []
    for label, files in enumerate(classes.values()):
        images += [read_image(f, size, grayscale) for f in files]
        labels += [label] * len(files)
    x = np.stack(images)
    names = tuple(classes)
    description = (f"{root.name}: {len(x):,} images in {len(names)} classes "
                   f"({', '.join(names)}).")
    return Generated(x, np.array(labels, dtype=np.int64), TensorSpec(x.shape[1:]),
                     "classification", len(names), names, description)


IMAGE_FOLDER = DatasetInfo(
    "image_folder", "Image folder",
    "Your own pictures: a folder with one subfolder of PNG or JPEG images per class.",
    USER_GROUP,
    (path_option("the folder"),
     Param("size", int, 32, "Images are resized to this height and width in pixels",
           min=4, max=512),
     Param("grayscale", bool, False, "Read the images in grey (1 channel) instead of colour")),
    "classification", "ImageInput", _make)
