//! RDS and Aurora beyond storage encryption, public access, backups and Performance
//! Insights (those are in `data_stores.rs`): how clients authenticate and connect,
//! what the database logs, how it survives a zone failure and is patched, and who can
//! read its snapshots.
//!
//! Several answers depend on the engine: IAM authentication exists for MySQL,
//! MariaDB and PostgreSQL only, each engine has its own log types, and TLS is forced
//! by a different parameter per engine family. An `aws_db_instance` created as a read
//! replica or from a snapshot may leave `engine` unset and take it from its source;
//! such rules then say "cannot tell" rather than guess.

use super::controls::{AUDIT_LOG, CENTRAL_AUTHENTICATION, Frameworks, IN_TRANSIT, RESILIENCE};
use super::data_stores::at;
use super::settings::{check_classic_resource, parameter, require_on};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{configured, contains_string};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

/// Operating metrics must be collected to spot anomalies.
const MONITORING: Frameworks = &[
    ("soc2", &["CC7.2"]),
    ("nist-800-53-r5", &["SI-4"]),
    ("nist-csf-2.0", &["DE.CM-09"]),
];
/// Copies of the data must not be readable by anyone.
const NO_PUBLIC_DATA: Frameworks = &[
    ("soc2", &["CC6.1"]),
    ("hipaa", &["164.312(a)(1)"]),
    ("nist-800-53-r5", &["AC-3"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];
pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-008",
            title: "RDS database does not enable IAM database authentication",
            severity: Severity::Medium,
            description: "With IAM database authentication, MySQL, MariaDB and PostgreSQL users sign in with 15-minute tokens issued to IAM principals, so access is granted, audited and revoked in IAM rather than through long-lived database passwords. `iam_database_authentication_enabled` defaults to false. Oracle, SQL Server and Db2 do not support it and are not checked.",
            remediation: "Set `iam_database_authentication_enabled = true` and grant `rds-db:connect` to the roles that need the database.",
            aliases: &["CKV_AWS_161", "CKV_AWS_162"],
            frameworks: CENTRAL_AUTHENTICATION,
            resource_types: &["aws_db_instance", "aws_rds_cluster"],
        },
        check: check_iam_authentication,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-009",
            title: "RDS instance does not take minor version upgrades automatically",
            severity: Severity::Low,
            description: "Minor engine versions carry security fixes. With `auto_minor_version_upgrade = false` they are applied only when someone upgrades by hand; the provider default is true.",
            remediation: "Remove `auto_minor_version_upgrade = false` (or set it to true) so RDS applies minor versions in the maintenance window.",
            aliases: &[],
            frameworks: &[
                // CIS 2.3.2: "Ensure Auto Minor Version Upgrade feature is Enabled for
                // RDS Instances".
                ("cis-aws-3.0", &["2.3.2"]),
                ("soc2", &["CC7.1"]),
                ("pci-dss-4.0", &["6.3.3"]),
                ("nist-800-53-r5", &["SI-2"]),
                ("nist-csf-2.0", &["PR.PS-02"]),
            ],
            resource_types: &["aws_db_instance", "aws_rds_cluster_instance"],
        },
        check: check_minor_upgrades,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-010",
            title: "RDS instance does not export its engine's activity log",
            severity: Severity::Medium,
            description: "Without `enabled_cloudwatch_logs_exports` an instance's logs stay on the instance, rotate away within days and are lost with it. The log that records activity differs by engine: `postgresql` for PostgreSQL, `audit` or `general` for MySQL and MariaDB, `audit` for Oracle, `error` (which records failed logins) for SQL Server. Nothing is exported by default.",
            remediation: "Add the engine's activity log to `enabled_cloudwatch_logs_exports` (e.g. `[\"postgresql\", \"upgrade\"]` for PostgreSQL, `[\"audit\", \"error\", \"slowquery\"]` for MySQL with the MariaDB audit plugin option).",
            aliases: &[],
            frameworks: AUDIT_LOG,
            resource_types: &["aws_db_instance"],
        },
        check: check_instance_log_exports,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-011",
            title: "RDS/Aurora cluster does not export its engine's activity log",
            severity: Severity::Medium,
            description: "Without `enabled_cloudwatch_logs_exports` a cluster's logs are not kept in CloudWatch. Aurora MySQL (`aurora-mysql`, or `aurora`, which provider versions before v5 assumed when `engine` is unset) and Multi-AZ MySQL clusters record activity in the `audit` log (with `server_audit_logging` on in the cluster parameter group); Aurora PostgreSQL and Multi-AZ PostgreSQL clusters in the `postgresql` log. Nothing is exported by default.",
            remediation: "Set `enabled_cloudwatch_logs_exports = [\"audit\", \"error\", \"slowquery\"]` for Aurora MySQL, or `[\"postgresql\"]` for Aurora PostgreSQL.",
            aliases: &[],
            frameworks: AUDIT_LOG,
            resource_types: &["aws_rds_cluster"],
        },
        check: check_cluster_log_exports,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-012",
            title: "RDS instance is not Multi-AZ",
            severity: Severity::Medium,
            description: "A single-AZ instance is down, and may lose the writes since its last backup, when its Availability Zone or host fails; a Multi-AZ deployment fails over to a synchronous standby. `multi_az` defaults to false. SQL Server Express, which cannot be Multi-AZ, is not checked.",
            remediation: "Set `multi_az = true`.",
            aliases: &["CKV_AWS_157"],
            frameworks: RESILIENCE,
            resource_types: &["aws_db_instance"],
        },
        check: check_multi_az,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-013",
            title: "RDS snapshots do not inherit the database's tags",
            severity: Severity::Low,
            description: "Tags classify data and drive tag-based access policies and backup selections. Snapshots are copies of the data, but `copy_tags_to_snapshot` defaults to false, so they are created untagged and fall outside those controls.",
            remediation: "Set `copy_tags_to_snapshot = true`.",
            aliases: &[],
            frameworks: &[
                ("nist-800-53-r5", &["CM-8"]),
                ("nist-csf-2.0", &["ID.AM-07"]),
            ],
            resource_types: &["aws_db_instance", "aws_rds_cluster"],
        },
        check: check_copy_tags,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-014",
            title: "RDS instance has no enhanced monitoring",
            severity: Severity::Low,
            description: "Enhanced monitoring reports operating-system metrics (processes, memory, I/O) at up to one-second granularity, which CloudWatch's hypervisor metrics cannot show. `monitoring_interval` defaults to 0, which disables it.",
            remediation: "Set `monitoring_interval` to 1, 5, 10, 15, 30 or 60 seconds and `monitoring_role_arn` to a role with the `AmazonRDSEnhancedMonitoringRole` policy.",
            aliases: &["CKV_AWS_118"],
            frameworks: MONITORING,
            resource_types: &["aws_db_instance", "aws_rds_cluster_instance"],
        },
        check: check_enhanced_monitoring,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-015",
            title: "RDS snapshot is shared with every AWS account",
            severity: Severity::Critical,
            description: "A snapshot whose `shared_accounts` includes `all` is public: any AWS account can copy it and restore the database, data and password hashes included. (Encrypted snapshots cannot be made public, but unencrypted ones can.)",
            remediation: "Remove `all` from `shared_accounts` and list the account ids that need the snapshot.",
            aliases: &["CKV_AWS_302"],
            frameworks: NO_PUBLIC_DATA,
            resource_types: &[
                "aws_db_snapshot",
                "aws_db_cluster_snapshot",
                "aws_db_snapshot_copy",
            ],
        },
        check: check_public_snapshot,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-016",
            title: "RDS master user has a well-known name",
            severity: Severity::Low,
            description: "The master user is the most privileged database account. A well-known name (`admin`, `postgres`, `root`, `sa`, …, the engines' and console's defaults) leaves an attacker only the password to guess.",
            remediation: "Choose a master user name that is not a default, and keep its password in Secrets Manager (`manage_master_user_password = true`).",
            aliases: &[],
            frameworks: &[
                ("pci-dss-4.0", &["2.2.2"]),
                ("nist-800-53-r5", &["IA-5"]),
                ("nist-csf-2.0", &["PR.AA-01"]),
            ],
            resource_types: &["aws_db_instance", "aws_rds_cluster"],
        },
        check: check_master_username,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-017",
            title: "PostgreSQL or SQL Server parameter group does not force TLS",
            severity: Severity::Medium,
            description: "RDS for PostgreSQL, Aurora PostgreSQL and RDS for SQL Server accept unencrypted connections unless the parameter `rds.force_ssl` is 1. Its default is 0, except for RDS for PostgreSQL 15 and later (parameter group families `postgres15` and up), where it is 1.",
            remediation: "Add `parameter { name = \"rds.force_ssl\" value = \"1\" }` to the parameter group (a static parameter on SQL Server: `apply_method = \"pending-reboot\"`).",
            aliases: &[],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_db_parameter_group", "aws_rds_cluster_parameter_group"],
        },
        check: check_force_ssl,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-018",
            title: "MySQL or MariaDB parameter group does not require TLS",
            severity: Severity::Medium,
            description: "RDS for MySQL, RDS for MariaDB and Aurora MySQL accept unencrypted connections unless the parameter `require_secure_transport` is on; its default is off. (MySQL 5.6 and Aurora MySQL 1 families do not have it and are not checked.)",
            remediation: "Add `parameter { name = \"require_secure_transport\" value = \"1\" }` to the parameter group.",
            aliases: &[],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_db_parameter_group", "aws_rds_cluster_parameter_group"],
        },
        check: check_require_secure_transport,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-019",
            title: "DB security group is an EC2-Classic resource",
            severity: Severity::Medium,
            description: "`aws_db_security_group` exists only for EC2-Classic, which AWS retired in 2023; the AWS provider removed it in v5. A configuration that still declares one pins an obsolete provider and describes network access that no longer applies, while the database's real access is governed by VPC security groups not shown here.",
            remediation: "Delete the resource and give the database VPC security groups (`vpc_security_group_ids`) and a `db_subnet_group_name`.",
            aliases: &["CKV_AWS_198"],
            frameworks: &[
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_db_security_group"],
        },
        check: check_classic_resource,
    },
];

// ===================================================================== engines

/// The engine of a database. An `aws_rds_cluster` without one is Aurora MySQL
/// (`aurora`): the provider's default before v5 made `engine` required. An instance
/// without one takes its source's (replica, snapshot), unknown here.
fn engine(db: &Resource) -> Tri<&str> {
    match Tri::str(db.attributes.get("engine")) {
        Tri::Missing if db.resource_type() == "aws_rds_cluster" => Tri::Known("aurora"),
        other => other,
    }
}

/// True for the engines IAM database authentication supports.
fn supports_iam_authentication(engine: &str) -> bool {
    matches!(
        engine,
        "mysql" | "mariadb" | "postgres" | "aurora" | "aurora-mysql" | "aurora-postgresql"
    )
}

/// The log types that record database activity, for an engine; `None` for engines
/// this rule does not judge (Db2, RDS Custom).
fn activity_logs(engine: &str) -> Option<&'static [&'static str]> {
    match engine {
        "postgres" | "aurora-postgresql" => Some(&["postgresql"]),
        "aurora" | "aurora-mysql" => Some(&["audit"]),
        "mysql" | "mariadb" => Some(&["audit", "general"]),
        e if e.starts_with("oracle-") => Some(&["audit"]),
        e if e.starts_with("sqlserver-") => Some(&["error"]),
        _ => None,
    }
}

// ===================================================================== checks

fn check_iam_authentication(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let enabled = Tri::bool(db.attributes.get("iam_database_authentication_enabled"));
    if enabled == Tri::Known(true) {
        return;
    }
    match engine(db) {
        Tri::Known(engine) if !supports_iam_authentication(engine) => return,
        Tri::Known(_) => {}
        Tri::Unknown | Tri::Missing => {
            if !enabled.is_unknown() {
                out.cannot_tell("`engine` is not known statically, and IAM authentication exists for MySQL, MariaDB and PostgreSQL only");
                return;
            }
        }
    }
    require_on(
        db,
        out,
        enabled,
        false,
        "iam_database_authentication_enabled",
        "does not enable IAM database authentication",
    );
}

fn check_minor_upgrades(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        db,
        out,
        Tri::bool(db.attributes.get("auto_minor_version_upgrade")),
        true,
        "auto_minor_version_upgrade",
        "does not apply minor engine versions automatically",
    );
}

/// The exports must include the engine's activity log; exporting nothing fails
/// whatever the engine.
fn check_log_exports(db: &Resource, out: &mut Verdicts) {
    let exports = db.attributes.get("enabled_cloudwatch_logs_exports");
    match contains_string(exports, |_| true) {
        Tri::Known(false) => {
            out.fail(
                format!("`{}` exports no logs to CloudWatch", db.address),
                at(db, &["enabled_cloudwatch_logs_exports"]),
            );
            return;
        }
        Tri::Unknown | Tri::Missing => {
            out.cannot_tell("`enabled_cloudwatch_logs_exports` is known only after apply");
            return;
        }
        Tri::Known(true) => {}
    }
    let engine = match engine(db) {
        Tri::Known(engine) => engine,
        _ => {
            out.cannot_tell(
                "`engine` is not known statically, and each engine has its own activity log",
            );
            return;
        }
    };
    let Some(wanted) = activity_logs(engine) else {
        return;
    };
    match contains_string(exports, |export| wanted.contains(&export)) {
        Tri::Known(true) => {}
        Tri::Known(false) => out.fail(
            format!(
                "`{}` does not export the `{engine}` activity log (`{}`)",
                db.address,
                wanted.join("` or `")
            ),
            at(db, &["enabled_cloudwatch_logs_exports"]),
        ),
        Tri::Unknown | Tri::Missing => {
            out.cannot_tell("`enabled_cloudwatch_logs_exports` is known only after apply");
        }
    }
}

fn check_instance_log_exports(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_log_exports(db, out);
}

fn check_cluster_log_exports(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_log_exports(cluster, out);
}

fn check_multi_az(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    // Computed: a plan shows an unset `multi_az` as known after apply.
    let multi_az = Tri::bool(configured(db.attributes.get("multi_az")));
    if multi_az != Tri::Known(true) {
        match engine(db) {
            Tri::Known("sqlserver-ex") => return,
            Tri::Unknown if !multi_az.is_unknown() => {
                out.cannot_tell(
                    "`engine` is known only after apply, and SQL Server Express cannot be Multi-AZ",
                );
                return;
            }
            _ => {}
        }
    }
    require_on(
        db,
        out,
        multi_az,
        false,
        "multi_az",
        "runs in a single Availability Zone",
    );
}

fn check_copy_tags(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_on(
        db,
        out,
        Tri::bool(db.attributes.get("copy_tags_to_snapshot")),
        false,
        "copy_tags_to_snapshot",
        "creates snapshots without its tags",
    );
}

fn check_enhanced_monitoring(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::number(db.attributes.get("monitoring_interval")) {
        Tri::Known(seconds) if seconds > 0.0 => {}
        Tri::Unknown => out.cannot_tell("`monitoring_interval` is known only after apply"),
        Tri::Known(_) => out.fail(
            format!(
                "`{}` disables enhanced monitoring (`monitoring_interval = 0`)",
                db.address
            ),
            at(db, &["monitoring_interval"]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` has no enhanced monitoring (`monitoring_interval` is not set and defaults to 0)",
                db.address
            ),
            None,
        ),
    }
}

fn check_public_snapshot(snapshot: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match contains_string(snapshot.attributes.get("shared_accounts"), |account| {
        account.eq_ignore_ascii_case("all")
    }) {
        Tri::Known(true) => out.fail(
            format!(
                "`{}` is public (`shared_accounts` includes `all`)",
                snapshot.address
            ),
            at(snapshot, &["shared_accounts"]),
        ),
        Tri::Unknown => out.cannot_tell("`shared_accounts` is known only after apply"),
        Tri::Known(false) | Tri::Missing => {}
    }
}

/// Master user names that are engine or console defaults, or the first guess.
const WELL_KNOWN_USERS: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "postgres",
    "sa",
    "master",
    "mysql",
    "dbadmin",
];

fn check_master_username(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let attribute = if db.resource_type() == "aws_rds_cluster" {
        "master_username"
    } else {
        "username"
    };
    match Tri::str(db.attributes.get(attribute)) {
        Tri::Known(name)
            if WELL_KNOWN_USERS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(name)) =>
        {
            out.fail(
                format!(
                    "`{}` names its master user `{name}`, a well-known default",
                    db.address
                ),
                at(db, &[attribute]),
            );
        }
        Tri::Unknown => out.cannot_tell(format!("`{attribute}` is known only after apply")),
        // Absent: a replica or restore keeps its source's user, judged there.
        Tri::Known(_) | Tri::Missing => {}
    }
}

/// Shared verdict of the two TLS parameters: `value` on means TLS is required.
fn require_tls_parameter(group: &Resource, out: &mut Verdicts, name: &str, default_on: bool) {
    let required = |value: &str| matches!(value.to_ascii_lowercase().as_str(), "1" | "on" | "true");
    match parameter(group, name) {
        Tri::Known(Some(value)) if required(&value) => {}
        Tri::Known(None) if default_on => {}
        Tri::Unknown | Tri::Missing => out.cannot_tell(format!(
            "the `{name}` parameter is generated dynamically or known only after apply"
        )),
        Tri::Known(Some(value)) => out.fail(
            format!(
                "`{}` accepts unencrypted connections (`{name} = {value}`)",
                group.address
            ),
            at(group, &["parameter"]),
        ),
        Tri::Known(None) => out.fail(
            format!(
                "`{}` accepts unencrypted connections (`{name}` is not set and defaults to off)",
                group.address
            ),
            at(group, &["parameter", "family"]),
        ),
    }
}

fn check_force_ssl(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(group.attributes.get("family")) {
        Tri::Known(family) if family.starts_with("postgres") => {
            let major: Option<u32> = family["postgres".len()..]
                .split('.')
                .next()
                .and_then(|v| v.parse().ok());
            require_tls_parameter(group, out, "rds.force_ssl", major.is_some_and(|v| v >= 15));
        }
        Tri::Known(family)
            if family.starts_with("aurora-postgresql") || family.starts_with("sqlserver-") =>
        {
            require_tls_parameter(group, out, "rds.force_ssl", false);
        }
        Tri::Known(_) => {}
        Tri::Unknown | Tri::Missing => out.cannot_tell("`family` is known only after apply"),
    }
}

/// Families without `require_secure_transport`: MySQL 5.6, Aurora MySQL 1, MariaDB
/// before 10.5.
const NO_SECURE_TRANSPORT_PARAMETER: &[&str] = &[
    "mysql5.6",
    "aurora5.6",
    "mariadb10.2",
    "mariadb10.3",
    "mariadb10.4",
];

fn check_require_secure_transport(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(group.attributes.get("family")) {
        Tri::Known(family) if NO_SECURE_TRANSPORT_PARAMETER.contains(&family) => {}
        Tri::Known(family)
            if ["mysql", "mariadb", "aurora-mysql"]
                .iter()
                .any(|engine| family.starts_with(engine)) =>
        {
            require_tls_parameter(group, out, "require_secure_transport", false);
        }
        Tri::Known(_) => {}
        Tri::Unknown | Tri::Missing => out.cannot_tell("`family` is known only after apply"),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, review_of, undecided};

    #[test]
    fn iam_authentication_is_required_where_the_engine_supports_it() {
        let r = hcl(r#"
resource "aws_db_instance" "unset" {
  engine = "postgres"
}
resource "aws_db_instance" "off" {
  engine                              = "mysql"
  iam_database_authentication_enabled = false
}
resource "aws_db_instance" "on" {
  engine                              = "mysql"
  iam_database_authentication_enabled = true
}
resource "aws_db_instance" "oracle" {
  engine = "oracle-ee"
}
resource "aws_rds_cluster" "default_engine" {
}
resource "aws_db_instance" "replica" {
  replicate_source_db = "source"
}
resource "aws_rds_cluster" "variable" {
  engine                              = "aurora-postgresql"
  iam_database_authentication_enabled = var.iam
}
"#);
        let rule = "RG-AWS-RDS-008";
        assert_eq!(
            flagged(&r, rule),
            [
                "aws_db_instance.unset",
                "aws_db_instance.off",
                "aws_rds_cluster.default_engine"
            ]
        );
        assert_eq!(
            undecided(&r, rule),
            ["aws_db_instance.replica", "aws_rds_cluster.variable"]
        );
    }

    #[test]
    fn minor_upgrades_fail_only_when_turned_off() {
        let r = hcl(r#"
resource "aws_db_instance" "off" {
  auto_minor_version_upgrade = false
}
resource "aws_rds_cluster_instance" "default" {
}
resource "aws_db_instance" "variable" {
  auto_minor_version_upgrade = var.upgrade
}
"#);
        assert_eq!(flagged(&r, "RG-AWS-RDS-009"), ["aws_db_instance.off"]);
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-009"),
            ["aws_db_instance.variable"]
        );
    }

    #[test]
    fn log_exports_must_include_the_engines_activity_log() {
        let r = hcl(r#"
resource "aws_db_instance" "none" {
  engine = "postgres"
}
resource "aws_db_instance" "wrong_log" {
  engine                          = "postgres"
  enabled_cloudwatch_logs_exports = ["upgrade"]
}
resource "aws_db_instance" "postgres" {
  engine                          = "postgres"
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
}
resource "aws_db_instance" "mysql" {
  engine                          = "mysql"
  enabled_cloudwatch_logs_exports = ["general"]
}
resource "aws_db_instance" "sqlserver" {
  engine                          = "sqlserver-se"
  enabled_cloudwatch_logs_exports = ["agent"]
}
resource "aws_db_instance" "replica" {
  replicate_source_db             = "source"
  enabled_cloudwatch_logs_exports = ["error"]
}
resource "aws_db_instance" "variable" {
  engine                          = "mysql"
  enabled_cloudwatch_logs_exports = var.logs
}
resource "aws_rds_cluster" "aurora_default" {
  enabled_cloudwatch_logs_exports = ["slowquery"]
}
resource "aws_rds_cluster" "aurora_mysql" {
  engine                          = "aurora-mysql"
  enabled_cloudwatch_logs_exports = ["audit", "error"]
}
resource "aws_rds_cluster" "aurora_postgres" {
  engine = "aurora-postgresql"
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RDS-010"),
            [
                "aws_db_instance.none",
                "aws_db_instance.wrong_log",
                "aws_db_instance.sqlserver"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-010"),
            ["aws_db_instance.replica", "aws_db_instance.variable"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-RDS-011"),
            [
                "aws_rds_cluster.aurora_default",
                "aws_rds_cluster.aurora_postgres"
            ]
        );
    }

    #[test]
    fn multi_az_defaults_to_single_zone() {
        let r = hcl(r#"
resource "aws_db_instance" "unset" {
  engine = "postgres"
}
resource "aws_db_instance" "on" {
  engine   = "postgres"
  multi_az = true
}
resource "aws_db_instance" "express" {
  engine = "sqlserver-ex"
}
resource "aws_db_instance" "variable" {
  engine   = "mysql"
  multi_az = var.ha
}
"#);
        assert_eq!(flagged(&r, "RG-AWS-RDS-012"), ["aws_db_instance.unset"]);
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-012"),
            ["aws_db_instance.variable"]
        );
    }

    #[test]
    fn snapshots_copy_tags_only_when_asked() {
        let r = hcl(r#"
resource "aws_db_instance" "unset" {
}
resource "aws_rds_cluster" "on" {
  copy_tags_to_snapshot = true
}
resource "aws_rds_cluster" "off" {
  copy_tags_to_snapshot = false
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RDS-013"),
            ["aws_db_instance.unset", "aws_rds_cluster.off"]
        );
    }

    #[test]
    fn enhanced_monitoring_needs_an_interval() {
        let r = hcl(r#"
resource "aws_db_instance" "unset" {
}
resource "aws_db_instance" "zero" {
  monitoring_interval = 0
}
resource "aws_rds_cluster_instance" "on" {
  monitoring_interval = 60
}
resource "aws_db_instance" "variable" {
  monitoring_interval = var.interval
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RDS-014"),
            ["aws_db_instance.unset", "aws_db_instance.zero"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-014"),
            ["aws_db_instance.variable"]
        );
    }

    #[test]
    fn snapshots_shared_with_all_are_public() {
        let r = hcl(r#"
resource "aws_db_snapshot" "public" {
  db_instance_identifier = "db"
  db_snapshot_identifier = "s"
  shared_accounts        = ["all"]
}
resource "aws_db_cluster_snapshot" "shared" {
  db_cluster_identifier          = "c"
  db_cluster_snapshot_identifier = "s"
  shared_accounts                = ["123456789012"]
}
resource "aws_db_snapshot_copy" "private" {
  source_db_snapshot_identifier = "s"
  target_db_snapshot_identifier = "t"
}
resource "aws_db_snapshot" "variable" {
  db_instance_identifier = "db"
  db_snapshot_identifier = "s2"
  shared_accounts        = var.accounts
}
"#);
        assert_eq!(flagged(&r, "RG-AWS-RDS-015"), ["aws_db_snapshot.public"]);
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-015"),
            ["aws_db_snapshot.variable"]
        );
    }

    #[test]
    fn well_known_master_user_names_fail() {
        let r = hcl(r#"
resource "aws_db_instance" "admin" {
  username = "Admin"
}
resource "aws_rds_cluster" "postgres" {
  master_username = "postgres"
}
resource "aws_rds_cluster" "custom" {
  master_username = "app_owner"
}
resource "aws_db_instance" "replica" {
  replicate_source_db = "source"
}
resource "aws_db_instance" "variable" {
  username = var.user
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RDS-016"),
            ["aws_db_instance.admin", "aws_rds_cluster.postgres"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-016"),
            ["aws_db_instance.variable"]
        );
    }

    #[test]
    fn classic_db_security_groups_fail_by_existing() {
        let r = hcl(r#"
resource "aws_db_security_group" "legacy" {
  name = "legacy"
  ingress {
    cidr = "10.0.0.0/24"
  }
}
resource "aws_security_group" "vpc" {
  name = "vpc"
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RDS-019"),
            ["aws_db_security_group.legacy"]
        );
    }

    #[test]
    fn postgres_and_sql_server_groups_must_force_tls() {
        let r = hcl(r#"
resource "aws_db_parameter_group" "pg14_default" {
  family = "postgres14"
}
resource "aws_db_parameter_group" "pg16_default" {
  family = "postgres16"
}
resource "aws_db_parameter_group" "pg16_off" {
  family = "postgres16"
  parameter {
    name  = "rds.force_ssl"
    value = "0"
  }
}
resource "aws_rds_cluster_parameter_group" "aurora_on" {
  family = "aurora-postgresql15"
  parameter {
    name  = "rds.force_ssl"
    value = 1
  }
}
resource "aws_db_parameter_group" "sqlserver_default" {
  family = "sqlserver-se-15.0"
}
resource "aws_db_parameter_group" "mysql" {
  family = "mysql8.0"
}
resource "aws_db_parameter_group" "variable" {
  family = "postgres13"
  parameter {
    name  = "rds.force_ssl"
    value = var.force
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RDS-017"),
            [
                "aws_db_parameter_group.pg14_default",
                "aws_db_parameter_group.pg16_off",
                "aws_db_parameter_group.sqlserver_default"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-017"),
            ["aws_db_parameter_group.variable"]
        );
    }

    #[test]
    fn mysql_groups_must_require_secure_transport() {
        let r = hcl(r#"
resource "aws_db_parameter_group" "mysql8_default" {
  family = "mysql8.0"
}
resource "aws_rds_cluster_parameter_group" "aurora_on" {
  family = "aurora-mysql8.0"
  parameter {
    name  = "require_secure_transport"
    value = "ON"
  }
}
resource "aws_db_parameter_group" "mariadb_off" {
  family = "mariadb10.11"
  parameter {
    name  = "require_secure_transport"
    value = "0"
  }
}
resource "aws_db_parameter_group" "mysql56" {
  family = "mysql5.6"
}
resource "aws_db_parameter_group" "mysql57" {
  family = "mysql5.7"
}
resource "aws_db_parameter_group" "dynamic" {
  family = "mysql8.0"
  dynamic "parameter" {
    for_each = var.parameters
    content {
      name  = parameter.key
      value = parameter.value
    }
  }
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-RDS-018"),
            [
                "aws_db_parameter_group.mysql8_default",
                "aws_db_parameter_group.mariadb_off",
                "aws_db_parameter_group.mysql57"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-018"),
            ["aws_db_parameter_group.dynamic"]
        );
    }

    #[test]
    fn snapshot_tags_known_only_after_apply_are_undecided() {
        let r = hcl(r#"
resource "aws_rds_cluster" "variable" {
  copy_tags_to_snapshot = var.tags
}
"#);
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-013"),
            ["aws_rds_cluster.variable"]
        );
        assert!(flagged(&r, "RG-AWS-RDS-013").is_empty());
    }

    /// `multi_az` is computed: a plan shows it known after apply when the
    /// configuration leaves it unset, which is the single-AZ default, not a choice;
    /// set from a variable it stays undecided.
    #[test]
    fn an_unset_computed_multi_az_in_a_plan_is_the_default() {
        let plan = r#"{"format_version":"1.2","resource_changes":[
{"address":"aws_db_instance.unset","mode":"managed","type":"aws_db_instance","name":"unset","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["create"],"before":null,"after":{"engine":"postgres"},"after_unknown":{"multi_az":true}}},
{"address":"aws_db_instance.variable","mode":"managed","type":"aws_db_instance","name":"variable","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["create"],"before":null,"after":{"engine":"postgres"},"after_unknown":{"multi_az":true}}}],
"configuration":{"root_module":{"resources":[{"address":"aws_db_instance.variable","expressions":{"multi_az":{"references":["var.ha"]}}}]}}}"#;
        let r = review_of("plan.json", plan);
        assert_eq!(flagged(&r, "RG-AWS-RDS-012"), ["aws_db_instance.unset"]);
        assert_eq!(
            undecided(&r, "RG-AWS-RDS-012"),
            ["aws_db_instance.variable"]
        );
    }
}
