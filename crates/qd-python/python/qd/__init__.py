"""qd: planning robot manipulation through contact.

Everything takes and returns NumPy float64 arrays; shapes are checked (``ValueError`` names
the argument, the shape expected and the shape given) and values must be finite.

>>> import qd
>>> scene = qd.Scene.builtin("planar-hand")
>>> q = scene.default_q
>>> result = scene.step(q, scene.actuated_positions(q))
>>> result.B.shape == (scene.nq, scene.na)
True

See docs/python.md for the whole API, the Gymnasium environment (``qd.gym``) and running
many planning queries on Ray.
"""

from ._qd import (
    BatchResult,
    Contact,
    Linearization,
    Plan,
    QdError,
    Scene,
    StepResult,
    __version__,
    load_plan,
    plan_rrt,
    plan_trajopt,
    smooth,
)

__all__ = [
    "BatchResult",
    "Contact",
    "Linearization",
    "Plan",
    "QdError",
    "Scene",
    "StepResult",
    "__version__",
    "load_plan",
    "plan_rrt",
    "plan_trajopt",
    "smooth",
]
