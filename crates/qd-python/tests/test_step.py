"""Scene.step and Scene.step_batch against the Rust library and against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import qd
from conftest import contact_pairs


@pytest.mark.parametrize(
    "scene_name, mode",
    [
        ("planar-hand", "socp"),
        ("planar-hand", "log_barrier_cone"),
        ("planar-hand", "qp"),
        ("allegro-sphere", "socp"),
        ("bimanual-iiwa", "log_barrier_pyramid"),
    ],
)
def test_step_equals_the_rust_library(rust_reference, scene_name, mode):
    scene = qd.Scene.builtin(scene_name)
    pairs = contact_pairs(scene, 3, seed=11)
    queries = [
        {"scene": scene_name, "q": q.tolist(), "u": u.tolist(), "mode": mode} for q, u in pairs
    ]
    references = rust_reference(queries)
    touched = 0
    for (q, u), reference in zip(pairs, references):
        result = scene.step(q, u, mode=mode, gradients="ab")
        assert result.mode == mode
        # Exact forms: the own solver, or Clarabel where its certificate fails.
        expected = ("barrier",) if mode.startswith("log_barrier") else ("own_exact", "clarabel")
        assert result.path in expected
        np.testing.assert_allclose(result.q_next, reference["q_next"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(result.B, reference["B"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(result.A, reference["A"], rtol=0, atol=1e-12)
        assert result.B.shape == (scene.nq, scene.na)
        assert result.A.shape == (scene.nq, scene.nq)
        touched += any(c.normal_impulse > 0 for c in result.contacts)
    # The pairs press on the object: the comparison covers contact, not free motion alone.
    assert touched > 0


def test_barrier_b_matches_finite_differences(planar_hand):
    """B of the smooth (barrier) step against central differences of q⁺ in u."""
    (q, u), = contact_pairs(planar_hand, 1, seed=5)
    result = planar_hand.step(q, u, mode="log_barrier_cone", kappa=10.0, gradients="b")
    eps = 1e-6
    fd = np.empty_like(result.B)
    for j in range(planar_hand.na):
        du = np.zeros(planar_hand.na)
        du[j] = eps
        plus = planar_hand.step(q, u + du, mode="log_barrier_cone", kappa=10.0, gradients="none")
        minus = planar_hand.step(q, u - du, mode="log_barrier_cone", kappa=10.0, gradients="none")
        fd[:, j] = (plus.q_next - minus.q_next) / (2 * eps)
    np.testing.assert_allclose(result.B, fd, atol=1e-5)


def test_contact_forces_lie_in_their_friction_cones(planar_hand):
    for q, u in contact_pairs(planar_hand, 5, seed=2):
        for contact in planar_hand.step(q, u).contacts:
            normal, tangent = contact.force[0], contact.force[1:]
            assert normal >= -1e-9
            # μ of the planar hand's pairs is at most 1 (docs/systems.md).
            assert np.linalg.norm(tangent) <= 1.0 * normal + 1e-7


@pytest.mark.parametrize("gradients", ["none", "b", "ab"])
def test_batch_equals_the_loop_bit_for_bit(planar_hand, gradients):
    pairs = contact_pairs(planar_hand, 40, seed=3)
    Q = np.array([q for q, _ in pairs])
    U = np.array([u for _, u in pairs])
    batch = planar_hand.step_batch(Q, U, gradients=gradients)
    assert len(batch) == 40
    assert batch.q_next.shape == (40, planar_hand.nq)
    for k, (q, u) in enumerate(pairs):
        single = planar_hand.step(q, u, gradients=gradients)
        assert np.array_equal(batch.q_next[k], single.q_next)
        assert batch.status[k] == single.status
        if gradients == "none":
            assert batch.B is None and batch.A is None
        else:
            assert np.array_equal(batch.B[k], single.B)
        if gradients == "ab":
            assert np.array_equal(batch.A[k], single.A)


def test_inputs_of_other_dtypes_and_lists_are_converted(planar_hand):
    q = planar_hand.default_q
    u = planar_hand.actuated_positions(q)
    from_arrays = planar_hand.step(q, u)
    from_lists = planar_hand.step(q.tolist(), u.tolist())
    assert np.array_equal(from_lists.q_next, from_arrays.q_next)
    assert from_lists.q_next.dtype == np.float64
    # float32 input is widened exactly: the same as widening it first.
    q32, u32 = q.astype(np.float32), u.astype(np.float32)
    from_float32 = planar_hand.step(q32, u32)
    widened = planar_hand.step(q32.astype(np.float64), u32.astype(np.float64))
    assert np.array_equal(from_float32.q_next, widened.q_next)


def test_scene_names_and_split(planar_hand):
    assert planar_hand.nq == len(planar_hand.coordinates) == 7
    assert sorted([*planar_hand.actuated, *planar_hand.unactuated]) == list(range(planar_hand.nq))
    assert "ball" in planar_hand.objects
    assert planar_hand.settings["forward_mode"] == "socp"
    task = planar_hand.task
    first, count = task["object_q"]
    assert np.array_equal(task["goal_configuration"][first:first + count], task["goal_q"])
    assert planar_hand.object_error(task["goal_configuration"]) == (0.0, 0.0)
    assert set(qd.Scene.builtin_names()) >= {"planar-hand", "allegro-sphere"}


def test_sampled_goals_are_reproducible_and_inside_the_region(planar_hand):
    a, b = planar_hand.sample_goal(4), planar_hand.sample_goal(4)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, planar_hand.sample_goal(5))
    assert a.shape == (3,)


def test_a_box_on_the_table_stands_on_its_four_corners():
    # The contact manifold (docs/geometry.md): one contact per bottom corner, each named by
    # its feature, carrying the box's weight together.
    scene = qd.Scene.builtin("box-on-table")
    q = scene.default_q
    u = q[scene.actuated]
    result = scene.step(q, u)
    corners = [c for c in result.contacts if c.b == "box/0" and c.feature != "closest"]
    assert len(corners) == 4
    assert len({c.feature for c in corners}) == 4
    h, weight = scene.settings["h"], 1.0 * 9.81
    assert sum(c.normal_impulse for c in corners) == pytest.approx(weight * h, rel=1e-6)
