//! SageMaker: notebook instances, Studio domains, models and endpoints. Notebooks and
//! Studio hold training data and credentials and run arbitrary code, so what matters
//! is their network path (direct internet access, VPC placement), whether users get
//! root, which key encrypts their storage, and whether models can call out.
//!
//! Several SageMaker defaults are the permissive choice: a notebook has direct
//! internet access and root access unless told otherwise, and a Studio domain sends
//! traffic through the SageMaker-managed internet path.

use super::controls::{CUSTOMER_KEY, LEAST_PRIVILEGE, NETWORK_BOUNDARY};
use super::data_stores::at;
use super::settings::{require_customer_key, require_on};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::configured;
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SGM-001",
            title: "SageMaker notebook instance has direct internet access",
            severity: Severity::High,
            description: "With direct internet access (`direct_internet_access = \"Enabled\"`, the default) a notebook reaches the internet through a SageMaker-managed network, bypassing the VPC's security groups, endpoint policies, flow logs and egress controls: data can leave and code can be fetched unseen.",
            remediation: "Set `direct_internet_access = \"Disabled\"` with `subnet_id` and `security_groups` in a VPC that provides the egress needed (VPC endpoints, or a NAT gateway behind a firewall).",
            aliases: &[],
            frameworks: NETWORK_BOUNDARY,
            resource_types: &["aws_sagemaker_notebook_instance"],
        },
        check: check_notebook_internet,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SGM-002",
            title: "SageMaker notebook instance gives users root access",
            severity: Severity::Medium,
            description: "With root access (`root_access = \"Enabled\"`, the default) notebook users can change the instance: install software, alter lifecycle configurations, read other users' files and tamper with the instance's logs and credentials.",
            remediation: "Set `root_access = \"Disabled\"` and install what users need through a lifecycle configuration.",
            aliases: &["CKV_AWS_307"],
            frameworks: LEAST_PRIVILEGE,
            resource_types: &["aws_sagemaker_notebook_instance"],
        },
        check: check_notebook_root,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SGM-003",
            title: "SageMaker notebook or domain storage is not encrypted with a customer-managed key",
            severity: Severity::Medium,
            description: "Without `kms_key_id` a notebook instance's ML storage volume, or a Studio domain's EFS home directories, are encrypted with an AWS-managed key whose policy the account cannot restrict.",
            remediation: "Set `kms_key_id` to a customer-managed `aws_kms_key` (at creation).",
            aliases: &["CKV_AWS_22", "CKV_AWS_187"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_sagemaker_notebook_instance", "aws_sagemaker_domain"],
        },
        check: check_storage_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SGM-004",
            title: "SageMaker endpoint configuration does not encrypt its storage with a customer-managed key",
            severity: Severity::Medium,
            description: "Without `kms_key_arn` the ML storage volumes of the endpoint's instances, which hold the model and may hold captured requests, are encrypted with an AWS-managed key whose policy the account cannot restrict.",
            remediation: "Set `kms_key_arn` to the ARN of a customer-managed `aws_kms_key`.",
            aliases: &["CKV_AWS_98"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_sagemaker_endpoint_configuration"],
        },
        check: check_endpoint_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SGM-005",
            title: "SageMaker notebook instance is not in a VPC",
            severity: Severity::Medium,
            description: "A notebook without `subnet_id` runs outside the account's VPCs: no security group limits what it can reach, and no flow log records it.",
            remediation: "Set `subnet_id` and `security_groups` to a private subnet and a restrictive security group.",
            aliases: &["CKV_AWS_306"],
            frameworks: NETWORK_BOUNDARY,
            resource_types: &["aws_sagemaker_notebook_instance"],
        },
        check: check_notebook_vpc,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SGM-006",
            title: "SageMaker Studio domain reaches the internet outside the VPC",
            severity: Severity::High,
            description: "With `app_network_access_type = \"PublicInternetOnly\"` (the default) Studio apps reach the internet through a SageMaker-managed network, bypassing the VPC's security groups, endpoint policies and egress controls.",
            remediation: "Set `app_network_access_type = \"VpcOnly\"` with private `subnet_ids` that provide the egress needed.",
            aliases: &[],
            frameworks: NETWORK_BOUNDARY,
            resource_types: &["aws_sagemaker_domain"],
        },
        check: check_domain_network,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SGM-007",
            title: "SageMaker model does not use network isolation",
            severity: Severity::Low,
            description: "Without network isolation a model container, which often runs third-party code, can make outbound calls: exfiltrate inference data or fetch payloads. `enable_network_isolation` defaults to false.",
            remediation: "Set `enable_network_isolation = true` unless the container needs the network (then place it in a VPC with `vpc_config`).",
            aliases: &["CKV_AWS_370"],
            frameworks: NETWORK_BOUNDARY,
            resource_types: &["aws_sagemaker_model"],
        },
        check: check_model_isolation,
    },
];

/// A SageMaker `Enabled`/`Disabled` setting that must be `Disabled`.
fn require_disabled(resource: &Resource, out: &mut Verdicts, attribute: &str, what: &str) {
    match Tri::str(configured(resource.attributes.get(attribute))) {
        Tri::Known("Disabled") => {}
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is known only after apply")),
        Tri::Known(value) => out.fail(
            format!(
                "`{}` {what} (`{attribute} = \"{value}\"`)",
                resource.address
            ),
            at(resource, &[attribute]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` {what} (`{attribute}` is not set and defaults to `Enabled`)",
                resource.address
            ),
            None,
        ),
    }
}

fn check_notebook_internet(notebook: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_disabled(
        notebook,
        out,
        "direct_internet_access",
        "reaches the internet outside the VPC",
    );
}

fn check_notebook_root(notebook: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_disabled(notebook, out, "root_access", "gives its users root");
}

fn check_storage_key(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(
        resource,
        ctx,
        out,
        resource.attributes.get("kms_key_id"),
        "kms_key_id",
        "an AWS-managed key",
    );
}

fn check_endpoint_key(configuration: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    require_customer_key(
        configuration,
        ctx,
        out,
        configuration.attributes.get("kms_key_arn"),
        "kms_key_arn",
        "an AWS-managed key",
    );
}

fn check_notebook_vpc(notebook: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match ctx.is_set(notebook, notebook.attributes.get("subnet_id")) {
        Tri::Known(true) => {}
        Tri::Unknown | Tri::Missing => out.cannot_tell("`subnet_id` is known only after apply"),
        Tri::Known(false) => out.fail(
            format!("`{}` runs outside a VPC (no `subnet_id`)", notebook.address),
            at(notebook, &["subnet_id"]),
        ),
    }
}

fn check_domain_network(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(configured(domain.attributes.get("app_network_access_type"))) {
        Tri::Known("VpcOnly") => {}
        Tri::Unknown => out.cannot_tell("`app_network_access_type` is known only after apply"),
        Tri::Known(value) => out.fail(
            format!(
                "`{}` sends Studio traffic to the internet outside the VPC (`app_network_access_type = \"{value}\"`)",
                domain.address
            ),
            at(domain, &["app_network_access_type"]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` sends Studio traffic to the internet outside the VPC (`app_network_access_type` is not set and defaults to `PublicInternetOnly`)",
                domain.address
            ),
            None,
        ),
    }
}

fn check_model_isolation(model: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        model,
        out,
        Tri::bool(model.attributes.get("enable_network_isolation")),
        false,
        "enable_network_isolation",
        "lets its containers make outbound network calls",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn notebook_defaults_are_permissive() {
        let r = hcl(r#"
resource "aws_kms_key" "ml" {}
resource "aws_subnet" "private" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.1.0/24"
}
resource "aws_sagemaker_notebook_instance" "defaults" {
  name          = "a"
  role_arn      = "arn:aws:iam::123456789012:role/sagemaker"
  instance_type = "ml.t3.medium"
}
resource "aws_sagemaker_notebook_instance" "hardened" {
  name                   = "b"
  role_arn               = "arn:aws:iam::123456789012:role/sagemaker"
  instance_type          = "ml.t3.medium"
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
  kms_key_id             = aws_kms_key.ml.id
  subnet_id              = aws_subnet.private.id
}
resource "aws_sagemaker_notebook_instance" "variable" {
  name                   = "c"
  role_arn               = "arn:aws:iam::123456789012:role/sagemaker"
  instance_type          = "ml.t3.medium"
  direct_internet_access = var.internet
  root_access            = var.root
  kms_key_id             = var.key
  subnet_id              = var.subnet
}
"#);
        for rule in [
            "RG-AWS-SGM-001",
            "RG-AWS-SGM-002",
            "RG-AWS-SGM-003",
            "RG-AWS-SGM-005",
        ] {
            assert_eq!(
                flagged(&r, rule),
                ["aws_sagemaker_notebook_instance.defaults"],
                "{rule}"
            );
            assert_eq!(
                undecided(&r, rule),
                ["aws_sagemaker_notebook_instance.variable"],
                "{rule}"
            );
        }
    }

    #[test]
    fn studio_domains_endpoints_and_models() {
        let r = hcl(r#"
resource "aws_kms_key" "ml" {}
resource "aws_sagemaker_domain" "public" {
  domain_name = "a"
  auth_mode   = "IAM"
  vpc_id      = "vpc-1"
  subnet_ids  = ["subnet-1"]
}
resource "aws_sagemaker_domain" "vpc_only" {
  domain_name             = "b"
  auth_mode               = "IAM"
  vpc_id                  = "vpc-1"
  subnet_ids              = ["subnet-1"]
  app_network_access_type = "VpcOnly"
  kms_key_id              = aws_kms_key.ml.arn
}
resource "aws_sagemaker_endpoint_configuration" "default" {
  name = "a"
}
resource "aws_sagemaker_endpoint_configuration" "customer" {
  name        = "b"
  kms_key_arn = aws_kms_key.ml.arn
}
resource "aws_sagemaker_model" "open" {
  name               = "a"
  execution_role_arn = "arn:aws:iam::123456789012:role/sagemaker"
}
resource "aws_sagemaker_model" "isolated" {
  name                     = "b"
  execution_role_arn       = "arn:aws:iam::123456789012:role/sagemaker"
  enable_network_isolation = true
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-SGM-006"),
            ["aws_sagemaker_domain.public"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-SGM-003"),
            ["aws_sagemaker_domain.public"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-SGM-004"),
            ["aws_sagemaker_endpoint_configuration.default"]
        );
        assert_eq!(flagged(&r, "RG-AWS-SGM-007"), ["aws_sagemaker_model.open"]);
    }

    #[test]
    fn settings_known_only_after_apply_are_undecided() {
        let r = hcl(r#"
resource "aws_sagemaker_domain" "variable" {
  domain_name             = "a"
  auth_mode               = "IAM"
  vpc_id                  = "vpc-1"
  subnet_ids              = ["subnet-1"]
  app_network_access_type = var.access
  kms_key_id              = var.key
}
resource "aws_sagemaker_endpoint_configuration" "variable" {
  name        = "a"
  kms_key_arn = var.key
}
resource "aws_sagemaker_model" "variable" {
  name                     = "a"
  execution_role_arn       = "arn:aws:iam::123456789012:role/sagemaker"
  enable_network_isolation = var.isolated
}
"#);
        for (rule, resource) in [
            ("RG-AWS-SGM-003", "aws_sagemaker_domain.variable"),
            (
                "RG-AWS-SGM-004",
                "aws_sagemaker_endpoint_configuration.variable",
            ),
            ("RG-AWS-SGM-006", "aws_sagemaker_domain.variable"),
            ("RG-AWS-SGM-007", "aws_sagemaker_model.variable"),
        ] {
            assert_eq!(undecided(&r, rule), [resource], "{rule}");
            assert!(flagged(&r, rule).is_empty(), "{rule}");
        }
    }
}
