//! `qd scene show NAME|FILE`: a readable summary of a scene: bodies, joints, the actuated /
//! unactuated split, parameters and the contacts at the default configuration.

use qd_dynamics::{GradientMode, StepSettings};
use qd_geometry::ContactQuery;
use qd_geometry::scene::Scene;
use qd_task::{Grasp, Task};
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum SceneCommand {
    /// Print the model summary of a built-in scene (by name) or a scene file (by path).
    Show {
        /// A built-in scene name (`qd scene list`) or a path to a `.toml` scene file.
        scene: String,
    },
    /// List the built-in scenes.
    List,
}

/// Loads a built-in scene by name, or a scene file when the argument names an existing file,
/// and checks the sections the layers above the model own (step settings, task, grasp data),
/// so that a misspelt key is reported whatever the command.
pub fn load_scene(name_or_path: &str) -> anyhow::Result<Scene> {
    let path = Path::new(name_or_path);
    let scene = if path.is_file() {
        Scene::from_file(path)?
    } else if qd_scenes::source(name_or_path).is_some() {
        qd_scenes::load(name_or_path)?
    } else {
        anyhow::bail!(
            "'{name_or_path}' is neither a scene file nor a built-in scene (built-in: {})",
            qd_scenes::names().collect::<Vec<_>>().join(", ")
        )
    };
    check_sections(&scene)?;
    Ok(scene)
}

/// The step settings, task and grasp data of `scene`, each parsed by the layer that owns it.
fn check_sections(scene: &Scene) -> anyhow::Result<()> {
    qd_plan::check_scene_sections(scene)?;
    Ok(())
}

/// [`load_scene`] with the scene's text (and the model files it reads) kept, for plans that
/// carry their scene.
pub fn load_scene_source(name_or_path: &str) -> anyhow::Result<(qd_plan::SceneSource, Scene)> {
    let path = Path::new(name_or_path);
    if path.is_file() {
        let (source, scene) = qd_plan::SceneSource::file(path)?;
        check_sections(&scene)?;
        Ok((source, scene))
    } else {
        load_scene(name_or_path)?;
        let text = qd_scenes::source(name_or_path).unwrap_or_default();
        Ok(qd_plan::SceneSource::text(
            &format!("builtin:{name_or_path}"),
            text,
        )?)
    }
}

pub fn run(command: &SceneCommand) -> anyhow::Result<ExitCode> {
    match command {
        SceneCommand::List => {
            for name in qd_scenes::names() {
                let scene = qd_scenes::load(name)?;
                super::stdout::line(format_args!("{name:<16} {}", scene.description()))?;
            }
        }
        SceneCommand::Show { scene } => {
            let scene = load_scene(scene)?;
            super::stdout::text(&summary(&scene)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fmt_vec(values: &[f64]) -> String {
    let parts: Vec<String> = values.iter().map(|v| format!("{v:.4}")).collect();
    format!("[{}]", parts.join(", "))
}

/// The text `qd scene show` prints.
pub fn summary(scene: &Scene) -> anyhow::Result<String> {
    let tree = scene.tree();
    let p = StepSettings::from_scene(scene)?;
    let mut s = String::new();
    writeln!(s, "scene {}: {}", scene.name(), scene.description())?;
    writeln!(
        s,
        "dof: n_q = {}, n_v = {}, n_a = {} actuated, {} unactuated (q) / {} (v)",
        tree.nq(),
        tree.nv(),
        scene.na(),
        scene.split().unactuated_q.len(),
        scene.split().unactuated_v.len()
    )?;
    writeln!(s, "\nrobots:")?;
    for robot in scene.robots() {
        writeln!(s, "  {} ({} links)", robot.name, robot.links.len())?;
        for (joint_id, k) in robot.actuated.iter().zip(&robot.stiffness) {
            let joint = &tree.joints()[*joint_id];
            let limits = joint
                .limits
                .map(|(lo, hi)| format!("[{lo:.3}, {hi:.3}]"))
                .unwrap_or_else(|| "none".into());
            writeln!(
                s,
                "    {:<24} {:<10} q[{}]  K = {k}  limits {limits}",
                joint.name,
                joint.kind.name(),
                joint.q_start
            )?;
        }
    }
    writeln!(s, "\nobjects:")?;
    for object in scene.objects() {
        let joint = &tree.joints()[object.joint];
        let link = &tree.links()[object.link];
        writeln!(
            s,
            "  {:<10} {} joint, q[{}..{}] = ({}), mass {} kg",
            object.name,
            joint.kind.name(),
            joint.q_start,
            joint.q_start + joint.kind.nq(),
            joint.kind.coordinate_names().join(", "),
            link.inertia.mass
        )?;
    }
    writeln!(s, "\ngeometry: {} shapes", scene.geometries().len())?;
    for g in scene.geometries() {
        writeln!(
            s,
            "  {:<28} {:<9} on {:<22} μ = {:.3}",
            g.name,
            g.shape.kind(),
            tree.links()[g.link].name,
            g.friction
        )?;
    }
    writeln!(
        s,
        "\nparameters: h = {} s, gravity = {} m/s², d_detect = {} m, contact manifold = {}, mass_scale = {}, quasi_dynamic = {}, κ = {}, nd = {}, forward = {}, gradient = {}",
        p.h,
        fmt_vec(&p.gravity),
        scene.d_detect(),
        if scene.contact_manifold() {
            "on"
        } else {
            "off"
        },
        p.mass_scale
            .map(|m| m.to_string())
            .unwrap_or_else(|| "none".into()),
        p.quasi_dynamic,
        p.kappa,
        p.nd,
        p.forward_mode.name(),
        match p.gradient_mode {
            GradientMode::None => "none",
            GradientMode::B => "b",
            GradientMode::Ab => "ab",
        }
    )?;
    writeln!(s, "\ndefault q = {}", fmt_vec(scene.default_q()))?;
    contacts_summary(&mut s, scene)?;
    if let Some(task) = Task::from_scene(scene)? {
        task_summary(&mut s, scene, &task)?;
    }
    if let Some(grasp) = Grasp::from_scene(scene)? {
        let names: Vec<&str> = grasp.synergies.iter().map(|g| g.name.as_str()).collect();
        writeln!(
            s,
            "\ngrasp data: open pose {}, synergies {}",
            fmt_vec(&grasp.open),
            names.join(", ")
        )?;
    }
    for warning in scene.warnings() {
        writeln!(s, "warning: {warning}")?;
    }
    Ok(s)
}

/// A value the file may leave out: the value, or "default".
fn or_default<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "default".to_string(), |v| v.to_string())
}

/// The task part of the summary: goal, and each planner's table as its crate reads it.
fn task_summary(s: &mut String, scene: &Scene, task: &Task) -> anyhow::Result<()> {
    let goal = task.goal();
    writeln!(s, "\ntask: {}", task.description())?;
    writeln!(
        s,
        "  goal: {} at {} (± {} m, ± {} rad)",
        goal.object,
        fmt_vec(&goal.q),
        goal.position_tolerance,
        goal.angle_tolerance
    )?;
    if task.planner_section(qd_rrt::TASK_SECTION).is_some() {
        let rrt = qd_rrt::RrtTask::from_task(task, scene.name())?;
        writeln!(
            s,
            "  rrt: step {}, γ {}, {} nodes, p_goal {}, p_grasp {}, σ_u {}",
            rrt.step,
            rrt.gamma,
            rrt.max_nodes,
            or_default(rrt.p_goal),
            or_default(rrt.p_grasp),
            or_default(rrt.sigma_u)
        )?;
    }
    if task.planner_section(qd_rrt::SAMPLING_SECTION).is_some() {
        let object = task.object_coordinates(scene);
        let region = qd_rrt::SamplingRegion::from_task(task, &object, scene.name())?;
        writeln!(
            s,
            "  sampling: position {} … {}, angle {} rad",
            fmt_vec(&region.position_lower),
            fmt_vec(&region.position_upper),
            fmt_vec(&region.angle_range)
        )?;
    }
    if task.planner_section(qd_trajopt::TASK_SECTION).is_some() {
        let trajopt = qd_trajopt::TrajoptTask::from_task(task, scene.name())?;
        writeln!(
            s,
            "  trajopt: T = {}, h {}, goal {}, samples {}, σ₀ {}, κ {}",
            trajopt.horizon,
            or_default(trajopt.h),
            trajopt
                .goal_q
                .as_deref()
                .map_or_else(|| "the task's".to_string(), fmt_vec),
            or_default(trajopt.samples),
            or_default(trajopt.sigma0),
            trajopt
                .kappa_range
                .map_or_else(|| "default".to_string(), |k| fmt_vec(&k))
        )?;
    }
    Ok(())
}

/// The contacts at the default configuration, one line each (the pair, which of its contacts,
/// φ, n, μ).
fn contacts_summary(s: &mut String, scene: &Scene) -> anyhow::Result<()> {
    let mut query = ContactQuery::new();
    let contacts = query.contacts(scene, scene.default_q(), None)?;
    writeln!(
        s,
        "contacts at the default configuration (φ ≤ {} m): {}",
        scene.d_detect(),
        contacts.len()
    )?;
    for c in contacts {
        let (a, b) = (
            &scene.geometries()[c.geometry_a],
            &scene.geometries()[c.geometry_b],
        );
        writeln!(
            s,
            "  {:<24} – {:<24} {:<8} φ = {:+.5} m  n = {}  μ = {:.3}",
            a.name,
            b.name,
            c.feature.to_string(),
            c.distance.distance,
            fmt_vec(c.distance.normal.as_slice()),
            c.friction
        )?;
    }
    Ok(())
}
