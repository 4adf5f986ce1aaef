//! From matches to findings: one finding per secret and place, and a secret that a
//! diff and the configuration file it changes both contain reported once, from the
//! configuration (which names the resource).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::catalog::Kind;
use super::secret_match::SecretMatch;
use crate::finding::Finding;
use crate::resource::LineRange;

#[derive(Default)]
pub(super) struct Collector {
    pub(super) findings: Vec<Finding>,
    /// (file, rule, fingerprint) → lines of configuration findings.
    from_config: HashMap<(String, Kind, u64), ConfigPlaces>,
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

/// The places in one file where the configuration holds one secret. A file can repeat
/// a secret any number of times, so both questions asked of them — seen here
/// already? does a diff line fall in one? — are answered without a pass over all.
#[derive(Default)]
struct ConfigPlaces {
    seen: HashSet<Option<LineRange>>,
    /// A place without lines covers the whole file.
    whole_file: bool,
    /// Sorted by start when `sorted`, with the running maximum of ends.
    ranges: Vec<LineRange>,
    max_end: Vec<u32>,
    sorted: bool,
}

impl ConfigPlaces {
    /// False when `lines` was seen already.
    fn insert(&mut self, lines: Option<LineRange>) -> bool {
        if !self.seen.insert(lines) {
            return false;
        }
        match lines {
            Some(range) => {
                self.ranges.push(range);
                self.sorted = false;
            }
            None => self.whole_file = true,
        }
        true
    }

    /// Whether a place covers `line`: a binary search over the ranges, sorted once
    /// (the configuration is scanned before any diff).
    fn covers(&mut self, line: u32) -> bool {
        if self.whole_file {
            return true;
        }
        if !self.sorted {
            self.ranges.sort_unstable();
            let mut max = 0;
            self.max_end = self
                .ranges
                .iter()
                .map(|r| {
                    max = max.max(r.end);
                    max
                })
                .collect();
            self.sorted = true;
        }
        let before = self.ranges.partition_point(|r| r.start <= line);
        before > 0 && self.max_end[before - 1] >= line
    }
}

impl Collector {
    /// `scanned` is the text `m` was found in (see [`SecretMatch::secret_in`]).
    pub(super) fn config_match(
        &mut self,
        m: &SecretMatch,
        scanned: &str,
        place: &Place<'_>,
        sensitive: bool,
    ) {
        let key = (place.file.to_owned(), m.kind, m.fingerprint);
        if !self.from_config.entry(key).or_default().insert(place.lines) {
            return;
        }
        let mut message = format!(
            "{} `{}` in {}",
            m.label,
            m.masked,
            secrets_masked(&place.description)
        );
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
            masked_throughout(message, m, scanned),
            place.resource.clone(),
            place.file,
            place.lines,
        ));
    }

    /// `scanned` is the added line `m` was found in.
    pub(super) fn diff_match(&mut self, m: &SecretMatch, scanned: &str, file: &str, line: u32) {
        let in_config = self
            .from_config
            .get_mut(&(file.to_owned(), m.kind, m.fingerprint))
            .is_some_and(|places| places.covers(line));
        if in_config
            || !self
                .from_diff
                .insert((file.to_owned(), line, m.kind, m.fingerprint))
        {
            return;
        }
        let message = masked_throughout(
            format!(
                "{} `{}` on added line {line} of `{}`.",
                m.label,
                m.masked,
                secrets_masked(file)
            ),
            m,
            scanned,
        );
        let lines = Some(LineRange {
            start: line,
            end: line,
        });
        self.findings
            .push(finding(m.kind, message, None, file, lines));
    }
}

/// `message` with the secret masked wherever it appears, not only where the message
/// quotes it: the file path, resource address or attribute a message names is the
/// change author's to choose, and may hold the secret itself.
fn masked_throughout(message: String, m: &SecretMatch, scanned: &str) -> String {
    match m.secret_in(scanned) {
        Some(secret) if !secret.is_empty() && message.contains(secret) => {
            message.replace(secret, &m.masked)
        }
        _ => message,
    }
}

/// A name (a path, a resource and attribute) with every secret the detector finds
/// in it masked: a message about one secret must not show another in the names it
/// quotes.
fn secrets_masked(name: &str) -> Cow<'_, str> {
    let found = super::find_secrets(name);
    if found.is_empty() {
        return Cow::Borrowed(name);
    }
    let mut lines: Vec<String> = name.lines().map(str::to_owned).collect();
    // Right to left within a line, so earlier spans stay where they were.
    let mut spans: Vec<_> = found
        .iter()
        .map(|m| (m.line_index(), m.span(), m.masked()))
        .collect();
    spans.sort_by_key(|(line, span, _)| (*line, std::cmp::Reverse(span.start)));
    for (line, span, masked) in spans {
        if let Some(text) = lines.get_mut(line)
            && text.get(span.clone()).is_some()
        {
            text.replace_range(span, masked);
        }
    }
    Cow::Owned(lines.join("\n"))
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
        suppressed_at: None,
        provenance: Vec::new(),
    }
}
