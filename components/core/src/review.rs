//! The review of a change set: findings, a summary of what changes, and risk.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::changed_lines::ChangedLines;
use crate::changeset::{ChangeSet, InputError};
use crate::config::ReviewConfig;
use crate::diff::FileStatus;
use crate::evaluate::UnevaluatedModule;
use crate::external::{ExternalResult, FailureKind};
use crate::finding::Finding;
use crate::resource::ChangeAction;
use crate::resource::Resource;
use crate::risk::{self, Coverage};
use crate::rules::{self, Undetermined};
use crate::secrets;
use crate::suppress;

// The risk types are computed in `risk`; they stay reachable here, where a review
// carries them, for callers that name them by this path.
pub use crate::risk::{Risk, RiskFactor, RiskLevel};

/// The result of reviewing one change set. Its JSON form is reviewgate's documented
/// output shape (see README): `findings`, `changes`, `resources`, `errors`, `risk`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// What the change does.
    pub changes: ChangeSummary,
    /// How many resources were analysed (configuration blocks plus plan changes).
    pub resources: usize,
    /// Inputs that could not be used.
    pub errors: Vec<InputError>,
    /// Checks that could not be decided because a value is known only after apply.
    #[serde(default)]
    pub undetermined: Vec<Undetermined>,
    /// Module calls whose module was not evaluated: their resources are not
    /// reviewed. One entry per call, naming its source.
    #[serde(default)]
    pub not_evaluated: Vec<UnevaluatedModule>,
    /// Risk score and confidence.
    pub risk: Option<Risk>,
    /// External checks (policy plugins) that could not run; absent when none failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_checks: Vec<FailedCheck>,
}

/// A check that could not run; recorded on the review instead of failing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedCheck {
    /// The plugin.
    pub plugin: String,
    /// What went wrong.
    pub kind: FailureKind,
    /// Details.
    pub message: String,
}

/// What a change does, per input type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeSummary {
    /// From the plan(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanSummary>,
    /// From the diff(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<DiffSummary>,
    /// From Terraform configuration files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<ConfigurationSummary>,
}

/// Counts and notable addresses from plan resource changes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    /// Changes per action (`create`, `update`, `delete`, `replace`, `no-op`, `read`, …).
    pub actions: BTreeMap<String, usize>,
    /// Changes per resource type and action, no-ops left out.
    pub by_type: BTreeMap<String, BTreeMap<String, usize>>,
    /// Addresses replaced (either order).
    pub replaced: Vec<String>,
    /// Addresses deleted outright.
    pub destroyed: Vec<String>,
    /// True when any plan is marked incomplete or errored.
    pub incomplete: bool,
}

/// Counts from diffs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DiffSummary {
    /// Files in the diff.
    pub files: usize,
    /// Files per status (`added`, `modified`, `deleted`, `renamed`, `copied`).
    pub by_status: BTreeMap<String, usize>,
    /// Binary files (not reviewable line by line).
    pub binary: usize,
    /// Changed Terraform files.
    pub terraform_files: usize,
    /// Added lines.
    pub lines_added: usize,
    /// Removed lines.
    pub lines_removed: usize,
}

/// Counts from configuration files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigurationSummary {
    /// Files parsed.
    pub files: usize,
    /// `resource` blocks.
    pub managed_resources: usize,
    /// `data` blocks.
    pub data_sources: usize,
    /// `module` calls.
    pub module_calls: usize,
    /// `variable` declarations.
    pub variables: usize,
}

/// Reviews a change set with default settings.
pub fn review(change_set: &ChangeSet) -> Review {
    review_with(change_set, &ReviewConfig::default())
}

/// Reviews a change set: summarises it, runs every rule, applies inline
/// suppressions and the configuration's filters, and scores the risk.
pub fn review_with(change_set: &ChangeSet, config: &ReviewConfig) -> Review {
    review_merging(change_set, config, Vec::new(), Vec::new(), 0, None).0
}

/// [`review_with`] plus `findings` the caller made about the change outside the
/// rules — the review gate's own settings under review ([`crate::gate`]) — which
/// are filtered, ordered and scored like the rules' own.
pub fn review_with_findings(
    change_set: &ChangeSet,
    config: &ReviewConfig,
    findings: Vec<Finding>,
) -> Review {
    review_merging(change_set, config, findings, Vec::new(), 0, None).0
}

/// [`review_with_findings`] keeping only what is on the lines the change set's diffs
/// touch (see [`ChangedLines`]): findings, and checks left undetermined. Also
/// returns how many findings were left out, which every rendering should say.
pub fn review_changed_lines_with_findings(
    change_set: &ChangeSet,
    config: &ReviewConfig,
    findings: Vec<Finding>,
) -> (Review, usize) {
    let changed = ChangedLines::of(change_set);
    review_merging(change_set, config, findings, Vec::new(), 0, Some(&changed))
}

/// Reviews a change set with the built-in rules and merges what external checks
/// found. Plugin findings go through the same suppressions, filters, ordering and
/// scoring as built-in ones; each failed plugin is listed in `failed_checks` and
/// counts as a check left undetermined on every resource, lowering confidence.
pub fn review_with_external(
    change_set: &ChangeSet,
    config: &ReviewConfig,
    external: &[ExternalResult],
) -> Review {
    let mut findings = Vec::new();
    let mut failed = Vec::new();
    for result in external {
        match &result.outcome {
            Ok(list) => findings.extend(list.iter().map(|f| f.to_finding(&result.plugin))),
            Err(error) => failed.push(FailedCheck {
                plugin: result.plugin.clone(),
                kind: error.kind,
                message: error.message.clone(),
            }),
        }
    }
    review_merging(change_set, config, findings, failed, external.len(), None).0
}

/// [`review_with`] plus findings from `external_checks` external checks (see
/// [`crate::external`]), of which those in `failed` could not run; with `changed`,
/// only what is on changed lines, and how many findings were left out for it.
fn review_merging(
    change_set: &ChangeSet,
    config: &ReviewConfig,
    external_findings: Vec<Finding>,
    failed: Vec<FailedCheck>,
    external_checks: usize,
    changed: Option<&ChangedLines>,
) -> (Review, usize) {
    let mut evaluation = rules::evaluate(change_set);
    let mut findings = std::mem::take(&mut evaluation.findings);
    let secret_findings = secrets::scan(change_set);
    findings.reserve_exact(secret_findings.len() + external_findings.len());
    findings.extend(secret_findings);
    findings.extend(external_findings);
    let resources: Vec<&Resource> = change_set.resources().collect();
    suppress::apply(&mut findings, &resources);
    findings.retain(|f| !config.filters_out(f));
    let mut unchanged = 0;
    if let Some(changed) = changed {
        // Before scoring: what is left out does not count towards the risk.
        let before = findings.len();
        findings.retain(|f| changed.keeps_finding(f));
        unchanged = before - findings.len();
        evaluation
            .undetermined
            .retain(|u| changed.keeps_undetermined(u));
    }
    sort_findings(&mut findings);
    let changes = summarize(change_set);
    let changed_resources = changes.plan.as_ref().map_or(0, |p| {
        p.actions
            .iter()
            .filter(|(action, _)| !matches!(action.as_str(), "no-op" | "read"))
            .map(|(_, n)| n)
            .sum()
    });
    let per_check = evaluation.resources_in_scope;
    let coverage = Coverage {
        documents: change_set.plans.len()
            + change_set.configuration.files.len()
            + usize::from(!change_set.changed_files.is_empty())
            + change_set.errors.len(),
        unusable_documents: change_set.errors.len(),
        resources: evaluation.resources_in_scope,
        resources_with_rules: evaluation.resources_checked,
        // An external check looks at every resource; one that failed decided none.
        // A module not evaluated is a check of its resources that could not be
        // made: it lowers confidence like a value unknown until apply.
        checks: evaluation.checks
            + external_checks * per_check.max(1)
            + change_set.unevaluated_modules.len(),
        undetermined: evaluation.undetermined.len()
            + failed.len() * per_check.max(1)
            + change_set.unevaluated_modules.len(),
        changed_resources,
    };
    let plan_resources: usize = change_set.plans.iter().map(|p| p.resources.len()).sum();
    let review = Review {
        risk: Some(risk::score(&findings, &coverage)),
        findings,
        changes,
        resources: change_set.configuration.resources.len() + plan_resources,
        errors: change_set.errors.clone(),
        undetermined: evaluation.undetermined,
        not_evaluated: change_set.unevaluated_modules.clone(),
        failed_checks: failed,
    };
    (review, unchanged)
}

/// Orders findings most severe first, then by file, line and rule; findings equal
/// in all four keep the order the rules produced them in (instances of one block
/// in instance order), so the output is the same on every run.
///
/// Sorts positions and then moves each finding once, in place: a stable sort of
/// the findings themselves would borrow scratch room for half of them, a few
/// megabytes at the peak of a large repository scan.
fn sort_findings(findings: &mut [Finding]) {
    let order_of = |a: &Finding, b: &Finding| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.file.cmp(&b.file))
            .then_with(|| a.line.cmp(&b.line))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    };
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_unstable_by(|&a, &b| order_of(&findings[a], &findings[b]).then(a.cmp(&b)));
    // `order[k]` is the position of the finding that belongs at `k`. Each cycle of
    // the permutation is walked once; a placed position is marked `order[k] = k`.
    for start in 0..order.len() {
        let mut k = start;
        loop {
            let from = order[k];
            order[k] = k;
            if from == start || from == k {
                break;
            }
            findings.swap(k, from);
            k = from;
        }
    }
}

/// The change summary alone.
pub fn summarize(change_set: &ChangeSet) -> ChangeSummary {
    ChangeSummary {
        plan: (!change_set.plans.is_empty()).then(|| summarize_plans(change_set)),
        diff: (!change_set.changed_files.is_empty()).then(|| summarize_diff(change_set)),
        configuration: (!change_set.configuration.files.is_empty()).then(|| {
            let c = &change_set.configuration;
            let data = c
                .resources
                .iter()
                .filter(|r| r.address.mode == crate::address::Mode::Data)
                .count();
            ConfigurationSummary {
                files: c.files.len(),
                managed_resources: c.resources.len() - data,
                data_sources: data,
                module_calls: c.module_calls.len(),
                variables: c.variables.len(),
            }
        }),
    }
}

fn summarize_plans(change_set: &ChangeSet) -> PlanSummary {
    let mut summary = PlanSummary::default();
    for plan in &change_set.plans {
        summary.incomplete |= !plan.complete || plan.errored;
        for resource in &plan.resources {
            let Some(change) = &resource.change else {
                continue;
            };
            let action = change.action;
            *summary
                .actions
                .entry(action.as_str().to_owned())
                .or_default() += 1;
            if action != ChangeAction::NoOp {
                *summary
                    .by_type
                    .entry(resource.address.resource_type.clone())
                    .or_default()
                    .entry(action.as_str().to_owned())
                    .or_default() += 1;
            }
            if action.is_replace() {
                summary.replaced.push(resource.address.to_string());
            } else if action == ChangeAction::Delete {
                summary.destroyed.push(resource.address.to_string());
            }
        }
    }
    summary
}

fn summarize_diff(change_set: &ChangeSet) -> DiffSummary {
    let mut summary = DiffSummary::default();
    for file in &change_set.changed_files {
        summary.files += 1;
        let status = match file.status {
            FileStatus::Added => "added",
            FileStatus::Modified => "modified",
            FileStatus::Deleted => "deleted",
            FileStatus::Renamed => "renamed",
            FileStatus::Copied => "copied",
        };
        *summary.by_status.entry(status.to_owned()).or_default() += 1;
        summary.binary += usize::from(file.binary);
        summary.terraform_files += usize::from(crate::detect::is_terraform_path(&file.path));
        let (added, removed) = file.line_counts();
        summary.lines_added += added;
        summary.lines_removed += removed;
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::{Document, Origin};
    use crate::external::ExternalFinding;
    use crate::finding::Severity;

    /// `sort_findings` must order exactly as a stable sort on the same keys does,
    /// ties included: checked on every arrangement a small generator makes, with
    /// many ties (few distinct keys) and the message as the tie's identity.
    #[test]
    fn sorting_findings_in_place_matches_a_stable_sort() {
        let finding = |n: u64| {
            let external = ExternalFinding {
                rule_id: format!("R{}", n % 3),
                severity: [Severity::Low, Severity::High, Severity::Critical][(n / 3 % 3) as usize],
                title: String::new(),
                message: format!("finding {n}"),
                resource: None,
                file: (!n.is_multiple_of(5)).then(|| format!("f{}.tf", n / 7 % 2)),
                line: (!n.is_multiple_of(4)).then_some((n / 11 % 3) as u32),
                remediation: None,
            };
            external.to_finding("p")
        };
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for len in 0..200 {
            let mut findings: Vec<Finding> = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    finding(state >> 40)
                })
                .collect();
            let mut expected = findings.clone();
            expected.sort_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then_with(|| a.file.cmp(&b.file))
                    .then_with(|| a.line.cmp(&b.line))
                    .then_with(|| a.rule_id.cmp(&b.rule_id))
            });
            sort_findings(&mut findings);
            let messages = |f: &[Finding]| f.iter().map(|f| f.message.clone()).collect::<Vec<_>>();
            assert_eq!(messages(&findings), messages(&expected), "{len} findings");
        }
    }

    #[test]
    fn summarizes_plan_actions_and_addresses() {
        let plan = r#"{"format_version":"1.2","resource_changes":[
          {"address":"aws_db_instance.a","type":"aws_db_instance","name":"a","change":{"actions":["delete","create"]}},
          {"address":"aws_s3_bucket.b","type":"aws_s3_bucket","name":"b","change":{"actions":["delete"]}},
          {"address":"aws_s3_bucket.c","type":"aws_s3_bucket","name":"c","change":{"actions":["create"]}},
          {"address":"aws_s3_bucket.d","type":"aws_s3_bucket","name":"d","change":{"actions":["no-op"]}}
        ]}"#;
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("plan.json", plan)]);
        let r = review(&cs);
        assert_eq!(r.resources, 4);
        let p = r.changes.plan.expect("plan summary");
        assert_eq!(p.replaced, ["aws_db_instance.a"]);
        assert_eq!(p.destroyed, ["aws_s3_bucket.b"]);
        assert_eq!(p.actions.get("no-op"), Some(&1));
        assert_eq!(p.by_type["aws_s3_bucket"].get("delete"), Some(&1));
        assert!(!p.by_type["aws_s3_bucket"].contains_key("no-op"));
        let json = serde_json::to_value(review(&cs)).expect("ser");
        for key in ["findings", "changes", "resources", "errors", "risk"] {
            assert!(json.get(key).is_some(), "missing {key}");
        }
    }

    fn review_hcl(hcl: &str, config: &ReviewConfig) -> Review {
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", hcl)]);
        review_with(&cs, config)
    }

    #[test]
    fn inline_suppressions_mark_findings_and_missing_reasons_are_reported() {
        let hcl = r#"
# trivy:ignore:AVD-AWS-0090 write-once log bucket
resource "aws_s3_bucket" "trivy" {}

resource "aws_s3_bucket" "checkov" {
  #checkov:skip=CKV_AWS_21
}

resource "aws_s3_bucket" "open" {}
"#;
        let r = review_hcl(hcl, &ReviewConfig::default());
        let versioning: Vec<(&str, bool, Option<&str>)> = r
            .findings
            .iter()
            .filter(|f| f.rule_id == "RG-AWS-S3-004")
            .map(|f| {
                (
                    f.resource.as_deref().unwrap_or_default(),
                    f.suppressed,
                    f.suppression_reason.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            versioning,
            [
                ("aws_s3_bucket.trivy", true, Some("write-once log bucket")),
                ("aws_s3_bucket.checkov", true, Some("no reason given")),
                ("aws_s3_bucket.open", false, None),
            ]
        );
        let missing: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.rule_id == crate::suppress::MISSING_REASON_RULE)
            .collect();
        assert_eq!(missing.len(), 1);
        assert_eq!(
            (missing[0].severity, missing[0].line),
            (crate::finding::Severity::Low, Some(6))
        );
        // Suppressed findings do not raise the risk; the open bucket's do.
        let risk = r.risk.expect("risk");
        assert!(risk.score > 0);
    }

    #[test]
    fn configuration_filters_rules_severities_and_paths() {
        let hcl = "resource \"aws_s3_bucket\" \"b\" {}\n";
        let all = review_hcl(hcl, &ReviewConfig::default());
        assert!(all.findings.iter().any(|f| f.rule_id == "RG-AWS-S3-004"));
        let disabled = ReviewConfig {
            disabled_rules: vec!["ckv_aws_21".into()],
            ..ReviewConfig::default()
        };
        assert!(
            !review_hcl(hcl, &disabled)
                .findings
                .iter()
                .any(|f| f.rule_id == "RG-AWS-S3-004")
        );
        let threshold = ReviewConfig {
            severity_threshold: Some(crate::finding::Severity::Critical),
            ..ReviewConfig::default()
        };
        assert!(
            review_hcl(hcl, &threshold)
                .findings
                .iter()
                .all(|f| f.severity == crate::finding::Severity::Critical)
        );
        let excluded = ReviewConfig {
            exclude_paths: vec!["*.tf".into()],
            ..ReviewConfig::default()
        };
        assert!(review_hcl(hcl, &excluded).findings.is_empty());
    }
}

/// [`review_with_external`]: how plugin findings and failures join a review.
#[cfg(test)]
mod external_checks {
    use super::*;
    use crate::changeset::{Document, Origin};
    use crate::external::{ExternalError, ExternalFinding};
    use crate::finding::Severity;

    fn change_set() -> ChangeSet {
        ChangeSet::from_documents(
            Origin::Local,
            [Document::detect(
                "main.tf",
                "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n",
            )],
        )
    }

    fn tag_finding() -> ExternalFinding {
        ExternalFinding {
            rule_id: "TAGS-001".into(),
            severity: Severity::Critical,
            title: "Resources carry the owner tag".into(),
            message: "aws_s3_bucket.b has no `owner` tag".into(),
            resource: Some("aws_s3_bucket.b".into()),
            file: Some("main.tf".into()),
            line: Some(1),
            remediation: None,
        }
    }

    /// Reviews `cs` with one plugin's outcome merged in.
    fn review_with_plugin(
        cs: &ChangeSet,
        config: &ReviewConfig,
        plugin: &str,
        outcome: Result<Vec<ExternalFinding>, ExternalError>,
    ) -> Review {
        review_with_external(
            cs,
            config,
            &[ExternalResult {
                plugin: plugin.into(),
                outcome,
            }],
        )
    }

    #[test]
    fn plugin_findings_are_prefixed_and_scored() {
        let cs = change_set();
        let native = review(&cs);
        let merged = review_with_plugin(
            &cs,
            &ReviewConfig::default(),
            "required-tags",
            Ok(vec![tag_finding()]),
        );
        assert_eq!(merged.findings.len(), native.findings.len() + 1);
        // Critical sorts first.
        assert_eq!(merged.findings[0].rule_id, "required-tags/TAGS-001");
        assert!(merged.failed_checks.is_empty());
        let (risk, base) = (merged.risk.expect("risk"), native.risk.expect("risk"));
        assert!(risk.score > base.score);
        assert!(risk.confidence >= base.confidence);
    }

    #[test]
    fn a_failed_plugin_is_recorded_and_lowers_confidence() {
        let cs = change_set();
        let native = review(&cs);
        let merged = review_with_plugin(
            &cs,
            &ReviewConfig::default(),
            "spin",
            Err(ExternalError::new(FailureKind::CpuLimit, "fuel exhausted")),
        );
        assert_eq!(merged.findings, native.findings);
        assert_eq!(
            merged.failed_checks,
            [FailedCheck {
                plugin: "spin".into(),
                kind: FailureKind::CpuLimit,
                message: "fuel exhausted".into()
            }]
        );
        let confidence = merged.risk.as_ref().expect("risk").confidence;
        assert!(confidence < native.risk.as_ref().expect("risk").confidence);
        let json = serde_json::to_value(&merged).expect("ser");
        assert_eq!(json["failed_checks"][0]["kind"], "cpu-limit");
        // Absent when nothing failed: the documented shape only grows.
        assert!(
            serde_json::to_value(&native)
                .expect("ser")
                .get("failed_checks")
                .is_none()
        );
    }

    #[test]
    fn plugin_findings_follow_configuration_filters() {
        let cs = change_set();
        let config = ReviewConfig {
            disabled_rules: vec!["required-tags/TAGS-001".into()],
            ..ReviewConfig::default()
        };
        let merged = review_with_plugin(&cs, &config, "required-tags", Ok(vec![tag_finding()]));
        assert!(
            merged
                .findings
                .iter()
                .all(|f| !f.rule_id.starts_with("required-tags/"))
        );
    }
}

/// No input, however malformed, makes parsing or reviewing it panic.
#[cfg(test)]
mod robustness {
    use super::*;
    use crate::changeset::{Document, Origin};
    use crate::detect::InputKind;
    use proptest::prelude::*;

    const PLAN: &str = r#"{"format_version":"1.2","resource_changes":[{"address":"module.m[\"k\"].aws_s3_bucket.b[0]","type":"aws_s3_bucket","name":"b","change":{"actions":["delete","create"],"before":{"x":"\u00e9"},"after":{"x":1},"after_unknown":{"id":true},"after_sensitive":{"x":true},"replace_paths":[["x"]]}}],"configuration":{"root_module":{"resources":[{"address":"aws_s3_bucket.b","expressions":{"id":{"references":["var.a"]}}}]}}}"#;
    const HCL: &str = "variable \"v\" {\n  default = [1, \"two\", { three = 3 }]\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"${var.v}-x\"\n  policy = jsonencode({ a = [1] })\n  text = <<-EOT\n    hi\n  EOT\n  rule {\n    enabled = !false\n  }\n  dynamic \"x\" {\n    for_each = var.v\n    content {}\n  }\n}\n";
    const DIFF: &str = "diff --git a/a.tf b/a.tf\nindex 1..2 100644\n--- a/a.tf\n+++ b/a.tf\n@@ -1,2 +1,3 @@ x\n a\n-b\n+c\n+d\n\\ No newline at end of file\n";

    fn review_all(text: &str) {
        for kind in InputKind::ALL {
            let doc = Document {
                path: "fuzz".into(),
                kind: Some(kind),
                content: text.to_owned(),
            };
            let cs = ChangeSet::from_documents(Origin::Local, [doc]);
            // Reading every value exercises the deferred plan values too.
            for r in cs
                .plans
                .iter()
                .flat_map(|p| &p.resources)
                .chain(&cs.configuration.resources)
            {
                let _ = format!("{:?}", r.attributes);
                if let Some(before) = r.change.as_ref().and_then(|c| c.before.as_ref()) {
                    let _ = before.values();
                }
            }
            let _ = review(&cs);
        }
    }

    #[test]
    fn every_truncation_of_valid_inputs_is_handled() {
        for text in [PLAN, HCL, DIFF] {
            for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                review_all(&text[..end]);
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "(?s).{0,200}") {
            review_all(&text);
        }

        #[test]
        fn mutated_inputs_never_panic(base in 0usize..3, at in any::<prop::sample::Index>(), insert in "[{}\\[\\]\"=,:\\\\\n@+ -]{1,4}") {
            let text = [PLAN, HCL, DIFF][base];
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            review_all(&format!("{}{}{}", &text[..at], insert, &text[at..]));
        }
    }
}
