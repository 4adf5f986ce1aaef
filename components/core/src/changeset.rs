//! A change under review: where it came from and everything parsed out of its inputs.
//!
//! Surfaces hand over raw [`Document`]s (files read by the CLI, patches fetched from a
//! pull request, a plan pushed by a Spacelift hook, strings passed through WIT) and
//! get back a [`ChangeSet`]. A document that cannot be parsed becomes an
//! [`InputError`] with file, line and message; it never stops the other documents.

use serde::{Deserialize, Serialize};

use crate::detect::{self, InputKind};
use crate::diff::{ChangedFile, parse_unified_diff};
use crate::hcl;
use crate::plan::{Plan, parse_plan};
use crate::resource::Resource;
use crate::terraform::{ConfigError, Configuration, ParsedFile};
use crate::tfjson;

/// Where a change came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// Files on disk or stdin (`reviewgate review`).
    #[default]
    Local,
    /// A GitHub pull request.
    GithubPullRequest {
        /// Repository owner (user or organisation).
        owner: String,
        /// Repository name.
        repo: String,
        /// Pull request number.
        number: u64,
        /// Head commit.
        head_sha: String,
    },
    /// A GitLab merge request.
    GitlabMergeRequest {
        /// Project path (`group/sub/project`).
        project: String,
        /// Merge request iid.
        iid: u64,
        /// Head commit.
        head_sha: String,
    },
    /// A Bitbucket Cloud pull request.
    BitbucketPullRequest {
        /// Workspace slug.
        workspace: String,
        /// Repository slug.
        repo: String,
        /// Pull request id.
        id: u64,
        /// Head commit.
        head_sha: String,
    },
    /// A Spacelift run.
    SpaceliftRun {
        /// Spacelift account.
        account: String,
        /// Stack id.
        stack: String,
        /// Run id.
        run_id: String,
    },
}

/// One raw input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Its path (or a name such as `<stdin>`), used in findings and errors.
    pub path: String,
    /// Its format; `None` to detect it from the path, then the content.
    pub kind: Option<InputKind>,
    /// The text.
    pub content: String,
}

impl Document {
    /// A document whose format is detected from its path and content.
    pub fn detect(path: impl Into<String>, content: impl Into<String>) -> Self {
        Document {
            path: path.into(),
            kind: None,
            content: content.into(),
        }
    }

    /// The format: as given, else from the path, else from the content.
    pub fn resolved_kind(&self) -> Option<InputKind> {
        self.kind
            .or_else(|| match detect::kind_from_path(&self.path) {
                Some(detect::PathKind::Known(kind)) => Some(kind),
                Some(detect::PathKind::NeedsContent) | None => detect::sniff(&self.content),
            })
    }
}

/// An input that could not be used, with enough position to find the problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputError {
    /// The document's path.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The format it was read as, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<InputKind>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything parsed out of a change's documents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeSet {
    /// Where the change came from.
    pub origin: Origin,
    /// Files changed by the diff(s), with status and hunks.
    pub changed_files: Vec<ChangedFile>,
    /// Terraform plans.
    pub plans: Vec<Plan>,
    /// Terraform configuration from every `.tf`/`.tf.json`/`.tfvars`/lock file.
    pub configuration: Configuration,
    /// Documents (or blocks in them) that could not be used.
    pub errors: Vec<InputError>,
}

impl ChangeSet {
    /// Every resource in the change: configuration blocks, then plan resource
    /// changes, in input order. What rules and policy plugins look at.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.configuration
            .resources
            .iter()
            .chain(self.plans.iter().flat_map(|p| p.resources.iter()))
    }

    /// Parses every document. Never fails as a whole: problems become [`InputError`]s.
    pub fn from_documents(
        origin: Origin,
        documents: impl IntoIterator<Item = Document>,
    ) -> ChangeSet {
        let mut change_set = ChangeSet {
            origin,
            ..ChangeSet::default()
        };
        for document in documents {
            change_set.add_document(&document);
        }
        change_set
    }

    /// Parses one more document into the change set.
    pub fn add_document(&mut self, document: &Document) {
        let path = document.path.as_str();
        let content = document.content.as_str();
        let Some(kind) = document.resolved_kind() else {
            self.errors.push(InputError {
                file: path.to_owned(),
                line: None,
                column: None,
                kind: None,
                message: "unrecognised input: not a Terraform plan, Terraform configuration or unified diff"
                    .into(),
            });
            return;
        };
        let error = |line: Option<usize>, column: Option<usize>, message: String| InputError {
            file: path.to_owned(),
            line,
            column,
            kind: Some(kind),
            message,
        };
        let config_result = match kind {
            InputKind::Plan => {
                match parse_plan(path, content) {
                    Ok(plan) => self.plans.push(plan),
                    Err(e) => {
                        let column = match &e {
                            crate::plan::PlanError::Json { column, .. } => Some(*column),
                            _ => None,
                        };
                        self.errors.push(error(e.line(), column, e.to_string()));
                    }
                }
                return;
            }
            InputKind::Diff => {
                match parse_unified_diff(content) {
                    Ok(files) => self.changed_files.extend(files),
                    Err(e) => self.errors.push(error(e.line(), None, e.to_string())),
                }
                return;
            }
            InputKind::Terraform => hcl::parse_terraform(path, content),
            InputKind::Tfvars => hcl::parse_tfvars(path, content),
            InputKind::LockFile => hcl::parse_lock_file(path, content),
            InputKind::TerraformJson => tfjson::parse_terraform_json(path, content),
            InputKind::TfvarsJson => tfjson::parse_tfvars_json(path, content),
        };
        let to_error = |e: ConfigError| error(Some(e.line), Some(e.column), e.message);
        match config_result {
            Ok(ParsedFile {
                configuration,
                problems,
            }) => {
                self.configuration.merge(configuration);
                self.errors.extend(problems.into_iter().map(to_error));
            }
            Err(e) => self.errors.push(to_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bad_document_does_not_stop_the_others() {
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [
                Document::detect("bad.tf", "resource \"a\" {\n  x = = 1\n}"),
                Document::detect("good.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"),
                Document::detect(
                    "plan.json",
                    "{\"format_version\":\"1.0\",\"resource_changes\":[]}",
                ),
                Document::detect("pr.diff", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"),
                Document::detect("package.json", "{\"name\":\"x\"}"),
            ],
        );
        assert_eq!(cs.configuration.resources.len(), 1);
        assert_eq!(cs.plans.len(), 1);
        assert_eq!(cs.changed_files.len(), 1);
        assert_eq!(cs.errors.len(), 2, "{:?}", cs.errors);
        assert_eq!(
            (cs.errors[0].file.as_str(), cs.errors[0].line),
            ("bad.tf", Some(2))
        );
        assert_eq!(cs.errors[1].file, "package.json");
        assert!(cs.errors[1].message.starts_with("unrecognised input"));
    }

    #[test]
    fn explicit_kind_overrides_detection() {
        let doc = Document {
            path: "<stdin>".into(),
            kind: Some(InputKind::Tfvars),
            content: "region = \"eu-west-1\"\n".into(),
        };
        let cs = ChangeSet::from_documents(Origin::Local, [doc]);
        assert_eq!(cs.configuration.variable_values.len(), 1);
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use proptest::prelude::*;

    const PLAN: &str = r#"{"format_version":"1.2","resource_changes":[{"address":"module.m[\"k\"].aws_s3_bucket.b[0]","type":"aws_s3_bucket","name":"b","change":{"actions":["delete","create"],"before":{"x":"\u00e9"},"after":{"x":1},"after_unknown":{"id":true},"after_sensitive":{"x":true},"replace_paths":[["x"]]}}],"configuration":{"root_module":{"resources":[{"address":"aws_s3_bucket.b","expressions":{"id":{"references":["var.a"]}}}]}}}"#;
    const HCL: &str = "variable \"v\" {\n  default = [1, \"two\", { three = 3 }]\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"${var.v}-x\"\n  policy = jsonencode({ a = [1] })\n  text = <<-EOT\n    hi\n  EOT\n  rule {\n    enabled = !false\n  }\n  dynamic \"x\" {\n    for_each = var.v\n    content {}\n  }\n}\n";
    const DIFF: &str = "diff --git a/a.tf b/a.tf\nindex 1..2 100644\n--- a/a.tf\n+++ b/a.tf\n@@ -1,2 +1,3 @@ x\n a\n-b\n+c\n+d\n\\ No newline at end of file\n";

    fn review_all(text: &str) {
        for kind in InputKind::ALL {
            let doc = Document {
                path: "fuzz".into(),
                kind: Some(kind),
                content: text.to_owned(),
            };
            let cs = ChangeSet::from_documents(Origin::Local, [doc]);
            // Reading every value exercises the deferred plan values too.
            for r in cs
                .plans
                .iter()
                .flat_map(|p| &p.resources)
                .chain(&cs.configuration.resources)
            {
                let _ = format!("{:?}", r.attributes);
                if let Some(before) = r.change.as_ref().and_then(|c| c.before.as_ref()) {
                    let _ = before.values();
                }
            }
            let _ = crate::review::review(&cs);
        }
    }

    #[test]
    fn every_truncation_of_valid_inputs_is_handled() {
        for text in [PLAN, HCL, DIFF] {
            for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                review_all(&text[..end]);
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(?s).{0,200}") {
            review_all(&text);
        }

        #[test]
        fn mutated_inputs_never_panic(base in 0usize..3, at in any::<prop::sample::Index>(), insert in "[{}\\[\\]\"=,:\\\\\n@+ -]{1,4}") {
            let text = [PLAN, HCL, DIFF][base];
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            review_all(&format!("{}{}{}", &text[..at], insert, &text[at..]));
        }
    }
}
