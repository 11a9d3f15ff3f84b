"""qd.gym.QuasiDynamicEnv under Gymnasium's checker, and its reward, seeding and episodes."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import qd.gym  # registers the ids


@pytest.mark.parametrize("env_id", ["qd/PlanarHand-v0", "qd/AllegroSphere-v0"])
def test_env_checker_passes(env_id):
    env = gymnasium.make(env_id)
    check_env(env.unwrapped, skip_render_check=True)
    env.close()


def test_seed_gives_the_same_episode():
    env = qd.gym.QuasiDynamicEnv("planar-hand")

    def episode(seed):
        obs, _ = env.reset(seed=seed)
        env.action_space.seed(seed)
        trace = [obs]
        for _ in range(5):
            obs, reward, *_ = env.step(env.action_space.sample())
            trace.append(np.append(obs, reward))
        return trace

    a, b, c = episode(7), episode(7), episode(8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_reward_is_the_negative_task_cost():
    env = qd.gym.QuasiDynamicEnv("planar-hand", position_weight=3.0, angle_weight=2.0)
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(np.zeros(env.scene.na))
    position, angle = info["object_error"]
    assert reward == pytest.approx(-(3.0 * position**2 + 2.0 * angle**2))
    assert not terminated and not truncated
    # The observation is q followed by the object's goal.
    assert np.array_equal(obs[env.scene.nq:], env.task["goal_q"])


def test_episode_truncates_at_the_step_limit_and_commands_stay_in_limits():
    env = qd.gym.QuasiDynamicEnv("planar-hand", max_steps=4, max_delta=0.5)
    env.reset(seed=1)
    flags = [env.step(np.full(env.scene.na, 0.5))[3] for _ in range(4)]
    assert flags == [False, False, False, True]
    limits = env.scene.input_limits
    assert np.all(env._u >= limits[:, 0]) and np.all(env._u <= limits[:, 1])


def test_bad_actions_and_settings_raise():
    env = qd.gym.QuasiDynamicEnv("planar-hand")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action must have shape"):
        env.step(np.zeros(3))
    with pytest.raises(ValueError, match="finite"):
        env.step(np.full(env.scene.na, np.nan))
    with pytest.raises(ValueError):
        qd.gym.QuasiDynamicEnv("planar-hand", max_delta=-1.0)
    with pytest.raises(ValueError, match="no built-in scene"):
        qd.gym.QuasiDynamicEnv("nowhere")
