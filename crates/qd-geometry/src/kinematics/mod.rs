//! Multibody kinematics: the tree, its configuration layout, forward kinematics and point
//! Jacobians (docs/architecture.md, "Conventions").

mod forward;
mod joint;
mod tree;

pub use forward::KinematicsCache;
pub use joint::JointKind;
pub use tree::{Inertia, Joint, JointId, Link, LinkId, MultibodyTree};
