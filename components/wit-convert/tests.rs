//! Core → WIT → core gives back what went in, for every record and enum value.
//! These run in every crate that includes the conversions and is tested natively,
//! so against the generated types of that crate's bindings generator.

use std::collections::BTreeMap;
use std::sync::Arc;

use reviewgate_core::resource::ProvenanceLink;
use reviewgate_core::review::{
    ChangeSummary, ConfigurationSummary, DiffSummary, PlanSummary, RiskFactor,
};
use reviewgate_core::rules::Undetermined;
use reviewgate_core::{
    Document, ExternalError, ExternalFinding, ExternalResult, FailedCheck, FailureKind, Finding,
    InputError, InputKind, Review, Risk, RiskLevel, Severity, UnevaluatedModule,
};

use super::wit;

const FAILURE_KINDS: [FailureKind; 7] = [
    FailureKind::Load,
    FailureKind::CpuLimit,
    FailureKind::MemoryLimit,
    FailureKind::Trap,
    FailureKind::OutputLimit,
    FailureKind::MalformedOutput,
    FailureKind::PluginError,
];

/// One finding per severity; the critical one is suppressed with a reason, and
/// every optional field is set on some and absent on others.
fn findings() -> Vec<Finding> {
    let frameworks: BTreeMap<String, Vec<String>> = [
        ("cis-aws-1.4".to_owned(), vec!["2.1.1".to_owned()]),
        (
            "soc2".to_owned(),
            vec!["CC6.1".to_owned(), "CC6.6".to_owned()],
        ),
    ]
    .into();
    let frameworks = Arc::new(frameworks);
    Severity::ALL
        .into_iter()
        .enumerate()
        .map(|(i, severity)| {
            let n = i as u32 + 1;
            let located = i % 2 == 0;
            Finding {
                rule_id: format!("RG-TEST-00{n}").into(),
                aliases: vec![format!("AVD-TEST-{n}"), format!("CKV_TEST_{n}")].into(),
                severity,
                title: format!("rule {n}").into(),
                message: format!("problem {n}"),
                resource: located.then(|| format!("aws_s3_bucket.b{n}")),
                file: located.then(|| "main.tf".to_owned()),
                line: located.then_some(n * 10),
                end_line: located.then_some(n * 10 + 3),
                remediation: located.then(|| "fix it".into()),
                frameworks: if located {
                    frameworks.clone()
                } else {
                    Arc::default()
                },
                suppressed: severity == Severity::Critical,
                suppression_reason: (severity == Severity::Critical)
                    .then(|| "accepted risk".to_owned()),
                suppressed_at: (severity == Severity::Critical).then(|| {
                    Box::new(ProvenanceLink {
                        file: "terraform.tfvars".to_owned(),
                        line: Some(2),
                        name: "var.encrypted".to_owned(),
                        suppressions: Vec::new(),
                    })
                }),
                provenance: if located {
                    vec![
                        ProvenanceLink {
                            file: "--var".to_owned(),
                            line: None,
                            name: "var.encrypted".to_owned(),
                            suppressions: Vec::new(),
                        },
                        ProvenanceLink {
                            file: "main.tf".to_owned(),
                            line: Some(n * 10),
                            name: format!("aws_s3_bucket.b{n}.encrypted"),
                            suppressions: Vec::new(),
                        },
                    ]
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

fn review() -> Review {
    Review {
        findings: findings(),
        changes: ChangeSummary {
            plan: Some(PlanSummary {
                actions: [("create".to_owned(), 2), ("delete".to_owned(), 1)].into(),
                by_type: [(
                    "aws_s3_bucket".to_owned(),
                    [("create".to_owned(), 2)].into(),
                )]
                .into(),
                replaced: vec!["aws_instance.web".to_owned()],
                destroyed: vec!["aws_db_instance.main".to_owned()],
                incomplete: true,
            }),
            diff: Some(DiffSummary {
                files: 3,
                by_status: [("modified".to_owned(), 3)].into(),
                binary: 1,
                terraform_files: 2,
                lines_added: 40,
                lines_removed: 7,
            }),
            configuration: Some(ConfigurationSummary {
                files: 2,
                managed_resources: 5,
                data_sources: 1,
                module_calls: 1,
                variables: 4,
            }),
        },
        resources: 42,
        errors: InputKind::ALL
            .into_iter()
            .map(Some)
            .chain([None])
            .enumerate()
            .map(|(i, kind)| InputError {
                file: format!("input-{i}"),
                line: kind.is_some().then_some(i + 1),
                column: kind.is_some().then_some(2 * i + 1),
                kind,
                message: format!("unreadable {i}"),
            })
            .collect(),
        undetermined: vec![
            Undetermined {
                rule_id: "RG-AWS-S3-001".to_owned(),
                resource: "aws_s3_bucket.logs".to_owned(),
                file: "plan.json".to_owned(),
                line: None,
                reason: "acl is known only after apply".to_owned(),
                cause: "known only after apply".to_owned(),
            },
            Undetermined {
                rule_id: "RG-AWS-EC2-002".to_owned(),
                resource: "aws_instance.web".to_owned(),
                file: "main.tf".to_owned(),
                line: Some(12),
                reason: "ami is known only after apply".to_owned(),
                cause: "known only after apply".to_owned(),
            },
        ],
        not_evaluated: vec![UnevaluatedModule {
            module: "module.app.module.db".to_owned(),
            source: Some("terraform-aws-modules/rds/aws".to_owned()),
            version: Some("~> 6.0".to_owned()),
            file: "app/main.tf".to_owned(),
            line: Some(3),
            reason: "its files are not among the reviewed files".to_owned(),
        }],
        risk: Some(Risk {
            score: 87,
            level: RiskLevel::Critical,
            confidence: 0.75,
            factors: vec![
                RiskFactor {
                    name: "critical-findings".to_owned(),
                    contribution: 60.0,
                },
                RiskFactor {
                    name: "stateful-destroy".to_owned(),
                    contribution: 27.5,
                },
            ],
        }),
        failed_checks: FAILURE_KINDS
            .into_iter()
            .map(|kind| FailedCheck {
                plugin: format!("plugin-{}", kind.as_str()),
                kind,
                message: format!("failed: {}", kind.as_str()),
            })
            .collect(),
    }
}

fn round_trip<T, W>(value: T) -> T
where
    T: Into<W> + From<W>,
{
    T::from(value.into())
}

#[test]
fn a_review_round_trips() {
    let empty = Review {
        findings: Vec::new(),
        changes: ChangeSummary::default(),
        resources: 0,
        errors: Vec::new(),
        undetermined: Vec::new(),
        not_evaluated: Vec::new(),
        risk: None,
        failed_checks: Vec::new(),
    };
    for review in [review(), empty] {
        let wit: wit::Review = review.clone().into();
        assert_eq!(Review::try_from(wit).expect("a review's own JSON"), review);
    }
}

#[test]
fn every_enum_value_round_trips() {
    for severity in Severity::ALL {
        assert_eq!(round_trip::<_, wit::Severity>(severity), severity);
    }
    for kind in InputKind::ALL {
        assert_eq!(round_trip::<_, wit::InputKind>(kind), kind);
    }
    for level in [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::Critical,
    ] {
        assert_eq!(round_trip::<_, wit::RiskLevel>(level), level);
        let risk = Risk {
            score: 10,
            level,
            confidence: 1.0,
            factors: Vec::new(),
        };
        assert_eq!(round_trip::<_, wit::Risk>(risk.clone()), risk);
    }
}

#[test]
fn requests_round_trip() {
    for kind in InputKind::ALL.into_iter().map(Some).chain([None]) {
        let document = Document {
            path: "main.tf".to_owned(),
            kind,
            content: "resource \"aws_s3_bucket\" \"b\" {}\n".to_owned(),
        };
        assert_eq!(round_trip::<_, wit::Document>(document.clone()), document);
    }
    for finding in findings() {
        assert_eq!(round_trip::<_, wit::Finding>(finding.clone()), finding);
    }
    let plugin_findings: Vec<ExternalFinding> = Severity::ALL
        .into_iter()
        .map(|severity| ExternalFinding {
            rule_id: format!("TAGS-{}", severity.as_str()),
            severity,
            title: "tags".to_owned(),
            message: "missing tag".to_owned(),
            resource: (severity > Severity::Low).then(|| "aws_s3_bucket.b".to_owned()),
            file: Some("main.tf".to_owned()),
            line: Some(3),
            remediation: (severity == Severity::High).then(|| "add it".to_owned()),
        })
        .collect();
    let results = FAILURE_KINDS
        .into_iter()
        .map(|kind| ExternalResult {
            plugin: "failing".to_owned(),
            outcome: Err(ExternalError::new(kind, "it broke")),
        })
        .chain([
            ExternalResult {
                plugin: "tags".to_owned(),
                outcome: Ok(plugin_findings),
            },
            ExternalResult {
                plugin: "quiet".to_owned(),
                outcome: Ok(Vec::new()),
            },
        ]);
    for result in results {
        assert_eq!(round_trip::<_, wit::ExternalResult>(result.clone()), result);
    }
}

#[test]
fn the_rule_catalog_round_trips() {
    for rule in reviewgate_core::rules::catalog() {
        assert_eq!(round_trip::<_, wit::RuleInfo>(rule.clone()), rule);
    }
}

#[test]
fn a_failure_kind_from_a_newer_peer_is_still_a_plugin_failure() {
    let check = FailedCheck::from(wit::FailedCheck {
        plugin: "p".to_owned(),
        kind: "gpu-limit".to_owned(),
        message: "used the GPU".to_owned(),
    });
    assert_eq!(check.kind, FailureKind::PluginError);
    assert_eq!(check.message, "used the GPU");
}

#[test]
fn a_review_with_an_unreadable_change_summary_is_an_error() {
    let mut wit: wit::Review = review().into();
    wit.changes_json = "{\"plan\": 3}".to_owned();
    assert!(Review::try_from(wit).is_err());
}
