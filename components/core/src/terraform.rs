//! Terraform configuration as reviewgate sees it: the blocks of every `.tf`, `.tf.json`,
//! `.tfvars` and lock file in a change, merged into one [`Configuration`] so that rules
//! can follow references across files (a bucket in `s3.tf`, its public access block in
//! `security.tf`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::resource::{LineRange, Resource, SourceSpan, Suppression};
use crate::value::{Value, ValueMap};

/// Every block reviewgate understands, from any number of files.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Configuration {
    /// `resource` and `data` blocks.
    pub resources: Vec<Resource>,
    /// `module` blocks.
    pub module_calls: Vec<ModuleCall>,
    /// `variable` blocks.
    pub variables: Vec<Variable>,
    /// Entries of `locals` blocks.
    pub locals: Vec<Local>,
    /// `output` blocks.
    pub outputs: Vec<Output>,
    /// `provider` blocks.
    pub providers: Vec<ProviderConfig>,
    /// Assignments from `.tfvars` / `.tfvars.json` files.
    pub variable_values: Vec<VariableValue>,
    /// Providers pinned in `.terraform.lock.hcl`.
    pub locked_providers: Vec<LockedProvider>,
    /// Modules `terraform init` installed, from `.terraform/modules/modules.json`.
    pub installed_modules: Vec<InstalledModule>,
    /// The files that parsed, in the order they were added.
    pub files: Vec<String>,
}

impl Configuration {
    /// Appends everything from another (usually single-file) configuration.
    pub fn merge(&mut self, other: Configuration) {
        self.resources.extend(other.resources);
        self.module_calls.extend(other.module_calls);
        self.variables.extend(other.variables);
        self.locals.extend(other.locals);
        self.outputs.extend(other.outputs);
        self.providers.extend(other.providers);
        self.variable_values.extend(other.variable_values);
        self.locked_providers.extend(other.locked_providers);
        self.installed_modules.extend(other.installed_modules);
        self.files.extend(other.files);
    }

    /// Resources of one type (`aws_s3_bucket`), managed and data alike.
    pub fn resources_of_type<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.address.resource_type == resource_type)
    }
}

/// A `module "NAME" { source = … }` call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModuleCall {
    /// The call's name.
    pub name: String,
    /// `source`, when it is a literal.
    pub source_address: Option<String>,
    /// `version`, when it is a literal.
    pub version: Option<String>,
    /// All other arguments (the module's inputs and meta-arguments).
    pub inputs: ValueMap,
    /// Where it is declared.
    pub source: SourceSpan,
    /// Where each input argument is written, and the suppressions in or directly
    /// above it (native syntax only: JSON has no comments).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub arguments: BTreeMap<String, ArgumentSource>,
    /// Where each input and each entry of an object written in one is
    /// (`tags.owner`), by dotted path (native syntax only): what a finding inside
    /// an input points at.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attribute_lines: BTreeMap<String, LineRange>,
}

/// Where a module call's argument is written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArgumentSource {
    /// Its lines.
    pub lines: LineRange,
    /// Inline suppressions in or directly above it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

/// A `variable "NAME" { … }` declaration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Variable {
    /// The variable's name.
    pub name: String,
    /// `default`, if any.
    pub default: Option<Value>,
    /// The `type` constraint as written (`list(string)`).
    pub type_constraint: Option<String>,
    /// `description`, when it is a literal.
    pub description: Option<String>,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// Where it is declared.
    pub source: SourceSpan,
    /// Inline suppressions written in or directly above it: they cover findings
    /// whose values pass through it (see `Resource::provenance`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

/// One entry of a `locals { … }` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Local {
    /// The local's name.
    pub name: String,
    /// Its value, evaluated where static.
    pub value: Value,
    /// Where it is declared.
    pub source: SourceSpan,
    /// Inline suppressions written in or directly above it: they cover findings
    /// whose values pass through it (see `Resource::provenance`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

/// An `output "NAME" { value = … }` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Output {
    /// The output's name.
    pub name: String,
    /// Its value, evaluated where static.
    pub value: Option<Value>,
    /// `sensitive = true`.
    pub sensitive: bool,
    /// Where it is declared.
    pub source: SourceSpan,
    /// Inline suppressions written in or directly above it: they cover findings
    /// whose values a caller read through it (see `Resource::provenance`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

/// A `provider "NAME" { … }` configuration block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProviderConfig {
    /// The provider's local name (`aws`).
    pub name: String,
    /// `alias`, when set.
    pub alias: Option<String>,
    /// All other arguments.
    pub attributes: ValueMap,
    /// Where it is declared.
    pub source: SourceSpan,
    /// Where each argument, nested block and entry of an object written in an
    /// argument is (`assume_role.0.role_arn`), by dotted path (native syntax only),
    /// as a resource's `attribute_lines`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attribute_lines: BTreeMap<String, LineRange>,
}

/// `name = value` in a `.tfvars` file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariableValue {
    /// The variable being set.
    pub name: String,
    /// The value.
    pub value: Value,
    /// Where it is set.
    pub source: SourceSpan,
    /// Inline suppressions written in or directly above it: they cover findings
    /// whose values pass through it (see `Resource::provenance`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

/// A `provider "registry.terraform.io/…" { version = … }` entry of `.terraform.lock.hcl`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LockedProvider {
    /// The provider source address.
    pub provider: String,
    /// The selected version.
    pub version: Option<String>,
    /// The version constraints recorded at `terraform init`.
    pub constraints: Option<String>,
    /// How many package hashes are pinned.
    pub hashes: usize,
    /// Where it is recorded.
    pub source: SourceSpan,
}

/// A module `terraform init` installed (an entry of
/// `.terraform/modules/modules.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstalledModule {
    /// The call path: `db` for `module "db"` in the root, `db.sg` for `module "sg"`
    /// inside it; empty for the root module itself.
    pub key: String,
    /// The `source` as Terraform recorded it.
    pub source_address: String,
    /// The version installed, for a registry module.
    pub version: Option<String>,
    /// Its directory, as reviewed paths name it.
    pub dir: String,
    /// The manifest it is recorded in.
    pub source: SourceSpan,
}

/// A problem in a configuration file, with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ConfigError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// The result of parsing one configuration file: what it declares, plus problems with
/// individual blocks that did not stop the rest of the file from being read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParsedFile {
    /// The file's blocks.
    pub configuration: Configuration,
    /// Blocks that were skipped, and why.
    pub problems: Vec<ConfigError>,
}
