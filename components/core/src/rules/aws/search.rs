//! OpenSearch and Elasticsearch domains beyond encryption, audit logs and HTTPS
//! (those are in `data_stores.rs`): who can reach a domain (its network placement and
//! access policy), how users are authenticated inside it (fine-grained access
//! control), whether it survives a node or zone failure, and which key encrypts it.
//!
//! `aws_opensearch_domain` and the older `aws_elasticsearch_domain` share these
//! arguments, so every rule runs on both.

use super::controls::{CUSTOMER_KEY, NETWORK_BOUNDARY, RESILIENCE, RESOURCE_POLICY_ACCESS};
use super::data_stores::at;
use super::policy::{self, when};
use super::settings::{require_customer_key, require_off, require_on};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{configured, single_block};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::{Value, ValueMap};

/// Every domain type these rules read.
const DOMAINS: &[&str] = &["aws_opensearch_domain", "aws_elasticsearch_domain"];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-006",
            title: "OpenSearch domain does not enable fine-grained access control",
            severity: Severity::Medium,
            description: "Without fine-grained access control anyone the domain's access policy admits has full access to every index and document; with it, users and roles are limited per index, document and field, and can sign in through SAML or Cognito. `advanced_security_options.enabled` defaults to false and, once on, cannot be turned off.",
            remediation: "Add `advanced_security_options { enabled = true }` with a `master_user_options` (an IAM master user ARN, or an internal user database) and keep `node_to_node_encryption`, `encrypt_at_rest` and `enforce_https` on, which it requires.",
            aliases: &["CKV2_AWS_52"],
            frameworks: RESOURCE_POLICY_ACCESS,
            resource_types: DOMAINS,
        },
        check: check_fine_grained_access,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-007",
            title: "OpenSearch domain has a public endpoint",
            severity: Severity::High,
            description: "A domain without `vpc_options` gets an internet-facing endpoint, guarded only by its access policy; a domain in a VPC is reachable only through its subnets and security groups. Placement is fixed at creation: moving a public domain into a VPC means a new domain.",
            remediation: "Add `vpc_options { subnet_ids = [...] security_group_ids = [...] }` with private subnets and a security group that admits only the clients.",
            aliases: &["CKV_AWS_137"],
            frameworks: NETWORK_BOUNDARY,
            resource_types: DOMAINS,
        },
        check: check_vpc_placement,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-008",
            title: "OpenSearch domain access policy allows anyone",
            severity: Severity::High,
            description: "An allow statement with principal `*` and no condition lets any caller use the domain's APIs: on a public endpoint anyone on the internet can read, write or delete indexes unless fine-grained access control stops them.",
            remediation: "Name the IAM roles or accounts allowed in `Principal`, or restrict the statement with a condition such as `aws:SourceIp` or `aws:PrincipalOrgID`.",
            aliases: &[],
            frameworks: RESOURCE_POLICY_ACCESS,
            resource_types: &[
                "aws_opensearch_domain",
                "aws_elasticsearch_domain",
                "aws_opensearch_domain_policy",
                "aws_elasticsearch_domain_policy",
            ],
        },
        check: check_open_access_policy,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-009",
            title: "OpenSearch domain has no dedicated master nodes",
            severity: Severity::Low,
            description: "Without dedicated master nodes the data nodes also manage the cluster state, and a busy or failed data node can make the cluster lose its master and stop accepting writes. AWS recommends three dedicated masters for production domains; `cluster_config.dedicated_master_enabled` defaults to false.",
            remediation: "Set `dedicated_master_enabled = true` and `dedicated_master_count = 3` (with a `dedicated_master_type`) in `cluster_config`.",
            aliases: &[],
            frameworks: RESILIENCE,
            resource_types: DOMAINS,
        },
        check: check_dedicated_masters,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-010",
            title: "OpenSearch domain is not zone aware",
            severity: Severity::Low,
            description: "Without zone awareness every node, and every copy of a shard, is in one Availability Zone, so a zone outage takes the whole domain down. `cluster_config.zone_awareness_enabled` defaults to false.",
            remediation: "Set `zone_awareness_enabled = true` in `cluster_config` with a `zone_awareness_config { availability_zone_count = 2 }` (or 3), an even number of data nodes, and one replica per index at least.",
            aliases: &[],
            frameworks: RESILIENCE,
            resource_types: DOMAINS,
        },
        check: check_zone_awareness,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-011",
            title: "OpenSearch domain is not encrypted with a customer-managed key",
            severity: Severity::Medium,
            description: "An encrypted domain without `encrypt_at_rest.kms_key_id` uses the AWS-managed `aws/es` key, whose key policy the account cannot restrict and whose use it cannot separate from other domains. (A domain that is not encrypted at all is RG-AWS-ES-001's finding.)",
            remediation: "Set `kms_key_id` in `encrypt_at_rest` to the ARN of a customer-managed `aws_kms_key` (at creation: the key cannot be changed later).",
            aliases: &["CKV_AWS_247"],
            frameworks: CUSTOMER_KEY,
            resource_types: DOMAINS,
        },
        check: check_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-012",
            title: "OpenSearch domain allows anonymous access",
            severity: Severity::High,
            description: "With `anonymous_auth_enabled` fine-grained access control maps unauthenticated requests to an anonymous user: anyone the network and access policy admit can use whatever that user's role allows, without credentials. It defaults to false and exists for migrations.",
            remediation: "Set `anonymous_auth_enabled = false` in `advanced_security_options` once clients authenticate.",
            aliases: &[],
            frameworks: RESOURCE_POLICY_ACCESS,
            resource_types: DOMAINS,
        },
        check: check_anonymous_access,
    },
];

/// The domain's `advanced_security_options` block; `Missing` when absent.
fn security_options(domain: &Resource) -> Tri<&ValueMap> {
    single_block(domain.attributes.get("advanced_security_options"))
}

fn check_fine_grained_access(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        domain,
        out,
        security_options(domain).and_then(|block| Tri::bool(block.get("enabled"))),
        false,
        "advanced_security_options.0.enabled",
        "does not enable fine-grained access control",
    );
}

fn check_vpc_placement(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match single_block(domain.attributes.get("vpc_options")) {
        Tri::Known(options) => match Tri::list(options.get("subnet_ids")) {
            Tri::Known([]) => out.fail(
                format!(
                    "`{}` has a public endpoint (`vpc_options` names no subnets)",
                    domain.address
                ),
                at(domain, &["vpc_options"]),
            ),
            Tri::Known(_) => {}
            Tri::Unknown => out.cannot_tell("`vpc_options.subnet_ids` is known only after apply"),
            Tri::Missing => out.fail(
                format!(
                    "`{}` has a public endpoint (`vpc_options` names no subnets)",
                    domain.address
                ),
                at(domain, &["vpc_options"]),
            ),
        },
        Tri::Unknown => out.cannot_tell("`vpc_options` is generated dynamically"),
        Tri::Missing => out.fail(
            format!(
                "`{}` has a public endpoint (no `vpc_options` block)",
                domain.address
            ),
            None,
        ),
    }
}

fn check_open_access_policy(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let value: Option<&Value> = if DOMAINS.contains(&resource.resource_type()) {
        // The domain reports the policy a separate `_domain_policy` sets here too.
        configured(resource.attributes.get("access_policies"))
    } else {
        resource.attributes.get("access_policies")
    };
    match policy::document(ctx, resource, value) {
        Tri::Known(document) => match document.find(|statement| {
            when(statement.allows(), || {
                when(statement.has_wildcard_principal(), || {
                    when(!statement.has_condition(), || {
                        Tri::Known("allows any principal, with no condition".to_owned())
                    })
                })
            })
        }) {
            Tri::Known(what) => out.fail(
                format!("access policy of `{}` {what}", resource.address),
                at(resource, &["access_policies"]),
            ),
            Tri::Unknown => out.cannot_tell(
                "the access policy depends on values not known statically",
            ),
            Tri::Missing => {}
        },
        Tri::Unknown => out.cannot_tell(
            "the access policy depends on values not known statically (a variable, a function call, or a value known only after apply)",
        ),
        Tri::Missing => {}
    }
}

fn check_dedicated_masters(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let config = single_block(domain.attributes.get("cluster_config"));
    let enabled = config.and_then(|c| Tri::bool(c.get("dedicated_master_enabled")));
    require_on(
        domain,
        out,
        enabled,
        false,
        "cluster_config.0.dedicated_master_enabled",
        "has no dedicated master nodes",
    );
    if enabled == Tri::Known(true) {
        match config.and_then(|c| Tri::number(c.get("dedicated_master_count"))) {
            Tri::Known(count) if count < 3.0 => out.fail(
                format!(
                    "`{}` has {count} dedicated master node(s); a quorum that survives a failure needs 3",
                    domain.address
                ),
                at(domain, &["cluster_config.0.dedicated_master_count", "cluster_config"]),
            ),
            Tri::Unknown => {
                out.cannot_tell("`cluster_config.dedicated_master_count` is known only after apply")
            }
            _ => {}
        }
    }
}

fn check_zone_awareness(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        domain,
        out,
        single_block(domain.attributes.get("cluster_config"))
            .and_then(|c| Tri::bool(c.get("zone_awareness_enabled"))),
        false,
        "cluster_config.0.zone_awareness_enabled",
        "keeps all its nodes in one Availability Zone",
    );
}

fn check_customer_key(domain: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let encryption = single_block(domain.attributes.get("encrypt_at_rest"));
    match encryption.and_then(|block| Tri::bool(block.get("enabled"))) {
        Tri::Known(true) => {}
        Tri::Unknown => {
            out.cannot_tell("`encrypt_at_rest.enabled` is known only after apply");
            return;
        }
        Tri::Known(false) | Tri::Missing => return,
    }
    require_customer_key(
        domain,
        ctx,
        out,
        encryption.known().and_then(|block| block.get("kms_key_id")),
        "encrypt_at_rest.0.kms_key_id",
        "the AWS-managed `aws/es` key",
    );
}

fn check_anonymous_access(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_off(
        domain,
        out,
        security_options(domain).and_then(|block| Tri::bool(block.get("anonymous_auth_enabled"))),
        false,
        "advanced_security_options.0.anonymous_auth_enabled",
        "lets unauthenticated callers in as an anonymous user",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn fine_grained_access_control_must_be_on() {
        let r = hcl(r#"
resource "aws_opensearch_domain" "unset" {
  domain_name = "a"
}
resource "aws_opensearch_domain" "on" {
  domain_name = "b"
  advanced_security_options {
    enabled = true
  }
}
resource "aws_elasticsearch_domain" "off" {
  domain_name = "c"
  advanced_security_options {
    enabled = false
  }
}
resource "aws_opensearch_domain" "variable" {
  domain_name = "d"
  advanced_security_options {
    enabled = var.fgac
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ES-006"),
            [
                "aws_opensearch_domain.unset",
                "aws_elasticsearch_domain.off"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ES-006"),
            ["aws_opensearch_domain.variable"]
        );
    }

    #[test]
    fn domains_outside_a_vpc_are_public() {
        let r = hcl(r#"
resource "aws_opensearch_domain" "public" {
  domain_name = "a"
}
resource "aws_opensearch_domain" "private" {
  domain_name = "b"
  vpc_options {
    subnet_ids = [aws_subnet.a.id]
  }
}
resource "aws_opensearch_domain" "variable" {
  domain_name = "c"
  vpc_options {
    subnet_ids = var.subnets
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ES-007"),
            ["aws_opensearch_domain.public"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ES-007"),
            ["aws_opensearch_domain.variable"]
        );
    }

    #[test]
    fn access_policies_open_to_anyone_fail() {
        let r = hcl(r#"
resource "aws_opensearch_domain" "open" {
  domain_name     = "a"
  access_policies = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "es:*"
      Resource  = "arn:aws:es:eu-west-1:123456789012:domain/a/*"
    }]
  })
}
resource "aws_opensearch_domain_policy" "by_ip" {
  domain_name     = "b"
  access_policies = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "es:ESHttpGet"
      Resource  = "*"
      Condition = { IpAddress = { "aws:SourceIp" = ["10.0.0.0/8"] } }
    }]
  })
}
resource "aws_elasticsearch_domain_policy" "open" {
  domain_name     = "c"
  access_policies = <<POLICY
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"es:*","Resource":"*"}]}
POLICY
}
resource "aws_opensearch_domain" "no_policy" {
  domain_name = "d"
}
resource "aws_opensearch_domain_policy" "variable" {
  domain_name     = "e"
  access_policies = var.policy
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ES-008"),
            [
                "aws_opensearch_domain.open",
                "aws_elasticsearch_domain_policy.open"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ES-008"),
            ["aws_opensearch_domain_policy.variable"]
        );
    }

    #[test]
    fn dedicated_masters_need_a_quorum_of_three() {
        let r = hcl(r#"
resource "aws_opensearch_domain" "unset" {
  domain_name = "a"
}
resource "aws_opensearch_domain" "three" {
  domain_name = "b"
  cluster_config {
    dedicated_master_enabled = true
    dedicated_master_count   = 3
  }
}
resource "aws_opensearch_domain" "two" {
  domain_name = "c"
  cluster_config {
    dedicated_master_enabled = true
    dedicated_master_count   = 2
  }
}
resource "aws_opensearch_domain" "variable" {
  domain_name = "d"
  cluster_config {
    dedicated_master_enabled = var.masters
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ES-009"),
            ["aws_opensearch_domain.unset", "aws_opensearch_domain.two"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ES-009"),
            ["aws_opensearch_domain.variable"]
        );
    }

    #[test]
    fn zone_awareness_defaults_to_off() {
        let r = hcl(r#"
resource "aws_opensearch_domain" "unset" {
  domain_name = "a"
  cluster_config {
    instance_count = 2
  }
}
resource "aws_opensearch_domain" "on" {
  domain_name = "b"
  cluster_config {
    zone_awareness_enabled = true
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ES-010"),
            ["aws_opensearch_domain.unset"]
        );
    }

    #[test]
    fn encrypted_domains_need_a_customer_key() {
        let r = hcl(r#"
resource "aws_kms_key" "search" {}
resource "aws_opensearch_domain" "managed_key" {
  domain_name = "a"
  encrypt_at_rest {
    enabled = true
  }
}
resource "aws_opensearch_domain" "customer_key" {
  domain_name = "b"
  encrypt_at_rest {
    enabled    = true
    kms_key_id = aws_kms_key.search.arn
  }
}
resource "aws_opensearch_domain" "unencrypted" {
  domain_name = "c"
}
resource "aws_opensearch_domain" "variable" {
  domain_name = "d"
  encrypt_at_rest {
    enabled    = true
    kms_key_id = var.key
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ES-011"),
            ["aws_opensearch_domain.managed_key"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ES-011"),
            ["aws_opensearch_domain.variable"]
        );
    }

    #[test]
    fn anonymous_access_fails() {
        let r = hcl(r#"
resource "aws_opensearch_domain" "anonymous" {
  domain_name = "a"
  advanced_security_options {
    enabled                = true
    anonymous_auth_enabled = true
  }
}
resource "aws_opensearch_domain" "default" {
  domain_name = "b"
  advanced_security_options {
    enabled = true
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-ES-012"),
            ["aws_opensearch_domain.anonymous"]
        );
    }

    #[test]
    fn settings_known_only_after_apply_are_undecided() {
        let r = hcl(r#"
resource "aws_opensearch_domain" "variable" {
  domain_name = "a"
  cluster_config {
    zone_awareness_enabled = var.zones
  }
  advanced_security_options {
    enabled                = true
    anonymous_auth_enabled = var.anonymous
  }
}
"#);
        for rule in ["RG-AWS-ES-010", "RG-AWS-ES-012"] {
            assert_eq!(
                undecided(&r, rule),
                ["aws_opensearch_domain.variable"],
                "{rule}"
            );
            assert!(flagged(&r, rule).is_empty(), "{rule}");
        }
    }
}
