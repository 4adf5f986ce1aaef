//! Data stores: RDS and Aurora, DynamoDB and DAX, EFS, ElastiCache, SNS, SQS
//! (encryption), Elasticsearch/OpenSearch, MSK, Kinesis, DocumentDB, Neptune and
//! Redshift.
//!
//! Most of these rules are "is the data encrypted, backed up and logged" checks whose
//! answer hinges on provider defaults (an absent `storage_encrypted` is `false`), on
//! values inherited from elsewhere (a read replica or a snapshot restore takes the
//! source's encryption), and on which KMS key is named. A key is "customer managed"
//! when it is a literal key or alias that is not one of the `alias/aws/*` keys AWS
//! manages, or a reference to an `aws_kms_key` (or customer alias) of the change; any
//! other reference cannot be told apart until apply.

use super::controls::{ACTIVITY_LOG, BACKUP, ENCRYPTION_AT_REST, Frameworks, IN_TRANSIT};
use super::kms::{KeyKind, kms_key};
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{contains_string, is_managed, known_blocks, single_block};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

/// [`ENCRYPTION_AT_REST`] for the services CIS AWS 3.0 names a recommendation after.
const RDS_AT_REST: Frameworks = &[
    ("cis-aws-3.0", &["2.3.1"]),
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["3.5.1"]),
    ("hipaa", &["164.312(a)(2)(iv)"]),
    ("nist-800-53-r5", &["SC-28"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];

const EFS_AT_REST: Frameworks = &[
    ("cis-aws-3.0", &["2.4.1"]),
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["3.5.1"]),
    ("hipaa", &["164.312(a)(2)(iv)"]),
    ("nist-800-53-r5", &["SC-28"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];
// Not `controls::CUSTOMER_KEY`: these rules also name PCI DSS 3.5.1, as the key
// choice is how the stored account data is rendered unreadable.
/// Data at rest must be encrypted under keys the organisation controls.
const CUSTOMER_KEY: Frameworks = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["3.5.1", "3.6.1"]),
    ("nist-800-53-r5", &["SC-12", "SC-28"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];
// Not `controls::NETWORK_BOUNDARY`: these rules name PCI DSS 1.4.4 (stores of
// account data not reachable from untrusted networks) and NIST AC-3 instead of 1.4.1.
/// Data stores must not be reachable from the internet.
const NETWORK_BOUNDARY: Frameworks = &[
    ("soc2", &["CC6.6"]),
    ("pci-dss-4.0", &["1.4.4"]),
    ("nist-800-53-r5", &["AC-3", "SC-7"]),
    ("nist-csf-2.0", &["PR.IR-01"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    // ---------------------------------------------------------------- RDS / Aurora
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-001",
            title: "RDS instance storage is not encrypted",
            severity: Severity::High,
            description: "An RDS instance without storage encryption keeps its data, automated backups, snapshots and read replicas in plaintext. `storage_encrypted` defaults to false, and encryption cannot be turned on after creation without a snapshot copy and restore.",
            remediation: "Set `storage_encrypted = true` (optionally with `kms_key_id` naming a customer-managed key). For a cross-region read replica set `kms_key_id`; a same-region replica inherits its source's encryption.",
            aliases: &["AWS-0080", "AVD-AWS-0080", "CKV_AWS_16"],
            frameworks: RDS_AT_REST,
            resource_types: &["aws_db_instance"],
        },
        check: check_rds_instance_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-002",
            title: "RDS cluster storage is not encrypted with a customer-managed key",
            severity: Severity::High,
            description: "An Aurora/RDS cluster should encrypt its storage with a customer-managed KMS key. Without `storage_encrypted` a provisioned cluster is unencrypted; with it but without `kms_key_id` the data is under the AWS-managed `aws/rds` key, whose policy the account cannot restrict or audit separately and which cannot be shared across accounts for snapshot copies.",
            remediation: "Set `storage_encrypted = true` and `kms_key_id` to the ARN of a customer-managed `aws_kms_key`.",
            aliases: &["AWS-0079", "AVD-AWS-0079", "CKV_AWS_327"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_rds_cluster"],
        },
        check: check_rds_cluster_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-003",
            title: "RDS database instance is publicly accessible",
            severity: Severity::High,
            description: "With `publicly_accessible = true` the instance (or Multi-AZ DB cluster) gets a public IP and a DNS name that resolves to it from the internet; only its security groups stand between the database port and the world.",
            remediation: "Set `publicly_accessible = false` (the default) and reach the database from inside the VPC, through a bastion, VPN or RDS Proxy.",
            aliases: &["AWS-0180", "AVD-AWS-0180", "CKV_AWS_17"],
            frameworks: NETWORK_BOUNDARY,
            // `aws_rds_cluster` covers Multi-AZ DB clusters, which take the argument too.
            resource_types: &[
                "aws_db_instance",
                "aws_rds_cluster_instance",
                "aws_rds_cluster",
            ],
        },
        check: check_rds_public_access,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-004",
            title: "RDS backup retention is one day or less",
            severity: Severity::Medium,
            description: "Automated backups and point-in-time recovery only reach back `backup_retention_period` days; the default of 1 day (or 0, which disables backups) leaves almost no window to notice corruption or a bad deployment and restore from before it.",
            remediation: "Set `backup_retention_period` to more than 1 day (7 or more is typical; up to 35).",
            aliases: &["AWS-0077", "AVD-AWS-0077"],
            frameworks: BACKUP,
            resource_types: &["aws_db_instance", "aws_rds_cluster"],
        },
        check: check_rds_backup_retention,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-005",
            title: "RDS/Aurora deletion protection is disabled",
            severity: Severity::Medium,
            description: "Without deletion protection a single API call, console click or `terraform destroy` (including an accidental replacement) deletes the database. `deletion_protection` defaults to false for both instances and clusters.",
            remediation: "Set `deletion_protection = true`; turn it off deliberately in a separate change when the database really must go.",
            aliases: &["CKV_AWS_293", "CKV_AWS_139"],
            frameworks: &[
                ("soc2", &["A1.2"]),
                ("nist-800-53-r5", &["CP-9"]),
                ("nist-csf-2.0", &["PR.DS-11"]),
            ],
            resource_types: &["aws_db_instance", "aws_rds_cluster"],
        },
        check: check_rds_deletion_protection,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-006",
            title: "RDS Performance Insights is not enabled",
            severity: Severity::Low,
            description: "Performance Insights records database load and the queries behind it; without it, diagnosing an outage or a resource-exhaustion attack after the fact is guesswork. It is off by default.",
            remediation: "Set `performance_insights_enabled = true` (with `performance_insights_kms_key_id` naming a customer-managed key).",
            aliases: &["AWS-0133", "AVD-AWS-0133", "CKV_AWS_353"],
            frameworks: &[],
            resource_types: &["aws_db_instance", "aws_rds_cluster_instance"],
        },
        check: check_rds_performance_insights,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RDS-007",
            title: "RDS Performance Insights data is not encrypted with a customer-managed key",
            severity: Severity::Low,
            description: "Performance Insights stores query text, which can contain sensitive literals. Without `performance_insights_kms_key_id` it is encrypted under the AWS-managed `aws/rds` key, whose use the account cannot restrict.",
            remediation: "Set `performance_insights_kms_key_id` to the ARN of a customer-managed `aws_kms_key`.",
            aliases: &["AWS-0078", "AVD-AWS-0078", "CKV_AWS_354"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_db_instance", "aws_rds_cluster_instance"],
        },
        check: check_rds_performance_insights_key,
    },
    // ------------------------------------------------------------ DynamoDB and DAX
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DDB-001",
            title: "DAX cluster does not encrypt data at rest",
            severity: Severity::High,
            description: "A DynamoDB Accelerator (DAX) cluster caches table data on its nodes; unlike DynamoDB itself it is unencrypted unless `server_side_encryption { enabled = true }` is set at creation.",
            remediation: "Add `server_side_encryption { enabled = true }` to the `aws_dax_cluster` (this replaces the cluster).",
            aliases: &["AWS-0023", "AVD-AWS-0023", "CKV_AWS_47"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_dax_cluster"],
        },
        check: check_dax_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DDB-002",
            title: "DynamoDB table has no point-in-time recovery",
            severity: Severity::Medium,
            description: "Point-in-time recovery keeps continuous backups for 35 days so a table can be restored to any second, undoing accidental deletes and overwrites. It is off by default.",
            remediation: "Add `point_in_time_recovery { enabled = true }` to the table.",
            aliases: &["AWS-0024", "AVD-AWS-0024", "CKV_AWS_28"],
            frameworks: BACKUP,
            resource_types: &["aws_dynamodb_table"],
        },
        check: check_dynamodb_recovery,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DDB-003",
            title: "DynamoDB table is not encrypted with a customer-managed key",
            severity: Severity::Low,
            description: "DynamoDB always encrypts at rest, by default with an AWS-owned key the account cannot see or control, or with the AWS-managed `aws/dynamodb` key. A customer-managed key lets the account restrict, audit and revoke access to the table's data.",
            remediation: "Set `server_side_encryption { enabled = true, kms_key_arn = aws_kms_key.<name>.arn }`.",
            aliases: &["AWS-0025", "AVD-AWS-0025", "CKV_AWS_119"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_dynamodb_table"],
        },
        check: check_dynamodb_customer_key,
    },
    // ------------------------------------------------------------------------- EFS
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EFS-001",
            title: "EFS file system is not encrypted",
            severity: Severity::High,
            description: "An EFS file system created without `encrypted = true` stores files and metadata unencrypted, and encryption cannot be enabled afterwards.",
            remediation: "Set `encrypted = true` (optionally with `kms_key_id`); existing data must be copied to a new, encrypted file system.",
            aliases: &["AWS-0037", "AVD-AWS-0037", "CKV_AWS_42"],
            frameworks: EFS_AT_REST,
            resource_types: &["aws_efs_file_system"],
        },
        check: check_efs_encryption,
    },
    // ----------------------------------------------------------------- ElastiCache
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-001",
            title: "ElastiCache replication group is not encrypted at rest",
            severity: Severity::High,
            description: "Without at-rest encryption, cached data on disk (swap, snapshots and backups exported to S3) is in plaintext. It is off by default for the Redis engine and cannot be enabled on an existing group.",
            remediation: "Set `at_rest_encryption_enabled = true` (optionally with `kms_key_id`).",
            aliases: &["AWS-0045", "AVD-AWS-0045", "CKV_AWS_29"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_elasticache_replication_group"],
        },
        check: check_elasticache_at_rest,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-002",
            title: "ElastiCache replication group does not encrypt traffic in transit",
            severity: Severity::High,
            description: "Without in-transit encryption, clients and replicas talk to the cache in plaintext, so anyone on the network path can read or tamper with cached data and credentials. It is off by default.",
            remediation: "Set `transit_encryption_enabled = true` and connect clients with TLS.",
            aliases: &["AWS-0051", "AVD-AWS-0051", "CKV_AWS_30"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_elasticache_replication_group"],
        },
        check: check_elasticache_in_transit,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECA-003",
            title: "ElastiCache Redis cluster has no automatic backups",
            severity: Severity::Medium,
            description: "Redis and Valkey clusters only keep automatic snapshots when `snapshot_retention_limit` is above 0, which is not the default; without them a failure or a `FLUSHALL` loses the data.",
            remediation: "Set `snapshot_retention_limit` to the number of days of snapshots to keep (1–35).",
            aliases: &["AWS-0050", "AVD-AWS-0050"],
            frameworks: BACKUP,
            resource_types: &[
                "aws_elasticache_cluster",
                "aws_elasticache_replication_group",
            ],
        },
        check: check_elasticache_backup,
    },
    // ------------------------------------------------------------------------- SNS
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SNS-001",
            title: "SNS topic is not encrypted",
            severity: Severity::High,
            description: "Messages published to a topic without server-side encryption are stored unencrypted until delivered. Encryption is enabled by naming a KMS key in `kms_master_key_id`.",
            remediation: "Set `kms_master_key_id` to a customer-managed KMS key (or at least `alias/aws/sns`).",
            aliases: &["AWS-0095", "AVD-AWS-0095", "CKV_AWS_26"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_sns_topic"],
        },
        check: check_sns_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SNS-002",
            title: "SNS topic is encrypted with the AWS-managed key",
            severity: Severity::High,
            description: "A topic encrypted with `alias/aws/sns` cannot be published to by services such as EventBridge, CloudWatch alarms or S3 notifications, nor from other accounts, because the AWS-managed key's policy cannot be changed; it also gives no separate control over who may decrypt.",
            remediation: "Set `kms_master_key_id` to a customer-managed `aws_kms_key` whose policy grants the publishing services access.",
            aliases: &["AWS-0136", "AVD-AWS-0136"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_sns_topic"],
        },
        check: check_sns_customer_key,
    },
    // ------------------------------------------------------------------------- SQS
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SQS-010",
            title: "SQS queue is not encrypted",
            severity: Severity::High,
            description: "A queue that names no KMS key and does not enable SQS-managed encryption (SSE-SQS) may store messages unencrypted: queues created before SSE-SQS became the default, and queues with `sqs_managed_sse_enabled = false`, are plaintext.",
            remediation: "Set `kms_master_key_id` to a KMS key, or `sqs_managed_sse_enabled = true`.",
            aliases: &["AWS-0096", "AVD-AWS-0096", "CKV_AWS_27"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_sqs_queue"],
        },
        check: check_sqs_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SQS-011",
            title: "SQS queue is not encrypted with a customer-managed key",
            severity: Severity::High,
            description: "A queue encrypted with the AWS-managed `alias/aws/sqs` key or with SQS-owned keys (SSE-SQS) gives the account no control over who may decrypt its messages, and the AWS-managed key cannot be granted to other accounts or to services such as SNS and EventBridge that must send to the queue.",
            remediation: "Set `kms_master_key_id` to a customer-managed `aws_kms_key`.",
            aliases: &["AWS-0135", "AVD-AWS-0135"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_sqs_queue"],
        },
        check: check_sqs_customer_key,
    },
    // ------------------------------------------------ Elasticsearch / OpenSearch
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-001",
            title: "Elasticsearch/OpenSearch domain is not encrypted at rest",
            severity: Severity::High,
            description: "Without `encrypt_at_rest { enabled = true }` a domain's indices, logs, swap files and automated snapshots are stored unencrypted.",
            remediation: "Add `encrypt_at_rest { enabled = true }` (optionally with `kms_key_id`).",
            aliases: &["AWS-0048", "AVD-AWS-0048", "CKV_AWS_5"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        },
        check: check_search_encryption_at_rest,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-002",
            title: "Elasticsearch/OpenSearch domain does not publish audit logs",
            severity: Severity::Medium,
            description: "Audit logs record who accessed which index and document and which requests were denied; without an enabled `AUDIT_LOGS` log publishing option there is no trail of data access.",
            remediation: "Add `log_publishing_options { log_type = \"AUDIT_LOGS\", cloudwatch_log_group_arn = … }` (audit logs also need fine-grained access control).",
            aliases: &["AWS-0042", "AVD-AWS-0042", "CKV_AWS_317"],
            frameworks: ACTIVITY_LOG,
            resource_types: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        },
        check: check_search_audit_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-003",
            title: "Elasticsearch/OpenSearch node-to-node traffic is not encrypted",
            severity: Severity::High,
            description: "Without node-to-node encryption, data moving between the domain's nodes (shard replication, queries) travels in plaintext inside the VPC.",
            remediation: "Add `node_to_node_encryption { enabled = true }`.",
            aliases: &["AWS-0043", "AVD-AWS-0043", "CKV_AWS_6"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        },
        check: check_search_node_to_node,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-004",
            title: "Elasticsearch/OpenSearch domain does not enforce HTTPS",
            severity: Severity::Critical,
            description: "A domain that accepts plain HTTP lets clients send queries, documents and credentials unencrypted. Without a `domain_endpoint_options` block the domain is created without HTTPS enforcement.",
            remediation: "Add `domain_endpoint_options { enforce_https = true, tls_security_policy = \"Policy-Min-TLS-1-2-2019-07\" }`.",
            aliases: &["AWS-0046", "AVD-AWS-0046", "CKV_AWS_83"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        },
        check: check_search_enforce_https,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ES-005",
            title: "Elasticsearch/OpenSearch domain allows outdated TLS versions",
            severity: Severity::High,
            description: "The `Policy-Min-TLS-1-0-2019-07` policy, also what a domain gets when no policy is set, accepts TLS 1.0 and 1.1, which have known weaknesses and are disallowed by PCI DSS.",
            remediation: "Set `domain_endpoint_options { tls_security_policy = \"Policy-Min-TLS-1-2-2019-07\" }` (or `Policy-Min-TLS-1-2-PFS-2023-10`).",
            aliases: &["AWS-0126", "AVD-AWS-0126", "CKV_AWS_228"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_elasticsearch_domain", "aws_opensearch_domain"],
        },
        check: check_search_tls_policy,
    },
    // ------------------------------------------------------------------------- MSK
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MSK-001",
            title: "MSK cluster is not encrypted at rest with a customer-managed key",
            severity: Severity::High,
            description: "MSK encrypts broker storage with the AWS-managed `aws/kafka` key unless `encryption_info.encryption_at_rest_kms_key_arn` names a customer-managed key; with the AWS-managed key the account cannot restrict or audit who can decrypt the data.",
            remediation: "Set `encryption_info { encryption_at_rest_kms_key_arn = aws_kms_key.<name>.arn }`.",
            aliases: &["AWS-0179", "AVD-AWS-0179"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_msk_cluster"],
        },
        check: check_msk_at_rest,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MSK-002",
            title: "MSK cluster allows plaintext traffic",
            severity: Severity::High,
            description: "With `client_broker` set to `PLAINTEXT` or `TLS_PLAINTEXT`, clients may produce and consume without TLS; with `in_cluster = false`, brokers replicate data to each other unencrypted.",
            remediation: "Set `encryption_info { encryption_in_transit { client_broker = \"TLS\", in_cluster = true } }` (both are the defaults).",
            aliases: &["AWS-0073", "AVD-AWS-0073"],
            frameworks: IN_TRANSIT,
            resource_types: &["aws_msk_cluster"],
        },
        check: check_msk_in_transit,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-MSK-003",
            title: "MSK cluster broker logging is not enabled",
            severity: Severity::Medium,
            description: "Broker logs record connections, authentication and authorization failures; without a CloudWatch Logs, Firehose or S3 destination enabled under `logging_info.broker_logs` they are not kept anywhere.",
            remediation: "Add `logging_info { broker_logs { cloudwatch_logs { enabled = true, log_group = … } } }` (or `firehose`/`s3`).",
            aliases: &["AWS-0074", "AVD-AWS-0074", "CKV_AWS_80"],
            frameworks: ACTIVITY_LOG,
            resource_types: &["aws_msk_cluster"],
        },
        check: check_msk_logging,
    },
    // --------------------------------------------------------------------- Kinesis
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-KIN-001",
            title: "Kinesis stream is not encrypted",
            severity: Severity::High,
            description: "Kinesis data streams store records unencrypted unless `encryption_type = \"KMS\"` with a `kms_key_id`; the default is `NONE`.",
            remediation: "Set `encryption_type = \"KMS\"` and `kms_key_id` (a customer-managed key, or `alias/aws/kinesis`).",
            aliases: &["AWS-0064", "AVD-AWS-0064", "CKV_AWS_43"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_kinesis_stream"],
        },
        check: check_kinesis_encryption,
    },
    // ------------------------------------------------------------------ DocumentDB
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DOC-001",
            title: "DocumentDB cluster does not export audit or profiler logs",
            severity: Severity::Medium,
            description: "Without `audit` (authentication, DDL, authorization events) or `profiler` (slow operations) in `enabled_cloudwatch_logs_exports`, DocumentDB keeps no record of who did what to the data.",
            remediation: "Set `enabled_cloudwatch_logs_exports = [\"audit\", \"profiler\"]` (audit logging also needs `audit_logs` enabled in the cluster parameter group).",
            aliases: &["AWS-0020", "AVD-AWS-0020", "CKV_AWS_85"],
            frameworks: ACTIVITY_LOG,
            resource_types: &["aws_docdb_cluster"],
        },
        check: check_docdb_log_export,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DOC-002",
            title: "DocumentDB cluster storage is not encrypted",
            severity: Severity::High,
            description: "A DocumentDB cluster is unencrypted unless created with `storage_encrypted = true`; its storage, backups and snapshots are then plaintext and it cannot be encrypted later.",
            remediation: "Set `storage_encrypted = true` (with `kms_key_id` naming a customer-managed key).",
            aliases: &["AWS-0021", "AVD-AWS-0021", "CKV_AWS_74"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_docdb_cluster"],
        },
        check: check_docdb_storage_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-DOC-003",
            title: "DocumentDB cluster is not encrypted with a customer-managed key",
            severity: Severity::Low,
            description: "Without `kms_key_id` an encrypted DocumentDB cluster uses the AWS-managed `aws/rds` key, whose use the account cannot restrict and which cannot be shared to copy snapshots across accounts.",
            remediation: "Set `kms_key_id` to the ARN of a customer-managed `aws_kms_key`.",
            aliases: &["AWS-0022", "AVD-AWS-0022", "CKV_AWS_182"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_docdb_cluster"],
        },
        check: check_docdb_customer_key,
    },
    // --------------------------------------------------------------------- Neptune
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-NEP-001",
            title: "Neptune cluster does not export audit logs",
            severity: Severity::Medium,
            description: "Without `audit` in `enable_cloudwatch_logs_exports`, Neptune does not send its audit log (every query and the client that sent it) to CloudWatch, so data access leaves no durable trail.",
            remediation: "Set `enable_cloudwatch_logs_exports = [\"audit\"]` (and `neptune_enable_audit_log = 1` in the cluster parameter group).",
            aliases: &["AWS-0075", "AVD-AWS-0075", "CKV_AWS_101"],
            frameworks: ACTIVITY_LOG,
            resource_types: &["aws_neptune_cluster"],
        },
        check: check_neptune_log_export,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-NEP-002",
            title: "Neptune cluster storage is not encrypted",
            severity: Severity::High,
            description: "A Neptune cluster is unencrypted unless created with `storage_encrypted = true`; its storage, backups and snapshots are then plaintext and it cannot be encrypted later.",
            remediation: "Set `storage_encrypted = true` (with `kms_key_arn` naming a customer-managed key).",
            aliases: &["AWS-0076", "AVD-AWS-0076", "CKV_AWS_44"],
            frameworks: ENCRYPTION_AT_REST,
            resource_types: &["aws_neptune_cluster"],
        },
        check: check_neptune_storage_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-NEP-003",
            title: "Neptune cluster is not encrypted with a customer-managed key",
            severity: Severity::High,
            description: "Without `kms_key_arn` an encrypted Neptune cluster uses the AWS-managed `aws/rds` key, whose use the account cannot restrict or revoke.",
            remediation: "Set `kms_key_arn` to the ARN of a customer-managed `aws_kms_key`.",
            aliases: &["AWS-0128", "AVD-AWS-0128"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_neptune_cluster"],
        },
        check: check_neptune_customer_key,
    },
    // -------------------------------------------------------------------- Redshift
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-001",
            title: "Redshift cluster is not encrypted with a customer-managed key",
            severity: Severity::High,
            description: "A Redshift cluster should be encrypted (`encrypted = true`) with a customer-managed KMS key in `kms_key_id`, so the account controls and audits who can decrypt the warehouse, its snapshots and backups.",
            remediation: "Set `encrypted = true` and `kms_key_id` to the ARN of a customer-managed `aws_kms_key`.",
            aliases: &["AWS-0084", "AVD-AWS-0084", "CKV_AWS_142"],
            frameworks: CUSTOMER_KEY,
            resource_types: &["aws_redshift_cluster"],
        },
        check: check_redshift_customer_key,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-RSH-002",
            title: "Redshift cluster is not deployed into a chosen VPC subnet group",
            severity: Severity::High,
            description: "Without `cluster_subnet_group_name` a Redshift cluster is launched in the default VPC (or, in old accounts, EC2-Classic), outside the network segmentation, routing and security controls of the VPC meant to hold it.",
            remediation: "Create an `aws_redshift_subnet_group` in the intended VPC's private subnets and set `cluster_subnet_group_name` to it.",
            aliases: &["AWS-0127", "AVD-AWS-0127"],
            frameworks: &[
                ("soc2", &["CC6.6"]),
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_redshift_cluster"],
        },
        check: check_redshift_vpc,
    },
];

// ===================================================================== helpers

/// The first of `paths` the resource's source has lines for, so a finding points at
/// the offending attribute, or else at its enclosing block (or the whole resource).
pub(super) fn at<'p>(resource: &Resource, paths: &[&'p str]) -> Option<&'p str> {
    paths.iter().copied().find(|path| {
        resource.attribute_lines.contains_key(*path)
            || resource.attribute_lines.contains_key(&format!("{path}.0"))
    })
}

/// True when the database is created from a snapshot, a point-in-time restore or a
/// replication source, and so may inherit encryption (and its key) from it.
fn restores_or_replicates(db: &Resource, ctx: &Context<'_>) -> bool {
    let set = |attribute: &str| ctx.is_set(db, db.attributes.get(attribute)) != Tri::Known(false);
    set("snapshot_identifier")
        || set("replication_source_identifier")
        || known_blocks(db.attributes.get("restore_to_point_in_time")) != Some(Vec::new())
}

/// Whether a cluster's storage (RDS, DocumentDB, Neptune) is encrypted:
/// `storage_encrypted` when set, else on for Aurora Serverless v1, inherited for
/// restores and replicas (encrypted for sure when they name a key), off otherwise.
fn cluster_storage_encrypted(
    cluster: &Resource,
    ctx: &Context<'_>,
    key_attribute: &str,
) -> Tri<bool> {
    match Tri::bool(cluster.attributes.get("storage_encrypted")) {
        Tri::Missing => {}
        known_or_unknown => return known_or_unknown,
    }
    if cluster.resource_type() == "aws_rds_cluster" {
        match Tri::str(cluster.attributes.get("engine_mode")) {
            Tri::Known("serverless") => return Tri::Known(true),
            Tri::Unknown => return Tri::Unknown,
            _ => {}
        }
    }
    if restores_or_replicates(cluster, ctx) {
        return match kms_key(ctx, cluster, cluster.attributes.get(key_attribute)) {
            Tri::Known(KeyKind::Customer) | Tri::Known(KeyKind::AwsManaged) => Tri::Known(true),
            Tri::Missing | Tri::Unknown => Tri::Unknown,
        };
    }
    Tri::Known(false)
}

/// The customer-managed-key verdict for a cluster whose key is in `key_attribute`:
/// restores and replicas without a key of their own keep the source's key.
fn cluster_customer_key(
    cluster: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    key_attribute: &str,
    default_key: &str,
) {
    match kms_key(ctx, cluster, cluster.attributes.get(key_attribute)) {
        Tri::Known(KeyKind::Customer) => {}
        Tri::Unknown => out.cannot_tell(format!(
            "`{key_attribute}` is not known statically, so whether it names a customer-managed key cannot be told"
        )),
        Tri::Known(KeyKind::AwsManaged) => out.fail(
            format!(
                "`{}` is encrypted with an AWS-managed key (`{key_attribute}`), not a customer-managed key",
                cluster.address
            ),
            at(cluster, &[key_attribute]),
        ),
        Tri::Missing if restores_or_replicates(cluster, ctx) => out.cannot_tell(format!(
            "`{}` is restored or replicated without `{key_attribute}`, so it keeps its source's key",
            cluster.address
        )),
        Tri::Missing => out.fail(
            format!(
                "`{}` sets no `{key_attribute}`, so it is encrypted (if at all) with the AWS-managed `{default_key}` key",
                cluster.address
            ),
            at(cluster, &[key_attribute, "storage_encrypted"]),
        ),
    }
}

/// Verdict for a simple "must be true" boolean whose provider default is false.
fn require_true(resource: &Resource, out: &mut Verdicts, value: Tri<bool>, path: &str, what: &str) {
    match value {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell(format!("`{path}` is known only after apply")),
        Tri::Known(false) => out.fail(
            format!("`{}` {what} (`{path}` is false)", resource.address),
            at(resource, &[path, path.split('.').next().unwrap_or(path)]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` {what} (`{path}` is not set and defaults to false)",
                resource.address
            ),
            at(resource, &[path.split('.').next().unwrap_or(path)]),
        ),
    }
}

// ========================================================================= RDS

/// Whether an `aws_db_instance` ends up encrypted.
enum Encryption {
    Encrypted,
    /// Not encrypted; the message says why.
    Plaintext(String),
    /// Depends on something not known statically; the reason says what.
    CannotTell(String),
}

/// An instance is encrypted when `storage_encrypted = true`. A read replica ignores
/// that argument: a same-region replica has its source's encryption, a cross-region
/// one is encrypted when it names `kms_key_id`. A snapshot or point-in-time restore
/// without `storage_encrypted` keeps the snapshot's encryption.
fn db_instance_encryption(db: &Resource, ctx: &Context<'_>, depth: u8) -> Encryption {
    let encrypted = Tri::bool(db.attributes.get("storage_encrypted"));
    match encrypted {
        Tri::Known(true) => return Encryption::Encrypted,
        Tri::Unknown => {
            return Encryption::CannotTell("`storage_encrypted` is known only after apply".into());
        }
        _ => {}
    }
    let source = db.attributes.get("replicate_source_db");
    if ctx.is_set(db, source) != Tri::Known(false) {
        match kms_key(ctx, db, db.attributes.get("kms_key_id")) {
            Tri::Known(KeyKind::Customer) | Tri::Known(KeyKind::AwsManaged) => {
                return Encryption::Encrypted;
            }
            Tri::Unknown => {
                return Encryption::CannotTell("`kms_key_id` is known only after apply".into());
            }
            Tri::Missing => {}
        }
        let source_db = ctx
            .resolve(db, source)
            .filter(|s| s.resource_type() == "aws_db_instance" && is_managed(s));
        return match source_db {
            Some(source_db) if depth < 4 => match db_instance_encryption(source_db, ctx, depth + 1)
            {
                Encryption::Encrypted => Encryption::Encrypted,
                Encryption::Plaintext(_) => Encryption::Plaintext(format!(
                    "`{}` is a read replica of `{}`, which is not encrypted",
                    db.address, source_db.address
                )),
                cannot_tell @ Encryption::CannotTell(_) => cannot_tell,
            },
            _ => Encryption::CannotTell(
                "a read replica inherits the encryption of a source database outside this change"
                    .into(),
            ),
        };
    }
    if encrypted == Tri::Missing
        && (ctx.is_set(db, db.attributes.get("snapshot_identifier")) != Tri::Known(false)
            || known_blocks(db.attributes.get("restore_to_point_in_time")) != Some(Vec::new()))
    {
        return Encryption::CannotTell(
            "a restored instance keeps the encryption of its snapshot or source".into(),
        );
    }
    let why = if encrypted == Tri::Missing {
        "`storage_encrypted` is not set and defaults to false"
    } else {
        "`storage_encrypted` is false"
    };
    Encryption::Plaintext(format!(
        "`{}` does not encrypt its storage ({why})",
        db.address
    ))
}

fn check_rds_instance_encryption(db: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match db_instance_encryption(db, ctx, 0) {
        Encryption::Encrypted => {}
        Encryption::Plaintext(message) => {
            out.fail(
                message,
                at(db, &["storage_encrypted", "replicate_source_db"]),
            );
        }
        Encryption::CannotTell(reason) => out.cannot_tell(reason),
    }
}

/// The cluster must be encrypted, and with a customer-managed key.
fn check_rds_cluster_encryption(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match cluster_storage_encrypted(cluster, ctx, "kms_key_id") {
        Tri::Known(true) => cluster_customer_key(cluster, ctx, out, "kms_key_id", "aws/rds"),
        Tri::Known(false) => out.fail(
            format!(
                "`{}` does not encrypt its storage (`storage_encrypted` is false or unset)",
                cluster.address
            ),
            at(cluster, &["storage_encrypted"]),
        ),
        Tri::Unknown | Tri::Missing => out.cannot_tell(
            "whether the cluster storage is encrypted depends on values known only after apply or on its snapshot/source",
        ),
    }
}

/// `publicly_accessible` defaults to false; true exposes the endpoint.
fn check_rds_public_access(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(db.attributes.get("publicly_accessible")) {
        Tri::Known(true) => out.fail(
            format!(
                "`{}` is publicly accessible (`publicly_accessible = true`)",
                db.address
            ),
            at(db, &["publicly_accessible"]),
        ),
        Tri::Unknown => out.cannot_tell("`publicly_accessible` is known only after apply"),
        _ => {}
    }
}

/// Retention must exceed the 1-day default. Read replicas take no automated backups
/// of their own that matter for recovery (the source's backups do), so they are
/// not checked.
fn check_rds_backup_retention(db: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    if db.resource_type() == "aws_db_instance"
        && ctx.is_set(db, db.attributes.get("replicate_source_db")) != Tri::Known(false)
    {
        return;
    }
    match Tri::number(db.attributes.get("backup_retention_period")) {
        Tri::Known(days) if days > 1.0 => {}
        Tri::Known(days) if days < 1.0 => out.fail(
            format!(
                "`{}` disables automated backups (`backup_retention_period = 0`)",
                db.address
            ),
            at(db, &["backup_retention_period"]),
        ),
        Tri::Known(_) => out.fail(
            format!(
                "`{}` keeps backups for only 1 day (`backup_retention_period = 1`)",
                db.address
            ),
            at(db, &["backup_retention_period"]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` keeps backups for only 1 day (`backup_retention_period` is not set and defaults to 1)",
                db.address
            ),
            None,
        ),
        Tri::Unknown => out.cannot_tell("`backup_retention_period` is known only after apply"),
    }
}

/// `deletion_protection` defaults to false on instances and clusters alike.
fn check_rds_deletion_protection(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_true(
        db,
        out,
        Tri::bool(db.attributes.get("deletion_protection")),
        "deletion_protection",
        "can be deleted without first disabling deletion protection",
    );
}

/// Performance Insights is unavailable for MySQL and MariaDB on the smallest burstable
/// classes and for Db2; those instances are not checked.
fn performance_insights_supported(db: &Resource) -> Tri<bool> {
    const SMALL: &[&str] = &[
        "db.t2.micro",
        "db.t2.small",
        "db.t3.micro",
        "db.t3.small",
        "db.t4g.micro",
        "db.t4g.small",
    ];
    match Tri::str(db.attributes.get("engine")) {
        Tri::Known("db2-se" | "db2-ae") => Tri::Known(false),
        Tri::Known("mysql" | "mariadb") => match Tri::str(db.attributes.get("instance_class")) {
            Tri::Known(class) => Tri::Known(!SMALL.contains(&class)),
            Tri::Unknown => Tri::Unknown,
            Tri::Missing => Tri::Known(true),
        },
        _ => Tri::Known(true),
    }
}

/// `performance_insights_enabled` defaults to false.
fn check_rds_performance_insights(db: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let enabled = Tri::bool(db.attributes.get("performance_insights_enabled"));
    if enabled == Tri::Known(true) {
        return;
    }
    match performance_insights_supported(db) {
        Tri::Known(false) => return,
        Tri::Unknown if !enabled.is_unknown() => {
            out.cannot_tell("`instance_class` is known only after apply, and Performance Insights is unavailable on the smallest classes");
            return;
        }
        _ => {}
    }
    require_true(
        db,
        out,
        enabled,
        "performance_insights_enabled",
        "does not enable Performance Insights",
    );
}

/// When Performance Insights is on, its data must be under a customer-managed key.
fn check_rds_performance_insights_key(db: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let enabled = Tri::bool(db.attributes.get("performance_insights_enabled"));
    if matches!(enabled, Tri::Known(false) | Tri::Missing) {
        return;
    }
    match kms_key(ctx, db, db.attributes.get("performance_insights_kms_key_id")) {
        Tri::Known(KeyKind::Customer) => {}
        Tri::Unknown => out.cannot_tell("`performance_insights_kms_key_id` is known only after apply"),
        _ if enabled.is_unknown() => {
            out.cannot_tell("`performance_insights_enabled` is known only after apply");
        }
        Tri::Known(KeyKind::AwsManaged) | Tri::Missing => out.fail(
            format!(
                "`{}` encrypts Performance Insights data with the AWS-managed `aws/rds` key (`performance_insights_kms_key_id` names no customer-managed key)",
                db.address
            ),
            at(db, &["performance_insights_kms_key_id", "performance_insights_enabled"]),
        ),
    }
}

// ==================================================================== DynamoDB

/// DAX is unencrypted unless `server_side_encryption { enabled = true }`.
fn check_dax_encryption(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_true(
        cluster,
        out,
        single_block(cluster.attributes.get("server_side_encryption"))
            .and_then(|block| Tri::bool(block.get("enabled"))),
        "server_side_encryption.0.enabled",
        "does not encrypt its data at rest",
    );
}

/// Point-in-time recovery is off unless the block enables it.
fn check_dynamodb_recovery(table: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_true(
        table,
        out,
        single_block(table.attributes.get("point_in_time_recovery"))
            .and_then(|block| Tri::bool(block.get("enabled"))),
        "point_in_time_recovery.0.enabled",
        "has no point-in-time recovery",
    );
}

/// The table must enable KMS server-side encryption with a customer-managed key:
/// disabled means an AWS-owned key, enabled without `kms_key_arn` the AWS-managed one.
fn check_dynamodb_customer_key(table: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let sse = match single_block(table.attributes.get("server_side_encryption")) {
        Tri::Known(sse) => Some(sse),
        Tri::Missing => None,
        Tri::Unknown => {
            out.cannot_tell("the `server_side_encryption` block is generated dynamically");
            return;
        }
    };
    let enabled = sse.map_or(Tri::Missing, |b| Tri::bool(b.get("enabled")));
    match enabled {
        Tri::Known(true) => {}
        Tri::Unknown => {
            out.cannot_tell("`server_side_encryption.enabled` is known only after apply");
            return;
        }
        _ => {
            out.fail(
                format!(
                    "`{}` is encrypted with an AWS-owned key, not a customer-managed key (`server_side_encryption` is not enabled)",
                    table.address
                ),
                at(table, &["server_side_encryption.0.enabled", "server_side_encryption"]),
            );
            return;
        }
    }
    match kms_key(ctx, table, sse.and_then(|b| b.get("kms_key_arn"))) {
        Tri::Known(KeyKind::Customer) => {}
        Tri::Unknown => out.cannot_tell("`server_side_encryption.kms_key_arn` is known only after apply"),
        Tri::Known(KeyKind::AwsManaged) | Tri::Missing => out.fail(
            format!(
                "`{}` is encrypted with the AWS-managed `aws/dynamodb` key, not a customer-managed key",
                table.address
            ),
            at(table, &["server_side_encryption.0.kms_key_arn", "server_side_encryption"]),
        ),
    }
}

// ========================================================================= EFS

/// `encrypted` defaults to false.
fn check_efs_encryption(fs: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_true(
        fs,
        out,
        Tri::bool(fs.attributes.get("encrypted")),
        "encrypted",
        "is not encrypted at rest",
    );
}

// ================================================================= ElastiCache

/// Encryption settings of a replication group. An unset argument on a secondary
/// member of a global datastore is taken from the primary, so it cannot be judged
/// alone; Valkey groups encrypt at rest by default, Redis groups do not.
fn check_elasticache_encryption(
    group: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    attribute: &str,
    on_by_default_for_valkey: bool,
    what: &str,
) {
    let value = Tri::bool(group.attributes.get(attribute));
    if value == Tri::Missing {
        if ctx.is_set(group, group.attributes.get("global_replication_group_id"))
            != Tri::Known(false)
        {
            out.cannot_tell(format!(
                "`{attribute}` is not set and a member of a global datastore takes it from the primary"
            ));
            return;
        }
        if on_by_default_for_valkey {
            match Tri::str(group.attributes.get("engine")) {
                Tri::Known("valkey") => return,
                Tri::Unknown => {
                    out.cannot_tell(format!(
                        "`engine` is known only after apply, and `{attribute}` defaults to true for Valkey only"
                    ));
                    return;
                }
                _ => {}
            }
        }
    }
    require_true(group, out, value, attribute, what);
}

/// At-rest encryption defaults to false for Redis and to true for Valkey.
fn check_elasticache_at_rest(group: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    check_elasticache_encryption(
        group,
        ctx,
        out,
        "at_rest_encryption_enabled",
        true,
        "does not encrypt data at rest",
    );
}

/// In-transit encryption defaults to false.
fn check_elasticache_in_transit(group: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    check_elasticache_encryption(
        group,
        ctx,
        out,
        "transit_encryption_enabled",
        false,
        "does not encrypt traffic in transit",
    );
}

/// Redis/Valkey snapshots are kept only when `snapshot_retention_limit > 0`.
/// Memcached has no snapshots, `cache.t1.micro` nodes cannot take them, and a
/// cluster that joins a replication group follows the group's setting.
fn check_elasticache_backup(cache: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let attributes = &cache.attributes;
    if cache.resource_type() == "aws_elasticache_cluster" {
        if ctx.is_set(cache, attributes.get("replication_group_id")) != Tri::Known(false) {
            return;
        }
        match Tri::str(attributes.get("engine")) {
            Tri::Known("redis" | "valkey") => {}
            Tri::Unknown => {
                out.cannot_tell("`engine` is known only after apply");
                return;
            }
            _ => return,
        }
    } else {
        match Tri::str(attributes.get("engine")) {
            Tri::Known("redis" | "valkey") | Tri::Missing => {}
            Tri::Unknown => {
                out.cannot_tell("`engine` is known only after apply");
                return;
            }
            Tri::Known(_) => return,
        }
    }
    let retention = Tri::number(attributes.get("snapshot_retention_limit"));
    if matches!(retention, Tri::Known(days) if days > 0.0) {
        return;
    }
    match Tri::str(attributes.get("node_type")) {
        Tri::Known("cache.t1.micro") => return,
        Tri::Unknown => {
            out.cannot_tell("`node_type` is known only after apply, and `cache.t1.micro` nodes cannot take snapshots");
            return;
        }
        _ => {}
    }
    match retention {
        Tri::Unknown => out.cannot_tell("`snapshot_retention_limit` is known only after apply"),
        Tri::Missing => out.fail(
            format!(
                "`{}` keeps no automatic snapshots (`snapshot_retention_limit` is not set and defaults to 0)",
                cache.address
            ),
            None,
        ),
        _ => out.fail(
            format!(
                "`{}` keeps no automatic snapshots (`snapshot_retention_limit = 0`)",
                cache.address
            ),
            at(cache, &["snapshot_retention_limit"]),
        ),
    }
}

// ========================================================================= SNS

/// A topic is encrypted when `kms_master_key_id` names any key.
fn check_sns_encryption(topic: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match kms_key(ctx, topic, topic.attributes.get("kms_master_key_id")) {
        Tri::Known(KeyKind::Customer) | Tri::Known(KeyKind::AwsManaged) => {}
        Tri::Unknown => out.cannot_tell("`kms_master_key_id` is known only after apply"),
        Tri::Missing => out.fail(
            format!(
                "`{}` is not encrypted (`kms_master_key_id` is not set)",
                topic.address
            ),
            at(topic, &["kms_master_key_id"]),
        ),
    }
}

/// An encrypted topic must not use `alias/aws/sns`; an unencrypted one is
/// RG-AWS-SNS-001's finding.
fn check_sns_customer_key(topic: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match kms_key(ctx, topic, topic.attributes.get("kms_master_key_id")) {
        Tri::Known(KeyKind::AwsManaged) => out.fail(
            format!(
                "`{}` is encrypted with the AWS-managed `alias/aws/sns` key, not a customer-managed key",
                topic.address
            ),
            at(topic, &["kms_master_key_id"]),
        ),
        Tri::Unknown => out.cannot_tell("`kms_master_key_id` is known only after apply"),
        Tri::Known(KeyKind::Customer) | Tri::Missing => {}
    }
}

// ========================================================================= SQS

/// Encrypted when a KMS key is named or SQS-managed encryption is on.
fn check_sqs_encryption(queue: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let key = kms_key(ctx, queue, queue.attributes.get("kms_master_key_id"));
    if matches!(
        key,
        Tri::Known(KeyKind::Customer) | Tri::Known(KeyKind::AwsManaged)
    ) {
        return;
    }
    let managed = Tri::bool(queue.attributes.get("sqs_managed_sse_enabled"));
    match (key, managed) {
        (_, Tri::Known(true)) => {}
        (Tri::Unknown, _) | (_, Tri::Unknown) => out.cannot_tell(
            "`kms_master_key_id` or `sqs_managed_sse_enabled` is known only after apply",
        ),
        (_, Tri::Known(false)) => out.fail(
            format!(
                "`{}` is not encrypted (`sqs_managed_sse_enabled = false` and no `kms_master_key_id`)",
                queue.address
            ),
            at(queue, &["sqs_managed_sse_enabled"]),
        ),
        _ => out.fail(
            format!(
                "`{}` sets neither `kms_master_key_id` nor `sqs_managed_sse_enabled = true`, so its messages are not explicitly encrypted",
                queue.address
            ),
            None,
        ),
    }
}

/// An encrypted queue must use a customer-managed key, not `alias/aws/sqs` or
/// SQS-owned keys; an unencrypted one is RG-AWS-SQS-010's finding.
fn check_sqs_customer_key(queue: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match kms_key(ctx, queue, queue.attributes.get("kms_master_key_id")) {
        Tri::Known(KeyKind::Customer) => {}
        Tri::Unknown => out.cannot_tell("`kms_master_key_id` is known only after apply"),
        Tri::Known(KeyKind::AwsManaged) => out.fail(
            format!(
                "`{}` is encrypted with the AWS-managed `alias/aws/sqs` key, not a customer-managed key",
                queue.address
            ),
            at(queue, &["kms_master_key_id"]),
        ),
        Tri::Missing => match Tri::bool(queue.attributes.get("sqs_managed_sse_enabled")) {
            Tri::Known(true) => out.fail(
                format!(
                    "`{}` is encrypted with SQS-owned keys (`sqs_managed_sse_enabled`), not a customer-managed key",
                    queue.address
                ),
                at(queue, &["sqs_managed_sse_enabled"]),
            ),
            Tri::Unknown => out.cannot_tell("`sqs_managed_sse_enabled` is known only after apply"),
            _ => {}
        },
    }
}

// ==================================================== Elasticsearch / OpenSearch

/// `encrypt_at_rest.enabled` is required inside the block; without the block the
/// domain is unencrypted.
fn check_search_encryption_at_rest(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_true(
        domain,
        out,
        single_block(domain.attributes.get("encrypt_at_rest"))
            .and_then(|block| Tri::bool(block.get("enabled"))),
        "encrypt_at_rest.0.enabled",
        "does not encrypt data at rest",
    );
}

/// Needs a `log_publishing_options` block of type `AUDIT_LOGS` that is enabled
/// (`enabled` defaults to true).
fn check_search_audit_logging(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let options = match known_blocks(domain.attributes.get("log_publishing_options")) {
        Some(options) => options,
        None => {
            out.cannot_tell(
                "`log_publishing_options` is generated dynamically or known only after apply",
            );
            return;
        }
    };
    let mut unknown = false;
    let mut disabled = false;
    for option in options {
        match Tri::str(option.get("log_type")) {
            Tri::Known("AUDIT_LOGS") => {}
            Tri::Unknown => {
                unknown = true;
                continue;
            }
            _ => continue,
        }
        match Tri::bool(option.get("enabled")).or_default_value(true) {
            Tri::Known(true) => return,
            Tri::Known(false) => disabled = true,
            _ => unknown = true,
        }
    }
    if unknown {
        out.cannot_tell("a log publishing option's type or state is known only after apply");
    } else if disabled {
        out.fail(
            format!(
                "`{}` disables its audit log publishing (`enabled = false`)",
                domain.address
            ),
            at(domain, &["log_publishing_options"]),
        );
    } else {
        out.fail(
            format!(
                "`{}` publishes no audit logs (no enabled `log_publishing_options` of type `AUDIT_LOGS`)",
                domain.address
            ),
            at(domain, &["log_publishing_options"]),
        );
    }
}

/// `node_to_node_encryption.enabled` is off without the block.
fn check_search_node_to_node(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    require_true(
        domain,
        out,
        single_block(domain.attributes.get("node_to_node_encryption"))
            .and_then(|block| Tri::bool(block.get("enabled"))),
        "node_to_node_encryption.0.enabled",
        "does not encrypt node-to-node traffic",
    );
}

/// Without `domain_endpoint_options` the domain is created without HTTPS
/// enforcement; inside the block `enforce_https` defaults to true.
fn check_search_enforce_https(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match single_block(domain.attributes.get("domain_endpoint_options")) {
        Tri::Missing => out.fail(
            format!(
                "`{}` does not enforce HTTPS (no `domain_endpoint_options` block)",
                domain.address
            ),
            None,
        ),
        Tri::Known(options) => match Tri::bool(options.get("enforce_https")) {
            Tri::Known(false) => out.fail(
                format!(
                    "`{}` does not enforce HTTPS (`enforce_https = false`)",
                    domain.address
                ),
                at(
                    domain,
                    &[
                        "domain_endpoint_options.0.enforce_https",
                        "domain_endpoint_options",
                    ],
                ),
            ),
            Tri::Unknown => {
                out.cannot_tell("`domain_endpoint_options.enforce_https` is known only after apply")
            }
            _ => {}
        },
        Tri::Unknown => {
            out.cannot_tell(
                "`domain_endpoint_options` is generated dynamically or known only after apply",
            );
        }
    }
}

/// The TLS policy must require TLS 1.2; an unset policy means TLS 1.0.
fn check_search_tls_policy(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match single_block(domain.attributes.get("domain_endpoint_options"))
        .and_then(|block| Tri::str(block.get("tls_security_policy")))
    {
        Tri::Known(policy) if policy.starts_with("Policy-Min-TLS-1-2") => {}
        Tri::Unknown => out.cannot_tell("`tls_security_policy` is known only after apply"),
        Tri::Known(policy) => out.fail(
            format!(
                "`{}` accepts TLS versions older than 1.2 (`tls_security_policy = \"{policy}\"`)",
                domain.address
            ),
            at(
                domain,
                &[
                    "domain_endpoint_options.0.tls_security_policy",
                    "domain_endpoint_options",
                ],
            ),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` sets no `tls_security_policy`, so its endpoint accepts TLS 1.0",
                domain.address
            ),
            at(domain, &["domain_endpoint_options"]),
        ),
    }
}

// ========================================================================= MSK

/// The at-rest key must be customer managed; without one MSK uses `aws/kafka`.
fn check_msk_at_rest(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let info = match single_block(cluster.attributes.get("encryption_info")) {
        Tri::Known(info) => Some(info),
        Tri::Missing => None,
        Tri::Unknown => {
            out.cannot_tell("`encryption_info` is generated dynamically or known only after apply");
            return;
        }
    };
    match kms_key(ctx, cluster, info.and_then(|i| i.get("encryption_at_rest_kms_key_arn"))) {
        Tri::Known(KeyKind::Customer) => {}
        Tri::Unknown => out.cannot_tell("`encryption_at_rest_kms_key_arn` is known only after apply"),
        Tri::Known(KeyKind::AwsManaged) | Tri::Missing => out.fail(
            format!(
                "`{}` encrypts broker storage with the AWS-managed `aws/kafka` key (no customer-managed `encryption_at_rest_kms_key_arn`)",
                cluster.address
            ),
            at(
                cluster,
                &["encryption_info.0.encryption_at_rest_kms_key_arn", "encryption_info"],
            ),
        ),
    }
}

/// `client_broker` defaults to `TLS` and `in_cluster` to true; anything weaker lets
/// data travel in plaintext.
fn check_msk_in_transit(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let transit = match single_block(cluster.attributes.get("encryption_info")) {
        Tri::Missing => return,
        Tri::Known(info) => match single_block(info.get("encryption_in_transit")) {
            Tri::Missing => return,
            Tri::Known(transit) => transit,
            Tri::Unknown => {
                out.cannot_tell("`encryption_in_transit` is known only after apply");
                return;
            }
        },
        _ => {
            out.cannot_tell("`encryption_info` is generated dynamically or known only after apply");
            return;
        }
    };
    match Tri::str(transit.get("client_broker")) {
        Tri::Known(mode @ ("PLAINTEXT" | "TLS_PLAINTEXT")) => out.fail(
            format!(
                "`{}` lets clients connect without TLS (`client_broker = \"{mode}\"`)",
                cluster.address
            ),
            at(
                cluster,
                &[
                    "encryption_info.0.encryption_in_transit.0.client_broker",
                    "encryption_info",
                ],
            ),
        ),
        Tri::Unknown => out.cannot_tell("`client_broker` is known only after apply"),
        _ => {}
    }
    match Tri::bool(transit.get("in_cluster")) {
        Tri::Known(false) => out.fail(
            format!(
                "`{}` replicates between brokers without TLS (`in_cluster = false`)",
                cluster.address
            ),
            at(
                cluster,
                &[
                    "encryption_info.0.encryption_in_transit.0.in_cluster",
                    "encryption_info",
                ],
            ),
        ),
        Tri::Unknown => out.cannot_tell("`in_cluster` is known only after apply"),
        _ => {}
    }
}

/// Some broker log destination must be enabled.
fn check_msk_logging(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let broker_logs = match single_block(cluster.attributes.get("logging_info")) {
        Tri::Missing => None,
        Tri::Known(info) => match single_block(info.get("broker_logs")) {
            Tri::Known(logs) => Some(logs),
            Tri::Missing => None,
            Tri::Unknown => {
                out.cannot_tell("`broker_logs` is known only after apply");
                return;
            }
        },
        _ => {
            out.cannot_tell("`logging_info` is generated dynamically or known only after apply");
            return;
        }
    };
    let mut unknown = false;
    if let Some(logs) = broker_logs {
        for destination in ["cloudwatch_logs", "firehose", "s3"] {
            match single_block(logs.get(destination))
                .and_then(|block| Tri::bool(block.get("enabled")))
            {
                Tri::Known(true) => return,
                Tri::Unknown => unknown = true,
                _ => {}
            }
        }
    }
    if unknown {
        out.cannot_tell("whether a broker log destination is enabled is known only after apply");
    } else {
        out.fail(
            format!(
                "`{}` sends broker logs nowhere (no enabled destination under `logging_info.broker_logs`)",
                cluster.address
            ),
            at(cluster, &["logging_info"]),
        );
    }
}

// ===================================================================== Kinesis

/// `encryption_type` defaults to `NONE`; `KMS` needs a key.
fn check_kinesis_encryption(stream: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(stream.attributes.get("encryption_type")) {
        Tri::Known("KMS") => match kms_key(ctx, stream, stream.attributes.get("kms_key_id")) {
            Tri::Known(KeyKind::Customer) | Tri::Known(KeyKind::AwsManaged) => {}
            Tri::Unknown => out.cannot_tell("`kms_key_id` is known only after apply"),
            Tri::Missing => out.fail(
                format!(
                    "`{}` asks for KMS encryption but names no `kms_key_id`",
                    stream.address
                ),
                at(stream, &["kms_key_id", "encryption_type"]),
            ),
        },
        Tri::Unknown => out.cannot_tell("`encryption_type` is known only after apply"),
        Tri::Known(other) => out.fail(
            format!(
                "`{}` is not encrypted (`encryption_type = \"{other}\"`)",
                stream.address
            ),
            at(stream, &["encryption_type"]),
        ),
        Tri::Missing => out.fail(
            format!(
                "`{}` is not encrypted (`encryption_type` is not set and defaults to `NONE`)",
                stream.address
            ),
            None,
        ),
    }
}

// ================================================================== DocumentDB

/// `audit` or `profiler` must be exported.
fn check_docdb_log_export(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match contains_string(
        cluster.attributes.get("enabled_cloudwatch_logs_exports"),
        |export| ["audit", "profiler"].contains(&export),
    ) {
        Tri::Known(true) => {}
        Tri::Unknown | Tri::Missing => {
            out.cannot_tell("`enabled_cloudwatch_logs_exports` is known only after apply");
        }
        Tri::Known(false) => out.fail(
            format!(
                "`{}` exports neither `audit` nor `profiler` logs",
                cluster.address
            ),
            at(cluster, &["enabled_cloudwatch_logs_exports"]),
        ),
    }
}

fn storage_encryption_verdict(
    cluster: &Resource,
    ctx: &Context<'_>,
    out: &mut Verdicts,
    key_attribute: &str,
) {
    match cluster_storage_encrypted(cluster, ctx, key_attribute) {
        Tri::Known(true) => {}
        Tri::Known(false) => out.fail(
            format!(
                "`{}` does not encrypt its storage (`storage_encrypted` is false or unset)",
                cluster.address
            ),
            at(cluster, &["storage_encrypted"]),
        ),
        Tri::Unknown | Tri::Missing => out.cannot_tell(
            "whether the cluster storage is encrypted depends on values known only after apply or on its snapshot/source",
        ),
    }
}

/// `storage_encrypted` defaults to false.
fn check_docdb_storage_encryption(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    storage_encryption_verdict(cluster, ctx, out, "kms_key_id");
}

/// `kms_key_id` must name a customer-managed key.
fn check_docdb_customer_key(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    cluster_customer_key(cluster, ctx, out, "kms_key_id", "aws/rds");
}

// ===================================================================== Neptune

/// `audit` must be exported.
fn check_neptune_log_export(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match contains_string(
        cluster.attributes.get("enable_cloudwatch_logs_exports"),
        |export| ["audit"].contains(&export),
    ) {
        Tri::Known(true) => {}
        Tri::Unknown | Tri::Missing => {
            out.cannot_tell("`enable_cloudwatch_logs_exports` is known only after apply");
        }
        Tri::Known(false) => out.fail(
            format!("`{}` does not export its audit log", cluster.address),
            at(cluster, &["enable_cloudwatch_logs_exports"]),
        ),
    }
}

/// `storage_encrypted` defaults to false.
fn check_neptune_storage_encryption(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    storage_encryption_verdict(cluster, ctx, out, "kms_key_arn");
}

/// `kms_key_arn` must name a customer-managed key.
fn check_neptune_customer_key(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    cluster_customer_key(cluster, ctx, out, "kms_key_arn", "aws/rds");
}

// ==================================================================== Redshift

/// The cluster must not disable encryption and must name a customer-managed key
/// (`kms_key_id` requires `encrypted = true`; a restore keeps its snapshot's key).
fn check_redshift_customer_key(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let encrypted = Tri::bool(cluster.attributes.get("encrypted"));
    if encrypted == Tri::Known(false) {
        out.fail(
            format!(
                "`{}` is not encrypted (`encrypted = false`)",
                cluster.address
            ),
            at(cluster, &["encrypted"]),
        );
        return;
    }
    match kms_key(ctx, cluster, cluster.attributes.get("kms_key_id")) {
        Tri::Known(KeyKind::Customer) if encrypted.is_unknown() => {
            out.cannot_tell("`encrypted` is known only after apply");
        }
        Tri::Known(KeyKind::Customer) => {}
        Tri::Unknown => out.cannot_tell("`kms_key_id` is known only after apply"),
        Tri::Missing
            if ctx.is_set(cluster, cluster.attributes.get("snapshot_identifier"))
                != Tri::Known(false) =>
        {
            out.cannot_tell(
                "a cluster restored from a snapshot keeps the snapshot's encryption key",
            );
        }
        Tri::Known(KeyKind::AwsManaged) | Tri::Missing => out.fail(
            format!(
                "`{}` is not encrypted with a customer-managed key (`kms_key_id` names none)",
                cluster.address
            ),
            at(cluster, &["kms_key_id", "encrypted"]),
        ),
    }
}

/// `cluster_subnet_group_name` places the cluster in a chosen VPC.
fn check_redshift_vpc(cluster: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match ctx.is_set(cluster, cluster.attributes.get("cluster_subnet_group_name")) {
        Tri::Known(true) => {}
        Tri::Unknown | Tri::Missing => {
            out.cannot_tell("`cluster_subnet_group_name` is known only after apply");
        }
        Tri::Known(false) => out.fail(
            format!(
                "`{}` names no `cluster_subnet_group_name`, so it is not placed in a chosen VPC",
                cluster.address
            ),
            at(cluster, &["cluster_subnet_group_name"]),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::changeset::{ChangeSet, Document, Origin};
    use crate::review::{Review, review};

    fn hcl(source: &str) -> Review {
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", source)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        review(&cs)
    }

    /// A plan of `changes` (see [`change`]) whose configuration gives the listed
    /// resources' expressions (`{"address": …, "expressions": …}` objects).
    fn plan(changes: &[String], config: &[&str]) -> Review {
        let json = format!(
            r#"{{"format_version":"1.2","resource_changes":[{}],"configuration":{{"root_module":{{"resources":[{}]}}}}}}"#,
            changes.join(","),
            config.join(",")
        );
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("plan.json", json)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        review(&cs)
    }

    /// One `create` resource change with its planned values and unknown mask.
    fn change(address: &str, after: &str, after_unknown: &str) -> String {
        let (resource_type, name) = address.split_once('.').expect("type.name");
        format!(
            r#"{{"address":"{address}","mode":"managed","type":"{resource_type}","name":"{name}","provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{after_unknown}}}}}"#
        )
    }

    fn failed(review: &Review, rule: &str, resource: &str) -> bool {
        review
            .findings
            .iter()
            .any(|f| f.rule_id == rule && f.resource.as_deref() == Some(resource))
    }

    fn undetermined(review: &Review, rule: &str, resource: &str) -> bool {
        review
            .undetermined
            .iter()
            .any(|u| u.rule_id == rule && u.resource == resource)
    }

    fn passed(review: &Review, rule: &str, resource: &str) -> bool {
        !failed(review, rule, resource) && !undetermined(review, rule, resource)
    }

    // ------------------------------------------------------------------------ RDS

    #[test]
    fn rds_deletion_protection_missing_or_false_fails() {
        let r = hcl(r#"
resource "aws_db_instance" "unset" {
  engine = "postgres"
}

resource "aws_db_instance" "off" {
  engine              = "postgres"
  deletion_protection = false
}

resource "aws_rds_cluster" "on" {
  engine              = "aurora-postgresql"
  deletion_protection = true
}

resource "aws_rds_cluster" "unset" {
  engine = "aurora-mysql"
}

resource "aws_rds_cluster" "variable" {
  deletion_protection = var.protect
}
"#);
        let rule = "RG-AWS-RDS-005";
        assert!(failed(&r, rule, "aws_db_instance.unset"));
        assert!(failed(&r, rule, "aws_db_instance.off"));
        assert!(failed(&r, rule, "aws_rds_cluster.unset"));
        assert!(passed(&r, rule, "aws_rds_cluster.on"));
        assert!(undetermined(&r, rule, "aws_rds_cluster.variable"));
        assert!(!failed(&r, rule, "aws_rds_cluster.variable"));
        // The finding points at the offending attribute.
        let off = r
            .findings
            .iter()
            .find(|f| f.rule_id == rule && f.resource.as_deref() == Some("aws_db_instance.off"))
            .expect("finding");
        assert_eq!(off.line, Some(8));
        assert!(off.aliases.iter().any(|a| a == "CKV_AWS_293"));
    }

    #[test]
    fn rds_deletion_protection_and_keys_in_a_plan() {
        let r = plan(
            &[
                change(
                    "aws_kms_key.pi",
                    r#"{"enable_key_rotation":true}"#,
                    r#"{"arn":true}"#,
                ),
                change(
                    "aws_db_instance.db",
                    r#"{"engine":"postgres","instance_class":"db.m6g.large","storage_encrypted":false,"deletion_protection":true,"publicly_accessible":false,"performance_insights_enabled":true,"backup_retention_period":7}"#,
                    r#"{"performance_insights_kms_key_id":true}"#,
                ),
                change(
                    "aws_rds_cluster.aurora",
                    r#"{"engine":"aurora-postgresql","storage_encrypted":true,"backup_retention_period":1}"#,
                    r#"{"deletion_protection":true,"kms_key_id":true}"#,
                ),
            ],
            &[
                r#"{"address":"aws_db_instance.db","expressions":{"performance_insights_kms_key_id":{"references":["aws_kms_key.pi.arn","aws_kms_key.pi"]}}}"#,
            ],
        );
        let (db, aurora) = ("aws_db_instance.db", "aws_rds_cluster.aurora");
        assert!(failed(&r, "RG-AWS-RDS-001", db));
        assert!(passed(&r, "RG-AWS-RDS-003", db));
        assert!(passed(&r, "RG-AWS-RDS-004", db));
        assert!(passed(&r, "RG-AWS-RDS-005", db));
        assert!(passed(&r, "RG-AWS-RDS-006", db));
        // The key is only known after apply, but it is the plan's own `aws_kms_key`.
        assert!(passed(&r, "RG-AWS-RDS-007", db));
        // Unknown after apply, with no reference to follow: cannot tell.
        assert!(undetermined(&r, "RG-AWS-RDS-005", aurora));
        assert!(!failed(&r, "RG-AWS-RDS-005", aurora));
        assert!(undetermined(&r, "RG-AWS-RDS-002", aurora));
        assert!(failed(&r, "RG-AWS-RDS-004", aurora));
    }

    #[test]
    fn rds_read_replicas_and_restores_take_their_source_encryption() {
        let r = hcl(r#"
resource "aws_db_instance" "encrypted" {
  storage_encrypted = true
}

resource "aws_db_instance" "plain" {
  storage_encrypted = false
}

resource "aws_db_instance" "replica_of_encrypted" {
  replicate_source_db = aws_db_instance.encrypted.identifier
}

resource "aws_db_instance" "replica_of_plain" {
  replicate_source_db = aws_db_instance.plain.identifier
}

resource "aws_db_instance" "cross_region_replica" {
  replicate_source_db = "arn:aws:rds:us-east-1:111122223333:db:primary"
  kms_key_id          = "arn:aws:kms:eu-west-1:111122223333:key/abcd"
}

resource "aws_db_instance" "replica_of_outsider" {
  replicate_source_db = "arn:aws:rds:us-east-1:111122223333:db:primary"
}

resource "aws_db_instance" "restored" {
  snapshot_identifier = "nightly"
}
"#);
        let rule = "RG-AWS-RDS-001";
        assert!(passed(&r, rule, "aws_db_instance.replica_of_encrypted"));
        assert!(failed(&r, rule, "aws_db_instance.replica_of_plain"));
        assert!(passed(&r, rule, "aws_db_instance.cross_region_replica"));
        assert!(undetermined(
            &r,
            rule,
            "aws_db_instance.replica_of_outsider"
        ));
        assert!(undetermined(&r, rule, "aws_db_instance.restored"));
        // Replicas are not required to keep backups of their own.
        assert!(passed(
            &r,
            "RG-AWS-RDS-004",
            "aws_db_instance.replica_of_plain"
        ));
        assert!(failed(&r, "RG-AWS-RDS-004", "aws_db_instance.restored"));
    }

    #[test]
    fn rds_cluster_key_follows_references_defaults_and_aws_managed_aliases() {
        let r = hcl(r#"
resource "aws_kms_key" "db" {
  enable_key_rotation = true
}

resource "aws_rds_cluster" "cmk" {
  storage_encrypted = true
  kms_key_id        = aws_kms_key.db.arn
}

resource "aws_rds_cluster" "aws_managed" {
  storage_encrypted = true
  kms_key_id        = "arn:aws:kms:us-east-1:111122223333:alias/aws/rds"
}

resource "aws_rds_cluster" "serverless" {
  engine_mode = "serverless"
  kms_key_id  = aws_kms_key.db.arn
}

resource "aws_rds_cluster" "from_snapshot" {
  snapshot_identifier = "snap"
}

resource "aws_rds_cluster" "module_key" {
  storage_encrypted = true
  kms_key_id        = module.kms.key_arn
}
"#);
        let rule = "RG-AWS-RDS-002";
        assert!(passed(&r, rule, "aws_rds_cluster.cmk"));
        assert!(failed(&r, rule, "aws_rds_cluster.aws_managed"));
        assert!(passed(&r, rule, "aws_rds_cluster.serverless"));
        assert!(undetermined(&r, rule, "aws_rds_cluster.from_snapshot"));
        assert!(undetermined(&r, rule, "aws_rds_cluster.module_key"));
    }

    #[test]
    fn rds_performance_insights_skips_unsupported_classes_and_public_cluster_instances_fail() {
        let r = hcl(r#"
resource "aws_db_instance" "tiny" {
  engine         = "mysql"
  instance_class = "db.t3.micro"
}

resource "aws_db_instance" "large" {
  engine         = "mysql"
  instance_class = "db.r6g.large"
}

resource "aws_rds_cluster_instance" "public" {
  publicly_accessible          = true
  performance_insights_enabled = true
}

resource "aws_rds_cluster" "multi_az" {
  db_cluster_instance_class = "db.r6gd.large"
  publicly_accessible       = true
}
"#);
        assert!(passed(&r, "RG-AWS-RDS-006", "aws_db_instance.tiny"));
        assert!(failed(&r, "RG-AWS-RDS-006", "aws_db_instance.large"));
        // Performance Insights off: nothing to encrypt.
        assert!(passed(&r, "RG-AWS-RDS-007", "aws_db_instance.large"));
        assert!(failed(
            &r,
            "RG-AWS-RDS-003",
            "aws_rds_cluster_instance.public"
        ));
        assert!(failed(
            &r,
            "RG-AWS-RDS-007",
            "aws_rds_cluster_instance.public"
        ));
        assert!(failed(&r, "RG-AWS-RDS-003", "aws_rds_cluster.multi_az"));
        assert!(passed(&r, "RG-AWS-RDS-003", "aws_db_instance.large"));
    }

    // ------------------------------------------------------------------- DynamoDB

    #[test]
    fn dynamodb_in_a_plan() {
        let r = plan(
            &[
                change("aws_kms_key.t", "{}", r#"{"arn":true}"#),
                change(
                    "aws_dynamodb_table.t",
                    r#"{"name":"t","server_side_encryption":[{"enabled":true}],"point_in_time_recovery":[{}]}"#,
                    r#"{"server_side_encryption":[{"kms_key_arn":true}],"point_in_time_recovery":[{"enabled":true}]}"#,
                ),
                change(
                    "aws_dax_cluster.c",
                    r#"{"server_side_encryption":[{"enabled":false}]}"#,
                    "{}",
                ),
            ],
            &[
                r#"{"address":"aws_dynamodb_table.t","expressions":{"server_side_encryption":[{"kms_key_arn":{"references":["aws_kms_key.t.arn","aws_kms_key.t"]}}]}}"#,
            ],
        );
        assert!(passed(&r, "RG-AWS-DDB-003", "aws_dynamodb_table.t"));
        assert!(undetermined(&r, "RG-AWS-DDB-002", "aws_dynamodb_table.t"));
        assert!(!failed(&r, "RG-AWS-DDB-002", "aws_dynamodb_table.t"));
        assert!(failed(&r, "RG-AWS-DDB-001", "aws_dax_cluster.c"));
    }

    #[test]
    fn dynamodb_key_from_an_aws_managed_alias_data_source_fails() {
        let r = hcl(r#"
data "aws_kms_alias" "dynamodb" {
  name = "alias/aws/dynamodb"
}

data "aws_kms_alias" "own" {
  name = "alias/tables"
}

resource "aws_dynamodb_table" "managed" {
  server_side_encryption {
    enabled     = true
    kms_key_arn = data.aws_kms_alias.dynamodb.target_key_arn
  }
}

resource "aws_dynamodb_table" "own" {
  server_side_encryption {
    enabled     = true
    kms_key_arn = data.aws_kms_alias.own.target_key_arn
  }
}

resource "aws_dynamodb_table" "default_managed" {
  server_side_encryption {
    enabled = true
  }
}
"#);
        let rule = "RG-AWS-DDB-003";
        assert!(failed(&r, rule, "aws_dynamodb_table.managed"));
        assert!(passed(&r, rule, "aws_dynamodb_table.own"));
        assert!(failed(&r, rule, "aws_dynamodb_table.default_managed"));
    }

    // ------------------------------------------------------------------------ EFS

    #[test]
    fn efs_encryption_in_plan_and_configuration() {
        let r = plan(
            &[
                change("aws_efs_file_system.later", "{}", r#"{"encrypted":true}"#),
                change("aws_efs_file_system.plain", r#"{"encrypted":false}"#, "{}"),
            ],
            &[],
        );
        assert!(undetermined(
            &r,
            "RG-AWS-EFS-001",
            "aws_efs_file_system.later"
        ));
        assert!(failed(&r, "RG-AWS-EFS-001", "aws_efs_file_system.plain"));
        let r = hcl(r#"resource "aws_efs_file_system" "fs" {}"#);
        assert!(failed(&r, "RG-AWS-EFS-001", "aws_efs_file_system.fs"));
    }

    // ---------------------------------------------------------------- ElastiCache

    #[test]
    fn elasticache_in_a_plan() {
        let r = plan(
            &[
                change(
                    "aws_elasticache_replication_group.redis",
                    r#"{"engine":"redis","transit_encryption_enabled":true,"snapshot_retention_limit":0,"node_type":"cache.r6g.large"}"#,
                    r#"{"at_rest_encryption_enabled":true}"#,
                ),
                change(
                    "aws_elasticache_replication_group.valkey",
                    r#"{"engine":"valkey","at_rest_encryption_enabled":null,"snapshot_retention_limit":7}"#,
                    "{}",
                ),
            ],
            &[],
        );
        let redis = "aws_elasticache_replication_group.redis";
        assert!(undetermined(&r, "RG-AWS-ECA-001", redis));
        assert!(passed(&r, "RG-AWS-ECA-002", redis));
        assert!(failed(&r, "RG-AWS-ECA-003", redis));
        let valkey = "aws_elasticache_replication_group.valkey";
        assert!(passed(&r, "RG-AWS-ECA-001", valkey));
        assert!(failed(&r, "RG-AWS-ECA-002", valkey));
        assert!(passed(&r, "RG-AWS-ECA-003", valkey));
    }

    #[test]
    fn elasticache_global_members_and_group_members_follow_their_group() {
        let r = hcl(r#"
resource "aws_elasticache_global_replication_group" "g" {
  global_replication_group_id_suffix = "g"
  primary_replication_group_id       = "primary"
}

resource "aws_elasticache_replication_group" "secondary" {
  global_replication_group_id = aws_elasticache_global_replication_group.g.global_replication_group_id
}

resource "aws_elasticache_cluster" "member" {
  replication_group_id = aws_elasticache_replication_group.secondary.id
}

resource "aws_elasticache_cluster" "standalone" {
  engine = "redis"
}
"#);
        let secondary = "aws_elasticache_replication_group.secondary";
        assert!(undetermined(&r, "RG-AWS-ECA-001", secondary));
        assert!(undetermined(&r, "RG-AWS-ECA-002", secondary));
        assert!(passed(
            &r,
            "RG-AWS-ECA-003",
            "aws_elasticache_cluster.member"
        ));
        assert!(failed(
            &r,
            "RG-AWS-ECA-003",
            "aws_elasticache_cluster.standalone"
        ));
    }

    // ------------------------------------------------------------------------ SNS

    #[test]
    fn sns_keys_in_a_plan() {
        let r = plan(
            &[
                change("aws_kms_key.k", "{}", r#"{"arn":true}"#),
                change(
                    "aws_sns_topic.own",
                    r#"{"name":"own"}"#,
                    r#"{"kms_master_key_id":true}"#,
                ),
                change(
                    "aws_sns_topic.later",
                    r#"{"name":"later"}"#,
                    r#"{"kms_master_key_id":true}"#,
                ),
                change(
                    "aws_sns_topic.plain",
                    r#"{"name":"plain","kms_master_key_id":null}"#,
                    "{}",
                ),
            ],
            &[
                r#"{"address":"aws_sns_topic.own","expressions":{"kms_master_key_id":{"references":["aws_kms_key.k.arn","aws_kms_key.k"]}}}"#,
            ],
        );
        assert!(passed(&r, "RG-AWS-SNS-001", "aws_sns_topic.own"));
        assert!(passed(&r, "RG-AWS-SNS-002", "aws_sns_topic.own"));
        assert!(undetermined(&r, "RG-AWS-SNS-001", "aws_sns_topic.later"));
        assert!(failed(&r, "RG-AWS-SNS-001", "aws_sns_topic.plain"));
        // Unencrypted is SNS-001's finding, not a key finding as well.
        assert!(passed(&r, "RG-AWS-SNS-002", "aws_sns_topic.plain"));
    }

    #[test]
    fn sns_topic_with_a_customer_alias_resource_passes() {
        let r = hcl(r#"
resource "aws_kms_alias" "topics" {
  name          = "alias/topics"
  target_key_id = aws_kms_key.k.key_id
}

resource "aws_sns_topic" "t" {
  kms_master_key_id = aws_kms_alias.topics.name
}

resource "aws_sns_topic" "managed" {
  kms_master_key_id = "alias/aws/sns"
}
"#);
        assert!(passed(&r, "RG-AWS-SNS-002", "aws_sns_topic.t"));
        assert!(failed(&r, "RG-AWS-SNS-002", "aws_sns_topic.managed"));
        assert!(passed(&r, "RG-AWS-SNS-001", "aws_sns_topic.managed"));
    }

    // ------------------------------------------------------------------------ SQS

    #[test]
    fn sqs_encryption_in_a_plan_and_configuration() {
        let r = plan(
            &[change(
                "aws_sqs_queue.q",
                r#"{"name":"q","kms_master_key_id":null}"#,
                r#"{"sqs_managed_sse_enabled":true}"#,
            )],
            &[],
        );
        assert!(undetermined(&r, "RG-AWS-SQS-010", "aws_sqs_queue.q"));
        assert!(!failed(&r, "RG-AWS-SQS-010", "aws_sqs_queue.q"));
        assert!(undetermined(&r, "RG-AWS-SQS-011", "aws_sqs_queue.q"));

        let r = hcl(r#"
resource "aws_sqs_queue" "off" {
  sqs_managed_sse_enabled = false
}

resource "aws_sqs_queue" "sqs_owned" {
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue" "own_key" {
  kms_master_key_id = aws_kms_key.q.arn
}

resource "aws_kms_key" "q" {}
"#);
        assert!(failed(&r, "RG-AWS-SQS-010", "aws_sqs_queue.off"));
        assert!(passed(&r, "RG-AWS-SQS-010", "aws_sqs_queue.sqs_owned"));
        assert!(failed(&r, "RG-AWS-SQS-011", "aws_sqs_queue.sqs_owned"));
        assert!(passed(&r, "RG-AWS-SQS-010", "aws_sqs_queue.own_key"));
        assert!(passed(&r, "RG-AWS-SQS-011", "aws_sqs_queue.own_key"));
    }

    // ------------------------------------------------------ Elasticsearch/OpenSearch

    #[test]
    fn opensearch_domain_in_a_plan() {
        let r = plan(
            &[change(
                "aws_opensearch_domain.d",
                r#"{"domain_name":"d","encrypt_at_rest":[{}],"node_to_node_encryption":[{"enabled":true}],"domain_endpoint_options":[{"enforce_https":true,"tls_security_policy":"Policy-Min-TLS-1-2-PFS-2023-10"}],"log_publishing_options":[{"log_type":"AUDIT_LOGS","enabled":true,"cloudwatch_log_group_arn":"arn:aws:logs:eu-west-1:111122223333:log-group:audit"}]}"#,
                r#"{"encrypt_at_rest":[{"enabled":true}]}"#,
            )],
            &[],
        );
        let d = "aws_opensearch_domain.d";
        assert!(undetermined(&r, "RG-AWS-ES-001", d));
        for rule in [
            "RG-AWS-ES-002",
            "RG-AWS-ES-003",
            "RG-AWS-ES-004",
            "RG-AWS-ES-005",
        ] {
            assert!(passed(&r, rule, d), "{rule}");
        }
    }

    #[test]
    fn search_domain_defaults_and_dynamic_blocks() {
        let r = hcl(r#"
resource "aws_elasticsearch_domain" "bare" {
  domain_name = "bare"
}

resource "aws_elasticsearch_domain" "dynamic_logs" {
  dynamic "log_publishing_options" {
    for_each = var.log_types
    content {
      log_type                 = log_publishing_options.value
      cloudwatch_log_group_arn = var.group
    }
  }
  domain_endpoint_options {
    tls_security_policy = "Policy-Min-TLS-1-2-2019-07"
  }
}
"#);
        let bare = "aws_elasticsearch_domain.bare";
        for rule in [
            "RG-AWS-ES-001",
            "RG-AWS-ES-002",
            "RG-AWS-ES-003",
            "RG-AWS-ES-004",
            "RG-AWS-ES-005",
        ] {
            assert!(failed(&r, rule, bare), "{rule}");
        }
        let dynamic = "aws_elasticsearch_domain.dynamic_logs";
        assert!(undetermined(&r, "RG-AWS-ES-002", dynamic));
        // `enforce_https` defaults to true inside the block.
        assert!(passed(&r, "RG-AWS-ES-004", dynamic));
        assert!(passed(&r, "RG-AWS-ES-005", dynamic));
    }

    // ------------------------------------------------------------------------ MSK

    #[test]
    fn msk_in_a_plan() {
        let r = plan(
            &[
                change("aws_kms_key.kafka", "{}", r#"{"arn":true}"#),
                change(
                    "aws_msk_cluster.m",
                    r#"{"cluster_name":"m","encryption_info":[{"encryption_in_transit":[{"client_broker":"TLS","in_cluster":true}]}],"logging_info":[{"broker_logs":[{"cloudwatch_logs":[{}],"firehose":[],"s3":[]}]}]}"#,
                    r#"{"encryption_info":[{"encryption_at_rest_kms_key_arn":true}],"logging_info":[{"broker_logs":[{"cloudwatch_logs":[{"enabled":true}]}]}]}"#,
                ),
            ],
            &[
                r#"{"address":"aws_msk_cluster.m","expressions":{"encryption_info":[{"encryption_at_rest_kms_key_arn":{"references":["aws_kms_key.kafka.arn","aws_kms_key.kafka"]}}]}}"#,
            ],
        );
        let m = "aws_msk_cluster.m";
        assert!(passed(&r, "RG-AWS-MSK-001", m));
        assert!(passed(&r, "RG-AWS-MSK-002", m));
        assert!(undetermined(&r, "RG-AWS-MSK-003", m));
        assert!(!failed(&r, "RG-AWS-MSK-003", m));
    }

    #[test]
    fn msk_defaults_are_tls_and_in_cluster_false_fails() {
        let r = hcl(r#"
resource "aws_msk_cluster" "defaults" {
  cluster_name = "defaults"
}

resource "aws_msk_cluster" "plain_inside" {
  encryption_info {
    encryption_in_transit {
      in_cluster = false
    }
  }
}
"#);
        assert!(passed(&r, "RG-AWS-MSK-002", "aws_msk_cluster.defaults"));
        assert!(failed(&r, "RG-AWS-MSK-001", "aws_msk_cluster.defaults"));
        assert!(failed(&r, "RG-AWS-MSK-003", "aws_msk_cluster.defaults"));
        assert!(failed(&r, "RG-AWS-MSK-002", "aws_msk_cluster.plain_inside"));
    }

    // -------------------------------------------------------------------- Kinesis

    #[test]
    fn kinesis_in_a_plan_and_configuration() {
        let r = plan(
            &[
                change(
                    "aws_kinesis_stream.later",
                    r#"{"encryption_type":"KMS"}"#,
                    r#"{"kms_key_id":true}"#,
                ),
                change(
                    "aws_kinesis_stream.managed",
                    r#"{"encryption_type":"KMS","kms_key_id":"alias/aws/kinesis"}"#,
                    "{}",
                ),
                change(
                    "aws_kinesis_stream.plain",
                    r#"{"encryption_type":"NONE"}"#,
                    "{}",
                ),
            ],
            &[],
        );
        assert!(undetermined(
            &r,
            "RG-AWS-KIN-001",
            "aws_kinesis_stream.later"
        ));
        assert!(passed(&r, "RG-AWS-KIN-001", "aws_kinesis_stream.managed"));
        assert!(failed(&r, "RG-AWS-KIN-001", "aws_kinesis_stream.plain"));
        let r = hcl(r#"
resource "aws_kinesis_stream" "unset" {}

resource "aws_kinesis_stream" "no_key" {
  encryption_type = "KMS"
}
"#);
        assert!(failed(&r, "RG-AWS-KIN-001", "aws_kinesis_stream.unset"));
        assert!(failed(&r, "RG-AWS-KIN-001", "aws_kinesis_stream.no_key"));
    }

    // ----------------------------------------------------------------- DocumentDB

    #[test]
    fn docdb_in_a_plan() {
        let r = plan(
            &[change(
                "aws_docdb_cluster.d",
                r#"{"cluster_identifier":"d","enabled_cloudwatch_logs_exports":["audit"]}"#,
                r#"{"storage_encrypted":true,"kms_key_id":true}"#,
            )],
            &[],
        );
        let d = "aws_docdb_cluster.d";
        assert!(passed(&r, "RG-AWS-DOC-001", d));
        assert!(undetermined(&r, "RG-AWS-DOC-002", d));
        assert!(undetermined(&r, "RG-AWS-DOC-003", d));
    }

    #[test]
    fn docdb_restores_keep_their_snapshot_key() {
        let r = hcl(r#"
resource "aws_docdb_cluster" "restored" {
  snapshot_identifier             = "snap"
  enabled_cloudwatch_logs_exports = ["profiler"]
}
"#);
        let d = "aws_docdb_cluster.restored";
        assert!(passed(&r, "RG-AWS-DOC-001", d));
        assert!(undetermined(&r, "RG-AWS-DOC-002", d));
        assert!(undetermined(&r, "RG-AWS-DOC-003", d));
    }

    // -------------------------------------------------------------------- Neptune

    #[test]
    fn neptune_in_a_plan() {
        let r = plan(
            &[change(
                "aws_neptune_cluster.n",
                r#"{"enable_cloudwatch_logs_exports":["slowquery"],"storage_encrypted":true}"#,
                r#"{"kms_key_arn":true}"#,
            )],
            &[],
        );
        let n = "aws_neptune_cluster.n";
        assert!(failed(&r, "RG-AWS-NEP-001", n));
        assert!(passed(&r, "RG-AWS-NEP-002", n));
        assert!(undetermined(&r, "RG-AWS-NEP-003", n));
    }

    #[test]
    fn neptune_key_from_a_key_resource_passes() {
        let r = hcl(r#"
resource "aws_kms_key" "graph" {}

resource "aws_neptune_cluster" "n" {
  storage_encrypted              = true
  kms_key_arn                    = aws_kms_key.graph.arn
  enable_cloudwatch_logs_exports = ["audit", "slowquery"]
}
"#);
        for rule in ["RG-AWS-NEP-001", "RG-AWS-NEP-002", "RG-AWS-NEP-003"] {
            assert!(passed(&r, rule, "aws_neptune_cluster.n"), "{rule}");
        }
    }

    // ------------------------------------------------------------------- Redshift

    #[test]
    fn redshift_in_a_plan() {
        let r = plan(
            &[
                change(
                    "aws_redshift_subnet_group.private",
                    r#"{"name":"private"}"#,
                    r#"{"id":true}"#,
                ),
                change(
                    "aws_redshift_cluster.r",
                    r#"{"cluster_identifier":"r","encrypted":true}"#,
                    r#"{"cluster_subnet_group_name":true,"kms_key_id":true}"#,
                ),
            ],
            &[
                r#"{"address":"aws_redshift_cluster.r","expressions":{"cluster_subnet_group_name":{"references":["aws_redshift_subnet_group.private.name","aws_redshift_subnet_group.private"]}}}"#,
            ],
        );
        let c = "aws_redshift_cluster.r";
        assert!(passed(&r, "RG-AWS-RSH-002", c));
        // `kms_key_id` is unknown in the plan, but the cluster's configuration does
        // not set it: AWS picks its managed key, as when a `.tf` file leaves it out.
        assert!(failed(&r, "RG-AWS-RSH-001", c));
    }

    #[test]
    fn redshift_unencrypted_or_outside_a_subnet_group_fails() {
        let r = hcl(r#"
resource "aws_kms_key" "dw" {}

resource "aws_redshift_cluster" "off" {
  encrypted  = false
  kms_key_id = aws_kms_key.dw.arn
}

resource "aws_redshift_cluster" "subnet_var" {
  encrypted                 = true
  kms_key_id                = aws_kms_key.dw.arn
  cluster_subnet_group_name = var.subnet_group
}
"#);
        assert!(failed(&r, "RG-AWS-RSH-001", "aws_redshift_cluster.off"));
        assert!(failed(&r, "RG-AWS-RSH-002", "aws_redshift_cluster.off"));
        assert!(passed(
            &r,
            "RG-AWS-RSH-001",
            "aws_redshift_cluster.subnet_var"
        ));
        assert!(undetermined(
            &r,
            "RG-AWS-RSH-002",
            "aws_redshift_cluster.subnet_var"
        ));
    }
}
