//! Root module variable values from outside the configuration, collected the way
//! `terraform plan` collects them: `TF_VAR_NAME` environment variables, and
//! `--var NAME=VALUE` / `--var-file FILE` in the order they were typed. Reading the
//! environment and the files is this file's job; the precedence and how a value is
//! read belong to the core (`VariableInputs`).

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::Context;
use reviewgate_core::encoding::decode_text;
use reviewgate_core::{CommandLineVariable, Document, VariableInputs};

/// The prefix Terraform reads root variables from in the environment.
const ENVIRONMENT_PREFIX: &str = "TF_VAR_";

/// A `--var` or `--var-file` argument with its position on the command line.
pub enum Argument {
    /// `--var NAME=VALUE`, already split.
    Var(CommandLineVariable),
    /// `--var-file FILE`, not read yet.
    File(PathBuf),
}

/// Collects the inputs: the `TF_VAR_` variables of `environment`, and `arguments`
/// (with their command-line positions) read in command-line order. A var file that
/// cannot be read is an error naming it; one that does not parse is the core's
/// input error, with its line.
pub fn collect(
    environment: impl IntoIterator<Item = (OsString, OsString)>,
    mut arguments: Vec<(usize, Argument)>,
) -> anyhow::Result<VariableInputs> {
    let mut inputs = VariableInputs::default();
    for (name, value) in environment {
        // Terraform skips what is not text; so does this, rather than guess.
        let (Some(name), Some(value)) = (name.to_str(), value.to_str()) else {
            continue;
        };
        if let Some(variable) = name.strip_prefix(ENVIRONMENT_PREFIX)
            && !variable.is_empty()
        {
            inputs
                .environment
                .push((variable.to_owned(), value.to_owned()));
        }
    }
    // The environment's order is arbitrary; sorted, a review does not depend on it.
    inputs.environment.sort();
    arguments.sort_by_key(|(position, _)| *position);
    for (_, argument) in arguments {
        inputs.command_line.push(match argument {
            Argument::Var(var) => var,
            Argument::File(path) => {
                let display = path.display().to_string();
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("--var-file {display}: cannot read"))?;
                let content =
                    decode_text(bytes).with_context(|| format!("--var-file {display}"))?;
                CommandLineVariable::File(Document::detect(display, content))
            }
        });
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tf_var_names_are_taken_from_the_environment_sorted() {
        let environment = [
            ("TF_VAR_zone", "b"),
            ("PATH", "/bin"),
            ("TF_VAR_", "nameless"),
            ("TF_VAR_region", "eu-west-1"),
            ("tf_var_lower", "not Terraform's"),
        ]
        .map(|(n, v)| (OsString::from(n), OsString::from(v)));
        let inputs = collect(environment, Vec::new()).expect("collect");
        assert_eq!(
            inputs.environment,
            vec![
                ("region".to_owned(), "eu-west-1".to_owned()),
                ("zone".to_owned(), "b".to_owned())
            ]
        );
    }

    #[test]
    fn a_missing_var_file_is_an_error_naming_it() {
        let error = collect(
            Vec::new(),
            vec![(3, Argument::File(PathBuf::from("/no/such/prod.tfvars")))],
        )
        .expect_err("a missing file");
        assert!(
            format!("{error:#}").starts_with("--var-file /no/such/prod.tfvars: cannot read"),
            "{error:#}"
        );
    }
}
