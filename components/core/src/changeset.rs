//! A change under review: where it came from and everything parsed out of its inputs.
//!
//! Surfaces hand over raw [`Document`]s (files read by the CLI, patches fetched from a
//! pull request, a plan pushed by a Spacelift hook, strings passed through WIT) and
//! get back a [`ChangeSet`]. A document that cannot be parsed becomes an
//! [`InputError`] with file, line and message; it never stops the other documents.

use serde::{Deserialize, Serialize};

use crate::detect::{self, InputKind};
use crate::diff::{ChangedFile, parse_unified_diff};
use crate::evaluate::{UnevaluatedModule, VariableInputs};
use crate::hcl;
use crate::module_manifest;
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
    /// Module calls whose module could not be evaluated (its files are not among
    /// the documents), set by [`ChangeSet::evaluate`].
    pub unevaluated_modules: Vec<UnevaluatedModule>,
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
        Self::from_documents_with_inputs(origin, documents, &VariableInputs::default())
    }

    /// [`ChangeSet::from_documents`] with values for the root modules' variables
    /// given from outside the configuration (`TF_VAR_`, `-var`, `-var-file`).
    pub fn from_documents_with_inputs(
        origin: Origin,
        documents: impl IntoIterator<Item = Document>,
        inputs: &VariableInputs,
    ) -> ChangeSet {
        let mut change_set = ChangeSet {
            origin,
            ..ChangeSet::default()
        };
        for document in documents {
            change_set.add_document(&document);
        }
        change_set.evaluate_with(inputs);
        change_set
    }

    /// Evaluates the configuration (see `crate::evaluate`): resources become their
    /// `count`/`for_each` instances with evaluated attributes. `from_documents` does
    /// it once every document is in; call it after adding documents one by one.
    pub fn evaluate(&mut self) {
        self.evaluate_with(&VariableInputs::default());
    }

    /// [`ChangeSet::evaluate`] with values for the root modules' variables given
    /// from outside the configuration.
    pub fn evaluate_with(&mut self, inputs: &VariableInputs) {
        let (problems, unevaluated) = crate::evaluate::evaluate(&mut self.configuration, inputs);
        self.unevaluated_modules.extend(unevaluated);
        for problem in problems {
            self.errors.push(InputError {
                file: problem.file,
                line: problem.line,
                column: None,
                kind: Some(InputKind::Terraform),
                message: problem.message,
            });
        }
    }

    /// Parses one more document into the change set (not evaluated yet: see
    /// [`ChangeSet::evaluate`]).
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
            InputKind::ModuleManifest => module_manifest::parse_module_manifest(path, content),
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
