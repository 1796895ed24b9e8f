"""Shared test setup: Qt runs offscreen; hypothesis stays quick on two cores."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Two test workers share two cores: one torch thread each, or they trip over each other.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# `pytest --hypothesis-profile=thorough tests/graph/test_edit_machine.py`: thousands of sessions.
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")
