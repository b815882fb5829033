//! docs/architecture.md is the code map: every module of `src/` has its line there, so a newcomer
//! who reads it finds every room. A module added or moved without its line fails here.

mod common;

use std::path::Path;

/// Every `.rs` file under `dir`, as a path from the repository's root (`src/audit/rules.rs`).
fn rust_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap();
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn every_module_of_src_is_on_the_code_map() {
    let root = common::root();
    let map = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let mut files = Vec::new();
    rust_files(&root, &root.join("src"), &mut files);
    files.sort();
    assert!(files.len() > 20, "{files:?}");
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| {
            // A top-level file by its path; a file in a module folder by its folder's path and
            // its own name on that folder's line.
            match f.rsplit_once('/') {
                Some(("src", _)) => !map.contains(&format!("`{f}`")),
                Some((dir, name)) => !map
                    .lines()
                    .any(|l| l.contains(&format!("`{dir}/`")) && l.contains(&format!("`{name}`"))),
                None => true,
            }
        })
        .collect();
    assert!(
        missing.is_empty(),
        "not on docs/architecture.md's module table: {missing:?}"
    );
}
