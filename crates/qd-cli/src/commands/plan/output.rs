//! Saving plans: JSON for everything, NumPy `.npz` for arrays.

use anyhow::{Context, bail};
use ndarray::{Array1, Array2};
use serde::Serialize;
use std::path::Path;

/// Refuses an output path that is neither `.json` nor `.npz`, or that exists without
/// `--force`: nothing a user wrote is overwritten unasked.
pub fn check_output(path: &Path, force: bool) -> anyhow::Result<()> {
    if !matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("json" | "npz")
    ) {
        bail!("{}: the output must end in .json or .npz", path.display());
    }
    if path.exists() && !force {
        bail!("{} exists; pass --force to overwrite it", path.display());
    }
    Ok(())
}

enum Array {
    Vector(Array1<f64>),
    Matrix(Array2<f64>),
    Integers(Array1<i64>),
}

/// Named arrays for a `.npz` archive, in the order they are added.
#[derive(Default)]
pub struct NpzArrays {
    arrays: Vec<(String, Result<Array, String>)>,
}

impl NpzArrays {
    pub fn new() -> Self {
        NpzArrays::default()
    }

    /// A 1-D float array.
    pub fn vector(mut self, name: &str, values: &[f64]) -> Self {
        self.arrays.push((
            name.to_string(),
            Ok(Array::Vector(Array1::from_vec(values.to_vec()))),
        ));
        self
    }

    /// A 1-D integer array.
    pub fn integers(mut self, name: &str, values: &[i64]) -> Self {
        self.arrays.push((
            name.to_string(),
            Ok(Array::Integers(Array1::from_vec(values.to_vec()))),
        ));
        self
    }

    /// A 2-D float array, one row per entry (rows of equal length).
    pub fn matrix(mut self, name: &str, rows: &[Vec<f64>]) -> Self {
        let columns = rows.first().map_or(0, Vec::len);
        let matrix = Array2::from_shape_vec((rows.len(), columns), rows.concat())
            .map(Array::Matrix)
            .map_err(|e| format!("{name}: rows of unequal length ({e})"));
        self.arrays.push((name.to_string(), matrix));
        self
    }

    fn write(self, path: &Path) -> anyhow::Result<()> {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut npz = ndarray_npy::NpzWriter::new(file);
        for (name, array) in self.arrays {
            match array.map_err(anyhow::Error::msg)? {
                Array::Vector(a) => npz.add_array(name.as_str(), &a)?,
                Array::Matrix(a) => npz.add_array(name.as_str(), &a)?,
                Array::Integers(a) => npz.add_array(name.as_str(), &a)?,
            }
        }
        npz.finish()?;
        Ok(())
    }
}

/// Writes `record` as pretty JSON, or `arrays` as `.npz`, by the path's extension.
pub fn save(path: &Path, record: &impl Serialize, arrays: NpzArrays) -> anyhow::Result<()> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => {
            let text = serde_json::to_string_pretty(record)?;
            std::fs::write(path, text + "\n")
                .with_context(|| format!("cannot write {}", path.display()))
        }
        Some("npz") => arrays.write(path),
        _ => bail!("{}: the output must end in .json or .npz", path.display()),
    }
}
