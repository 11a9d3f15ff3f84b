"""Shared fixtures: scenes, and reference values computed by the Rust library directly."""

from __future__ import annotations

import json
import pathlib
import subprocess

import numpy as np
import pytest

import qd

ROOT = pathlib.Path(__file__).resolve().parents[3]


def cargo_run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    """Runs a workspace binary in release mode (the README's `cargo test --workspace --release`
    and `pip install ./crates/qd-python` have built it already)."""
    return subprocess.run(
        ["cargo", "run", "-q", "--release", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="session")
def rust_reference():
    """A function mapping queries [{"scene", "q", "u", "mode", "kappa"}] to the Rust library's
    answers [{"q_next", "B", "A"}], from `examples/reference_values.rs` (no Python binding
    involved)."""

    def reference(queries: list[dict]) -> list[dict]:
        done = cargo_run(
            ["-p", "qd-python", "--example", "reference_values"], stdin=json.dumps(queries)
        )
        assert done.returncode == 0, done.stderr
        answers = json.loads(done.stdout)
        return [
            {
                "q_next": np.array(a["q_next"]),
                "B": np.array(a["B"]),
                "A": None if a["A"] is None else np.array(a["A"]),
            }
            for a in answers
        ]

    return reference


@pytest.fixture(scope="session")
def qd_cli():
    """Runs the `qd` command (the CLI crate, release)."""

    def run(*args: str) -> subprocess.CompletedProcess:
        return cargo_run(["-p", "qd-cli", "--", *args])

    return run


@pytest.fixture(scope="session")
def planar_hand() -> qd.Scene:
    return qd.Scene.builtin("planar-hand")


def contact_pairs(scene: qd.Scene, count: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(q, u) pairs with the robots pressing on the object: the task's start, the robots'
    commands pushed toward and past their start by random amounts."""
    rng = np.random.default_rng(seed)
    q0 = np.array(scene.task["start_q"])
    lower, upper = scene.input_limits[:, 0], scene.input_limits[:, 1]
    pairs = []
    for _ in range(count):
        q = q0.copy()
        q[scene.actuated] = np.clip(q[scene.actuated] + rng.uniform(-0.02, 0.02, scene.na), lower, upper)
        u = np.clip(scene.actuated_positions(q) + rng.uniform(-0.15, 0.15, scene.na), lower, upper)
        pairs.append((q, u))
    return pairs
