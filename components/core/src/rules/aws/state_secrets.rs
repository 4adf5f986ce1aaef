//! Secrets that an apply writes into Terraform state in plaintext: a password,
//! auth token or secret value given to a resource argument as a literal in the
//! configuration (after evaluation: a variable or local whose value is written out
//! counts), or known in a plan. State is readable by anyone with access to its
//! backend, and every earlier state version keeps the value.
//!
//! A value that is a reference (a variable with no default, a data source, a
//! resource attribute known only after apply) is not flagged here: it is not
//! written in the change. `random_password` results also land in state, which the
//! remediation says; only the write-only `*_wo` arguments (AWS provider ≥ 5.x on
//! Terraform ≥ 1.11) and service-managed passwords keep a secret out of it.

use crate::finding::Severity;
use crate::resource::{ChangeAction, Resource};
use crate::rules::values::{Tri, plain};
use crate::rules::{Context, ResourceRule, RuleMeta, Verdicts};
use crate::value::Value;

/// As the secrets catalog maps credentials in code (PCI DSS 4.0 8.3.2: authentication
/// factors unreadable in storage; 8.6.2: none hard coded), plus SC-28 and CSF PR.DS-01
/// (data at rest), since the state file is where the value ends up.
const HARD_CODED_SECRETS: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["8.3.2", "8.6.2"]),
    ("nist-800-53-r5", &["IA-5(7)", "SC-28"]),
    ("nist-csf-2.0", &["PR.AA-01", "PR.DS-01"]),
];

/// An argument whose value Terraform keeps in state, and what to use instead.
struct StateSecret {
    resource_type: &'static str,
    /// Dotted path; a segment that names a nested block applies to every block.
    path: &'static str,
    alternative: &'static str,
}

const STATE_SECRETS: &[StateSecret] = &[
    StateSecret {
        resource_type: "aws_db_instance",
        path: "password",
        alternative: "`manage_master_user_password = true` (RDS keeps the password in Secrets Manager) or `password_wo` with `password_wo_version`",
    },
    StateSecret {
        resource_type: "aws_rds_cluster",
        path: "master_password",
        alternative: "`manage_master_user_password = true` or `master_password_wo` with `master_password_wo_version`",
    },
    StateSecret {
        resource_type: "aws_docdb_cluster",
        path: "master_password",
        alternative: "`master_password_wo` with `master_password_wo_version`",
    },
    StateSecret {
        resource_type: "aws_redshift_cluster",
        path: "master_password",
        alternative: "`manage_master_password = true` or `master_password_wo` with `master_password_wo_version`",
    },
    StateSecret {
        resource_type: "aws_redshiftserverless_namespace",
        path: "admin_user_password",
        alternative: "`manage_admin_password = true` or `admin_user_password_wo`",
    },
    StateSecret {
        resource_type: "aws_elasticache_replication_group",
        path: "auth_token",
        alternative: "an `aws_elasticache_user` with IAM authentication (`authentication_mode { type = \"iam\" }`) in a user group",
    },
    StateSecret {
        resource_type: "aws_elasticache_user",
        path: "passwords",
        alternative: "`authentication_mode { type = \"iam\" }`",
    },
    StateSecret {
        resource_type: "aws_mq_broker",
        path: "user.password",
        alternative: "a password read at apply time from an ephemeral resource (it still lands in state: rotate it after creation, or use LDAP authentication)",
    },
    StateSecret {
        resource_type: "aws_dms_endpoint",
        path: "password",
        alternative: "`secrets_manager_arn` with `secrets_manager_access_role_arn`",
    },
    StateSecret {
        resource_type: "aws_opensearch_domain",
        path: "advanced_security_options.master_user_options.master_user_password",
        alternative: "`master_user_arn` (an IAM principal) instead of an internal master user",
    },
    StateSecret {
        resource_type: "aws_directory_service_directory",
        path: "password",
        alternative: "a password read from an ephemeral resource, rotated after creation",
    },
    StateSecret {
        resource_type: "aws_secretsmanager_secret_version",
        path: "secret_string",
        alternative: "`secret_string_wo` with `secret_string_wo_version`, or write the value outside Terraform",
    },
    StateSecret {
        resource_type: "aws_secretsmanager_secret_version",
        path: "secret_binary",
        alternative: "write the value outside Terraform",
    },
    StateSecret {
        resource_type: "aws_ssm_parameter",
        path: "value",
        alternative: "`value_wo` with `value_wo_version`, or write the value outside Terraform",
    },
];

/// Resource types whose generated secret lands in state unless a PGP key encrypts it.
const PGP_ENCRYPTED: &[(&str, &str)] = &[
    ("aws_iam_user_login_profile", "console password"),
    ("aws_iam_access_key", "secret access key"),
];

/// The values at `path` in a resource: every nested block along the way.
fn values_at<'v>(attributes: &'v crate::value::ValueMap, path: &str) -> Vec<Option<&'v Value>> {
    let (first, rest) = path
        .split_once('.')
        .map_or((path, None), |(a, b)| (a, Some(b)));
    let value = attributes.get(first);
    let Some(rest) = rest else {
        return vec![value];
    };
    match plain(value) {
        Some(Value::List(blocks)) => blocks
            .iter()
            .filter_map(|block| match plain(Some(block)) {
                Some(Value::Map(map)) => Some(values_at(map, rest)),
                _ => None,
            })
            .flatten()
            .collect(),
        Some(Value::Map(map)) => values_at(map, rest),
        _ => Vec::new(),
    }
}

/// Whether a value is written out: a non-empty string (or list of them), not a
/// reference known only after apply.
fn is_written_out(value: Option<&Value>) -> bool {
    match plain(value) {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::List(items)) => items.iter().any(|item| is_written_out(Some(item))),
        _ => false,
    }
}

/// Plan changes that write nothing (no-op) do not put anything new in state.
fn writes_state(resource: &Resource) -> bool {
    resource
        .change
        .as_ref()
        .is_none_or(|change| change.action != ChangeAction::NoOp)
}

fn check_literal_state_secrets(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    if !writes_state(resource) {
        return;
    }
    let origin = if resource.change.is_some() {
        "is known in the plan"
    } else {
        "is written in the configuration"
    };
    for secret in STATE_SECRETS
        .iter()
        .filter(|s| s.resource_type == resource.resource_type())
    {
        // Only a SecureString parameter holds a secret.
        if secret.resource_type == "aws_ssm_parameter"
            && Tri::str(resource.attributes.get("type")) != Tri::Known("SecureString")
        {
            continue;
        }
        if values_at(&resource.attributes, secret.path)
            .into_iter()
            .any(is_written_out)
        {
            out.fail(
                format!(
                    "`{}` sets `{}` to a value that {origin}: Terraform stores it in plaintext in the state. Use {} instead",
                    resource.address, secret.path, secret.alternative
                ),
                Some(secret.path.split('.').next().unwrap_or(secret.path)),
            );
        }
    }
    if let Some((_, what)) = PGP_ENCRYPTED
        .iter()
        .find(|(t, _)| *t == resource.resource_type())
    {
        match Tri::non_empty_str(resource.attributes.get("pgp_key")) {
            Tri::Known(_) | Tri::Unknown => {}
            Tri::Missing => out.fail(
                format!(
                    "`{}` has no `pgp_key`: the generated {what} is stored in plaintext in the state",
                    resource.address
                ),
                None,
            ),
        }
    }
}

pub(super) const RULES: &[ResourceRule] = &[ResourceRule {
    meta: RuleMeta {
        id: "RG-SECRET-STATE-001",
        title: "Secret written into Terraform state in plaintext",
        severity: Severity::High,
        description: "A password, auth token or secret value given to a resource argument as a literal (in the configuration, or through a variable or local whose value is written out) or known in a plan is stored in plaintext in the Terraform state, which anyone who can read the state backend can read, in every state version kept. Checked on RDS instances and clusters, DocumentDB, Redshift and Redshift Serverless, ElastiCache replication groups and users, Amazon MQ brokers, DMS endpoints, OpenSearch master users, Directory Service, Secrets Manager secret versions, SecureString SSM parameters, and IAM login profiles and access keys created without a PGP key. References known only after apply are not flagged.",
        remediation: "Keep the secret out of state: let the service manage it (`manage_master_user_password = true` on RDS and Aurora, `manage_master_password = true` on Redshift), or use the write-only arguments (`password_wo`, `master_password_wo`, `secret_string_wo`, `value_wo`, with their `*_wo_version`; AWS provider 5.x or later and Terraform 1.11 or later) fed from an ephemeral resource or an ephemeral variable. A `random_password` result still lands in state, as does any value read through a data source. For IAM login profiles and access keys, set `pgp_key`. Rotate a secret that was already applied: earlier state versions keep it.",
        aliases: &[],
        frameworks: HARD_CODED_SECRETS,
        resource_types: &[
            "aws_db_instance",
            "aws_rds_cluster",
            "aws_docdb_cluster",
            "aws_redshift_cluster",
            "aws_redshiftserverless_namespace",
            "aws_elasticache_replication_group",
            "aws_elasticache_user",
            "aws_mq_broker",
            "aws_dms_endpoint",
            "aws_opensearch_domain",
            "aws_directory_service_directory",
            "aws_secretsmanager_secret_version",
            "aws_ssm_parameter",
            "aws_iam_user_login_profile",
            "aws_iam_access_key",
        ],
    },
    check: check_literal_state_secrets,
}];

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, messages, review_of};

    const RULE: &str = "RG-SECRET-STATE-001";

    // Values are assembled at run time so the file holds no literal secret.
    fn pw() -> String {
        ["Xk9", "#qLm", "2vTr8"].concat()
    }

    #[test]
    fn literal_passwords_of_each_kind_are_flagged() {
        let pw = pw();
        let r = hcl(&format!(
            r#"
resource "aws_db_instance" "db" {{
  password = "{pw}"
}}
resource "aws_rds_cluster" "c" {{
  master_password = "{pw}"
}}
resource "aws_docdb_cluster" "d" {{
  master_password = "{pw}"
}}
resource "aws_redshift_cluster" "r" {{
  master_password = "{pw}"
}}
resource "aws_elasticache_replication_group" "e" {{
  auth_token = "{pw}"
}}
resource "aws_secretsmanager_secret_version" "s" {{
  secret_string = jsonencode({{ password = "{pw}" }})
}}
resource "aws_ssm_parameter" "p" {{
  type  = "SecureString"
  value = "{pw}"
}}
resource "aws_mq_broker" "mq" {{
  user {{
    username = "admin"
    password = "{pw}"
  }}
}}
resource "aws_iam_user_login_profile" "lp" {{
  user = "alice"
}}
"#
        ));
        let mut found = flagged(&r, RULE);
        found.sort();
        assert_eq!(
            found,
            [
                "aws_db_instance.db",
                "aws_docdb_cluster.d",
                "aws_elasticache_replication_group.e",
                "aws_iam_user_login_profile.lp",
                "aws_mq_broker.mq",
                "aws_rds_cluster.c",
                "aws_redshift_cluster.r",
                "aws_secretsmanager_secret_version.s",
                "aws_ssm_parameter.p",
            ]
        );
        let all = messages(&r, RULE).join("\n");
        assert!(!all.contains(&pw), "a message shows the secret");
        assert!(all.contains("manage_master_user_password = true"), "{all}");
        assert!(all.contains("secret_string_wo"), "{all}");
    }

    #[test]
    fn references_and_managed_passwords_are_not_flagged() {
        let r = hcl(r#"
variable "db_password" {
  type      = string
  sensitive = true
}
resource "random_password" "p" {
  length = 32
}
resource "aws_db_instance" "from_variable" {
  password = var.db_password
}
resource "aws_db_instance" "managed" {
  manage_master_user_password = true
}
resource "aws_rds_cluster" "random" {
  master_password = random_password.p.result
}
resource "aws_ssm_parameter" "plain" {
  type  = "String"
  value = "eu-west-1"
}
resource "aws_iam_access_key" "k" {
  user    = "ci"
  pgp_key = "keybase:ci"
}
"#);
        assert!(flagged(&r, RULE).is_empty(), "{:?}", messages(&r, RULE));
    }

    #[test]
    fn a_variable_default_is_a_literal() {
        let r = hcl(&format!(
            r#"
variable "db_password" {{
  default = "{}"
}}
resource "aws_db_instance" "db" {{
  password = var.db_password
}}
"#,
            pw()
        ));
        assert_eq!(flagged(&r, RULE), ["aws_db_instance.db"]);
    }

    #[test]
    fn plans_flag_known_values_and_not_unknown_or_unchanged_ones() {
        let plan = |actions: &str, after: &str, unknown: &str| {
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_db_instance.db","mode":"managed","type":"aws_db_instance","name":"db","provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":[{actions}],"before":null,"after":{after},"after_unknown":{unknown},"after_sensitive":{{"password":true}}}}}}]}}"#
            )
        };
        let known = format!(r#"{{"password":"{}"}}"#, pw());
        let r = review_of("plan.json", &plan(r#""create""#, &known, "{}"));
        assert_eq!(flagged(&r, RULE), ["aws_db_instance.db"]);
        assert!(messages(&r, RULE)[0].contains("known in the plan"));
        let r = review_of(
            "plan.json",
            &plan(r#""create""#, "{}", r#"{"password":true}"#),
        );
        assert!(flagged(&r, RULE).is_empty());
        let r = review_of("plan.json", &plan(r#""no-op""#, &known, "{}"));
        assert!(flagged(&r, RULE).is_empty());
    }
}
