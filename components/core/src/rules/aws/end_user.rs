//! End-user facing services: Amazon WorkSpaces desktops and Amazon MQ brokers.

use super::compute::customer_key;
use super::controls::{ACTIVITY_LOG, ENCRYPTION_AT_REST};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::single_block;
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

// Not `controls::CUSTOMER_KEY`: these rules carry no CSF mapping; adding PR.DS-01
// would change their output, so it is left for a deliberate mapping review.
const CUSTOMER_KEY: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["3.6.1"]),
    ("nist-800-53-r5", &["SC-12", "SC-28"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-WS-001",
            title: "WorkSpace volumes are not encrypted",
            severity: Severity::High,
            description: "`root_volume_encryption_enabled` and `user_volume_encryption_enabled` both default to false: the desktop's system disk and the user's profile and documents are stored unencrypted, along with their snapshots. Encryption can only be chosen when the WorkSpace is created.",
            remediation: "Set `root_volume_encryption_enabled = true`, `user_volume_encryption_enabled = true` and `volume_encryption_key` (a KMS key) when creating the WorkSpace.",
            aliases: &["AWS-0109", "AVD-AWS-0109"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_workspaces_workspace"],
        },
        check: check_workspace_volume_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-WS-002",
            title: "WorkSpace volumes are not encrypted with a customer managed key",
            severity: Severity::Low,
            description: "Encrypted WorkSpace volumes without `volume_encryption_key` use the AWS managed `alias/aws/workspaces` key, whose policy cannot be restricted or its use audited per WorkSpace.",
            remediation: "Set `volume_encryption_key` to a customer managed `aws_kms_key` ARN (only possible when the WorkSpace is created).",
            aliases: &[],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_workspaces_workspace"],
        },
        check: check_workspace_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MQ-001",
            title: "ActiveMQ broker does not publish audit logs",
            severity: Severity::Medium,
            description: "`logs.audit` defaults to false: management actions on the broker (creating and deleting destinations, changing users, JMX calls) are not logged to CloudWatch, so tampering cannot be traced. RabbitMQ brokers have no audit log and are not checked.",
            remediation: "Add `logs { audit = true }` to the broker.",
            aliases: &["AWS-0070", "AVD-AWS-0070", "CKV_AWS_197"],
            frameworks: ACTIVITY_LOG,
            resource_types: &["aws_mq_broker"],
        },
        check: check_broker_audit_logs,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MQ-002",
            title: "MQ broker does not publish general logs",
            severity: Severity::Low,
            description: "`logs.general` defaults to false: the broker's own log (connections, errors, authentication failures) is not sent to CloudWatch, leaving brute-force attempts and outages without a record.",
            remediation: "Add `logs { general = true }` to the broker.",
            aliases: &["AWS-0071", "AVD-AWS-0071", "CKV_AWS_48"],
            frameworks: ACTIVITY_LOG,
            resource_types: &["aws_mq_broker"],
        },
        check: check_broker_general_logs,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MQ-003",
            title: "MQ broker is publicly accessible",
            severity: Severity::High,
            description: "`publicly_accessible = true` gives the broker a public endpoint: its messaging ports and web console are reachable from the internet, protected only by broker user passwords.",
            remediation: "Set `publicly_accessible = false` (the default) and reach the broker from inside the VPC.",
            aliases: &["AWS-0072", "AVD-AWS-0072", "CKV_AWS_69"],
            frameworks: &[
                ("soc2", &["CC6.6"]),
                ("pci-dss-4.0", &["1.4.1"]),
                ("nist-800-53-r5", &["AC-4", "SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_mq_broker"],
        },
        check: check_broker_public,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MQ-004",
            title: "MQ broker is not encrypted with a customer managed key",
            severity: Severity::Low,
            description: "`encryption_options.use_aws_owned_key` defaults to true: messages at rest are encrypted with a key AWS owns, which the account can neither restrict, audit nor revoke.",
            remediation: "Add `encryption_options { use_aws_owned_key = false kms_key_id = aws_kms_key.mq.arn }` (settable only when the broker is created).",
            aliases: &["CKV_AWS_209"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_mq_broker"],
        },
        check: check_broker_customer_key,
    },
];

// ----- WorkSpaces -----

fn check_workspace_volume_encryption(workspace: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let mut unencrypted = Vec::new();
    for (volume, attribute) in [
        ("root", "root_volume_encryption_enabled"),
        ("user", "user_volume_encryption_enabled"),
    ] {
        match Tri::bool(workspace.attributes.get(attribute)).or_default_value(false) {
            Tri::Known(false) => unencrypted.push((volume, attribute)),
            Tri::Unknown => out.cannot_tell(format!("`{attribute}` is known only after apply")),
            _ => {}
        }
    }
    if let Some((_, attribute)) = unencrypted.first() {
        let volumes: Vec<&str> = unencrypted.iter().map(|(v, _)| *v).collect();
        out.fail(
            format!(
                "WorkSpace `{}` does not encrypt its {} volume{}",
                workspace.address,
                volumes.join(" and "),
                if volumes.len() > 1 { "s" } else { "" }
            ),
            workspace
                .attributes
                .contains_key(attribute)
                .then_some(*attribute),
        );
    }
}

fn check_workspace_customer_key(workspace: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let encrypted = Tri::any(
        [
            "root_volume_encryption_enabled",
            "user_volume_encryption_enabled",
        ]
        .map(|attribute| Tri::bool(workspace.attributes.get(attribute))),
    );
    // Unencrypted volumes are RG-AWS-WS-001's finding; the key matters once encrypted.
    if encrypted != Tri::Known(true) {
        return;
    }
    match customer_key(
        ctx,
        workspace,
        workspace.attributes.get("volume_encryption_key"),
    ) {
        Tri::Known(false) => out.fail(
            format!(
                "WorkSpace `{}` encrypts its volumes with the AWS managed key",
                workspace.address
            ),
            None,
        ),
        Tri::Unknown => out.cannot_tell("`volume_encryption_key` is known only after apply"),
        _ => {}
    }
}

// ----- Amazon MQ -----

fn report_broker_log(broker: &Resource, kind: &str, out: &mut Verdicts) {
    let enabled = single_block(broker.attributes.get("logs"))
        .and_then(|logs| Tri::bool(logs.get(kind)))
        .or_default_value(false);
    match enabled {
        Tri::Known(false) => out.fail(
            format!(
                "MQ broker `{}` does not publish {kind} logs (`logs.{kind}` is not true)",
                broker.address
            ),
            if broker.attributes.contains_key("logs") {
                Some("logs")
            } else {
                None
            },
        ),
        Tri::Unknown => out.cannot_tell(format!("`logs.{kind}` is known only after apply")),
        _ => {}
    }
}

fn check_broker_audit_logs(broker: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(broker.attributes.get("engine_type")) {
        Tri::Known(engine) if engine.eq_ignore_ascii_case("RabbitMQ") => {}
        Tri::Unknown => out.cannot_tell("`engine_type` is known only after apply"),
        _ => report_broker_log(broker, "audit", out),
    }
}

fn check_broker_general_logs(broker: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    report_broker_log(broker, "general", out);
}

fn check_broker_public(broker: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(broker.attributes.get("publicly_accessible")) {
        Tri::Known(true) => out.fail(
            format!("MQ broker `{}` is publicly accessible", broker.address),
            Some("publicly_accessible"),
        ),
        Tri::Unknown => out.cannot_tell("`publicly_accessible` is known only after apply"),
        _ => {}
    }
}

fn check_broker_customer_key(broker: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let options = match single_block(broker.attributes.get("encryption_options")) {
        Tri::Known(options) => Some(options),
        Tri::Missing => None,
        Tri::Unknown => return out.cannot_tell("`encryption_options` is known only after apply"),
    };
    let aws_owned = options
        .map_or(Tri::Missing, |o| Tri::bool(o.get("use_aws_owned_key")))
        .or_default_value(true);
    match aws_owned {
        Tri::Known(true) => out.fail(
            format!("MQ broker `{}` encrypts messages with an AWS owned key (`use_aws_owned_key` defaults to true)", broker.address),
            None,
        ),
        Tri::Unknown => out.cannot_tell("`use_aws_owned_key` is known only after apply"),
        _ => match customer_key(ctx, broker, options.and_then(|o| o.get("kms_key_id"))) {
            Tri::Known(false) => out.fail(
                format!("MQ broker `{}` encrypts messages with the AWS managed `aws/mq` key", broker.address),
                Some("encryption_options"),
            ),
            Tri::Unknown => out.cannot_tell("`kms_key_id` is known only after apply"),
            _ => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn workspace_encryption() {
        let r = hcl(r#"
resource "aws_workspaces_workspace" "default" {
  bundle_id = "b"
}
resource "aws_workspaces_workspace" "root_only" {
  bundle_id                      = "b"
  root_volume_encryption_enabled = true
  volume_encryption_key          = aws_kms_key.ws.arn
}
resource "aws_workspaces_workspace" "both" {
  bundle_id                      = "b"
  root_volume_encryption_enabled = true
  user_volume_encryption_enabled = true
}
resource "aws_workspaces_workspace" "chosen" {
  bundle_id                      = "b"
  root_volume_encryption_enabled = var.root
  user_volume_encryption_enabled = true
  volume_encryption_key          = var.key
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-WS-001"),
            [
                "aws_workspaces_workspace.default",
                "aws_workspaces_workspace.root_only"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-WS-001"),
            ["aws_workspaces_workspace.chosen"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-WS-002"),
            ["aws_workspaces_workspace.both"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-WS-002"),
            ["aws_workspaces_workspace.chosen"]
        );
    }

    #[test]
    fn broker_logs_exposure_and_keys() {
        let r = hcl(r#"
resource "aws_mq_broker" "default" {
  broker_name = "a"
  engine_type = "ActiveMQ"
}
resource "aws_mq_broker" "rabbit" {
  broker_name         = "b"
  engine_type         = "RabbitMQ"
  publicly_accessible = true
  logs { general = true }
  encryption_options { use_aws_owned_key = false }
}
resource "aws_mq_broker" "good" {
  broker_name = "c"
  engine_type = "ActiveMQ"
  logs {
    general = true
    audit   = true
  }
  encryption_options {
    use_aws_owned_key = false
    kms_key_id        = aws_kms_key.mq.arn
  }
}
resource "aws_mq_broker" "chosen" {
  broker_name         = "d"
  engine_type         = "ActiveMQ"
  publicly_accessible = var.public
  logs {
    general = var.logs
    audit   = var.logs
  }
  encryption_options {
    use_aws_owned_key = var.owned
  }
}"#);
        assert_eq!(flagged(&r, "RG-AWS-MQ-001"), ["aws_mq_broker.default"]);
        assert_eq!(undecided(&r, "RG-AWS-MQ-001"), ["aws_mq_broker.chosen"]);
        assert_eq!(flagged(&r, "RG-AWS-MQ-002"), ["aws_mq_broker.default"]);
        assert_eq!(flagged(&r, "RG-AWS-MQ-003"), ["aws_mq_broker.rabbit"]);
        assert_eq!(undecided(&r, "RG-AWS-MQ-003"), ["aws_mq_broker.chosen"]);
        assert_eq!(
            flagged(&r, "RG-AWS-MQ-004"),
            ["aws_mq_broker.default", "aws_mq_broker.rabbit"]
        );
        assert_eq!(undecided(&r, "RG-AWS-MQ-004"), ["aws_mq_broker.chosen"]);
    }
}
