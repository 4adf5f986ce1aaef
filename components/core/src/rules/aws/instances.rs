//! EC2 beyond metadata and volume encryption (`compute.rs`): account-wide EC2 and
//! EBS settings, instance exposure and hardening, the default security group and
//! public sharing of machine images.

use super::controls::PUBLIC_NETWORK;
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{is_managed, known_blocks};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

const PUBLIC_SHARING: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("nist-800-53-r5", &["AC-3", "AC-21"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-039",
            title: "EBS encryption by default is turned off",
            severity: Severity::High,
            description: "`aws_ebs_encryption_by_default` with `enabled = false` lets every new EBS volume and snapshot in the region be created unencrypted unless each one asks for encryption. The resource's own default is true.",
            remediation: "Set `enabled = true` (or remove the attribute).",
            aliases: &["CKV_AWS_106"],
            frameworks: &[
                ("cis-aws-3.0", &["2.2.1"]),
                ("soc2", &["CC6.1"]),
                ("pci-dss-4.0", &["3.5.1"]),
                ("hipaa", &["164.312(a)(2)(iv)"]),
                ("nist-800-53-r5", &["SC-28"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &["aws_ebs_encryption_by_default"],
        },
        check: check_ebs_encryption_by_default,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-040",
            title: "EC2 instance is given a public IP address",
            severity: Severity::High,
            description: "`associate_public_ip_address = true` makes the instance directly reachable from the internet, bypassing load balancers and NAT; only its security groups stand between it and the world. Left unset, the subnet's `map_public_ip_on_launch` decides (checked by RG-AWS-VPC-002).",
            remediation: "Set `associate_public_ip_address = false` and reach the instance through a load balancer, a NAT gateway or Session Manager.",
            aliases: &["CKV_AWS_88"],
            frameworks: PUBLIC_NETWORK,
            resource_types: &["aws_instance"],
        },
        check: check_instance_public_ip,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-041",
            title: "Default security group allows traffic",
            severity: Severity::Medium,
            description: "Resources launched without a security group land in the VPC's default group. Rules on it (inline `ingress`/`egress`, or rule resources attached to it) give them access nobody chose for them. Managed with no rules, `aws_default_security_group` removes every rule, which is the goal.",
            remediation: "Remove every `ingress`/`egress` block and rule resource from the default security group, and give resources their own groups.",
            aliases: &[],
            frameworks: &[
                ("cis-aws-3.0", &["5.4"]),
                ("soc2", &["CC6.6"]),
                ("pci-dss-4.0", &["1.2.1"]),
                ("nist-800-53-r5", &["AC-4", "SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_default_security_group"],
        },
        check: check_default_security_group,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-042",
            title: "EC2 instance does not have detailed monitoring",
            severity: Severity::Low,
            description: "`monitoring` defaults to false: CloudWatch receives the instance's metrics every five minutes instead of every minute, so CPU spikes from crypto-mining or a flood show up late or averaged away.",
            remediation: "Set `monitoring = true`.",
            aliases: &["CKV_AWS_126"],
            frameworks: &[("soc2", &["CC7.2"]), ("nist-800-53-r5", &["SI-4"])],
            resource_types: &["aws_instance"],
        },
        check: check_instance_monitoring,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-043",
            title: "EC2 instance has no IAM instance profile",
            severity: Severity::Low,
            description: "An instance without `iam_instance_profile` has no role credentials, so software on it that calls AWS needs long-lived access keys copied onto the machine, where they leak with any disk image, backup or compromise.",
            remediation: "Attach a role through `iam_instance_profile = aws_iam_instance_profile.<name>.name` with only the permissions the instance needs.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["IA-5", "AC-6"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_instance"],
        },
        check: check_instance_profile,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-044",
            title: "AMI is shared with every AWS account",
            severity: Severity::High,
            description: "An `aws_ami_launch_permission` with `group = \"all\"` makes the image public: anyone can launch it and read its volumes, with whatever keys, configuration and data were baked into it.",
            remediation: "Grant launch permission to specific `account_id`s, `organization_arn`s or `organizational_unit_arn`s instead of `group = \"all\"`.",
            aliases: &[],
            frameworks: PUBLIC_SHARING,
            resource_types: &["aws_ami_launch_permission"],
        },
        check: check_ami_public_launch_permission,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-045",
            title: "Block public access for AMIs or EBS snapshots is turned off",
            severity: Severity::Medium,
            description: "`aws_ec2_image_block_public_access` or `aws_ebs_snapshot_block_public_access` with `state = \"unblocked\"` lets anyone in the account make an image or snapshot public with one call, exposing its disk contents to every AWS account.",
            remediation: "Set `state = \"block-new-sharing\"` (images) or `\"block-all-sharing\"` (snapshots).",
            aliases: &[],
            frameworks: PUBLIC_SHARING,
            resource_types: &[
                "aws_ec2_image_block_public_access",
                "aws_ebs_snapshot_block_public_access",
            ],
        },
        check: check_block_public_sharing,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-046",
            title: "EC2 serial console access is enabled",
            severity: Severity::Medium,
            description: "`aws_ec2_serial_console_access` with `enabled` true (its default) allows serial console sessions to every instance in the region: a text console that works even when the network, security groups and SSH are closed, a path around network controls for anyone with `ec2-instance-connect:SendSerialConsoleSSHPublicKey`.",
            remediation: "Set `enabled = false`, and enable it only while troubleshooting.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-17", "CM-7"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_ec2_serial_console_access"],
        },
        check: check_serial_console,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-047",
            title: "EC2 instance has no termination protection",
            severity: Severity::Low,
            description: "`disable_api_termination` defaults to false: one `TerminateInstances` call, by mistake or by a compromised principal, destroys the instance and its delete-on-termination volumes.",
            remediation: "Set `disable_api_termination = true` on instances that hold state or are not replaceable.",
            aliases: &[],
            frameworks: &[("soc2", &["A1.2"]), ("nist-800-53-r5", &["CP-10"])],
            resource_types: &["aws_instance"],
        },
        check: check_termination_protection,
    },
];

fn check_ebs_encryption_by_default(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(resource.attributes.get("enabled")) {
        Tri::Known(false) => out.fail(
            format!("`{}` turns EBS encryption by default off", resource.address),
            Some("enabled"),
        ),
        Tri::Unknown => out.cannot_tell("`enabled` is known only after apply"),
        _ => {}
    }
}

fn check_instance_public_ip(instance: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(instance.attributes.get("associate_public_ip_address")) {
        Tri::Known(true) => out.fail(
            format!(
                "instance `{}` is given a public IP address",
                instance.address
            ),
            Some("associate_public_ip_address"),
        ),
        Tri::Unknown => out.cannot_tell("`associate_public_ip_address` is known only after apply"),
        _ => {}
    }
}

/// Standalone rule resources and the attribute that names their group.
const RULE_RESOURCES: &[&str] = &[
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
];

fn check_default_security_group(group: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    for direction in ["ingress", "egress"] {
        match known_blocks(group.attributes.get(direction)) {
            None => out.cannot_tell(format!(
                "the default group's `{direction}` rules are known only after apply"
            )),
            Some(rules) if !rules.is_empty() => {
                return out.fail(
                    format!(
                        "default security group `{}` has `{direction}` rules",
                        group.address
                    ),
                    Some(direction),
                );
            }
            Some(_) => {}
        }
    }
    for rule_type in RULE_RESOURCES {
        let rules = ctx.referencing(group, rule_type, "security_group_id");
        if let Some(rule) = rules.definite.iter().find(|r| is_managed(r)) {
            return out.fail(
                format!(
                    "default security group `{}` has a rule attached by `{}`",
                    group.address, rule.address
                ),
                None,
            );
        }
    }
}

fn check_instance_monitoring(instance: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(instance.attributes.get("monitoring")) {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell("`monitoring` is known only after apply"),
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "instance `{}` does not have detailed monitoring (`monitoring` defaults to false)",
                instance.address
            ),
            instance
                .attributes
                .contains_key("monitoring")
                .then_some("monitoring"),
        ),
    }
}

fn check_instance_profile(instance: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    if Tri::non_empty_str(instance.attributes.get("iam_instance_profile")) == Tri::Missing {
        out.fail(
            format!(
                "instance `{}` has no `iam_instance_profile`",
                instance.address
            ),
            None,
        );
    }
}

fn check_ami_public_launch_permission(
    permission: &Resource,
    _ctx: &Context<'_>,
    out: &mut Verdicts,
) {
    match Tri::str(permission.attributes.get("group")) {
        Tri::Known("all") => out.fail(
            format!(
                "`{}` makes the AMI public (`group = \"all\"`)",
                permission.address
            ),
            Some("group"),
        ),
        Tri::Unknown => out.cannot_tell("`group` is known only after apply"),
        _ => {}
    }
}

fn check_block_public_sharing(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(resource.attributes.get("state")) {
        Tri::Known("unblocked") => out.fail(
            format!(
                "`{}` turns block public access off (`state = \"unblocked\"`)",
                resource.address
            ),
            Some("state"),
        ),
        Tri::Unknown => out.cannot_tell("`state` is known only after apply"),
        _ => {}
    }
}

fn check_serial_console(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(resource.attributes.get("enabled")).or_default_value(true) {
        Tri::Known(true) => out.fail(
            format!(
                "`{}` enables EC2 serial console access (`enabled` defaults to true)",
                resource.address
            ),
            resource
                .attributes
                .contains_key("enabled")
                .then_some("enabled"),
        ),
        Tri::Unknown => out.cannot_tell("`enabled` is known only after apply"),
        _ => {}
    }
}

fn check_termination_protection(instance: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(instance.attributes.get("disable_api_termination")) {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell("`disable_api_termination` is known only after apply"),
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "instance `{}` has no termination protection",
                instance.address
            ),
            instance
                .attributes
                .contains_key("disable_api_termination")
                .then_some("disable_api_termination"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn account_settings() {
        let r = hcl(r#"
resource "aws_ebs_encryption_by_default" "off" {
  enabled = false
}
resource "aws_ebs_encryption_by_default" "on" {}
resource "aws_ec2_image_block_public_access" "open" {
  state = "unblocked"
}
resource "aws_ebs_snapshot_block_public_access" "closed" {
  state = "block-all-sharing"
}
resource "aws_ebs_snapshot_block_public_access" "chosen" {
  state = var.state
}
resource "aws_ec2_serial_console_access" "default" {}
resource "aws_ec2_serial_console_access" "off" {
  enabled = false
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-EC2-039"),
            ["aws_ebs_encryption_by_default.off"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-EC2-045"),
            ["aws_ec2_image_block_public_access.open"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-EC2-045"),
            ["aws_ebs_snapshot_block_public_access.chosen"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-EC2-046"),
            ["aws_ec2_serial_console_access.default"]
        );
    }

    #[test]
    fn instance_settings() {
        let r = hcl(r#"
resource "aws_instance" "bare" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
}
resource "aws_instance" "hardened" {
  ami                         = "ami-12345678"
  instance_type               = "t3.micro"
  associate_public_ip_address = false
  monitoring                  = true
  iam_instance_profile        = aws_iam_instance_profile.app.name
  disable_api_termination     = true
}
resource "aws_instance" "public" {
  ami                         = "ami-12345678"
  instance_type               = "t3.micro"
  associate_public_ip_address = true
  monitoring                  = false
}
resource "aws_instance" "chosen" {
  ami                         = "ami-12345678"
  instance_type               = "t3.micro"
  associate_public_ip_address = var.public
  monitoring                  = var.monitoring
  iam_instance_profile        = var.profile
  disable_api_termination     = var.protect
}"#);
        assert_eq!(flagged(&r, "RG-AWS-EC2-040"), ["aws_instance.public"]);
        assert_eq!(undecided(&r, "RG-AWS-EC2-040"), ["aws_instance.chosen"]);
        assert_eq!(
            flagged(&r, "RG-AWS-EC2-042"),
            ["aws_instance.bare", "aws_instance.public"]
        );
        assert_eq!(undecided(&r, "RG-AWS-EC2-042"), ["aws_instance.chosen"]);
        assert_eq!(
            flagged(&r, "RG-AWS-EC2-043"),
            ["aws_instance.bare", "aws_instance.public"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-EC2-047"),
            ["aws_instance.bare", "aws_instance.public"]
        );
        assert_eq!(undecided(&r, "RG-AWS-EC2-047"), ["aws_instance.chosen"]);
    }

    #[test]
    fn default_security_group() {
        let r = hcl(r#"
resource "aws_default_security_group" "closed" {
  vpc_id = aws_vpc.a.id
}
resource "aws_default_security_group" "inline" {
  vpc_id = aws_vpc.b.id
  ingress {
    protocol  = -1
    self      = true
    from_port = 0
    to_port   = 0
  }
}
resource "aws_default_security_group" "attached" {
  vpc_id = aws_vpc.c.id
}
resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_default_security_group.attached.id
  cidr_ipv4         = "10.0.0.0/8"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-EC2-041"),
            [
                "aws_default_security_group.inline",
                "aws_default_security_group.attached"
            ]
        );
    }

    #[test]
    fn public_ami() {
        let r = hcl(r#"
resource "aws_ami_launch_permission" "public" {
  image_id = aws_ami.a.id
  group    = "all"
}
resource "aws_ami_launch_permission" "account" {
  image_id   = aws_ami.a.id
  account_id = "123456789012"
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-EC2-044"),
            ["aws_ami_launch_permission.public"]
        );
    }
}
