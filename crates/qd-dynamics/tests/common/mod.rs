//! Finite differences of the whole step, the independent reference for the derivative tests.

#![allow(dead_code)]

use nalgebra::{DMatrix, UnitQuaternion, Vector3};
use qd_dynamics::{ForwardMode, GradientMode};
use qd_dynamics::{QuasiDynamicSystem, StepResult, StepWorkspace};
use qd_geometry::kinematics::JointKind;

/// A system with the given modes.
pub fn system_with(
    scene: &str,
    forward: ForwardMode,
    gradient: GradientMode,
    kappa: f64,
) -> QuasiDynamicSystem {
    let mut system = QuasiDynamicSystem::new(qd_scenes::load(scene).expect("built-in scene"))
        .expect("step settings");
    let p = system.settings_mut();
    p.forward_mode = forward;
    p.gradient_mode = gradient;
    p.kappa = kappa;
    system
}

/// One step (panics on failure: the tests choose feasible inputs).
pub fn step(system: &QuasiDynamicSystem, q: &[f64], u: &[f64]) -> StepResult {
    system
        .step(&mut StepWorkspace::default(), q, u)
        .expect("step solves")
}

/// q⁺ for a finite difference: `None` when the solver only reached reduced accuracy
/// (Clarabel's `AlmostSolved` is ~1e-6 off, which a difference quotient would amplify).
fn reference_step(system: &QuasiDynamicSystem, q: &[f64], u: &[f64]) -> Option<Vec<f64>> {
    // The reference needs q⁺ only: the same step without derivatives.
    let result = if system.settings().gradient_mode == GradientMode::None {
        step(system, q, u)
    } else {
        let mut plain = system.clone();
        plain.settings_mut().gradient_mode = GradientMode::None;
        step(&plain, q, u)
    };
    let accurate = result.report.status == qd_dynamics::SolveStatus::Solved;
    (accurate || RELAXED.with(|r| r.get())).then_some(result.q_next)
}

thread_local! {
    /// Set for the last retry: reduced-accuracy solves are then accepted.
    static RELAXED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Evaluates `f(step)` (the two displaced solves of one difference), retrying with slightly
/// different step sizes while some solve ended with reduced accuracy.
fn with_accurate_solves<T>(step_size: f64, f: impl Fn(f64) -> Option<T>) -> T {
    let mut size = step_size;
    for _ in 0..5 {
        if let Some(value) = f(size) {
            return value;
        }
        size *= 1.37;
    }
    RELAXED.with(|r| r.set(true));
    let value = f(step_size);
    RELAXED.with(|r| r.set(false));
    value.expect("relaxed solves are accepted")
}

/// `q_b ⊖ q_a` in tangent coordinates (world-frame rotation vector for free bodies).
pub fn tangent_difference(system: &QuasiDynamicSystem, q_b: &[f64], q_a: &[f64]) -> Vec<f64> {
    let tree = system.scene().tree();
    let mut out = vec![0.0; tree.nv()];
    for joint in tree.joints() {
        let (qs, vs) = (joint.q_start, joint.v_start);
        match joint.kind {
            JointKind::Free => {
                for i in 0..3 {
                    out[vs + i] = q_b[qs + i] - q_a[qs + i];
                }
                let rotation = |q: &[f64]| {
                    UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(
                        q[qs + 3],
                        q[qs + 4],
                        q[qs + 5],
                        q[qs + 6],
                    ))
                };
                let delta: Vector3<f64> = (rotation(q_b) * rotation(q_a).inverse()).scaled_axis();
                for i in 0..3 {
                    out[vs + 3 + i] = delta[i];
                }
            }
            _ => {
                for i in 0..joint.kind.nv() {
                    out[vs + i] = q_b[qs + i] - q_a[qs + i];
                }
            }
        }
    }
    out
}

/// Normalises the quaternion blocks of q in place.
pub fn normalise(system: &QuasiDynamicSystem, q: &mut [f64]) {
    for joint in system.scene().tree().joints() {
        if matches!(joint.kind, JointKind::Free) {
            let block = &mut q[joint.q_start + 3..joint.q_start + 7];
            let norm = block.iter().map(|c| c * c).sum::<f64>().sqrt();
            block.iter_mut().for_each(|c| *c /= norm);
        }
    }
}

/// Which side a finite difference takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Central,
    Forward,
    Backward,
}

/// A Jacobian (`rows` × `columns`) by differences: `shifted(column, delta)` is the change of
/// the output when the input moves by `delta` along `column` (`None` for a reduced-accuracy
/// solve, which makes the difference retry with another step).
fn jacobian_by_differences(
    rows: usize,
    columns: usize,
    step_size: f64,
    side: Side,
    shifted: impl Fn(usize, f64) -> Option<Vec<f64>>,
) -> DMatrix<f64> {
    let mut jacobian = DMatrix::zeros(rows, columns);
    for column in 0..columns {
        let values = with_accurate_solves(step_size, |size| {
            let (plus, minus) = match side {
                Side::Central => (shifted(column, size)?, shifted(column, -size)?),
                Side::Forward => (shifted(column, size)?, vec![0.0; rows]),
                Side::Backward => (vec![0.0; rows], shifted(column, -size)?),
            };
            let width = if side == Side::Central {
                2.0 * size
            } else {
                size
            };
            Some(
                plus.iter()
                    .zip(&minus)
                    .map(|(p, m)| (p - m) / width)
                    .collect::<Vec<f64>>(),
            )
        });
        jacobian.column_mut(column).copy_from_slice(&values);
    }
    jacobian
}

/// B_v by finite differences of the whole step (tangent coordinates of q⁺).
pub fn fd_b_v(
    system: &QuasiDynamicSystem,
    q: &[f64],
    u: &[f64],
    step_size: f64,
    side: Side,
) -> DMatrix<f64> {
    let q_next = step(system, q, u).q_next;
    let n_v = system.scene().tree().nv();
    jacobian_by_differences(n_v, u.len(), step_size, side, |j, delta| {
        let mut u_s = u.to_vec();
        u_s[j] += delta;
        reference_step(system, q, &u_s).map(|next| tangent_difference(system, &next, &q_next))
    })
}

/// A_v by finite differences of the whole step along q ⊕ ±s e_k.
pub fn fd_a_v(
    system: &QuasiDynamicSystem,
    q: &[f64],
    u: &[f64],
    step_size: f64,
    side: Side,
) -> DMatrix<f64> {
    let tree = system.scene().tree();
    let q_next = step(system, q, u).q_next;
    let n_v = tree.nv();
    jacobian_by_differences(n_v, n_v, step_size, side, |k, delta| {
        let mut q_s = q.to_vec();
        let mut dv = vec![0.0; n_v];
        dv[k] = delta;
        tree.integrate(&mut q_s, &dv).expect("lengths");
        reference_step(system, &q_s, u).map(|next| tangent_difference(system, &next, &q_next))
    })
}

/// The change of q⁺'s coordinates between two steps.
fn coordinate_difference(next: &[f64], nominal: &[f64]) -> Vec<f64> {
    next.iter().zip(nominal).map(|(a, b)| a - b).collect()
}

/// A_q by central differences in q's coordinates (quaternions renormalised after the shift).
pub fn fd_a_q(system: &QuasiDynamicSystem, q: &[f64], u: &[f64], step_size: f64) -> DMatrix<f64> {
    let q_next = step(system, q, u).q_next;
    let n_q = q.len();
    jacobian_by_differences(n_q, n_q, step_size, Side::Central, |k, delta| {
        let mut q_s = q.to_vec();
        q_s[k] += delta;
        normalise(system, &mut q_s);
        reference_step(system, &q_s, u).map(|next| coordinate_difference(&next, &q_next))
    })
}

/// B_q by central differences in u.
pub fn fd_b_q(system: &QuasiDynamicSystem, q: &[f64], u: &[f64], step_size: f64) -> DMatrix<f64> {
    let q_next = step(system, q, u).q_next;
    jacobian_by_differences(q.len(), u.len(), step_size, Side::Central, |j, delta| {
        let mut u_s = u.to_vec();
        u_s[j] += delta;
        reference_step(system, q, &u_s).map(|next| coordinate_difference(&next, &q_next))
    })
}

/// ‖a − b‖_F / max(‖b‖_F, floor).
pub fn relative_error(a: &DMatrix<f64>, b: &DMatrix<f64>, floor: f64) -> f64 {
    (a - b).norm() / b.norm().max(floor)
}

/// A 3-D scene with a free body: a point pusher (three prismatic joints) and a free `shape`
/// with an anisotropic inertia on the ground, tilted by `tilt` (rotation vector, rad).
pub fn free_body_scene(
    shape: &str,
    height: f64,
    tilt: [f64; 3],
    pusher: [f64; 3],
) -> QuasiDynamicSystem {
    let rotation = UnitQuaternion::from_scaled_axis(Vector3::from(tilt));
    let pusher = qd_scenes::fixtures::point_pusher_3d(pusher, 0.04);
    let text = format!(
        r#"
name = "free-body"
[parameters]
h = 0.1
gravity = [0.0, 0.0, -9.81]
d_detect = 0.05
mass_scale = 5.0
[[environment]]
shape = {{ halfspace = {{}} }}
{pusher}
[[objects]]
name = "object"
joint = {{ type = "free" }}
mass = 1.0
inertia = [0.004, 0.006, 0.009]
default_q = [0.0, 0.0, {height}, {}, {}, {}, {}]
[[objects.collisions]]
shape = {shape}
"#,
        rotation.w, rotation.i, rotation.j, rotation.k
    );
    let scene =
        qd_geometry::scene::Scene::from_toml_str(&text, &|p: &str| Err(format!("no file {p}")))
            .expect("test scene loads");
    QuasiDynamicSystem::new(scene).expect("step settings")
}

/// A proptest runner with a fixed seed and no failure files: the same cases on every machine.
pub fn seeded_runner(cases: u32, seed: u8) -> proptest::test_runner::TestRunner {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    )
}
