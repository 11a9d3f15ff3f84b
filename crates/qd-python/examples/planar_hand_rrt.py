"""The planar hand's RRT through contact, from Python: plan, save, and plot the ball's angle.

    python planar_hand_rrt.py [--seed 1] [--output angle.png]

Runs ``qd.plan_rrt`` on the built-in planar-hand task (turn the ball by π in place), prints
what the planner did, and plots the ball's angle over the executable plan with matplotlib,
regrasp transitions shaded. Written as cells (``# %%``) so it runs as a Jupyter notebook too.
"""

# %%
from __future__ import annotations

import argparse
import sys
from typing import Optional

import matplotlib

matplotlib.use("Agg")  # files, not windows; remove in a notebook
import matplotlib.pyplot as plt
import numpy as np

import qd


def plan_and_plot(seed: int, output: str) -> qd.Plan:
    """Plans the task with `seed` and writes the angle plot to `output` (PNG)."""
    # %% The scene and its task.
    scene = qd.Scene.builtin("planar-hand")
    task = scene.task
    first, count = task["object_q"]
    angle_index = first + count - 1  # the planar ball's θ
    print(scene)
    print("goal:", task["goal_q"], "tolerances:", task["position_tolerance"], task["angle_tolerance"])

    # %% Plan: the tree, then the executable plan at h / refine_factor.
    plan = qd.plan_rrt(scene, seed=seed)
    arrays = plan.arrays
    print(plan)
    print(f"{len(arrays['tree_q'])} nodes, {len(arrays['path'])} on the path, {plan.seconds:.2f} s")
    if plan.q is None:
        raise SystemExit("the tree did not reach the goal; try another seed")

    # %% The ball's angle over the plan.
    q = plan.q
    t = np.arange(len(q)) * plan.h
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for start, end, kind in zip(
        arrays["interval_start"], arrays["interval_end"], arrays["interval_kind"]
    ):
        if kind == 1:
            ax.axvspan(start * plan.h, end * plan.h, color="tab:purple", alpha=0.15, lw=0)
    ax.plot(t, q[:, angle_index], color="tab:blue", label="ball angle θ")
    ax.axhline(task["goal_q"][-1], color="tab:green", ls="--", label="goal")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("θ (rad)")
    ax.set_title(f"planar-hand RRT, seed {seed} (shaded: regrasps)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(output, dpi=100)
    plt.close(fig)
    print("saved", output)
    return plan


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default="planar_hand_angle.png")
    args = parser.parse_args(argv)
    plan_and_plot(args.seed, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
