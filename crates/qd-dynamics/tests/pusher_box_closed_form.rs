//! The 1-D pusher–box system has closed-form steps (docs/smoothing.md), derived here:
//!
//! Variables (δa, δo) (pusher, box), `Q = diag(k', m')` with `k' = hK`, `m' = M/h`, no
//! gravity, one contact with `φ = q_o − q_a − (r + w/2)`, `J_n = (−1, 1)`, no tangential
//! motion. Write `Δ = u − q_a`, `x = Δ − φ` (how far the command reaches past touching).
//! - Exact: the box moves `δo = k'/(k' + m') · max(x, 0)`.
//! - Cone barrier: with y_t = 0 it is `−(2h/κ) log s` (s the gap after the step; the program's
//!   barrier weight is h/κ), so c = 2. Stationarity gives `δa = Δ − λ/k'`, `δo = λ/m'`,
//!   `λ = 2h/(κ s)`, hence `s = λ w − x` with `w = 1/m' + 1/k'`, i.e. `s² + x s − 2wh/κ = 0`
//!   and `λ w = (x + √(x² + 8wh/κ))/2 = y_κeff(x)` with `κ_eff = κ / (2wh)`:
//!   `δo = k'/(k' + m') · y_κeff(x)`.

use qd_dynamics::ForwardMode;
use qd_dynamics::{QuasiDynamicSystem, StepWorkspace};

fn y_kappa(x: f64, kappa: f64) -> f64 {
    (x + (x * x + 4.0 / kappa).sqrt()) / 2.0
}

#[test]
fn exact_and_barrier_steps_match_their_closed_forms() {
    let mut system = QuasiDynamicSystem::new(qd_scenes::load("pusher-box-1d").expect("scene"))
        .expect("step settings");
    let q = system.scene().default_q().to_vec(); // pusher at 0, box at 0.25: φ = 0.1
    let (h, k, m) = (0.1, 100.0, 1.0);
    let (k_prime, m_prime) = (h * k, m / h);
    let w = 1.0 / m_prime + 1.0 / k_prime;
    let phi = q[1] - q[0] - 0.15;
    let mut workspace = StepWorkspace::default();
    for delta in [-0.05, 0.05, 0.09, 0.1, 0.11, 0.15, 0.3] {
        let x = delta - phi;
        let u = [q[0] + delta];

        system.settings_mut().forward_mode = ForwardMode::Socp;
        let exact = system.step(&mut workspace, &q, &u).expect("step").dv[1];
        let expected = k_prime / (k_prime + m_prime) * x.max(0.0);
        // Interior-point accuracy: at x = 0 (exactly touching) complementarity is degenerate
        // and Clarabel's answer is ~√(gap tolerance) ≈ 1e-7 off; elsewhere it is far closer.
        assert!(
            (exact - expected).abs() <= 1e-6,
            "SOCP, Δ = {delta}: {exact} vs {expected}"
        );

        for kappa in [10.0, 1e3, 1e5] {
            system.settings_mut().forward_mode = ForwardMode::LogBarrierCone;
            system.settings_mut().kappa = kappa;
            let smoothed = system.step(&mut workspace, &q, &u).expect("step").dv[1];
            let expected = k_prime / (k_prime + m_prime) * y_kappa(x, kappa / (2.0 * w * h));
            assert!(
                (smoothed - expected).abs() <= 1e-10,
                "barrier κ = {kappa}, Δ = {delta}: {smoothed} vs {expected}"
            );
        }
    }
}
