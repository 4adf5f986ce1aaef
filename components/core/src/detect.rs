//! What kind of input a file is, from its path or, for stdin and `.json`, its content.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The input formats reviewgate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// `terraform show -json` plan output.
    Plan,
    /// `.tf`: Terraform native syntax.
    Terraform,
    /// `.tf.json`: Terraform JSON syntax.
    TerraformJson,
    /// `.tfvars`.
    Tfvars,
    /// `.tfvars.json`.
    TfvarsJson,
    /// `.terraform.lock.hcl`.
    LockFile,
    /// A unified diff (`.diff`, `.patch`).
    Diff,
    /// `.terraform/modules/modules.json`: the modules `terraform init` installed.
    ModuleManifest,
}

impl InputKind {
    /// Every kind, for help texts.
    pub const ALL: [InputKind; 8] = [
        InputKind::Plan,
        InputKind::Terraform,
        InputKind::TerraformJson,
        InputKind::Tfvars,
        InputKind::TfvarsJson,
        InputKind::LockFile,
        InputKind::Diff,
        InputKind::ModuleManifest,
    ];

    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Plan => "plan",
            InputKind::Terraform => "terraform",
            InputKind::TerraformJson => "terraform-json",
            InputKind::Tfvars => "tfvars",
            InputKind::TfvarsJson => "tfvars-json",
            InputKind::LockFile => "lock-file",
            InputKind::Diff => "diff",
            InputKind::ModuleManifest => "module-manifest",
        }
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InputKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InputKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = InputKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown input format `{s}` (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// What a path's name says it is. `.json` files other than `.tf.json`/`.tfvars.json`
/// need [`sniff`]: they may be plans. `None` means "not an input we review".
pub fn kind_from_path(path: &str) -> Option<PathKind> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let kind = if crate::module_manifest::is_manifest_path(path) {
        PathKind::Known(InputKind::ModuleManifest)
    } else if name == ".terraform.lock.hcl" {
        PathKind::Known(InputKind::LockFile)
    } else if name.ends_with(".tf.json") {
        PathKind::Known(InputKind::TerraformJson)
    } else if name.ends_with(".tfvars.json") {
        PathKind::Known(InputKind::TfvarsJson)
    } else if name.ends_with(".tf") {
        PathKind::Known(InputKind::Terraform)
    } else if name.ends_with(".tfvars") {
        PathKind::Known(InputKind::Tfvars)
    } else if name.ends_with(".diff") || name.ends_with(".patch") {
        PathKind::Known(InputKind::Diff)
    } else if name.ends_with(".json") {
        PathKind::NeedsContent
    } else {
        return None;
    };
    Some(kind)
}

/// The answer of [`kind_from_path`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKind {
    /// The name decides it.
    Known(InputKind),
    /// A `.json` file: a plan, or not ours. Call [`sniff`].
    NeedsContent,
}

/// True for paths Terraform itself ignores or that hold downloaded copies of modules
/// and providers, which are not part of the change under review.
pub fn is_ignored_dir(name: &str) -> bool {
    matches!(
        name,
        ".terraform" | ".terragrunt-cache" | ".external_modules" | ".git" | "node_modules"
    )
}

/// Guesses the kind of content without a file name (stdin, or a `.json` file).
/// `None` for JSON that is neither a plan nor Terraform JSON syntax.
pub fn sniff(content: &str) -> Option<InputKind> {
    let head = content.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with('{') {
        // Terraform writes these keys at the top level of every plan; a content search
        // is cheap next to parsing and avoids parsing twice.
        let is_plan = content.contains("\"format_version\"")
            && (content.contains("\"resource_changes\"") || content.contains("\"planned_values\""));
        if is_plan {
            return Some(InputKind::Plan);
        }
        let is_terraform_json = [
            "\"resource\"",
            "\"data\"",
            "\"module\"",
            "\"variable\"",
            "\"provider\"",
            "\"terraform\"",
        ]
        .iter()
        .any(|key| content.contains(key));
        return is_terraform_json.then_some(InputKind::TerraformJson);
    }
    let first_line = head.lines().next().unwrap_or_default();
    if first_line.starts_with("diff --git ")
        || first_line.starts_with("--- ")
        || (first_line.starts_with("From ") && content.contains("\ndiff --git "))
        || first_line.starts_with("Index: ")
    {
        return Some(InputKind::Diff);
    }
    Some(InputKind::Terraform)
}

/// True when a path (e.g. a changed file in a pull request) is Terraform configuration.
pub fn is_terraform_path(path: &str) -> bool {
    matches!(
        kind_from_path(path),
        Some(PathKind::Known(
            InputKind::Terraform
                | InputKind::TerraformJson
                | InputKind::Tfvars
                | InputKind::TfvarsJson
                | InputKind::LockFile
        ))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_name() {
        let cases = [
            ("main.tf", Some(PathKind::Known(InputKind::Terraform))),
            (
                "dir/main.tf.json",
                Some(PathKind::Known(InputKind::TerraformJson)),
            ),
            ("prod.tfvars", Some(PathKind::Known(InputKind::Tfvars))),
            (
                "prod.auto.tfvars.json",
                Some(PathKind::Known(InputKind::TfvarsJson)),
            ),
            (
                "x/.terraform.lock.hcl",
                Some(PathKind::Known(InputKind::LockFile)),
            ),
            ("pr.diff", Some(PathKind::Known(InputKind::Diff))),
            ("0001-fix.patch", Some(PathKind::Known(InputKind::Diff))),
            ("plan.json", Some(PathKind::NeedsContent)),
            (
                "infra/.terraform/modules/modules.json",
                Some(PathKind::Known(InputKind::ModuleManifest)),
            ),
            ("modules.json", Some(PathKind::NeedsContent)),
            ("README.md", None),
            ("main.tftpl", None),
        ];
        for (path, expected) in cases {
            assert_eq!(kind_from_path(path), expected, "{path}");
        }
        assert!(is_terraform_path("a/b.tf"));
        assert!(!is_terraform_path("a/b.go"));
    }

    #[test]
    fn sniffs_content() {
        assert_eq!(
            sniff(r#"{"format_version":"1.2","resource_changes":[]}"#),
            Some(InputKind::Plan)
        );
        assert_eq!(
            sniff(r#"{"resource":{"a":{}}}"#),
            Some(InputKind::TerraformJson)
        );
        assert_eq!(sniff(r#"{"name":"package"}"#), None);
        assert_eq!(sniff("diff --git a/x b/x\n"), Some(InputKind::Diff));
        assert_eq!(sniff("--- a/x\n+++ b/x\n"), Some(InputKind::Diff));
        assert_eq!(
            sniff("resource \"a\" \"b\" {}\n"),
            Some(InputKind::Terraform)
        );
        assert_eq!(
            "tfvars-json".parse::<InputKind>(),
            Ok(InputKind::TfvarsJson)
        );
        assert!("yaml".parse::<InputKind>().is_err());
    }
}
