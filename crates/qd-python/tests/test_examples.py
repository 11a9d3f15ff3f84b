"""The examples run: many queries on Ray (2 local workers), and the planar-hand RRT notebook."""

from __future__ import annotations

import pathlib
import sys

import numpy as np
import pytest

import qd

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))


def test_ray_runs_queries_on_two_workers():
    ray = pytest.importorskip("ray")
    import ray_queries

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        rows = ray_queries.run_queries("planar-hand", 4, seed=0, max_nodes=300)
    finally:
        ray.shutdown()
    assert [r["query"] for r in rows] == [0, 1, 2, 3]
    # A query on Ray is the same query run here: planners are deterministic by seed.
    scene = qd.Scene.builtin("planar-hand")
    for row in rows[:2]:
        plan = qd.plan_rrt(scene, seed=row["query"], goal=scene.sample_goal(row["query"]), max_nodes=300)
        assert row["success"] == plan.success
        assert row["nodes"] == len(plan.arrays["tree_q"])


def test_planar_hand_notebook_plots_the_angle(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    import planar_hand_rrt

    output = tmp_path / "angle.png"
    plan = planar_hand_rrt.plan_and_plot(1, str(output))
    assert plan.reached
    image = matplotlib.image.imread(output)
    assert image.shape[0] > 100 and image.shape[1] > 100
    # Not blank: the blue angle curve is drawn.
    blue = (image[..., 2] > 0.6) & (image[..., 0] < 0.3)
    assert blue.sum() > 200
