//! Collision meshes in URDF become convex hulls when the file resolves, and are skipped with a
//! warning when it does not.

use qd_geometry::Shape;
use qd_geometry::scene::Scene;
use std::collections::HashMap;

const URDF: &str = r#"<?xml version="1.0"?>
<robot name="meshy">
  <link name="base">
    <collision>
      <geometry><mesh filename="meshes/cube.obj" scale="0.5 0.5 0.5"/></geometry>
    </collision>
    <collision>
      <geometry><mesh filename="meshes/tetra.stl"/></geometry>
    </collision>
    <collision>
      <geometry><mesh filename="package://somewhere/missing.stl"/></geometry>
    </collision>
  </link>
</robot>
"#;

/// A cube of edge 2 centred on the origin.
const CUBE_OBJ: &str = "v -1 -1 -1\nv 1 -1 -1\nv 1 1 -1\nv -1 1 -1\nv -1 -1 1\nv 1 -1 1\nv 1 1 1\nv -1 1 1\n\
f 1 2 3 4\nf 5 6 7 8\nf 1 2 6 5\nf 2 3 7 6\nf 3 4 8 7\nf 4 1 5 8\n";

fn facet(a: [f64; 3], b: [f64; 3], c: [f64; 3]) -> String {
    format!(
        "facet normal 0 0 0\nouter loop\nvertex {} {} {}\nvertex {} {} {}\nvertex {} {} {}\nendloop\nendfacet\n",
        a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2]
    )
}

fn tetra_stl() -> String {
    let p = [
        [0.0, 0.0, 0.0],
        [0.1, 0.0, 0.0],
        [0.0, 0.1, 0.0],
        [0.0, 0.0, 0.1],
    ];
    let mut text = String::from("solid tetra\n");
    for [i, j, k] in [[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]] {
        text += &facet(p[i], p[j], p[k]);
    }
    text + "endsolid tetra\n"
}

#[test]
fn resolvable_meshes_become_hulls_and_others_are_warned_about() {
    let files: HashMap<&str, Vec<u8>> = HashMap::from([
        ("models/meshy.urdf", URDF.as_bytes().to_vec()),
        ("models/meshes/cube.obj", CUBE_OBJ.as_bytes().to_vec()),
        ("models/meshes/tetra.stl", tetra_stl().into_bytes()),
    ]);
    let source = |p: &str| {
        files
            .get(p)
            .cloned()
            .ok_or_else(|| format!("no file '{p}'"))
    };
    let text =
        "name = \"m\"\n[[robots]]\nname = \"r\"\nurdf = \"models/meshy.urdf\"\nstiffness = 1.0\n";
    let scene = Scene::from_toml_str(text, &source).expect("scene loads");
    assert_eq!(scene.geometries().len(), 2, "cube and tetrahedron");
    let Shape::ConvexPolyhedron(cube) = &scene.geometries()[0].shape else {
        panic!("cube is a hull")
    };
    assert_eq!(cube.vertices().len(), 8);
    // The URDF's scale 0.5 makes the edge 1: every vertex at |x| = |y| = |z| = 0.5.
    assert!(
        cube.vertices()
            .iter()
            .all(|v| v.coords.iter().all(|c| (c.abs() - 0.5).abs() < 1e-12))
    );
    let Shape::ConvexPolyhedron(tetra) = &scene.geometries()[1].shape else {
        panic!("tetra is a hull")
    };
    assert_eq!(tetra.vertices().len(), 4);
    assert_eq!(scene.warnings().len(), 1, "{:?}", scene.warnings());
    assert!(
        scene.warnings()[0].contains("package://"),
        "{:?}",
        scene.warnings()
    );
}
