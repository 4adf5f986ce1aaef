//! A change under review: where it came from and everything parsed out of its inputs.
//!
//! Surfaces hand over raw [`Document`]s (files read by the CLI, patches fetched from a
//! pull request, a plan pushed by a Spacelift hook, strings passed through WIT) and
//! get back a [`ChangeSet`]. A document that cannot be parsed becomes an
//! [`InputError`] with file, line and message; it never stops the other documents.

use serde::{Deserialize, Serialize};

use crate::detect::{self, InputKind};
use crate::diff::{ChangedFile, FileStatus, parse_unified_diff};
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

/// What a review looks at, which decides what a rule may conclude from what it
/// does not see (see `rules::RuleScope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewScope {
    /// A change: a diff or a plan says what changes (a pull request, a Spacelift
    /// run, `reviewgate review pr.diff`, `reviewgate review plan.json`), whatever
    /// configuration comes with it.
    Change,
    /// Terraform configuration as it stands, with no diff or plan beside it: a scan
    /// of a repository or of some of its files (`reviewgate review DIR`).
    Repository,
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

    /// Whether this is a change or a scan of configuration as it stands: a
    /// repository scan is configuration with no diff and no plan.
    pub fn scope(&self) -> ReviewScope {
        if self.plans.is_empty() && self.changed_files.is_empty() {
            ReviewScope::Repository
        } else {
            ReviewScope::Change
        }
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

    /// Completes the configuration and evaluates it (see `crate::evaluate`): the
    /// Terraform files a diff adds whole are read as configuration, unless they
    /// were given whole too, then resources become their
    /// `count`/`for_each` instances with evaluated attributes. `from_documents` does
    /// it once every document is in; call it after adding documents one by one.
    pub fn evaluate(&mut self) {
        self.evaluate_with(&VariableInputs::default());
    }

    /// [`ChangeSet::evaluate`] with values for the root modules' variables given
    /// from outside the configuration.
    pub fn evaluate_with(&mut self, inputs: &VariableInputs) {
        self.read_files_added_by_diffs();
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

    /// A Terraform file a diff adds is all there in the diff, so it is reviewed as
    /// configuration like a file given whole — unless it was given whole too (a pull
    /// request's diff next to its changed files, a diff next to its checkout), which
    /// would declare every resource twice. An added file whose hunks do not hold it
    /// whole is an input error rather than a silent pass: only its added lines could
    /// be read. Running it again adds nothing.
    fn read_files_added_by_diffs(&mut self) {
        // Also the files added so far: the same diff may be given twice.
        let mut read: std::collections::HashSet<&str> = self
            .configuration
            .files
            .iter()
            .map(String::as_str)
            .collect();
        let mut added = Vec::new();
        for file in &self.changed_files {
            if file.status != FileStatus::Added || file.binary {
                continue;
            }
            let Some(kind) = configuration_kind(&file.path) else {
                continue;
            };
            if !read.insert(file.path.as_str()) {
                continue;
            }
            match file.added_text() {
                Some(text) => added.push((file.path.clone(), kind, text)),
                None => self.errors.push(InputError {
                    file: file.path.clone(),
                    line: None,
                    column: None,
                    kind: Some(InputKind::Diff),
                    message: "the diff adds this file but its hunks do not hold all of it \
                              (they skip or repeat lines): only its added lines were reviewed"
                        .into(),
                }),
            }
        }
        for (path, kind, text) in added {
            self.add_configuration(&path, kind, &text);
        }
    }

    /// Parses one more document into the change set (not evaluated yet: see
    /// [`ChangeSet::evaluate`]).
    pub fn add_document(&mut self, document: &Document) {
        self.add_parsed(ParsedDocument::parse(document));
    }

    /// Adds a document parsed with [`ParsedDocument::parse`]. Adding parsed documents
    /// in input order gives the same change set as adding the documents themselves.
    pub fn add_parsed(&mut self, parsed: ParsedDocument) {
        let ParsedDocument {
            plan,
            changed_files,
            configuration,
            errors,
        } = parsed;
        self.plans.extend(plan);
        self.changed_files.extend(changed_files);
        if let Some(configuration) = configuration {
            self.configuration.merge(configuration);
        }
        self.errors.extend(errors);
    }

    fn add_configuration(&mut self, path: &str, kind: InputKind, content: &str) {
        let mut parsed = ParsedDocument::default();
        parsed.parse_configuration(path, kind, content);
        self.add_parsed(parsed);
    }
}

/// One document parsed on its own, ready for [`ChangeSet::add_parsed`].
///
/// Parsing needs nothing of the change set, so documents can be parsed on any
/// thread and added in order: the CLI reads and parses a directory's files on
/// every core, where reading and parsing are most of a repository scan's time.
#[derive(Debug, Default)]
pub struct ParsedDocument {
    plan: Option<Plan>,
    changed_files: Vec<ChangedFile>,
    configuration: Option<Configuration>,
    /// The document's problems, in the order adding it one by one reports them.
    errors: Vec<InputError>,
}

impl ParsedDocument {
    /// Parses a document. Never fails: problems become [`InputError`]s.
    pub fn parse(document: &Document) -> Self {
        let mut parsed = ParsedDocument::default();
        let path = document.path.as_str();
        let content = document.content.as_str();
        let Some(kind) = document.resolved_kind() else {
            parsed.errors.push(InputError {
                file: path.to_owned(),
                line: None,
                column: None,
                kind: None,
                message: "unrecognised input: not a Terraform plan, Terraform configuration or unified diff"
                    .into(),
            });
            return parsed;
        };
        let error = |line: Option<usize>, column: Option<usize>, message: String| InputError {
            file: path.to_owned(),
            line,
            column,
            kind: Some(kind),
            message,
        };
        match kind {
            InputKind::Plan => match parse_plan(path, content) {
                Ok(plan) => parsed.plan = Some(plan),
                Err(e) => {
                    let column = match &e {
                        crate::plan::PlanError::Json { column, .. } => Some(*column),
                        _ => None,
                    };
                    parsed.errors.push(error(e.line(), column, e.to_string()));
                }
            },
            InputKind::Diff => match parse_unified_diff(content) {
                Ok(files) => parsed.changed_files = files,
                Err(e) => parsed.errors.push(error(e.line(), None, e.to_string())),
            },
            InputKind::Terraform
            | InputKind::Tfvars
            | InputKind::LockFile
            | InputKind::TerraformJson
            | InputKind::TfvarsJson
            | InputKind::ModuleManifest => parsed.parse_configuration(path, kind, content),
        }
        parsed
    }

    /// Parses one configuration file (`kind` is one of the configuration kinds); its
    /// problems become input errors.
    fn parse_configuration(&mut self, path: &str, kind: InputKind, content: &str) {
        let config_result = match kind {
            InputKind::Terraform => hcl::parse_terraform(path, content),
            InputKind::Tfvars => hcl::parse_tfvars(path, content),
            InputKind::LockFile => hcl::parse_lock_file(path, content),
            InputKind::TerraformJson => tfjson::parse_terraform_json(path, content),
            InputKind::TfvarsJson => tfjson::parse_tfvars_json(path, content),
            InputKind::ModuleManifest => module_manifest::parse_module_manifest(path, content),
            InputKind::Plan | InputKind::Diff => return,
        };
        let to_error = |e: ConfigError| InputError {
            file: path.to_owned(),
            line: Some(e.line),
            column: Some(e.column),
            kind: Some(kind),
            message: e.message,
        };
        match config_result {
            Ok(ParsedFile {
                configuration,
                problems,
            }) => {
                self.configuration = Some(configuration);
                self.errors.extend(problems.into_iter().map(to_error));
            }
            Err(e) => self.errors.push(to_error(e)),
        }
    }
}

/// The configuration kind a path's name gives, if any: what a file added by a diff
/// is read as.
fn configuration_kind(path: &str) -> Option<InputKind> {
    match detect::kind_from_path(path)? {
        // A `.json` file might be a plan someone committed: not configuration.
        detect::PathKind::Known(InputKind::Plan | InputKind::Diff)
        | detect::PathKind::NeedsContent => None,
        detect::PathKind::Known(kind) => Some(kind),
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

    const ADDS_MAIN_TF: &str = "diff --git a/main.tf b/main.tf\nnew file mode 100644\n--- /dev/null\n+++ b/main.tf\n@@ -0,0 +1,3 @@\n+resource \"aws_s3_bucket\" \"logs\" {\n+  bucket = \"logs\"\n+}\n";

    #[test]
    fn a_terraform_file_a_diff_adds_is_reviewed_as_configuration() {
        let cs =
            ChangeSet::from_documents(Origin::Local, [Document::detect("pr.diff", ADDS_MAIN_TF)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        assert_eq!(cs.configuration.files, ["main.tf"]);
        let bucket = &cs.configuration.resources[0];
        assert_eq!(bucket.address.to_string(), "aws_s3_bucket.logs");
        assert_eq!(bucket.source.file, "main.tf");
        assert_eq!(bucket.source.lines.map(|l| (l.start, l.end)), Some((1, 3)));
    }

    #[test]
    fn an_added_file_given_whole_too_is_read_once() {
        let whole = "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n";
        // Whichever comes first: the backend sends the diff, then the files.
        for documents in [
            [
                Document::detect("pr.diff", ADDS_MAIN_TF),
                Document::detect("main.tf", whole),
            ],
            [
                Document::detect("main.tf", whole),
                Document::detect("pr.diff", ADDS_MAIN_TF),
            ],
        ] {
            let cs = ChangeSet::from_documents(Origin::Local, documents);
            assert!(cs.errors.is_empty(), "{:?}", cs.errors);
            assert_eq!(cs.configuration.resources.len(), 1);
        }
        // Nor does the same diff given twice declare it twice.
        let twice = [
            Document::detect("a.diff", ADDS_MAIN_TF),
            Document::detect("b.diff", ADDS_MAIN_TF),
        ];
        let cs = ChangeSet::from_documents(Origin::Local, twice);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        assert_eq!(cs.configuration.resources.len(), 1);
    }

    #[test]
    fn an_added_file_the_diff_does_not_hold_whole_is_an_error_not_a_pass() {
        let partial =
            "--- /dev/null\n+++ b/main.tf\n@@ -0,0 +5,1 @@\n+resource \"aws_s3_bucket\" \"b\" {}\n";
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("pr.diff", partial)]);
        assert!(cs.configuration.resources.is_empty());
        assert_eq!(cs.errors.len(), 1);
        assert_eq!(cs.errors[0].file, "main.tf");
        assert!(
            cs.errors[0].message.contains("do not hold all of it"),
            "{}",
            cs.errors[0].message
        );
        // Modified files and files that are not configuration stay diff lines.
        let other = "--- /dev/null\n+++ b/README.md\n@@ -0,0 +1 @@\n+hello\n--- a/x.tf\n+++ b/x.tf\n@@ -1 +1 @@\n-a\n+b\n";
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("pr.diff", other)]);
        assert!(
            cs.errors.is_empty() && cs.configuration.files.is_empty(),
            "{:?}",
            cs.errors
        );
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
