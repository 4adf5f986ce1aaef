//! VPC beyond security groups, ACLs and flow log coverage (`network.rs`): endpoint
//! policies, endpoint services, transit gateways and what flow logs record.

use super::policy::{self, Statement};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{contains_string, is_managed};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

const SEGMENTATION: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.6"]),
    ("pci-dss-4.0", &["1.2.1"]),
    ("nist-800-53-r5", &["AC-4", "SC-7"]),
    ("nist-csf-2.0", &["PR.IR-01"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-VPC-006",
            title: "VPC endpoint policy allows full access",
            severity: Severity::Medium,
            description: "Without a `policy` (and no `aws_vpc_endpoint_policy` for it) a gateway or interface endpoint gets the default policy, which allows any principal every action on every resource of the service: code in the VPC can then move data to any account's bucket or table through it. An explicit policy that allows `*` to `*` for `*` is the same. Gateway Load Balancer endpoints take no policy and are not checked.",
            remediation: "Set `policy` to a document that allows only the actions and resources (your buckets, your tables, your organization) the VPC needs.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1", "CC6.6"]),
                ("nist-800-53-r5", &["AC-4", "AC-6"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_vpc_endpoint"],
        },
        check: check_endpoint_policy,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-VPC-007",
            title: "Transit gateway accepts shared attachments automatically",
            severity: Severity::Medium,
            description: "`auto_accept_shared_attachments = \"enable\"` attaches any VPC from an account the transit gateway is shared with, without review, routing its traffic into every network on the gateway. The default is \"disable\".",
            remediation: "Set `auto_accept_shared_attachments = \"disable\"` and accept attachments explicitly (`aws_ec2_transit_gateway_vpc_attachment_accepter`).",
            aliases: &["CKV_AWS_331"],
            frameworks: SEGMENTATION,
            resource_types: &["aws_ec2_transit_gateway"],
        },
        check: check_transit_gateway_auto_accept,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-VPC-008",
            title: "VPC flow log records only accepted traffic",
            severity: Severity::Low,
            description: "A flow log with `traffic_type = \"ACCEPT\"` drops the records of rejected connections, which are the trace of port scans and blocked intrusion attempts.",
            remediation: "Set `traffic_type = \"ALL\"` (or at least `\"REJECT\"`).",
            aliases: &[],
            frameworks: &[
                ("cis-aws-3.0", &["3.7"]),
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.2.1"]),
                ("nist-800-53-r5", &["AU-12", "SI-4"]),
                ("nist-csf-2.0", &["DE.CM-01"]),
            ],
            resource_types: &["aws_flow_log"],
        },
        check: check_flow_log_traffic_type,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-VPC-009",
            title: "VPC endpoint service lets any AWS account connect without approval",
            severity: Severity::High,
            description: "An endpoint service with `allowed_principals` containing `*` and `acceptance_required = false` accepts interface endpoints from every AWS account without review: anyone can reach the service behind its load balancer from their own VPC.",
            remediation: "List the allowed principals (accounts, roles, organizations) explicitly, or set `acceptance_required = true`.",
            aliases: &[],
            frameworks: SEGMENTATION,
            resource_types: &["aws_vpc_endpoint_service"],
        },
        check: check_endpoint_service_open,
    },
];

/// A statement that allows every action on every resource to anyone, unconditionally.
fn allows_everything(statement: &Statement) -> Tri<bool> {
    let everything = |list: &Tri<Vec<policy::Text>>| match list {
        Tri::Known(items) => Tri::any(items.iter().map(|t| t.is_any(&["*", "*:*"]))),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    };
    statement
        .allows()
        .and(|| statement.has_wildcard_principal())
        .and(|| everything(&statement.actions))
        .and(|| everything(&statement.resources))
        .and(|| !statement.has_condition())
}

fn check_endpoint_policy(endpoint: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(endpoint.attributes.get("vpc_endpoint_type")) {
        Tri::Known("GatewayLoadBalancer") => return,
        Tri::Unknown => return out.cannot_tell("`vpc_endpoint_type` is known only after apply"),
        _ => {}
    }
    let value = endpoint.attributes.get("policy");
    if Tri::non_empty_str(value) == Tri::Missing {
        let separate = ctx.referencing(endpoint, "aws_vpc_endpoint_policy", "vpc_endpoint_id");
        if let Some(policy) = separate.definite.iter().find(|r| is_managed(r)) {
            // The separate policy replaces the default; judge it here.
            return report_full_access(endpoint, ctx, policy, out);
        }
        if separate.unresolved {
            return out.cannot_tell(
                "an `aws_vpc_endpoint_policy` names an endpoint known only after apply",
            );
        }
        return out.fail(
            format!(
                "VPC endpoint `{}` has no policy, so the default policy allows full access to the service",
                endpoint.address
            ),
            None,
        );
    }
    report_full_access(endpoint, ctx, endpoint, out);
}

/// Reports `endpoint` when the `policy` of `holder` (the endpoint itself or its
/// `aws_vpc_endpoint_policy`) allows everything.
fn report_full_access(
    endpoint: &Resource,
    ctx: &Context<'_>,
    holder: &Resource,
    out: &mut Verdicts,
) {
    let value = holder.attributes.get("policy");
    if Tri::non_empty_str(value) == Tri::Missing {
        return out.fail(
            format!(
                "VPC endpoint `{}` has a policy resource without a policy, so the default policy allows full access",
                endpoint.address
            ),
            None,
        );
    }
    match policy::document(ctx, holder, value).and_then(|document| document.any(allows_everything)) {
        Tri::Known(true) => out.fail(
            format!(
                "VPC endpoint `{}` has a policy that allows every action on every resource to anyone",
                endpoint.address
            ),
            (holder.address == endpoint.address).then_some("policy"),
        ),
        Tri::Unknown if holder.address == endpoint.address => {
            out.cannot_tell("the endpoint policy (`policy`) is not known statically")
        }
        Tri::Unknown => out.cannot_tell(format!(
            "the endpoint policy (the `policy` of `{}`) is not known statically",
            holder.address
        )),
        _ => {}
    }
}

fn check_transit_gateway_auto_accept(gateway: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(gateway.attributes.get("auto_accept_shared_attachments")) {
        Tri::Known("enable") => out.fail(
            format!(
                "transit gateway `{}` accepts shared attachments automatically",
                gateway.address
            ),
            Some("auto_accept_shared_attachments"),
        ),
        Tri::Unknown => {
            out.cannot_tell("`auto_accept_shared_attachments` is known only after apply")
        }
        _ => {}
    }
}

fn check_flow_log_traffic_type(log: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(log.attributes.get("traffic_type")) {
        Tri::Known("ACCEPT") => out.fail(
            format!("flow log `{}` records only accepted traffic", log.address),
            Some("traffic_type"),
        ),
        Tri::Unknown => out.cannot_tell("`traffic_type` is known only after apply"),
        _ => {}
    }
}

fn check_endpoint_service_open(service: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let anyone = contains_string(service.attributes.get("allowed_principals"), |p| {
        p.trim() == "*"
    });
    let unreviewed = !Tri::bool(service.attributes.get("acceptance_required"));
    match anyone.and(|| unreviewed) {
        Tri::Known(true) => out.fail(
            format!(
                "endpoint service `{}` allows every AWS account (`*`) to connect without acceptance",
                service.address
            ),
            Some("allowed_principals"),
        ),
        Tri::Unknown => out.cannot_tell("the endpoint service's principals or acceptance are known only after apply"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn endpoint_policies() {
        let r = hcl(r#"
resource "aws_vpc_endpoint" "default_policy" {
  vpc_id       = aws_vpc.main.id
  service_name = "com.amazonaws.eu-west-1.s3"
}
resource "aws_vpc_endpoint" "open_policy" {
  vpc_id       = aws_vpc.main.id
  service_name = "com.amazonaws.eu-west-1.dynamodb"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "*", Resource = "*" }]
  })
}
resource "aws_vpc_endpoint" "scoped" {
  vpc_id       = aws_vpc.main.id
  service_name = "com.amazonaws.eu-west-1.s3"
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = ["s3:GetObject"]
      Resource  = ["arn:aws:s3:::my-bucket/*"]
    }]
  })
}
resource "aws_vpc_endpoint" "separate" {
  vpc_id       = aws_vpc.main.id
  service_name = "com.amazonaws.eu-west-1.sqs"
}
resource "aws_vpc_endpoint_policy" "separate" {
  vpc_endpoint_id = aws_vpc_endpoint.separate.id
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "*"
      Resource  = "*"
      Condition = { StringEquals = { "aws:PrincipalOrgID" = "o-123" } }
    }]
  })
}
resource "aws_vpc_endpoint" "gwlb" {
  vpc_id            = aws_vpc.main.id
  service_name      = aws_vpc_endpoint_service.fw.service_name
  vpc_endpoint_type = "GatewayLoadBalancer"
}
resource "aws_vpc_endpoint" "chosen" {
  vpc_id       = aws_vpc.main.id
  service_name = "com.amazonaws.eu-west-1.s3"
  policy       = var.policy
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-VPC-006"),
            [
                "aws_vpc_endpoint.default_policy",
                "aws_vpc_endpoint.open_policy"
            ]
        );
        assert_eq!(undecided(&r, "RG-AWS-VPC-006"), ["aws_vpc_endpoint.chosen"]);
    }

    #[test]
    fn transit_gateway_flow_logs_and_endpoint_services() {
        let r = hcl(r#"
resource "aws_ec2_transit_gateway" "auto" {
  auto_accept_shared_attachments = "enable"
}
resource "aws_ec2_transit_gateway" "default" {}
resource "aws_flow_log" "accepted" {
  vpc_id       = aws_vpc.main.id
  traffic_type = "ACCEPT"
}
resource "aws_flow_log" "all" {
  vpc_id       = aws_vpc.main.id
  traffic_type = "ALL"
}
resource "aws_vpc_endpoint_service" "open" {
  acceptance_required        = false
  allowed_principals         = ["*"]
  network_load_balancer_arns = [aws_lb.nlb.arn]
}
resource "aws_vpc_endpoint_service" "reviewed" {
  acceptance_required        = true
  allowed_principals         = ["*"]
  network_load_balancer_arns = [aws_lb.nlb.arn]
}
resource "aws_vpc_endpoint_service" "chosen" {
  acceptance_required        = false
  allowed_principals         = var.principals
  network_load_balancer_arns = [aws_lb.nlb.arn]
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-VPC-007"),
            ["aws_ec2_transit_gateway.auto"]
        );
        assert_eq!(flagged(&r, "RG-AWS-VPC-008"), ["aws_flow_log.accepted"]);
        assert_eq!(
            flagged(&r, "RG-AWS-VPC-009"),
            ["aws_vpc_endpoint_service.open"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-VPC-009"),
            ["aws_vpc_endpoint_service.chosen"]
        );
    }
}
