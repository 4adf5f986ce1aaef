//! A pull-request comment: risk at a glance, a summary table, the resources whose
//! findings matter most — each under one heading with its `file:line`, its findings
//! below it — and everything else folded away.
//!
//! The comment starts with a hidden marker so a bot can find and edit its own
//! comment instead of posting a new one per push (as PR-Agent does), and it always
//! fits GitHub's 65,536-character limit for comment bodies: what does not fit is
//! left out whole — rows, list items, sections, never half a line — and a note says
//! how much.
//!
//! Every string a change's author chose (paths, addresses, rule ids and messages,
//! suppression reasons, input errors) is clipped and escaped by [`super::escape`]:
//! the marker is the comment's only HTML comment, and no name can open a tag, a
//! link, a mention or a code span of its own.

use std::fmt::Write as _;

use super::escape::{self, Inline};
use super::groups::{self, FindingGroup, Subject};
use crate::finding::{Finding, Severity};
use crate::resource::ProvenanceLink;
use crate::review::Review;
use crate::risk::RiskLevel;
use crate::rules::by_cause;

/// The hidden marker that identifies reviewgate's comment.
pub const MARKER: &str = "<!-- reviewgate:review -->";
/// GitHub rejects comment bodies longer than this (characters).
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// How many resources (or files, for findings about no resource) are shown with
/// their findings outside the folded table.
const TOP_GROUPS: usize = 10;
/// How many suppressed findings, undetermined checks and input errors are listed.
const SUPPRESSED_SHOWN: usize = 50;
const UNDETERMINED_SHOWN: usize = 30;
const NOT_EVALUATED_SHOWN: usize = 30;
const ERRORS_SHOWN: usize = 30;
/// Longest path, address or rule id shown, in characters before escaping: a
/// 10,000-character name must not crowd out every other finding.
const MAX_NAME_CHARS: usize = 200;
/// Longest message, remediation or reason shown.
const MAX_MESSAGE_CHARS: usize = 1_000;
/// A provenance chain is clipped to this many characters.
const MAX_CHAIN_CHARS: usize = 600;
/// Room kept for the note of a section that is cut, and for the closing note.
const NOTE_ROOM: usize = 300;

/// Renders a review as a PR comment within GitHub's size limit.
pub fn render(review: &Review, tool_version: &str) -> String {
    render_within(review, tool_version, GITHUB_COMMENT_LIMIT)
}

/// Renders a review as a PR comment of at most `limit` characters: the marker on
/// its own line, then [`render_body_within`].
pub fn render_within(review: &Review, tool_version: &str, limit: usize) -> String {
    let marker_line = MARKER.chars().count() + 1;
    if limit <= marker_line {
        return MARKER.chars().take(limit).collect();
    }
    let body = render_body_within(review, tool_version, limit - marker_line);
    format!("{MARKER}\n{body}")
}

/// The comment without the marker, in at most `limit` characters, for a host
/// client that puts the marker itself (the backend's comment upsert), and for a
/// check run's summary.
pub fn render_body_within(review: &Review, tool_version: &str, limit: usize) -> String {
    let body = compose(review, tool_version, limit);
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

fn name(text: &str) -> String {
    escape::markdown_text(&escape::clip(text, MAX_NAME_CHARS))
}

fn message(text: &str, inline: Inline) -> String {
    escape::markdown_message(&escape::clip(text, MAX_MESSAGE_CHARS), inline)
}

fn code(text: &str, inline: Inline) -> String {
    escape::markdown_code_span(&escape::clip(text, MAX_NAME_CHARS), inline)
}

fn location(
    file: Option<&str>,
    line: Option<usize>,
    column: Option<usize>,
    inline: Inline,
) -> String {
    let Some(file) = file else {
        return String::new();
    };
    let mut place = escape::clip(file, MAX_NAME_CHARS).into_owned();
    if let Some(line) = line {
        let _ = write!(place, ":{line}");
        if let Some(column) = column {
            let _ = write!(place, ":{column}");
        }
    }
    escape::markdown_code_span(&place, inline)
}

fn finding_location(finding: &Finding, inline: Inline) -> String {
    location(
        finding.file.as_deref(),
        finding.line.map(|l| l as usize),
        None,
        inline,
    )
}

/// One part of the comment that can be cut: its wrapper, its lines, and what the
/// lines are (for the note when some are left out).
struct Section {
    open: String,
    lines: Vec<String>,
    /// Items in the review, listed or not (lines cover at most the first ones).
    total: usize,
    close: String,
    what: &'static str,
}

impl Section {
    fn chars(text: &str) -> usize {
        text.chars().count()
    }

    /// The section within `room` characters: every line when they fit, else the
    /// lines that fit before a note of the rest; `None` when not even the wrapper
    /// and a note fit. Takes the characters used from `room`.
    fn fit(&self, room: &mut usize) -> Option<String> {
        let frame = Self::chars(&self.open) + Self::chars(&self.close);
        let lines: Vec<usize> = self.lines.iter().map(|l| Self::chars(l)).collect();
        let full = frame + lines.iter().sum::<usize>();
        let listed = if full <= *room && lines.len() == self.total {
            lines.len()
        } else if frame + NOTE_ROOM <= *room {
            let mut left = *room - frame - NOTE_ROOM;
            lines
                .iter()
                .take_while(|&&n| {
                    let fits = n <= left;
                    left = left.saturating_sub(n);
                    fits
                })
                .count()
        } else {
            return None;
        };
        let mut out = self.open.clone();
        for line in &self.lines[..listed] {
            out.push_str(line);
        }
        if listed < self.total {
            let _ = writeln!(
                out,
                "\n_{} more {} not shown: the comment would exceed GitHub's {GITHUB_COMMENT_LIMIT}-character limit. Run `reviewgate review --format json` for the full list._",
                self.total - listed,
                self.what
            );
        }
        out.push_str(&self.close);
        *room = room.saturating_sub(Self::chars(&out));
        Some(out)
    }
}

fn header(review: &Review, active: &[&Finding]) -> String {
    let mut out = String::new();
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
                .map(|f| format!("{} +{}", name(&f.name), f.contribution))
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
    out
}

/// What a group is about, as its heading shows it: the resource address, and
/// where to look.
fn group_heading(group: &FindingGroup<'_>) -> String {
    let place = location(
        group.file(),
        group.line.map(|l| l as usize),
        None,
        Inline::Text,
    );
    match group.subject {
        Subject::Resource { address, .. } if place.is_empty() => code(address, Inline::Text),
        Subject::Resource { address, .. } => {
            format!("{} in {place}", code(address, Inline::Text))
        }
        Subject::File(_) => place,
        Subject::Change => "the change as a whole".into(),
    }
}

/// Where the value a finding rests on came from, as a code span after `via`;
/// empty when it is written literally.
fn provenance(finding: &Finding, inline: Inline) -> String {
    if finding.provenance.is_empty() {
        return String::new();
    }
    let chain = ProvenanceLink::chain_text(&finding.provenance, str::to_owned);
    format!(
        "via {}",
        escape::markdown_code_span(&escape::clip(&chain, MAX_CHAIN_CHARS), inline)
    )
}

/// A finding's lines, within its group's file.
fn lines_of(finding: &Finding) -> String {
    match (finding.line, finding.end_line) {
        (Some(start), Some(end)) if end > start => format!(" · lines {start}–{end}"),
        (Some(start), _) => format!(" · line {start}"),
        _ => String::new(),
    }
}

/// The first groups, each a bold heading and its findings as a list: one unit, so a
/// group is shown whole or not at all.
fn top_groups(groups: &[FindingGroup<'_>]) -> Section {
    let lines = groups
        .iter()
        .take(TOP_GROUPS)
        .map(|group| {
            let mut text = format!(
                "{} **{}**\n\n",
                emoji(group.severity()),
                group_heading(group)
            );
            for finding in &group.findings {
                let _ = writeln!(
                    text,
                    "- {} **{}**{} — {}",
                    emoji(finding.severity),
                    name(&finding.rule_id),
                    lines_of(finding),
                    message(&finding.message, Inline::Text)
                );
                let via = provenance(finding, Inline::Text);
                if !via.is_empty() {
                    let _ = writeln!(text, "  - {via}");
                }
            }
            text.push('\n');
            text
        })
        .collect();
    let rest = groups.len().saturating_sub(TOP_GROUPS);
    Section {
        open: "### Findings by resource\n\n".into(),
        lines,
        total: groups.len().min(TOP_GROUPS),
        close: if rest > 0 {
            format!("_{rest} more resource(s) or file(s) with findings in the table below._\n\n")
        } else {
            String::new()
        },
        what: "resource(s) with findings",
    }
}

/// Every finding, a row each, the rows of a resource together.
fn all_findings(groups: &[FindingGroup<'_>], count: usize) -> Section {
    let lines = groups
        .iter()
        .flat_map(|group| {
            let resource = match group.subject {
                Subject::Resource { address, .. } => code(address, Inline::TableCell),
                Subject::File(_) | Subject::Change => String::new(),
            };
            group.findings.iter().map(move |finding| {
                format!(
                    "| {} {} | {} | {} | {} | {} | {} |\n",
                    emoji(finding.severity),
                    title_case(finding.severity),
                    name(&finding.rule_id),
                    resource,
                    finding_location(finding, Inline::TableCell),
                    match provenance(finding, Inline::TableCell) {
                        via if via.is_empty() => message(&finding.message, Inline::TableCell),
                        via => format!("{}<br>{via}", message(&finding.message, Inline::TableCell)),
                    },
                    message(
                        finding.remediation.as_deref().unwrap_or_default(),
                        Inline::TableCell
                    )
                )
            })
        })
        .collect();
    Section {
        open: format!(
            "<details><summary>All findings ({count})</summary>\n\n| Severity | Rule | Resource | Location | Message | Fix |\n|---|---|---|---|---|---|\n"
        ),
        lines,
        total: count,
        close: "\n</details>\n\n".into(),
        what: "finding(s)",
    }
}

fn suppressed(review: &Review) -> Section {
    let all: Vec<&Finding> = review.findings.iter().filter(|f| f.suppressed).collect();
    let lines = all
        .iter()
        .take(SUPPRESSED_SHOWN)
        .map(|finding| {
            let at = finding
                .suppressed_at
                .as_ref()
                .map_or(String::new(), |link| {
                    format!(
                        " (suppressed at {})",
                        code(&format!("{} {}", link.place(), link.name), Inline::Text)
                    )
                });
            format!(
                "- **{}** {}{at} — {}\n",
                name(&finding.rule_id),
                finding_location(finding, Inline::Text),
                message(
                    finding.suppression_reason.as_deref().unwrap_or_default(),
                    Inline::Text
                )
            )
        })
        .collect();
    Section {
        open: format!("<details><summary>Suppressed ({})</summary>\n\n", all.len()),
        lines,
        total: all.len(),
        close: "\n</details>\n\n".into(),
        what: "suppressed finding(s)",
    }
}

/// One line per resource and cause, naming the rules it leaves open: a variable
/// without a value is said once, not once per rule that reads it.
fn undetermined(review: &Review) -> Section {
    let groups = by_cause(&review.undetermined);
    let lines = groups
        .iter()
        .take(UNDETERMINED_SHOWN)
        .map(|group| {
            let rules: Vec<String> = group.checks.iter().map(|c| name(&c.rule_id)).collect();
            let what = match group.checks.as_slice() {
                [only] => message(&only.reason, Inline::Text),
                _ => message(group.cause, Inline::Text),
            };
            format!(
                "- {} — {what} ({})\n",
                code(group.resource, Inline::Text),
                rules.join(", ")
            )
        })
        .collect();
    Section {
        open: format!(
            "<details><summary>Could not tell ({} check(s) on {} resource(s) and cause(s))</summary>\n\n",
            review.undetermined.len(),
            groups.len()
        ),
        lines,
        total: groups.len(),
        close: "\n</details>\n\n".into(),
        what: "undetermined resource(s) and cause(s)",
    }
}

fn not_evaluated(review: &Review) -> Section {
    let lines = review
        .not_evaluated
        .iter()
        .take(NOT_EVALUATED_SHOWN)
        .map(|module| {
            format!(
                "- {} ({}) at {} — {}\n",
                code(&module.module, Inline::Text),
                code(
                    module.source.as_deref().unwrap_or("a computed source"),
                    Inline::Text
                ),
                location(
                    Some(&module.file),
                    module.line.map(|l| l as usize),
                    None,
                    Inline::Text
                ),
                message(&module.reason, Inline::Text)
            )
        })
        .collect();
    Section {
        open: format!(
            "<details><summary>⚠️ Modules not evaluated ({}): their resources are not reviewed</summary>\n\n",
            review.not_evaluated.len()
        ),
        lines,
        total: review.not_evaluated.len(),
        close: "\n</details>\n\n".into(),
        what: "module(s) not evaluated",
    }
}

fn input_errors(review: &Review) -> Section {
    let lines = review
        .errors
        .iter()
        .take(ERRORS_SHOWN)
        .map(|error| {
            format!(
                "- {}: {}\n",
                location(Some(&error.file), error.line, error.column, Inline::Text),
                message(&error.message, Inline::Text)
            )
        })
        .collect();
    Section {
        open: format!(
            "<details><summary>⚠️ Inputs that could not be read ({})</summary>\n\n",
            review.errors.len()
        ),
        lines,
        total: review.errors.len(),
        close: "\n</details>\n\n".into(),
        what: "input error(s)",
    }
}

/// The comment body in at most `limit` characters when the header and footer fit.
fn compose(review: &Review, tool_version: &str, limit: usize) -> String {
    let active: Vec<&Finding> = review.findings.iter().filter(|f| !f.suppressed).collect();
    let grouped = groups::by_subject(active.iter().copied());
    let head = header(review, &active);
    let footer = format!(
        "<sub>reviewgate {} · rules only</sub>\n",
        escape::markdown_text(tool_version)
    );
    let mut room = limit
        .saturating_sub(Section::chars(&head) + Section::chars(&footer))
        .saturating_sub(NOTE_ROOM);

    // In reading order; empty sections are not shown.
    let sections: [Option<Section>; 6] = [
        (!active.is_empty()).then(|| top_groups(&grouped)),
        (!active.is_empty()).then(|| all_findings(&grouped, active.len())),
        Some(suppressed(review)),
        Some(undetermined(review)),
        Some(not_evaluated(review)),
        Some(input_errors(review)),
    ]
    .map(|s| s.filter(|s| s.total > 0));
    // Room is given in order of importance: the top resources' findings, input
    // errors, modules not evaluated, undetermined checks, suppressed findings, and
    // last the full table.
    let mut fitted: [Option<String>; 6] = Default::default();
    for index in [0, 5, 4, 3, 2, 1] {
        if let Some(section) = &sections[index] {
            fitted[index] = section.fit(&mut room);
        }
    }

    let mut out = head;
    if active.is_empty() {
        out.push_str("No findings. ✅\n\n");
    }
    let mut left_out = Vec::new();
    for (section, text) in sections.iter().zip(&fitted) {
        match (section, text) {
            (Some(_), Some(text)) => out.push_str(text),
            (Some(section), None) => left_out.push(format!("{} {}", section.total, section.what)),
            (None, _) => {}
        }
    }
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "_Not shown, for GitHub's {GITHUB_COMMENT_LIMIT}-character limit: {}. Run `reviewgate review --format json` for the full review._\n",
            left_out.join(", ")
        );
    }
    out.push_str(&footer);
    out
}
