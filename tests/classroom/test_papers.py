"""The published results the classroom demonstrations reproduce, checked by ratios.

Fixed seeds, the demonstrations' own settings, and comparisons of one run
with another, never absolute losses. These are the slowest tests in the
suite (a minute or so each on two cores): they train real networks.
"""

import pytest

from explorer.graph.demos import demo
from explorer.train.demos import run_demo


def _by_label(results):
    return {r.label: r for r in results}


@pytest.mark.slow
def test_highway_50_trains_where_plain_50_stalls():
    """Srivastava et al. 2015: at depth 50, highway beats plain by far; plain 50 < plain 10.

    Seed 0 only; benchmarks/bench_classroom.py checks seeds 0-4 (plain-50 / highway-50:
    4 to 12 times on spirals)."""
    chosen = demo("highway_vs_plain")
    wanted = [v for v in chosen.variants if v.label != "highway, 10 layers"]
    chosen = type(chosen)(**{**chosen.__dict__, "variants": tuple(wanted)})
    results = _by_label(run_demo(chosen, seed=0).results)
    plain10 = results["plain, 10 layers"].final_train_loss
    plain50 = results["plain, 50 layers"].final_train_loss
    highway50 = results["highway, 50 layers"].final_train_loss
    assert all(r.status == "done" for r in results.values())
    assert highway50 * 3 <= plain50, (highway50, plain50)
    assert plain50 > plain10, (plain50, plain10)


@pytest.mark.slow
def test_lesions_hurt_a_plain_net_and_barely_touch_a_residual_one():
    """Veit et al. 2016: remove one middle block after training."""
    chosen = demo("lesion")
    outcome = run_demo(chosen, steps=1500)
    residual = outcome.lesions["residual, 8 blocks"]
    plain = outcome.lesions["plain, 17 layers"]
    assert residual.baseline_accuracy > 0.9 and plain.baseline_accuracy > 0.9
    middle_residual = residual.lesions[len(residual.lesions) // 2]
    middle_plain = plain.lesions[len(plain.lesions) // 2]
    assert residual.drop(middle_residual) < 15, middle_residual
    assert 100 * (middle_plain.accuracy - plain.chance) < 15, middle_plain
