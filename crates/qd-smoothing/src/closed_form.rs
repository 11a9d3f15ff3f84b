//! Closed forms of the one-dimensional smoothing identities of docs/smoothing.md.
//!
//! The problem `min_y ½(y − x)² s.t. y ≥ 0` has the exact solution max(x, 0). Its log-barrier
//! relaxation `min_y ½(y − x)² − (1/κ) log y` has the solution y_κ(x) below, and y_κ is also the
//! expectation of max(x + w, 0) under the density ρ_κ of [`crate::noise::BarrierEquivalent`].
//! Gaussian smoothing of max(x, 0) has its own closed form.

/// y_κ(x) = (x + √(x² + 4/κ)) / 2, the barrier solution; written to avoid cancellation for
/// x ≪ 0 (where it is (2/κ) / (√(x² + 4/κ) − x)).
pub fn relu_barrier_solution(x: f64, kappa: f64) -> f64 {
    let root = (x * x + 4.0 / kappa).sqrt();
    if x >= 0.0 {
        0.5 * (x + root)
    } else {
        (2.0 / kappa) / (root - x)
    }
}

/// dy_κ/dx = ½ (1 + x / √(x² + 4/κ)), which is also F_κ(x), the CDF of ρ_κ at x: the
/// probability that x + w > 0.
pub fn relu_barrier_derivative(x: f64, kappa: f64) -> f64 {
    barrier_equivalent_cdf(x, kappa)
}

/// F_κ(w) = ½ (1 + w / √(w² + 4/κ)), the CDF of the barrier-equivalent noise.
pub fn barrier_equivalent_cdf(w: f64, kappa: f64) -> f64 {
    let root = (w * w + 4.0 / kappa).sqrt();
    if w >= 0.0 {
        0.5 * (1.0 + w / root)
    } else {
        // ½ (1 − |w|/r) = ½ (r − |w|)/r = (2/κ) / (r (r + |w|)), without cancellation.
        (2.0 / kappa) / (root * (root - w))
    }
}

/// The standard normal CDF Φ(z) = ½ erfc(−z / √2).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The standard normal density ϕ(z).
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// E[max(x + σ z, 0)] = x Φ(x/σ) + σ ϕ(x/σ) for z ~ N(0, 1).
pub fn gaussian_smoothed_relu(x: f64, sigma: f64) -> f64 {
    x * normal_cdf(x / sigma) + sigma * normal_pdf(x / sigma)
}

/// d/dx E[max(x + σ z, 0)] = Φ(x/σ).
pub fn gaussian_smoothed_relu_derivative(x: f64, sigma: f64) -> f64 {
    normal_cdf(x / sigma)
}

/// E[max(x + w, 0)] under ρ_κ by quadrature, an independent check of [`relu_barrier_solution`]
/// that does not sample the heavy tail. With w = (2/√κ) tan θ, θ ∈ (−π/2, π/2), the density
/// becomes ½ cos θ dθ and the integrand ½ max(x + (2/√κ) tan θ, 0) cos θ is smooth and bounded
/// except for a kink where x + w = 0, which is split off as an endpoint.
pub fn relu_barrier_expectation_by_quadrature(x: f64, kappa: f64) -> f64 {
    let scale = 2.0 / kappa.sqrt();
    // x + scale tan θ > 0 for θ > θ₀ = atan(−x/scale).
    let theta_0 = (-x / scale).atan();
    let upper = std::f64::consts::FRAC_PI_2;
    let integrand = |theta: f64| 0.5 * (x * theta.cos() + scale * theta.sin());
    gauss_legendre_composite(integrand, theta_0, upper, 2000)
}

/// Composite 5-point Gauss–Legendre quadrature on `panels` equal panels.
fn gauss_legendre_composite(f: impl Fn(f64) -> f64, a: f64, b: f64, panels: usize) -> f64 {
    const NODES: [f64; 5] = [
        0.0,
        -0.538_469_310_105_683_1,
        0.538_469_310_105_683_1,
        -0.906_179_845_938_664,
        0.906_179_845_938_664,
    ];
    const WEIGHTS: [f64; 5] = [
        0.568_888_888_888_888_9,
        0.478_628_670_499_366_5,
        0.478_628_670_499_366_5,
        0.236_926_885_056_189_1,
        0.236_926_885_056_189_1,
    ];
    let width = (b - a) / panels as f64;
    let mut total = 0.0;
    for p in 0..panels {
        let mid = a + (p as f64 + 0.5) * width;
        for (node, weight) in NODES.iter().zip(WEIGHTS) {
            total += weight * f(mid + 0.5 * width * node);
        }
    }
    0.5 * width * total
}
