"""Flat parameter buffers: same values, same training, gradients as views, norms per parameter."""

import copy

import pytest
import torch
from torch import nn

from explorer.compiler import build_model
from explorer.graph import recipes
from explorer.train.flat import FlatParameters


def small_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))


def test_flattening_keeps_every_value_and_lays_the_parameters_end_to_end():
    net = small_net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    flat = FlatParameters(list(net.named_parameters()))
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key])
    assert flat.names == ["2.weight", "0.weight", "4.weight", "0.bias", "2.bias", "4.bias"]
    assert flat.numels == [64, 24, 16, 8, 8, 2]
    assert [(run.rows, run.size) for run in flat.runs] == [(1, 64), (1, 24), (1, 16), (2, 8),
                                                           (1, 2)], "equal sizes share a run"
    assert len(flat.masters) == 1
    assert flat.grads[0].numel() == flat.masters[0].numel() == sum(flat.numels), "no padding"


def test_parameters_of_another_dtype_get_a_buffer_of_their_own():
    net = small_net()
    net[2].double()
    flat = FlatParameters(list(net.named_parameters()))
    assert [m.dtype for m in flat.masters] == [torch.float32, torch.float64]
    assert flat.names == ["0.weight", "4.weight", "0.bias", "4.bias", "2.weight", "2.bias"]
    net[2].weight.grad.fill_(2.0)
    norms = flat.norms()
    assert all(n.dtype == torch.float32 for n in norms)
    assert torch.cat(norms).tolist() == [0.0] * 4 + [2.0 * 8, 0.0]
    ring = torch.zeros(flat.count)
    flat.grad_norm_writer(ring)()
    assert ring.tolist() == [0.0] * 4 + [2.0 * 8, 0.0]


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_adam_state_holds_only_the_parameters_own_moments(optimizer):
    net = small_net()
    flat = FlatParameters(list(net.named_parameters()))
    make = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[optimizer]
    opt = make(flat.masters, lr=0.1, amsgrad=True)
    for _ in range(3):
        flat.zero_grad()
        net(torch.randn(4, 3)).pow(2).sum().backward()
        opt.step()
    state = opt.state[flat.masters[0]]
    for key in ("exp_avg_sq", "max_exp_avg_sq"):
        assert state[key].numel() == sum(flat.numels)
        assert float(state[key].max()) < 1e3, "no placeholder values beside the real moments"


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_training_on_flat_buffers_matches_ordinary_training(optimizer):
    reference, net = small_net(), small_net()
    flat = FlatParameters(list(net.named_parameters()))
    make = {"sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
            "adam": lambda p: torch.optim.Adam(p, lr=0.01),
            "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1)}[optimizer]
    opt_ref, opt_flat = make(reference.parameters()), make(flat.masters)
    x, y = torch.randn(16, 3), torch.randint(0, 2, (16,))
    for _ in range(5):
        opt_ref.zero_grad()
        nn.functional.cross_entropy(reference(x), y).backward()
        opt_ref.step()
        flat.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt_flat.step()
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(net.state_dict()[key], value, rtol=1e-6, atol=1e-7)


def test_gradients_land_in_the_flat_buffer_and_norms_match_each_parameter():
    net = small_net()
    flat = FlatParameters(list(net.named_parameters()))
    flat.zero_grad()
    net(torch.randn(4, 3)).pow(2).sum().backward()
    named = dict(net.named_parameters())
    norms = torch.cat(flat.norms())
    for slot, name in enumerate(flat.names):
        storage = named[name].grad.untyped_storage().data_ptr()
        assert storage == flat.grads[0].untyped_storage().data_ptr()
        torch.testing.assert_close(norms[slot], named[name].grad.norm())
    l1, largest = (torch.cat(values) for values in flat.abs_sums_and_maxima())
    for slot, name in enumerate(flat.names):
        torch.testing.assert_close(l1[slot], named[name].grad.abs().sum())
        torch.testing.assert_close(largest[slot], named[name].grad.abs().max())


def block_network():
    """A compiled network with residual blocks (layers nested inside block modules)."""
    torch.manual_seed(0)
    return build_model(recipes.residual_mlp(3, 16).graph)


def test_every_norm_equals_its_own_parameter_in_a_network_with_blocks():
    net = block_network()
    flat = FlatParameters(list(net.named_parameters()))
    assert any(name.count(".") > 1 for name in flat.names), "parameters nested in blocks"
    net(torch.randn(32, 2)).pow(2).sum().backward()
    before = {name: p.detach().double() for name, p in net.named_parameters()}
    grads = {name: p.grad.double() for name, p in net.named_parameters()}
    ring = torch.zeros(flat.count)
    flat.grad_norm_writer(ring)()
    sums, maxima = (torch.cat(values) for values in flat.abs_sums_and_maxima())
    snapshot = flat.snapshot()
    torch.optim.SGD(flat.masters, lr=0.1).step()
    updates, weights = torch.cat(flat.update_norms(snapshot)), torch.cat(flat.norms("param"))
    after = {name: p.detach().double() for name, p in net.named_parameters()}
    for slot, name in enumerate(flat.names):
        grad = grads[name]
        assert float(ring[slot]) == pytest.approx(float(grad.norm()), rel=1e-6)
        assert float(sums[slot]) == pytest.approx(float(grad.abs().sum()), rel=1e-6)
        assert float(maxima[slot]) == pytest.approx(float(grad.abs().max()), rel=1e-6)
        assert float(weights[slot]) == pytest.approx(float(after[name].norm()), rel=1e-6)
        update = float((after[name] - before[name]).norm())
        assert float(updates[slot]) == pytest.approx(update, rel=1e-6)


def test_a_caller_that_drops_the_gradients_does_not_break_them():
    net = small_net()
    flat = FlatParameters(list(net.named_parameters()))
    net.zero_grad(set_to_none=True)
    flat.zero_grad()
    net(torch.randn(4, 3)).sum().backward()
    assert float(flat.grads[0].abs().sum()) > 0


def test_frozen_parameters_are_left_alone():
    net = small_net()
    net[0].weight.requires_grad_(False)
    frozen = copy.deepcopy(net[0].weight)
    flat = FlatParameters(list(net.named_parameters()))
    assert "0.weight" not in flat.names
    assert torch.equal(net[0].weight, frozen)
