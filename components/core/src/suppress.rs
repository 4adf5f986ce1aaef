//! Inline suppressions, in reviewgate's own syntax and in the ones teams already
//! have in their code from Checkov and Trivy/tfsec:
//!
//! ```hcl
//! # reviewgate:skip=RG-AWS-S3-004 logs are write-once, versioning adds nothing
//! #checkov:skip=CKV_AWS_21:logs are write-once
//! #trivy:ignore:AVD-AWS-0090 logs are write-once
//! resource "aws_s3_bucket" "logs" { … }
//! ```
//!
//! A suppression applies to the resource whose block contains it, or whose block it
//! directly precedes (Trivy's placement), and matches a finding by rule id or by any
//! alias. Suppressed findings stay in the review, marked with the reason; a
//! suppression without a reason is itself reported, because an unexplained skip is
//! how real problems get waved through.
//!
//! A finding whose value was evaluated is also suppressed by a comment at any link
//! of its provenance (`Resource::provenance`): above the `.tfvars` line that sets
//! the value, in or above the `variable` block, the local, the module call's
//! argument or the module's `output` block it passes through. The finding then
//! says at which link it sat.
//!
//! [`Suppression`] itself is part of the resource model (`resource`): the HCL parser
//! reads suppressions with [`extract`] while it builds each resource.

use std::collections::HashMap;

use crate::finding::{Finding, Severity};
use crate::resource::{LineRange, ProvenanceLink, Resource, Suppression, SuppressionSyntax};

/// The id of the finding reported for a suppression without a reason.
pub const MISSING_REASON_RULE: &str = "RG-SUPPRESS-001";

/// Suppressions in the comments of a block's lines and of the comment lines
/// directly above it. `lines` are the file's lines; `block` is 1-based.
pub fn extract(lines: &[&str], block: LineRange) -> Vec<Suppression> {
    let first = block.start as usize;
    let mut start = first;
    // Comment lines directly above the block belong to it.
    while start > 1 {
        let above = lines.get(start - 2).map_or("", |l| l.trim_start());
        if above.starts_with('#') || above.starts_with("//") {
            start -= 1;
        } else {
            break;
        }
    }
    let mut found = Vec::new();
    for number in start..=(block.end as usize) {
        let Some(line) = lines.get(number - 1) else {
            break;
        };
        let Some(comment) = comment_text(line) else {
            continue;
        };
        found.extend(parse_comment(comment, number as u32));
    }
    found
}

/// The text after the first `#` or `//` that starts a comment (outside a string).
fn comment_text(line: &str) -> Option<&str> {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'#' => return Some(&line[i + 1..]),
            b'/' if bytes.get(i + 1) == Some(&b'/') => return Some(&line[i + 2..]),
            _ => {}
        }
    }
    None
}

fn parse_comment(comment: &str, line: u32) -> Vec<Suppression> {
    let text = comment.trim();
    let reason_of = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_owned())
    };
    if let Some(rest) = text.strip_prefix("reviewgate:skip=") {
        let (ids, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        return ids
            .split(',')
            .filter(|id| !id.is_empty())
            .map(|id| Suppression {
                rule: id.to_owned(),
                reason: reason_of(reason),
                line,
                syntax: SuppressionSyntax::Reviewgate,
            })
            .collect();
    }
    if let Some(rest) = text.strip_prefix("checkov:skip=") {
        let (id, reason) = rest.split_once(':').unwrap_or((rest, ""));
        return vec![Suppression {
            rule: id.trim().to_owned(),
            reason: reason_of(reason),
            line,
            syntax: SuppressionSyntax::Checkov,
        }];
    }
    let trivy = text
        .strip_prefix("trivy:ignore:")
        .or_else(|| text.strip_prefix("tfsec:ignore:"));
    if let Some(rest) = trivy {
        let (id, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        // Trivy allows `ID:exp:2025-01-01` and `ID[attr=value]`; the id comes first.
        let id = id.split([':', '[']).next().unwrap_or(id);
        return vec![Suppression {
            rule: id.to_owned(),
            reason: reason_of(reason),
            line,
            syntax: SuppressionSyntax::Trivy,
        }];
    }
    Vec::new()
}

/// True when a suppression names this finding's rule or one of its aliases.
fn matches(suppression: &Suppression, finding: &Finding) -> bool {
    let rule = suppression.rule.as_str();
    finding.rule_id.eq_ignore_ascii_case(rule)
        || finding
            .aliases
            .iter()
            .any(|alias| alias.eq_ignore_ascii_case(rule))
}

/// Marks findings suppressed by their resource's inline suppressions, and reports
/// every suppression that gives no reason as a low finding of its own.
///
/// `resources` are all resources of the change; a finding's resource is found by
/// address and file. Plan resources take the suppressions of the configuration
/// block they come from when both are reviewed together. Then the findings left
/// are matched against the suppressions at the links of their provenance.
pub fn apply(findings: &mut Vec<Finding>, resources: &[&Resource]) {
    apply_on_resources(findings, resources);
    apply_at_links(findings);
}

fn apply_on_resources(findings: &mut Vec<Finding>, resources: &[&Resource]) {
    if resources.iter().all(|r| r.suppressions.is_empty()) {
        // Plans and most configurations have none: skip indexing every address.
        return;
    }
    let by_address: HashMap<String, &Resource> = resources
        .iter()
        .map(|r| (r.address.to_string(), *r))
        .collect();
    let by_config_block: HashMap<String, &[Suppression]> = resources
        .iter()
        .filter(|r| r.change.is_none() && !r.suppressions.is_empty())
        .map(|r| (r.address.config_address(), r.suppressions.as_slice()))
        .collect();
    for finding in findings.iter_mut() {
        let Some(resource) = finding.resource.as_ref().and_then(|a| by_address.get(a)) else {
            continue;
        };
        // A plan resource takes the suppressions of its configuration block.
        let inherited = match &resource.change {
            Some(_) => by_config_block
                .get(&resource.address.config_address())
                .copied()
                .unwrap_or_default(),
            None => &[],
        };
        if let Some(suppression) = resource
            .suppressions
            .iter()
            .chain(inherited)
            .find(|s| matches(s, finding))
        {
            finding.suppressed = true;
            finding.suppression_reason = Some(
                suppression
                    .reason
                    .clone()
                    .unwrap_or_else(|| "no reason given".to_owned()),
            );
        }
    }
    for resource in resources {
        for suppression in resource.suppressions.iter().filter(|s| s.reason.is_none()) {
            findings.push(missing_reason(
                suppression,
                format!("on `{}`", resource.address),
                Some(resource.address.to_string()),
                resource.source.file.clone(),
            ));
        }
    }
}

/// Marks findings suppressed at a link of their value's provenance (a `.tfvars`
/// line, a `variable` or `locals` entry, a module call's argument, a module's
/// `output`): the first link,
/// from where the value was set, whose suppressions name the finding's rule. The
/// finding records that link. A suppression there without a reason is reported
/// once, like one on a resource.
fn apply_at_links(findings: &mut Vec<Finding>) {
    let mut unexplained: Vec<(ProvenanceLink, Suppression)> = Vec::new();
    for finding in findings.iter_mut().filter(|f| !f.suppressed) {
        let found = finding.provenance.iter().find_map(|link| {
            link.suppressions
                .iter()
                .find(|s| matches(s, finding))
                .map(|s| (link, s))
        });
        let Some((link, suppression)) = found else {
            continue;
        };
        let at = ProvenanceLink {
            suppressions: Vec::new(),
            ..link.clone()
        };
        if suppression.reason.is_none()
            && !unexplained.iter().any(|(l, s)| {
                l.file == at.file && s.line == suppression.line && s.rule == suppression.rule
            })
        {
            unexplained.push((at.clone(), suppression.clone()));
        }
        finding.suppressed = true;
        finding.suppression_reason = Some(
            suppression
                .reason
                .clone()
                .unwrap_or_else(|| "no reason given".to_owned()),
        );
        finding.suppressed_at = Some(Box::new(at));
    }
    for (link, suppression) in unexplained {
        findings.push(missing_reason(
            &suppression,
            format!("at `{}`", link.name),
            None,
            link.file,
        ));
    }
}

/// The RG-SUPPRESS-001 finding for a suppression without a reason, `place` saying
/// where it sits (`on `aws_s3_bucket.b``, `at `var.encrypted``).
fn missing_reason(
    suppression: &Suppression,
    place: String,
    resource: Option<String>,
    file: String,
) -> Finding {
    Finding {
        rule_id: MISSING_REASON_RULE.into(),
        aliases: Default::default(),
        severity: Severity::Low,
        title: "Suppression without a reason".into(),
        message: format!(
            "`{}` suppresses {} {place} without saying why",
            syntax_name(suppression.syntax),
            suppression.rule,
        ),
        resource,
        file: Some(file),
        line: Some(suppression.line),
        end_line: Some(suppression.line),
        remediation: Some(
            "Add the reason after the rule id, e.g. `# reviewgate:skip=RG-AWS-S3-004 write-once log bucket`."
                .into(),
        ),
        frameworks: Default::default(),
        suppressed: false,
        suppression_reason: None,
        suppressed_at: None,
        provenance: Vec::new(),
    }
}

fn syntax_name(syntax: SuppressionSyntax) -> &'static str {
    match syntax {
        SuppressionSyntax::Reviewgate => "reviewgate:skip",
        SuppressionSyntax::Checkov => "checkov:skip",
        SuppressionSyntax::Trivy => "trivy:ignore",
    }
}

/// The catalog entry of the missing-reason rule.
pub fn rule_info() -> crate::finding::RuleInfo {
    crate::finding::RuleInfo {
        id: MISSING_REASON_RULE.to_owned(),
        title: "Suppression without a reason".to_owned(),
        severity: Severity::Low,
        aliases: Default::default(),
        frameworks: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn reads_all_three_syntaxes_inside_and_above_a_block() {
        let text = "\
locals {}
# trivy:ignore:AVD-AWS-0090 write-once logs
// tfsec:ignore:aws-s3-enable-versioning:exp:2030-01-01
resource \"aws_s3_bucket\" \"b\" { # reviewgate:skip=RG-AWS-S3-004,RG-AWS-S3-003 static site
  #checkov:skip=CKV_AWS_18:Access logging is collected by CloudFront
  acl = \"private\" # not a suppression: \"#checkov:skip=X\"
  #checkov:skip=CKV_AWS_21
}";
        let found = extract(&lines(text), LineRange { start: 4, end: 8 });
        let summary: Vec<(&str, Option<&str>, u32, SuppressionSyntax)> = found
            .iter()
            .map(|s| (s.rule.as_str(), s.reason.as_deref(), s.line, s.syntax))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "AVD-AWS-0090",
                    Some("write-once logs"),
                    2,
                    SuppressionSyntax::Trivy
                ),
                (
                    "aws-s3-enable-versioning",
                    None,
                    3,
                    SuppressionSyntax::Trivy
                ),
                (
                    "RG-AWS-S3-004",
                    Some("static site"),
                    4,
                    SuppressionSyntax::Reviewgate
                ),
                (
                    "RG-AWS-S3-003",
                    Some("static site"),
                    4,
                    SuppressionSyntax::Reviewgate
                ),
                (
                    "CKV_AWS_18",
                    Some("Access logging is collected by CloudFront"),
                    5,
                    SuppressionSyntax::Checkov
                ),
                ("CKV_AWS_21", None, 7, SuppressionSyntax::Checkov),
            ]
        );
    }

    #[test]
    fn comments_above_a_blank_line_do_not_belong_to_the_block() {
        let text = "# reviewgate:skip=RG-X reason\n\nresource \"a\" \"b\" {}\n";
        assert!(extract(&lines(text), LineRange { start: 3, end: 3 }).is_empty());
    }
}
