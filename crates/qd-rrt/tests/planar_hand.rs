//! The planner on the planar hand's task (turn the ball by π in place, docs/systems.md): the tree's
//! edges against the exact dynamics and the contact sampler's promises, the path, and
//! determinism.

use qd_dynamics::StepWorkspace;
use qd_geometry::ContactQuery;
use qd_geometry::grasp::robot_object_gap;
use qd_rrt::{Edge, REGRASP_PENETRATION, RrtProblem, RrtResult, RrtSettings, plan};

fn run(seed: u64, max_nodes: Option<usize>) -> (RrtProblem, RrtResult) {
    let scene = qd_scenes::load("planar-hand").expect("built-in scene");
    let problem = RrtProblem::from_task(&scene).expect("the scene has an RRT task");
    let mut settings = RrtSettings::from_task(&scene, seed).expect("settings");
    if let Some(nodes) = max_nodes {
        settings.max_nodes = nodes;
    }
    let result = plan(&problem, &settings).expect("the planner runs");
    (problem, result)
}

#[test]
fn every_edge_is_an_exact_step_or_a_regrasp_that_leaves_the_object_alone() {
    let (problem, result) = run(3, Some(300));
    let system = problem.system();
    let scene = system.scene();
    let object = problem.object();
    let mut workspace = StepWorkspace::default();
    let mut query = ContactQuery::new();
    let (mut extends, mut regrasps) = (0, 0);
    for (index, node) in result.nodes.iter().enumerate().skip(1) {
        let parent = node.parent.expect("only the root has no parent");
        assert!(parent < index);
        let from = &result.nodes[parent].q;
        match node.edge {
            Edge::Extend => {
                extends += 1;
                let u = node.input.as_ref().expect("an extension has its input");
                let step = system
                    .step(&mut workspace, from, u)
                    .expect("the step replays");
                assert_eq!(step.q_next, node.q);
                for (value, &(lower, upper)) in u.iter().zip(&scene.actuated_limits()) {
                    assert!(*value >= lower && *value <= upper);
                }
            }
            Edge::Regrasp => {
                regrasps += 1;
                assert_eq!(
                    object.block(&node.q),
                    object.block(from),
                    "the object moved"
                );
                let gap = robot_object_gap(scene, &mut query, &node.q, object.index, 1.0)
                    .expect("query")
                    .expect("the robots are near the object");
                assert!((-REGRASP_PENETRATION..=2e-3).contains(&gap), "gap {gap}");
            }
            Edge::Root => panic!("a second root"),
        }
    }
    assert!(
        extends > 0 && regrasps > 0,
        "{extends} extensions, {regrasps} regrasps"
    );
    assert_eq!(
        result.stats.extensions - result.stats.failed_extensions,
        extends
    );
    assert_eq!(
        result.stats.regrasps - result.stats.failed_regrasps,
        regrasps
    );
}

#[test]
fn a_successful_run_ends_at_the_goal_along_a_path_of_parents() {
    // docs/rrt.md lists the success rates over seeds.
    let (problem, result) = run(1, None);
    assert!(result.success, "closest: {:?}", result.closest_error);
    let last = *result.path.last().expect("a path");
    assert_eq!(result.path[0], 0);
    assert!(problem.reached(&result.nodes[last].q));
    assert!(result.closest_error.position <= problem.tolerance().position);
    assert!(result.closest_error.angle <= problem.tolerance().angle);
    for pair in result.path.windows(2) {
        assert_eq!(result.nodes[pair[1]].parent, Some(pair[0]));
    }
    // The segments cover the path, each starting at the root or a regrasp.
    let segments = result.segments();
    assert_eq!(segments.concat(), result.path);
    for segment in &segments {
        assert_ne!(result.nodes[segment[0]].edge, Edge::Extend);
        assert!(
            segment[1..]
                .iter()
                .all(|&i| result.nodes[i].edge == Edge::Extend)
        );
    }
    // The tree stopped growing when it got there.
    assert_eq!(last, result.nodes.len() - 1);
}

#[test]
fn a_fixed_seed_grows_the_same_tree_whatever_the_thread_count() {
    let scene = qd_scenes::load("bimanual-planar").expect("built-in scene");
    let problem = RrtProblem::from_task(&scene).expect("task");
    let mut settings = RrtSettings::from_task(&scene, 5).expect("settings");
    settings.max_nodes = 25;
    // Randomized node smoothing spreads its samples over threads (the task's own analytic
    // smoothing runs on one).
    settings.smoothing = qd_smoothing::Smoothing::RandomizedFirstOrder {
        sigma_u: 0.2,
        sigma_q: 0.0,
        samples: 20,
        seed: 5,
    };
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| plan(&problem, &settings).expect("runs"))
    };
    let (one, two) = (on(1), on(2));
    assert_eq!(one.nodes, two.nodes);
    assert_eq!(one.stats, two.stats);
    assert!(one.nodes.len() > 5);
}

/// How many nodes of a tree have the configuration of an earlier node.
fn duplicates(result: &RrtResult) -> usize {
    let mut seen = std::collections::HashSet::new();
    result
        .nodes
        .iter()
        .filter(|node| !seen.insert(node.q.iter().map(|v| v.to_bits()).collect::<Vec<_>>()))
        .count()
}

#[test]
fn no_two_nodes_of_a_tree_are_identical() {
    let scene = qd_scenes::load("planar-hand").expect("built-in scene");
    let problem = RrtProblem::from_task(&scene).expect("task");
    for seed in [0, 7] {
        let mut settings = RrtSettings::from_task(&scene, seed).expect("settings");
        settings.max_nodes = 400;
        // Goal rounds are where a deterministic extension would repeat itself.
        settings.p_goal = 0.6;
        let result = plan(&problem, &settings).expect("runs");
        assert_eq!(duplicates(&result), 0, "seed {seed}");
        // Without the rule the same tree repeats extensions (the check can fail).
        settings.avoid_repeats = false;
        settings.retire_after = 0;
        let repeating = plan(&problem, &settings).expect("runs");
        assert!(duplicates(&repeating) > 0, "seed {seed}");
    }
}

#[test]
fn retired_nodes_are_no_longer_extended() {
    let scene = qd_scenes::load("planar-hand").expect("built-in scene");
    let problem = RrtProblem::from_task(&scene).expect("task");
    let mut settings = RrtSettings::from_task(&scene, 2).expect("settings");
    settings.max_nodes = 300;
    settings.retire_after = 1;
    settings.p_grasp = 0.0;
    let result = plan(&problem, &settings).expect("runs");
    assert!(result.stats.retired_nodes > 0, "{:?}", result.stats);
    // With one strike, a node whose extension made no progress has no later extension child:
    // each node's extension children after its first stalled one are absent. Count stalled
    // children per parent by replaying the progress measure.
    let mut stalled_before: Vec<Option<usize>> = vec![None; result.nodes.len()];
    for (index, node) in result.nodes.iter().enumerate().skip(1) {
        let parent = node.parent.expect("parent");
        assert!(
            stalled_before[parent].is_none(),
            "node {parent} was extended again (child {index}) after a stalled extension \
             (child {:?})",
            stalled_before[parent]
        );
        // The subgoal is not saved; a child that moved the object by less than 1e-9 made
        // no progress toward any subgoal.
        let object = problem.object();
        let moved = object.error(object.block(&result.nodes[parent].q), object.block(&node.q));
        if moved.position < 1e-9 && moved.angle < 1e-9 {
            stalled_before[parent] = Some(index);
        }
    }
}
