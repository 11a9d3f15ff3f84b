//! The extension points of `docs/extending.md`, exercised from outside the crates they extend:
//! a planner with its own `[task.greedy]` table and a smoother with its own noise model, both
//! written here, with no change to the model, the step, the task layer or the smoother.

use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};
use qd_geometry::scene::Scene;
use qd_smoothing::noise::NoiseModel;
use qd_smoothing::{Derivatives, Order, Smoother, Smoothing};
use qd_task::Task;
use rand::distr::{Distribution, Open01};
use serde::Deserialize;

/// The new planner's table of a scene's task.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GreedySection {
    /// Steps to take.
    steps: usize,
    /// Largest command change per step, ‖δu‖∞ (m).
    max_input_change: f64,
    /// κ of the analytic smoothing of each step's linearisation.
    kappa: f64,
}

/// planar-pushing with a `[task.greedy]` table added to its task.
fn scene_with_greedy_table(table: &str) -> Scene {
    let text = format!(
        "{}\n[task.greedy]\n{table}\n",
        qd_scenes::source("planar-pushing").expect("built-in")
    );
    Scene::from_toml_str(&text, &|p: &str| Err(format!("no file {p}"))).expect("valid model")
}

/// A one-step-lookahead planner: at each step, the command change that the smoothed
/// linearisation says moves the object most toward its goal (damped least squares), clamped
/// to the rate limit, then one exact step. Returns the object's distance to the goal (m)
/// before and after.
fn greedy(scene: &Scene) -> (f64, f64) {
    let task = Task::from_scene(scene).expect("task").expect("a task");
    let section: GreedySection = task
        .parse_planner_section("greedy")
        .expect("a valid table")
        .expect("the table");
    let system = QuasiDynamicSystem::new(scene.clone()).expect("step settings");
    let exact = system
        .with_step_settings(system.settings().clone().exact_rollout())
        .expect("exact settings");
    let smoother = Smoother::new(
        &system,
        Smoothing::Analytic {
            kappa: section.kappa,
        },
        Derivatives::B,
    )
    .expect("smoother");
    let object = task.object_coordinates(scene);
    let goal = &task.goal().q;
    let mut q = task.start_q().to_vec();
    let mut u = scene.actuated_positions(&q);
    let distance = |q: &[f64]| object.error(object.block(q), goal).position;
    let before = distance(&q);
    let mut workspace = StepWorkspace::default();
    for _ in 0..section.steps {
        let lin = smoother.linearize(&q, &u).expect("linearisation");
        // Object rows of B, and the displacement still wanted after the hold step c.
        let wanted = object.difference(object.block(&lin.c), goal);
        let rows = lin.b.rows(object.v_start, object.translations).into_owned();
        let target = nalgebra::DVector::from_column_slice(&wanted[..object.translations]);
        let normal =
            rows.transpose() * &rows + nalgebra::DMatrix::identity(u.len(), u.len()) * 1e-6;
        let du = normal
            .cholesky()
            .expect("damped normal equations")
            .solve(&(rows.transpose() * target));
        let largest = du.amax().max(f64::MIN_POSITIVE);
        let scale = (section.max_input_change / largest).min(1.0);
        for (ui, d) in u.iter_mut().zip(du.iter()) {
            *ui += scale * d;
        }
        q = exact
            .step(&mut workspace, &q, &u)
            .expect("exact step")
            .q_next;
    }
    (before, distance(&q))
}

#[test]
fn a_planner_written_outside_the_library_reads_its_own_task_table() {
    let scene = scene_with_greedy_table("steps = 25\nmax_input_change = 0.05\nkappa = 10.0");
    // The layers below are untouched by the new table: the model, the step settings and the
    // other planners' tables read as before.
    let plain = qd_scenes::load("planar-pushing").expect("built-in");
    assert_eq!(scene.d_detect(), plain.d_detect());
    let task = Task::from_scene(&scene).expect("task").expect("a task");
    assert!(qd_rrt::RrtTask::from_task(&task, scene.name()).is_ok());
    assert!(task.planner_sections().any(|name| name == "greedy"));
    let (before, after) = greedy(&scene);
    assert!(
        after < 0.7 * before,
        "the greedy planner moves the box toward its goal: {before:.3} m → {after:.3} m"
    );
    // Its table is checked by the planner that owns it.
    let misspelt = scene_with_greedy_table("steps = 25\nmax_input_change = 0.05\nkapa = 100.0");
    let task = Task::from_scene(&misspelt).expect("task").expect("a task");
    let error = task
        .parse_planner_section::<GreedySection>("greedy")
        .expect_err("misspelt key");
    assert!(
        error.to_string().contains("[task.greedy]") && error.to_string().contains("kapa"),
        "{error}"
    );
}

/// Uniform noise on u in [−a, a]: a smoother's noise model written outside qd-smoothing.
struct Uniform {
    half_width: f64,
}

impl NoiseModel for Uniform {
    fn perturbs_q(&self) -> bool {
        false
    }

    fn draw(&self, rng: &mut rand::rngs::ChaCha8Rng, w_q: &mut [f64], w_u: &mut [f64]) {
        w_q.fill(0.0);
        for w in w_u.iter_mut() {
            let t: f64 = Open01.sample(rng);
            *w = self.half_width * (2.0 * t - 1.0);
        }
    }
}

#[test]
fn a_noise_model_written_outside_the_library_smooths_the_step() {
    let scene = qd_scenes::load("planar-pushing").expect("built-in");
    let system = QuasiDynamicSystem::new(scene).expect("step settings");
    let smoother = Smoother::new(
        &system,
        Smoothing::RandomizedFirstOrder {
            sigma_u: 0.05,
            sigma_q: 0.0,
            samples: 64,
            seed: 0,
        },
        Derivatives::B,
    )
    .expect("smoother");
    let q = system.scene().default_q().to_vec();
    let u = system.scene().actuated_positions(&q);
    let narrow = Uniform { half_width: 1e-4 };
    let estimate = |noise: &Uniform, seed| {
        smoother
            .linearize_with_noise(noise, Order::First, 64, seed, &q, &u)
            .expect("estimate")
    };
    // With vanishing noise the bundled B is the exact step's B at the point.
    let exact = Smoother::new(&system, Smoothing::Exact, Derivatives::B)
        .expect("exact smoother")
        .linearize(&q, &u)
        .expect("exact B");
    let bundled = estimate(&narrow, 1);
    assert_eq!(bundled.report.valid, 64);
    let gap = (&bundled.b - &exact.b).amax();
    assert!(gap < 1e-6 * exact.b.amax().max(1.0), "B differs by {gap}");
    // And it is the same whatever the seed's stream order: a seed fixes the estimate.
    assert_eq!(estimate(&narrow, 1).b, bundled.b);
}
