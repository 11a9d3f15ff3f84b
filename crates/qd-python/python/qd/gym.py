"""A Gymnasium environment on the quasi-dynamic model: the same physics the planners use.

``QuasiDynamicEnv(scene)`` runs a scene's task (its start, goal object and tolerances):

- **action**: a change of the commanded joint positions, each entry in
  ``[-max_delta, max_delta]`` (rad or m per step); the new command is clipped to the joint
  limits;
- **observation**: q (``nq``), followed by the object's goal coordinates when
  ``goal_in_observation`` (the default);
- **reward**: minus the task cost ``position_weight * e_p**2 + angle_weight * e_a**2`` of the
  object's position error e_p (m) and rotation error e_a (rad) after the step, plus
  ``success_bonus`` when the object ends within the task's tolerance;
- **termination**: the object within the task's tolerance (success), or a step that fails
  (``info["error"]`` says why; the success bonus is then subtracted); **truncation** after
  ``max_steps`` steps.

``reset(seed=...)`` seeds the environment's generator, which draws the robots' start jitter
(uniform in ``[-start_noise, start_noise]`` on every actuated coordinate), so a seed gives the
same episode every time.

Registered ids (on ``import qd.gym``): ``qd/PlanarHand-v0`` and ``qd/AllegroSphere-v0``.
"""

from __future__ import annotations

from typing import Any, Optional, Union

import gymnasium
import numpy as np
from gymnasium import spaces

from ._qd import QdError, Scene

__all__ = ["QuasiDynamicEnv"]


class QuasiDynamicEnv(gymnasium.Env):
    """A scene's task as a Gymnasium environment (see the module's documentation)."""

    metadata = {"render_modes": []}

    def __init__(
        self,
        scene: Union[str, Scene] = "planar-hand",
        max_delta: float = 0.05,
        max_steps: int = 100,
        goal_in_observation: bool = True,
        position_weight: float = 100.0,
        angle_weight: float = 1.0,
        success_bonus: float = 10.0,
        start_noise: float = 0.01,
        mode: Optional[str] = None,
    ) -> None:
        super().__init__()
        self.scene = Scene.builtin(scene) if isinstance(scene, str) else scene
        task = self.scene.task
        if task is None:
            raise ValueError(f"scene '{self.scene.name}' has no [task] to run")
        for name, value in [("max_delta", max_delta), ("start_noise", start_noise)]:
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be finite and ≥ 0, got {value}")
        if max_delta == 0:
            raise ValueError("max_delta must be positive")
        if max_steps < 1:
            raise ValueError(f"max_steps must be ≥ 1, got {max_steps}")
        self.task = task
        self.max_delta = float(max_delta)
        self.max_steps = int(max_steps)
        self.goal_in_observation = bool(goal_in_observation)
        self.position_weight = float(position_weight)
        self.angle_weight = float(angle_weight)
        self.success_bonus = float(success_bonus)
        self.start_noise = float(start_noise)
        self.mode = mode
        limits = self.scene.input_limits
        self._lower, self._upper = limits[:, 0], limits[:, 1]
        na, nq = self.scene.na, self.scene.nq
        self.action_space = spaces.Box(-self.max_delta, self.max_delta, (na,), np.float64)
        n_obs = nq + (len(task["goal_q"]) if self.goal_in_observation else 0)
        self.observation_space = spaces.Box(-np.inf, np.inf, (n_obs,), np.float64)
        self._q = np.array(task["start_q"], dtype=np.float64)
        self._u = self.scene.actuated_positions(self._q)
        self._steps = 0

    def _observation(self) -> np.ndarray:
        if self.goal_in_observation:
            return np.concatenate([self._q, self.task["goal_q"]])
        return self._q.copy()

    def _cost(self, q: np.ndarray) -> tuple[float, bool, tuple[float, float]]:
        position, angle = self.scene.object_error(q)
        reached = (
            position <= self.task["position_tolerance"] and angle <= self.task["angle_tolerance"]
        )
        cost = self.position_weight * position**2 + self.angle_weight * angle**2
        return cost, reached, (position, angle)

    def reset(
        self, *, seed: Optional[int] = None, options: Optional[dict[str, Any]] = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        q = np.array(self.task["start_q"], dtype=np.float64)
        actuated = self.scene.actuated
        jitter = self.np_random.uniform(-self.start_noise, self.start_noise, len(actuated))
        q[actuated] = np.clip(q[actuated] + jitter, self._lower, self._upper)
        self._q = q
        self._u = self.scene.actuated_positions(q)
        self._steps = 0
        _, _, error = self._cost(q)
        return self._observation(), {"object_error": error}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        action = np.asarray(action, dtype=np.float64)
        if action.shape != self.action_space.shape:
            raise ValueError(
                f"action must have shape {self.action_space.shape}, got {action.shape}"
            )
        if not np.all(np.isfinite(action)):
            raise ValueError("action values must be finite")
        delta = np.clip(action, -self.max_delta, self.max_delta)
        self._u = np.clip(self._u + delta, self._lower, self._upper)
        self._steps += 1
        truncated = self._steps >= self.max_steps
        try:
            result = self.scene.step(self._q, self._u, mode=self.mode, gradients="none")
        except QdError as error:
            cost, _, object_error = self._cost(self._q)
            info = {"object_error": object_error, "error": str(error)}
            return self._observation(), -cost - self.success_bonus, True, truncated, info
        self._q = np.asarray(result.q_next)
        cost, reached, object_error = self._cost(self._q)
        reward = -cost + (self.success_bonus if reached else 0.0)
        info = {"object_error": object_error, "status": result.status}
        return self._observation(), float(reward), bool(reached), truncated, info


def _register() -> None:
    """Registers the built-in tasks (once per process)."""
    for env_id, scene, steps in [
        ("qd/PlanarHand-v0", "planar-hand", 100),
        ("qd/AllegroSphere-v0", "allegro-sphere", 100),
    ]:
        if env_id not in gymnasium.registry:
            gymnasium.register(
                id=env_id,
                entry_point="qd.gym:QuasiDynamicEnv",
                kwargs={"scene": scene, "max_steps": steps},
            )


_register()
