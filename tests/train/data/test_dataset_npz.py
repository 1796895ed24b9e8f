"""The user's .npz arrays: what their shapes become, and clear messages for bad files."""

import numpy as np
import pytest

from explorer.train.data import DatasetError, load_dataset


def save(tmp_path, name="data.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


def load(path, val_fraction=0.0, **options):
    return load_dataset("npz", {"path": path, **options}, val_fraction=val_fraction)


def test_vectors_with_integer_classes(tmp_path):
    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    y = np.arange(20) % 4
    data = load(save(tmp_path, x=x, y=y), val_fraction=0.25)
    assert data.input_spec.shape == (2,) and data.task == "classification"
    assert data.classes == 4 and data.class_names == ("0", "1", "2", "3")
    assert (len(data), data.n_val) == (15, 5)
    assert data.x_train.dtype == np.float32


def test_the_only_two_arrays_are_inputs_then_targets(tmp_path):
    x = np.linspace(0, 1, 30, dtype=np.float32)
    y = (x * 3.0).astype(np.float32)
    data = load(save(tmp_path, inputs=x, targets=y))
    assert data.input_spec.shape == (1,)
    assert data.task == "regression" and data.target_shape == (1,)
    assert np.allclose(data.y_train[:, 0], data.x_train[:, 0] * 3.0)


def test_text_labels_become_named_classes(tmp_path):
    y = np.array(["cat", "dog", "cat", "dog", "bird", "cat"])
    data = load(save(tmp_path, x=np.zeros((6, 3)), y=y))
    assert data.class_names == ("bird", "cat", "dog")
    assert sorted(data.y_train.tolist()) == [0, 1, 1, 1, 2, 2]


def test_channels_last_images_are_turned_around_and_bytes_scaled(tmp_path):
    x = np.full((8, 10, 12, 3), 255, dtype=np.uint8)
    data = load(save(tmp_path, x=x, y=np.arange(8) % 2))
    assert data.input_spec.shape == (3, 10, 12)
    assert data.x_train.max() == 1.0


def test_grey_images_get_a_channel(tmp_path):
    data = load(save(tmp_path, x=np.zeros((6, 5, 5)), y=np.arange(6) % 2))
    assert data.input_spec.shape == (1, 5, 5)


def test_per_pixel_classes_make_a_segmentation_task(tmp_path):
    masks = np.zeros((6, 5, 5), dtype=np.int64)
    masks[:, 2:, 2:] = 2
    data = load(save(tmp_path, x=np.zeros((6, 1, 5, 5)), y=masks))
    assert data.task == "segmentation" and data.classes == 3 and data.target_shape == (5, 5)


def test_token_sequences_with_per_token_classes(tmp_path):
    x = np.arange(24).reshape(4, 6) % 5
    data = load(save(tmp_path, x=x, y=x[:, ::-1]), tokens=True)
    assert data.input_spec.dtype == "long" and data.input_spec.vocab == 5
    assert data.x_train.dtype == np.int64 and data.per_token


def test_float_classes_are_accepted_when_whole(tmp_path):
    data = load(save(tmp_path, x=np.zeros((4, 2)), y=np.array([0.0, 1.0, 1.0, 0.0])),
                task="classification")
    assert data.task == "classification" and data.y_train.dtype == np.int64


def test_mismatched_lengths(tmp_path):
    with pytest.raises(DatasetError, match=r"x has shape 10×2 but y has shape 9"):
        load(save(tmp_path, x=np.zeros((10, 2)), y=np.zeros(9)))


def test_no_usable_arrays_lists_what_is_there(tmp_path):
    path = save(tmp_path, a=np.zeros(3), b=np.zeros(3), c=np.zeros(3))
    with pytest.raises(DatasetError, match=r"needs arrays named 'x'.*it has 'a', 'b', 'c'"):
        load(path)


def test_a_single_npy_array_is_not_enough(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(DatasetError, match=r"holds a single array"):
        load(str(path))


def test_a_file_that_is_not_npz(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello")
    with pytest.raises(DatasetError, match=r"'notes\.npz' is not a NumPy \.npz file"):
        load(str(path))


def test_python_objects_are_not_unpickled(tmp_path):
    path = save(tmp_path, x=np.array([{"a": 1}, {"b": 2}], dtype=object), y=np.zeros(2))
    with pytest.raises(DatasetError, match=r"Python objects, which are not read for safety"):
        load(path)


def test_one_class_only(tmp_path):
    with pytest.raises(DatasetError, match=r"only one class"):
        load(save(tmp_path, x=np.zeros((4, 2)), y=np.ones(4, dtype=int)))


def test_fractional_classes_point_to_regression(tmp_path):
    with pytest.raises(DatasetError, match=r"not whole.*'task' to 'regression'"):
        load(save(tmp_path, x=np.zeros((4, 2)), y=np.array([0.5, 1, 2, 3])),
             task="classification")


def test_missing_numbers_in_x_name_the_example(tmp_path):
    x = np.zeros((5, 2))
    x[3, 1] = np.nan
    with pytest.raises(DatasetError, match=r"x\[3, 1\] is nan, not a number"):
        load(save(tmp_path, x=x, y=np.arange(5) % 2))


def test_text_inputs_are_refused(tmp_path):
    with pytest.raises(DatasetError, match=r"x holds <U1 values; inputs must be numbers"):
        load(save(tmp_path, x=np.array(["a", "b"]), y=np.array([0, 1])))


def test_targets_that_fit_no_shape(tmp_path):
    with pytest.raises(DatasetError, match=r"y has shape 4×7; classes come one per example"):
        load(save(tmp_path, x=np.zeros((4, 3)), y=np.zeros((4, 7), dtype=int)))


def test_tokens_must_be_whole_numbers(tmp_path):
    with pytest.raises(DatasetError, match=r"token sequences must be whole numbers"):
        load(save(tmp_path, x=np.zeros((4, 3)), y=np.arange(4) % 2), tokens=True)


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match=r"does not exist"):
        load(str(tmp_path / "gone.npz"))


def test_a_damaged_archive(tmp_path):
    path = tmp_path / "cut.npz"
    save(tmp_path, "good.npz", x=np.arange(1000.0), y=np.arange(1000) % 2)
    data = (tmp_path / "good.npz").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match=r"'cut\.npz'"):
        load(str(path))
