//! Values for root module variables given from outside the configuration:
//! Terraform's `TF_VAR_NAME` environment variables, `-var NAME=VALUE` and
//! `-var-file FILE`. A surface collects them (reading the environment and files is
//! its job) and the core applies Terraform's precedence, lowest first:
//!
//! 1. the declared `default`,
//! 2. `TF_VAR_NAME`,
//! 3. `terraform.tfvars`, then `terraform.tfvars.json`,
//! 4. `*.auto.tfvars` / `*.auto.tfvars.json` in lexical order of their names,
//! 5. `-var` and `-var-file` in command-line order.
//!
//! Steps 3 and 4 are the directory's own files (`evaluate/mod.rs`); this file
//! holds 2 and 5. As Terraform does, a `-var` or `TF_VAR_` value is read as a raw
//! string for a variable with no type or a primitive one (`string`, `number`,
//! `bool`), and as an HCL expression, which must be a literal, for any other type.

use std::collections::HashMap;

use super::Problem;
use crate::changeset::Document;
use crate::resource::{ProvenanceLink, SourceSpan, Suppression};
use crate::terraform::Variable;
use crate::value::Value;

/// Root module variable values from outside the configuration, as a surface
/// collected them; see the module documentation for how they combine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VariableInputs {
    /// `TF_VAR_NAME` environment variables: the name without the prefix and the
    /// value as written.
    pub environment: Vec<(String, String)>,
    /// `-var` and `-var-file` arguments, in command-line order (a later one wins).
    pub command_line: Vec<CommandLineVariable>,
}

impl VariableInputs {
    /// Whether nothing is given (the common case, and every surface but the CLI).
    pub fn is_empty(&self) -> bool {
        self.environment.is_empty() && self.command_line.is_empty()
    }
}

/// One `-var` or `-var-file` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandLineVariable {
    /// `-var NAME=VALUE`, the value as written.
    Var {
        /// The variable.
        name: String,
        /// Its value, as typed.
        value: String,
    },
    /// `-var-file FILE`: its path and text, read as `.tfvars.json` when the path
    /// ends in `.json` and as `.tfvars` otherwise, as Terraform does.
    File(Document),
}

/// A `-var` argument that is not `NAME=VALUE`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VarArgumentError {
    /// No `=` separates the name from the value.
    #[error("`{0}` is not NAME=VALUE: it has no `=`")]
    NoEquals(String),
    /// Nothing before the `=`.
    #[error("`{0}` names no variable before the `=`")]
    NoName(String),
}

impl CommandLineVariable {
    /// Reads `-var NAME=VALUE` as Terraform does: the name ends at the first `=`
    /// (values may hold more), and is trimmed of spaces.
    pub fn parse_var(argument: &str) -> Result<Self, VarArgumentError> {
        let (name, value) = argument
            .split_once('=')
            .ok_or_else(|| VarArgumentError::NoEquals(argument.to_owned()))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(VarArgumentError::NoName(argument.to_owned()));
        }
        Ok(CommandLineVariable::Var {
            name: name.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// A value given for a variable from outside its directory.
#[derive(Debug)]
pub(super) enum Given {
    /// As typed (`-var`, `TF_VAR_`): its reading depends on the variable's type.
    Raw {
        /// Where it came from, for problems: `-var region`, `TF_VAR_region`.
        origin: String,
        text: String,
    },
    /// From a `-var-file`, already a value.
    Value {
        value: Value,
        /// Where in the file, with the suppressions written there.
        source: SourceSpan,
        suppressions: Vec<Suppression>,
    },
}

impl Given {
    /// Where the value was given, as the first link of its provenance: the file
    /// and line of a `-var-file` assignment, else `--var` or `TF_VAR_NAME`.
    pub fn link(&self, reference: &str) -> ProvenanceLink {
        match self {
            Given::Raw { origin, .. } => ProvenanceLink {
                file: if origin.starts_with("TF_VAR_") {
                    origin.clone()
                } else {
                    "--var".to_owned()
                },
                line: None,
                name: reference.to_owned(),
                suppressions: Vec::new(),
            },
            Given::Value {
                source,
                suppressions,
                ..
            } => ProvenanceLink {
                file: source.file.clone(),
                line: source.lines.map(|l| l.start),
                name: reference.to_owned(),
                suppressions: suppressions.clone(),
            },
        }
    }
}

/// [`VariableInputs`] resolved once per review, for every root module directory.
#[derive(Debug, Default)]
pub(super) struct RootInputs {
    environment: HashMap<String, Given>,
    /// By name: the command-line values in order; the last one wins.
    command_line: HashMap<String, Vec<Given>>,
    /// The names given with `-var` (not `-var-file`): Terraform refuses one that
    /// no root module declares.
    var_names: Vec<String>,
}

impl RootInputs {
    /// Parses the var files; what does not parse is a problem in that file.
    pub fn resolve(inputs: &VariableInputs, problems: &mut Vec<Problem>) -> RootInputs {
        let mut resolved = RootInputs::default();
        for (name, text) in &inputs.environment {
            resolved.environment.insert(
                name.clone(),
                Given::Raw {
                    origin: format!("TF_VAR_{name}"),
                    text: text.clone(),
                },
            );
        }
        for argument in &inputs.command_line {
            match argument {
                CommandLineVariable::Var { name, value } => {
                    resolved.var_names.push(name.clone());
                    resolved
                        .command_line
                        .entry(name.clone())
                        .or_default()
                        .push(Given::Raw {
                            origin: format!("-var {name}"),
                            text: value.clone(),
                        });
                }
                CommandLineVariable::File(document) => {
                    resolved.read_var_file(document, problems);
                }
            }
        }
        resolved
    }

    fn read_var_file(&mut self, document: &Document, problems: &mut Vec<Problem>) {
        let path = document.path.as_str();
        let parsed = if path.ends_with(".json") {
            crate::tfjson::parse_tfvars_json(path, &document.content)
        } else {
            crate::hcl::parse_tfvars(path, &document.content)
        };
        let problem = |e: crate::terraform::ConfigError| Problem {
            file: path.to_owned(),
            line: Some(e.line),
            message: format!("variables file: {}", e.message),
        };
        match parsed {
            Ok(parsed) => {
                problems.extend(parsed.problems.into_iter().map(problem));
                for assignment in parsed.configuration.variable_values {
                    self.command_line
                        .entry(assignment.name)
                        .or_default()
                        .push(Given::Value {
                            value: assignment.value,
                            source: assignment.source,
                            suppressions: assignment.suppressions,
                        });
                }
            }
            Err(e) => problems.push(problem(e)),
        }
    }

    /// The command-line value of a variable, if any: the last one given.
    pub fn command_line(&self, name: &str) -> Option<&Given> {
        self.command_line.get(name).and_then(|values| values.last())
    }

    /// The `TF_VAR_` value of a variable, if any.
    pub fn environment(&self, name: &str) -> Option<&Given> {
        self.environment.get(name)
    }

    /// The `-var` names, in command-line order.
    pub fn var_names(&self) -> &[String] {
        &self.var_names
    }
}

/// Reads a `-var` or `TF_VAR_` value for `variable` as Terraform does: a raw string
/// for no type or a primitive one (conversion to `number`/`bool` comes after, like
/// any value's), else an expression that must be a literal.
pub(super) fn read_raw(variable: &Variable, text: &str) -> Result<Value, String> {
    let primitive = match variable.type_constraint.as_deref().map(str::trim) {
        None => true,
        Some(ty) => matches!(ty, "string" | "number" | "bool"),
    };
    if primitive {
        return Ok(Value::String(text.into()));
    }
    let value = crate::hcl::parse_value(text).map_err(|e| {
        format!(
            "the value for variable \"{}\" is not a valid expression (column {}): {}",
            variable.name, e.column, e.message
        )
    })?;
    if value.contains_unknown() {
        return Err(format!(
            "the value for variable \"{}\" must be a literal: it cannot refer to anything or call a function",
            variable.name
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_arguments_split_at_the_first_equals() {
        assert_eq!(
            CommandLineVariable::parse_var("tags={a=\"b=c\"}"),
            Ok(CommandLineVariable::Var {
                name: "tags".into(),
                value: "{a=\"b=c\"}".into()
            })
        );
        assert_eq!(
            CommandLineVariable::parse_var("empty="),
            Ok(CommandLineVariable::Var {
                name: "empty".into(),
                value: String::new()
            })
        );
        assert_eq!(
            CommandLineVariable::parse_var("region"),
            Err(VarArgumentError::NoEquals("region".into()))
        );
        assert_eq!(
            CommandLineVariable::parse_var("=x"),
            Err(VarArgumentError::NoName("=x".into()))
        );
    }
}
