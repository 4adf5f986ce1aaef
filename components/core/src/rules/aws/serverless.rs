//! Lambda beyond tracing, environment secrets and service permissions
//! (`compute.rs`, `iam.rs`): runtimes, function URLs, public invoke permissions,
//! network placement, failure handling, environment encryption and code signing.

use super::compute::customer_key;
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{is_managed, known_blocks, single_block};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::Value;

const FUNCTION: &[&str] = &["aws_lambda_function"];

const PUBLIC_INVOKE: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1", "CC6.6"]),
    ("pci-dss-4.0", &["7.2.1"]),
    ("nist-800-53-r5", &["AC-3", "AC-6"]),
    ("nist-csf-2.0", &["PR.AA-05"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-004",
            title: "Lambda function uses a deprecated runtime",
            severity: Severity::High,
            description: "Under the Lambda runtime deprecation policy a runtime is deprecated when its language or operating system stops receiving security updates: Lambda no longer patches it, and later blocks creating and then updating functions that use it. Judged against the deprecation dates published on the Lambda runtimes page as recorded on 2026-12-06, not against the current date, so results are reproducible; runtimes not in that record (newer ones) pass.",
            remediation: "Move the function to a supported runtime of its language (for example `nodejs22.x`, `python3.13`, `java21`, `dotnet10`, `ruby3.4`, `provided.al2023`).",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC7.1"]),
                ("pci-dss-4.0", &["6.3.3"]),
                ("nist-800-53-r5", &["SI-2", "SA-22"]),
                ("nist-csf-2.0", &["PR.PS-02"]),
            ],
            resource_types: FUNCTION,
        },
        check: check_deprecated_runtime,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-005",
            title: "Lambda function URL requires no authentication",
            severity: Severity::High,
            description: "A function URL with `authorization_type = \"NONE\"` is a public HTTPS endpoint: anyone on the internet who learns the URL can invoke the function, with its role's permissions, as often as they like.",
            remediation: "Set `authorization_type = \"AWS_IAM\"` and grant `lambda:InvokeFunctionUrl` to the callers, or put the function behind API Gateway with an authorizer.",
            aliases: &[],
            frameworks: PUBLIC_INVOKE,
            resource_types: &["aws_lambda_function_url"],
        },
        check: check_function_url_auth,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-006",
            title: "Lambda permission lets anyone invoke the function",
            severity: Severity::Critical,
            description: "An `aws_lambda_permission` with `principal = \"*\"` and no `source_account`, `source_arn` or `principal_org_id` adds a resource policy statement that lets every AWS account (and, for function URLs, anonymous callers) invoke the function.",
            remediation: "Name the principal (an account, a role, or a service such as `s3.amazonaws.com` with `source_arn`), or restrict `*` with `principal_org_id`.",
            aliases: &[],
            frameworks: PUBLIC_INVOKE,
            resource_types: &["aws_lambda_permission"],
        },
        check: check_public_permission,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-007",
            title: "Lambda function is not connected to a VPC",
            severity: Severity::Low,
            description: "Without `vpc_config` the function runs in a Lambda-managed network with unrestricted outbound internet access: no security group or network ACL limits where it can send data, and VPC flow logs do not see its traffic.",
            remediation: "Add `vpc_config { subnet_ids = [...] security_group_ids = [...] }` with private subnets and egress restricted to what the function needs.",
            aliases: &["CKV_AWS_117"],
            frameworks: &[
                ("soc2", &["CC6.6"]),
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: FUNCTION,
        },
        check: check_function_vpc,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-008",
            title: "Lambda function has no destination for failed asynchronous invocations",
            severity: Severity::Low,
            description: "Without `dead_letter_config` or an `aws_lambda_function_event_invoke_config` with an `on_failure` destination, events from asynchronous invocations that fail every retry are discarded, leaving no record of the lost work or of the inputs that caused it.",
            remediation: "Add `dead_letter_config { target_arn = aws_sqs_queue.dlq.arn }`, or an `aws_lambda_function_event_invoke_config` with `destination_config { on_failure { destination = ... } }`.",
            aliases: &["CKV_AWS_116"],
            frameworks: &[("soc2", &["A1.2", "CC7.2"]), ("nist-800-53-r5", &["SI-11"])],
            resource_types: FUNCTION,
        },
        check: check_failure_destination,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-009",
            title: "Lambda environment variables are not encrypted with a customer managed key",
            severity: Severity::Low,
            description: "A function with environment variables and no `kms_key_arn` encrypts them with the AWS managed `aws/lambda` key, which every principal allowed to read the function's configuration can use: the variables are shown in plaintext to anyone with `lambda:GetFunctionConfiguration`.",
            remediation: "Set `kms_key_arn` to a customer managed `aws_kms_key` whose policy grants decryption only to the function's role and its operators.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("pci-dss-4.0", &["3.6.1"]),
                ("nist-800-53-r5", &["SC-12", "SC-28"]),
            ],
            resource_types: FUNCTION,
        },
        check: check_environment_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-010",
            title: "Lambda function does not enforce code signing",
            severity: Severity::Low,
            description: "A .zip function without `code_signing_config_arn` accepts any deployment package: whoever can call `UpdateFunctionCode` can run code that no trusted publisher signed. Container image functions cannot use code signing and are not checked.",
            remediation: "Create an `aws_lambda_code_signing_config` with your signing profiles and `untrusted_artifact_on_deployment = \"Enforce\"`, and set `code_signing_config_arn` on the function.",
            aliases: &["CKV_AWS_272"],
            frameworks: &[
                ("soc2", &["CC8.1"]),
                ("nist-800-53-r5", &["CM-14", "SI-7"]),
                ("nist-csf-2.0", &["PR.PS-05"]),
            ],
            resource_types: FUNCTION,
        },
        check: check_code_signing,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-LMB-011",
            title: "Lambda code signing configuration only warns on untrusted code",
            severity: Severity::Medium,
            description: "`policies.untrusted_artifact_on_deployment` defaults to \"Warn\": a package that fails signature validation is still deployed, with only a CloudWatch metric and log entry to show for it, so the configuration enforces nothing.",
            remediation: "Add `policies { untrusted_artifact_on_deployment = \"Enforce\" }`.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC8.1"]),
                ("nist-800-53-r5", &["CM-14", "SI-7"]),
                ("nist-csf-2.0", &["PR.PS-05"]),
            ],
            resource_types: &["aws_lambda_code_signing_config"],
        },
        check: check_code_signing_enforced,
    },
];

// ----- Runtimes -----

/// The day the table below was last checked against the Lambda runtimes page
/// (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). The rule judges
/// runtimes as of this date, never the wall clock.
const LAMBDA_RUNTIMES_AS_OF: &str = "2026-12-06";

/// Runtime identifier → deprecation date, per the Lambda runtime deprecation
/// policy. Rows after [`LAMBDA_RUNTIMES_AS_OF`] are listed so that updating the
/// date is the only change needed when they pass.
const LAMBDA_RUNTIME_DEPRECATION: &[(&str, &str)] = &[
    ("nodejs", "2016-10-31"),
    ("nodejs4.3", "2020-03-05"),
    ("nodejs4.3-edge", "2020-03-05"),
    ("nodejs6.10", "2019-08-12"),
    ("nodejs8.10", "2020-03-06"),
    ("nodejs10.x", "2021-07-30"),
    ("nodejs12.x", "2023-03-31"),
    ("nodejs14.x", "2023-12-04"),
    ("nodejs16.x", "2024-06-12"),
    ("nodejs18.x", "2025-09-01"),
    ("nodejs20.x", "2026-04-30"),
    ("nodejs22.x", "2027-04-30"),
    ("python2.7", "2021-07-15"),
    ("python3.6", "2022-07-18"),
    ("python3.7", "2023-12-04"),
    ("python3.8", "2024-10-14"),
    ("python3.9", "2025-12-15"),
    ("python3.10", "2026-06-30"),
    ("python3.11", "2026-06-30"),
    ("python3.12", "2028-10-31"),
    ("python3.13", "2029-06-30"),
    ("java8", "2024-01-08"),
    ("java8.al2", "2026-06-30"),
    ("java11", "2026-06-30"),
    ("java17", "2026-06-30"),
    ("java21", "2029-06-30"),
    ("dotnetcore1.0", "2019-07-27"),
    ("dotnetcore2.0", "2019-05-30"),
    ("dotnetcore2.1", "2022-01-05"),
    ("dotnetcore3.1", "2023-04-03"),
    ("dotnet5.0", "2022-05-10"),
    ("dotnet6", "2024-11-12"),
    ("dotnet7", "2024-05-14"),
    ("dotnet8", "2026-11-10"),
    ("ruby2.5", "2021-07-30"),
    ("ruby2.7", "2023-11-27"),
    ("ruby3.2", "2026-03-31"),
    ("ruby3.3", "2027-03-31"),
    ("go1.x", "2024-01-08"),
    ("provided", "2024-01-08"),
    ("provided.al2", "2026-06-30"),
    ("provided.al2023", "2029-06-30"),
];

/// The deprecation date of a runtime that was deprecated by [`LAMBDA_RUNTIMES_AS_OF`]
/// (ISO dates compare as text).
fn runtime_deprecated(runtime: &str) -> Option<&'static str> {
    LAMBDA_RUNTIME_DEPRECATION
        .iter()
        .find(|(id, _)| *id == runtime)
        .map(|(_, date)| *date)
        .filter(|date| *date <= LAMBDA_RUNTIMES_AS_OF)
}

fn check_deprecated_runtime(function: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::non_empty_str(function.attributes.get("runtime")) {
        Tri::Known(runtime) => {
            if let Some(date) = runtime_deprecated(runtime) {
                out.fail(
                    format!(
                        "Lambda function `{}` uses runtime `{runtime}`, deprecated since {date}",
                        function.address
                    ),
                    Some("runtime"),
                );
            }
        }
        Tri::Unknown => out.cannot_tell("`runtime` is known only after apply"),
        // Container images bring their own runtime.
        Tri::Missing => {}
    }
}

// ----- Invocation -----

fn check_function_url_auth(url: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(url.attributes.get("authorization_type")) {
        Tri::Known(kind) if kind.eq_ignore_ascii_case("NONE") => out.fail(
            format!(
                "function URL `{}` requires no authentication (`authorization_type = \"NONE\"`)",
                url.address
            ),
            Some("authorization_type"),
        ),
        Tri::Unknown => out.cannot_tell("`authorization_type` is known only after apply"),
        _ => {}
    }
}

/// Arguments of a permission that narrow a `*` principal to some callers.
const PRINCIPAL_SCOPES: &[&str] = &["source_account", "source_arn", "principal_org_id"];

fn check_public_permission(permission: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(permission.attributes.get("principal")) {
        Tri::Known("*") => {}
        Tri::Unknown => return out.cannot_tell("`principal` is known only after apply"),
        _ => return,
    }
    let scoped = Tri::any(PRINCIPAL_SCOPES.iter().map(|argument| {
        match Tri::non_empty_str(permission.attributes.get(argument)) {
            Tri::Known(_) => Tri::Known(true),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Known(false),
        }
    }));
    match scoped {
        Tri::Known(false) => out.fail(
            format!(
                "permission `{}` lets any principal invoke the function (`principal = \"*\"` with no source or organization)",
                permission.address
            ),
            Some("principal"),
        ),
        Tri::Unknown => out.cannot_tell("whether the permission is scoped is known only after apply"),
        _ => {}
    }
}

// ----- Network, failures, encryption -----

fn check_function_vpc(function: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let subnets = single_block(function.attributes.get("vpc_config")).and_then(|config| {
        match Tri::list(config.get("subnet_ids")) {
            Tri::Known(ids) => Tri::Known(!ids.is_empty()),
            other => other.map(|_| false),
        }
    });
    match subnets {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell("the function's `vpc_config` is known only after apply"),
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "Lambda function `{}` is not connected to a VPC",
                function.address
            ),
            None,
        ),
    }
}

fn check_failure_destination(function: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match single_block(function.attributes.get("dead_letter_config"))
        .and_then(|d| Tri::non_empty_str(d.get("target_arn")))
    {
        Tri::Known(_) => return,
        Tri::Unknown => return out.cannot_tell("`dead_letter_config` is known only after apply"),
        Tri::Missing => {}
    }
    let configs = ctx.referencing(
        function,
        "aws_lambda_function_event_invoke_config",
        "function_name",
    );
    let mut unknown = configs.unresolved;
    for config in configs.definite.iter().filter(|r| is_managed(r)) {
        let on_failure = single_block(config.attributes.get("destination_config"))
            .and_then(|d| single_block(d.get("on_failure")))
            .and_then(|f| Tri::non_empty_str(f.get("destination")));
        match on_failure {
            Tri::Known(_) => return,
            Tri::Unknown => unknown = true,
            Tri::Missing => {}
        }
    }
    if unknown {
        out.cannot_tell("the function's failure destinations are known only after apply");
    } else {
        out.fail(
            format!(
                "Lambda function `{}` has no dead-letter queue or on-failure destination",
                function.address
            ),
            None,
        );
    }
}

/// Whether a function defines environment variables.
fn has_environment(function: &Resource) -> Tri<bool> {
    let Some(environments) = known_blocks(function.attributes.get("environment")) else {
        return Tri::Unknown;
    };
    Tri::any(
        environments
            .iter()
            .map(|env| match Tri::value(env.get("variables")) {
                Tri::Known(Value::Map(variables)) => Tri::Known(!variables.is_empty()),
                Tri::Known(_) | Tri::Unknown => Tri::Unknown,
                Tri::Missing => Tri::Known(false),
            }),
    )
}

fn check_environment_customer_key(function: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match has_environment(function) {
        Tri::Known(true) => {}
        Tri::Unknown => return out.cannot_tell("the environment is known only after apply"),
        _ => return,
    }
    match customer_key(ctx, function, function.attributes.get("kms_key_arn")) {
        Tri::Known(false) => out.fail(
            format!(
                "Lambda function `{}` encrypts its environment variables with the AWS managed key (no `kms_key_arn`)",
                function.address
            ),
            None,
        ),
        Tri::Unknown => out.cannot_tell("`kms_key_arn` is known only after apply"),
        _ => {}
    }
}

// ----- Code signing -----

fn check_code_signing(function: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(function.attributes.get("package_type")).or_default_value("Zip") {
        Tri::Known("Zip") => {}
        Tri::Unknown => return out.cannot_tell("`package_type` is known only after apply"),
        _ => return,
    }
    if Tri::non_empty_str(function.attributes.get("code_signing_config_arn")) == Tri::Missing {
        out.fail(
            format!(
                "Lambda function `{}` has no `code_signing_config_arn`",
                function.address
            ),
            None,
        );
    }
}

fn check_code_signing_enforced(config: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let action = match single_block(config.attributes.get("policies")) {
        Tri::Known(policies) => Tri::str(policies.get("untrusted_artifact_on_deployment")),
        Tri::Missing => Tri::Missing,
        Tri::Unknown => Tri::Unknown,
    };
    match action.or_default_value("Warn") {
        Tri::Known(action) if action.eq_ignore_ascii_case("Enforce") => {}
        Tri::Unknown => out.cannot_tell("`untrusted_artifact_on_deployment` is known only after apply"),
        _ => out.fail(
            format!(
                "code signing configuration `{}` deploys unsigned or untrusted code with a warning only",
                config.address
            ),
            config.attributes.contains_key("policies").then_some("policies"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn runtimes_against_the_table() {
        let r = hcl(r#"
resource "aws_lambda_function" "old" {
  function_name = "a"
  runtime       = "python3.8"
}
resource "aws_lambda_function" "current" {
  function_name = "b"
  runtime       = "python3.13"
}
resource "aws_lambda_function" "image" {
  function_name = "c"
  package_type  = "Image"
  image_uri     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1"
}
resource "aws_lambda_function" "chosen" {
  function_name = "d"
  runtime       = var.runtime
}"#);
        assert_eq!(flagged(&r, "RG-AWS-LMB-004"), ["aws_lambda_function.old"]);
        assert_eq!(
            undecided(&r, "RG-AWS-LMB-004"),
            ["aws_lambda_function.chosen"]
        );
        // The table's own date decides: nodejs20.x is deprecated, nodejs22.x is not yet.
        assert_eq!(runtime_deprecated("nodejs20.x"), Some("2026-04-30"));
        assert_eq!(runtime_deprecated("nodejs22.x"), None);
        assert_eq!(runtime_deprecated("nodejs24.x"), None);
    }

    #[test]
    fn function_urls_and_public_permissions() {
        let r = hcl(r#"
resource "aws_lambda_function_url" "open" {
  function_name      = aws_lambda_function.f.function_name
  authorization_type = "NONE"
}
resource "aws_lambda_function_url" "iam" {
  function_name      = aws_lambda_function.f.function_name
  authorization_type = "AWS_IAM"
}
resource "aws_lambda_permission" "anyone" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.f.function_name
  principal     = "*"
}
resource "aws_lambda_permission" "org" {
  action           = "lambda:InvokeFunction"
  function_name    = aws_lambda_function.f.function_name
  principal        = "*"
  principal_org_id = "o-abc123"
}
resource "aws_lambda_permission" "service" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.f.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.b.arn
}
resource "aws_lambda_permission" "chosen" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.f.function_name
  principal     = "*"
  source_account = var.account
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-LMB-005"),
            ["aws_lambda_function_url.open"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-LMB-006"),
            ["aws_lambda_permission.anyone"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-LMB-006"),
            ["aws_lambda_permission.chosen"]
        );
    }

    #[test]
    fn vpc_failures_keys_and_signing() {
        let r = hcl(r#"
resource "aws_lambda_function" "bare" {
  function_name = "a"
  runtime       = "python3.13"
  environment {
    variables = { STAGE = "prod" }
  }
}
resource "aws_lambda_function" "hardened" {
  function_name           = "b"
  runtime                 = "python3.13"
  kms_key_arn             = aws_kms_key.lambda.arn
  code_signing_config_arn = aws_lambda_code_signing_config.c.arn
  environment {
    variables = { STAGE = "prod" }
  }
  vpc_config {
    subnet_ids         = [aws_subnet.private.id]
    security_group_ids = [aws_security_group.fn.id]
  }
  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }
}
resource "aws_lambda_function" "destination" {
  function_name = "c"
  package_type  = "Image"
}
resource "aws_lambda_function_event_invoke_config" "c" {
  function_name = aws_lambda_function.destination.function_name
  destination_config {
    on_failure {
      destination = aws_sqs_queue.failures.arn
    }
  }
}
resource "aws_lambda_function" "chosen" {
  function_name = "d"
  runtime       = "python3.13"
  kms_key_arn   = var.key
  environment {
    variables = { STAGE = "prod" }
  }
  vpc_config {
    subnet_ids         = var.subnets
    security_group_ids = []
  }
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-LMB-007"),
            [
                "aws_lambda_function.bare",
                "aws_lambda_function.destination"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-LMB-007"),
            ["aws_lambda_function.chosen"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-LMB-008"),
            ["aws_lambda_function.bare", "aws_lambda_function.chosen"]
        );
        assert_eq!(flagged(&r, "RG-AWS-LMB-009"), ["aws_lambda_function.bare"]);
        assert_eq!(
            undecided(&r, "RG-AWS-LMB-009"),
            ["aws_lambda_function.chosen"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-LMB-010"),
            ["aws_lambda_function.bare", "aws_lambda_function.chosen"]
        );
    }

    #[test]
    fn code_signing_policy() {
        let r = hcl(r#"
resource "aws_lambda_code_signing_config" "default" {
  allowed_publishers {
    signing_profile_version_arns = [aws_signer_signing_profile.p.version_arn]
  }
}
resource "aws_lambda_code_signing_config" "enforced" {
  allowed_publishers {
    signing_profile_version_arns = [aws_signer_signing_profile.p.version_arn]
  }
  policies {
    untrusted_artifact_on_deployment = "Enforce"
  }
}
resource "aws_lambda_code_signing_config" "chosen" {
  allowed_publishers {
    signing_profile_version_arns = [aws_signer_signing_profile.p.version_arn]
  }
  policies {
    untrusted_artifact_on_deployment = var.action
  }
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-LMB-011"),
            ["aws_lambda_code_signing_config.default"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-LMB-011"),
            ["aws_lambda_code_signing_config.chosen"]
        );
    }
}
