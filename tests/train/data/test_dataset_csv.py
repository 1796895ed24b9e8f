"""The user's CSV tables: what is read, and a clear message for every kind of bad file."""

import numpy as np
import pytest

from explorer.train.data import DatasetError, load_dataset

HEADER = "age,height,kind\n"


def write(tmp_path, text, name="people.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def people(n=20):
    rows = [f"{20 + i},{150 + 2 * i},{'tall' if i % 2 else 'short'}" for i in range(n)]
    return HEADER + "\n".join(rows) + "\n"


def load(path, val_fraction=0.25, **options):
    return load_dataset("csv", {"path": path, **options}, val_fraction=val_fraction)


def test_reads_features_and_text_classes(tmp_path):
    data = load(write(tmp_path, people()))
    assert data.input_spec.shape == (2,)
    assert data.class_names == ("short", "tall")
    assert data.classes == 2 and data.task == "classification"
    assert (len(data), data.n_val) == (15, 5)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert "people.csv" in data.description and "'kind'" in data.description


def test_features_are_standardised_unless_asked_not_to(tmp_path):
    path = write(tmp_path, people())
    assert np.allclose(load(path).x_train.mean(axis=0), 0.0, atol=1e-5)
    raw = load(path, val_fraction=0.0, standardise=False)
    assert sorted(raw.x_train[:, 0].tolist()) == [float(20 + i) for i in range(20)]


def test_labels_match_their_rows(tmp_path):
    data = load(write(tmp_path, people()), val_fraction=0.0, standardise=False)
    ages = data.x_train[:, 0].astype(int)
    expected = np.where((ages - 20) % 2 == 1, 1, 0)  # odd rows are 'tall', class 1
    assert np.array_equal(data.y_train, expected)


@pytest.mark.parametrize("target", ["age", "1", "-3"])
def test_target_by_name_or_number(tmp_path, target):
    text = "age,height,weight\n" + "".join(f"{20 + i},{150 + i},{60 - i}\n" for i in range(20))
    data = load(write(tmp_path, text), val_fraction=0.0, target=target, task="regression",
                standardise=False)
    assert data.task == "regression" and data.classes is None
    assert sorted(data.y_train[:, 0].tolist()) == [float(20 + i) for i in range(20)]
    assert sorted(data.x_train[:, 0].tolist()) == [float(150 + i) for i in range(20)]


def test_last_column_is_the_default_target(tmp_path):
    text = "a,b,c\n" + "".join(f"{i},{i + 1},{i % 2}\n" for i in range(10))
    data = load(write(tmp_path, text), val_fraction=0.0, standardise=False)
    assert np.array_equal(data.y_train, data.x_train[:, 0].astype(int) % 2)


def test_numeric_classes_are_ordered_as_numbers(tmp_path):
    text = "x,label\n" + "".join(f"{i},{[10, 9, 2][i % 3]}\n" for i in range(12))
    data = load(write(tmp_path, text))
    assert data.class_names == ("2", "9", "10")


def test_semicolons_and_a_byte_order_mark_are_understood(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffa;b;y\n1;2;no\n3;4;yes\n5;6;no\n7;8;yes\n".encode())
    data = load(str(path), val_fraction=0.0)
    assert data.input_spec.shape == (2,) and data.class_names == ("no", "yes")


def test_blank_lines_are_skipped(tmp_path):
    data = load(write(tmp_path, "a,y\n1,p\n\n2,q\n   \n3,p\n"), val_fraction=0.0)
    assert len(data) == 3


def test_non_number_names_row_column_and_value(tmp_path):
    lines = people(20).splitlines()
    lines[16] = "n/a,170,tall"  # the file's row 17
    with pytest.raises(DatasetError, match=r"row 17, column 'age': 'n/a' is not a number"):
        load(write(tmp_path, "\n".join(lines)))


def test_missing_value_names_row_and_column(tmp_path):
    lines = people(5).splitlines()
    lines[3] = "23,,short"
    with pytest.raises(DatasetError, match=r"row 4, column 'height' is empty"):
        load(write(tmp_path, "\n".join(lines)))


def test_missing_class_names_the_row(tmp_path):
    with pytest.raises(DatasetError, match=r"row 3, column 'kind' is empty"):
        load(write(tmp_path, HEADER + "1,2,a\n3,4,\n5,6,b\n"))


def test_infinite_and_nan_values_are_not_numbers(tmp_path):
    with pytest.raises(DatasetError, match=r"row 3, column 'a': 'nan' is not a number"):
        load(write(tmp_path, "a,y\n1,p\nnan,q\n"))


def test_regression_target_must_be_numeric(tmp_path):
    with pytest.raises(DatasetError, match=r"row 2, column 'kind': 'short' is not a number"):
        load(write(tmp_path, people()), task="regression")


def test_unknown_target_column_lists_the_columns(tmp_path):
    with pytest.raises(DatasetError, match=r"no column 'hight'\. Did you mean 'height'\? Its "
                                           r"columns are 'age', 'height', 'kind'"):
        load(write(tmp_path, people()), target="hight")


def test_target_number_out_of_range(tmp_path):
    with pytest.raises(DatasetError, match=r"no column '7'.*from 1 to 3"):
        load(write(tmp_path, people()), target="7")


def test_ragged_row_is_named(tmp_path):
    with pytest.raises(DatasetError, match=r"row 3 has 2 values, but the header names 3"):
        load(write(tmp_path, HEADER + "1,2,a\n3,4\n"))


def test_empty_file(tmp_path):
    with pytest.raises(DatasetError, match=r"'empty\.csv' is empty"):
        load(write(tmp_path, "", "empty.csv"))


def test_header_without_rows(tmp_path):
    with pytest.raises(DatasetError, match=r"has a header but no rows"):
        load(write(tmp_path, HEADER))


def test_header_is_required(tmp_path):
    with pytest.raises(DatasetError, match=r"holds numbers, not column names"):
        load(write(tmp_path, "1,2,3\n4,5,6\n"))


def test_a_single_column_has_no_features(tmp_path):
    with pytest.raises(DatasetError, match=r"only one column"):
        load(write(tmp_path, "y\na\nb\n"))


def test_fewer_than_two_classes(tmp_path):
    with pytest.raises(DatasetError, match=r"only one class \('yes'\).*at least 2"):
        load(write(tmp_path, "a,y\n1,yes\n2,yes\n"))


def test_a_number_column_with_too_many_values_suggests_regression(tmp_path):
    text = "a,price\n" + "".join(f"{i},{i * 1.5}\n" for i in range(60))
    with pytest.raises(DatasetError, match=r"60 different values.*'task' to 'regression'"):
        load(write(tmp_path, text))


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(DatasetError, match=r"'photo\.csv' is not a text file"):
        load(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(DatasetError, match=r"'.*nowhere\.csv' does not exist"):
        load(str(tmp_path / "nowhere.csv"))


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(DatasetError, match=r"is a folder; choose the file"):
        load(str(tmp_path))


def test_path_not_set():
    with pytest.raises(DatasetError, match=r"csv: set the option 'path' to your file"):
        load_dataset("csv")


def test_wrong_task_choice(tmp_path):
    with pytest.raises(DatasetError, match=r"option 'task' must be one of 'classification'"):
        load(write(tmp_path, people()), task="clustering")


def test_split_leaving_no_training_rows(tmp_path):
    with pytest.raises(DatasetError, match=r"leaves none to train on"):
        load(write(tmp_path, "a,y\n1,p\n2,q\n"), val_fraction=0.8)
