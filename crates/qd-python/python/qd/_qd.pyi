"""Type stubs of the compiled core (``qd._qd``); import from ``qd``."""

from os import PathLike
from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
StrPath = Union[str, PathLike[str]]

class QdError(RuntimeError):
    """An operation failed on valid input (a step that did not solve, a planner's refusal)."""

class Contact:
    """One contact of a step."""

    a: str
    """Name of the first collision geometry."""
    b: str
    """Name of the second collision geometry."""
    feature: str
    """Which contact of the pair: ``"closest"``, or ``"a:K"`` / ``"b:K"`` for feature point K
    of geometry a / b (the contact manifold: a box on a table stands on its corners)."""
    phi: float
    """Signed distance at the start of the step (m)."""
    normal_impulse: float
    """Normal impulse (N s), ≥ 0."""
    force: FloatArray
    """Contact force (N): normal, then tangential components."""

class StepResult:
    """The result of ``Scene.step``."""

    q_next: FloatArray
    """The next configuration (nq,)."""
    A: Optional[FloatArray]
    """∂q⁺/∂q, (nq, nq), with gradients="ab"."""
    B: Optional[FloatArray]
    """∂q⁺/∂u, (nq, na), with gradients "b" or "ab"."""
    A_v: Optional[FloatArray]
    """A in tangent coordinates, (nv, nv)."""
    B_v: Optional[FloatArray]
    """B in tangent coordinates, (nv, na)."""
    contacts: list[Contact]
    status: str
    """``solved``, ``almost_solved`` or ``max_iterations``."""
    iterations: int
    polished: bool
    path: str
    """Which solver produced the step: ``barrier``, ``own_exact``, ``clarabel`` or ``trivial``."""
    mode: str
    gradient_warning: Optional[str]
    """Set when the derivatives should not be used, with the reason."""

class BatchResult:
    """The result of ``Scene.step_batch``: arrays stacked over the batch."""

    q_next: FloatArray
    """(N, nq)."""
    A: Optional[FloatArray]
    """(N, nq, nq), with gradients="ab"."""
    B: Optional[FloatArray]
    """(N, nq, na), with gradients "b" or "ab"."""
    status: list[str]
    iterations: npt.NDArray[np.uint32]
    def __len__(self) -> int: ...

class Linearization:
    """A smoothed linearisation step(q ⊕ δq, u + δu) ≈ c ⊕ (A δq + B δu), tangent coordinates."""

    method: str
    c: FloatArray
    B: FloatArray
    A: Optional[FloatArray]
    B_stderr: Optional[FloatArray]
    samples: int
    valid: int
    dropped: int
    first_failure: Optional[str]

class Plan:
    """A planning query's record, as ``qd plan --output`` saves it."""

    @property
    def planner(self) -> str: ...
    @property
    def scene(self) -> str: ...
    @property
    def reached(self) -> bool: ...
    @property
    def success(self) -> bool: ...
    @property
    def final_error(self) -> Optional[tuple[float, float]]: ...
    @property
    def seconds(self) -> Optional[float]: ...
    @property
    def q(self) -> Optional[FloatArray]: ...
    @property
    def u(self) -> Optional[FloatArray]: ...
    @property
    def h(self) -> Optional[float]: ...
    @property
    def arrays(self) -> dict[str, np.ndarray]: ...
    @property
    def record(self) -> dict[str, Any]: ...
    def save(self, path: StrPath, overwrite: bool = False) -> None: ...

class Scene:
    """A built-in system or a scene file: model, names, task, and the step."""

    @staticmethod
    def builtin(name: str) -> Scene: ...
    @staticmethod
    def from_file(path: StrPath) -> Scene: ...
    @staticmethod
    def builtin_names() -> list[str]: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def nq(self) -> int: ...
    @property
    def nv(self) -> int: ...
    @property
    def na(self) -> int: ...
    @property
    def bodies(self) -> list[str]: ...
    @property
    def joints(self) -> list[str]: ...
    @property
    def coordinates(self) -> list[str]: ...
    @property
    def robots(self) -> list[str]: ...
    @property
    def objects(self) -> list[str]: ...
    @property
    def actuated(self) -> npt.NDArray[np.uintp]: ...
    @property
    def unactuated(self) -> npt.NDArray[np.uintp]: ...
    @property
    def default_q(self) -> FloatArray: ...
    @property
    def input_limits(self) -> FloatArray: ...
    @property
    def settings(self) -> dict[str, Any]: ...
    @property
    def h(self) -> float: ...
    @property
    def task(self) -> Optional[dict[str, Any]]: ...
    def object_error(self, q: ArrayLike) -> tuple[float, float]: ...
    def sample_goal(self, seed: int) -> FloatArray: ...
    def actuated_positions(self, q: ArrayLike) -> FloatArray: ...
    def step(
        self,
        q: ArrayLike,
        u: ArrayLike,
        mode: Optional[str] = None,
        kappa: Optional[float] = None,
        gradients: str = "ab",
    ) -> StepResult: ...
    def step_batch(
        self,
        q: ArrayLike,
        u: ArrayLike,
        mode: Optional[str] = None,
        kappa: Optional[float] = None,
        gradients: str = "none",
    ) -> BatchResult: ...

def smooth(
    scene: Scene,
    q: ArrayLike,
    u: ArrayLike,
    method: str = "randomized",
    samples: int = 100,
    sigma: float = 0.1,
    sigma_q: float = 0.0,
    seed: int = 0,
    kappa: Optional[float] = None,
    mode: Optional[str] = None,
    gradients: str = "b",
) -> Linearization: ...
def plan_trajopt(
    scene: Scene,
    method: str = "analytic",
    iterations: int = 20,
    horizon: Optional[int] = None,
    samples: Optional[int] = None,
    sigma0: Optional[float] = None,
    kappa_start: Optional[float] = None,
    kappa_end: Optional[float] = None,
    seed: int = 1,
    receding: bool = False,
    model: Optional[str] = None,
) -> Plan: ...
def plan_rrt(
    scene: Scene,
    seed: int = 1,
    max_nodes: Optional[int] = None,
    goal: Optional[ArrayLike] = None,
    start: Optional[ArrayLike] = None,
    refine: Optional[int] = None,
) -> Plan: ...
def load_plan(path: StrPath) -> Plan: ...
