"""Bad input raises a clear Python exception: never a crash, never a silent NaN."""

from __future__ import annotations

import numpy as np
import pytest

import qd


# A scene file's free ball (docs/scene-format.md).
BALL = """
[[objects]]
name = "ball"
joint = { type = "planar", axes = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]] }
mass = 1.0
inertia = [0.004, 0.004, 0.004]
default_q = [0.0, 0.5, 0.0]
[[objects.collisions]]
shape = { sphere = { radius = 0.1 } }
"""


@pytest.fixture(scope="module")
def qu(planar_hand):
    q = planar_hand.default_q
    return q, planar_hand.actuated_positions(q)


@pytest.mark.parametrize(
    "make_q, make_u, message",
    [
        (lambda q: q[:3], lambda u: u, r"q must have shape \(7,\), got \(3,\)"),
        (lambda q: q.reshape(7, 1), lambda u: u, r"q must have shape \(7,\), got \(7, 1\)"),
        (lambda q: q, lambda u: np.append(u, 0.0), r"u must have shape \(4,\), got \(5,\)"),
        (lambda q: np.where(np.arange(7) == 2, np.nan, q), lambda u: u, r"q\[2\] is NaN"),
        (lambda q: q, lambda u: np.full(4, np.inf), r"u\[0\] is inf"),
    ],
)
def test_bad_shapes_and_values_raise_value_error(planar_hand, qu, make_q, make_u, message):
    q, u = qu
    with pytest.raises(ValueError, match=message):
        planar_hand.step(make_q(q.copy()), make_u(u.copy()))


def test_non_numeric_input_raises(planar_hand, qu):
    q, u = qu
    with pytest.raises((TypeError, ValueError)):
        planar_hand.step(["a"] * 7, u)


def test_batch_shapes_are_checked(planar_hand, qu):
    q, u = qu
    with pytest.raises(ValueError, match=r"Q must have shape \(N, 7\), got \(7,\)"):
        planar_hand.step_batch(q, np.tile(u, (1, 1)))
    with pytest.raises(ValueError, match="Q has 2 rows and U has 3"):
        planar_hand.step_batch(np.tile(q, (2, 1)), np.tile(u, (3, 1)))
    bad = np.tile(q, (3, 1))
    bad[1, 4] = np.nan
    with pytest.raises(ValueError, match=r"Q\[1, 4\] is NaN"):
        planar_hand.step_batch(bad, np.tile(u, (3, 1)))


def test_unknown_names_and_options_raise_value_error(planar_hand, qu):
    q, u = qu
    with pytest.raises(ValueError, match="no built-in scene 'planar_hand'.*planar-hand"):
        qd.Scene.builtin("planar_hand")
    with pytest.raises(ValueError, match="unknown mode 'SOCP2'.*socp"):
        planar_hand.step(q, u, mode="SOCP2")
    with pytest.raises(ValueError, match="unknown gradients"):
        planar_hand.step(q, u, gradients="c")
    with pytest.raises(ValueError, match="kappa must be within"):
        planar_hand.step(q, u, mode="log_barrier_cone", kappa=1e-300)
    with pytest.raises(ValueError, match="kappa must be within"):
        planar_hand.step(q, u, kappa=float("nan"))
    with pytest.raises(ValueError, match="unknown method"):
        qd.smooth(planar_hand, q, u, method="bundled")
    with pytest.raises(ValueError, match="unknown method"):
        qd.plan_trajopt(planar_hand, method="fast")
    with pytest.raises(ValueError, match="unknown model 'linear'"):
        qd.plan_trajopt(planar_hand, model="linear")


def test_smoothing_parameters_are_checked(planar_hand, qu):
    q, u = qu
    with pytest.raises(ValueError):
        qd.smooth(planar_hand, q, u, method="randomized", sigma=-1.0)
    with pytest.raises(ValueError):
        qd.smooth(planar_hand, q, u, method="randomized", samples=0)


def test_scene_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        qd.Scene.from_file(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = 'x'\n[[objects]\n")
    with pytest.raises(ValueError, match="broken.toml"):
        qd.Scene.from_file(broken)
    misspelt = tmp_path / "misspelt.toml"
    misspelt.write_text(
        "name = 'm'\n[parameters]\nkapa = 3.0\n"
        + BALL
    )
    with pytest.raises(ValueError, match="kapa"):
        qd.Scene.from_file(misspelt)


def test_plans_need_a_task(tmp_path):
    scene_file = tmp_path / "no_task.toml"
    scene_file.write_text(
        "name = 'free-ball'\n"
        + BALL
    )
    scene = qd.Scene.from_file(scene_file)
    assert scene.task is None
    with pytest.raises(ValueError, match="no \\[task\\]"):
        qd.plan_rrt(scene)
    with pytest.raises(ValueError, match="task"):
        qd.plan_trajopt(scene)
    with pytest.raises(ValueError, match="no \\[task\\]"):
        scene.object_error(scene.default_q)


def test_rrt_goal_outside_the_region_or_of_the_wrong_size(planar_hand):
    with pytest.raises(ValueError, match=r"goal must have shape \(3,\)"):
        qd.plan_rrt(planar_hand, goal=[0.0, 0.3])
    with pytest.raises((ValueError, qd.QdError), match="sampling region"):
        qd.plan_rrt(planar_hand, goal=[5.0, 0.3, 1.0])


def test_load_plan_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        qd.load_plan(tmp_path / "none.json")
    not_json = tmp_path / "bad.json"
    not_json.write_text("{ not json")
    with pytest.raises(ValueError, match="not JSON"):
        qd.load_plan(not_json)
    not_plan = tmp_path / "other.json"
    not_plan.write_text('{"planner": "trajopt"}')
    with pytest.raises(ValueError, match="no field 'q'"):
        qd.load_plan(not_plan)
    npz = tmp_path / "arrays.npz"
    np.savez(npz, q=np.zeros(3))
    with pytest.raises(ValueError, match="arrays only"):
        qd.load_plan(npz)
