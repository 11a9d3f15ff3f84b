//! One module per subcommand.

pub mod distance;
