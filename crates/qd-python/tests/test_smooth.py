"""qd.smooth: the smoothed linearisation, against the step it smooths and against itself."""

from __future__ import annotations

import numpy as np
import pytest

import qd
from conftest import contact_pairs


@pytest.fixture(scope="module")
def pair(planar_hand):
    (q, u), = contact_pairs(planar_hand, 1, seed=21)
    return q, u


def test_exact_is_the_step_and_its_derivatives(planar_hand, pair):
    q, u = pair
    lin = qd.smooth(planar_hand, q, u, method="exact", gradients="ab")
    step = planar_hand.step(q, u, gradients="ab")
    assert np.array_equal(lin.c, step.q_next)
    assert np.array_equal(lin.B, step.B_v)
    assert np.array_equal(lin.A, step.A_v)
    assert (lin.samples, lin.valid, lin.dropped) == (1, 1, 0)


def test_analytic_is_the_barrier_step(planar_hand, pair):
    q, u = pair
    lin = qd.smooth(planar_hand, q, u, method="analytic", kappa=5.0)
    step = planar_hand.step(q, u, mode="log_barrier_cone", kappa=5.0, gradients="b")
    np.testing.assert_allclose(lin.c, step.q_next, rtol=0, atol=1e-12)
    np.testing.assert_allclose(lin.B, step.B_v, rtol=0, atol=1e-12)


def test_randomized_is_reproducible_by_seed(planar_hand, pair):
    q, u = pair
    a = qd.smooth(planar_hand, q, u, method="randomized", samples=32, sigma=0.05, seed=9)
    b = qd.smooth(planar_hand, q, u, method="randomized", samples=32, sigma=0.05, seed=9)
    c = qd.smooth(planar_hand, q, u, method="randomized", samples=32, sigma=0.05, seed=10)
    assert np.array_equal(a.B, b.B) and np.array_equal(a.c, b.c)
    assert not np.array_equal(a.B, c.B)
    assert a.B_stderr is not None and a.B_stderr.shape == a.B.shape
    assert a.valid + a.dropped == a.samples == 32


def test_randomized_mean_agrees_with_its_standard_error(planar_hand, pair):
    """Two independent bundled estimates differ by about their combined standard error."""
    q, u = pair
    a = qd.smooth(planar_hand, q, u, samples=200, sigma=0.05, seed=1)
    b = qd.smooth(planar_hand, q, u, samples=200, sigma=0.05, seed=2)
    spread = np.sqrt(a.B_stderr**2 + b.B_stderr**2) + 1e-9
    assert np.max(np.abs(a.B - b.B) / spread) < 6.0


def test_zero_order_fits_the_sampled_steps(planar_hand, pair):
    q, u = pair
    lin = qd.smooth(planar_hand, q, u, method="zero_order", samples=64, sigma=0.05, seed=3)
    first = qd.smooth(planar_hand, q, u, method="randomized", samples=64, sigma=0.05, seed=3)
    assert lin.B.shape == (planar_hand.nv, planar_hand.na)
    # Both estimate the same smoothed B: the robot rows are the identity in either.
    np.testing.assert_allclose(lin.B[: planar_hand.na], first.B[: planar_hand.na], atol=0.2)
