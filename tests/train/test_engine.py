"""The training loop: reproducible, controllable, and every failure ends as a clear reason."""

import pickle
import threading

import pytest
import torch

from explorer.graph import recipes
from explorer.train import Callback, RunControl, Trainer, plan_run, train

from .train_helpers import SMALL_SPIRALS, Losses, PoisonWeights, RaiseAt, tiny_mlp


def run(project, *callbacks, control=None, **settings):
    listener = Losses()
    ended = Trainer(plan_run(project, **settings), [listener, *callbacks], control).run()
    return ended, listener


def test_same_seed_same_losses_in_deterministic_mode():
    first = run(tiny_mlp(deterministic=True, seed=3))[1].losses
    second = run(tiny_mlp(deterministic=True, seed=3))[1].losses
    other = run(tiny_mlp(deterministic=True, seed=4))[1].losses
    assert len(first) == 20
    assert first == second
    assert first != other
    assert not torch.are_deterministic_algorithms_enabled(), "the global switch is put back"


def test_logging_more_often_does_not_change_the_training():
    assert run(tiny_mlp(log_every=1))[1].losses == run(tiny_mlp(log_every=7))[1].losses


def test_records_come_every_log_every_steps_and_at_the_end():
    ended, seen = run(tiny_mlp(steps=25, log_every=10))
    assert ended.status == "done" and ended.step == 25
    assert [r.step for r in seen.records] == [10, 20, 25]
    assert seen.records[-1].val_loss is not None and seen.records[-1].val_accuracy is not None
    assert 0 <= seen.records[-1].train_accuracy <= 1
    assert seen.ended is ended and ended.last is seen.records[-1]


def test_epochs_set_the_number_of_steps():
    plan = plan_run(tiny_mlp(epochs=3, batch_size=16))
    assert plan.steps_per_epoch == len(plan.dataset.x_train) // 16
    ended, seen = run(tiny_mlp(epochs=3, batch_size=16, log_every=plan.steps_per_epoch))
    assert ended.step == 3 * plan.steps_per_epoch
    assert [r.epoch for r in seen.records] == [1, 2, 3]


def test_training_lowers_the_loss():
    project = recipes.mlp(2, 16, dataset="moons", dataset_options={"points": 200}, steps=150,
                          lr=0.03, batch_size=32, log_every=50)
    ended, seen = run(project)
    assert ended.ok
    assert seen.records[-1].train_loss < 0.8 * seen.records[0].train_loss


def test_a_nan_loss_stops_the_run_and_names_the_node_it_came_from():
    ended, seen = run(tiny_mlp(), PoisonWeights("linear_2", step=2))
    assert ended.status == "failed"
    assert ended.node_id == "linear_2"
    assert ended.step == 2
    assert "step 3" in ended.reason and "'linear_2'" in ended.reason and "NaN" in ended.reason
    assert len(seen.losses) == 2


def test_nan_in_the_training_data_is_named_as_such():
    project = tiny_mlp()
    plan = plan_run(project)
    plan.dataset.x_train[:] = float("nan")
    ended = Trainer(plan).run()
    assert ended.status == "failed" and ended.node_id == "input_1"
    assert "training data" in ended.reason


def test_an_exception_ends_the_run_as_failed_and_listeners_hear_of_it():
    errors = []

    class Hears(Callback):
        def on_exception(self, error, step):
            errors.append((type(error), step))

    ended, seen = run(tiny_mlp(), RaiseAt(4, ValueError("the sky fell")), Hears())
    assert ended.status == "failed"
    assert ended.reason == "Training stopped with an error at step 4: the sky fell"
    assert "Traceback" in ended.details
    assert errors == [(ValueError, 4)]
    assert seen.ended is ended


def test_running_out_of_memory_says_what_to_do():
    ended, _ = run(tiny_mlp(), RaiseAt(2, torch.OutOfMemoryError("CUDA out of memory.")))
    assert ended.status == "failed"
    assert "Ran out of memory at step 2" in ended.reason and "batch size" in ended.reason


def test_a_listener_that_fails_at_the_end_does_not_hide_the_outcome(capsys):
    class Broken(Callback):
        def on_end(self, ended):
            raise RuntimeError("listener bug")

    ended, seen = run(tiny_mlp(), Broken())
    assert ended.ok and seen.ended is ended
    assert "listener bug" in capsys.readouterr().err


def test_pause_single_step_resume_and_stop_from_another_thread():
    control = RunControl()
    states = []

    class PauseAt(Callback):
        def on_batch_end(self, step, loss):
            if step == 3:
                control.pause()

        def on_state(self, change):
            states.append((change.state, change.step))

    def operator():
        while ("paused", 3) not in states:
            threading.Event().wait(0.01)
        control.step()
        control.step()
        while len(seen.losses) < 5:
            threading.Event().wait(0.01)
        control.resume()

    seen = Losses()
    thread = threading.Thread(target=operator)
    thread.start()
    ended = Trainer(plan_run(tiny_mlp(steps=12, log_every=10)), [seen, PauseAt()],
                    control).run()
    thread.join()
    assert ended.ok and ended.step == 12
    assert states[0] == ("paused", 3) and ("running", 5) in states
    assert [r.step for r in seen.records] == [4, 5, 10, 12], "single steps are logged in full"


def test_stop_ends_the_run_as_stopped_after_the_current_step():
    control = RunControl()

    class StopAt(Callback):
        def on_batch_end(self, step, loss):
            if step == 5:
                control.stop()

    ended, _ = run(tiny_mlp(steps=50), StopAt(), control=control)
    assert ended.status == "stopped" and ended.step == 5
    assert ended.reason == "Stopped at step 5."


def test_zero_init_residual_starts_every_branch_at_zero():
    class FirstWeights(Callback):
        def on_after_backward(self, step, model):
            if step == 1:
                self.state = {k: v.clone() for k, v in model.state_dict().items()}

    project = recipes.residual_mlp(2, 8, dataset_options=SMALL_SPIRALS, steps=1)
    for flag, expect_zero in ((True, True), (False, False)):
        seen = FirstWeights()
        Trainer(plan_run(project, zero_init_residual=flag), [seen]).run()
        last = [v for k, v in seen.state.items() if k.startswith("res_") and "fc2.weight" in k]
        assert len(last) == 2
        assert all(bool((w == 0).all()) == expect_zero for w in last)


@pytest.mark.parametrize(("scheme", "std"), [("he", lambda fan_in, fan_out: (2 / fan_in) ** 0.5),
                                             ("glorot", lambda fan_in, fan_out:
                                              (2 / (fan_in + fan_out)) ** 0.5)])
def test_he_and_glorot_initialisation_set_the_weight_spread(scheme, std):
    class FirstWeights(Callback):
        def on_after_backward(self, step, model):
            self.weight = model.get_submodule("linear_2").weight.detach().clone()

    seen = FirstWeights()
    project = recipes.mlp(2, 256, dataset_options=SMALL_SPIRALS, steps=1, init=scheme)
    Trainer(plan_run(project), [seen]).run()
    assert float(seen.weight.std()) == pytest.approx(std(256, 256), rel=0.05)


def test_train_writes_a_run_folder_when_asked(tmp_path):
    ended = train(tiny_mlp(), out=tmp_path)
    assert ended.ok
    assert ended.run_dir is not None and str(tmp_path) in ended.run_dir


def test_records_hold_only_plain_values_and_pickle_small():
    ended, seen = run(recipes.highway_mlp(3, 12, dataset_options=SMALL_SPIRALS, steps=10,
                                          log_every=10))
    record = seen.records[-1]
    values = list(vars(record).values()) + [v for s in record.nodes.values()
                                            for v in vars(s).values()]
    assert all(type(v) in (int, float, str, dict, type(None)) for v in values)
    assert len(pickle.dumps(record)) < 8000
    assert len(pickle.dumps(ended)) < 10000


def test_gradient_checkpointing_recomputes_blocks_with_the_same_results():
    project = recipes.residual_mlp(3, 16, dataset_options=SMALL_SPIRALS, steps=8,
                                   log_every=4)
    recomputed = []

    class CountsForwards(Callback):
        def on_after_backward(self, step, model):
            if step == 1:
                recomputed.append(model.get_submodule("res_1").forward.__name__)

    plain = run(project, checkpointing=False)[1]
    checkpointed = run(project, CountsForwards(), checkpointing=True)[1]
    assert recomputed == ["forward_with_checkpoint"]
    assert checkpointed.losses == pytest.approx(plain.losses, rel=1e-6)
    grads = [r.nodes["res_2"].grad_norm for r in (plain.records[-1], checkpointed.records[-1])]
    assert grads[0] == pytest.approx(grads[1], rel=1e-5)
