"""Built-in datasets: shapes, dtypes, determinism, balance and splits, with small sizes."""

import pickle

import numpy as np
import pytest

from explorer.train.data import DATASETS, DatasetError, load_dataset

USER_FILES = {"csv", "npz", "image_folder"}
BUILT_IN = [name for name in DATASETS if name not in USER_FILES]

# Small sizes keep the suite quick; every dataset's defaults are loaded once below.
SMALL = {
    "spirals": {"points_per_class": 60},
    "moons": {"points": 120},
    "circles": {"points": 120},
    "xor": {"points": 120},
    "blobs": {"points_per_class": 40},
    "sine": {"points": 120},
    "shapes": {"count": 120, "size": 16},
    "stripes": {"count": 120, "size": 16},
    "shape_masks": {"count": 60, "size": 16},
    "copy": {"count": 120},
    "reverse": {"count": 120},
    "sort": {"count": 120},
    "parity": {"count": 120},
}


def small(name):
    return load_dataset(name, SMALL.get(name))


@pytest.mark.parametrize("name", BUILT_IN)
def test_defaults_load_with_the_documented_shapes_and_types(name):
    data = load_dataset(name)
    spec = data.input_spec
    for x, y in ((data.x_train, data.y_train), (data.x_val, data.y_val)):
        assert x.shape[1:] == spec.shape
        assert x.dtype == (np.int64 if spec.dtype == "long" else np.float32)
        assert y.shape[1:] == data.target_shape
        assert len(x) == len(y)
    if data.task == "regression":
        assert data.y_train.dtype == np.float32
        assert data.classes is None
    else:
        assert data.y_train.dtype == np.int64
        assert data.y_train.min() >= 0 and data.y_train.max() < data.classes
        assert len(data.class_names) == data.classes
    if spec.dtype == "long":
        assert data.x_train.min() >= 0 and data.x_train.max() < spec.vocab
    else:
        assert np.isfinite(data.x_train).all()
    assert data.task == DATASETS[name].task
    assert DATASETS[name].default_input_kind.startswith(
        {"features": "Vector", "image": "Image", "tokens": "Token"}[spec.layout])


@pytest.mark.parametrize("name", BUILT_IN)
def test_same_seed_same_data_other_seed_other_data(name):
    options = SMALL.get(name)
    first, again = load_dataset(name, options, seed=3), load_dataset(name, options, seed=3)
    other = load_dataset(name, options, seed=4)
    assert np.array_equal(first.x_train, again.x_train)
    assert np.array_equal(first.y_train, again.y_train)
    assert np.array_equal(first.x_val, again.x_val)
    assert not np.array_equal(first.x_train, other.x_train)


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.5])
def test_split_sizes_follow_the_validation_share(name, fraction):
    whole = load_dataset(name, SMALL.get(name), val_fraction=0.0)
    data = load_dataset(name, SMALL.get(name), val_fraction=fraction)
    total = len(whole)
    assert len(data) + data.n_val == total
    assert data.n_val == int(fraction * total + 0.5)
    assert len(data) == data.n_train


REAL_DATA = {"digits", "iris", "wine", "breast_cancer"}  # as collected, not balanced by us
GENERATED_CLASSES = [n for n in BUILT_IN if DATASETS[n].task != "regression" and n not in REAL_DATA]


@pytest.mark.parametrize("name", GENERATED_CLASSES)
def test_every_class_turns_up_in_fair_numbers(name):
    data = small(name)
    labels = np.concatenate([data.y_train.ravel(), data.y_val.ravel()])
    counts = np.bincount(labels, minlength=data.classes)
    if data.task == "segmentation" or data.per_token:
        assert (counts > 0).all()  # pixels and tokens follow the pictures and sequences
    else:
        assert counts.min() >= 0.8 * counts.max()


@pytest.mark.parametrize("name", sorted(REAL_DATA))
def test_real_data_keeps_every_class_in_both_parts(name):
    data = load_dataset(name)
    assert set(data.y_train) == set(data.y_val) == set(range(data.classes))


def test_classes_are_split_evenly_between_training_and_validation():
    data = load_dataset("iris")
    assert np.bincount(data.y_train).tolist() == [40, 40, 40]
    assert np.bincount(data.y_val).tolist() == [10, 10, 10]


def test_spirals_options_change_what_is_made():
    data = load_dataset("spirals", {"classes": 3, "points_per_class": 50}, val_fraction=0.0)
    assert data.classes == 3
    assert np.bincount(data.y_train).tolist() == [50, 50, 50]
    radius = np.linalg.norm(data.x_train, axis=1)
    assert radius.max() < 1.5  # inputs stay near [-1, 1]


def test_noise_option_adds_spread():
    calm = load_dataset("circles", {"noise": 0.0}, val_fraction=0.0)
    noisy = load_dataset("circles", {"noise": 0.2}, val_fraction=0.0)
    outer = calm.y_train == 0
    assert np.allclose(np.linalg.norm(calm.x_train[outer], axis=1), 1.0, atol=1e-5)
    assert np.linalg.norm(noisy.x_train[noisy.y_train == 0], axis=1).std() > 0.1


def test_xor_classes_follow_the_signs():
    data = load_dataset("xor", {"noise": 0.0})
    same_sign = np.sign(data.x_train[:, 0]) == np.sign(data.x_train[:, 1])
    assert np.array_equal(same_sign, data.y_train == 0)


def test_sine_targets_follow_the_curve_within_the_noise():
    data = load_dataset("sine", {"noise": 0.1, "points": 4000}, val_fraction=0.0)
    residual = data.y_train[:, 0] - np.sin(data.x_train[:, 0])
    assert data.target_shape == (1,)
    assert 0.08 < residual.std() < 0.12


@pytest.mark.parametrize("layout", ["image", "vector"])
def test_digits_layouts(layout):
    data = load_dataset("digits", {"layout": layout})
    assert data.input_spec.shape == ((1, 8, 8) if layout == "image" else (64,))
    assert len(data) + data.n_val == 1797
    assert data.x_train.min() >= 0.0 and data.x_train.max() == 1.0


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer"])
def test_tables_are_standardised_with_training_statistics(name):
    data = load_dataset(name)
    assert np.allclose(data.x_train.mean(axis=0), 0.0, atol=1e-4)
    assert np.allclose(data.x_train.std(axis=0), 1.0, atol=1e-3)
    assert not np.allclose(data.x_val.mean(axis=0), 0.0, atol=1e-4)


@pytest.mark.parametrize("channels", [1, 3])
def test_shapes_channels_and_size(channels):
    data = load_dataset("shapes", {"channels": channels, "size": 20, "count": 40, "classes": 4})
    assert data.x_train.shape[1:] == (channels, 20, 20)
    assert data.class_names == ("circle", "square", "triangle", "plus")
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0


def test_shapes_are_brighter_than_their_background():
    data = load_dataset("shape_masks", {"count": 40, "noise": 0.0}, val_fraction=0.0)
    pixels = data.x_train[:, 0]
    assert pixels[data.y_train > 0].min() >= 0.55
    assert pixels[data.y_train == 0].max() <= 0.35
    assert set(np.unique(data.y_train)) == {0, 1, 2}


def test_stripe_directions_differ_by_class():
    data = load_dataset("stripes", {"classes": 2, "noise": 0.0, "count": 40}, val_fraction=0.0)
    x = data.x_train[:, 0]
    along_rows = np.abs(np.diff(x, axis=2)).mean(axis=(1, 2))  # changes across columns
    along_cols = np.abs(np.diff(x, axis=1)).mean(axis=(1, 2))  # changes down the rows
    horizontal = data.y_train == 0
    assert (along_cols[horizontal] > along_rows[horizontal]).all()
    assert (along_rows[~horizontal] > along_cols[~horizontal]).all()


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("copy", lambda x: x),
        ("reverse", lambda x: x[:, ::-1]),
        ("sort", lambda x: np.sort(x, axis=1)),
    ],
)
def test_sequence_targets_follow_their_rule(name, rule):
    data = load_dataset(name, {"length": 9, "vocab": 5, "count": 50})
    assert data.input_spec.shape == (9,) and data.input_spec.vocab == 5
    assert data.target_shape == (9,) and data.classes == 5
    assert np.array_equal(data.y_train, rule(data.x_train))


@pytest.mark.parametrize("vocab", [2, 16])
def test_parity_labels_count_the_ones_and_are_balanced(vocab):
    data = load_dataset("parity", {"vocab": vocab, "count": 200}, val_fraction=0.0)
    assert np.array_equal((data.x_train == 1).sum(axis=1) % 2, data.y_train)
    assert np.bincount(data.y_train).tolist() == [100, 100]
    assert data.x_train.max() < vocab


def test_datasets_and_their_errors_survive_pickling_for_the_run_process():
    data = load_dataset("copy", {"count": 20})
    again = pickle.loads(pickle.dumps(data))
    assert np.array_equal(again.x_train, data.x_train)
    assert (again.input_spec, again.options, again.class_names) == (
        data.input_spec, data.options, data.class_names)
    error = pickle.loads(pickle.dumps(DatasetError("csv: 'a.csv' is empty.")))
    assert str(error) == "csv: 'a.csv' is empty."
