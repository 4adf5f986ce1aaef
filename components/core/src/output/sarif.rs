//! SARIF 2.1.0, as GitHub code scanning, GitLab and Azure DevOps read it.
//!
//! Each referenced rule goes to `tool.driver.rules` with its description, help and
//! the `security-severity` GitHub uses to rank alerts; each finding becomes a result
//! with its file and lines, the resource as a logical location, a stable
//! `partialFingerprints` entry so alerts survive unrelated edits, and — when
//! suppressed — an in-source suppression with its justification. A module call
//! that was not evaluated is a note-level tool execution notification of the run's
//! invocation (SARIF §3.20.21): something the tool could not look at, not a result.
//! The output is checked against the official OASIS schema in the tests.
//!
//! Messages quote what a change's author wrote, and GitHub renders them: plain-text
//! fields go through [`escape::sarif_text`] (no embedded links, no placeholders) and
//! `help.markdown` through [`escape::markdown_message`], like the PR comment.

use std::collections::BTreeMap;

use serde::Serialize;

use super::escape::{self, Inline};
use crate::finding::{Finding, Severity};
use crate::resource::ProvenanceLink;
use crate::review::Review;
use crate::rules;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/reviewgate/reviewgate";

/// Renders a review as a SARIF log (pretty-printed JSON).
pub fn render(review: &Review, tool_version: &str) -> String {
    let log = build(review, tool_version);
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

/// The SARIF log as a JSON value.
pub fn to_value(review: &Review, tool_version: &str) -> serde_json::Value {
    serde_json::to_value(build(review, tool_version)).unwrap_or_default()
}

fn build(review: &Review, tool_version: &str) -> Log {
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut descriptors = Vec::new();
    for finding in &review.findings {
        if rule_index.contains_key(finding.rule_id.as_ref()) {
            continue;
        }
        rule_index.insert(&finding.rule_id, descriptors.len());
        descriptors.push(descriptor(finding));
    }
    let results = review
        .findings
        .iter()
        .map(|finding| result(finding, rule_index[finding.rule_id.as_ref()]))
        .collect();
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "reviewgate",
                    version: tool_version.to_owned(),
                    semantic_version: tool_version.to_owned(),
                    information_uri: INFORMATION_URI,
                    rules: descriptors,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
            invocations: invocations(review),
        }],
    }
}

/// The run's invocation when it has something to say: modules not evaluated.
fn invocations(review: &Review) -> Vec<Invocation> {
    if review.not_evaluated.is_empty() {
        return Vec::new();
    }
    let notifications = review
        .not_evaluated
        .iter()
        .map(|module| Notification {
            descriptor: NotificationDescriptor {
                id: NOT_EVALUATED_NOTIFICATION,
            },
            level: "note",
            message: Text {
                text: escape::sarif_text(&format!(
                    "{} ({}) is not evaluated: {}. Its resources are not reviewed.",
                    module.module,
                    module.source.as_deref().unwrap_or("a computed source"),
                    module.reason
                )),
            },
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: file_uri(&module.file),
                        uri_base_id: "%SRCROOT%",
                    },
                    region: Region {
                        start_line: module.line.unwrap_or(1).max(1),
                        end_line: None,
                    },
                },
                logical_locations: vec![LogicalLocation {
                    fully_qualified_name: module.module.clone(),
                    kind: "module",
                }],
            }],
        })
        .collect();
    vec![Invocation {
        execution_successful: true,
        tool_execution_notifications: notifications,
    }]
}

/// The notification id of a module call that was not evaluated.
const NOT_EVALUATED_NOTIFICATION: &str = "reviewgate/module-not-evaluated";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub maps `security-severity` to critical (≥ 9.0), high (≥ 7.0), medium
/// (≥ 4.0) and low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn descriptor(finding: &Finding) -> ReportingDescriptor {
    let meta = rules::find_rule(&finding.rule_id);
    let description = meta.map_or(finding.title.as_ref(), |m| m.description);
    let remediation = finding.remediation.clone().unwrap_or_default();
    let mut tags = vec!["security".to_owned()];
    if finding.rule_id.starts_with("RG-AWS-") || finding.rule_id.starts_with("RG-CHG-") {
        tags.push("terraform".to_owned());
    }
    tags.extend(finding.aliases.iter().cloned());
    tags.extend(finding.frameworks.iter().flat_map(|(framework, controls)| {
        controls.iter().map(move |c| format!("{framework}:{c}"))
    }));
    ReportingDescriptor {
        id: finding.rule_id.to_string(),
        name: pascal_case(&finding.title),
        short_description: Text {
            text: escape::sarif_text(&finding.title),
        },
        full_description: Text {
            text: escape::sarif_text(description),
        },
        help: Help {
            text: escape::sarif_text(&format!("{description}\n\nRemediation: {remediation}")),
            markdown: escape::sarif_formatted(&format!(
                "{}\n\n**Remediation:** {}",
                escape::markdown_message(description, Inline::Text),
                escape::markdown_message(&remediation, Inline::Text)
            )),
        },
        default_configuration: Configuration {
            level: level(finding.severity),
        },
        properties: DescriptorProperties {
            tags,
            security_severity: security_severity(finding.severity),
            precision: "high",
            problem_severity: level(finding.severity),
        },
    }
}

fn result(finding: &Finding, rule_index: usize) -> SarifResult {
    let uri = finding
        .file
        .as_deref()
        .map(file_uri)
        .unwrap_or_else(|| "unknown".to_owned());
    let region = Region {
        start_line: finding.line.unwrap_or(1).max(1),
        end_line: finding.end_line.or(finding.line).map(|l| l.max(1)),
    };
    SarifResult {
        rule_id: finding.rule_id.to_string(),
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: escape::sarif_text(&finding.message),
        },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri,
                    uri_base_id: "%SRCROOT%",
                },
                region,
            },
            logical_locations: finding
                .resource
                .iter()
                .map(|address| LogicalLocation {
                    fully_qualified_name: address.clone(),
                    kind: "resource",
                })
                .collect(),
        }],
        related_locations: finding
            .provenance
            .iter()
            .enumerate()
            .map(|(id, link)| related_location(id, link))
            .collect(),
        partial_fingerprints: BTreeMap::from([("reviewgate/v1".to_owned(), fingerprint(finding))]),
        suppressions: if finding.suppressed {
            vec![Suppression {
                kind: "inSource",
                justification: finding.suppression_reason.clone().unwrap_or_default(),
            }]
        } else {
            Vec::new()
        },
        properties: ResultProperties {
            severity: finding.severity.as_str(),
        },
    }
}

/// One link of a finding's provenance: a place in a file, or only its message for
/// a value given outside any file (`--var`, `TF_VAR_`).
fn related_location(id: usize, link: &ProvenanceLink) -> RelatedLocation {
    let outside = link.line.is_none() && (link.file == "--var" || link.file.starts_with("TF_VAR_"));
    RelatedLocation {
        id,
        physical_location: (!outside).then(|| PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: file_uri(&link.file),
                uri_base_id: "%SRCROOT%",
            },
            region: Region {
                start_line: link.line.unwrap_or(1).max(1),
                end_line: None,
            },
        }),
        message: Text {
            text: escape::sarif_text(&if outside {
                format!("{} ({})", link.name, link.file)
            } else {
                link.name.clone()
            }),
        },
    }
}

/// A stable identity for an alert: rule, file, resource and message, but not the
/// line, so that edits above a resource do not make GitHub reopen it.
fn fingerprint(finding: &Finding) -> String {
    // FNV-1a: tiny, stable across versions and platforms, good enough to tell
    // alerts apart (this is not a security boundary).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [
        finding.rule_id.as_ref(),
        finding.file.as_deref().unwrap_or_default(),
        finding.resource.as_deref().unwrap_or_default(),
        finding.message.as_str(),
    ] {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// A relative URI reference for a path: `/`-separated, with characters outside the
/// URI unreserved set percent-encoded.
fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn pascal_case(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    descriptor: NotificationDescriptor,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
}

#[derive(Serialize)]
struct NotificationDescriptor {
    id: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: String,
    semantic_version: String,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties {
    tags: Vec<String>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    /// The links of the finding's provenance, where the value came from first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(
            file_uri("./modules/my bucket/main.tf"),
            "modules/my%20bucket/main.tf"
        );
        assert_eq!(file_uri("dir\\win.tf"), "dir/win.tf");
        assert_eq!(
            pascal_case("S3 bucket has no default encryption"),
            "S3BucketHasNoDefaultEncryption"
        );
    }
}
