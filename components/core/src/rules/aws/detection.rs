//! Threat detection and audit signals: GuardDuty detectors and their protection
//! plans, Security Hub, IAM Access Analyzer archive rules, CloudWatch log retention,
//! alarms and log resource policies, and what CloudTrail trails record.
//!
//! Every rule judges a resource present in the change: a detector that is switched
//! off, a trail that skips events. None fires because something is missing from the
//! change as a whole, since a repository only ever holds part of an account.

use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{configured, contains_string, known_blocks, lookup};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::ValueMap;

use super::iam::report;

const DETECTOR: &str = "aws_guardduty_detector";
const DETECTOR_FEATURE: &str = "aws_guardduty_detector_feature";
const TRAIL: &str = "aws_cloudtrail";
const LOG_GROUP: &str = "aws_cloudwatch_log_group";
const ALARM: &str = "aws_cloudwatch_metric_alarm";

const THREAT_DETECTION: &[(&str, &[&str])] = &[
    ("soc2", &["CC7.2"]),
    ("pci-dss-4.0", &["11.5.1"]),
    ("nist-800-53-r5", &["SI-4"]),
    ("nist-csf-2.0", &["DE.CM-01", "DE.CM-09"]),
];

const AUDIT_EVENTS: &[(&str, &[&str])] = &[
    ("soc2", &["CC7.2"]),
    ("pci-dss-4.0", &["10.2.1"]),
    ("nist-800-53-r5", &["AU-2", "AU-12"]),
    ("nist-csf-2.0", &["DE.CM-09"]),
];

/// The log group retention periods CloudWatch Logs accepts, in days.
const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// One year: PCI DSS 4.0 10.5.1 asks for twelve months of audit log history.
const MIN_RETENTION_DAYS: f64 = 365.0;

/// A GuardDuty protection plan: its detector feature name and, for the plans that
/// predate features, its path in the detector's `datasources` block.
struct Protection {
    feature: &'static [&'static str],
    datasource: Option<&'static str>,
    what: &'static str,
}

const S3_PROTECTION: Protection = Protection {
    feature: &["S3_DATA_EVENTS"],
    datasource: Some("datasources.0.s3_logs.0.enable"),
    what: "S3 Protection",
};
const EKS_PROTECTION: Protection = Protection {
    feature: &["EKS_AUDIT_LOGS"],
    datasource: Some("datasources.0.kubernetes.0.audit_logs.0.enable"),
    what: "EKS Protection (Kubernetes audit logs)",
};
const MALWARE_PROTECTION: Protection = Protection {
    feature: &["EBS_MALWARE_PROTECTION"],
    datasource: Some(
        "datasources.0.malware_protection.0.scan_ec2_instance_with_findings.0.ebs_volumes.0.enable",
    ),
    what: "Malware Protection for EC2",
};
const RDS_PROTECTION: Protection = Protection {
    feature: &["RDS_LOGIN_EVENTS"],
    datasource: None,
    what: "RDS Protection",
};
const LAMBDA_PROTECTION: Protection = Protection {
    feature: &["LAMBDA_NETWORK_LOGS"],
    datasource: None,
    what: "Lambda Protection",
};
const RUNTIME_MONITORING: Protection = Protection {
    feature: &["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"],
    datasource: None,
    what: "Runtime Monitoring",
};

macro_rules! protection_rule {
    ($id:literal, $title:literal, $description:literal, $check:ident) => {
        ResourceRule {
            meta: RuleMeta {
                id: $id,
                title: $title,
                severity: Severity::Medium,
                description: $description,
                remediation: "Remove the setting that disables the protection plan (or set it to enabled): `datasources` `enable = true` on the `aws_guardduty_detector`, `status = \"ENABLED\"` on the `aws_guardduty_detector_feature`.",
                aliases: &[],
                frameworks: THREAT_DETECTION,
                resource_types: &[DETECTOR, DETECTOR_FEATURE],
            },
            check: $check,
        }
    };
}

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-GD-001",
            title: "GuardDuty detector is suspended",
            severity: Severity::High,
            description: "A detector with `enable = false` is suspended: GuardDuty stops analysing CloudTrail, VPC flow and DNS logs and produces no findings, while the detector still looks configured. The provider default is `true`.",
            remediation: "Remove `enable = false` from the `aws_guardduty_detector` (or set it to `true`).",
            aliases: &["CKV_AWS_238"],
            frameworks: THREAT_DETECTION,
            resource_types: &[DETECTOR],
        },
        check: check_detector_enabled,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-GD-002",
            title: "GuardDuty exports updated findings only every six hours",
            severity: Severity::Low,
            description: "`finding_publishing_frequency` decides how often GuardDuty sends updates of an existing finding (repeated activity of an ongoing attack) to EventBridge and Security Hub; the default is `SIX_HOURS`, so responders hear about an escalating incident hours late. New findings are sent within minutes whatever the setting. Member accounts inherit the administrator account's value.",
            remediation: "Set `finding_publishing_frequency = \"FIFTEEN_MINUTES\"` on the `aws_guardduty_detector` (in the administrator account).",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC7.3"]),
                ("nist-800-53-r5", &["SI-4", "IR-4"]),
                ("nist-csf-2.0", &["DE.AE-06"]),
            ],
            resource_types: &[DETECTOR],
        },
        check: check_publishing_frequency,
    },
    protection_rule!(
        "RG-AWS-GD-003",
        "GuardDuty S3 Protection is disabled",
        "S3 Protection analyses S3 data events to detect data exfiltration and suspicious access to buckets (anonymous reads, access from Tor, disabled logging). Reported when the detector's `datasources.s3_logs.enable` is `false` or an `aws_guardduty_detector_feature` sets `S3_DATA_EVENTS` to `DISABLED`.",
        check_s3_protection
    ),
    protection_rule!(
        "RG-AWS-GD-004",
        "GuardDuty EKS Protection is disabled",
        "EKS Protection analyses Kubernetes audit logs to detect anonymous API access, privileged containers and credential theft inside EKS clusters. Reported when `datasources.kubernetes.audit_logs.enable` is `false` or the `EKS_AUDIT_LOGS` feature is `DISABLED`.",
        check_eks_protection
    ),
    protection_rule!(
        "RG-AWS-GD-005",
        "GuardDuty Malware Protection for EC2 is disabled",
        "Malware Protection scans the EBS volumes of instances and containers that GuardDuty suspects, so a finding comes with the malware behind it. Reported when `datasources.malware_protection.scan_ec2_instance_with_findings.ebs_volumes.enable` is `false` or the `EBS_MALWARE_PROTECTION` feature is `DISABLED`.",
        check_malware_protection
    ),
    protection_rule!(
        "RG-AWS-GD-006",
        "GuardDuty RDS Protection is disabled",
        "RDS Protection analyses Aurora and RDS login activity to detect brute-force attempts and logins from unusual places. Reported when the `RDS_LOGIN_EVENTS` feature is `DISABLED`.",
        check_rds_protection
    ),
    protection_rule!(
        "RG-AWS-GD-007",
        "GuardDuty Lambda Protection is disabled",
        "Lambda Protection analyses the network activity of Lambda functions to detect, for example, a compromised function mining cryptocurrency or talking to a command-and-control server. Reported when the `LAMBDA_NETWORK_LOGS` feature is `DISABLED`.",
        check_lambda_protection
    ),
    protection_rule!(
        "RG-AWS-GD-008",
        "GuardDuty Runtime Monitoring is disabled",
        "Runtime Monitoring watches process, file and network events on EKS, ECS and EC2 workloads to detect threats that logs do not show (reverse shells, privilege escalation inside a container). Reported when the `RUNTIME_MONITORING` (or `EKS_RUNTIME_MONITORING`) feature is `DISABLED`.",
        check_runtime_monitoring
    ),
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-GD-009",
            title: "GuardDuty is not enabled automatically for organization accounts",
            severity: Severity::Medium,
            description: "With `auto_enable_organization_members = \"NONE\"` the delegated administrator does not turn GuardDuty on in new (or existing) member accounts, so an account created later runs without threat detection until someone notices.",
            remediation: "Set `auto_enable_organization_members = \"ALL\"` (or `\"NEW\"`) on the `aws_guardduty_organization_configuration`.",
            aliases: &[],
            frameworks: THREAT_DETECTION,
            resource_types: &["aws_guardduty_organization_configuration"],
        },
        check: check_organization_auto_enable,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SH-001",
            title: "Security Hub is enabled without its default standards",
            severity: Severity::Low,
            description: "With `enable_default_standards = false`, Security Hub is enabled but runs none of the AWS Foundational Security Best Practices or CIS checks, so it only aggregates findings from other services. The provider default is `true`.",
            remediation: "Remove `enable_default_standards = false`, or subscribe to standards with `aws_securityhub_standards_subscription`.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC7.1"]),
                ("nist-800-53-r5", &["CA-7", "RA-5"]),
                ("nist-csf-2.0", &["ID.RA-01"]),
            ],
            resource_types: &["aws_securityhub_account"],
        },
        check: check_default_standards,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SH-002",
            title: "Security Hub does not enable new controls automatically",
            severity: Severity::Low,
            description: "With `auto_enable_controls = false`, controls that AWS adds to the enabled standards stay off, so checks for new services and new attack techniques never run. The provider default is `true`.",
            remediation: "Remove `auto_enable_controls = false` from the `aws_securityhub_account`.",
            aliases: &[],
            frameworks: &[("soc2", &["CC7.1"]), ("nist-800-53-r5", &["CA-7"])],
            resource_types: &["aws_securityhub_account"],
        },
        check: check_auto_enable_controls,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SH-003",
            title: "Security Hub is not enabled automatically for new organization accounts",
            severity: Severity::Medium,
            description: "With local configuration (the default `configuration_type`), `auto_enable = false` leaves Security Hub off in accounts that join the organization, so their misconfigurations never reach the administrator. Central configuration manages accounts through policies instead and is not reported.",
            remediation: "Set `auto_enable = true` on the `aws_securityhub_organization_configuration`, or use central configuration with a configuration policy.",
            aliases: &[],
            frameworks: &[("soc2", &["CC7.1"]), ("nist-800-53-r5", &["CA-7"])],
            resource_types: &["aws_securityhub_organization_configuration"],
        },
        check: check_securityhub_org_auto_enable,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-AA-001",
            title: "IAM Access Analyzer archive rule hides public access findings",
            severity: Severity::Medium,
            description: "An archive rule archives matching findings automatically, now and in the future. A rule that matches `isPublic = true` hides exactly the findings Access Analyzer exists for: resources shared with anyone on the internet.",
            remediation: "Remove the `isPublic` filter from the `aws_accessanalyzer_archive_rule`, and archive intended public resources individually by resource ARN.",
            aliases: &[],
            frameworks: &[("soc2", &["CC7.2"]), ("nist-800-53-r5", &["AC-3", "SI-4"])],
            resource_types: &["aws_accessanalyzer_archive_rule"],
        },
        check: check_archive_public_findings,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CW-002",
            title: "CloudWatch log group keeps logs for less than a year",
            severity: Severity::Low,
            description: "Incidents are often discovered months after they start; logs deleted before then cannot show how an attacker got in. PCI DSS asks for twelve months of audit history. Without `retention_in_days` (or with 0) logs never expire, which passes.",
            remediation: "Set `retention_in_days = 365` or more (for example 400 or 731) on the `aws_cloudwatch_log_group`, or export older logs to S3 before they expire.",
            aliases: &[],
            frameworks: &[
                ("pci-dss-4.0", &["10.5.1"]),
                ("soc2", &["CC7.2"]),
                ("nist-800-53-r5", &["AU-11"]),
                ("nist-csf-2.0", &["PR.PS-04"]),
            ],
            resource_types: &[LOG_GROUP],
        },
        check: check_log_retention,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CW-003",
            title: "CloudWatch log group retention is not a value CloudWatch Logs accepts",
            severity: Severity::Low,
            description: "CloudWatch Logs accepts only 0 (never expire) and 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days; any other `retention_in_days` makes the apply fail, leaving the log group without the retention intended.",
            remediation: "Set `retention_in_days` to one of the accepted values.",
            aliases: &[],
            frameworks: &[("nist-800-53-r5", &["AU-11"])],
            resource_types: &[LOG_GROUP],
        },
        check: check_log_retention_value,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CW-004",
            title: "CloudWatch alarm has its actions disabled",
            severity: Severity::Low,
            description: "With `actions_enabled = false` an alarm changes state but notifies nobody and triggers nothing, while it looks like monitoring is in place. The provider default is `true`.",
            remediation: "Remove `actions_enabled = false` from the alarm.",
            aliases: &["CKV_AWS_319"],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("nist-800-53-r5", &["SI-4"]),
                ("nist-csf-2.0", &["DE.AE-06"]),
            ],
            resource_types: &[ALARM, "aws_cloudwatch_composite_alarm"],
        },
        check: check_alarm_actions_enabled,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CW-005",
            title: "CloudWatch alarm has no alarm action",
            severity: Severity::Low,
            description: "An alarm without `alarm_actions` only changes colour on a dashboard: no SNS topic, scaling policy or automation hears about it. Alarms that feed a composite alarm in the change are not reported, since the composite alarm notifies.",
            remediation: "Set `alarm_actions` to an SNS topic (or another action) that reaches the people or automation responsible.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("nist-800-53-r5", &["SI-4"]),
                ("nist-csf-2.0", &["DE.AE-06"]),
            ],
            resource_types: &[ALARM],
        },
        check: check_alarm_has_actions,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CW-006",
            title: "CloudWatch Logs resource policy allows any principal",
            severity: Severity::High,
            description: "A CloudWatch Logs resource policy (or log destination policy) statement that allows principal `*` with no condition that pins the caller down (`aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`, …) lets any AWS account write into the account's log groups, or subscribe its logs to the destination: forged log lines and log flooding.",
            remediation: "Name the service principals (`delivery.logs.amazonaws.com`, …) or accounts allowed, and add an `aws:SourceAccount` or `aws:SourceArn` condition.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AU-9", "AC-3"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[
                "aws_cloudwatch_log_resource_policy",
                "aws_cloudwatch_log_destination_policy",
            ],
        },
        check: check_log_policy_open,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-007",
            title: "CloudTrail trail is not logging",
            severity: Severity::High,
            description: "With `enable_logging = false` the trail exists but records nothing: every API call from then on is invisible to investigators. Stopping a trail is a classic step of an attacker covering their tracks. The provider default is `true`.",
            remediation: "Remove `enable_logging = false` from the `aws_cloudtrail` (or set it to `true`).",
            aliases: &["CKV_AWS_251"],
            frameworks: &[
                ("cis-aws-3.0", &["3.1"]),
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.2.1"]),
                ("hipaa", &["164.312(b)"]),
                ("nist-800-53-r5", &["AU-2", "AU-12"]),
                ("nist-csf-2.0", &["DE.CM-09"]),
            ],
            resource_types: &[TRAIL],
        },
        check: check_trail_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-008",
            title: "CloudTrail trail does not record management events",
            severity: Severity::Medium,
            description: "Management events (IAM changes, security group edits, console sign-ins) are the core of an audit trail. A trail records them by default, but not when every `event_selector` sets `include_management_events = false`, or when `advanced_event_selector` blocks select no `Management` event category.",
            remediation: "Set `include_management_events = true` on an `event_selector`, or add an `advanced_event_selector` with `field_selector { field = \"eventCategory\" equals = [\"Management\"] }`.",
            aliases: &[],
            frameworks: AUDIT_EVENTS,
            resource_types: &[TRAIL],
        },
        check: check_management_events,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-009",
            title: "CloudTrail trail records only read or only write management events",
            severity: Severity::Medium,
            description: "An `event_selector` with `read_write_type = \"WriteOnly\"` drops every read (who listed the secrets, who described the instances: reconnaissance), and `ReadOnly` drops every change. The default is `All`. Reported when no selector that includes management events records both.",
            remediation: "Set `read_write_type = \"All\"` on the `event_selector` that includes management events.",
            aliases: &[],
            frameworks: AUDIT_EVENTS,
            resource_types: &[TRAIL],
        },
        check: check_read_write_type,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-010",
            title: "CloudTrail trail does not record S3 object-level events",
            severity: Severity::Low,
            description: "Management events do not show who read, wrote or deleted objects in S3; only data events for `AWS::S3::Object` do, and CIS AWS Foundations 3.0 asks for them (read and write) on every bucket. Reported for a trail with neither an `event_selector` `data_resource` of type `AWS::S3::Object` nor an `advanced_event_selector` for `AWS::S3::Object` data events. A trail dedicated to other events may be accepted through a suppression.",
            remediation: "Add `event_selector { data_resource { type = \"AWS::S3::Object\" values = [\"arn:aws:s3\"] } }` (or an advanced event selector for `AWS::S3::Object`) to the trail.",
            aliases: &[],
            frameworks: &[
                ("cis-aws-3.0", &["3.8", "3.9"]),
                ("pci-dss-4.0", &["10.2.1"]),
                ("nist-800-53-r5", &["AU-2", "AU-12"]),
                ("nist-csf-2.0", &["DE.CM-09"]),
            ],
            resource_types: &[TRAIL],
        },
        check: check_s3_data_events,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-011",
            title: "CloudTrail Insights is not enabled on the trail",
            severity: Severity::Low,
            description: "CloudTrail Insights learns the usual rate of write API calls and errors and flags unusual bursts, such as a stolen key deleting resources or probing permissions. A trail has no `insight_selector` unless one is added.",
            remediation: "Add `insight_selector { insight_type = \"ApiCallRateInsight\" }` (and `ApiErrorRateInsight`) to the `aws_cloudtrail`.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("nist-800-53-r5", &["SI-4"]),
                ("nist-csf-2.0", &["DE.AE-02"]),
            ],
            resource_types: &[TRAIL],
        },
        check: check_insights,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CT-012",
            title: "CloudTrail trail excludes global service events",
            severity: Severity::Medium,
            description: "IAM, STS and CloudFront are global services whose events are delivered to trails that include global service events; with `include_global_service_events = false` the trail misses user, role and policy changes. The provider default is `true` (and multi-Region trails require it).",
            remediation: "Remove `include_global_service_events = false` from the `aws_cloudtrail`.",
            aliases: &[],
            frameworks: AUDIT_EVENTS,
            resource_types: &[TRAIL],
        },
        check: check_global_service_events,
    },
];

// ----- shared readers ---------------------------------------------------------------

/// A boolean that must not be `false`; `true` by default.
fn refuse_false(resource: &Resource, out: &mut Verdicts, attribute: &str, problem: &str) {
    match Tri::bool(lookup(&resource.attributes, attribute)) {
        Tri::Known(false) => out.fail(format!("`{}` {problem}", resource.address), Some(attribute)),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

// ----- GuardDuty --------------------------------------------------------------------

fn check_detector_enabled(detector: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    refuse_false(detector, out, "enable", "is suspended (`enable = false`)");
}

fn check_publishing_frequency(detector: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "finding_publishing_frequency";
    // Optional and computed: a plan shows it unset as known after apply.
    match Tri::str(configured(detector.attributes.get(attribute))).or_default_value("SIX_HOURS") {
        Tri::Known(frequency) if frequency.eq_ignore_ascii_case("SIX_HOURS") => out.fail(
            format!(
                "detector `{}` publishes finding updates only every six hours",
                detector.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

/// A protection plan is disabled on a detector (its legacy `datasources` flag is
/// `false`) or by a detector feature (its `status` is `DISABLED`).
fn check_protection(resource: &Resource, out: &mut Verdicts, protection: &Protection) {
    if resource.resource_type() == DETECTOR_FEATURE {
        let named = match Tri::str(resource.attributes.get("name")) {
            Tri::Known(name) => Tri::Known(
                protection
                    .feature
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(name)),
            ),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Known(false),
        };
        let disabled = match Tri::str(resource.attributes.get("status")) {
            Tri::Known(status) => Tri::Known(status.eq_ignore_ascii_case("DISABLED")),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Known(false),
        };
        match named.and(|| disabled) {
            Tri::Known(true) => out.fail(
                format!(
                    "`{}` disables GuardDuty {}",
                    resource.address, protection.what
                ),
                Some("status"),
            ),
            Tri::Unknown => {
                out.cannot_tell("the feature's `name` or `status` is not known statically")
            }
            _ => {}
        }
        return;
    }
    if let Some(path) = protection.datasource {
        match Tri::bool(lookup(&resource.attributes, path)) {
            Tri::Known(false) => out.fail(
                format!(
                    "detector `{}` disables GuardDuty {}",
                    resource.address, protection.what
                ),
                Some(path),
            ),
            Tri::Unknown => out.cannot_tell(format!("`{path}` is not known statically")),
            _ => {}
        }
    }
}

fn check_s3_protection(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_protection(resource, out, &S3_PROTECTION);
}

fn check_eks_protection(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_protection(resource, out, &EKS_PROTECTION);
}

fn check_malware_protection(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_protection(resource, out, &MALWARE_PROTECTION);
}

fn check_rds_protection(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_protection(resource, out, &RDS_PROTECTION);
}

fn check_lambda_protection(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_protection(resource, out, &LAMBDA_PROTECTION);
}

fn check_runtime_monitoring(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_protection(resource, out, &RUNTIME_MONITORING);
}

/// `auto_enable_organization_members` (`ALL`, `NEW`, `NONE`); the deprecated
/// `auto_enable = false` means the same as `NONE`.
fn check_organization_auto_enable(config: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "auto_enable_organization_members";
    match Tri::str(configured(config.attributes.get(attribute))) {
        Tri::Known(mode) if mode.eq_ignore_ascii_case("NONE") => out.fail(
            format!(
                "`{}` does not enable GuardDuty in member accounts",
                config.address
            ),
            Some(attribute),
        ),
        Tri::Known(_) => {}
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        Tri::Missing => refuse_false(
            config,
            out,
            "auto_enable",
            "does not enable GuardDuty in new member accounts",
        ),
    }
}

// ----- Security Hub and Access Analyzer -----------------------------------------------

fn check_default_standards(account: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    refuse_false(
        account,
        out,
        "enable_default_standards",
        "enables Security Hub without its default standards",
    );
}

fn check_auto_enable_controls(account: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    refuse_false(
        account,
        out,
        "auto_enable_controls",
        "does not enable new Security Hub controls automatically",
    );
}

fn check_securityhub_org_auto_enable(config: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let central = match Tri::str(lookup(
        &config.attributes,
        "organization_configuration.0.configuration_type",
    )) {
        Tri::Known(kind) => Tri::Known(kind.eq_ignore_ascii_case("CENTRAL")),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    };
    match (central, Tri::bool(config.attributes.get("auto_enable"))) {
        (Tri::Known(true), _) | (_, Tri::Known(true)) => {}
        (Tri::Known(false), Tri::Known(false) | Tri::Missing) => out.fail(
            format!(
                "`{}` does not enable Security Hub in new member accounts",
                config.address
            ),
            Some("auto_enable"),
        ),
        _ => out.cannot_tell("`auto_enable` or the configuration type is not known statically"),
    }
}

/// A `filter` with `criteria = "isPublic"` that matches `true`.
fn check_archive_public_findings(rule: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(filters) = known_blocks(rule.attributes.get("filter")) else {
        out.cannot_tell("the archive rule's filters are not known statically");
        return;
    };
    let mut unknown = false;
    for filter in filters {
        let on_public = match Tri::str(filter.get("criteria")) {
            Tri::Known(criteria) => criteria.eq_ignore_ascii_case("isPublic"),
            Tri::Unknown => {
                unknown = true;
                continue;
            }
            Tri::Missing => false,
        };
        if !on_public {
            continue;
        }
        match contains_string(filter.get("eq"), |v| v.eq_ignore_ascii_case("true")) {
            Tri::Known(true) => {
                out.fail(
                    format!(
                        "archive rule `{}` archives every finding of public access",
                        rule.address
                    ),
                    Some("filter"),
                );
                return;
            }
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        out.cannot_tell("a filter of the archive rule is not known statically");
    }
}

// ----- CloudWatch ---------------------------------------------------------------------

fn check_log_retention(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "retention_in_days";
    match Tri::number(group.attributes.get(attribute)) {
        Tri::Known(days) if days > 0.0 && days < MIN_RETENTION_DAYS => out.fail(
            format!(
                "log group `{}` deletes its logs after {days} days (at least {MIN_RETENTION_DAYS} wanted)",
                group.address
            ),
            Some(attribute),
        ),
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        _ => {}
    }
}

fn check_log_retention_value(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = "retention_in_days";
    match Tri::number(group.attributes.get(attribute)) {
        Tri::Known(days) => {
            let accepted = days == 0.0
                || (days.fract() == 0.0 && RETENTION_DAYS.iter().any(|&d| f64::from(d) == days));
            if !accepted {
                out.fail(
                    format!(
                        "log group `{}` asks for {days} days of retention, which CloudWatch Logs does not accept",
                        group.address
                    ),
                    Some(attribute),
                );
            }
        }
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is not known statically")),
        Tri::Missing => {}
    }
}

fn check_alarm_actions_enabled(alarm: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    refuse_false(
        alarm,
        out,
        "actions_enabled",
        "has its alarm actions disabled",
    );
}

fn check_alarm_has_actions(alarm: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let actions = match Tri::list(alarm.attributes.get("alarm_actions")) {
        Tri::Known(actions) => Tri::Known(!actions.is_empty()),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    };
    match actions {
        Tri::Known(true) => return,
        Tri::Unknown => {
            out.cannot_tell("`alarm_actions` is not known statically");
            return;
        }
        _ => {}
    }
    let composites = ctx.referencing(alarm, "aws_cloudwatch_composite_alarm", "alarm_rule");
    if !composites.definite.is_empty() {
        return;
    }
    if composites.unresolved {
        out.cannot_tell("whether a composite alarm uses this alarm is not known statically");
        return;
    }
    out.fail(
        format!(
            "alarm `{}` has no `alarm_actions`: it notifies nobody",
            alarm.address
        ),
        Some("alarm_actions"),
    );
}

fn check_log_policy_open(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = if resource.resource_type() == "aws_cloudwatch_log_destination_policy" {
        "access_policy"
    } else {
        "policy_document"
    };
    report(
        resource,
        ctx,
        out,
        vec![(attribute.to_owned(), resource.attributes.get(attribute))],
        |document| document.find_public_grant(),
        |what| format!("policy of `{}` {what}", resource.address),
    );
}

// ----- CloudTrail ---------------------------------------------------------------------

fn check_trail_logging(trail: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    refuse_false(
        trail,
        out,
        "enable_logging",
        "is not logging (`enable_logging = false`)",
    );
}

fn check_global_service_events(trail: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    refuse_false(
        trail,
        out,
        "include_global_service_events",
        "does not record IAM, STS and other global service events",
    );
}

/// A trail's `event_selector` and `advanced_event_selector` bodies.
type Selectors<'a> = (Vec<&'a ValueMap>, Vec<&'a ValueMap>);

/// The trail's selectors, or `None` when either kind is not known statically (a
/// `dynamic` block).
fn selectors(trail: &Resource) -> Option<Selectors<'_>> {
    Some((
        known_blocks(trail.attributes.get("event_selector"))?,
        known_blocks(trail.attributes.get("advanced_event_selector"))?,
    ))
}

/// Whether a field selector of an advanced selector has `field` equal to one of `wanted`.
fn advanced_field_is(selector: &ValueMap, field: &str, wanted: &str) -> Tri<bool> {
    let Some(fields) = known_blocks(selector.get("field_selector")) else {
        return Tri::Unknown;
    };
    Tri::any(fields.into_iter().map(|f| match Tri::str(f.get("field")) {
        Tri::Known(name) if name == field => {
            contains_string(f.get("equals"), |v| v.eq_ignore_ascii_case(wanted))
        }
        Tri::Known(_) | Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    }))
}

/// Whether a classic event selector includes management events (`true` by default).
fn includes_management(selector: &ValueMap) -> Tri<bool> {
    Tri::bool(selector.get("include_management_events")).or_default_value(true)
}

/// Whether the trail records management events: a trail with no selectors does.
fn records_management(trail: &Resource) -> Tri<bool> {
    let Some((classic, advanced)) = selectors(trail) else {
        return Tri::Unknown;
    };
    if !advanced.is_empty() {
        return Tri::any(
            advanced
                .iter()
                .map(|s| advanced_field_is(s, "eventCategory", "Management")),
        );
    }
    if classic.is_empty() {
        return Tri::Known(true);
    }
    Tri::any(classic.iter().map(|s| includes_management(s)))
}

fn check_management_events(trail: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match records_management(trail) {
        Tri::Known(false) | Tri::Missing => out.fail(
            format!("trail `{}` records no management events", trail.address),
            Some("event_selector"),
        ),
        Tri::Unknown => out.cannot_tell("the trail's event selectors are not known statically"),
        Tri::Known(true) => {}
    }
}

fn check_read_write_type(trail: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some((classic, advanced)) = selectors(trail) else {
        out.cannot_tell("the trail's event selectors are not known statically");
        return;
    };
    if !advanced.is_empty() {
        // Advanced selectors split reads and writes with a `readOnly` field selector:
        // a management selector without one records both, and selectors for `true`
        // and for `false` together do too.
        let (mut reads, mut writes) = (false, false);
        for selector in &advanced {
            match advanced_field_is(selector, "eventCategory", "Management") {
                Tri::Known(true) => {}
                Tri::Unknown => {
                    out.cannot_tell(
                        "the trail's advanced event selectors are not known statically",
                    );
                    return;
                }
                _ => continue,
            }
            match (
                advanced_field_is(selector, "readOnly", "true"),
                advanced_field_is(selector, "readOnly", "false"),
            ) {
                (Tri::Known(true), _) => reads = true,
                (_, Tri::Known(true)) => writes = true,
                (Tri::Known(false), Tri::Known(false)) => return,
                _ => {
                    out.cannot_tell(
                        "the trail's advanced event selectors are not known statically",
                    );
                    return;
                }
            }
        }
        if reads != writes {
            let kind = if reads { "ReadOnly" } else { "WriteOnly" };
            out.fail(
                format!(
                    "trail `{}` records only `{kind}` management events",
                    trail.address
                ),
                Some("advanced_event_selector"),
            );
        }
        return;
    }
    let mut unknown = false;
    let mut only = None;
    for selector in classic {
        match includes_management(selector) {
            Tri::Known(true) => {}
            Tri::Unknown => {
                unknown = true;
                continue;
            }
            _ => continue,
        }
        match Tri::str(selector.get("read_write_type")).or_default_value("All") {
            Tri::Known(kind) if kind.eq_ignore_ascii_case("All") => return,
            Tri::Known(kind) => only = Some(kind.to_owned()),
            _ => unknown = true,
        }
    }
    if unknown {
        out.cannot_tell("the trail's `read_write_type` is not known statically");
    } else if let Some(kind) = only {
        out.fail(
            format!(
                "trail `{}` records only `{kind}` management events",
                trail.address
            ),
            Some("event_selector"),
        );
    }
}

fn check_s3_data_events(trail: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some((classic, advanced)) = selectors(trail) else {
        out.cannot_tell("the trail's event selectors are not known statically");
        return;
    };
    let classic_s3 = classic.iter().map(|s| {
        let Some(resources) = known_blocks(s.get("data_resource")) else {
            return Tri::Unknown;
        };
        Tri::any(
            resources
                .into_iter()
                .map(|r| match Tri::str(r.get("type")) {
                    Tri::Known(kind) => Tri::Known(kind == "AWS::S3::Object"),
                    Tri::Missing => Tri::Known(false),
                    Tri::Unknown => Tri::Unknown,
                }),
        )
    });
    let advanced_s3 = advanced
        .iter()
        .map(|s| advanced_field_is(s, "resources.type", "AWS::S3::Object"));
    match Tri::any(classic_s3.chain(advanced_s3)) {
        Tri::Known(true) => {}
        Tri::Unknown => {
            out.cannot_tell("the trail's data event selectors are not known statically")
        }
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "trail `{}` records no S3 object-level (data) events",
                trail.address
            ),
            Some("event_selector"),
        ),
    }
}

fn check_insights(trail: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match known_blocks(trail.attributes.get("insight_selector")) {
        Some(selectors) if selectors.is_empty() => out.fail(
            format!(
                "trail `{}` has no CloudTrail Insights selector",
                trail.address
            ),
            Some("insight_selector"),
        ),
        Some(_) => {}
        None => out.cannot_tell("the trail's `insight_selector` is not known statically"),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn guardduty_detectors_and_features() {
        let review = hcl(r#"
resource "aws_guardduty_detector" "defaults" {}
resource "aws_guardduty_detector" "suspended" {
  enable                       = false
  finding_publishing_frequency = "FIFTEEN_MINUTES"
  datasources {
    s3_logs { enable = false }
    kubernetes {
      audit_logs { enable = false }
    }
    malware_protection {
      scan_ec2_instance_with_findings {
        ebs_volumes { enable = false }
      }
    }
  }
}
resource "aws_guardduty_detector" "good" {
  enable                       = true
  finding_publishing_frequency = "ONE_HOUR"
  datasources {
    s3_logs { enable = true }
  }
}
resource "aws_guardduty_detector" "variable" {
  enable                       = var.on
  finding_publishing_frequency = var.frequency
}
resource "aws_guardduty_detector_feature" "rds_off" {
  detector_id = aws_guardduty_detector.good.id
  name        = "RDS_LOGIN_EVENTS"
  status      = "DISABLED"
}
resource "aws_guardduty_detector_feature" "lambda_off" {
  detector_id = aws_guardduty_detector.good.id
  name        = "LAMBDA_NETWORK_LOGS"
  status      = "DISABLED"
}
resource "aws_guardduty_detector_feature" "runtime_on" {
  detector_id = aws_guardduty_detector.good.id
  name        = "RUNTIME_MONITORING"
  status      = "ENABLED"
}
resource "aws_guardduty_detector_feature" "s3_variable" {
  detector_id = aws_guardduty_detector.good.id
  name        = "S3_DATA_EVENTS"
  status      = var.status
}
resource "aws_guardduty_organization_configuration" "none" {
  detector_id                      = aws_guardduty_detector.good.id
  auto_enable_organization_members = "NONE"
}
resource "aws_guardduty_organization_configuration" "all" {
  detector_id                      = aws_guardduty_detector.good.id
  auto_enable_organization_members = "ALL"
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-GD-001"),
            ["aws_guardduty_detector.suspended"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-GD-001"),
            ["aws_guardduty_detector.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-GD-002"),
            ["aws_guardduty_detector.defaults"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-GD-002"),
            ["aws_guardduty_detector.variable"]
        );
        for rule in ["RG-AWS-GD-003", "RG-AWS-GD-004", "RG-AWS-GD-005"] {
            assert_eq!(
                flagged(&review, rule),
                ["aws_guardduty_detector.suspended"],
                "{rule}"
            );
        }
        assert_eq!(
            undecided(&review, "RG-AWS-GD-003"),
            ["aws_guardduty_detector_feature.s3_variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-GD-006"),
            ["aws_guardduty_detector_feature.rds_off"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-GD-007"),
            ["aws_guardduty_detector_feature.lambda_off"]
        );
        assert!(flagged(&review, "RG-AWS-GD-008").is_empty());
        assert_eq!(
            flagged(&review, "RG-AWS-GD-009"),
            ["aws_guardduty_organization_configuration.none"]
        );
    }

    #[test]
    fn security_hub_and_access_analyzer() {
        let review = hcl(r#"
resource "aws_securityhub_account" "bare" {
  enable_default_standards = false
  auto_enable_controls     = false
}
resource "aws_securityhub_account" "defaults" {}
resource "aws_securityhub_organization_configuration" "local_off" {
  auto_enable = false
}
resource "aws_securityhub_organization_configuration" "central" {
  auto_enable           = false
  auto_enable_standards = "NONE"
  organization_configuration { configuration_type = "CENTRAL" }
}
resource "aws_securityhub_organization_configuration" "on" {
  auto_enable = true
}
resource "aws_accessanalyzer_archive_rule" "hide_public" {
  analyzer_name = "org"
  rule_name     = "public"
  filter {
    criteria = "isPublic"
    eq       = ["true"]
  }
}
resource "aws_accessanalyzer_archive_rule" "known_vendor" {
  analyzer_name = "org"
  rule_name     = "vendor"
  filter {
    criteria = "principal.AWS"
    eq       = ["123456789012"]
  }
}
resource "aws_accessanalyzer_archive_rule" "variable" {
  analyzer_name = "org"
  rule_name     = "variable"
  filter {
    criteria = var.criteria
    eq       = ["true"]
  }
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-SH-001"),
            ["aws_securityhub_account.bare"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SH-002"),
            ["aws_securityhub_account.bare"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SH-003"),
            ["aws_securityhub_organization_configuration.local_off"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-AA-001"),
            ["aws_accessanalyzer_archive_rule.hide_public"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-AA-001"),
            ["aws_accessanalyzer_archive_rule.variable"]
        );
    }

    #[test]
    fn log_groups_alarms_and_log_policies() {
        let review = hcl(r#"
resource "aws_cloudwatch_log_group" "forever" {}
resource "aws_cloudwatch_log_group" "never_expire" { retention_in_days = 0 }
resource "aws_cloudwatch_log_group" "month" { retention_in_days = 30 }
resource "aws_cloudwatch_log_group" "odd" { retention_in_days = 500 }
resource "aws_cloudwatch_log_group" "years" { retention_in_days = 731 }
resource "aws_cloudwatch_log_group" "variable" { retention_in_days = var.days }
resource "aws_sns_topic" "ops" { name = "ops" }
resource "aws_cloudwatch_metric_alarm" "muted" {
  alarm_name      = "muted"
  actions_enabled = false
  alarm_actions   = [aws_sns_topic.ops.arn]
}
resource "aws_cloudwatch_metric_alarm" "silent" { alarm_name = "silent" }
resource "aws_cloudwatch_metric_alarm" "child" { alarm_name = "child" }
resource "aws_cloudwatch_composite_alarm" "parent" {
  alarm_name    = "parent"
  alarm_rule    = "ALARM(${aws_cloudwatch_metric_alarm.child.alarm_name})"
  alarm_actions = [aws_sns_topic.ops.arn]
}
resource "aws_cloudwatch_metric_alarm" "variable" {
  alarm_name    = "variable"
  alarm_actions = var.actions
}
resource "aws_cloudwatch_log_resource_policy" "open" {
  policy_name = "open"
  policy_document = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "logs:PutLogEvents", Resource = "*" }]
  })
}
resource "aws_cloudwatch_log_resource_policy" "delivery" {
  policy_name = "delivery"
  policy_document = jsonencode({
    Statement = [{
      Effect = "Allow", Principal = { Service = "delivery.logs.amazonaws.com" }, Action = "logs:PutLogEvents", Resource = "*"
      Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
    }]
  })
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-CW-002"),
            ["aws_cloudwatch_log_group.month"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-CW-002"),
            ["aws_cloudwatch_log_group.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CW-003"),
            ["aws_cloudwatch_log_group.odd"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CW-004"),
            ["aws_cloudwatch_metric_alarm.muted"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CW-005"),
            ["aws_cloudwatch_metric_alarm.silent"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-CW-005"),
            ["aws_cloudwatch_metric_alarm.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CW-006"),
            ["aws_cloudwatch_log_resource_policy.open"]
        );
    }

    #[test]
    fn trail_event_recording() {
        let review = hcl(r#"
resource "aws_cloudtrail" "defaults" {
  name           = "defaults"
  s3_bucket_name = "trail"
}
resource "aws_cloudtrail" "stopped" {
  name                          = "stopped"
  s3_bucket_name                = "trail"
  enable_logging                = false
  include_global_service_events = false
  event_selector {
    include_management_events = false
    data_resource {
      type   = "AWS::Lambda::Function"
      values = ["arn:aws:lambda"]
    }
  }
}
resource "aws_cloudtrail" "writes" {
  name           = "writes"
  s3_bucket_name = "trail"
  event_selector {
    read_write_type = "WriteOnly"
    data_resource {
      type   = "AWS::S3::Object"
      values = ["arn:aws:s3"]
    }
  }
  insight_selector { insight_type = "ApiCallRateInsight" }
}
resource "aws_cloudtrail" "advanced" {
  name           = "advanced"
  s3_bucket_name = "trail"
  advanced_event_selector {
    name = "management"
    field_selector {
      field  = "eventCategory"
      equals = ["Management"]
    }
  }
  advanced_event_selector {
    name = "s3"
    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }
    field_selector {
      field  = "resources.type"
      equals = ["AWS::S3::Object"]
    }
  }
  insight_selector { insight_type = "ApiErrorRateInsight" }
}
resource "aws_cloudtrail" "reads" {
  name           = "reads"
  s3_bucket_name = "trail"
  advanced_event_selector {
    field_selector {
      field  = "eventCategory"
      equals = ["Management"]
    }
    field_selector {
      field  = "readOnly"
      equals = ["true"]
    }
  }
}
resource "aws_cloudtrail" "variable" {
  name           = "variable"
  s3_bucket_name = "trail"
  enable_logging = var.logging
  dynamic "event_selector" {
    for_each = var.selectors
    content {
      read_write_type = event_selector.value
    }
  }
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-CT-007"),
            ["aws_cloudtrail.stopped"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-CT-007"),
            ["aws_cloudtrail.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CT-008"),
            ["aws_cloudtrail.stopped"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-CT-008"),
            ["aws_cloudtrail.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CT-009"),
            ["aws_cloudtrail.writes", "aws_cloudtrail.reads"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CT-010"),
            [
                "aws_cloudtrail.defaults",
                "aws_cloudtrail.stopped",
                "aws_cloudtrail.reads"
            ]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CT-011"),
            [
                "aws_cloudtrail.defaults",
                "aws_cloudtrail.stopped",
                "aws_cloudtrail.reads",
                "aws_cloudtrail.variable"
            ]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-CT-012"),
            ["aws_cloudtrail.stopped"]
        );
    }

    /// Plans show optional computed attributes left unset as known after apply; with
    /// no configuration behind them they are the provider default, not unknown.
    #[test]
    fn plan_reads_unset_computed_settings_as_their_defaults() {
        let plan = r#"{"format_version": "1.2", "resource_changes": [
          {"address": "aws_guardduty_detector.d", "mode": "managed", "type": "aws_guardduty_detector", "name": "d",
           "provider_name": "registry.terraform.io/hashicorp/aws",
           "change": {"actions": ["create"], "before": null, "after": {"enable": true},
                      "after_unknown": {"finding_publishing_frequency": true, "id": true}}},
          {"address": "aws_guardduty_detector.fast", "mode": "managed", "type": "aws_guardduty_detector", "name": "fast",
           "provider_name": "registry.terraform.io/hashicorp/aws",
           "change": {"actions": ["create"], "before": null,
                      "after": {"enable": true, "finding_publishing_frequency": "FIFTEEN_MINUTES"},
                      "after_unknown": {"id": true}}}
        ]}"#;
        let review = crate::rules::test_support::review_of("plan.json", plan);
        assert_eq!(
            flagged(&review, "RG-AWS-GD-002"),
            ["aws_guardduty_detector.d"]
        );
        assert!(undecided(&review, "RG-AWS-GD-002").is_empty());
        assert!(flagged(&review, "RG-AWS-GD-001").is_empty());
    }
}
