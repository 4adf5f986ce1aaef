//! `.terraform/modules/modules.json`, the record `terraform init` keeps of the
//! modules it installed: for each call by its key (`db`, `db.sg` for a call inside
//! `db`), the source and version asked for and the directory it went to, relative
//! to the root module. Evaluation reads it to find a registry or git module's files
//! among the reviewed ones (`evaluate/modules.rs`).

use serde::Deserialize;

use crate::resource::SourceSpan;
use crate::terraform::{ConfigError, InstalledModule, ParsedFile};

/// The path, under a root module, where `terraform init` writes the manifest.
pub const MANIFEST_PATH: &str = ".terraform/modules/modules.json";

/// The file as Terraform writes it (`internal/modsdir/manifest.go`).
#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "Modules", default)]
    modules: Vec<Record>,
}

#[derive(Deserialize)]
struct Record {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Source", default)]
    source: String,
    #[serde(rename = "Version", default)]
    version: Option<String>,
    #[serde(rename = "Dir")]
    dir: String,
}

/// Whether a path is a module manifest: `<root>/.terraform/modules/modules.json`.
pub fn is_manifest_path(path: &str) -> bool {
    root_of(path).is_some()
}

/// The root module directory of a manifest path ("" for the current directory).
pub(crate) fn root_of(path: &str) -> Option<&str> {
    let path_slashes = path.replace('\\', "/");
    let stripped = path_slashes.strip_suffix(MANIFEST_PATH)?;
    if !(stripped.is_empty() || stripped.ends_with('/')) {
        return None;
    }
    Some(&path[..stripped.len().saturating_sub(1)])
}

/// Parses a manifest into [`InstalledModule`]s whose directories are resolved
/// against the manifest's root module, the way reviewed paths are written.
pub fn parse_module_manifest(path: &str, source: &str) -> Result<ParsedFile, ConfigError> {
    let manifest: Manifest = serde_json::from_str(source).map_err(|e| ConfigError {
        line: e.line(),
        column: e.column(),
        message: format!("not a Terraform module manifest: {e}"),
    })?;
    let root = root_of(path).unwrap_or("");
    let mut parsed = ParsedFile::default();
    for record in manifest.modules {
        let Some(dir) = join(root, &record.dir) else {
            parsed.problems.push(ConfigError {
                line: 1,
                column: 1,
                message: format!(
                    "module \"{}\" is recorded in an absolute directory ({}): not read",
                    record.key, record.dir
                ),
            });
            continue;
        };
        parsed
            .configuration
            .installed_modules
            .push(InstalledModule {
                key: record.key,
                source_address: record.source,
                version: record.version.filter(|v| !v.is_empty()),
                dir,
                source: SourceSpan {
                    file: path.to_owned(),
                    lines: None,
                },
            });
    }
    parsed.configuration.files.push(path.to_owned());
    Ok(parsed)
}

/// `dir` (relative to the root module) as a reviewed path would name it; `None` for
/// an absolute one, which no reviewed path relative to the root can be.
fn join(root: &str, dir: &str) -> Option<String> {
    let dir = dir.replace('\\', "/");
    if dir.starts_with('/') || dir.get(1..2) == Some(":") {
        return None;
    }
    let mut parts: Vec<&str> = if root.is_empty() {
        Vec::new()
    } else {
        root.split(['/', '\\']).collect()
    };
    for segment in dir.split('/') {
        match segment {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_manifest_paths_only_under_dot_terraform_modules() {
        assert!(is_manifest_path(".terraform/modules/modules.json"));
        assert!(is_manifest_path(
            "infra/prod/.terraform/modules/modules.json"
        ));
        assert!(is_manifest_path(
            "infra\\prod\\.terraform\\modules\\modules.json"
        ));
        assert!(!is_manifest_path("modules.json"));
        assert!(!is_manifest_path("x.terraform/modules/modules.json"));
    }

    #[test]
    fn directories_resolve_against_the_root_module() {
        let parsed = parse_module_manifest(
            "infra/.terraform/modules/modules.json",
            r#"{"Modules":[
                {"Key":"","Source":"","Dir":"."},
                {"Key":"db","Source":"registry.terraform.io/terraform-aws-modules/rds/aws","Version":"6.1.0","Dir":".terraform/modules/db"},
                {"Key":"db.sg","Source":"./modules/sg","Dir":".terraform/modules/db/modules/sg"},
                {"Key":"shared","Source":"../shared","Dir":"../shared"},
                {"Key":"evil","Source":"x","Dir":"/etc"}
            ]}"#,
        )
        .expect("parses");
        let dirs: Vec<(&str, &str)> = parsed
            .configuration
            .installed_modules
            .iter()
            .map(|m| (m.key.as_str(), m.dir.as_str()))
            .collect();
        assert_eq!(
            dirs,
            [
                ("", "infra"),
                ("db", "infra/.terraform/modules/db"),
                ("db.sg", "infra/.terraform/modules/db/modules/sg"),
                ("shared", "shared"),
            ]
        );
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(
            parsed.configuration.installed_modules[1].version.as_deref(),
            Some("6.1.0")
        );
    }

    #[test]
    fn a_file_that_is_not_a_manifest_is_an_error_with_its_line() {
        let error = parse_module_manifest(".terraform/modules/modules.json", "{\n\"Modules\": 3}")
            .expect_err("not a manifest");
        assert_eq!(error.line, 2);
    }
}
