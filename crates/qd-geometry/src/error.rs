//! Typed errors of the geometry layer.

use thiserror::Error;

/// Everything that can go wrong when building shapes or querying distances.
///
/// Every error names what was wrong with the input, so a caller (or the CLI) can print it as one
/// readable line.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GeometryError {
    /// A shape parameter is not a length qd accepts (radius, length, edge length: finite,
    /// within [`crate::LENGTH_RANGE`]).
    #[error(
        "invalid {shape}: {field} = {value:?} is not a length qd accepts (finite, 1e-6 to 1e6 m)"
    )]
    InvalidDimension {
        /// Shape kind, e.g. `"sphere"`.
        shape: &'static str,
        /// Name of the offending parameter, e.g. `"radius"`.
        field: &'static str,
        /// The value that was given.
        value: f64,
    },
    /// A convex hull could not be built (fewer than 4 affinely independent points, or NaN).
    #[error("invalid convex polyhedron: {0}")]
    InvalidHull(String),
    /// A pose has a NaN/infinite entry or a quaternion that cannot be normalised.
    #[error("invalid pose: {0}")]
    InvalidPose(String),
    /// Two half-spaces have no finite signed distance (they always overlap unless parallel).
    #[error("signed distance between two half-spaces is undefined")]
    HalfSpacePair,
    /// The general convex solver (parry) does not support this pair.
    #[error("no signed-distance routine for the pair {0} / {1}")]
    UnsupportedPair(&'static str, &'static str),
    /// An inconsistent model: duplicate names, bad joint definitions, unknown references.
    #[error("invalid model: {0}")]
    Model(String),
    /// A vector of the wrong length.
    #[error("{what} has length {got}, expected {expected}")]
    Dimension {
        /// Which vector.
        what: &'static str,
        /// The length the model needs.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A NaN or infinite entry.
    #[error("{what}[{index}] is not finite")]
    NonFinite {
        /// Which vector.
        what: &'static str,
        /// Index of the first bad entry.
        index: usize,
    },
    /// The general solver produced no result or a non-finite one.
    #[error("signed-distance solver failed for {0} / {1}: {2}")]
    SolverFailed(&'static str, &'static str, &'static str),
}
