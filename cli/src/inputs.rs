//! Turns command-line paths into documents for the core: reads files, walks
//! directories, reads stdin. Every failure becomes an `InputError` for that path, so one
//! unreadable file never hides the review of the others.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use reviewgate_core::detect::{self, PathKind};
use reviewgate_core::encoding::{NotText, decode_text};
use reviewgate_core::module_manifest;
use reviewgate_core::{Document, InputError, InputKind};

/// What was read.
pub struct Collected {
    /// Documents to parse, in a stable order.
    pub documents: Vec<Document>,
    /// Paths that could not be read or are not inputs we know.
    pub errors: Vec<InputError>,
    /// Files found but not read yet (path, named on the command line), in order:
    /// see [`list`] and [`read_files`].
    pub pending: Vec<(PathBuf, bool)>,
}

/// The name stdin is reported under.
pub const STDIN_NAME: &str = "<stdin>";

/// Reads every path. `forced` overrides format detection for files and stdin;
/// files for which `excluded` is true are skipped while walking directories.
#[cfg(test)]
pub fn collect(
    paths: &[PathBuf],
    forced: Option<InputKind>,
    stdin: &mut dyn Read,
    excluded: &dyn Fn(&Path) -> bool,
) -> Collected {
    let mut collected = list(paths, forced, stdin, excluded);
    let read = read_files(&std::mem::take(&mut collected.pending), forced);
    collected.documents.extend(read.documents);
    collected.errors.extend(read.errors);
    if collected.documents.is_empty() && collected.errors.is_empty() {
        collected.errors.push(nothing_found(paths));
    }
    collected
}

/// The error for paths that hold no input at all.
pub fn nothing_found(paths: &[PathBuf]) -> InputError {
    InputError {
        file: paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        line: None,
        column: None,
        kind: None,
        message: "no Terraform files, plans or diffs found".into(),
    }
}

/// Reads stdin and lists the files under every path without reading them, so the
/// caller can read and parse them in parallel ([`read_files`]).
pub fn list(
    paths: &[PathBuf],
    forced: Option<InputKind>,
    stdin: &mut dyn Read,
    excluded: &dyn Fn(&Path) -> bool,
) -> Collected {
    let mut collected = Collected {
        documents: Vec::new(),
        errors: Vec::new(),
        pending: Vec::new(),
    };
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            match stdin.read_to_end(&mut bytes) {
                Ok(_) => match decode_text(bytes) {
                    Ok(content) => collected.documents.push(Document {
                        path: STDIN_NAME.into(),
                        kind: forced,
                        content,
                    }),
                    Err(e) => collected.errors.push(not_text(STDIN_NAME, forced, &e)),
                },
                Err(e) => collected.errors.push(read_error(STDIN_NAME, &e)),
            }
            continue;
        }
        let display = path.display().to_string();
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, excluded, &mut collected),
            Ok(_) => collected.pending.push((path.clone(), true)),
            Err(e) => collected.errors.push(read_error(&display, &e)),
        }
    }
    drop_walked_duplicates(&mut collected.pending);
    collected
}

/// Leaves out a file found while walking a directory that is also named on the
/// command line (`reviewgate review pr.diff .` with `pr.diff` in `.`): read twice, a
/// diff would count its lines twice and a file declare its resources twice.
fn drop_walked_duplicates(pending: &mut Vec<(PathBuf, bool)>) {
    let named: Vec<(PathBuf, std::ffi::OsString)> = pending
        .iter()
        .filter(|(_, explicit)| *explicit)
        .filter_map(|(path, _)| Some((fs::canonicalize(path).ok()?, path.file_name()?.to_owned())))
        .collect();
    if named.is_empty() {
        return;
    }
    pending.retain(|(path, explicit)| {
        // Only a file of the same name can be the same file: canonicalize just those.
        *explicit
            || !named.iter().any(|(canonical, name)| {
                path.file_name() == Some(name.as_os_str())
                    && fs::canonicalize(path).is_ok_and(|p| p == *canonical)
            })
    });
}

/// Recursively reads the inputs under a directory, in sorted order, skipping
/// `.terraform/` and other downloaded-module caches — except the modules
/// `terraform init` installed for a root module, listed in its
/// `.terraform/modules/modules.json` ([`installed_modules`]). Files that are not inputs
/// (`README.md`, `package.json`) are skipped silently here — unlike a file named on
/// the command line, nobody asked for them.
fn walk(dir: &Path, excluded: &dyn Fn(&Path) -> bool, collected: &mut Collected) {
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
            if name == ".terraform" {
                installed_modules(&path, collected);
            } else if !detect::is_ignored_dir(name) {
                walk(&path, excluded, collected);
            }
        } else if detect::kind_from_path(name).is_some() {
            collected.pending.push((path, false));
        }
    }
}

/// Lists a root module's `.terraform/modules/modules.json` and the configuration
/// files of each module it records, so that registry and git modules are evaluated
/// like local ones. Only directories under `.terraform/modules/` are read, and only
/// their own files (a module's examples and tests are not part of it; its
/// submodules have entries of their own); a manifest naming anything else is not
/// followed there.
fn installed_modules(dot_terraform: &Path, collected: &mut Collected) {
    let modules = dot_terraform.join("modules");
    let manifest = modules.join("modules.json");
    let Ok(meta) = fs::symlink_metadata(&manifest) else {
        return;
    };
    if !meta.is_file() {
        return;
    }
    let display = manifest.display().to_string();
    let text = match fs::read(&manifest).map(decode_text) {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => return collected.errors.push(not_text(&display, None, &e)),
        Err(e) => return collected.errors.push(read_error(&display, &e)),
    };
    // The core reads the manifest again as a document; here only the directories
    // matter, resolved exactly as the core resolves them.
    let Ok(parsed) = module_manifest::parse_module_manifest(&display, &text) else {
        collected.documents.push(Document::detect(display, text));
        return;
    };
    let allowed = format!("{}/", modules.display());
    for module in &parsed.configuration.installed_modules {
        if !(module.dir.starts_with(&allowed) || module.dir == allowed.trim_end_matches('/')) {
            continue;
        }
        let Ok(entries) = fs::read_dir(&module.dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    matches!(
                        detect::kind_from_path(n),
                        Some(PathKind::Known(
                            InputKind::Terraform | InputKind::TerraformJson
                        ))
                    )
                })
            })
            .collect();
        files.sort();
        collected
            .pending
            .extend(files.into_iter().map(|p| (p, false)));
    }
    collected.documents.push(Document::detect(display, text));
}

/// Reads listed files into documents; unreadable files become errors.
#[cfg(test)]
pub fn read_files(files: &[(PathBuf, bool)], forced: Option<InputKind>) -> Collected {
    let mut collected = Collected {
        documents: Vec::new(),
        errors: Vec::new(),
        pending: Vec::new(),
    };
    for (path, explicit) in files {
        match read_one(path, forced, *explicit) {
            Ok(Some(document)) => collected.documents.push(document),
            Ok(None) => {}
            Err(error) => collected.errors.push(error),
        }
    }
    collected
}

/// The checkout a diff applies to, in `reviewgate review CHANGE.diff CHECKOUT/`:
/// the one directory among `paths` when a diff is given too (a `.diff`/`.patch` file
/// named on the command line, stdin read as a diff, or `--input-format diff`).
/// Its files are then named as the diff names them, relative to it, so a finding
/// and the diff's lines meet on the same path.
pub fn checkout(
    paths: &[PathBuf],
    listing: &Collected,
    forced: Option<InputKind>,
) -> Option<PathBuf> {
    let diff_given = forced == Some(InputKind::Diff)
        || listing
            .documents
            .iter()
            .any(|d| d.resolved_kind() == Some(InputKind::Diff))
        || listing.pending.iter().any(|(path, explicit)| {
            *explicit
                && detect::kind_from_path(&path.to_string_lossy())
                    == Some(PathKind::Known(InputKind::Diff))
        });
    let mut directories = paths.iter().filter(|p| p.is_dir());
    match (diff_given, directories.next(), directories.next()) {
        (true, Some(directory), None) => Some(directory.clone()),
        _ => None,
    }
}

/// `path` as a diff names it when it is under `checkout`: relative, `/`-separated.
pub fn name_in_checkout(path: &Path, checkout: &Path) -> Option<String> {
    let relative = path.strip_prefix(checkout).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Reads one listed file. `Ok(None)` for a JSON file found while walking a
/// directory that is neither a plan nor Terraform JSON (nobody asked for it).
pub fn read_one(
    path: &Path,
    forced: Option<InputKind>,
    explicit: bool,
) -> Result<Option<Document>, InputError> {
    let display = path.display().to_string();
    let bytes = fs::read(path).map_err(|e| read_error(&display, &e))?;
    let content = decode_text(bytes).map_err(|e| not_text(&display, forced, &e))?;
    let needs_content = matches!(
        detect::kind_from_path(&display),
        Some(PathKind::NeedsContent)
    );
    if forced.is_none() && needs_content && !explicit && detect::sniff(&content).is_none() {
        return Ok(None);
    }
    Ok(Some(Document {
        path: display,
        kind: forced,
        content,
    }))
}

/// A file or stdin whose bytes are not text (UTF-8, or UTF-16 with a byte-order
/// mark: see [`decode_text`]).
fn not_text(path: &str, kind: Option<InputKind>, error: &NotText) -> InputError {
    InputError {
        file: path.to_owned(),
        line: None,
        column: None,
        kind,
        message: error.to_string(),
    }
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
    fn a_file_named_and_found_in_a_named_directory_is_read_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let diff = dir.path().join("pr.diff");
        fs::write(&diff, "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n").expect("write");
        fs::write(dir.path().join("main.tf"), "locals {}\n").expect("write");
        let c = collect(
            &[diff.clone(), dir.path().to_path_buf()],
            None,
            &mut "".as_bytes(),
            &|_| false,
        );
        let paths: Vec<&str> = c.documents.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths.len(), 2, "{paths:?}");
        assert_eq!(paths.iter().filter(|p| p.ends_with("pr.diff")).count(), 1);
        // The directory with a diff is the diff's checkout; a directory alone is not.
        let listing = list(
            &[diff.clone(), dir.path().to_path_buf()],
            None,
            &mut "".as_bytes(),
            &|_| false,
        );
        let checkout_dir = checkout(&[diff, dir.path().to_path_buf()], &listing, None);
        assert_eq!(checkout_dir.as_deref(), Some(dir.path()));
        assert_eq!(
            name_in_checkout(&dir.path().join("m/main.tf"), dir.path()).as_deref(),
            Some("m/main.tf")
        );
        let alone = list(
            &[dir.path().to_path_buf()],
            None,
            &mut "".as_bytes(),
            &|_| false,
        );
        assert_eq!(checkout(&[dir.path().to_path_buf()], &alone, None), None);
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
