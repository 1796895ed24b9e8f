"""Build tests run torch on one thread each: pytest-xdist already keeps both cores busy,
and two OpenMP threads per worker on two cores spin against each other (10-50× slower)."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
