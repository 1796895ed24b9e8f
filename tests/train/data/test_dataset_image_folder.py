"""The user's own pictures, one subfolder per class, and the messages for folders that fail."""

import numpy as np
import pytest
from PIL import Image

from explorer.train.data import DatasetError, load_dataset


def picture(path, colour, size=(12, 9)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


@pytest.fixture
def pets(tmp_path):
    root = tmp_path / "pets"
    for i in range(3):
        picture(root / "cat" / f"{i}.png", (255, 0, 0))
        picture(root / "dog" / f"{i}.jpg", (0, 0, 255))
    (root / "dog" / "notes.txt").write_text("not a picture, and ignored")
    return root


def load(root, **options):
    return load_dataset("image_folder", {"path": str(root), **options}, val_fraction=0.0)


def test_subfolders_are_the_classes(pets):
    data = load(pets, size=8)
    assert data.class_names == ("cat", "dog")
    assert data.input_spec.shape == (3, 8, 8)
    assert np.bincount(data.y_train).tolist() == [3, 3]
    red = data.x_train[:, 0].mean(axis=(1, 2))
    assert np.array_equal(red > 0.5, data.y_train == 0)  # cats are red, dogs blue
    assert data.x_train.dtype == np.float32 and data.x_train.max() <= 1.0


def test_grayscale_gives_one_channel(pets):
    data = load(pets, size=6, grayscale=True)
    assert data.input_spec.shape == (1, 6, 6)


def test_unreadable_picture_is_named(pets):
    (pets / "cat" / "broken.png").write_bytes(b"definitely not a png")
    with pytest.raises(DatasetError, match=r"cannot read 'cat/broken\.png'"):
        load(pets)


def test_a_single_class_folder_is_not_enough(tmp_path):
    picture(tmp_path / "only" / "a" / "1.png", (1, 2, 3))
    with pytest.raises(DatasetError, match=r"only one class folder \('a'\).*at least 2"):
        load(tmp_path / "only")


def test_pictures_without_subfolders(tmp_path):
    picture(tmp_path / "flat" / "1.png", (1, 2, 3))
    with pytest.raises(DatasetError, match=r"holds images but no subfolders"):
        load(tmp_path / "flat")


def test_an_empty_class_folder_is_named(pets):
    (pets / "fish").mkdir()
    with pytest.raises(DatasetError, match=r"class folder 'fish' holds no PNG or JPEG"):
        load(pets)


def test_a_file_instead_of_a_folder(pets):
    with pytest.raises(DatasetError, match=r"is a file; choose the folder"):
        load(pets / "cat" / "0.png")


def test_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match=r"does not exist"):
        load(tmp_path / "nowhere")


def test_size_option_is_checked(pets):
    with pytest.raises(DatasetError, match=r"option 'size' = 2 is below the minimum 4"):
        load(pets, size=2)
