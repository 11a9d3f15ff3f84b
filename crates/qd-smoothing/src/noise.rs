//! Seeded noise for randomized smoothing.
//!
//! Every sample k of time step t draws from its own stream, a ChaCha8 generator keyed by
//! (seed, t, k). Which thread evaluates a sample, and in which order, then cannot change what
//! it draws: results are bit-identical for any thread count. ChaCha8 is portable (the same
//! numbers on every platform and every version of `rand` that keeps the algorithm).

use rand::SeedableRng;
use rand::distr::{Distribution, Open01};
use rand::rngs::ChaCha8Rng;
use rand_distr::StandardNormal;

/// The random stream of sample `k` at time step `t` under `seed`.
pub fn sample_stream(seed: u64, t: u64, k: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&t.to_le_bytes());
    key[16..24].copy_from_slice(&k.to_le_bytes());
    // A domain tag keeps these streams apart from any other use of the same seed.
    key[24..].copy_from_slice(b"qd-noise");
    ChaCha8Rng::from_seed(key)
}

/// How the perturbations `w = (w_q, w_u)` of one sample are drawn. `w_q` is a tangent-space
/// displacement of q (n_v, applied as `q ⊕ w_q`), `w_u` is added to u (n_a).
///
/// Implementations must draw only from `rng` so that a sample's noise depends on its stream
/// alone.
pub trait NoiseModel: Sync {
    /// Standard deviation-like scale of each w_q coordinate; 0 means q is not perturbed.
    fn perturbs_q(&self) -> bool;
    /// Fills `w_q` (n_v) and `w_u` (n_a).
    fn draw(&self, rng: &mut ChaCha8Rng, w_q: &mut [f64], w_u: &mut [f64]);
}

/// Independent Gaussian noise: w_q ~ N(0, σ_q² I), w_u ~ N(0, σ_u² I) (docs/smoothing.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gaussian {
    /// σ_u, in the units of u (rad or m).
    pub sigma_u: f64,
    /// σ_q, in the units of the tangent coordinates (rad or m); 0 leaves q unperturbed.
    pub sigma_q: f64,
}

impl NoiseModel for Gaussian {
    fn perturbs_q(&self) -> bool {
        self.sigma_q > 0.0
    }

    fn draw(&self, rng: &mut ChaCha8Rng, w_q: &mut [f64], w_u: &mut [f64]) {
        // u first, so that a B-only estimate draws the same w_u whatever σ_q is.
        for w in w_u.iter_mut() {
            let z: f64 = StandardNormal.sample(rng);
            *w = self.sigma_u * z;
        }
        for w in w_q.iter_mut() {
            *w = if self.sigma_q > 0.0 {
                let z: f64 = StandardNormal.sample(rng);
                self.sigma_q * z
            } else {
                0.0
            };
        }
    }
}

/// The noise whose smoothing of max(x, 0) is exactly the log-barrier solution at weight κ
/// (docs/smoothing.md): density ρ_κ(w) = (2/κ)(w² + 4/κ)^(−3/2), drawn independently for each u
/// coordinate; q is not perturbed. Heavy-tailed (a scaled Student t with 2 degrees of freedom):
/// its mean is finite, its variance is not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarrierEquivalent {
    /// The κ this noise reproduces (1/m², for a constraint in metres).
    pub kappa: f64,
}

impl BarrierEquivalent {
    /// One draw by inverse CDF: t ~ U(−1, 1), w = (2/√κ) t / √(1 − t²).
    pub fn draw_one(&self, rng: &mut ChaCha8Rng) -> f64 {
        let open: f64 = Open01.sample(rng);
        let t = 2.0 * open - 1.0;
        2.0 / self.kappa.sqrt() * t / (1.0 - t * t).sqrt()
    }
}

impl NoiseModel for BarrierEquivalent {
    fn perturbs_q(&self) -> bool {
        false
    }

    fn draw(&self, rng: &mut ChaCha8Rng, w_q: &mut [f64], w_u: &mut [f64]) {
        for w in w_u.iter_mut() {
            *w = self.draw_one(rng);
        }
        w_q.fill(0.0);
    }
}
