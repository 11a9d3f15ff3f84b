//! Closes every grasp synergy of a built-in scene, one after the other, from its open pose
//! until the robot touches the object, and prints the resulting actuated configuration and
//! the robot–object gaps. This is how the built-in scenes' default configurations were made:
//!
//! ```text
//! cargo run -p qd-task --example close_grasps -- allegro-sphere 0.0001
//! ```

use qd_geometry::ContactQuery;
use qd_geometry::grasp::{close_until_contact, robot_object_gap};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "allegro-sphere".into());
    let gap: f64 = args.next().map(|g| g.parse()).transpose()?.unwrap_or(1e-4);
    let scene = qd_scenes::load(&name)?;
    let grasp = qd_task::Grasp::from_scene(&scene)?
        .ok_or_else(|| format!("scene '{name}' has no grasp data"))?;
    let mut q = grasp.opened(&scene, scene.default_q());
    for synergy in &grasp.synergies {
        match close_until_contact(&scene, &q, &synergy.direction, 0, gap, 3.0)? {
            Some(closed) => {
                println!("{}: touches", synergy.name);
                q = closed;
            }
            None => println!("{}: does not reach the object", synergy.name),
        }
    }
    let u: Vec<String> = scene
        .split()
        .actuated
        .iter()
        .map(|&i| format!("{:.4}", q[i]))
        .collect();
    println!("actuated q = [{}]", u.join(", "));
    let mut query = ContactQuery::new();
    let contacts = query.contacts(&scene, &q, None)?;
    for c in contacts {
        println!(
            "  {} – {}: φ = {:+.5} m",
            scene.geometries()[c.geometry_a].name,
            scene.geometries()[c.geometry_b].name,
            c.distance.distance
        );
    }
    println!(
        "closest robot–object gap: {:?}",
        robot_object_gap(&scene, &mut query, &q, 0, 1.0)?
    );
    Ok(())
}
