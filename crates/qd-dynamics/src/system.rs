//! The quasi-dynamic system: a scene plus the step `q⁺ = step(q, u)`.

use crate::derivatives::{self, StepGradients, problem_rates::ProblemRates};
use crate::error::DynamicsError;
use crate::problem::{StepProblem, assemble, update_inputs};
use crate::settings::{ExactSolver, ForwardMode, GradientMode, StepSettings};
use crate::solver::barrier;
use crate::solver::conic;
use crate::solver::continuation;
use crate::solver::{Solution, SolvePath, SolveStatus};
use nalgebra::DVector;
use qd_geometry::ContactQuery;
use qd_geometry::kinematics::JointKind;
use qd_geometry::scene::Scene;
use std::sync::{Arc, Weak};

/// Tolerance on a free body's quaternion norm in q before the step refuses it.
pub const QUATERNION_TOLERANCE: f64 = 1e-6;

/// One contact's impulse at the end of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactImpulse {
    /// Geometry pair (indices into `Scene::geometries`), A < B.
    pub geometries: (usize, usize),
    /// Which contact of the pair: its closest points or a manifold feature point.
    pub feature: qd_geometry::manifold::ContactFeature,
    /// φ at the start of the step (m).
    pub phi: f64,
    /// Normal impulse λ_n (N s), ≥ 0.
    pub normal_impulse: f64,
    /// Tangential impulse λ_t (N s) along the contact's tangents.
    pub tangent_impulse: Vec<f64>,
    /// Contact force λ / h (N): normal then tangential components.
    pub force: Vec<f64>,
}

/// How the step went.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    /// Forward mode used.
    pub mode: ForwardMode,
    /// Solver status: `Solved`, or a flagged result (`AlmostSolved`, `MaxIterations`).
    pub status: SolveStatus,
    /// Solver iterations.
    pub iterations: u32,
    /// Contacts in the program.
    pub n_contacts: usize,
    /// Exact forms: whether Clarabel's answer was refined on its active set to round-off
    /// (see `solver::polish`); false when the refinement was rejected (the modes it read
    /// off the answer did not hold up, e.g. at a contact about to switch) and for the
    /// barrier forms.
    pub polished: bool,
    /// Which solver produced the step: the barrier Newton method, the own exact solver,
    /// Clarabel (asked for, or the own solver's fallback), or none (nothing could move).
    pub path: SolvePath,
}

/// The result of one step.
#[derive(Debug, Clone)]
pub struct StepResult {
    /// Next configuration q⁺ = q ⊕ δv (n_q).
    pub q_next: Vec<f64>,
    /// The step's displacement δv (n_v); zero on frozen objects.
    pub dv: Vec<f64>,
    /// Impulses of the contacts in the program.
    pub contacts: Vec<ContactImpulse>,
    /// Solver report.
    pub report: StepReport,
    /// A and B, when the scene's gradient mode asks for them (`B` or `Ab`).
    pub gradients: Option<StepGradients>,
    /// The own exact solver's interior point on v (n_v; zero on frozen objects): strictly
    /// feasible for this step's constraints, and the best guess to hand
    /// [`QuasiDynamicSystem::step_from`] for a step at the same q with a nearby u (the
    /// samples of randomized smoothing). None on the other solve paths.
    pub interior_dv: Option<Vec<f64>>,
}

impl Default for StepResult {
    /// An empty result (no configuration, no contacts): storage for
    /// [`QuasiDynamicSystem::step_into`] to overwrite.
    fn default() -> Self {
        StepResult {
            q_next: Vec::new(),
            dv: Vec::new(),
            contacts: Vec::new(),
            report: StepReport {
                mode: ForwardMode::LogBarrierCone,
                status: SolveStatus::Solved,
                iterations: 0,
                n_contacts: 0,
                polished: false,
                path: SolvePath::Trivial,
            },
            gradients: None,
            interior_dv: None,
        }
    }
}

/// The result of a rollout.
#[derive(Debug, Clone)]
pub struct Rollout {
    /// Configurations `[q0, q1, …, q_T]`.
    pub states: Vec<Vec<f64>>,
    /// Per-step results (T of them).
    pub steps: Vec<StepResult>,
}

/// A rollout stopped by a failing step.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("step {step}: {error}")]
pub struct RolloutError {
    /// Index of the failing step (0-based).
    pub step: usize,
    /// Its error.
    pub error: DynamicsError,
}

/// Reusable buffers of a step. Keep one per thread.
#[derive(Debug, Default)]
pub struct StepWorkspace {
    query: ContactQuery,
    problem: StepProblem,
    rates: ProblemRates,
    /// The solvers' storage and the last solve's answer, overwritten by each step.
    barrier: barrier::BarrierWorkspace,
    exact: continuation::ExactWorkspace,
    solution: Solution,
    /// A caller's guess of δv on the program's variables.
    start: DVector<f64>,
    derivatives: derivatives::DerivativeWork,
    /// Whether a step at the configuration of the previous one may reuse its assembly.
    reuse_assembly: bool,
    /// What `problem` was assembled for, when it can be reused for another u.
    assembled_for: Option<AssemblyKey>,
    /// A forgotten key's q, kept for the next key's (so forgetting allocates nothing later).
    spare_key_q: Vec<f64>,
    /// Contact impulses a result no longer needed (fewer contacts than the step before),
    /// kept with their vectors for the next result that needs more.
    spare_contacts: Vec<ContactImpulse>,
}

impl StepWorkspace {
    /// Forgets what the problem was assembled for (the next step assembles afresh), keeping
    /// the key's storage.
    fn forget_assembly(&mut self) {
        if let Some(key) = self.assembled_for.take() {
            self.spare_key_q = key.q;
        }
    }

    /// A workspace that reuses the assembled problem when the next step has the same system,
    /// parameters and q as the previous one and only u differs — the pattern of randomized
    /// smoothing over u, which then skips the contact query and assembly (bit-identical
    /// results). Off by default: a rollout never repeats q, and a benchmark stepping one
    /// (q, u) over and over should measure the whole step.
    pub fn reusing_assembly() -> Self {
        StepWorkspace {
            reuse_assembly: true,
            ..StepWorkspace::default()
        }
    }
}

/// The scene, settings and configuration a step problem was assembled at. Everything in
/// the problem except the actuated entries of b depends on these alone, so a step at the
/// same key with another u only rewrites those entries (randomized smoothing over u steps one
/// q with many u).
#[derive(Debug, Clone)]
struct AssemblyKey {
    /// The scene, held weakly: its allocation outlives the key, so no other scene can take
    /// its address while the key exists.
    scene: Weak<Scene>,
    settings: StepSettings,
    q: Vec<f64>,
}

/// A scene ready to step, with the settings its steps use unless told otherwise. Clones share
/// the scene.
#[derive(Debug, Clone)]
pub struct QuasiDynamicSystem {
    scene: Arc<Scene>,
    settings: StepSettings,
}

impl QuasiDynamicSystem {
    /// Wraps a loaded scene, with the step settings of its `[parameters]`
    /// ([`StepSettings::from_scene`]).
    ///
    /// # Errors
    /// The scene's step settings do not parse or are out of range.
    pub fn new(scene: Scene) -> Result<Self, DynamicsError> {
        let settings = StepSettings::from_scene(&scene)?;
        Ok(QuasiDynamicSystem {
            scene: Arc::new(scene),
            settings,
        })
    }

    /// Wraps a scene with the given step settings (the scene's `[parameters]` are not read).
    ///
    /// # Errors
    /// Settings [`StepSettings::check`] refuses.
    pub fn with_settings(scene: Scene, settings: StepSettings) -> Result<Self, DynamicsError> {
        settings.check()?;
        Ok(QuasiDynamicSystem {
            scene: Arc::new(scene),
            settings,
        })
    }

    /// The same scene (shared, not copied) with other step settings.
    ///
    /// # Errors
    /// Settings [`StepSettings::check`] refuses.
    pub fn with_step_settings(&self, settings: StepSettings) -> Result<Self, DynamicsError> {
        settings.check()?;
        Ok(QuasiDynamicSystem {
            scene: Arc::clone(&self.scene),
            settings,
        })
    }

    /// The scene.
    pub fn scene(&self) -> &Scene {
        &self.scene
    }

    /// The settings [`QuasiDynamicSystem::step`] uses.
    pub fn settings(&self) -> &StepSettings {
        &self.settings
    }

    /// Mutable step settings (h, κ, forward mode, ...), e.g. to compare modes on one scene;
    /// each step checks them.
    pub fn settings_mut(&mut self) -> &mut StepSettings {
        &mut self.settings
    }

    /// n_a, the length of u.
    pub fn na(&self) -> usize {
        self.scene.na()
    }

    /// Checks q and u as [`QuasiDynamicSystem::step`] does: lengths, finite entries, unit
    /// quaternions.
    ///
    /// # Errors
    /// The first problem found, naming the vector and index.
    pub fn check_inputs(&self, q: &[f64], u: &[f64]) -> Result<(), DynamicsError> {
        self.scene.tree().check_lengths(q, None)?;
        if u.len() != self.na() {
            return Err(DynamicsError::InputLength {
                expected: self.na(),
                got: u.len(),
            });
        }
        if let Some(index) = u.iter().position(|v| !v.is_finite()) {
            return Err(DynamicsError::NonFinite { what: "u", index });
        }
        for joint in self.scene.tree().joints() {
            if matches!(joint.kind, JointKind::Free) {
                let quaternion = &q[joint.q_start + 3..joint.q_start + 7];
                let norm = quaternion.iter().map(|c| c * c).sum::<f64>().sqrt();
                if (norm - 1.0).abs() > QUATERNION_TOLERANCE {
                    return Err(DynamicsError::UnnormalisedQuaternion {
                        joint: joint.name.clone(),
                        norm,
                    });
                }
            }
        }
        Ok(())
    }

    /// One step from configuration `q` (n_q) with commanded actuated positions `u` (n_a).
    ///
    /// # Errors
    /// Wrong lengths, NaN/inf, unnormalised quaternions, failed solves. A solve that ended
    /// with reduced accuracy is returned with its status in the report, never as `Solved`.
    pub fn step(
        &self,
        workspace: &mut StepWorkspace,
        q: &[f64],
        u: &[f64],
    ) -> Result<StepResult, DynamicsError> {
        self.step_with(&self.settings, workspace, q, u, None)
    }

    /// [`QuasiDynamicSystem::step`] with a guess of the displacement δv (n_v) — typically the
    /// step of a nearby (q, u). The barrier forms start Newton's method there when it is
    /// strictly feasible (and otherwise ignore it); the own exact solver starts its first
    /// barrier answer there under the same condition (hand it the [`StepResult::interior_dv`]
    /// of the nearby step: the exact δv lies on the constraints' boundary, never strictly
    /// inside); Clarabel ignores it. The minimiser is the same; only the iterations to reach
    /// it change.
    ///
    /// # Errors
    /// As [`QuasiDynamicSystem::step`]; a guess of the wrong length or with NaN/inf.
    pub fn step_from(
        &self,
        workspace: &mut StepWorkspace,
        q: &[f64],
        u: &[f64],
        guess: Option<&[f64]>,
    ) -> Result<StepResult, DynamicsError> {
        self.step_with(&self.settings, workspace, q, u, guess)
    }

    /// The step of a scene in which nothing can move (no robot joints, objects absent or
    /// frozen): q⁺ = q, no program to solve; A is the identity and B empty.
    fn motionless_step(&self, settings: &StepSettings, q: &[f64]) -> StepResult {
        let (nq, nv, na) = (self.scene.tree().nq(), self.scene.tree().nv(), self.na());
        let gradients = (settings.gradient_mode != GradientMode::None).then(|| {
            let with_a = settings.gradient_mode == GradientMode::Ab;
            StepGradients {
                b_v: nalgebra::DMatrix::zeros(nv, na),
                a_v: with_a.then(|| nalgebra::DMatrix::identity(nv, nv)),
                b_q: nalgebra::DMatrix::zeros(nq, na),
                a_q: with_a.then(|| nalgebra::DMatrix::identity(nq, nq)),
                report: derivatives::SensitivityReport::default(),
            }
        });
        StepResult {
            q_next: q.to_vec(),
            dv: vec![0.0; nv],
            contacts: Vec::new(),
            report: StepReport {
                mode: settings.forward_mode,
                status: SolveStatus::Solved,
                iterations: 0,
                n_contacts: 0,
                polished: false,
                path: SolvePath::Trivial,
            },
            gradients,
            interior_dv: None,
        }
    }

    /// [`QuasiDynamicSystem::step_from`] with the given settings instead of the system's own
    /// (a smoother steps one scene in several modes, a planner rolls out exactly).
    ///
    /// # Errors
    /// As [`QuasiDynamicSystem::step_from`]; settings [`StepSettings::check`] refuses.
    pub fn step_with(
        &self,
        settings: &StepSettings,
        workspace: &mut StepWorkspace,
        q: &[f64],
        u: &[f64],
        guess: Option<&[f64]>,
    ) -> Result<StepResult, DynamicsError> {
        let mut out = StepResult::default();
        self.step_into(settings, workspace, q, u, guess, &mut out)?;
        Ok(out)
    }

    /// [`QuasiDynamicSystem::step_with`] into `out`, whose vectors are overwritten in place:
    /// once `out` and `workspace` have held a step of the scene, a step — in any forward
    /// mode, with or without its derivatives — allocates nothing, unless it takes a fallback
    /// (the own exact solver's barrier continuation, Clarabel) or fails: the form for loops
    /// that step many times (randomized smoothing's samples, benchmarks; docs/dynamics.md,
    /// "Steps without allocation"). On an error, `out` holds no meaningful step.
    ///
    /// # Errors
    /// As [`QuasiDynamicSystem::step_with`].
    pub fn step_into(
        &self,
        settings: &StepSettings,
        workspace: &mut StepWorkspace,
        q: &[f64],
        u: &[f64],
        guess: Option<&[f64]>,
        out: &mut StepResult,
    ) -> Result<(), DynamicsError> {
        let _span = tracing::debug_span!("step", mode = settings.forward_mode.name()).entered();
        settings.check()?;
        self.check_inputs(q, u)?;
        self.assemble_into(settings, workspace, q, u)?;
        let p = settings;
        let with_gradients = p.gradient_mode != GradientMode::None;
        if workspace.problem.var_to_v.is_empty() {
            *out = self.motionless_step(settings, q);
            return Ok(());
        }
        let has_start = self.start_from(&workspace.problem, guess, &mut workspace.start)?;
        if p.gradient_mode == GradientMode::Ab {
            // A's rates move the contact query's poses: the next step assembles afresh.
            workspace.forget_assembly();
        }
        let StepWorkspace {
            query,
            problem,
            rates,
            barrier,
            exact,
            solution,
            start,
            derivatives: derivative_work,
            spare_contacts,
            ..
        } = workspace;
        let start = has_start.then_some(&*start);
        solve(
            problem,
            settings,
            (with_gradients, start),
            (barrier, exact),
            solution,
        )?;
        if let Some(index) = solution.x.iter().position(|v| !v.is_finite()) {
            return Err(DynamicsError::SolverFailed {
                mode: "step",
                status: format!("non-finite δv[{index}]"),
            });
        }
        let nv = self.scene.tree().nv();
        let on_v = |x: &DVector<f64>, dv: &mut Vec<f64>| {
            dv.clear();
            dv.resize(nv, 0.0);
            for (x, &v) in x.iter().zip(&problem.var_to_v) {
                dv[v] = *x;
            }
        };
        on_v(&solution.x, &mut out.dv);
        match &solution.interior {
            Some(interior) => on_v(interior, out.interior_dv.get_or_insert_with(Vec::new)),
            None => out.interior_dv = None,
        }
        out.q_next.clear();
        out.q_next.extend_from_slice(q);
        self.scene.tree().integrate(&mut out.q_next, &out.dv)?;
        if with_gradients {
            derivatives::compute_into(
                &self.scene,
                settings,
                query,
                problem,
                (rates, derivative_work),
                solution,
                (q, &out.dv, &out.q_next),
                &mut out.gradients,
            )?;
        } else {
            out.gradients = None;
        }
        write_contacts(problem, solution, p.h, &mut out.contacts, spare_contacts);
        out.report = StepReport {
            mode: p.forward_mode,
            status: solution.status,
            iterations: solution.iterations,
            n_contacts: problem.contacts.len(),
            polished: solution.polished,
            path: solution.path,
        };
        Ok(())
    }

    /// The step's program at (q, u) in `workspace.problem`: assembled afresh, or — when the
    /// workspace reuses assemblies and the scene, settings and q are those of the last one —
    /// with only the entries of b that depend on u rewritten.
    fn assemble_into(
        &self,
        settings: &StepSettings,
        workspace: &mut StepWorkspace,
        q: &[f64],
        u: &[f64],
    ) -> Result<(), DynamicsError> {
        let scene_ptr = Arc::as_ptr(&self.scene);
        let key_matches = workspace.reuse_assembly
            && workspace.assembled_for.as_ref().is_some_and(|key| {
                std::ptr::eq(key.scene.as_ptr(), scene_ptr)
                    && key.q == q
                    && key.settings == *settings
            });
        if key_matches {
            update_inputs(&self.scene, settings, q, u, &mut workspace.problem);
        } else {
            // The old key's q keeps its storage for the new key.
            workspace.forget_assembly();
            let mut key_q = std::mem::take(&mut workspace.spare_key_q);
            assemble(
                &self.scene,
                settings,
                &mut workspace.query,
                q,
                u,
                &mut workspace.problem,
            )?;
            if workspace.reuse_assembly {
                key_q.clear();
                key_q.extend_from_slice(q);
                workspace.assembled_for = Some(AssemblyKey {
                    scene: Arc::downgrade(&self.scene),
                    settings: settings.clone(),
                    q: key_q,
                });
            }
        }
        Ok(())
    }

    /// A guess of δv (n_v), checked, as a starting point on the program's variables into
    /// `start`; false when there is no guess.
    fn start_from(
        &self,
        problem: &StepProblem,
        guess: Option<&[f64]>,
        start: &mut DVector<f64>,
    ) -> Result<bool, DynamicsError> {
        Ok(match guess {
            Some(dv) => {
                if dv.len() != self.scene.tree().nv() {
                    return Err(DynamicsError::InputLength {
                        expected: self.scene.tree().nv(),
                        got: dv.len(),
                    });
                }
                if let Some(index) = dv.iter().position(|v| !v.is_finite()) {
                    return Err(DynamicsError::NonFinite {
                        what: "guess",
                        index,
                    });
                }
                let n = problem.var_to_v.len();
                if start.len() != n {
                    *start = DVector::zeros(n);
                }
                for (entry, &v) in start.iter_mut().zip(&problem.var_to_v) {
                    *entry = dv[v];
                }
                true
            }
            None => false,
        })
    }

    /// Applies `inputs` (one u per step) from `q0`.
    ///
    /// # Errors
    /// The first failing step's error, with its index.
    pub fn rollout(
        &self,
        workspace: &mut StepWorkspace,
        q0: &[f64],
        inputs: &[Vec<f64>],
    ) -> Result<Rollout, RolloutError> {
        let mut states = vec![q0.to_vec()];
        let mut steps = Vec::with_capacity(inputs.len());
        for (step, u) in inputs.iter().enumerate() {
            let result = self
                .step(workspace, &states[step], u)
                .map_err(|error| RolloutError { step, error })?;
            states.push(result.q_next.clone());
            steps.push(result);
        }
        Ok(Rollout { states, steps })
    }
}

/// Solves the step's program in the settings' forward mode into `out`: the barrier forms by
/// Newton's method from `start` when it is strictly feasible (with `work`'s storage); the
/// exact forms by the own solver (barrier continuation and the certified refinement) unless
/// the settings ask for Clarabel, with Clarabel as the fallback whenever the own solver does
/// not certify its answer.
fn solve(
    problem: &StepProblem,
    settings: &StepSettings,
    (with_gradients, start): (bool, Option<&DVector<f64>>),
    (work, exact): (
        &mut barrier::BarrierWorkspace,
        &mut continuation::ExactWorkspace,
    ),
    out: &mut Solution,
) -> Result<(), DynamicsError> {
    let p = settings;
    let cone = crate::cone::ConeKind::of_mode(p.forward_mode, p.nd);
    if p.forward_mode.is_barrier() {
        // The barrier term of the program is (h/κ)·B: the user's κ keeps its meaning when h
        // changes (docs/dynamics.md, "The barrier weight κ"), and the solver works with the
        // weight 1/(κ/h) of the program as written.
        let solve = barrier::BarrierSolve {
            kind: cone,
            kappa: p.kappa / p.h,
            keep_second_order: with_gradients,
            schedule: barrier::Schedule::default(),
        };
        return barrier::solve_into(problem, &solve, start, work, out);
    }
    if p.exact_solver == ExactSolver::Own
        && let Ok(true) =
            continuation::solve_into(problem, cone, p.h, (with_gradients, start), exact, out)
    {
        return Ok(());
    }
    *out = conic::solve(problem, cone, p.h, with_gradients)?;
    Ok(())
}

/// The contacts' impulses and forces of a solved step into `contacts`, overwriting the
/// entries in place (their vectors keep their storage); entries beyond this step's contacts
/// move to `spare`, and new ones come from it first.
fn write_contacts(
    problem: &StepProblem,
    solution: &Solution,
    h: f64,
    contacts: &mut Vec<ContactImpulse>,
    spare: &mut Vec<ContactImpulse>,
) {
    crate::reuse::resize_pooled(contacts, problem.contacts.len(), spare, || ContactImpulse {
        geometries: (0, 0),
        feature: qd_geometry::manifold::ContactFeature::Closest,
        phi: 0.0,
        normal_impulse: 0.0,
        tangent_impulse: Vec::new(),
        force: Vec::new(),
    });
    for ((impulse, rows), (normal, tangent)) in contacts
        .iter_mut()
        .zip(&problem.contacts)
        .zip(&solution.impulses)
    {
        impulse.geometries = rows.geometries;
        impulse.feature = rows.feature;
        impulse.phi = rows.phi;
        impulse.normal_impulse = *normal;
        impulse.tangent_impulse.clear();
        impulse.tangent_impulse.extend_from_slice(tangent);
        impulse.force.clear();
        impulse.force.push(normal / h);
        impulse.force.extend(tangent.iter().map(|t| t / h));
    }
}
