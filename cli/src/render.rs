//! Text output for people. JSON output is the core's `Review` serialized as is.

use std::collections::BTreeMap;
use std::io::{self, Write};

use reviewgate_core::{ChangeAction, ChangeSet, Resource, Review, RuleInfo};

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Prints what was parsed (resources by file, plan and diff summaries), findings and errors.
pub fn text(
    out: &mut dyn Write,
    change_set: &ChangeSet,
    review: &Review,
    color: bool,
) -> io::Result<()> {
    let style = Style { color };

    // Configuration resources, grouped by file in input order.
    let mut by_file: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
    for resource in &change_set.configuration.resources {
        by_file
            .entry(resource.source.file.as_str())
            .or_default()
            .push(resource);
    }
    for file in &change_set.configuration.files {
        let Some(resources) = by_file.get(file.as_str()) else {
            continue;
        };
        writeln!(out, "{}", style.bold(file))?;
        let width = resources
            .iter()
            .map(|r| r.address.to_string().len())
            .max()
            .unwrap_or(0);
        for resource in resources {
            let lines = resource
                .source
                .lines
                .map(|l| format!("lines {}-{}", l.start, l.end))
                .unwrap_or_default();
            writeln!(
                out,
                "  {:<width$}  {}",
                resource.address.to_string(),
                style.dim(&lines)
            )?;
        }
        writeln!(out)?;
    }

    for plan in &change_set.plans {
        let version = plan
            .terraform_version
            .as_deref()
            .map(|v| format!("terraform {v}, "))
            .unwrap_or_default();
        writeln!(
            out,
            "{} {}",
            style.bold(&plan.path),
            style.dim(&format!("({version}plan format {})", plan.format_version))
        )?;
        let changing: Vec<&Resource> = plan
            .resources
            .iter()
            .filter(|r| {
                r.change
                    .as_ref()
                    .is_some_and(|c| c.action != ChangeAction::NoOp)
            })
            .collect();
        for resource in &changing {
            if let Some(change) = &resource.change {
                writeln!(
                    out,
                    "  {:>3} {}  {}",
                    action_symbol(change.action),
                    resource.address,
                    style.dim(change.action.as_str())
                )?;
            }
        }
        if changing.is_empty() {
            writeln!(out, "  no changes")?;
        }
        writeln!(out)?;
    }

    if let Some(plan) = &review.changes.plan {
        let count = |name: &str| plan.actions.get(name).copied().unwrap_or(0);
        let replaced =
            count("replace") + count("create-before-destroy-replace") + count("create-then-forget");
        writeln!(
            out,
            "Plan: {} to add, {} to change, {} to replace, {} to destroy, {} unchanged, {} to read.",
            count("create"),
            count("update"),
            replaced,
            count("delete"),
            count("no-op"),
            count("read"),
        )?;
        if !plan.replaced.is_empty() {
            writeln!(out, "  replaced:  {}", plan.replaced.join(", "))?;
        }
        if !plan.destroyed.is_empty() {
            writeln!(
                out,
                "  destroyed: {}",
                style.red(&plan.destroyed.join(", "))
            )?;
        }
        if plan.incomplete {
            writeln!(
                out,
                "  {}",
                style.red("the plan is incomplete or errored: some changes are not shown")
            )?;
        }
    }
    if let Some(diff) = &review.changes.diff {
        let statuses: Vec<String> = diff
            .by_status
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        writeln!(
            out,
            "Diff: {} file(s) ({}), {} Terraform, +{} -{} lines{}.",
            diff.files,
            statuses.join(", "),
            diff.terraform_files,
            diff.lines_added,
            diff.lines_removed,
            if diff.binary > 0 {
                format!(", {} binary", diff.binary)
            } else {
                String::new()
            },
        )?;
    }
    if let Some(config) = &review.changes.configuration {
        writeln!(
            out,
            "Configuration: {} file(s), {} resource(s), {} data source(s), {} module call(s), {} variable(s).",
            config.files,
            config.managed_resources,
            config.data_sources,
            config.module_calls,
            config.variables
        )?;
    }

    for finding in &review.findings {
        let location = match (&finding.file, finding.line) {
            (Some(file), Some(line)) => format!("{file}:{line}"),
            (Some(file), None) => file.clone(),
            _ => String::new(),
        };
        writeln!(
            out,
            "{:>8} {} {} {}",
            finding.severity.as_str().to_uppercase(),
            finding.rule_id,
            location,
            finding.message
        )?;
    }

    if !review.errors.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style.red(&format!("{} input error(s):", review.errors.len()))
        )?;
        for error in &review.errors {
            writeln!(out, "  {error}")?;
        }
    }
    writeln!(
        out,
        "{} resource(s) analysed, {} finding(s), {} input error(s).",
        review.resources,
        review.findings.len(),
        review.errors.len()
    )
}

fn action_symbol(action: ChangeAction) -> &'static str {
    match action {
        ChangeAction::Create => "+",
        ChangeAction::Update => "~",
        ChangeAction::Delete => "-",
        ChangeAction::Replace => "-/+",
        ChangeAction::CreateBeforeDestroyReplace | ChangeAction::CreateThenForget => "+/-",
        ChangeAction::Read => "<=",
        ChangeAction::Forget => ".",
        ChangeAction::NoOp => " ",
    }
}

/// Prints the rule catalog as a table.
pub fn rules(out: &mut dyn Write, catalog: &[RuleInfo]) -> io::Result<()> {
    if catalog.is_empty() {
        return writeln!(out, "No rules in the catalog.");
    }
    for rule in catalog {
        writeln!(
            out,
            "{:<16} {:<8} {} [{}]",
            rule.id,
            rule.severity,
            rule.title,
            rule.aliases.join(", ")
        )?;
    }
    writeln!(out, "{} rule(s).", catalog.len())
}
