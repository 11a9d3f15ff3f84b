"""Planning from Python, and plans that go both ways between Python and the qd command."""

from __future__ import annotations

import json

import numpy as np
import pytest

import qd


@pytest.fixture(scope="module")
def short_trajopt(planar_hand):
    return qd.plan_trajopt(planar_hand, iterations=2, horizon=5)


@pytest.fixture(scope="module")
def rrt_plan(planar_hand):
    return qd.plan_rrt(planar_hand, seed=1)


def test_trajopt_plan_arrays(planar_hand, short_trajopt):
    plan = short_trajopt
    assert plan.planner == "trajopt" and plan.scene == "planar-hand"
    assert plan.q.shape == (6, planar_hand.nq)
    assert plan.u.shape == (5, planar_hand.na)
    assert plan.h == pytest.approx(planar_hand.h)
    assert len(plan.arrays["cost"]) == 3  # the initial rollout and two iterations
    # The cost never increases: each iteration keeps the better trajectory.
    assert np.all(np.diff(plan.arrays["cost"]) <= 0)
    record = plan.record
    assert record["plan"]["states"] == plan.q.tolist()


def test_receding_horizon_reports_its_control_rate(planar_hand):
    plan = qd.plan_trajopt(planar_hand, receding=True, model="input_only", horizon=5)
    receding = plan.record["receding"]
    assert receding["settings"]["model"] == "input_only"
    assert len(receding["controller_seconds"]) == 5
    mean = sum(receding["controller_seconds"]) / 5
    assert receding["control_rate"] == pytest.approx(1.0 / mean)
    assert receding["real_time_rate"] == pytest.approx(1.0 / planar_hand.h)


def test_rrt_plan_reaches_the_goal(planar_hand, rrt_plan):
    plan = rrt_plan
    assert plan.success and plan.reached
    position, angle = plan.final_error
    assert position <= planar_hand.task["position_tolerance"]
    assert angle <= planar_hand.task["angle_tolerance"]
    assert planar_hand.object_error(plan.q[-1]) == pytest.approx((position, angle), abs=1e-12)
    arrays = plan.arrays
    assert arrays["parent"][0] == -1 and arrays["edge"][0] == 0
    assert arrays["interval_end"][-1] == len(plan.u)


def test_save_and_load_round_trip(tmp_path, rrt_plan):
    path = tmp_path / "plan.json"
    rrt_plan.save(path)
    loaded = qd.load_plan(path)
    assert loaded.record == rrt_plan.record
    npz = tmp_path / "plan.npz"
    rrt_plan.save(npz)
    with np.load(npz) as saved:
        assert sorted(saved.files) == sorted(rrt_plan.arrays)
        for name, array in rrt_plan.arrays.items():
            assert np.array_equal(saved[name], array), name
            assert saved[name].dtype == array.dtype


def test_existing_files_are_kept_unless_asked(tmp_path, short_trajopt):
    path = tmp_path / "mine.json"
    path.write_text("my notes")
    with pytest.raises(FileExistsError):
        short_trajopt.save(path)
    assert path.read_text() == "my notes"
    short_trajopt.save(path, overwrite=True)
    assert json.loads(path.read_text())["planner"] == "trajopt"
    with pytest.raises(ValueError, match=r"\.json or \.npz"):
        short_trajopt.save(tmp_path / "plan.csv")


def test_the_cli_replays_a_plan_saved_by_python(tmp_path, qd_cli, rrt_plan):
    path = tmp_path / "from_python.json"
    rrt_plan.save(path)
    done = qd_cli("replay", str(path))
    assert done.returncode == 0, done.stderr
    assert "deviation" in done.stdout


def test_python_reads_a_plan_saved_by_the_cli(tmp_path, qd_cli, planar_hand):
    json_path, npz_path = tmp_path / "cli.json", tmp_path / "cli.npz"
    for path in (json_path, npz_path):
        args = ["plan", "planar-hand", "--iterations", "2", "--horizon", "5", "--quiet"]
        done = qd_cli(*args, "--output", str(path))
        assert done.returncode == 0, done.stderr
    loaded = qd.load_plan(json_path)
    with np.load(npz_path) as saved:
        for name, array in loaded.arrays.items():
            assert np.array_equal(saved[name], array), name
    # The same query from Python plans the same trajectory (the planner is deterministic).
    mine = qd.plan_trajopt(planar_hand, iterations=2, horizon=5)
    assert np.array_equal(mine.q, loaded.q) and np.array_equal(mine.u, loaded.u)
