//! From matches to findings: one finding per secret and place, and a secret that a
//! diff and the configuration file it changes both contain reported once, from the
//! configuration (which names the resource).

use std::collections::{HashMap, HashSet};

use super::catalog::Kind;
use super::secret_match::SecretMatch;
use crate::finding::Finding;
use crate::resource::LineRange;

#[derive(Default)]
pub(super) struct Collector {
    pub(super) findings: Vec<Finding>,
    /// (file, rule, fingerprint) → lines of configuration findings.
    from_config: HashMap<(String, Kind, u64), Vec<Option<LineRange>>>,
    /// (file, line, rule, fingerprint) of diff findings.
    from_diff: HashSet<(String, u32, Kind, u64)>,
}

/// Where a configuration value is, for messages and findings.
pub(super) struct Place<'a> {
    /// `attribute `password` of `aws_db_instance.db``, for messages.
    pub(super) description: String,
    pub(super) resource: Option<String>,
    pub(super) file: &'a str,
    pub(super) lines: Option<LineRange>,
}

impl Collector {
    pub(super) fn config_match(&mut self, m: &SecretMatch, place: &Place<'_>, sensitive: bool) {
        let key = (place.file.to_owned(), m.kind, m.fingerprint);
        let seen = self.from_config.entry(key).or_default();
        if seen.contains(&place.lines) {
            return;
        }
        seen.push(place.lines);
        let mut message = format!("{} `{}` in {}", m.label, m.masked, place.description);
        if m.decoded {
            message.push_str(" (base64-decoded)");
        }
        if sensitive {
            message.push_str(
                " (marked sensitive, which hides it from output but not from the repository)",
            );
        }
        message.push('.');
        self.findings.push(finding(
            m.kind,
            message,
            place.resource.clone(),
            place.file,
            place.lines,
        ));
    }

    pub(super) fn diff_match(&mut self, m: &SecretMatch, file: &str, line: u32) {
        let in_config = self
            .from_config
            .get(&(file.to_owned(), m.kind, m.fingerprint))
            .is_some_and(|ranges| {
                ranges
                    .iter()
                    .any(|r| r.is_none_or(|r| (r.start..=r.end).contains(&line)))
            });
        if in_config
            || !self
                .from_diff
                .insert((file.to_owned(), line, m.kind, m.fingerprint))
        {
            return;
        }
        let message = format!(
            "{} `{}` on added line {line} of `{file}`.",
            m.label, m.masked
        );
        let lines = Some(LineRange {
            start: line,
            end: line,
        });
        self.findings
            .push(finding(m.kind, message, None, file, lines));
    }
}

fn finding(
    kind: Kind,
    message: String,
    resource: Option<String>,
    file: &str,
    lines: Option<LineRange>,
) -> Finding {
    let rule = kind.rule();
    Finding {
        rule_id: rule.id.into(),
        aliases: Default::default(),
        severity: rule.severity,
        title: rule.title.into(),
        message,
        resource,
        file: Some(file.to_owned()),
        line: lines.map(|l| l.start),
        end_line: lines.map(|l| l.end),
        remediation: Some(rule.remediation.into()),
        frameworks: std::sync::Arc::new(rule.frameworks()),
        suppressed: false,
        suppression_reason: None,
    }
}
