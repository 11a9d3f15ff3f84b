//! The smoother: linearisations of the step at one point or along a trajectory.

use crate::SmoothingError;
use crate::method::{Derivatives, Linearization, Order, Smoothing, SmoothingReport};
use crate::monte_carlo::{self, Estimate};
use crate::noise::{Gaussian, NoiseModel, sample_stream};
use crate::tangent::TangentMaps;
use qd_dynamics::{
    ExactSolver, GradientMode, QuasiDynamicSystem, SolveStatus, StepResult, StepSettings,
    StepWorkspace,
};
use rayon::prelude::*;
use std::cell::RefCell;

thread_local! {
    /// One step workspace per thread, kept across calls: rayon's worker threads live as long
    /// as their pool, so a batch does not pay for fresh buffers (a fresh workspace's first step
    /// allocates everything). A step's result does not depend on what the workspace held
    /// before, so which thread ran which sample still cannot change the numbers.
    /// It reuses the assembled problem between samples that share q (noise on u only).
    static WORKSPACE: RefCell<ThreadWork> = RefCell::new(ThreadWork::default());
}

/// What a thread keeps between steps: the step workspace, and a sample's perturbed input and
/// step result, overwritten by each sample (so a sample's step allocates nothing).
struct ThreadWork {
    workspace: StepWorkspace,
    input: Vec<f64>,
    result: StepResult,
}

impl Default for ThreadWork {
    fn default() -> Self {
        ThreadWork {
            workspace: StepWorkspace::reusing_assembly(),
            input: Vec::new(),
            result: StepResult::default(),
        }
    }
}

/// Runs `f` with this thread's kept storage.
fn with_thread_work<T>(f: impl FnOnce(&mut ThreadWork) -> T) -> T {
    WORKSPACE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut work) => f(&mut work),
        // Only reachable if a step re-entered the smoother on this thread; stay correct.
        Err(_) => f(&mut ThreadWork::default()),
    })
}

/// Runs `f` with this thread's step workspace.
fn with_workspace<T>(f: impl FnOnce(&mut StepWorkspace) -> T) -> T {
    with_thread_work(|work| f(&mut work.workspace))
}

/// The default minimum fraction of samples that must give a valid step.
pub const DEFAULT_MIN_VALID_FRACTION: f64 = 0.5;

/// Computes smoothed linearisations of a system's step (docs/smoothing.md).
///
/// Randomized estimates spread their samples (and a trajectory's time steps) over rayon's
/// current thread pool; run inside `ThreadPool::install` to choose the pool. The result does
/// not depend on the number of threads.
#[derive(Debug, Clone)]
pub struct Smoother {
    method: Smoothing,
    derivatives: Derivatives,
    min_valid_fraction: f64,
    /// The system whose step is smoothed (its settings are the configured step's).
    system: QuasiDynamicSystem,
    /// The step exact and analytic smoothing differentiate.
    nominal: StepSettings,
    /// The configured step, values only (zero order).
    sampled_values: StepSettings,
    /// The configured step with derivatives (first order).
    sampled_gradients: StepSettings,
    maps: TangentMaps,
}

/// One evaluated sample, viewed in the batch's flat buffers.
struct Sample<'a> {
    w_q: &'a [f64],
    w_u: &'a [f64],
    q_next: &'a [f64],
    /// B in velocity coordinates, column-major n_v × n_a (first order).
    b_v: Option<&'a [f64]>,
    /// A in velocity coordinates, column-major n_v × n_v (first order with A).
    a_v: Option<&'a [f64]>,
}

/// The results of a batch of samples in flat buffers, one fixed-size record per sample, filled
/// in parallel: a sample allocates nothing of its own that outlives its step.
struct SampleBuffers {
    n_q: usize,
    n_v: usize,
    n_a: usize,
    /// (w_q, w_u) per sample: n_v + n_a.
    perturbations: Vec<f64>,
    /// q⁺ per sample: n_q.
    q_next: Vec<f64>,
    /// B per sample (first order): n_v n_a; one unused entry otherwise.
    b: Vec<f64>,
    /// A per sample (first order with A): n_v²; one unused entry otherwise.
    a: Vec<f64>,
    /// None for a valid sample, else why it was dropped.
    dropped: Vec<Option<Dropped>>,
    b_len: usize,
    a_len: usize,
}

impl SampleBuffers {
    fn new(total: usize, n_q: usize, n_v: usize, n_a: usize, with_b: bool, with_a: bool) -> Self {
        // Zero-length records cannot be split into chunks: unused buffers keep one entry each.
        let b_len = if with_b { n_v * n_a } else { 1 };
        let a_len = if with_a { n_v * n_v } else { 1 };
        SampleBuffers {
            n_q,
            n_v,
            n_a,
            perturbations: vec![0.0; total * (n_v + n_a)],
            q_next: vec![0.0; total * n_q],
            b: vec![0.0; total * b_len],
            a: vec![0.0; total * a_len],
            dropped: (0..total).map(|_| None).collect(),
            b_len,
            a_len,
        }
    }

    /// Sample `index`, or why it was dropped.
    fn sample(&self, index: usize, with_b: bool, with_a: bool) -> Result<Sample<'_>, &Dropped> {
        if let Some(reason) = &self.dropped[index] {
            return Err(reason);
        }
        let w = &self.perturbations[index * (self.n_v + self.n_a)..][..self.n_v + self.n_a];
        Ok(Sample {
            w_q: &w[..self.n_v],
            w_u: &w[self.n_v..],
            q_next: &self.q_next[index * self.n_q..][..self.n_q],
            b_v: with_b.then(|| &self.b[index * self.b_len..][..self.b_len]),
            a_v: with_a.then(|| &self.a[index * self.a_len..][..self.a_len]),
        })
    }
}

/// Why a sample was dropped.
enum Dropped {
    FailedStep(String),
    Unreliable(String),
}

fn gradient_mode(derivatives: Derivatives) -> GradientMode {
    match derivatives {
        Derivatives::B => GradientMode::B,
        Derivatives::AB => GradientMode::Ab,
    }
}

fn positive_finite(name: &str, value: f64) -> Result<(), SmoothingError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(SmoothingError::InvalidParameter(format!(
            "{name} must be finite and > 0, got {value}"
        )))
    }
}

impl Smoother {
    /// A smoother of `system`'s step. The system's scene is shared, not copied; its step
    /// settings (h, forward mode, ...) are those it has at this moment: randomized methods
    /// sample that step, exact smoothing differentiates the exact form with the same cones,
    /// analytic smoothing the barrier form with the same cones at the method's κ.
    ///
    /// # Errors
    /// Invalid parameters: κ or σ_u not finite and positive, σ_q negative, no samples, zero-order
    /// A without σ_q > 0, or fewer zero-order samples than the fit needs.
    pub fn new(
        system: &QuasiDynamicSystem,
        method: Smoothing,
        derivatives: Derivatives,
    ) -> Result<Self, SmoothingError> {
        let configured = system.settings().clone();
        let sampled_values = configured.clone().with_gradient_mode(GradientMode::None);
        let sampled_gradients = configured
            .clone()
            .with_gradient_mode(gradient_mode(derivatives));
        let mut nominal = sampled_gradients.clone();
        match method {
            Smoothing::Exact => {
                nominal.forward_mode = configured.forward_mode.exact();
            }
            Smoothing::Analytic { kappa } => {
                positive_finite("κ", kappa)?;
                nominal.kappa = kappa;
                nominal.forward_mode = configured.forward_mode.barrier();
            }
            Smoothing::RandomizedFirstOrder {
                sigma_u,
                sigma_q,
                samples,
                ..
            }
            | Smoothing::RandomizedZeroOrder {
                sigma_u,
                sigma_q,
                samples,
                ..
            } => {
                positive_finite("σ_u", sigma_u)?;
                if !(sigma_q.is_finite() && sigma_q >= 0.0) {
                    return Err(SmoothingError::InvalidParameter(format!(
                        "σ_q must be finite and ≥ 0, got {sigma_q}"
                    )));
                }
                let order = match method {
                    Smoothing::RandomizedZeroOrder { .. } => Order::Zero,
                    _ => Order::First,
                };
                let noise = Gaussian { sigma_u, sigma_q };
                check_randomized(system, &noise, order, derivatives, samples)?;
            }
        }
        Ok(Smoother {
            method,
            derivatives,
            min_valid_fraction: DEFAULT_MIN_VALID_FRACTION,
            system: system.clone(),
            nominal,
            sampled_values,
            sampled_gradients,
            maps: TangentMaps::new(system.scene().tree()),
        })
    }

    /// Sets the minimum fraction of samples that must give a valid step (default
    /// [`DEFAULT_MIN_VALID_FRACTION`]); below it the estimate is an error.
    ///
    /// # Errors
    /// A fraction outside (0, 1].
    pub fn with_min_valid_fraction(mut self, fraction: f64) -> Result<Self, SmoothingError> {
        if !(fraction > 0.0 && fraction <= 1.0) {
            return Err(SmoothingError::InvalidParameter(format!(
                "minimum valid fraction must be in (0, 1], got {fraction}"
            )));
        }
        self.min_valid_fraction = fraction;
        Ok(self)
    }

    /// The smoothing method.
    pub fn method(&self) -> Smoothing {
        self.method
    }

    /// The system whose step is sampled (randomized methods) — the one given to [`Smoother::new`].
    pub fn system(&self) -> &QuasiDynamicSystem {
        &self.system
    }

    /// The smoothed linearisation at (q, u): q is n_q, u is n_a.
    ///
    /// # Errors
    /// Bad q or u (lengths, NaN/inf, unnormalised quaternions), a failed nominal step (exact and
    /// analytic), or too few valid samples (randomized).
    pub fn linearize(&self, q: &[f64], u: &[f64]) -> Result<Linearization, SmoothingError> {
        let mut all = self.linearize_points(&[(q, u)])?;
        Ok(all.remove(0))
    }

    /// [`Smoother::linearize`] with a guess of the nominal step's displacement δv (n_v), such
    /// as the step of a nearby point: exact and analytic smoothing start the barrier's Newton
    /// method there when it is strictly feasible (see
    /// [`QuasiDynamicSystem::step_from`](qd_dynamics::QuasiDynamicSystem::step_from)); the
    /// minimiser is the same up to the solver's tolerance. Randomized smoothing ignores it.
    ///
    /// # Errors
    /// As [`Smoother::linearize`]; a guess of the wrong length or with NaN/inf.
    pub fn linearize_from(
        &self,
        q: &[f64],
        u: &[f64],
        guess: Option<&[f64]>,
    ) -> Result<Linearization, SmoothingError> {
        match (self.method, guess) {
            (Smoothing::Exact | Smoothing::Analytic { .. }, Some(guess)) => {
                let mut all = self.differentiate(&[(q, u)], Some(guess))?;
                Ok(all.remove(0))
            }
            _ => self.linearize(q, u),
        }
    }

    /// Linearisations along a trajectory: one at each (x_t, u_t), t = 0..T−1, computed in one
    /// batch. `states` holds T or T + 1 configurations (a rollout's states may be passed whole);
    /// sample k of step t uses the stream (seed, t, k).
    ///
    /// # Errors
    /// As [`Smoother::linearize`], naming the time step; mismatched lengths.
    pub fn linearize_trajectory(
        &self,
        states: &[Vec<f64>],
        inputs: &[Vec<f64>],
    ) -> Result<Vec<Linearization>, SmoothingError> {
        if states.len() != inputs.len() && states.len() != inputs.len() + 1 {
            return Err(SmoothingError::TrajectoryLength {
                states: states.len(),
                inputs: inputs.len(),
            });
        }
        let points: Vec<(&[f64], &[f64])> = states
            .iter()
            .zip(inputs)
            .map(|(q, u)| (q.as_slice(), u.as_slice()))
            .collect();
        self.linearize_points(&points)
    }

    /// A randomized linearisation at (q, u) with any noise model (e.g. the barrier-equivalent
    /// noise of the equivalence suite), using this smoother's system, derivatives and minimum
    /// valid fraction.
    ///
    /// # Errors
    /// As [`Smoother::linearize`]; zero-order A from noise that does not perturb q.
    pub fn linearize_with_noise<N: NoiseModel>(
        &self,
        noise: &N,
        order: Order,
        samples: usize,
        seed: u64,
        q: &[f64],
        u: &[f64],
    ) -> Result<Linearization, SmoothingError> {
        check_randomized(&self.system, noise, order, self.derivatives, samples)?;
        let mut all = self.randomized(noise, order, samples, seed, &[(q, u)])?;
        Ok(all.remove(0))
    }

    fn linearize_points(
        &self,
        points: &[(&[f64], &[f64])],
    ) -> Result<Vec<Linearization>, SmoothingError> {
        let _span = tracing::debug_span!("smoothing", method = ?self.method, steps = points.len())
            .entered();
        match self.method {
            Smoothing::Exact | Smoothing::Analytic { .. } => self.differentiate(points, None),
            Smoothing::RandomizedFirstOrder {
                sigma_u,
                sigma_q,
                samples,
                seed,
            }
            | Smoothing::RandomizedZeroOrder {
                sigma_u,
                sigma_q,
                samples,
                seed,
            } => {
                let order = if matches!(self.method, Smoothing::RandomizedZeroOrder { .. }) {
                    Order::Zero
                } else {
                    Order::First
                };
                self.randomized(&Gaussian { sigma_u, sigma_q }, order, samples, seed, points)
            }
        }
    }

    fn check_points(&self, points: &[(&[f64], &[f64])]) -> Result<(), SmoothingError> {
        for (t, (q, u)) in points.iter().enumerate() {
            self.system
                .check_inputs(q, u)
                .map_err(|error| SmoothingError::Dynamics { t, error })?;
        }
        Ok(())
    }

    /// Exact and analytic smoothing: the nominal step's own derivatives, one step per point.
    fn differentiate(
        &self,
        points: &[(&[f64], &[f64])],
        guess: Option<&[f64]>,
    ) -> Result<Vec<Linearization>, SmoothingError> {
        self.check_points(points)?;
        let with_a = self.derivatives == Derivatives::AB;
        points
            .par_iter()
            .enumerate()
            .map(|(t, (q, u))| {
                let result = with_workspace(|workspace| {
                    self.system.step_with(&self.nominal, workspace, q, u, guess)
                })
                .map_err(|error| SmoothingError::Dynamics { t, error })?;
                let gradients = result.gradients.ok_or_else(|| {
                    SmoothingError::InvalidParameter("the step returned no derivatives".into())
                })?;
                Ok(Linearization {
                    c: result.q_next,
                    b: gradients.b_v,
                    a: if with_a { gradients.a_v } else { None },
                    report: SmoothingReport {
                        samples: 1,
                        valid: 1,
                        sensitivity: Some(gradients.report),
                        ..SmoothingReport::default()
                    },
                })
            })
            .collect()
    }

    fn randomized<N: NoiseModel>(
        &self,
        noise: &N,
        order: Order,
        samples: usize,
        seed: u64,
        points: &[(&[f64], &[f64])],
    ) -> Result<Vec<Linearization>, SmoothingError> {
        self.check_points(points)?;
        let evaluator = match order {
            Order::First => &self.sampled_gradients,
            Order::Zero => &self.sampled_values,
        };
        let tree = self.system.scene().tree();
        let (n_v, n_a) = (tree.nv(), self.system.na());
        let perturbs_q = noise.perturbs_q();
        let guesses = self.nominal_displacements(points);
        let with_b = order == Order::First;
        let with_a = with_b && self.derivatives == Derivatives::AB;
        let mut buffers =
            SampleBuffers::new(points.len() * samples, tree.nq(), n_v, n_a, with_b, with_a);
        let SampleBuffers {
            perturbations,
            q_next,
            b,
            a,
            dropped,
            b_len,
            a_len,
            ..
        } = &mut buffers;
        perturbations
            .par_chunks_mut(n_v + n_a)
            .zip(q_next.par_chunks_mut(tree.nq()))
            .zip(b.par_chunks_mut(*b_len))
            .zip(a.par_chunks_mut(*a_len))
            .zip(dropped.par_iter_mut())
            .enumerate()
            .for_each(|(index, ((((w, q_out), b_out), a_out), dropped))| {
                let (t, k) = (index / samples, index % samples);
                let (q, u) = points[t];
                let mut rng = sample_stream(seed, t as u64, k as u64);
                let (w_q, w_u) = w.split_at_mut(n_v);
                noise.draw(&mut rng, w_q, w_u);
                let outcome = self.sample_step(
                    evaluator,
                    (q, u),
                    (w_q, w_u),
                    guesses[t].as_deref(),
                    (q_out, with_b.then_some(b_out), with_a.then_some(a_out)),
                );
                if let Err(reason) = outcome {
                    *dropped = Some(match reason {
                        Dropped::FailedStep(r) => Dropped::FailedStep(format!("sample {k}: {r}")),
                        Dropped::Unreliable(r) => Dropped::Unreliable(format!("sample {k}: {r}")),
                    });
                }
            });
        (0..points.len())
            .map(|t| {
                let chunk: Vec<Result<Sample<'_>, &Dropped>> = (t * samples..(t + 1) * samples)
                    .map(|index| buffers.sample(index, with_b, with_a))
                    .collect();
                self.estimate(t, &chunk, order, perturbs_q)
            })
            .collect()
    }

    /// Steps one sample at (q ⊕ w_q, u + w_u) and writes q⁺ (and B, A) into its records.
    fn sample_step(
        &self,
        evaluator: &StepSettings,
        (q, u): (&[f64], &[f64]),
        (w_q, w_u): (&[f64], &[f64]),
        guess: Option<&[f64]>,
        (q_out, b_out, a_out): (&mut [f64], Option<&mut [f64]>, Option<&mut [f64]>),
    ) -> Result<(), Dropped> {
        let tree = self.system.scene().tree();
        q_out.copy_from_slice(q);
        if w_q.iter().any(|w| *w != 0.0) {
            tree.integrate(q_out, w_q)
                .map_err(|e| Dropped::FailedStep(e.to_string()))?;
        }
        with_thread_work(|work| {
            let ThreadWork {
                workspace,
                input,
                result,
            } = work;
            input.clear();
            input.extend(u.iter().zip(w_u).map(|(a, b)| a + b));
            // q_out holds the perturbed q until the step's q⁺ overwrites it.
            self.system
                .step_into(evaluator, workspace, q_out, input, guess, result)
                .map_err(|e| Dropped::FailedStep(e.to_string()))?;
            if result.report.status != SolveStatus::Solved {
                return Err(Dropped::FailedStep(format!(
                    "solver stopped with {}",
                    result.report.status.name()
                )));
            }
            q_out.copy_from_slice(&result.q_next);
            if let Some(b_out) = b_out {
                let gradients = result.gradients.as_ref().ok_or_else(|| {
                    Dropped::Unreliable("the step returned no derivatives".into())
                })?;
                if let Some(reason) = &gradients.report.unreliable {
                    return Err(Dropped::Unreliable(reason.clone()));
                }
                b_out.copy_from_slice(gradients.b_v.as_slice());
                if let (Some(a_out), Some(a_v)) = (a_out, &gradients.a_v) {
                    a_out.copy_from_slice(a_v.as_slice());
                }
            }
            Ok(())
        })
    }

    /// The nominal step's δv at each point, where the samples' solves will start: the barrier
    /// forms' Newton iterations from its δv, the own exact solver's continuation from its
    /// interior point (the minimiser does not depend on it; the iteration count does).
    /// Depends only on the points, so the results stay independent of the thread count.
    /// None where the solver cannot use it (Clarabel) and where the nominal step fails.
    fn nominal_displacements(&self, points: &[(&[f64], &[f64])]) -> Vec<Option<Vec<f64>>> {
        let settings = &self.sampled_values;
        let barrier = settings.forward_mode.is_barrier();
        if !barrier && settings.exact_solver != ExactSolver::Own {
            return vec![None; points.len()];
        }
        points
            .par_iter()
            .map(|(q, u)| {
                with_workspace(|workspace| self.system.step_with(settings, workspace, q, u, None))
                    .ok()
                    .and_then(|r| if barrier { Some(r.dv) } else { r.interior_dv })
            })
            .collect()
    }

    /// c, the mean of the samples' q⁺, and each sample's offset q⁺_k ⊖ c (n_v). Without free
    /// bodies both are plain arithmetic. With them, c is the mean taken in the tangent space at
    /// the first valid sample (one step of the Karcher mean; the samples are close together).
    fn mean_configuration(
        &self,
        valid: &[&Sample<'_>],
    ) -> Result<(Vec<f64>, Vec<f64>), qd_geometry::GeometryError> {
        let tree = self.system.scene().tree();
        let (n, n_v) = (valid.len() as f64, tree.nv());
        // The offsets in one buffer, sample after sample (n_v each): one allocation per time
        // step, none per sample.
        let mut offsets = vec![0.0; valid.len() * n_v];
        if self.maps.is_trivial() {
            let mut c = vec![0.0; tree.nq()];
            for sample in valid {
                c.iter_mut().zip(sample.q_next).for_each(|(c, q)| *c += q);
            }
            c.iter_mut().for_each(|c| *c /= n);
            for (offset, sample) in offsets.chunks_exact_mut(n_v).zip(valid) {
                for ((o, q), c) in offset.iter_mut().zip(sample.q_next).zip(&c) {
                    *o = q - c;
                }
            }
            return Ok((c, offsets));
        }
        let reference = valid[0].q_next;
        let mut mean_offset = vec![0.0; n_v];
        for (offset, sample) in offsets.chunks_exact_mut(n_v).zip(valid) {
            tree.difference_into(reference, sample.q_next, offset)?;
            mean_offset
                .iter_mut()
                .zip(&*offset)
                .for_each(|(m, d)| *m += d);
        }
        mean_offset.iter_mut().for_each(|m| *m /= n);
        let mut c = reference.to_vec();
        tree.integrate(&mut c, &mean_offset)?;
        for (offset, sample) in offsets.chunks_exact_mut(n_v).zip(valid) {
            tree.difference_into(&c, sample.q_next, offset)?;
        }
        Ok((c, offsets))
    }

    /// The first-order estimate of one derivative (`pick` selects B or A from a sample),
    /// carried to the tangent space at c for free bodies: rows always, columns too for A
    /// (`input_side`), whose inputs were perturbed on the manifold.
    fn bundle<'a>(
        &self,
        valid: &[&Sample<'a>],
        offsets: &[&[f64]],
        pick: impl Fn(&Sample<'a>) -> Option<&'a [f64]>,
        (rows, cols): (usize, usize),
        input_side: bool,
    ) -> Result<Estimate, SmoothingError> {
        let missing = || SmoothingError::InvalidParameter("a sample lacks its derivatives".into());
        if self.maps.is_trivial() {
            // Sized up front: collecting through `Result` would grow the vector by doubling.
            let mut samples: Vec<&[f64]> = Vec::with_capacity(valid.len());
            for sample in valid {
                samples.push(pick(sample).ok_or_else(missing)?);
            }
            return monte_carlo::first_order_flat(offsets, &samples, rows, cols);
        }
        // The mapped derivatives in one buffer, sample after sample.
        let size = rows * cols;
        let mut mapped = vec![0.0; valid.len() * size];
        for ((sample, d), m) in valid.iter().zip(offsets).zip(mapped.chunks_exact_mut(size)) {
            m.copy_from_slice(pick(sample).ok_or_else(missing)?);
            self.maps.map_rows(m, rows, d);
            if input_side {
                self.maps.map_columns(m, rows, sample.w_q);
            }
        }
        let samples: Vec<&[f64]> = mapped.chunks_exact(size).collect();
        monte_carlo::first_order_flat(offsets, &samples, rows, cols)
    }

    /// Reduces one time step's samples (in index order) to a linearisation.
    fn estimate(
        &self,
        t: usize,
        chunk: &[Result<Sample<'_>, &Dropped>],
        order: Order,
        perturbs_q: bool,
    ) -> Result<Linearization, SmoothingError> {
        let tree = self.system.scene().tree();
        let (n_v, n_a) = (tree.nv(), self.system.na());
        let mut report = SmoothingReport {
            samples: chunk.len(),
            ..SmoothingReport::default()
        };
        let mut valid = Vec::with_capacity(chunk.len());
        for result in chunk {
            match result {
                Ok(sample) => valid.push(sample),
                Err(Dropped::FailedStep(reason)) => {
                    report.dropped_failed_step += 1;
                    report.first_failure.get_or_insert_with(|| reason.clone());
                }
                Err(Dropped::Unreliable(reason)) => {
                    report.dropped_unreliable += 1;
                    report.first_failure.get_or_insert_with(|| reason.clone());
                }
            }
        }
        report.valid = valid.len();
        let fit_minimum = match order {
            Order::First => 1,
            Order::Zero => n_a + if perturbs_q { n_v } else { 0 } + 2,
        };
        let required =
            ((self.min_valid_fraction * chunk.len() as f64).ceil() as usize).max(fit_minimum);
        if valid.len() < required {
            return Err(SmoothingError::TooFewValidSamples {
                t,
                samples: chunk.len(),
                valid: valid.len(),
                required,
                first_failure: report.first_failure.unwrap_or_else(|| "none".into()),
            });
        }
        let (c, offset_buffer) =
            self.mean_configuration(&valid)
                .map_err(|error| SmoothingError::Dynamics {
                    t,
                    error: error.into(),
                })?;
        let offsets: Vec<&[f64]> = offset_buffer.chunks_exact(n_v.max(1)).collect();
        let with_a = self.derivatives == Derivatives::AB;
        let (b, a, b_estimate_error, a_estimate_error, c_error) = match order {
            Order::First => {
                let b_estimate = self.bundle(&valid, &offsets, |s| s.b_v, (n_v, n_a), false)?;
                let a_estimate = if with_a {
                    Some(self.bundle(&valid, &offsets, |s| s.a_v, (n_v, n_v), true)?)
                } else {
                    None
                };
                let Estimate {
                    jacobian,
                    jacobian_standard_error,
                    value_standard_error,
                    ..
                } = b_estimate;
                let (a, a_error) = match a_estimate {
                    Some(e) => (Some(e.jacobian), Some(e.jacobian_standard_error)),
                    None => (None, None),
                };
                (
                    jacobian,
                    a,
                    jacobian_standard_error,
                    a_error,
                    value_standard_error,
                )
            }
            Order::Zero => {
                let perturbations: Vec<Vec<f64>> = valid
                    .iter()
                    .map(|sample| {
                        let mut w = Vec::with_capacity(n_v + n_a);
                        if perturbs_q {
                            w.extend_from_slice(sample.w_q);
                        }
                        w.extend_from_slice(sample.w_u);
                        w
                    })
                    .collect();
                let estimate = monte_carlo::zero_order(&perturbations, &offsets)?;
                let offset = if perturbs_q { n_v } else { 0 };
                let b = estimate.jacobian.columns(offset, n_a).into_owned();
                let b_error = estimate
                    .jacobian_standard_error
                    .columns(offset, n_a)
                    .into_owned();
                let (a, a_error) = if with_a && perturbs_q {
                    (
                        Some(estimate.jacobian.columns(0, n_v).into_owned()),
                        Some(
                            estimate
                                .jacobian_standard_error
                                .columns(0, n_v)
                                .into_owned(),
                        ),
                    )
                } else {
                    (None, None)
                };
                (b, a, b_error, a_error, estimate.value_standard_error)
            }
        };
        report.b_standard_error = Some(b_estimate_error);
        report.a_standard_error = a_estimate_error;
        report.c_standard_error = Some(c_error.as_slice().to_vec());
        Ok(Linearization { c, b, a, report })
    }
}

/// Parameter checks of a randomized estimate.
fn check_randomized<N: NoiseModel>(
    system: &QuasiDynamicSystem,
    noise: &N,
    order: Order,
    derivatives: Derivatives,
    samples: usize,
) -> Result<(), SmoothingError> {
    if samples == 0 {
        return Err(SmoothingError::InvalidParameter(
            "samples must be ≥ 1".into(),
        ));
    }
    if order == Order::Zero {
        if derivatives == Derivatives::AB && !noise.perturbs_q() {
            return Err(SmoothingError::InvalidParameter(
                "zero-order A needs noise on q (σ_q > 0)".into(),
            ));
        }
        let n_w = system.na()
            + if noise.perturbs_q() {
                system.scene().tree().nv()
            } else {
                0
            };
        if samples < n_w + 2 {
            return Err(SmoothingError::InvalidParameter(format!(
                "zero-order fit of {n_w} perturbed coordinates needs at least {} samples, got {samples}",
                n_w + 2
            )));
        }
    }
    Ok(())
}
