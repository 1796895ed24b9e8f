"""The dataset catalogue: names, picker entries, and options checked before any work."""

import pytest

from explorer.graph import INPUT_KINDS
from explorer.graph.params import validate_params
from explorer.train.data import (
    DATASETS,
    GROUPS,
    DatasetError,
    check_options,
    dataset_info,
    load_dataset,
)

TASKS = {"classification", "regression", "segmentation"}


def test_every_group_is_listed_in_display_order():
    groups = [info.group for info in DATASETS.values()]
    assert set(groups) == set(GROUPS)
    assert groups == sorted(groups, key=GROUPS.index)
    assert next(iter(DATASETS)) == "spirals"


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_entry_describes_itself(name):
    info = DATASETS[name]
    assert info.name == name
    assert info.title and info.description
    assert "\n" not in info.description
    assert info.task in TASKS
    assert info.default_input_kind in INPUT_KINDS
    assert validate_params(info.options, None) == info.defaults


def test_spirals_is_the_classroom_default():
    data = load_dataset("spirals")
    assert data.n_train + data.n_val == 1000
    assert data.classes == 2


def test_unknown_dataset_suggests_close_names():
    with pytest.raises(DatasetError, match=r"no dataset called 'spiral'.*'spirals'"):
        dataset_info("spiral")
    with pytest.raises(DatasetError, match=r"Did you mean 'spirals'"):
        load_dataset("Spirals")


def test_unknown_dataset_without_a_close_name_lists_them_all():
    with pytest.raises(DatasetError, match=r"Choose one of: spirals, moons"):
        dataset_info("coco")


@pytest.mark.parametrize(("name", "stand_in"), [("MNIST", "digits"), ("cifar-10", "shapes")])
def test_famous_sets_that_need_a_download_point_to_a_built_in_one(name, stand_in):
    with pytest.raises(DatasetError, match=rf"would need a download.*try '{stand_in}'"):
        dataset_info(name)


def test_dataset_name_must_be_text():
    with pytest.raises(DatasetError, match=r"named by text"):
        dataset_info(3)


def test_unknown_option_suggests_the_close_one():
    with pytest.raises(DatasetError, match=r"spirals has no option 'nosie'.*'noise'"):
        load_dataset("spirals", {"nosie": 0.1})


def test_unknown_option_lists_the_known_ones():
    with pytest.raises(DatasetError, match=r"Its options are classes, points_per_class"):
        load_dataset("spirals", {"colour": "red"})


def test_option_of_a_dataset_without_options():
    with pytest.raises(DatasetError, match=r"iris has no option 'size'. It takes no options"):
        load_dataset("iris", {"size": 3})


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        ({"noise": "lots"}, "spirals: option 'noise' expects a number, got 'lots'"),
        ({"classes": 2.5}, "option 'classes' expects a whole number"),
        ({"classes": 1}, "option 'classes' = 1 is below the minimum 2"),
        ({"turns": 50.0}, "option 'turns' = 50.0 is above the maximum 5"),
        ({"noise": float("nan")}, "option 'noise' must be a finite number"),
    ],
)
def test_bad_option_values_name_the_option(options, pattern):
    with pytest.raises(DatasetError, match=pattern):
        load_dataset("spirals", options)


def test_choice_options_list_the_choices():
    with pytest.raises(DatasetError, match=r"option 'layout' must be one of 'image', 'vector'"):
        load_dataset("digits", {"layout": "grid"})


def test_options_must_be_a_mapping():
    with pytest.raises(DatasetError, match=r"must be a mapping"):
        load_dataset("spirals", ["noise", 0.1])


def test_check_options_fills_in_defaults_without_making_data():
    values = check_options(dataset_info("shapes"), {"size": 16})
    assert values["size"] == 16
    assert values["channels"] == dataset_info("shapes").defaults["channels"]


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed(seed):
    with pytest.raises(DatasetError, match=r"seed must be a whole number"):
        load_dataset("moons", seed=seed)


@pytest.mark.parametrize("fraction", [1.0, -0.1, 2, "0.2"])
def test_bad_validation_share(fraction):
    with pytest.raises(DatasetError, match=r"validation share"):
        load_dataset("moons", val_fraction=fraction)


def test_validation_split_that_leaves_no_training_data():
    with pytest.raises(DatasetError, match=r"leaves none to train on"):
        load_dataset("moons", {"points": 4}, val_fraction=0.9)


def test_no_validation_share_keeps_every_example_for_training():
    data = load_dataset("moons", {"points": 100}, val_fraction=0.0)
    assert (len(data), data.n_val) == (100, 0)
    assert data.x_val.shape == (0, 2)


def test_a_request_too_big_for_memory_is_refused_before_drawing():
    with pytest.raises(DatasetError, match=r"shapes with these options would take .* of "
                                           r"memory.*Lower count or size"):
        load_dataset("shapes", {"count": 200_000, "size": 256})
