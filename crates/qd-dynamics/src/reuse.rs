//! Reusing storage between steps, so that a warm step allocates nothing: matrices and vectors
//! reshaped only when their shape changes, and vectors of reusable entries resized without
//! freeing them — the entries a step no longer needs (fewer contacts than the step before)
//! wait in a spare pool, with their own vectors, for a later step that needs more, so steps
//! whose contact count varies stop allocating once the pool holds the largest count seen.

use nalgebra::{DMatrix, DVector};

/// Sets `m` to the `rows × columns` zero matrix, reusing its storage when the shape matches.
pub(crate) fn zeroed(m: &mut DMatrix<f64>, rows: usize, columns: usize) {
    if m.shape() == (rows, columns) {
        // A slice fill: nalgebra's `fill` walks a strided element iterator, several times
        // slower at these sizes (it showed in profiles of the derivatives).
        m.as_mut_slice().fill(0.0);
    } else {
        *m = DMatrix::zeros(rows, columns);
    }
}

/// Sets `m` to `rows × columns`, reusing its storage when the shape matches (its entries are
/// then stale: the caller overwrites them).
pub(crate) fn shaped(m: &mut DMatrix<f64>, rows: usize, columns: usize) {
    if m.shape() != (rows, columns) {
        *m = DMatrix::zeros(rows, columns);
    }
}

/// Sets `v` to length n, reusing its storage when the length matches (its entries are then
/// stale: the caller overwrites them).
pub(crate) fn resized(v: &mut DVector<f64>, n: usize) {
    if v.len() != n {
        *v = DVector::zeros(n);
    }
}

/// Makes `items` `len` long: surplus entries move to `spare`; missing ones come from `spare`
/// first, then from `make`. The entries' contents are stale: the caller overwrites them.
pub(crate) fn resize_pooled<T>(
    items: &mut Vec<T>,
    len: usize,
    spare: &mut Vec<T>,
    mut make: impl FnMut() -> T,
) {
    if items.len() > len {
        spare.extend(items.drain(len..));
    }
    while items.len() < len {
        items.push(spare.pop().unwrap_or_else(&mut make));
    }
}

#[cfg(test)]
mod tests {
    use super::resize_pooled;

    #[test]
    fn surplus_entries_return_from_the_pool_with_their_storage() {
        let mut items = vec![vec![1.0; 8], vec![2.0; 8], vec![3.0; 8]];
        let mut spare = Vec::new();
        resize_pooled(&mut items, 1, &mut spare, Vec::new);
        assert_eq!(items.len(), 1);
        assert_eq!(spare.len(), 2);
        resize_pooled(&mut items, 4, &mut spare, Vec::new);
        assert_eq!(items.len(), 4);
        assert!(spare.is_empty());
        // Two came back from the pool (capacity kept), one was made.
        let kept = items.iter().filter(|v| v.capacity() >= 8).count();
        assert_eq!(kept, 3);
    }
}
