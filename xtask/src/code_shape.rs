//! `cargo xtask check-code`: two rules of `docs/code-style.md` that the compiler does not
//! check, over every workspace crate's `src/`:
//!
//! - no import cycle between the modules of a crate: for two sibling modules A and B (children
//!   of the same parent), A may use B or B use A, not both (a module using its parent or its
//!   own children is not a cycle: parents declare children, children use the parent's items);
//! - no function longer than [`MAX_FUNCTION_LINES`] lines, tests included.
//!
//! The scan is lexical (comments and string literals are blanked first), which is enough for
//! `use` trees, `crate::` paths and brace matching in rustfmt-formatted code.

use anyhow::{Context, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest function allowed, in lines from its `fn` line to its closing brace.
pub const MAX_FUNCTION_LINES: usize = 120;

/// A module path inside a crate (`["solver", "conic"]`; empty for the crate root).
type ModulePath = Vec<String>;

/// Runs both checks on every crate under `crates/` and on `xtask/`.
pub fn check() -> anyhow::Result<()> {
    let root = crate::workspace_root();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .context("reading crates/")?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("src"))
        .filter(|path| path.is_dir())
        .collect();
    sources.push(root.join("xtask/src"));
    sources.sort();
    let mut problems = Vec::new();
    for src in &sources {
        let files = rust_files(src)?;
        let mut modules = BTreeMap::new();
        for file in &files {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let code = blank_comments_and_strings(&text);
            for (line, name, length) in long_functions(&code) {
                problems.push(format!(
                    "{}:{line}: fn {name} has {length} lines (at most {MAX_FUNCTION_LINES})",
                    file.display()
                ));
            }
            modules.insert(module_path(src, file), code);
        }
        for cycle in sibling_cycles(&modules) {
            problems.push(format!(
                "{}: modules import each other: {}",
                src.display(),
                cycle.join(" ↔ ")
            ));
        }
    }
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    println!(
        "code ok: {} crates, no import cycles between modules, no function over {MAX_FUNCTION_LINES} lines",
        sources.len()
    );
    Ok(())
}

fn rust_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}

/// `src/solver/conic.rs` → `["solver", "conic"]`; `mod.rs`, `lib.rs`, `main.rs` name their
/// folder's module.
fn module_path(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut path: ModulePath = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if path
        .last()
        .is_some_and(|last| matches!(last.as_str(), "mod" | "lib" | "main"))
    {
        path.pop();
    }
    path
}

/// The text with comments, string and character literals replaced by spaces (line breaks
/// kept), so that braces and paths inside them are not seen.
fn blank_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !is_ident(chars.get(i.wrapping_sub(1)))
        {
            // Raw string r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.extend(chars[i..j.min(chars.len())].iter().map(|&c| blank(c)));
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let skip = if chars[i] == '\\' { 2 } else { 1 };
                for k in 0..skip {
                    if let Some(&ch) = chars.get(i + k) {
                        out.push(blank(ch));
                    }
                }
                i += skip;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('a', '\n', '\u{..}'), or a lifetime ('a) left alone.
            let close = if next == Some('\\') {
                (i + 2..chars.len().min(i + 12)).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(end) => {
                    out.extend(std::iter::repeat_n(' ', end + 1 - i));
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// `(line, name, length)` of every function longer than [`MAX_FUNCTION_LINES`].
fn long_functions(code: &str) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = function_name(line) else {
            continue;
        };
        let mut depth = 0i64;
        let mut opened = false;
        for (offset, body_line) in lines[start..].iter().enumerate() {
            for ch in body_line.chars() {
                match ch {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if !opened && body_line.trim_end().ends_with(';') {
                break; // a declaration without a body (trait method)
            }
            if opened && depth <= 0 {
                let length = offset + 1;
                if length > MAX_FUNCTION_LINES {
                    found.push((start + 1, name.clone(), length));
                }
                break;
            }
        }
    }
    found
}

/// The name after `fn ` when the line declares a function.
fn function_name(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "fn")?;
    let qualifiers_only = words[..at].iter().all(|w| {
        matches!(*w, "pub" | "const" | "async" | "unsafe" | "extern") || w.starts_with("pub(")
    });
    if !qualifiers_only {
        return None;
    }
    let name: String = words
        .get(at + 1)?
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The modules each module refers to, from `use` trees and `crate::` paths, resolved to the
/// longest module path that exists.
fn references(modules: &BTreeMap<ModulePath, String>) -> BTreeSet<(ModulePath, ModulePath)> {
    let mut edges = BTreeSet::new();
    for (module, code) in modules {
        // Code of `#[cfg(test)]` modules may use anything of its crate.
        let code = code.split("#[cfg(test)]").next().unwrap_or_default();
        let mut paths = Vec::new();
        for statement in use_statements(code) {
            expand_use_tree(&statement, &[], &mut paths);
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().next_back();
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            if !is_ident(before.as_ref()) {
                paths.push(tail[..end].split("::").map(str::to_string).collect());
            }
            rest = &tail[end.max(7)..];
        }
        for path in paths {
            if let Some(target) = resolve(module, &path, modules) {
                edges.insert((module.clone(), target));
            }
        }
    }
    edges
}

/// The `use …;` statements of a file, each without `use` and `;`.
fn use_statements(code: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at + 4..];
        let Some(end) = tail.find(';') else {
            break;
        };
        if !is_ident(before.as_ref()) {
            // One space between words (`Foo as Bar`), none around `::`, braces and commas.
            let mut statement = tail[..end].split_whitespace().collect::<Vec<_>>().join(" ");
            for token in ["::", "{", "}", ","] {
                statement = statement
                    .replace(&format!(" {token}"), token)
                    .replace(&format!("{token} "), token);
            }
            statements.push(statement);
        }
        rest = &tail[end..];
    }
    statements
}

/// Expands `a::{b, c::{d, e}}` into paths, with `prefix` before them.
fn expand_use_tree(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let (head, group) = match tree.find('{') {
        Some(open) if tree.ends_with('}') => (&tree[..open], Some(&tree[open + 1..tree.len() - 1])),
        _ => (tree, None),
    };
    let head = head.trim_end_matches("::");
    let mut segments: Vec<String> = prefix.to_vec();
    segments.extend(head.split("::").filter(|s| !s.is_empty()).map(|s| {
        s.split(" as ")
            .next()
            .unwrap_or(s)
            .split("as")
            .next()
            .unwrap_or(s)
            .to_string()
    }));
    match group {
        None => out.push(segments),
        Some(inner) => {
            out.push(segments.clone());
            let mut depth = 0;
            let mut start = 0;
            let bytes: Vec<char> = inner.chars().collect();
            for (k, ch) in bytes.iter().enumerate() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let item: String = bytes[start..k].iter().collect();
                        expand_use_tree(&item, &segments, out);
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            let item: String = bytes[start..].iter().collect();
            if !item.is_empty() {
                expand_use_tree(&item, &segments, out);
            }
        }
    }
}

/// The module a path from `module` names: `crate::…` from the root, `super::…` and
/// `self::…` relative; other paths (external crates) are none of ours.
fn resolve(
    module: &ModulePath,
    path: &[String],
    modules: &BTreeMap<ModulePath, String>,
) -> Option<ModulePath> {
    let mut base: ModulePath = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "super" | "self" => module.clone(),
        _ => return None,
    };
    let mut rest = &path[usize::from(path[0] == "crate")..];
    while let Some(first) = rest.first() {
        match first.as_str() {
            "super" => {
                base.pop();
            }
            "self" => {}
            _ => break,
        }
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    (0..=base.len())
        .rev()
        .map(|k| base[..k].to_vec())
        .find(|candidate| modules.contains_key(candidate))
}

/// Cycles between sibling modules, each as the names of its members.
fn sibling_cycles(modules: &BTreeMap<ModulePath, String>) -> Vec<Vec<String>> {
    let mut graph: BTreeMap<ModulePath, BTreeSet<ModulePath>> = BTreeMap::new();
    for (from, to) in references(modules) {
        let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
        if shared < from.len() && shared < to.len() {
            graph
                .entry(from[..=shared].to_vec())
                .or_default()
                .insert(to[..=shared].to_vec());
        }
    }
    strongly_connected(&graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| component.iter().map(|m| m.join("::")).collect())
        .collect()
}

/// Tarjan's strongly connected components.
fn strongly_connected(graph: &BTreeMap<ModulePath, BTreeSet<ModulePath>>) -> Vec<Vec<ModulePath>> {
    struct State<'a> {
        graph: &'a BTreeMap<ModulePath, BTreeSet<ModulePath>>,
        index: BTreeMap<ModulePath, usize>,
        low: BTreeMap<ModulePath, usize>,
        stack: Vec<ModulePath>,
        on_stack: BTreeSet<ModulePath>,
        components: Vec<Vec<ModulePath>>,
    }
    fn visit(state: &mut State<'_>, node: &ModulePath) {
        let n = state.index.len();
        state.index.insert(node.clone(), n);
        state.low.insert(node.clone(), n);
        state.stack.push(node.clone());
        state.on_stack.insert(node.clone());
        let graph = state.graph;
        for next in graph.get(node).into_iter().flatten() {
            if !state.index.contains_key(next) {
                visit(state, next);
                let low = state.low[node].min(state.low[next]);
                state.low.insert(node.clone(), low);
            } else if state.on_stack.contains(next) {
                let low = state.low[node].min(state.index[next]);
                state.low.insert(node.clone(), low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(&member);
                let done = member == *node;
                component.push(member);
                if done {
                    break;
                }
            }
            state.components.push(component);
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    let nodes: BTreeSet<ModulePath> = graph
        .iter()
        .flat_map(|(from, to)| std::iter::once(from.clone()).chain(to.iter().cloned()))
        .collect();
    for node in &nodes {
        if !state.index.contains_key(node) {
            visit(&mut state, node);
        }
    }
    state.components
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(files: &[(&str, &str)]) -> BTreeMap<ModulePath, String> {
        files
            .iter()
            .map(|(path, code)| {
                let path: ModulePath = if path.is_empty() {
                    Vec::new()
                } else {
                    path.split("::").map(str::to_string).collect()
                };
                (path, blank_comments_and_strings(code))
            })
            .collect()
    }

    #[test]
    fn sibling_cycles_are_found_and_parent_child_use_is_not_one() {
        let crate_with_cycle = modules(&[
            ("", "mod a; mod b;"),
            ("a", "use crate::b::Thing; pub struct Other;"),
            ("b", "use super::a::{Other, x::Y};\npub struct Thing;"),
            ("a::x", "use super::Other; pub struct Y;"),
        ]);
        let cycles = sibling_cycles(&crate_with_cycle);
        assert_eq!(cycles, vec![vec!["b".to_string(), "a".to_string()]]);
        let without = modules(&[
            ("", "mod a; mod b; pub use a::Other;"),
            ("a", "pub struct Other; mod x; pub use x::Y;"),
            (
                "a::x",
                "use super::Other; // use crate::b::Thing;\npub struct Y;",
            ),
            ("b", "use crate::a::Other; const S: &str = \"crate::a\";"),
        ]);
        assert!(sibling_cycles(&without).is_empty());
    }

    #[test]
    fn long_functions_are_measured_from_fn_to_closing_brace() {
        let body = "    let x = '{';\n".repeat(MAX_FUNCTION_LINES);
        let code = blank_comments_and_strings(&format!(
            "pub(crate) fn long() {{\n{body}}}\nfn short() {{ \"}}\" }}\n"
        ));
        assert_eq!(
            long_functions(&code),
            vec![(1, "long".to_string(), MAX_FUNCTION_LINES + 2)]
        );
    }
}
