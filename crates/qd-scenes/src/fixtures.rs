//! Scene-file pieces for tests and examples of the layers above: small systems that the
//! built-in benchmark scenes do not cover.

/// A point-like pusher (a sphere of `radius` m) on three prismatic joints along world x, y, z,
/// starting at `start` (m), as a `[[robots]]` block named "pusher" with K = 100. Paste it into a
/// scene file that adds objects and environment.
pub fn point_pusher_3d(start: [f64; 3], radius: f64) -> String {
    let mut text = format!(
        "[[robots]]\nname = \"pusher\"\nstiffness = 100.0\ndefault_q = [{}, {}, {}]\n\
         [[robots.links]]\nname = \"base\"\n[[robots.links]]\nname = \"cx\"\n[[robots.links]]\nname = \"cy\"\n\
         [[robots.links]]\nname = \"tip\"\n[[robots.links.collisions]]\nshape = {{ sphere = {{ radius = {radius} }} }}\n",
        start[0], start[1], start[2]
    );
    for (joint, parent, child, axis) in [
        ("x", "base", "cx", "[1.0, 0.0, 0.0]"),
        ("y", "cx", "cy", "[0.0, 1.0, 0.0]"),
        ("z", "cy", "tip", "[0.0, 0.0, 1.0]"),
    ] {
        text += &format!(
            "[[robots.joints]]\nname = \"{joint}\"\ntype = \"prismatic\"\nparent = \"{parent}\"\nchild = \"{child}\"\naxis = {axis}\n"
        );
    }
    text
}

/// The command the benchmarks step with: every actuated joint `amount` (rad or m) past its
/// value in `q`, away from zero. In the built-in scenes the default configurations sit just
/// off contact and the joints close toward the object by growing in magnitude, so this
/// presses the robots into their objects and the contacts are active.
pub fn pressing_command(scene: &qd_geometry::scene::Scene, q: &[f64], amount: f64) -> Vec<f64> {
    scene
        .split()
        .actuated
        .iter()
        .map(|&i| q[i] + if q[i] < 0.0 { -amount } else { amount })
        .collect()
}
