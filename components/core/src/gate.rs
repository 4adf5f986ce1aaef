//! The review gate's own settings under review: what a change to `.reviewgate.toml`
//! would loosen once it applies.
//!
//! A surface that gates changes (a pull request's check) reads the settings at the
//! base the change merges into, never at the change's head: otherwise a change could
//! pass its own gate by adding `exclude_paths = ["**"]`. The head's settings are
//! still worth reviewing, because they become the base once merged; this module
//! compares the two and turns every loosening into an [`GATE_RULE`] finding on the
//! settings file, so that whoever approves the change sees what the gate would stop
//! checking. Tightening (a lower `fail_on`, a rule enabled again) is no finding.
//!
//! `.reviewgate.toml` holds no suppression with a reason: a newly disabled rule is a
//! repository-wide suppression without one, and counts as a loosening.

use crate::config::{ConfigFileError, FILE_NAME, ReviewConfig};
use crate::finding::{Finding, RuleInfo, Severity};

/// The id of the finding reported for a change that loosens the gate.
pub const GATE_RULE: &str = "RG-GATE-001";

const TITLE: &str = "Change loosens the review gate";

const REMEDIATION: &str = "Leave the gate's settings as they are, or have the change \
    approved by whoever owns the gate (for example a CODEOWNERS entry for \
    `.reviewgate.toml`). Until it is merged, the gate keeps the base's settings.";

/// One way the head's settings loosen the gate compared with the base's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loosening {
    /// `fail_on` raised (`None`: never fails): findings in between no longer fail.
    FailOnRaised {
        /// The base's effective threshold.
        from: Option<Severity>,
        /// The head's effective threshold.
        to: Option<Severity>,
    },
    /// `severity_threshold` raised: findings below it are no longer reported.
    ThresholdRaised {
        /// The base's threshold (`None`: every severity is reported).
        from: Option<Severity>,
        /// The head's threshold.
        to: Severity,
    },
    /// A rule (id or alias, as written) disabled that the base did not disable.
    RuleDisabled(String),
    /// A path pattern excluded that the base did not exclude.
    PathsExcluded(String),
}

impl Loosening {
    /// The settings key it is about.
    pub fn key(&self) -> &'static str {
        match self {
            Loosening::FailOnRaised { .. } => "fail_on",
            Loosening::ThresholdRaised { .. } => "severity_threshold",
            Loosening::RuleDisabled(_) => "disabled_rules",
            Loosening::PathsExcluded(_) => "exclude_paths",
        }
    }

    fn describe(&self) -> String {
        let threshold = |s: Option<Severity>| s.map_or("never", Severity::as_str);
        match self {
            Loosening::FailOnRaised { from, to } => format!(
                "`fail_on` goes from {} to {}: findings at {} and above would no longer fail the check",
                threshold(*from),
                threshold(*to),
                threshold(*from),
            ),
            Loosening::ThresholdRaised { from, to } => format!(
                "`severity_threshold` goes from {} to {to}: findings below {to} would no longer be reported",
                from.map_or("info", Severity::as_str),
            ),
            Loosening::RuleDisabled(rule) => {
                format!("`disabled_rules` adds `{rule}`: its findings would no longer be reported")
            }
            Loosening::PathsExcluded(pattern) => format!(
                "`exclude_paths` adds `{pattern}`: the files it matches would no longer be reviewed"
            ),
        }
    }
}

/// What `head` loosens compared with `base`, in settings order. `default_fail_on`
/// is the surface's `fail_on` when a file sets none (`None`: never fail).
pub fn loosenings(
    base: &ReviewConfig,
    head: &ReviewConfig,
    default_fail_on: Option<Severity>,
) -> Vec<Loosening> {
    // A threshold of `None` never fails: higher than any severity.
    let rank = |s: Option<Severity>| s.map_or(Severity::ALL.len(), |s| s as usize);
    let mut found = Vec::new();
    let (from, to) = (
        base.fail_on.or(default_fail_on),
        head.fail_on.or(default_fail_on),
    );
    if rank(to) > rank(from) {
        found.push(Loosening::FailOnRaised { from, to });
    }
    if let Some(to) = head.severity_threshold
        && base.severity_threshold.is_none_or(|from| to > from)
        && to > Severity::Info
    {
        found.push(Loosening::ThresholdRaised {
            from: base.severity_threshold,
            to,
        });
    }
    for rule in &head.disabled_rules {
        if !base
            .disabled_rules
            .iter()
            .any(|r| r.trim().eq_ignore_ascii_case(rule.trim()))
        {
            found.push(Loosening::RuleDisabled(rule.clone()));
        }
    }
    let pattern = |p: &str| {
        p.trim()
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_owned()
    };
    for excluded in &head.exclude_paths {
        let new = pattern(excluded);
        if !new.is_empty() && !base.exclude_paths.iter().any(|p| pattern(p) == new) {
            found.push(Loosening::PathsExcluded(excluded.clone()));
        }
    }
    found
}

/// The findings a change of the settings file earns: one [`GATE_RULE`] finding per
/// loosening of `base` by the head's text, on the line that sets it; or one saying
/// the head's file is invalid, since once merged every review would fail on it.
pub fn settings_change_findings(
    base: &ReviewConfig,
    head_text: &str,
    default_fail_on: Option<Severity>,
) -> Vec<Finding> {
    let head = match ReviewConfig::from_toml(head_text) {
        Ok(head) => head,
        Err(error) => return vec![invalid_settings(&error)],
    };
    loosenings(base, &head, default_fail_on)
        .iter()
        .map(|loosening| {
            let line = setting_line(head_text, loosening);
            finding(
                format!(
                    "{} (the gate keeps the base's settings until this change is merged)",
                    loosening.describe()
                ),
                line,
            )
        })
        .collect()
}

fn invalid_settings(error: &ConfigFileError) -> Finding {
    finding(
        format!(
            "this `{FILE_NAME}` is invalid ({error}): once merged, every review of the repository would fail until it is fixed"
        ),
        None,
    )
}

fn finding(message: String, line: Option<u32>) -> Finding {
    Finding {
        rule_id: GATE_RULE.into(),
        aliases: Default::default(),
        severity: Severity::High,
        title: TITLE.into(),
        message,
        resource: None,
        file: Some(FILE_NAME.to_owned()),
        line,
        end_line: line,
        remediation: Some(REMEDIATION.into()),
        frameworks: Default::default(),
        suppressed: false,
        suppression_reason: None,
        suppressed_at: None,
        provenance: Vec::new(),
    }
}

/// The 1-based line that sets what `loosening` is about: the quoted value inside
/// its key's array, else the key's line.
fn setting_line(text: &str, loosening: &Loosening) -> Option<u32> {
    let lines: Vec<&str> = text.lines().collect();
    let key = loosening.key();
    let start = lines.iter().position(|line| {
        line.trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    })?;
    let value = match loosening {
        Loosening::RuleDisabled(value) | Loosening::PathsExcluded(value) => Some(value),
        _ => None,
    };
    let at = value
        .and_then(|value| {
            let quoted = [format!("\"{value}\""), format!("'{value}'")];
            lines[start..]
                .iter()
                .position(|line| quoted.iter().any(|q| line.contains(q.as_str())))
                .map(|offset| start + offset)
        })
        .unwrap_or(start);
    u32::try_from(at + 1).ok()
}

/// The catalog entry of the gate rule.
pub fn rule_info() -> RuleInfo {
    RuleInfo {
        id: GATE_RULE.to_owned(),
        title: TITLE.to_owned(),
        severity: Severity::High,
        aliases: Default::default(),
        frameworks: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> ReviewConfig {
        ReviewConfig::from_toml(text).expect("valid settings")
    }

    #[test]
    fn every_way_to_loosen_is_found_and_tightening_is_not() {
        let base = config(
            "fail_on = \"high\"\ndisabled_rules = [\"RG-AWS-S3-005\"]\nexclude_paths = [\"examples/\"]\n",
        );
        let head = config(
            "fail_on = \"critical\"\nseverity_threshold = \"medium\"\n\
             disabled_rules = [\"rg-aws-s3-005\", \"CKV_AWS_18\"]\n\
             exclude_paths = [\"./examples\", \"**\"]\n",
        );
        assert_eq!(
            loosenings(&base, &head, Some(Severity::High)),
            [
                Loosening::FailOnRaised {
                    from: Some(Severity::High),
                    to: Some(Severity::Critical)
                },
                Loosening::ThresholdRaised {
                    from: None,
                    to: Severity::Medium
                },
                Loosening::RuleDisabled("CKV_AWS_18".into()),
                Loosening::PathsExcluded("**".into()),
            ]
        );
        // The other way round only tightens.
        assert_eq!(loosenings(&head, &base, Some(Severity::High)), []);
        assert_eq!(loosenings(&base, &base, Some(Severity::High)), []);
    }

    #[test]
    fn an_unset_fail_on_is_the_surfaces_default() {
        let strict = config("fail_on = \"medium\"");
        let unset = ReviewConfig::default();
        // The backend fails at high when nothing is set: dropping `medium` loosens.
        assert_eq!(
            loosenings(&strict, &unset, Some(Severity::High)),
            [Loosening::FailOnRaised {
                from: Some(Severity::Medium),
                to: Some(Severity::High)
            }]
        );
        // Dropping the default's own value changes nothing.
        assert_eq!(
            loosenings(&config("fail_on = \"high\""), &unset, Some(Severity::High)),
            []
        );
        // Where nothing set means never failing, dropping any `fail_on` loosens.
        assert_eq!(
            loosenings(&config("fail_on = \"critical\""), &unset, None),
            [Loosening::FailOnRaised {
                from: Some(Severity::Critical),
                to: None
            }]
        );
    }

    #[test]
    fn findings_point_at_the_line_that_loosens() {
        let base = ReviewConfig::default();
        let head = "# team settings\nfail_on = \"critical\"\ndisabled_rules = [\n  \"RG-AWS-S3-001\",\n]\nexclude_paths = [\"**\"]\n";
        let findings = settings_change_findings(&base, head, Some(Severity::High));
        let seen: Vec<(Option<u32>, &str)> = findings
            .iter()
            .map(|f| (f.line, f.message.split(':').next().unwrap_or_default()))
            .collect();
        assert_eq!(
            seen,
            [
                (Some(2), "`fail_on` goes from high to critical"),
                (Some(4), "`disabled_rules` adds `RG-AWS-S3-001`"),
                (Some(6), "`exclude_paths` adds `**`"),
            ]
        );
        for finding in &findings {
            assert_eq!(
                (finding.rule_id.as_ref(), finding.severity),
                (GATE_RULE, Severity::High)
            );
            assert_eq!(finding.file.as_deref(), Some(FILE_NAME));
        }
    }

    #[test]
    fn an_invalid_head_file_is_reported_not_ignored() {
        let findings = settings_change_findings(
            &ReviewConfig::default(),
            "fail_on = \"never\"",
            Some(Severity::High),
        );
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0].message.contains("is invalid") && findings[0].message.contains("fail_on"),
            "{}",
            findings[0].message
        );
    }
}
