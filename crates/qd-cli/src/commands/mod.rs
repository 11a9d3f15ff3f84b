//! One module per subcommand.

pub mod animation;
pub mod distance;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod replay;
pub mod scene;
pub mod sim;
pub mod stdout;
