"""Benchmark: `Scene.step_batch` against the Rust library's sequential loop over the same pairs.

    python crates/qd-python/benches/step_batch.py [--pairs 10000] [--output docs/python-benchmarks.md]

Run from the repository root with the package installed in release mode (`pip install
./crates/qd-python`); it builds and runs `examples/step_timing.rs` (release) for the Rust loop.
Both sides step the same (q, u) pairs (the planar hand pressing on its ball with random
commands) in the scene's exact mode; each figure is the best of three runs. The batch runs on
every core the machine has; the Rust loop on one.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

import numpy as np

import qd

ROOT = pathlib.Path(__file__).resolve().parents[3]


def pairs(scene: qd.Scene, count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    q0 = np.array(scene.task["start_q"])
    lower, upper = scene.input_limits[:, 0], scene.input_limits[:, 1]
    Q = np.tile(q0, (count, 1))
    Q[:, scene.actuated] = np.clip(Q[:, scene.actuated] + rng.uniform(-0.02, 0.02, (count, scene.na)), lower, upper)
    U = np.clip(Q[:, scene.actuated] + rng.uniform(-0.15, 0.15, (count, scene.na)), lower, upper)
    return Q, U


def rust_loop(scene: str, Q: np.ndarray, U: np.ndarray, gradients: str) -> dict:
    payload = json.dumps(
        {"scene": scene, "mode": "socp", "gradients": gradients, "q": Q.tolist(), "u": U.tolist()}
    )
    done = subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "qd-python", "--example", "step_timing"],
        cwd=ROOT, input=payload, capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout)


def python_batch(scene: qd.Scene, Q: np.ndarray, U: np.ndarray, gradients: str) -> tuple[float, float]:
    best = float("inf")
    checksum = 0.0
    for _ in range(3):
        start = time.perf_counter()
        result = scene.step_batch(Q, U, mode="socp", gradients=gradients)
        best = min(best, time.perf_counter() - start)
        checksum = float(result.q_next.sum())
    return best / len(Q), checksum


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--output", default=None, help="write a Markdown table here")
    args = parser.parse_args(argv)
    scene = qd.Scene.builtin("planar-hand")
    Q, U = pairs(scene, args.pairs)
    lines = [
        f"| gradients | Rust loop, 1 thread (µs/step) | `step_batch`, {os.cpu_count()} threads (µs/step) | ratio batch / loop |",
        "|---|---|---|---|",
    ]
    for gradients in ["none", "b"]:
        rust = rust_loop("planar-hand", Q, U, gradients)
        batch, checksum = python_batch(scene, Q, U, gradients)
        if abs(checksum - rust["checksum"]) > 1e-9 * max(1.0, abs(checksum)):
            print(f"checksums differ: {checksum} vs {rust['checksum']}", file=sys.stderr)
            return 1
        ratio = batch / rust["seconds_per_step"]
        lines.append(
            f"| {gradients} | {rust['seconds_per_step'] * 1e6:.1f} | {batch * 1e6:.1f} | {ratio:.2f} |"
        )
    header = (
        f"# Python batch benchmark\n\n`python crates/qd-python/benches/step_batch.py --pairs {args.pairs}`"
        f" on {platform.machine()} with {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}: planar-hand,"
        " exact (SOCP) steps of the same pairs; best of three runs each. The acceptance target is a"
        " ratio of at most 1.5 (docs/python.md).\n\n"
    )
    text = header + "\n".join(lines) + "\n"
    print(text)
    if args.output:
        pathlib.Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
