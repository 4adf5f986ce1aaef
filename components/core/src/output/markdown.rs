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

/// Where a code span goes: GitHub splits a table row into cells at every `|` not
/// escaped as `\|`, inside code spans too, before it reads the cells.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    TableRow,
    Text,
}

/// A code span that its text cannot leave: paths, addresses and rule ids come from
/// the change under review, so a backtick in them must not close the span (what
/// follows would be Markdown and raw HTML again) and a line break must not start a
/// new line of the comment. The fence is one backtick longer than the longest run
/// in the text, as CommonMark allows. In a table row `|` is escaped, and `\` is
/// shown as `/` (paths only) so that no backslash can un-escape a pipe.
fn code(text: &str, place: Place) -> String {
    let mut body: String = text
        .chars()
        .map(|c| match c {
            '\n' | '\r' => ' ',
            '\\' if place == Place::TableRow => '/',
            c => c,
        })
        .collect();
    if place == Place::TableRow {
        body = body.replace('|', "\\|");
    }
    let longest_run = body
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    if body.is_empty() {
        // `` would be two literal backticks, not an empty span.
        return "` `".to_owned();
    }
    let fence = "`".repeat(longest_run + 1);
    // A span that starts or ends with a backtick needs a space between it and the
    // fence; CommonMark strips one space from each side.
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A rule id in running text: a plugin names its rules, and a backtick in the name
/// would pair with the next code span's fence and turn that span's text into
/// Markdown and raw HTML.
fn rule_id(id: &str) -> String {
    cell(id).replace('`', "\\`")
}

fn location(finding: &Finding, place: Place) -> String {
    match (&finding.file, finding.line) {
        (Some(file), Some(line)) => code(&format!("{file}:{line}"), place),
        (Some(file), None) => code(file, place),
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
                .map(|f| format!("{} +{}", cell(&f.name), f.contribution))
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
                .map(|r| format!(" on {}", code(r, Place::Text)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{}. {} **{}** {}{} — {}",
                i + 1,
                emoji(finding.severity),
                rule_id(&finding.rule_id),
                location(finding, Place::Text),
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
                rule_id(&finding.rule_id),
                location(finding, Place::TableRow),
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
                rule_id(&finding.rule_id),
                location(finding, Place::Text),
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
                "- **{}** {} — {}",
                rule_id(&item.rule_id),
                code(&item.resource, Place::Text),
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

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use super::*;
    use crate::review::ChangeSummary;
    use crate::rules::Undetermined;

    fn finding(rule_id: &str, file: &str, resource: &str) -> Finding {
        Finding {
            rule_id: Cow::Owned(rule_id.to_owned()),
            aliases: Arc::from(Vec::new()),
            severity: Severity::High,
            title: Cow::Borrowed("title"),
            message: "message".into(),
            resource: Some(resource.to_owned()),
            file: Some(file.to_owned()),
            line: Some(3),
            end_line: None,
            remediation: None,
            frameworks: Arc::default(),
            suppressed: false,
            suppression_reason: None,
        }
    }

    fn review(findings: Vec<Finding>, undetermined: Vec<Undetermined>) -> Review {
        Review {
            findings,
            changes: ChangeSummary::default(),
            resources: 1,
            errors: Vec::new(),
            undetermined,
            risk: None,
            failed_checks: Vec::new(),
        }
    }

    /// The `render` fuzz target's first find: a rule id with a line break (from a
    /// policy plugin) started a line of its own in the comment.
    #[test]
    fn an_undetermined_check_stays_on_its_line() {
        let item = Undetermined {
            rule_id: "m\n!".into(),
            resource: String::new(),
            file: String::new(),
            line: None,
            reason: String::new(),
        };
        let comment = render(&review(Vec::new(), vec![item]), "0.1.0");
        assert!(comment.contains("\n- **m !** ` ` — \n"), "{comment}");
    }

    /// File names and resource addresses come from the pull request: a backtick
    /// closed their code span, after which HTML and a forged heading were live.
    #[test]
    fn paths_and_addresses_cannot_leave_their_code_spans() {
        let file = "a`<img src=x>`b|c\\|d.tf";
        let resource = "aws_s3_bucket.x\n## 🟢 reviewgate: low risk (0/100)";
        let comment = render(
            &review(vec![finding("P/RULE|<b>", file, resource)], Vec::new()),
            "0.1.0",
        );
        let lines: Vec<&str> = comment.lines().collect();
        assert!(!lines.iter().any(|l| l.starts_with("## 🟢")), "{comment}");
        // The top findings: one line, the path whole in a span of two backticks.
        assert!(
            comment.contains(
                "1. 🟠 **P/RULE\\|&lt;b&gt;** ``a`<img src=x>`b|c\\|d.tf:3`` on \
                 `aws_s3_bucket.x ## 🟢 reviewgate: low risk (0/100)` — message\n"
            ),
            "{comment}"
        );
        // The table row keeps its five cells: every `|` in the path is escaped,
        // and no backslash is left in front of one.
        let row = lines
            .iter()
            .find(|l| l.starts_with("| 🟠 High | P/"))
            .expect("a table row");
        assert_eq!(
            *row,
            "| 🟠 High | P/RULE\\|&lt;b&gt; | ``a`<img src=x>`b\\|c/\\|d.tf:3`` | message |  |"
        );
    }

    /// The `render` fuzz target's second find: a backtick in a rule id opened a
    /// code span that the resource's fence closed, leaving the resource outside.
    #[test]
    fn a_backtick_in_a_rule_id_pairs_with_nothing() {
        let item = Undetermined {
            rule_id: "<`".into(),
            resource: "<".into(),
            file: String::new(),
            line: None,
            reason: String::new(),
        };
        let comment = render(&review(Vec::new(), vec![item]), "0.1.0");
        assert!(comment.contains("\n- **&lt;\\`** `<` — \n"), "{comment}");
    }

    #[test]
    fn code_spans_fence_around_backticks() {
        assert_eq!(code("main.tf", Place::Text), "`main.tf`");
        assert_eq!(code("a``b", Place::Text), "```a``b```");
        assert_eq!(code("`x", Place::Text), "`` `x ``");
        assert_eq!(code("", Place::Text), "` `");
        assert_eq!(code("a|b\\c", Place::TableRow), "`a\\|b/c`");
    }
}
