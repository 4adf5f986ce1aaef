//! Text output for people: planned changes, findings grouped by resource (by file
//! for findings about no resource), input errors, modules not evaluated, checks that
//! could not be decided (one line per resource and cause), and a summary line with
//! the risk.
//! Other formats come from the core (`Review` as JSON, `output::sarif`,
//! `output::markdown`).
//!
//! Every string a change's author chose (paths, addresses, reasons, messages, plugin
//! rule ids) goes through [`shown`]: a file named `\x1b[2J` must not clear the
//! screen, nor a name with a newline print a line of its own.

use std::collections::BTreeMap;
use std::io::{self, Write};

use reviewgate_core::output::escape::{self, Inline};
use reviewgate_core::output::groups::{self, Subject};
use reviewgate_core::resource::ProvenanceLink;
use reviewgate_core::rules;
use reviewgate_core::{
    ChangeAction, ChangeSet, Finding, Resource, Review, RiskLevel, RuleInfo, Severity,
};

/// A string from the input as the terminal may show it: control and invisible
/// characters as escapes (`\u{1b}`), never sent as they are.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    escape::plain_text(text)
}

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
    fn severity(&self, severity: Severity) -> String {
        let label = format!("{:<8}", severity.as_str().to_uppercase());
        match severity {
            Severity::Critical => self.paint("1;31", &label),
            Severity::High => self.paint("31", &label),
            Severity::Medium => self.paint("33", &label),
            Severity::Low => self.paint("36", &label),
            Severity::Info => self.paint("2", &label),
        }
    }
}

/// Prints planned changes, findings by resource, errors and the summary;
/// `unchanged` is how many findings on unchanged lines were left out, when only
/// changed lines are reviewed.
/// How many (resource, cause) lines of undetermined checks the text lists.
const UNDETERMINED_SHOWN: usize = 20;

pub fn text(
    out: &mut dyn Write,
    change_set: &ChangeSet,
    review: &Review,
    unchanged: Option<usize>,
    color: bool,
) -> io::Result<()> {
    let style = Style { color };

    for plan in &change_set.plans {
        let version = plan
            .terraform_version
            .as_deref()
            .map(|v| format!("terraform {}, ", shown(v)))
            .unwrap_or_default();
        writeln!(
            out,
            "{} {}",
            style.bold(&shown(&plan.path)),
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
                let mut detail = change.action.as_str().to_owned();
                if !change.replace_paths.is_empty() {
                    let paths: Vec<String> =
                        change.replace_paths.iter().map(|p| p.join(".")).collect();
                    detail.push_str(&format!(", forced by {}", shown(&paths.join(", "))));
                }
                if let Some(reason) = &change.action_reason {
                    detail.push_str(&format!(" ({})", shown(reason)));
                }
                writeln!(
                    out,
                    "  {:>3} {}  {}",
                    action_symbol(change.action),
                    shown(&resource.address.to_string()),
                    style.dim(&detail)
                )?;
            }
        }
        if changing.is_empty() {
            writeln!(out, "  no changes")?;
        }
        writeln!(out)?;
    }

    // One heading per resource (per file for findings about no resource), the
    // resource with the most severe finding first, its findings below it.
    for group in groups::by_subject(&review.findings) {
        let place = match (group.file(), group.line) {
            (Some(file), Some(line)) => format!("{}:{line}", shown(file)),
            (Some(file), None) => shown(file).into_owned(),
            (None, _) => String::new(),
        };
        let heading = match group.subject {
            Subject::Resource { address, .. } if place.is_empty() => style.bold(&shown(address)),
            Subject::Resource { address, .. } => {
                format!("{}  {}", style.bold(&shown(address)), style.dim(&place))
            }
            Subject::File(_) => style.bold(&place),
            Subject::Change => style.bold("(change set)"),
        };
        writeln!(out, "{heading}")?;
        for finding in &group.findings {
            let lines = match (finding.line, finding.end_line) {
                (Some(start), Some(end)) if end > start => format!("{start}-{end}"),
                (Some(start), _) => start.to_string(),
                _ => String::new(),
            };
            let line = format!(
                "  {} {:<15} {:>7}  {}",
                style.severity(finding.severity),
                shown(&finding.rule_id),
                lines,
                shown(&finding.message)
            );
            if finding.suppressed {
                let reason = shown(finding.suppression_reason.as_deref().unwrap_or_default());
                let at = finding
                    .suppressed_at
                    .as_ref()
                    .map_or(String::new(), |link| {
                        format!(" at {} {}", shown(&link.place()), shown(&link.name))
                    });
                writeln!(
                    out,
                    "{}",
                    style.dim(&format!("{line}  [suppressed{at}: {reason}]"))
                )?;
            } else {
                writeln!(out, "{line}")?;
            }
            if !finding.provenance.is_empty() {
                // Where the value the verdict rests on came from.
                let chain = ProvenanceLink::chain_text(&finding.provenance, |part| {
                    shown(part).into_owned()
                });
                writeln!(out, "{}", style.dim(&format!("      via {chain}")))?;
            }
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
            writeln!(out, "  replaced:  {}", shown(&plan.replaced.join(", ")))?;
        }
        if !plan.destroyed.is_empty() {
            writeln!(
                out,
                "  destroyed: {}",
                style.red(&shown(&plan.destroyed.join(", ")))
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

    if !review.errors.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style.red(&format!("{} input error(s):", review.errors.len()))
        )?;
        for error in &review.errors {
            writeln!(out, "  {}", shown(&error.to_string()))?;
        }
    }

    if !review.not_evaluated.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{} module(s) not evaluated — their resources are not reviewed:",
            review.not_evaluated.len()
        )?;
        for module in &review.not_evaluated {
            let at = match module.line {
                Some(line) => format!("{}:{line}", module.file),
                None => module.file.clone(),
            };
            writeln!(
                out,
                "  {}",
                shown(&format!(
                    "{at}: {} ({}): {}",
                    module.module,
                    module.source.as_deref().unwrap_or("a computed source"),
                    module.reason
                ))
            )?;
        }
    }

    let open = rules::by_cause(&review.undetermined);
    if !open.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "Could not tell ({} check(s)), by resource and cause:",
            review.undetermined.len()
        )?;
        for group in open.iter().take(UNDETERMINED_SHOWN) {
            let rules: Vec<&str> = group.checks.iter().map(|c| c.rule_id.as_str()).collect();
            let what = match group.checks.as_slice() {
                [only] => only.reason.as_str(),
                _ => group.cause,
            };
            writeln!(
                out,
                "  {}",
                shown(&format!(
                    "{} — {what} ({})",
                    group.resource,
                    rules.join(", ")
                ))
            )?;
        }
        if open.len() > UNDETERMINED_SHOWN {
            writeln!(
                out,
                "  … and {} more (all of them in --format json)",
                open.len() - UNDETERMINED_SHOWN
            )?;
        }
    }

    let active: Vec<&Finding> = review.findings.iter().filter(|f| !f.suppressed).collect();
    let mut counts = Vec::new();
    for severity in Severity::ALL.iter().rev() {
        let n = active.iter().filter(|f| f.severity == *severity).count();
        if n > 0 {
            counts.push(format!("{n} {severity}"));
        }
    }
    let risk = match &review.risk {
        Some(risk) => {
            let text = format!(
                "Risk {}/100 ({}), confidence {:.0}%",
                risk.score,
                match risk.level {
                    RiskLevel::Low => "low",
                    RiskLevel::Medium => "medium",
                    RiskLevel::High => "high",
                    RiskLevel::Critical => "critical",
                },
                risk.confidence * 100.0
            );
            if risk.level >= RiskLevel::High {
                style.red(&style.bold(&text))
            } else {
                style.bold(&text)
            }
        }
        None => String::new(),
    };
    writeln!(out)?;
    writeln!(
        out,
        "{risk} · {} finding(s){} · {} suppressed · {} undetermined · {} resource(s) · {} input error(s){}",
        active.len(),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        review.findings.len() - active.len(),
        review.undetermined.len(),
        review.resources,
        review.errors.len(),
        unchanged.map_or(String::new(), |n| format!(
            " · {n} on unchanged lines left out"
        ))
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
            "{:<17} {:<8} {} [{}]",
            shown(&rule.id),
            rule.severity,
            shown(&rule.title),
            shown(&rule.aliases.join(", "))
        )?;
    }
    writeln!(out, "{} rule(s).", catalog.len())
}

/// The catalog as the Markdown page `docs/rules.md` (generated by `reviewgate rules
/// --format markdown`; a test keeps the page current).
pub fn rules_markdown(out: &mut dyn Write, catalog: &[RuleInfo]) -> io::Result<()> {
    writeln!(out, "# Rule catalog")?;
    writeln!(out)?;
    writeln!(
        out,
        "Generated by `reviewgate rules --format markdown > docs/rules.md`; do not edit by hand \
         (the test suite fails when this page and the catalog differ). Rule ids are never \
         reused or renamed. Aliases are the ids of the same check in Checkov (`CKV_…`) and \
         Trivy (`AVD-…`), which suppressions may name too."
    )?;
    writeln!(out)?;
    let mut by_severity = BTreeMap::<Severity, usize>::new();
    for rule in catalog {
        *by_severity.entry(rule.severity).or_default() += 1;
    }
    let counts: Vec<String> = by_severity
        .iter()
        .rev()
        .map(|(severity, n)| format!("{n} {severity}"))
        .collect();
    writeln!(out, "{} rules: {}.", catalog.len(), counts.join(", "))?;
    writeln!(out)?;
    writeln!(out, "| id | severity | title | aliases | frameworks |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for rule in catalog {
        let frameworks: Vec<String> = rule
            .frameworks
            .iter()
            .map(|(framework, controls)| format!("{framework} {}", controls.join(", ")))
            .collect();
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            escape::markdown_code_span(&rule.id, Inline::TableCell),
            rule.severity,
            escape::markdown_message(&rule.title, Inline::TableCell),
            rule.aliases
                .iter()
                .map(|a| escape::markdown_code_span(a, Inline::TableCell))
                .collect::<Vec<_>>()
                .join(", "),
            escape::markdown_message(&frameworks.join("; "), Inline::TableCell)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use reviewgate_core::{Document, InputKind, Origin, review};

    use super::*;

    const CLEAR: &str = "\u{1b}[2J";

    /// A plan and a configuration whose names carry terminal control sequences, a
    /// carriage return, a newline and a bidirectional override.
    fn hostile_change() -> ChangeSet {
        let plan = r#"{"format_version": "1.2", "terraform_version": "1.9.0\u001b[2J",
          "resource_changes": [{"address": "aws_s3_bucket.b[\"\u001b[2J\"]",
            "mode": "managed", "type": "aws_s3_bucket", "name": "b", "index": "\u001b[2J",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "action_reason": "\u001b]0;owned\u0007",
            "change": {"actions": ["delete"], "before": {"bucket": "x"}, "after": null}}]}"#;
        let hcl = "resource \"aws_s3_bucket\" \"x\\u001b[2J\\r\\nRG-FAKE ok\\u202e\" {}\n";
        ChangeSet::from_documents(
            Origin::Local,
            [
                Document {
                    path: format!("plan{CLEAR}.json"),
                    kind: Some(InputKind::Plan),
                    content: plan.to_owned(),
                },
                Document {
                    path: format!("main{CLEAR}\r\n\u{9b}31m.tf"),
                    kind: Some(InputKind::Terraform),
                    content: hcl.to_owned(),
                },
                Document {
                    path: format!("broken{CLEAR}.tf"),
                    kind: Some(InputKind::Terraform),
                    content: "resource {".to_owned(),
                },
            ],
        )
    }

    fn rendered(color: bool) -> String {
        let change_set = hostile_change();
        let review = review(&change_set);
        assert!(
            review
                .findings
                .iter()
                .any(|f| f.file.as_deref().is_some_and(|file| file.contains(CLEAR))),
            "findings carry the hostile path"
        );
        let mut out = Vec::new();
        text(&mut out, &change_set, &review, Some(0), color).expect("rendered");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn names_from_the_input_cannot_drive_the_terminal() {
        let plain = rendered(false);
        assert!(
            !plain.chars().any(|c| c != '\n' && escape::is_hidden(c)),
            "a control or invisible character reaches the terminal:\n{plain}"
        );
        assert!(plain.contains("\\u{1b}[2J"), "shown as an escape:\n{plain}");
        // In colour, the only escapes are reviewgate's own colours (`ESC [ n m`).
        let coloured = rendered(true);
        let mut rest = coloured.as_str();
        while let Some(at) = rest.find('\u{1b}') {
            let sequence = &rest[at + 1..];
            let end = sequence.find('m').expect("an SGR sequence ends in `m`");
            assert!(
                sequence.starts_with('[')
                    && sequence[1..end]
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b == b';'),
                "an escape sequence not of reviewgate's making: {:?}",
                &sequence[..end.min(20)]
            );
            rest = &sequence[end..];
        }
        // No name starts a line of its own that looks like reviewgate's.
        assert!(
            !plain.lines().any(|line| line.starts_with("RG-FAKE")),
            "{plain}"
        );
    }
}
