//! A pull-request comment: risk at a glance, a summary table, the findings that
//! matter most with `file:line`, and everything else folded away.
//!
//! The comment starts with a hidden marker so a bot can find and edit its own
//! comment instead of posting a new one per push (as PR-Agent does), and it always
//! fits GitHub's 65,536-character limit for comment bodies: when the full list would
//! not, rows are dropped from the folded table and a note says how many.

use std::fmt::Write as _;

use crate::finding::{Finding, Severity};
use crate::review::Review;
use crate::risk::RiskLevel;

/// The hidden marker that identifies reviewgate's comment.
pub const MARKER: &str = "<!-- reviewgate:review -->";
/// GitHub rejects comment bodies longer than this (characters).
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// How many findings are shown outside the folded table.
const TOP_FINDINGS: usize = 10;

/// Renders a review as a PR comment within GitHub's size limit.
pub fn render(review: &Review, tool_version: &str) -> String {
    render_within(review, tool_version, GITHUB_COMMENT_LIMIT)
}

/// Renders a review as a PR comment of at most `limit` characters.
pub fn render_within(review: &Review, tool_version: &str, limit: usize) -> String {
    let active: Vec<&Finding> = review.findings.iter().filter(|f| !f.suppressed).collect();
    let full = compose(review, tool_version, &active, active.len());
    if full.chars().count() <= limit {
        return full;
    }
    // Find the largest number of table rows that fits: the size grows with rows.
    let (mut low, mut high) = (0, active.len());
    while low < high {
        let mid = (low + high).div_ceil(2);
        if compose(review, tool_version, &active, mid).chars().count() <= limit {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    let body = compose(review, tool_version, &active, low);
    if body.chars().count() <= limit {
        body
    } else {
        // Even the header does not fit a tiny limit: cut at a character boundary.
        body.chars().take(limit).collect()
    }
}

fn emoji(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🔴",
        Severity::High => "🟠",
        Severity::Medium => "🟡",
        Severity::Low => "🔵",
        Severity::Info => "⚪",
    }
}

fn title_case(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// Table cells must not break the table or inject HTML.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

fn location(finding: &Finding) -> String {
    match (&finding.file, finding.line) {
        (Some(file), Some(line)) => format!("`{file}:{line}`"),
        (Some(file), None) => format!("`{file}`"),
        _ => String::new(),
    }
}

fn compose(review: &Review, tool_version: &str, active: &[&Finding], table_rows: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    match &review.risk {
        Some(risk) => {
            let (badge, level) = match risk.level {
                RiskLevel::Low => ("🟢", "low"),
                RiskLevel::Medium => ("🟡", "medium"),
                RiskLevel::High => ("🟠", "high"),
                RiskLevel::Critical => ("🔴", "critical"),
            };
            let _ = writeln!(
                out,
                "## {badge} reviewgate: {level} risk ({}/100)\n",
                risk.score
            );
            let factors: Vec<String> = risk
                .factors
                .iter()
                .map(|f| format!("{} +{}", f.name, f.contribution))
                .collect();
            let _ = writeln!(
                out,
                "**Confidence** {:.0}% · {} finding(s) · {} suppressed{}\n",
                risk.confidence * 100.0,
                active.len(),
                review.findings.len() - active.len(),
                if factors.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", factors.join(", "))
                }
            );
        }
        None => {
            let _ = writeln!(out, "## reviewgate review\n");
        }
    }

    let _ = writeln!(out, "| Severity | Findings |\n|---|---:|");
    for severity in Severity::ALL.iter().rev() {
        let count = active.iter().filter(|f| f.severity == *severity).count();
        let _ = writeln!(
            out,
            "| {} {} | {count} |",
            emoji(*severity),
            title_case(*severity)
        );
    }
    out.push('\n');

    if let Some(plan) = &review.changes.plan {
        let count = |name: &str| plan.actions.get(name).copied().unwrap_or(0);
        let replaced =
            count("replace") + count("create-before-destroy-replace") + count("create-then-forget");
        let _ = writeln!(
            out,
            "**Plan:** {} to add, {} to change, {replaced} to replace, {} to destroy.",
            count("create"),
            count("update"),
            count("delete")
        );
    }
    if let Some(diff) = &review.changes.diff {
        let _ = writeln!(
            out,
            "**Diff:** {} file(s), {} Terraform, +{} −{}.",
            diff.files, diff.terraform_files, diff.lines_added, diff.lines_removed
        );
    }
    if review.changes.plan.is_some() || review.changes.diff.is_some() {
        out.push('\n');
    }

    if active.is_empty() {
        let _ = writeln!(out, "No findings. ✅\n");
    } else {
        let _ = writeln!(out, "### Top findings\n");
        for (i, finding) in active.iter().take(TOP_FINDINGS).enumerate() {
            let resource = finding
                .resource
                .as_deref()
                .map(|r| format!(" on `{r}`"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}. {} **{}** {}{} — {}",
                i + 1,
                emoji(finding.severity),
                finding.rule_id,
                location(finding),
                resource,
                cell(&finding.message)
            );
        }
        out.push('\n');

        let _ = writeln!(
            out,
            "<details><summary>All findings ({})</summary>\n",
            active.len()
        );
        let _ = writeln!(
            out,
            "| Severity | Rule | Location | Message | Fix |\n|---|---|---|---|---|"
        );
        for finding in active.iter().take(table_rows) {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} | {} |",
                emoji(finding.severity),
                title_case(finding.severity),
                finding.rule_id,
                location(finding),
                cell(&finding.message),
                cell(finding.remediation.as_deref().unwrap_or_default())
            );
        }
        if table_rows < active.len() {
            let _ = writeln!(
                out,
                "\n_{} more finding(s) not shown: the comment would exceed GitHub's {GITHUB_COMMENT_LIMIT}-character limit. Run `reviewgate review --format json` for the full list._",
                active.len() - table_rows
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }

    let suppressed: Vec<&Finding> = review.findings.iter().filter(|f| f.suppressed).collect();
    if !suppressed.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Suppressed ({})</summary>\n",
            suppressed.len()
        );
        for finding in suppressed.iter().take(50) {
            let _ = writeln!(
                out,
                "- **{}** {} — {}",
                finding.rule_id,
                location(finding),
                cell(finding.suppression_reason.as_deref().unwrap_or_default())
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    if !review.undetermined.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Could not tell ({}): values known only after apply</summary>\n",
            review.undetermined.len()
        );
        for item in review.undetermined.iter().take(30) {
            let _ = writeln!(
                out,
                "- **{}** `{}` — {}",
                item.rule_id,
                item.resource,
                cell(&item.reason)
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    if !review.errors.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>⚠️ Inputs that could not be read ({})</summary>\n",
            review.errors.len()
        );
        for error in review.errors.iter().take(30) {
            let _ = writeln!(out, "- {}", cell(&error.to_string()));
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    let _ = writeln!(out, "<sub>reviewgate {tool_version} · rules only</sub>");
    out
}
