"""Gradients on the canvas: nodes and wires take the colour of their gradient size, hover
shows the numbers, a legend explains the colours, and the colours go when the graph's
structure changes or when asked."""

from types import SimpleNamespace

from explorer.app.runs.buffers import NODE_STATS
from explorer.app.runs.gradient_colours import (
    LOG_MAX,
    LOG_MIN,
    describe_size,
    gradient_colour,
    heat_for,
    ramp_colour,
)
from explorer.graph import Move, SetParams, recipes


def stats(**values):
    return SimpleNamespace(**{name: values.get(name) for name in NODE_STATS})


def step_record(step=120):
    nodes = {"input_1": stats(act_mean=0.1, act_std=0.9),
             "linear_1": stats(grad_norm=1e-7, grad_mean_abs=1e-9, act_std=0.5),
             "res_1": stats(grad_norm=0.1, weight_norm=3.0),
             "res_3": stats(grad_norm=500.0, update_ratio=0.02)}
    return SimpleNamespace(step=step, nodes=nodes)


def test_the_ramp_runs_from_dark_blue_through_yellow_to_red():
    vanishing, healthy, exploding = ramp_colour(LOG_MIN), ramp_colour(-1.0), ramp_colour(LOG_MAX)
    assert vanishing.blue() > vanishing.red() and vanishing.lightness() < 80
    assert healthy.red() > 200 and healthy.green() > 180 and healthy.blue() < 100
    assert exploding.red() > 200 and exploding.green() < 80
    assert ramp_colour(LOG_MIN - 5) == vanishing and ramp_colour(LOG_MAX + 5) == exploding
    assert gradient_colour(0.0) == vanishing
    assert gradient_colour(float("inf")) == exploding
    assert gradient_colour(None) is None and gradient_colour(float("nan")) is None
    assert [describe_size(v) for v in (1e-9, 1e-3, 0.1, 50.0)] == \
        ["vanishing", "small", "healthy", "large"]


def test_heat_colours_only_nodes_with_gradients_and_words_their_numbers():
    heat = heat_for(step_record().nodes, 120)
    assert set(heat) == {"linear_1", "res_1", "res_3"}
    colour, lines = heat["linear_1"]
    assert colour == gradient_colour(1e-7)
    assert lines[0] == "At step 120: gradient vanishing"
    assert "Gradient norm: 1e-07" in lines and "Output spread (std): 0.5" in lines


def show_network(window):
    """A network on the canvas, and numbers about it on their way (as when a run starts)."""
    window.document.replace(recipes.residual_mlp())
    window.training.heat.start_afresh()


def test_the_canvas_is_coloured_with_a_legend_and_hover_numbers(window, qtbot):
    show_network(window)
    heat, scene = window.training.heat, window.scene
    heat.show_record(step_record())
    assert scene.nodes["linear_1"].heat == gradient_colour(1e-7)
    assert scene.nodes["res_3"].heat == gradient_colour(500.0)
    assert scene.nodes["relu_1"].heat is None  # no weights, no gradient of its own
    assert "Gradient norm: 1e-07" in scene.nodes["linear_1"].toolTip()
    wires = {(e.src, e.dst): w for e, w in scene.wires.items()}
    assert wires[("linear_1", "relu_1")].heat == gradient_colour(1e-7)  # from its source
    assert wires[("input_1", "linear_1")].heat == gradient_colour(1e-7)  # else its target
    assert heat.legend.isVisible() and "step 120" in heat.legend.caption
    picture = window.view.grab()  # paints without trouble
    assert not picture.isNull()


def test_moving_keeps_the_colours_and_a_structural_change_clears_them(window):
    show_network(window)
    heat, scene, doc = window.training.heat, window.scene, window.document
    heat.show_record(step_record())
    doc.push(Move({"linear_1": (10.0, 400.0)}))
    assert scene.nodes["linear_1"].heat is not None
    doc.push(SetParams("res_1", {"out_features": 32}))
    assert all(item.heat is None for item in scene.nodes.values())
    assert all(wire.heat is None for wire in scene.wires.values())
    assert not heat.legend.isVisible()
    assert "Gradient norm" not in scene.nodes["linear_1"].toolTip()
    heat.show_record(step_record(130))  # the same run goes on: its numbers no longer fit
    assert scene.nodes["res_1"].heat is None
    heat.start_afresh()  # a new run
    heat.show_record(step_record(10))
    assert scene.nodes["res_1"].heat is not None


def test_the_view_menu_clears_and_switches_the_colours(window):
    show_network(window)
    heat, scene, actions = window.training.heat, window.scene, window.training.actions
    heat.show_record(step_record())
    actions["colours"].setChecked(False)
    assert scene.nodes["linear_1"].heat is None and not heat.legend.isVisible()
    actions["colours"].setChecked(True)
    assert scene.nodes["linear_1"].heat is not None
    actions["clear_colours"].trigger()
    assert scene.nodes["linear_1"].heat is None and heat.record is None


def test_opening_another_project_clears_the_colours(window):
    show_network(window)
    window.training.heat.show_record(step_record())
    window.document.replace(recipes.residual_mlp())
    assert all(item.heat is None for item in window.scene.nodes.values())
