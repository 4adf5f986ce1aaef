//! Turns command-line paths into documents for the core: reads files, walks
//! directories, reads stdin. Every failure becomes an `InputError` for that path, so one
//! unreadable file never hides the review of the others.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use reviewgate_core::detect::{self, PathKind};
use reviewgate_core::{Document, InputError, InputKind};

/// What was read.
pub struct Collected {
    /// Documents to parse, in a stable order.
    pub documents: Vec<Document>,
    /// Paths that could not be read or are not inputs we know.
    pub errors: Vec<InputError>,
}

/// The name stdin is reported under.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads every path. `forced` overrides format detection for files and stdin;
/// files for which `excluded` is true are skipped while walking directories.
pub fn collect(
    paths: &[PathBuf],
    forced: Option<InputKind>,
    stdin: &mut dyn Read,
    excluded: &dyn Fn(&Path) -> bool,
) -> Collected {
    let mut collected = Collected {
        documents: Vec::new(),
        errors: Vec::new(),
    };
    for path in paths {
        if path.as_os_str() == "-" {
            let mut content = String::new();
            match stdin.read_to_string(&mut content) {
                Ok(_) => collected.documents.push(Document {
                    path: STDIN_NAME.into(),
                    kind: forced,
                    content,
                }),
                Err(e) => collected.errors.push(read_error(STDIN_NAME, &e)),
            }
            continue;
        }
        let display = path.display().to_string();
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, forced, excluded, &mut collected),
            Ok(_) => read_file(path, forced, true, &mut collected),
            Err(e) => collected.errors.push(read_error(&display, &e)),
        }
    }
    if collected.documents.is_empty() && collected.errors.is_empty() {
        collected.errors.push(InputError {
            file: paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            line: None,
            column: None,
            kind: None,
            message: "no Terraform files, plans or diffs found".into(),
        });
    }
    collected
}

/// Recursively reads the inputs under a directory, in sorted order, skipping
/// `.terraform/` and other downloaded-module caches. Files that are not inputs
/// (`README.md`, `package.json`) are skipped silently here — unlike a file named on
/// the command line, nobody asked for them.
fn walk(
    dir: &Path,
    forced: Option<InputKind>,
    excluded: &dyn Fn(&Path) -> bool,
    collected: &mut Collected,
) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            collected
                .errors
                .push(read_error(&dir.display().to_string(), &e));
            return;
        }
    };
    let mut paths: Vec<(PathBuf, bool)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            // file_type does not follow symlinks, so a link loop cannot trap the walk.
            let file_type = entry.file_type().ok()?;
            Some((entry.path(), file_type.is_dir()))
        })
        .collect();
    paths.sort();
    for (path, is_dir) in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if excluded(&path) {
            continue;
        }
        if is_dir {
            if !detect::is_ignored_dir(name) {
                walk(&path, forced, excluded, collected);
            }
        } else if detect::kind_from_path(name).is_some() {
            read_file(&path, forced, false, collected);
        }
    }
}

fn read_file(path: &Path, forced: Option<InputKind>, explicit: bool, collected: &mut Collected) {
    let display = path.display().to_string();
    let content = match fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                collected.errors.push(InputError {
                    file: display,
                    line: None,
                    column: None,
                    kind: forced,
                    message: "not UTF-8 text".into(),
                });
                return;
            }
        },
        Err(e) => {
            collected.errors.push(read_error(&display, &e));
            return;
        }
    };
    let needs_content = matches!(
        detect::kind_from_path(&display),
        Some(PathKind::NeedsContent)
    );
    if forced.is_none() && needs_content && !explicit && detect::sniff(&content).is_none() {
        // Some other JSON file found while walking a directory.
        return;
    }
    collected.documents.push(Document {
        path: display,
        kind: forced,
        content,
    });
}

fn read_error(path: &str, error: &std::io::Error) -> InputError {
    InputError {
        file: path.to_owned(),
        line: None,
        column: None,
        kind: None,
        message: format!("cannot read: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_is_read_with_the_forced_kind() {
        let mut stdin = "region = \"x\"\n".as_bytes();
        let c = collect(
            &[PathBuf::from("-")],
            Some(InputKind::Tfvars),
            &mut stdin,
            &|_| false,
        );
        assert_eq!(c.documents.len(), 1);
        assert_eq!(c.documents[0].path, STDIN_NAME);
        assert_eq!(c.documents[0].kind, Some(InputKind::Tfvars));
    }

    #[test]
    fn missing_paths_are_errors_not_panics() {
        let c = collect(
            &[PathBuf::from("/definitely/not/here.tf")],
            None,
            &mut "".as_bytes(),
            &|_| false,
        );
        assert!(c.documents.is_empty());
        assert_eq!(c.errors.len(), 1);
        assert!(
            c.errors[0].message.starts_with("cannot read"),
            "{}",
            c.errors[0].message
        );
    }
}
