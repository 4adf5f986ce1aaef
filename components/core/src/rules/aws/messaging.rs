//! SNS topics and SQS queues beyond encryption: who their resource policies let in,
//! whether those policies refuse requests without TLS, whether a topic logs failed
//! deliveries for the subscriptions it has, and whether a queue has somewhere to put
//! messages it cannot process.
//!
//! RG-AWS-SQS-001/002 (in `iam`) already report wildcard actions and public
//! statements in queue policies; the rules here cover what they leave out.

use super::controls::IN_TRANSIT;
use crate::finding::Severity;
use crate::resource::Resource;
use std::collections::HashSet;
use std::sync::Arc;

use crate::rules::context::ResourceName;
use crate::rules::values::{configured, is_managed};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::Value;

use super::iam::report;
use super::policy::{self, when};

const TOPIC: &str = "aws_sns_topic";
const TOPIC_POLICY: &str = "aws_sns_topic_policy";
const QUEUE: &str = "aws_sqs_queue";
const QUEUE_POLICY: &str = "aws_sqs_queue_policy";

const POLICY_EXPOSURE: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["7.2.1"]),
    ("nist-800-53-r5", &["AC-3"]),
    ("nist-csf-2.0", &["PR.AA-05"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SNS-003",
            title: "SNS topic policy allows any principal",
            severity: Severity::High,
            description: "A topic policy statement that allows principal `*` with no condition that pins the caller down (`aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`, `aws:SourceVpce`, `aws:PrincipalAccount`, … with a matching, non-negated operator) lets any AWS account publish to the topic or subscribe to it and receive every message. `…IfExists` and `ForAllValues:` operators constrain nothing for a caller who leaves the key out.",
            remediation: "Name the accounts or services allowed in `Principal`, or add a `StringEquals`/`ArnLike` condition on `aws:SourceArn`, `aws:SourceAccount` or `aws:PrincipalOrgID`.",
            aliases: &["CKV_AWS_169"],
            frameworks: POLICY_EXPOSURE,
            resource_types: &[TOPIC, TOPIC_POLICY],
        },
        check: check_topic_open,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SNS-004",
            title: "SNS topic policy allows all actions",
            severity: Severity::High,
            description: "An allow statement with `sns:*` or `*` in a topic policy lets the principals it names delete the topic, change its policy and add subscriptions that copy every message elsewhere, not just publish.",
            remediation: "List the specific SNS actions needed (`sns:Publish`, `sns:Subscribe`, …).",
            aliases: &[],
            frameworks: &[
                ("nist-800-53-r5", &["AC-6"]),
                ("nist-csf-2.0", &["PR.AA-05"]),
            ],
            resource_types: &[TOPIC, TOPIC_POLICY],
        },
        check: check_topic_all_actions,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SNS-005",
            title: "SNS topic policy does not refuse requests without TLS",
            severity: Severity::Low,
            description: "SNS accepts plain-HTTP API requests unless the topic policy denies them: a statement denying every principal when `aws:SecureTransport` is `false`. Without it, a misconfigured publisher can send messages, and credentials-signed requests, in the clear.",
            remediation: "Add a statement `{ Effect = \"Deny\", Principal = \"*\", Action = \"sns:*\", Resource = <topic ARN>, Condition = { Bool = { \"aws:SecureTransport\" = \"false\" } } }` to the topic policy.",
            aliases: &[],
            frameworks: IN_TRANSIT,
            resource_types: &[TOPIC, TOPIC_POLICY],
        },
        check: require_tls_deny,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SNS-006",
            title: "SNS topic does not log failed deliveries to its subscriptions",
            severity: Severity::Low,
            description: "SNS records delivery status to CloudWatch Logs only for the protocols whose `<protocol>_failure_feedback_role_arn` is set on the topic; without it, messages that never reach an SQS queue, Lambda function, HTTP endpoint, Firehose stream or mobile application leave no trace. Judged for the protocols of the topic's subscriptions in this change.",
            remediation: "Set `<protocol>_failure_feedback_role_arn` (and optionally `<protocol>_success_feedback_role_arn`) on the `aws_sns_topic` to a role that may write to CloudWatch Logs.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("nist-800-53-r5", &["AU-12"]),
                ("nist-csf-2.0", &["DE.CM-09"]),
            ],
            resource_types: &[TOPIC],
        },
        check: check_topic_delivery_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SQS-013",
            title: "SQS queue policy does not refuse requests without TLS",
            severity: Severity::Low,
            description: "SQS accepts plain-HTTP requests unless the queue policy denies them: a statement denying every principal when `aws:SecureTransport` is `false`. Without it, message bodies can travel in the clear from a misconfigured client.",
            remediation: "Add a statement `{ Effect = \"Deny\", Principal = \"*\", Action = \"sqs:*\", Resource = <queue ARN>, Condition = { Bool = { \"aws:SecureTransport\" = \"false\" } } }` to the queue policy.",
            aliases: &[],
            frameworks: IN_TRANSIT,
            resource_types: &[QUEUE, QUEUE_POLICY],
        },
        check: require_tls_deny,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-SQS-014",
            title: "SQS queue has no dead-letter queue",
            severity: Severity::Low,
            description: "Without a redrive policy, a message that consumers keep failing to process is retried until it expires and is then lost without a trace, and a poison message can stall a FIFO queue. Queues that are themselves a dead-letter queue or failure destination of another resource in the change (a queue's `redrive_policy`, a Lambda function's `dead_letter_config`, an event source mapping's `on_failure` destination) are not reported.",
            remediation: "Set `redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5 })` on the queue (or add an `aws_sqs_queue_redrive_policy`).",
            aliases: &[],
            frameworks: &[("soc2", &["A1.2"]), ("nist-800-53-r5", &["SI-17"])],
            resource_types: &[QUEUE],
        },
        check: check_queue_dead_letter,
    },
];

/// The policy attribute of a topic or queue, or of its policy resource. The inline
/// `policy` of a topic or queue is also computed by the provider when left unset.
fn resource_policy(resource: &Resource) -> Vec<(String, Option<&Value>)> {
    let policy = resource.attributes.get("policy");
    let policy = match resource.resource_type() {
        TOPIC | QUEUE => configured(policy),
        _ => policy,
    };
    vec![("policy".to_owned(), policy)]
}

fn what_policy(resource: &Resource) -> &'static str {
    match resource.resource_type() {
        TOPIC | TOPIC_POLICY => "topic policy",
        _ => "queue policy",
    }
}

fn check_topic_open(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report(
        resource,
        ctx,
        out,
        resource_policy(resource),
        |document| document.find_public_grant(),
        |what| format!("topic policy of `{}` {what}", resource.address),
    );
}

fn check_topic_all_actions(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    report(
        resource,
        ctx,
        out,
        resource_policy(resource),
        |document| {
            document.find(|s| when(s.allows(), || s.find_action(|a| a.is_any(&["*", "sns:*"]))))
        },
        |what| {
            format!(
                "topic policy of `{}` allows every SNS action (`{what}`)",
                resource.address
            )
        },
    );
}

/// A policy that is present must deny requests without TLS.
fn require_tls_deny(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let what = what_policy(resource);
    for (path, value) in resource_policy(resource) {
        match policy::document(ctx, resource, value) {
            Tri::Known(document) => match document.denies_insecure_transport() {
                Tri::Known(true) => {}
                Tri::Known(false) | Tri::Missing => out.fail(
                    format!(
                        "{what} of `{}` does not deny requests made without TLS (`aws:SecureTransport`)",
                        resource.address
                    ),
                    Some(&path),
                ),
                Tri::Unknown => out.cannot_tell(format!(
                    "the {what} of `{}` is not fully known statically",
                    resource.address
                )),
            },
            Tri::Unknown => out.cannot_tell(format!(
                "the {what} of `{}` is not known statically",
                resource.address
            )),
            Tri::Missing => {}
        }
    }
}

/// The topic attribute that turns on delivery-status logging for a subscription
/// protocol; `None` for protocols SNS logs elsewhere or not at all (email, SMS).
fn feedback_attribute(protocol: &str) -> Option<&'static str> {
    match protocol.to_ascii_lowercase().as_str() {
        "sqs" => Some("sqs_failure_feedback_role_arn"),
        "lambda" => Some("lambda_failure_feedback_role_arn"),
        "http" | "https" => Some("http_failure_feedback_role_arn"),
        "firehose" => Some("firehose_failure_feedback_role_arn"),
        "application" => Some("application_failure_feedback_role_arn"),
        _ => None,
    }
}

fn check_topic_delivery_logging(topic: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let subscriptions = ctx.referencing(topic, "aws_sns_topic_subscription", "topic_arn");
    let mut unknown = false;
    let mut reported: Vec<&str> = Vec::new();
    for subscription in subscriptions.definite.iter().filter(|s| is_managed(s)) {
        let protocol = match Tri::str(subscription.attributes.get("protocol")) {
            Tri::Known(protocol) => protocol,
            Tri::Unknown => {
                unknown = true;
                continue;
            }
            Tri::Missing => continue,
        };
        let Some(attribute) = feedback_attribute(protocol) else {
            continue;
        };
        if reported.contains(&attribute) {
            continue;
        }
        match ctx.is_set(topic, topic.attributes.get(attribute)) {
            Tri::Known(true) => {}
            Tri::Known(false) | Tri::Missing => {
                reported.push(attribute);
                out.fail(
                    format!(
                        "topic `{}` delivers to `{protocol}` subscription `{}` but does not log failed deliveries (`{attribute}` is not set)",
                        topic.address, subscription.address
                    ),
                    Some(attribute),
                );
            }
            Tri::Unknown => unknown = true,
        }
    }
    if unknown && reported.is_empty() {
        out.cannot_tell(
            "a subscription protocol or a feedback role of the topic is not known statically",
        );
    }
}

/// Keys under which a resource says where its failed work goes: a Lambda function's
/// or an EventBridge target's `dead_letter_config`, an event source mapping's or an
/// invoke config's `destination_config.on_failure`, a queue's or an SNS subscription's
/// `redrive_policy`. A queue named there is a dead-letter queue.
const FAILURE_DESTINATION_KEYS: &[&str] = &["dead_letter", "on_failure", "redrive_policy"];

/// Every resource some resource of the change names as a failure destination.
#[derive(Default)]
struct FailureDestinations {
    names: HashSet<ResourceName>,
    /// A failure destination is known only after apply, with nothing to say what it is.
    unresolved: bool,
}

fn failure_destinations(ctx: &Context<'_>) -> Arc<FailureDestinations> {
    ctx.memo("messaging.failure_destinations", || {
        let mut found = FailureDestinations::default();
        for resource in ctx.resources() {
            for (key, value) in resource.attributes.iter() {
                collect_destinations(ctx, resource, key, value, false, &mut found);
            }
        }
        found
    })
}

fn collect_destinations(
    ctx: &Context<'_>,
    resource: &Resource,
    key: &str,
    value: &Value,
    under: bool,
    found: &mut FailureDestinations,
) {
    let under = under || FAILURE_DESTINATION_KEYS.iter().any(|k| key.contains(k));
    match value {
        Value::Map(map) => {
            for (inner, item) in map.iter() {
                collect_destinations(ctx, resource, inner, item, under, found);
            }
        }
        Value::List(items) => {
            for item in items {
                collect_destinations(ctx, resource, key, item, under, found);
            }
        }
        Value::Sensitive(hidden) => {
            collect_destinations(ctx, resource, key, hidden.expose(), under, found)
        }
        Value::Unknown(unknown) if under && unknown.references.is_empty() => {
            found.unresolved = true;
        }
        leaf if under => found.names.extend(ctx.names_in(resource, Some(leaf))),
        _ => {}
    }
}

/// A queue has a dead-letter queue through its own `redrive_policy` or an
/// `aws_sqs_queue_redrive_policy`; a queue that another resource names as where its
/// failures go (or that allows other queues to redrive into it) is one itself.
fn check_queue_dead_letter(queue: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let own = ctx.is_set(queue, configured(queue.attributes.get("redrive_policy")));
    if own == Tri::Known(true) {
        return;
    }
    let separate = ctx.referencing(queue, "aws_sqs_queue_redrive_policy", "queue_url");
    if !separate.definite.is_empty() {
        return;
    }
    let allows_sources = ctx.is_set(
        queue,
        configured(queue.attributes.get("redrive_allow_policy")),
    );
    let allow_policies = ctx.referencing(queue, "aws_sqs_queue_redrive_allow_policy", "queue_url");
    if allows_sources == Tri::Known(true) || !allow_policies.definite.is_empty() {
        return;
    }
    let destinations = failure_destinations(ctx);
    if ctx.is_named_by(queue, &destinations.names) {
        return;
    }
    let unresolved = own.is_unknown()
        || allows_sources.is_unknown()
        || separate.unresolved
        || allow_policies.unresolved
        || destinations.unresolved;
    if unresolved {
        out.cannot_tell("the queue's redrive policy, or whether another resource sends its failures to it, is not known statically");
    } else {
        out.fail(
            format!(
                "queue `{}` has no dead-letter queue (`redrive_policy`)",
                queue.address
            ),
            Some("redrive_policy"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn topic_policies_exposure_actions_and_tls() {
        let review = hcl(r#"
resource "aws_sns_topic" "t" { name = "t" }
resource "aws_sns_topic_policy" "open" {
  arn = aws_sns_topic.t.arn
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sns:*", Resource = aws_sns_topic.t.arn }]
  })
}
resource "aws_sns_topic_policy" "all_values" {
  arn = aws_sns_topic.t.arn
  policy = jsonencode({
    Statement = [{
      Effect = "Allow", Principal = "*", Action = "sns:Publish", Resource = aws_sns_topic.t.arn
      Condition = { "ForAllValues:StringEquals" = { "aws:SourceAccount" = ["123456789012"] } }
    }]
  })
}
resource "aws_sns_topic_policy" "from_bucket" {
  arn = aws_sns_topic.t.arn
  policy = jsonencode({
    Statement = [
      {
        Effect = "Allow", Principal = { Service = "s3.amazonaws.com" }, Action = "sns:Publish", Resource = aws_sns_topic.t.arn
        Condition = { ArnLike = { "aws:SourceArn" = "arn:aws:s3:::uploads" } }
      },
      {
        Effect = "Deny", Principal = "*", Action = "sns:*", Resource = aws_sns_topic.t.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}
resource "aws_sns_topic" "inline_open" {
  name   = "inline"
  policy = "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sns:Subscribe\",\"Resource\":\"*\"}]}"
}
resource "aws_sns_topic_policy" "variable" {
  arn    = aws_sns_topic.t.arn
  policy = var.policy
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-SNS-003"),
            [
                "aws_sns_topic_policy.open",
                "aws_sns_topic_policy.all_values",
                "aws_sns_topic.inline_open"
            ]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-SNS-003"),
            ["aws_sns_topic_policy.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SNS-004"),
            ["aws_sns_topic_policy.open"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SNS-005"),
            [
                "aws_sns_topic_policy.open",
                "aws_sns_topic_policy.all_values",
                "aws_sns_topic.inline_open"
            ]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-SNS-005"),
            ["aws_sns_topic_policy.variable"]
        );
    }

    #[test]
    fn delivery_logging_follows_the_subscriptions_protocols() {
        let review = hcl(r#"
resource "aws_sns_topic" "silent" { name = "silent" }
resource "aws_sns_topic" "logged" {
  name                          = "logged"
  sqs_failure_feedback_role_arn = aws_iam_role.feedback.arn
}
resource "aws_sns_topic" "email_only" { name = "email" }
resource "aws_sns_topic" "unsubscribed" { name = "none" }
resource "aws_iam_role" "feedback" { assume_role_policy = "{}" }
resource "aws_sns_topic_subscription" "silent" {
  topic_arn = aws_sns_topic.silent.arn
  protocol  = "lambda"
  endpoint  = "arn:aws:lambda:eu-west-1:123456789012:function:f"
}
resource "aws_sns_topic_subscription" "logged" {
  topic_arn = aws_sns_topic.logged.arn
  protocol  = "sqs"
  endpoint  = "arn:aws:sqs:eu-west-1:123456789012:q"
}
resource "aws_sns_topic_subscription" "email" {
  topic_arn = aws_sns_topic.email_only.arn
  protocol  = "email"
  endpoint  = "ops@example.com"
}
"#);
        assert_eq!(flagged(&review, "RG-AWS-SNS-006"), ["aws_sns_topic.silent"]);
        assert!(undecided(&review, "RG-AWS-SNS-006").is_empty());
    }

    #[test]
    fn queue_policies_weak_conditions_and_tls() {
        let review = hcl(r#"
resource "aws_sqs_queue" "q" { name = "q" }
resource "aws_sqs_queue_policy" "if_exists" {
  queue_url = aws_sqs_queue.q.id
  policy = jsonencode({
    Statement = [{
      Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = aws_sqs_queue.q.arn
      Condition = { ArnLikeIfExists = { "aws:SourceArn" = "arn:aws:sns:eu-west-1:123456789012:t" } }
    }]
  })
}
resource "aws_sqs_queue_policy" "unconditioned" {
  queue_url = aws_sqs_queue.q.id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = aws_sqs_queue.q.arn }]
  })
}
resource "aws_sqs_queue_policy" "from_topic" {
  queue_url = aws_sqs_queue.q.id
  policy = jsonencode({
    Statement = [
      {
        Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "sqs:SendMessage", Resource = aws_sqs_queue.q.arn
        Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:sns:eu-west-1:123456789012:t" } }
      },
      {
        Effect = "Deny", Principal = { AWS = "*" }, Action = "sqs:*", Resource = aws_sqs_queue.q.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}
"#);
        // An `…IfExists` condition lets a caller without the key in: as open as no
        // condition at all.
        assert_eq!(
            flagged(&review, "RG-AWS-SQS-002"),
            [
                "aws_sqs_queue_policy.if_exists",
                "aws_sqs_queue_policy.unconditioned"
            ]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-SQS-013"),
            [
                "aws_sqs_queue_policy.if_exists",
                "aws_sqs_queue_policy.unconditioned"
            ]
        );
        // A queue without a policy is not judged on TLS.
        assert!(undecided(&review, "RG-AWS-SQS-013").is_empty());
    }

    #[test]
    fn dead_letter_queues() {
        let review = hcl(r#"
resource "aws_sqs_queue" "orders" {
  name           = "orders"
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn, maxReceiveCount = 5 })
}
resource "aws_sqs_queue" "orders_dlq" { name = "orders-dlq" }
resource "aws_sqs_queue" "lonely" { name = "lonely" }
resource "aws_sqs_queue" "split" { name = "split" }
resource "aws_sqs_queue_redrive_policy" "split" {
  queue_url      = aws_sqs_queue.split.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn, maxReceiveCount = 3 })
}
resource "aws_sqs_queue" "variable" {
  name           = "variable"
  redrive_policy = var.redrive
}
resource "aws_sqs_queue" "function_failures" { name = "function-failures" }
resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  dead_letter_config {
    target_arn = aws_sqs_queue.function_failures.arn
  }
}
resource "aws_sqs_queue" "stream_failures" { name = "stream-failures" }
resource "aws_lambda_event_source_mapping" "m" {
  function_name     = aws_lambda_function.f.arn
  event_source_arn  = "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/x"
  starting_position = "LATEST"
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.stream_failures.arn
    }
  }
}
"#);
        assert_eq!(flagged(&review, "RG-AWS-SQS-014"), ["aws_sqs_queue.lonely"]);
        assert_eq!(
            undecided(&review, "RG-AWS-SQS-014"),
            ["aws_sqs_queue.variable"]
        );
    }
}
