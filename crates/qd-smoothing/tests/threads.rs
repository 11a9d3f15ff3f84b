//! A fixed seed gives bit-identical linearisations whatever the number of threads (issue 6):
//! the same estimate computed in rayon pools of 1, 2 and 3 threads.

use qd_dynamics::ForwardMode;
use qd_dynamics::QuasiDynamicSystem;
use qd_smoothing::equivalence::matched::squeezed_point;
use qd_smoothing::{Derivatives, Linearization, Smoother, Smoothing};

fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
        .install(work)
}

/// Bit patterns of every number in a linearisation.
fn bits(lin: &Linearization) -> Vec<u64> {
    let mut out: Vec<u64> = lin.c.iter().map(|x| x.to_bits()).collect();
    out.extend(lin.b.iter().map(|x| x.to_bits()));
    if let Some(a) = &lin.a {
        out.extend(a.iter().map(|x| x.to_bits()));
    }
    for se in [&lin.report.b_standard_error, &lin.report.a_standard_error]
        .into_iter()
        .flatten()
    {
        out.extend(se.iter().map(|x| x.to_bits()));
    }
    out
}

fn assert_thread_independent(scene: &str, mode: ForwardMode, method: Smoothing) {
    let mut system = QuasiDynamicSystem::new(qd_scenes::load(scene).expect("built-in scene"))
        .expect("step settings");
    system.settings_mut().forward_mode = mode;
    let (q, u) = squeezed_point(&system, 0.05).expect("grasp");
    let smoother = Smoother::new(&system, method, Derivatives::AB).expect("valid smoother");
    // A short trajectory: the same point three times, so (t, k) streams differ per step.
    let states = vec![q.clone(); 3];
    let inputs = vec![u.clone(); 3];
    let runs: Vec<Vec<Vec<u64>>> = [1, 2, 3]
        .into_iter()
        .map(|threads| {
            in_pool(threads, || smoother.linearize_trajectory(&states, &inputs))
                .expect("linearisation")
                .iter()
                .map(bits)
                .collect()
        })
        .collect();
    assert_eq!(runs[0], runs[1], "{scene}: 1 vs 2 threads");
    assert_eq!(runs[0], runs[2], "{scene}: 1 vs 3 threads");
    // Distinct streams per time step: the three estimates at the same point differ.
    assert_ne!(
        runs[0][0], runs[0][1],
        "{scene}: time steps share their noise"
    );
}

#[test]
fn first_order_is_bit_identical_across_thread_counts() {
    let method = Smoothing::RandomizedFirstOrder {
        sigma_u: 0.05,
        sigma_q: 0.01,
        samples: 40,
        seed: 11,
    };
    assert_thread_independent("planar-hand", ForwardMode::LogBarrierCone, method);
    assert_thread_independent("planar-hand", ForwardMode::Socp, method);
}

#[test]
fn zero_order_is_bit_identical_across_thread_counts() {
    let method = Smoothing::RandomizedZeroOrder {
        sigma_u: 0.05,
        sigma_q: 0.01,
        samples: 40,
        seed: 12,
    };
    assert_thread_independent("planar-hand", ForwardMode::LogBarrierCone, method);
}

#[test]
fn free_body_estimates_are_bit_identical_across_thread_counts() {
    let method = Smoothing::RandomizedFirstOrder {
        sigma_u: 0.02,
        sigma_q: 0.005,
        samples: 12,
        seed: 13,
    };
    assert_thread_independent("allegro-sphere", ForwardMode::LogBarrierCone, method);
}

/// Set in the child processes of [`global_pool_size_does_not_change_results`].
const CHILD: &str = "QD_SMOOTHING_THREADS_CHILD";

/// The same through rayon's global pool sized by `RAYON_NUM_THREADS`, as a user runs it: the
/// test re-runs itself in child processes with 1 and 2 threads, each printing the pool size
/// and the bits of a bundled A, B, c; the parent compares them.
#[test]
fn global_pool_size_does_not_change_results() {
    if std::env::var(CHILD).is_ok() {
        let system = QuasiDynamicSystem::new(qd_scenes::load("planar-hand").expect("scene"))
            .expect("step settings");
        let (q, u) = squeezed_point(&system, 0.05).expect("grasp");
        let method = Smoothing::RandomizedFirstOrder {
            sigma_u: 0.05,
            sigma_q: 0.01,
            samples: 64,
            seed: 21,
        };
        let lin = Smoother::new(&system, method, Derivatives::AB)
            .expect("valid smoother")
            .linearize(&q, &u)
            .expect("linearisation");
        let bits: Vec<String> = bits(&lin).iter().map(|b| format!("{b:x}")).collect();
        println!(
            "THREADS {} BITS {}",
            rayon::current_num_threads(),
            bits.join(",")
        );
        return;
    }
    let run = |threads: &str| {
        let output = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "--exact",
                "global_pool_size_does_not_change_results",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("child test runs");
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let line = stdout
            .lines()
            // libtest prints its "test … " prefix on the same line.
            .find_map(|l| l.split_once("THREADS ").map(|(_, rest)| rest))
            .unwrap_or_else(|| panic!("child printed no result: {stdout}"))
            .to_string();
        let (count, bits) = line.split_once(" BITS ").expect("child's line");
        (count.to_string(), bits.to_string())
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.0, "1");
    assert_eq!(two.0, "2");
    assert_eq!(one.1, two.1, "RAYON_NUM_THREADS=1 and =2 differ");
}
