"""Flat parameter buffers: same values, same training, gradients as views, norms per parameter."""

import copy

import pytest
import torch
from torch import nn

from explorer.train.flat import OP_COST, FlatParameters, _greedy_buckets, plan_buckets


def small_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))


def test_flattening_keeps_every_value_and_shares_buckets_among_small_parameters():
    net = small_net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    flat = FlatParameters(list(net.named_parameters()))
    for key, value in net.state_dict().items():
        assert torch.equal(value, before[key])
    assert sorted(flat.names) == sorted(before)
    assert len(flat.buckets) == 1 and flat.buckets[0].rows == len(before)
    assert flat.buckets[0].width == max(v.numel() for v in before.values())
    assert flat.grads[0].numel() == len(before) * flat.buckets[0].width


SIZES = [1_000_000, 300_000, 65536, 65536, 65536, 4096, 64, 64, 2]


def test_buckets_put_equal_and_small_sizes_together_and_pad_big_ones_never():
    assert plan_buckets(SIZES) == [(1, 1_000_000), (1, 300_000), (3, 65536), (4, 4096)]


@pytest.mark.parametrize("plan", [plan_buckets, _greedy_buckets])
def test_bucket_padding_stays_small(plan):
    buckets = plan(SIZES)
    assert sum(rows for rows, _ in buckets) == len(SIZES)
    i = 0
    for rows, width in buckets:
        actual = sum(SIZES[i:i + rows])
        assert width == SIZES[i]
        assert rows * width - actual <= max(OP_COST, actual // 8)
        i += rows


def test_padding_stays_zero_through_training_with_its_second_moment_primed():
    net = small_net()
    flat = FlatParameters(list(net.named_parameters()))
    optimizer = torch.optim.AdamW(flat.masters, lr=0.1, weight_decay=0.1)
    for step in range(3):
        flat.zero_grad()
        net(torch.randn(4, 3)).pow(2).sum().backward()
        optimizer.step()
        if step == 0:
            flat.prime_padding(optimizer)
    second_moment = optimizer.state[flat.masters[0]]["exp_avg_sq"]
    assert bool((second_moment[flat.padding[0]] > 1e30).all())
    assert bool((second_moment[~flat.padding[0]] < 1e3).all())
    used = sum(flat.numels)
    assert int(flat.masters[0].count_nonzero()) <= used
    bucket = flat.param_buckets[0]
    for row, n in enumerate(flat.numels):
        assert bool((bucket[row, n:] == 0).all())


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
    l1, largest = torch.cat(flat.norms(ord=1.0)), torch.cat(flat.norms(ord=float("inf")))
    for slot, name in enumerate(flat.names):
        torch.testing.assert_close(l1[slot], named[name].grad.abs().sum())
        torch.testing.assert_close(largest[slot], named[name].grad.abs().max())


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
