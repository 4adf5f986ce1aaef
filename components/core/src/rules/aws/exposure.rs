//! Who a resource policy lets in: statements open to any principal whose conditions
//! do not pin the caller down, and whether a policy refuses requests made without
//! TLS. Shared by the rules on queue, topic, key, secret, log and trust policies.
//!
//! A condition constrains the caller only when it tests a key that identifies the
//! caller or its origin (`aws:SourceArn`, `aws:PrincipalOrgID`, …) with an operator
//! that must match: a negated operator (`StringNotEquals`), an `…IfExists` operator
//! or a `ForAllValues:` set operator is also satisfied by a request that lacks the
//! key, so it lets anyone in. Condition values are not read by the policy reader,
//! so a key compared with `"*"` still counts as a constraint.

use crate::rules::Tri;

use super::policy::{Condition, Document, Statement, when};

/// Condition keys that tie a resource-policy statement to a known caller, source
/// resource or network origin: the keys IAM Access Analyzer and S3 accept as making
/// a policy non-public.
pub(super) const CALLER_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceIp",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalServiceName",
    "aws:userid",
    "aws:username",
];

/// Condition keys that tie a role trust statement to a known caller. `sts:ExternalId`
/// is the key AWS documents against the confused-deputy problem for third parties.
pub(super) const TRUST_KEYS: &[&str] = &[
    "sts:ExternalId",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
];

/// Operators that a request without the key cannot satisfy (after an optional
/// `ForAnyValue:`), compared case-insensitively as IAM does.
const MATCHING_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
    "IpAddress",
];

/// Whether an operator only matches requests that carry the key with a matching value.
fn is_matching_operator(operator: &str) -> bool {
    let lower = operator.to_ascii_lowercase();
    let base = lower.strip_prefix("foranyvalue:").unwrap_or(&lower);
    MATCHING_OPERATORS
        .iter()
        .any(|o| o.eq_ignore_ascii_case(base))
}

/// Whether one condition pins the caller down through one of `keys`.
fn constrains(condition: &Condition, keys: &[&str]) -> Tri<bool> {
    condition
        .key
        .is_any(keys)
        .and(|| condition.test.test(is_matching_operator))
}

/// Whether some condition of the statement pins the caller down through `keys`.
pub(super) fn constrains_caller(statement: &Statement, keys: &[&str]) -> Tri<bool> {
    match &statement.conditions {
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
        Tri::Known(conditions) => Tri::any(conditions.iter().map(|c| constrains(c, keys))),
    }
}

/// An allow to any principal that no condition (through `keys`) restricts.
pub(super) fn open_to_anyone(statement: &Statement, keys: &[&str]) -> Tri<String> {
    when(statement.allows(), || {
        when(statement.has_wildcard_principal(), || {
            when(!constrains_caller(statement, keys), || {
                Tri::Known(if statement.has_condition() == Tri::Known(true) {
                    "allows any principal, and its conditions do not restrict who the caller is"
                        .to_owned()
                } else {
                    "allows any principal, with no condition".to_owned()
                })
            })
        })
    })
}

/// [`open_to_anyone`] for statements that do have conditions, none of which restrict
/// the caller: the case rules on unconditioned statements leave out.
pub(super) fn open_behind_weak_conditions(statement: &Statement, keys: &[&str]) -> Tri<String> {
    when(statement.has_condition(), || {
        open_to_anyone(statement, keys)
    })
}

/// Whether the policy denies every principal any request made without TLS
/// (`"aws:SecureTransport": "false"` in a deny statement for `*`).
pub(super) fn denies_insecure_transport(document: &Document) -> Tri<bool> {
    document.any(|s| {
        s.denies().and(|| {
            s.has_wildcard_principal()
                .and(|| s.has_condition_key(&["aws:SecureTransport"]))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::aws::policy::Text;

    fn statement(conditions: &[(&str, &str)]) -> Statement {
        Statement {
            sid: None,
            effect: Text::literal("Allow"),
            actions: Tri::Known(vec![Text::literal("sqs:SendMessage")]),
            not_actions: Tri::Missing,
            resources: Tri::Known(vec![Text::literal("*")]),
            principals: Tri::Known(vec![super::super::policy::Principal {
                kind: Text::literal("*"),
                id: Text::literal("*"),
            }]),
            conditions: if conditions.is_empty() {
                Tri::Missing
            } else {
                Tri::Known(
                    conditions
                        .iter()
                        .map(|(test, key)| Condition {
                            test: Text::literal(test),
                            key: Text::literal(key),
                        })
                        .collect(),
                )
            },
        }
    }

    #[test]
    fn only_matching_operators_on_caller_keys_restrict_the_caller() {
        let restricted =
            |conditions: &[(&str, &str)]| constrains_caller(&statement(conditions), CALLER_KEYS);
        assert_eq!(
            restricted(&[("ArnLike", "aws:SourceArn")]),
            Tri::Known(true)
        );
        assert_eq!(
            restricted(&[("stringequals", "AWS:PrincipalOrgID")]),
            Tri::Known(true)
        );
        assert_eq!(
            restricted(&[("ForAnyValue:StringLike", "aws:PrincipalOrgPaths")]),
            Tri::Known(true)
        );
        // Satisfied by a request that lacks the key.
        for weak in [
            ("StringNotEquals", "aws:SourceAccount"),
            ("ArnLikeIfExists", "aws:SourceArn"),
            ("ForAllValues:StringEquals", "aws:PrincipalOrgPaths"),
            ("Bool", "aws:SecureTransport"),
            ("StringEquals", "aws:RequestedRegion"),
        ] {
            assert_eq!(restricted(&[weak]), Tri::Known(false), "{weak:?}");
        }
        assert_eq!(restricted(&[]), Tri::Known(false));
        assert!(
            open_to_anyone(&statement(&[("Bool", "aws:SecureTransport")]), CALLER_KEYS)
                .known()
                .is_some()
        );
        assert_eq!(
            open_behind_weak_conditions(&statement(&[]), CALLER_KEYS),
            Tri::Missing
        );
    }
}
