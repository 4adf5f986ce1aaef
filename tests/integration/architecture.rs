//! ARCHITECTURE.md's code map is the house as it is: one `### `<crate>/`` section per
//! crate with a `src/`, each naming every `.rs` file under that `src/` (by its path
//! there, in backticks), and naming no file that does not exist (a name may also be
//! relative to the crate or the repository, to point at tests or another folder). A file added, moved
//! or deleted without the map following fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every directory holding a crate's `src/`, relative to the repository, and the
/// `.rs` files under it relative to that `src/`.
fn crates(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !path.is_dir()
                || name.starts_with('.')
                || ["target", "node_modules", "build"].contains(&name.as_str())
            {
                continue;
            }
            if name == "src"
                && path
                    .parent()
                    .is_some_and(|p| p.join("Cargo.toml").is_file())
            {
                let krate = path
                    .parent()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                found.insert(krate, rust_files(&path));
            } else {
                pending.push(path);
            }
        }
    }
    found
}

fn rust_files(src: &Path) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("a readable src/").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).expect("under src/");
                files.insert(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files
}

/// The code map's sections: `### `<dir>/`` headings and the backticked `.rs` paths
/// each section names.
fn code_map(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut sections = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### `") {
            current = heading
                .split('`')
                .next()
                .and_then(|dir| dir.strip_suffix('/'))
                .map(str::to_owned);
            if let Some(dir) = &current {
                sections.insert(dir.clone(), BTreeSet::new());
            }
            continue;
        }
        if line.starts_with("## ") || line.starts_with("### ") {
            current = None;
            continue;
        }
        let Some(dir) = &current else { continue };
        let named = sections.get_mut(dir).expect("section was inserted");
        for (i, token) in line.split('`').enumerate() {
            if i % 2 == 1 && token.ends_with(".rs") && !token.contains(' ') {
                named.insert(token.to_owned());
            }
        }
    }
    sections
}

#[test]
fn the_code_map_names_every_source_file_and_no_other() {
    let root = repository();
    let text = fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let map = code_map(&text);
    let crates = crates(&root);
    assert!(crates.len() >= 8, "found the crates: {crates:?}");
    let mut problems = Vec::new();
    for (krate, files) in &crates {
        let Some(named) = map.get(krate) else {
            problems.push(format!("no `### `{krate}/`` section in the code map"));
            continue;
        };
        for file in files.difference(named) {
            problems.push(format!("{krate}/src/{file} is not named in its section"));
        }
        // A name may also point elsewhere: the crate's tests, another folder.
        for file in named.difference(files) {
            if !root.join(krate).join(file).is_file() && !root.join(file).is_file() {
                problems.push(format!(
                    "the {krate}/ section names {file}, which is no file under {krate}/src/, \
                     {krate}/ or the repository"
                ));
            }
        }
    }
    for section in map.keys().filter(|s| !crates.contains_key(*s)) {
        problems.push(format!(
            "the code map has a section for {section}/, which is no crate"
        ));
    }
    assert!(
        problems.is_empty(),
        "ARCHITECTURE.md:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_map_reader_sees_sections_and_only_backticked_rust_paths() {
    let map = code_map(
        "## Code map\n### `ingress/` — x\n- `pipeline.rs` and `ports.rs`; not pipeline.rs\n\
         ### `cli/`\n`main.rs` (see `a b.rs`)\n## Invariants\n`stray.rs`\n",
    );
    assert_eq!(
        map.get("ingress")
            .map(|s| s.iter().map(String::as_str).collect::<Vec<_>>()),
        Some(vec!["pipeline.rs", "ports.rs"])
    );
    assert_eq!(map.get("cli").map(BTreeSet::len), Some(1));
    assert_eq!(map.len(), 2, "{map:?}");
}
