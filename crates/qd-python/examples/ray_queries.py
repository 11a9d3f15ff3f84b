"""Many RRT planning queries in parallel on Ray: random goals of a task, one query per task.

    python ray_queries.py --scene planar-hand --queries 20 --workers 2

``ray.init()`` starts a local Ray; run the same script on a cluster node (with
``RAY_ADDRESS`` set, or ``--address auto``) and the queries spread over the cluster unchanged.
Each query draws its goal from the task's sampling region (``Scene.sample_goal``), plans with
``qd.plan_rrt`` and reports success, time and tree size; the table is printed, and saved as
CSV with ``--csv FILE``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from typing import Optional

import ray

import qd


@ray.remote(num_cpus=1)
def plan_query(scene_name: str, index: int, seed: int, max_nodes: Optional[int]) -> dict:
    """One query: the goal of stream ``seed + index``, planned with seed ``seed + index``."""
    scene = qd.Scene.builtin(scene_name)
    goal = scene.sample_goal(seed + index)
    start = time.perf_counter()
    plan = qd.plan_rrt(scene, seed=seed + index, goal=goal, max_nodes=max_nodes)
    seconds = time.perf_counter() - start
    arrays = plan.arrays
    error = plan.final_error
    return {
        "query": index,
        "goal": " ".join(f"{g:.3f}" for g in goal),
        "success": plan.success,
        "reached": plan.reached,
        "seconds": round(seconds, 3),
        "nodes": int(len(arrays["tree_q"])),
        "plan_steps": int(len(arrays["u"])) if "u" in arrays else 0,
        "final_position_error": None if error is None else error[0],
        "final_angle_error": None if error is None else error[1],
    }


def run_queries(
    scene: str, queries: int, seed: int = 0, max_nodes: Optional[int] = None
) -> list[dict]:
    """Runs the queries as Ray tasks (Ray must be initialised) and returns their rows in order."""
    futures = [plan_query.remote(scene, i, seed, max_nodes) for i in range(queries)]
    return ray.get(futures)


def print_table(rows: list[dict], file=sys.stdout) -> None:
    """A plain-text table of the rows, and a one-line summary."""
    columns = ["query", "success", "reached", "seconds", "nodes", "plan_steps", "goal"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns), file=file)
    for row in rows:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in columns), file=file)
    succeeded = sum(r["success"] for r in rows)
    total = sum(r["seconds"] for r in rows)
    print(f"{succeeded}/{len(rows)} reached their goal; {total:.1f} s of planning", file=file)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", default="planar-hand")
    parser.add_argument("--queries", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None, help="local CPUs for Ray")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-nodes", type=int, default=None)
    parser.add_argument("--address", default=None, help="a Ray cluster address ('auto')")
    parser.add_argument("--csv", default=None, help="also write the table here")
    args = parser.parse_args(argv)
    if args.address:
        ray.init(address=args.address)
    else:
        ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    started = time.perf_counter()
    rows = run_queries(args.scene, args.queries, args.seed, args.max_nodes)
    print_table(rows)
    print(f"wall-clock {time.perf_counter() - started:.1f} s")
    if args.csv:
        with open(args.csv, "x", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
