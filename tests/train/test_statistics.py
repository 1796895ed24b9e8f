"""The per-node statistics equal what torch.autograd computes independently, node by node."""

import math

import pytest
import torch

from explorer.compiler import build_model, loss_for
from explorer.graph import recipes
from explorer.graph.grouping import ExpandBlock
from explorer.train import Callback, Trainer, plan_run

from .train_helpers import SMALL_SPIRALS


class FirstStep(Callback):
    """Keeps the weights as they were when step 1's gradients were taken, and all records."""

    def __init__(self):
        self.weights = None
        self.records = []

    def on_after_backward(self, step, model):
        if step == 1:
            self.weights = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def on_log(self, record):
        self.records.append(record)


def full_batch_run(project, **settings):
    """One full-batch step: the batch is the whole training set, so it can be recomputed."""
    n = len(plan_run(project).dataset.x_train)
    plan = plan_run(project, batch_size=n, steps=1, log_every=1, **settings)
    seen = FirstStep()
    ended = Trainer(plan, [seen]).run()
    assert ended.status == "done", ended.reason
    return plan, seen


def independent_gradients(project, plan, weights):
    model = build_model(project.graph)
    model.load_state_dict(weights)
    x = torch.as_tensor(plan.dataset.x_train)
    y = torch.as_tensor(plan.dataset.y_train)
    loss = loss_for(model.output_kind)(model(x), y)
    names = [n for n, _ in model.named_parameters()]
    grads = torch.autograd.grad(loss, [p for _, p in model.named_parameters()])
    by_node: dict[str, list[torch.Tensor]] = {}
    owner = {attribute: node for node, attribute in model.node_names.items()}
    for name, grad in zip(names, grads, strict=True):
        by_node.setdefault(owner[name.split(".")[0]], []).append(grad)
    return model, x, by_node


@pytest.mark.parametrize("make", [
    lambda: recipes.mlp(3, 16, dataset_options=SMALL_SPIRALS),
    lambda: recipes.residual_mlp(2, 16, dataset_options=SMALL_SPIRALS),
    lambda: recipes.highway_mlp(3, 12, dataset_options=SMALL_SPIRALS),
], ids=["plain", "residual", "highway"])
def test_reported_gradient_statistics_equal_autograd_per_node(make):
    project = make()
    plan, seen = full_batch_run(project)
    _, _, grads = independent_gradients(project, plan, seen.weights)
    nodes = seen.records[0].nodes
    assert set(grads) == {n for n, s in nodes.items() if s.grad_norm is not None}
    for node_id, node_grads in grads.items():
        flat = torch.cat([g.reshape(-1) for g in node_grads]).double()
        stats = nodes[node_id]
        assert stats.grad_norm == pytest.approx(float(flat.norm()), rel=1e-4)
        assert stats.grad_mean_abs == pytest.approx(float(flat.abs().mean()), rel=1e-4)
        assert stats.grad_max_abs == pytest.approx(float(flat.abs().max()), rel=1e-4)
    total = math.sqrt(sum(float(g.double().pow(2).sum()) for gs in grads.values() for g in gs))
    assert seen.records[0].grad_norm == pytest.approx(total, rel=1e-4)


def test_weight_norm_and_update_ratio_describe_the_sgd_step():
    project = recipes.mlp(2, 8, dataset_options=SMALL_SPIRALS)
    plan, seen = full_batch_run(project, optimizer="sgd", lr=0.05, momentum=0.0)
    model, _, grads = independent_gradients(project, plan, seen.weights)
    for node_id, node_grads in grads.items():
        attribute = model.node_names[node_id]
        before = [v for k, v in seen.weights.items() if k.split(".")[0] == attribute]
        after = [w - 0.05 * g for w, g in zip(before, node_grads, strict=True)]
        weight_norm = math.sqrt(sum(float(w.double().pow(2).sum()) for w in after))
        update_norm = 0.05 * math.sqrt(sum(float(g.double().pow(2).sum()) for g in node_grads))
        stats = seen.records[0].nodes[node_id]
        assert stats.weight_norm == pytest.approx(weight_norm, rel=1e-4)
        assert stats.update_ratio == pytest.approx(update_norm / weight_norm, rel=1e-3)


def test_activation_statistics_and_highway_gates_match_a_forward_pass():
    project = recipes.highway_mlp(2, 12, dataset_options=SMALL_SPIRALS)
    plan, seen = full_batch_run(project)
    model, x, _ = independent_gradients(project, plan, seen.weights)
    gate_inputs = {}
    for node_id in ("highway_1", "highway_2"):
        module = model.get_submodule(model.node_names[node_id])
        module.register_forward_pre_hook(
            lambda m, args, node_id=node_id: gate_inputs.__setitem__(node_id, args[0]))
    with torch.no_grad():
        outputs = model.forward_all(x)
    nodes = seen.records[0].nodes
    for node_id, value in outputs.items():
        assert nodes[node_id].act_mean == pytest.approx(float(value.mean()), rel=1e-4, abs=1e-6)
        assert nodes[node_id].act_std == pytest.approx(float(value.std(correction=0)), rel=1e-4)
    for node_id, inputs in gate_inputs.items():
        module = model.get_submodule(model.node_names[node_id])
        with torch.no_grad():
            expected = float(torch.sigmoid(module.t(inputs)).mean())
        assert nodes[node_id].gate_mean == pytest.approx(expected, rel=1e-5)
        assert nodes[node_id].gate_mean < 0.5, "auto gate bias starts the block carrying"


def test_gradient_norms_are_averaged_over_the_steps_between_records():
    project = recipes.mlp(2, 8, dataset_options=SMALL_SPIRALS)
    per_step = Trainer(plan_run(project, steps=6, log_every=1, batch_size=16), [rec := FirstStep()])
    per_step.run()
    windowed = Trainer(plan_run(project, steps=6, log_every=3, batch_size=16), [win := FirstStep()])
    windowed.run()
    node = "linear_2"
    steps = [r.nodes[node].grad_norm for r in rec.records]
    assert [r.step for r in win.records] == [3, 6]
    assert win.records[0].nodes[node].grad_norm == pytest.approx(sum(steps[:3]) / 3, rel=1e-5)
    assert win.records[1].nodes[node].grad_norm == pytest.approx(sum(steps[3:]) / 3, rel=1e-5)


def test_an_expanded_highway_block_reports_its_gate_under_the_block_id():
    project = recipes.highway_mlp(2, 12, dataset_options=SMALL_SPIRALS)
    ExpandBlock("highway_1").apply(project.graph)
    _, seen = full_batch_run(project)
    nodes = seen.records[0].nodes
    assert nodes["highway_1"].gate_mean == nodes["highway_1_gate"].act_mean
    assert 0 < nodes["highway_1"].gate_mean < 0.5
    assert 0 < nodes["highway_2"].gate_mean < 0.5, "the collapsed block beside it still reports"


def test_gradient_statistics_are_taken_before_clipping_so_explosions_show():
    project = recipes.mlp(3, 16, dataset_options=SMALL_SPIRALS)
    clip = 1e-3  # far below any real gradient: clipping scales every gradient down
    plan, seen = full_batch_run(project, grad_clip=clip)
    _, _, grads = independent_gradients(project, plan, seen.weights)
    record = seen.records[0]
    total = math.sqrt(sum(float(g.double().pow(2).sum()) for gs in grads.values() for g in gs))
    assert total > 10 * clip
    assert record.grad_norm == pytest.approx(total, rel=1e-4)
    for node_id, node_grads in grads.items():
        flat = torch.cat([g.reshape(-1) for g in node_grads]).double()
        assert record.nodes[node_id].grad_norm == pytest.approx(float(flat.norm()), rel=1e-4)
        assert record.nodes[node_id].grad_max_abs == pytest.approx(float(flat.abs().max()),
                                                                   rel=1e-4)


def collector_for_outputs():
    """A collector over a tiny model, to read node outputs it is handed."""
    from explorer.train.flat import FlatParameters
    from explorer.train.stats import StatisticsCollector

    model = torch.nn.Linear(2, 2)
    flat = FlatParameters(list(model.named_parameters()))
    return StatisticsCollector(flat, ["linear_1"] * flat.count, 1, torch.device("cpu"))


def test_the_spread_of_outputs_far_from_zero_is_read_without_cancellation():
    """E[x²]−E[x]² loses every digit of a unit spread around 1e4 in float32; var_mean does not."""
    torch.manual_seed(0)
    far = {f"far_{i}": 1e4 + torch.randn(64, 32) for i in range(3)}  # equal shapes: stacked
    far["alone"] = 1e4 + torch.randn(50, 7)  # a shape of its own: read by itself
    near = {"near": torch.randn(64, 32, dtype=torch.bfloat16) * 3 + 1}  # half precision too
    nodes = collector_for_outputs().read(activations={**far, **near}).nodes
    for node_id, value in {**far, **near}.items():
        exact = value.double()
        assert nodes[node_id].act_mean == pytest.approx(float(exact.mean()), rel=1e-6)
        assert nodes[node_id].act_std == pytest.approx(float(exact.std(correction=0)), rel=1e-3)
    for node_id in far:
        assert nodes[node_id].act_std == pytest.approx(1.0, abs=0.1)
