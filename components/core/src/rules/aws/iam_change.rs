//! IAM permission widening between a plan's before and after values, for the
//! change-risk rule RG-CHG-004. Policy documents are read by [`super::policy`], so
//! every shape a policy can take in HCL or a plan is understood the same way here.

use std::collections::BTreeSet;

use super::policy::{Document, document_uncached};
use crate::resource::Resource;
use crate::rules::{Context, Tri};
use crate::value::{Value, ValueMap};

/// Policy resources and the attribute that holds the document.
const POLICY_ATTRIBUTES: &[(&str, &str)] = &[
    ("aws_iam_policy", "policy"),
    ("aws_iam_role_policy", "policy"),
    ("aws_iam_user_policy", "policy"),
    ("aws_iam_group_policy", "policy"),
    ("aws_iam_role", "assume_role_policy"),
    ("aws_s3_bucket_policy", "policy"),
    ("aws_sqs_queue_policy", "policy"),
    ("aws_sns_topic_policy", "policy"),
    ("aws_kms_key", "policy"),
];

/// Attachments of AWS managed policies that grant broad power on their own.
pub(in crate::rules) const ATTACHMENT_TYPES: &[&str] = &[
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
];

const POWERFUL_MANAGED_POLICIES: &[&str] =
    &["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];

/// One allowed (principal, action, resource) triple, as written.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    principal: String,
    action: String,
    resource: String,
}

/// Every allow of a document; `None` when some part is not known statically.
fn grants(doc: &Document) -> Option<BTreeSet<Grant>> {
    if doc.incomplete {
        return None;
    }
    let mut out = BTreeSet::new();
    for statement in &doc.statements {
        match statement.allows() {
            Tri::Known(true) => {}
            Tri::Known(false) | Tri::Missing => continue,
            Tri::Unknown => return None,
        }
        let texts = |list: &Tri<Vec<super::policy::Text>>, default: &str| -> Option<Vec<String>> {
            match list {
                Tri::Known(items) => items.iter().map(|t| t.known().map(str::to_owned)).collect(),
                Tri::Missing => Some(vec![default.to_owned()]),
                Tri::Unknown => None,
            }
        };
        let mut actions = texts(&statement.actions, "")?;
        actions.retain(|a| !a.is_empty());
        // `NotAction` allows everything else: treat it as a wildcard.
        if let Tri::Known(not_actions) = &statement.not_actions
            && !not_actions.is_empty()
        {
            actions.push("*".to_owned());
        }
        let resources = texts(&statement.resources, "*")?;
        let principals: Vec<String> = match &statement.principals {
            Tri::Known(items) => items
                .iter()
                .map(|p| Some(format!("{}:{}", p.kind.known()?, p.id.known()?)))
                .collect::<Option<_>>()?,
            Tri::Missing => vec![String::new()],
            Tri::Unknown => return None,
        };
        for principal in &principals {
            for action in &actions {
                for resource in &resources {
                    out.insert(Grant {
                        principal: principal.clone(),
                        action: action.clone(),
                        resource: resource.clone(),
                    });
                }
            }
        }
    }
    Some(out)
}

/// IAM wildcard matching: `*` any run of characters, `?` one character.
fn matches_iam_pattern(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if case_insensitive {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    // Iterative matcher with backtracking to the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((star_p, star_t)) = star {
            pi = star_p + 1;
            ti = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn covered_by(grant: &Grant, before: &BTreeSet<Grant>) -> bool {
    before.iter().any(|old| {
        matches_iam_pattern(&old.principal, &grant.principal, false)
            && matches_iam_pattern(&old.action, &grant.action, true)
            && matches_iam_pattern(&old.resource, &grant.resource, false)
    })
}

fn describe(grant: &Grant) -> String {
    let principal = if grant.principal.is_empty() {
        String::new()
    } else {
        format!(" to {}", grant.principal)
    };
    format!("{} on {}{principal}", grant.action, grant.resource)
}

/// What an updated policy newly allows that its previous version did not: `Known`
/// with the new grants (empty when nothing widened), `Unknown` when either version
/// cannot be read statically, `Missing` for resources that are not policies.
pub(in crate::rules) fn widened_permissions(
    ctx: &Context<'_>,
    resource: &Resource,
    before: &ValueMap,
    after: &ValueMap,
) -> Tri<Vec<String>> {
    if ATTACHMENT_TYPES.contains(&resource.resource_type()) {
        let arn = |values: &ValueMap| match values.get("policy_arn") {
            Some(Value::String(s)) => Tri::Known(s.to_string()),
            Some(Value::Unknown(_)) => Tri::Unknown,
            _ => Tri::Missing,
        };
        return match (arn(before), arn(after)) {
            (_, Tri::Unknown) => Tri::Unknown,
            (old, Tri::Known(new)) if old != Tri::Known(new.clone()) => {
                let name = new.rsplit('/').next().unwrap_or_default();
                if POWERFUL_MANAGED_POLICIES.contains(&name) {
                    Tri::Known(vec![format!("the AWS managed policy {name}")])
                } else {
                    Tri::Known(Vec::new())
                }
            }
            _ => Tri::Known(Vec::new()),
        };
    }
    let Some((_, attribute)) = POLICY_ATTRIBUTES
        .iter()
        .find(|(t, _)| *t == resource.resource_type())
    else {
        return Tri::Missing;
    };
    // Most updates leave the policy as it was (a tag or description change): a
    // document identical before and after cannot grant anything new.
    if let (Some(old), Some(new)) = (before.get(attribute), after.get(attribute))
        && old == new
        && !new.contains_unknown()
    {
        return Tri::Known(Vec::new());
    }
    let read = |values: &ValueMap| match document_uncached(ctx, resource, values.get(attribute)) {
        Tri::Known(doc) => grants(&doc).map_or(Tri::Unknown, Tri::Known),
        Tri::Missing => Tri::Known(BTreeSet::new()),
        Tri::Unknown => Tri::Unknown,
    };
    match (read(before), read(after)) {
        (Tri::Known(old), Tri::Known(new)) => Tri::Known(
            new.iter()
                .filter(|g| !covered_by(g, &old))
                .map(describe)
                .collect(),
        ),
        _ => Tri::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_iam() {
        assert!(matches_iam_pattern("s3:*", "S3:GetObject", true));
        assert!(matches_iam_pattern(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/x/y",
            false
        ));
        assert!(matches_iam_pattern("s3:Get*Acl", "s3:GetBucketAcl", true));
        assert!(matches_iam_pattern("ec2:Describe?", "ec2:DescribeX", true));
        assert!(!matches_iam_pattern("s3:Get*", "s3:PutObject", true));
        assert!(!matches_iam_pattern(
            "arn:aws:s3:::b",
            "arn:aws:s3:::b2",
            false
        ));
        assert!(matches_iam_pattern("*", "", false));
    }
}
