//! nalgebra's dense Cholesky against faer's (0.24, in place, no allocation) and a plain
//! right-looking loop, factor + one solve, at sizes 14, 23 and 40 that bracket the 3-D scenes'
//! barrier Hessians (allegro-sphere: 16 joints + 6 for the sphere). Not part of the workspace (faer
//! is not a dependency): to run it, in a scratch crate,
//!
//! ```text
//! cargo new cholesky_sizes && cd cholesky_sizes
//! cargo add faer@0.24 nalgebra@0.35 && cp <this file> src/main.rs && cargo run --release
//! ```
//!
//! Figures recorded in docs/architecture.md ("Dependencies and why each is there").

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch, LltRegularization};
use faer::linalg::cholesky::llt::solve::solve_in_place;
use faer::Par;
use nalgebra::{DMatrix, DVector};
use std::time::Instant;

fn spd(n: usize) -> DMatrix<f64> {
    let mut a = DMatrix::zeros(n, n);
    let mut s = 1u64;
    for v in a.iter_mut() { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); *v = ((s >> 11) as f64 / (1u64<<53) as f64) - 0.5; }
    &a * a.transpose() + DMatrix::identity(n, n) * 0.1
}

fn hand_chol(a: &mut [f64], n: usize) -> bool {
    // right-looking, column-major, lower
    for j in 0..n {
        let d = a[j * n + j];
        if !(d > 0.0) { return false; }
        let d = d.sqrt();
        a[j * n + j] = d;
        let inv = 1.0 / d;
        for i in j + 1..n { a[j * n + i] *= inv; }
        for k in j + 1..n {
            let l = a[j * n + k];
            let (left, right) = a.split_at_mut(k * n);
            let cj = &left[j * n + k..j * n + n];
            let ck = &mut right[k..n];
            for (x, y) in ck.iter_mut().zip(cj) { *x -= l * y; }
        }
    }
    true
}
fn hand_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for j in 0..n { b[j] /= l[j*n+j]; let bj = b[j]; for i in j+1..n { b[i] -= l[j*n+i]*bj; } }
    for j in (0..n).rev() { let col=&l[j*n+j+1..j*n+n]; let s: f64 = col.iter().zip(&b[j+1..n]).map(|(a,c)| a*c).sum(); b[j] = (b[j]-s)/l[j*n+j]; }
}

fn main() {
    for n in [14usize, 23, 40] {
        let a = spd(n);
        let b = DVector::from_element(n, 1.0);
        let reps = 200_000;
        let mut buf = a.clone();
        let t = Instant::now();
        let mut acc = 0.0;
        for _ in 0..reps {
            buf.copy_from(&a);
            let c = nalgebra::Cholesky::new(std::mem::take(&mut buf)).unwrap();
            let mut x = b.clone(); c.solve_mut(&mut x); acc += x[0];
            buf = c.unpack();
        }
        let tn = t.elapsed().as_secs_f64() / reps as f64 * 1e9;
        let mut fb = faer::Mat::<f64>::zeros(n, n);
        let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(n, Par::Seq, Default::default()));
        let mut x = faer::Mat::<f64>::zeros(n, 1);
        let src = faer::Mat::<f64>::from_fn(n, n, |i, j| a[(i, j)]);
        let t = Instant::now();
        for _ in 0..reps {
            fb.as_mut().copy_from(src.as_ref());
            cholesky_in_place(fb.as_mut(), LltRegularization::default(), Par::Seq, MemStack::new(&mut mem), Default::default()).unwrap();
            for i in 0..n { x[(i,0)] = 1.0; }
            solve_in_place(fb.as_ref(), x.as_mut(), Par::Seq, MemStack::new(&mut mem));
            acc += x[(0,0)];
        }
        let tf = t.elapsed().as_secs_f64() / reps as f64 * 1e9;
        let mut hb = vec![0.0; n*n];
        let mut hx = vec![0.0; n];
        let t = Instant::now();
        for _ in 0..reps {
            hb.copy_from_slice(a.as_slice());
            assert!(hand_chol(&mut hb, n));
            hx.fill(1.0); hand_solve(&hb, n, &mut hx); acc += hx[0];
        }
        let th = t.elapsed().as_secs_f64() / reps as f64 * 1e9;
        println!("n={n}: nalgebra {tn:.0} ns, faer {tf:.0} ns, hand {th:.0} ns (check {acc:.3e}, x0 diff {:.1e})", (hx[0]-x[(0,0)]).abs());
    }
}
