//! IAM policy documents as rules read them.
//!
//! A policy reaches a resource in one of these shapes:
//! - a JSON string: a literal, a heredoc, or a plan value;
//! - `jsonencode({...})` with values the parser could not evaluate (a bucket ARN, a
//!   variable), whose literal parts are still read here;
//! - a heredoc or quoted template with interpolations (`"Resource": "${aws_s3_bucket.b.arn}/*"`);
//! - a reference to a `data "aws_iam_policy_document"`, whose `statement` blocks and
//!   source/override documents are merged the way the AWS provider merges them;
//! - anything else (`file(...)`, `var.policy`, known after apply): nothing can be said.
//!
//! Strings inside a policy may be partly known. An interpolated attribute of a resource
//! or data source is an identifier (an ARN, a name, an account id) and never a
//! wildcard, so rules can still decide on `"${aws_s3_bucket.b.arn}/*"`; a variable,
//! local, module output or function result could be anything, `*` included, and makes
//! the string opaque: the rule cannot tell.

use crate::hcl::{Partial, Piece};
use crate::resource::Resource;
use crate::rules::context::Context;
use crate::rules::values::{Tri, blocks, plain};
use crate::value::{Unknown, Value};

/// How many documents deep `source_policy_documents`/`override_policy_documents` are
/// followed. Guards against reference cycles between policy documents.
const MAX_DEPTH: usize = 8;

/// Marks an interpolation inside the JSON text of a template while it is parsed.
/// Private-use characters: valid inside JSON strings, absent from real policies.
const HOLE_START: char = '\u{E000}';
const HOLE_END: char = '\u{E001}';

/// One piece of a policy string.
#[derive(Clone, Debug, PartialEq)]
enum Part {
    Literal(String),
    /// An interpolated attribute of a resource or data source (`aws_s3_bucket.b.arn`,
    /// indexes and splats removed): some identifier, never a wildcard.
    Reference(String),
    /// A variable, local, function result, or a value known only after apply.
    Opaque,
}

/// A string of a policy document, possibly with parts not known statically.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Text {
    parts: Vec<Part>,
}

impl Text {
    /// A fully known string.
    pub(super) fn literal(s: &str) -> Text {
        let mut text = Text::default();
        text.push_literal(s);
        text
    }

    fn opaque() -> Text {
        Text {
            parts: vec![Part::Opaque],
        }
    }

    fn push_literal(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Part::Literal(last)) = self.parts.last_mut() {
            last.push_str(s);
        } else {
            self.parts.push(Part::Literal(s.to_owned()));
        }
    }

    fn push(&mut self, part: Part) {
        match part {
            Part::Literal(s) => self.push_literal(&s),
            other => self.parts.push(other),
        }
    }

    fn append(&mut self, other: Text) {
        for part in other.parts {
            self.push(part);
        }
    }

    /// The string, when every part is known.
    pub(super) fn known(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Literal(s)] => Some(s),
            _ => None,
        }
    }

    /// Decides `test` on the string. Each interpolated resource attribute is read as a
    /// representative identifier of its kind (a bucket ARN for `aws_s3_bucket.b.arn`);
    /// an opaque part makes the answer unknown.
    pub(super) fn test(&self, test: impl Fn(&str) -> bool) -> Tri<bool> {
        self.sample()
            .map_or(Tri::Unknown, |sample| Tri::Known(test(&sample)))
    }

    /// The string with each interpolated resource attribute replaced by a
    /// representative identifier of its kind; `None` when a part is opaque.
    pub(super) fn sample(&self) -> Option<String> {
        let mut sample = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => sample.push_str(s),
                Part::Reference(reference) => sample.push_str(&representative(reference)),
                Part::Opaque => return None,
            }
        }
        Some(sample)
    }

    /// Whether the string contains `*`. A literal `*` decides it even next to opaque parts.
    pub(super) fn has_wildcard(&self) -> Tri<bool> {
        let literal_star = self
            .parts
            .iter()
            .any(|p| matches!(p, Part::Literal(s) if s.contains('*')));
        if literal_star {
            Tri::Known(true)
        } else if self.parts.contains(&Part::Opaque) {
            Tri::Unknown
        } else {
            Tri::Known(false)
        }
    }

    /// Case-insensitive equality (IAM action names, effects and condition keys are
    /// case-insensitive).
    pub(super) fn is(&self, expected: &str) -> Tri<bool> {
        self.test(|s| s.eq_ignore_ascii_case(expected))
    }

    /// Case-insensitive equality with any of `expected`.
    pub(super) fn is_any(&self, expected: &[&str]) -> Tri<bool> {
        self.test(|s| expected.iter().any(|e| s.eq_ignore_ascii_case(e)))
    }

    /// For messages: known parts as written, interpolations as `${…}`.
    pub(super) fn display(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Reference(r) => {
                    out.push_str("${");
                    out.push_str(r);
                    out.push('}');
                }
                Part::Opaque => out.push_str("${…}"),
            }
        }
        out
    }
}

/// A stand-in value for a resource attribute, shaped like what AWS returns, so that
/// ARN-structure tests (an S3 object-key wildcard, a log-stream wildcard) work on
/// `"${aws_s3_bucket.b.arn}/*"`. It never contains a wildcard.
fn representative(reference: &str) -> String {
    let rest = reference.strip_prefix("data.").unwrap_or(reference);
    let mut steps = rest.split('.');
    let resource_type = steps.next().unwrap_or_default();
    let name = steps.next().unwrap_or("ref");
    let attribute = steps.next().unwrap_or_default();
    match (resource_type, attribute) {
        ("count", _) => "0".to_owned(),
        ("aws_s3_bucket", "arn") => format!("arn:aws:s3:::{name}"),
        ("aws_cloudwatch_log_group", "arn") => {
            format!("arn:aws:logs:us-east-1:000000000000:log-group:{name}")
        }
        (_, "arn") => format!("arn:aws:{resource_type}:us-east-1:000000000000:{name}"),
        _ => name.to_owned(),
    }
}

/// A principal of a statement: `"Principal": "*"` has kind `*`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Principal {
    /// `AWS`, `Service`, `Federated`, `CanonicalUser` or `*`.
    pub kind: Text,
    /// The identifier.
    pub id: Text,
}

impl Principal {
    /// Anyone: `"Principal": "*"`, or an `AWS` principal with a wildcard
    /// (`*`, `arn:aws:iam::*:root`). A bare string principal other than `"*"`
    /// (`"Principal": "arn:aws:iam::111122223333:root"`) is not valid IAM and grants
    /// nobody anything.
    pub(super) fn is_wildcard(&self) -> Tri<bool> {
        match (self.kind.is("*"), self.kind.is("AWS")) {
            (Tri::Known(true), _) => self.id.has_wildcard(),
            (_, Tri::Known(true)) => self.id.has_wildcard(),
            (Tri::Known(false), Tri::Known(false)) => Tri::Known(false),
            _ => Tri::Unknown,
        }
    }
}

/// One condition key of a statement (`Bool` / `aws:MultiFactorAuthPresent`).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Condition {
    /// The operator (`Bool`, `StringEquals`, …).
    pub test: Text,
    /// The condition key.
    pub key: Text,
    /// The values the key is compared with (any of them may match).
    pub values: Tri<Vec<Text>>,
}

/// Condition keys whose value says who the caller is or where the request comes from.
/// With a fixed value they narrow a `"*"` principal to named callers: the list is
/// S3's definition of a non-public policy ("Blocking public access to your Amazon S3
/// storage", section "The meaning of public",
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>)
/// and the organization/account keys of "AWS global condition context keys"
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>),
/// plus `kms:CallerAccount`, which AWS managed key policies use for the same purpose.
/// Keys that describe the request rather than the caller (`aws:SecureTransport`,
/// `aws:CurrentTime`, `aws:UserAgent`, `aws:Referer`) narrow nothing about who.
const PRINCIPAL_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "aws:userid",
    "kms:CallerAccount",
];

/// The operators that let a request through only when the key equals one of the
/// values. `StringLike`/`ArnLike` count only with values free of wildcards (see
/// [`is_fixed`]).
const MATCHING_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
    "IpAddress",
];

/// The negated operators: in a `Deny` they turn away every caller except the named
/// ones. A key absent from the request does not match, so the negation is true and
/// the deny applies (IAM User Guide, "Condition operators": "If the key that you
/// specify in a policy condition is not present in the request context, the values
/// do not match").
const EXCLUDING_OPERATORS: &[&str] = &[
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NotIpAddress",
];

/// The narrowest IPv4 and IPv6 prefixes that still count as "a set of networks" for
/// `aws:SourceIp`. Wider ranges (`0.0.0.0/1`, a /4) are the internet in halves: our
/// choice, stricter than S3's own definition, which accepts any CIDR.
const WIDEST_IPV4_PREFIX: u8 = 8;
const WIDEST_IPV6_PREFIX: u8 = 32;

/// An operator split into its parts: `ForAnyValue:StringEqualsIfExists` is
/// (`ForAnyValue`, `StringEquals`, if-exists).
struct Operator<'t> {
    set_qualifier: Option<&'t str>,
    base: &'t str,
    if_exists: bool,
}

impl<'t> Operator<'t> {
    fn parse(operator: &'t str) -> Operator<'t> {
        let (set_qualifier, rest) = match operator.split_once(':') {
            Some((qualifier, rest)) => (Some(qualifier), rest),
            None => (None, operator),
        };
        let (base, if_exists) = match rest.len().checked_sub("IfExists".len()) {
            Some(cut)
                if rest.is_char_boundary(cut) && rest[cut..].eq_ignore_ascii_case("IfExists") =>
            {
                (&rest[..cut], true)
            }
            _ => (rest, false),
        };
        Operator {
            set_qualifier,
            base,
            if_exists,
        }
    }

    fn is_one_of(&self, operators: &[&str]) -> bool {
        operators.iter().any(|o| self.base.eq_ignore_ascii_case(o))
    }
}

/// A condition value that names one thing: no `*` or `?` wildcard and no policy
/// variable (`${aws:username}`), as S3 defines a "fixed" value. For `aws:SourceIp`
/// also a CIDR no wider than [`WIDEST_IPV4_PREFIX`] / [`WIDEST_IPV6_PREFIX`].
fn is_fixed(key_is_source_ip: bool, value: &Text) -> Tri<bool> {
    value.test(|v| {
        if v.is_empty() || v.contains(['*', '?']) || v.contains("${") {
            return false;
        }
        if !key_is_source_ip {
            return true;
        }
        let (address, prefix) = v.trim().split_once('/').unwrap_or((v.trim(), ""));
        match address.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => {
                prefix.is_empty() || prefix.parse::<u8>().is_ok_and(|p| p >= WIDEST_IPV4_PREFIX)
            }
            Ok(std::net::IpAddr::V6(_)) => {
                prefix.is_empty() || prefix.parse::<u8>().is_ok_and(|p| p >= WIDEST_IPV6_PREFIX)
            }
            Err(_) => false,
        }
    })
}

impl Condition {
    /// Whether the condition names who may call, in one of two senses. `Matching`: it
    /// lets only the named callers through (an `Allow` condition). `Excluding`: it is
    /// true for everyone but the named callers (a `Deny` condition).
    fn names_callers(&self, sense: ConditionSense) -> Tri<bool> {
        Tri::and(self.key.is_any(PRINCIPAL_KEYS), || {
            let Some(operator) = self.test.known() else {
                return Tri::Unknown;
            };
            let operator = Operator::parse(operator);
            let operator_restricts = match sense {
                // `…IfExists` is true when the key is absent, as it is for anonymous
                // callers; `ForAllValues:` is vacuously true on an absent key.
                ConditionSense::Matching => {
                    !operator.if_exists
                        && operator.is_one_of(MATCHING_OPERATORS)
                        && operator
                            .set_qualifier
                            .is_none_or(|q| q.eq_ignore_ascii_case("ForAnyValue"))
                }
                // An absent key makes a negated operator true with or without
                // `IfExists`: the deny still applies. Set qualifiers are not read.
                ConditionSense::Excluding => {
                    operator.is_one_of(EXCLUDING_OPERATORS) && operator.set_qualifier.is_none()
                }
            };
            if !operator_restricts {
                return Tri::Known(false);
            }
            let source_ip = self.key.is("aws:SourceIp") == Tri::Known(true);
            match &self.values {
                Tri::Known(values) if !values.is_empty() => {
                    Tri::all(values.iter().map(|v| is_fixed(source_ip, v)))
                }
                Tri::Known(_) | Tri::Missing => Tri::Known(false),
                Tri::Unknown => Tri::Unknown,
            }
        })
    }
}

/// How a condition is read: see [`Condition::names_callers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConditionSense {
    Matching,
    Excluding,
}

/// Whether the IAM wildcard pattern `pattern` (`*` any run, `?` one character,
/// case-insensitive) matches every string `target` matches: `target` is read
/// literally, so `s3:*` covers `s3:Get*` and `*` covers everything.
fn pattern_covers(pattern: &str, target: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let target: Vec<char> = target.to_lowercase().chars().collect();
    // Classic wildcard matching, iterative with one backtrack point.
    let (mut p, mut t) = (0, 0);
    let (mut star, mut resume) = (None, 0);
    while t < target.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == target[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            resume = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            resume += 1;
            t = resume;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Whether every item of `targets` is covered by some pattern of `patterns`.
/// Missing on both sides (no `Resource` in a trust policy) covers.
fn list_covers(patterns: &Tri<Vec<Text>>, targets: &Tri<Vec<Text>>) -> Tri<bool> {
    match (patterns, targets) {
        (Tri::Missing, Tri::Missing) => Tri::Known(true),
        (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
        (Tri::Missing, _) => Tri::Known(false),
        (Tri::Known(patterns), Tri::Missing) => Tri::any(patterns.iter().map(|p| p.is("*"))),
        (Tri::Known(patterns), Tri::Known(targets)) => Tri::all(targets.iter().map(|target| {
            let Some(target) = target.sample() else {
                return Tri::Unknown;
            };
            Tri::any(
                patterns
                    .iter()
                    .map(|p| p.test(|pattern| pattern_covers(pattern, &target))),
            )
        })),
    }
}

/// A policy statement. Fields are `Missing` when absent and `Unknown` when their
/// value (the whole list) is not known statically. `NotResource` and `NotPrincipal`
/// are not read: no rule needs them yet.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Statement {
    pub sid: Option<String>,
    pub effect: Text,
    pub actions: Tri<Vec<Text>>,
    pub not_actions: Tri<Vec<Text>>,
    pub resources: Tri<Vec<Text>>,
    pub principals: Tri<Vec<Principal>>,
    pub conditions: Tri<Vec<Condition>>,
}

impl Statement {
    /// Whether the statement allows (rather than denies).
    pub(super) fn allows(&self) -> Tri<bool> {
        self.effect.is("Allow")
    }

    /// Whether the statement denies.
    pub(super) fn denies(&self) -> Tri<bool> {
        self.effect.is("Deny")
    }

    /// The first action for which `test` holds, as written.
    pub(super) fn find_action(&self, test: impl Fn(&Text) -> Tri<bool>) -> Tri<String> {
        find(&self.actions, test)
    }

    /// The first resource for which `test` holds, as written.
    pub(super) fn find_resource(&self, test: impl Fn(&Text) -> Tri<bool>) -> Tri<String> {
        find(&self.resources, test)
    }

    /// Whether any principal is anyone.
    pub(super) fn has_wildcard_principal(&self) -> Tri<bool> {
        match &self.principals {
            Tri::Missing => Tri::Known(false),
            Tri::Unknown => Tri::Unknown,
            Tri::Known(principals) => Tri::any(principals.iter().map(Principal::is_wildcard)),
        }
    }

    /// Whether the statement has any condition.
    pub(super) fn has_condition(&self) -> Tri<bool> {
        match &self.conditions {
            Tri::Missing => Tri::Known(false),
            Tri::Unknown => Tri::Unknown,
            Tri::Known(conditions) => Tri::Known(!conditions.is_empty()),
        }
    }

    /// Whether some condition lets only named callers through (see [`PRINCIPAL_KEYS`]).
    /// Conditions are ANDed, so one is enough.
    pub(super) fn restricts_callers(&self) -> Tri<bool> {
        match &self.conditions {
            Tri::Missing => Tri::Known(false),
            Tri::Unknown => Tri::Unknown,
            Tri::Known(conditions) => Tri::any(
                conditions
                    .iter()
                    .map(|c| c.names_callers(ConditionSense::Matching)),
            ),
        }
    }

    /// Whether this is a `Deny` of everyone but named callers, for every action and
    /// resource of `allow`: a wildcard principal and only conditions that exclude
    /// named callers (each one narrows the deny to requests outside its names, and
    /// conditions are ANDed, so any other condition would narrow it further).
    fn denies_all_but_named_callers(&self, allow: &Statement) -> Tri<bool> {
        Tri::all([
            self.denies(),
            self.has_wildcard_principal(),
            match &self.conditions {
                Tri::Known(conditions) if !conditions.is_empty() => Tri::all(
                    conditions
                        .iter()
                        .map(|c| c.names_callers(ConditionSense::Excluding)),
                ),
                Tri::Known(_) | Tri::Missing => Tri::Known(false),
                Tri::Unknown => Tri::Unknown,
            },
            match self.not_actions {
                Tri::Missing => list_covers(&self.actions, &allow.actions),
                _ => Tri::Known(false),
            },
            list_covers(&self.resources, &allow.resources),
        ])
    }

    /// Whether a condition uses one of `keys` (case-insensitive, as condition keys are).
    pub(super) fn has_condition_key(&self, keys: &[&str]) -> Tri<bool> {
        match &self.conditions {
            Tri::Missing => Tri::Known(false),
            Tri::Unknown => Tri::Unknown,
            Tri::Known(conditions) => Tri::any(conditions.iter().map(|c| c.key.is_any(keys))),
        }
    }
}

/// The first item of a list for which `test` holds (as written), `Unknown` when none
/// certainly does but some might, `Missing` when none does.
pub(super) fn find(list: &Tri<Vec<Text>>, test: impl Fn(&Text) -> Tri<bool>) -> Tri<String> {
    match list {
        Tri::Missing => Tri::Missing,
        Tri::Unknown => Tri::Unknown,
        Tri::Known(items) => {
            Tri::first(items.iter().map(|item| test(item).then(|| item.display())))
        }
    }
}

/// A finding `found` that only matters when `condition` holds: the statement must
/// allow, say. `Missing` means no finding.
pub(super) fn when(condition: Tri<bool>, found: impl FnOnce() -> Tri<String>) -> Tri<String> {
    match condition {
        Tri::Known(true) => found(),
        Tri::Known(false) | Tri::Missing => Tri::Missing,
        Tri::Unknown => match found() {
            Tri::Missing => Tri::Missing,
            _ => Tri::Unknown,
        },
    }
}

/// The statements of a policy. `incomplete` when some statements are not known
/// statically (a dynamic block, an opaque source document, `concat(...)`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Document {
    pub statements: Vec<Statement>,
    pub incomplete: bool,
}

impl Document {
    /// The first statement finding; `Unknown` when none is certain but an unknown
    /// statement or value could be one; `Missing` when there is none.
    pub(super) fn find(&self, check: impl Fn(&Statement) -> Tri<String>) -> Tri<String> {
        match Tri::first(self.statements.iter().map(check)) {
            Tri::Missing if self.incomplete => Tri::Unknown,
            found => found,
        }
    }

    /// Whether some statement satisfies `test`.
    pub(super) fn any(&self, test: impl Fn(&Statement) -> Tri<bool>) -> Tri<bool> {
        match Tri::any(self.statements.iter().map(test)) {
            Tri::Known(false) if self.incomplete => Tri::Unknown,
            other => other,
        }
    }

    /// Whether the policy denies every principal any request made without TLS
    /// (`"aws:SecureTransport": "false"` in a deny statement for `*`).
    pub(super) fn denies_insecure_transport(&self) -> Tri<bool> {
        self.any(|s| {
            s.denies().and(|| {
                s.has_wildcard_principal()
                    .and(|| s.has_condition_key(&["aws:SecureTransport"]))
            })
        })
    }

    /// The first statement that lets anyone in, as AWS evaluates it: an `Allow` to a
    /// wildcard principal with no condition that names the callers
    /// ([`Statement::restricts_callers`]), and no `Deny` of everyone but named
    /// callers over the same actions and resources. `Missing` when there is none.
    pub(super) fn find_public_grant(&self) -> Tri<String> {
        self.find(|statement| {
            when(statement.allows(), || {
                when(statement.has_wildcard_principal(), || {
                    when(!statement.restricts_callers(), || {
                        let fenced = self.any(|other| other.denies_all_but_named_callers(statement));
                        when(!fenced, || {
                            Tri::Known(if statement.has_condition() == Tri::Known(true) {
                                "allows any principal; its conditions do not restrict who the caller is".to_owned()
                            } else {
                                "allows any principal, with no condition".to_owned()
                            })
                        })
                    })
                })
            })
        })
    }

    /// Adds a statement, replacing an earlier one with the same non-empty `Sid`: how
    /// the provider merges `statement` blocks and override documents.
    fn merge(&mut self, statement: Statement) {
        if let Some(sid) = statement.sid.as_deref().filter(|s| !s.is_empty())
            && let Some(slot) = self
                .statements
                .iter_mut()
                .find(|s| s.sid.as_deref() == Some(sid))
        {
            *slot = statement;
            return;
        }
        self.statements.push(statement);
    }
}

/// The policy document held by `value`, a value that is not an attribute of a
/// resource in the review (e.g. before values built for one comparison): never cached.
pub(super) fn document_uncached(
    ctx: &Context<'_>,
    from: &Resource,
    value: Option<&Value>,
) -> Tri<Document> {
    document_at(ctx, from, value, 0)
}

/// The policy document held by `value`, which must be an attribute value of a
/// resource in the review (`from` or another): the result is cached by its address.
pub(super) fn document(ctx: &Context<'_>, from: &Resource, value: Option<&Value>) -> Tri<Document> {
    // Several rules read the same policy; parse each attribute value once per review.
    // The value's address identifies it: attributes do not move while rules run.
    let Some(found) = value else {
        return document_at(ctx, from, value, 0);
    };
    let id = std::ptr::from_ref(found) as usize;
    (*ctx.memo_for("policy.document", id, || document_at(ctx, from, value, 0))).clone()
}

fn document_at(
    ctx: &Context<'_>,
    from: &Resource,
    value: Option<&Value>,
    depth: usize,
) -> Tri<Document> {
    match plain(value) {
        None | Some(Value::Null) => Tri::Missing,
        Some(Value::String(json)) => json_document(json),
        Some(Value::Unknown(unknown)) => unknown_document(ctx, from, value, unknown, depth),
        Some(_) => Tri::Unknown,
    }
}

/// A policy given as JSON text. Text that is not JSON cannot be a policy: apply fails,
/// and the rule cannot tell what was meant.
fn json_document(json: &str) -> Tri<Document> {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(parsed) => node_document(&node_from_json(parsed, &[])),
        Err(_) => Tri::Unknown,
    }
}

fn unknown_document(
    ctx: &Context<'_>,
    from: &Resource,
    value: Option<&Value>,
    unknown: &Unknown,
    depth: usize,
) -> Tri<Document> {
    if depth > MAX_DEPTH {
        return Tri::Unknown;
    }
    if is_document_json(unknown) {
        return match ctx.resolve(from, value) {
            Some(data) if data.resource_type() == "aws_iam_policy_document" => {
                data_document(ctx, data, depth + 1)
            }
            _ => Tri::Unknown,
        };
    }
    match Partial::of(unknown) {
        Some(Partial::Call { name, args }) if name == "jsonencode" && args.len() == 1 => {
            node_document(&node_from_partial(&args[0]))
        }
        // A heredoc or a quoted template, or (`.tf.json`) a template kept as written.
        Some(Partial::Text(pieces)) => template_document(&pieces),
        _ => Tri::Unknown,
    }
}

/// True when an unknown value is nothing but the `json` (or `minified_json`) of a
/// `data "aws_iam_policy_document"`, possibly of one instance (`…x[0].json`): as
/// written in HCL, as a `.tf.json` template (`"${…}"`), or as the references Terraform
/// records for a plan value known only after apply.
fn is_document_json(unknown: &Unknown) -> bool {
    let Some(first) = unknown.references.first() else {
        return false;
    };
    let mut steps = first.split('.');
    let (Some("data"), Some("aws_iam_policy_document"), Some(name)) =
        (steps.next(), steps.next(), steps.next())
    else {
        return false;
    };
    let base = format!("data.aws_iam_policy_document.{name}");
    let is_json = |r: &str| {
        r.strip_prefix(base.as_str())
            .is_some_and(|rest| rest == ".json" || rest == ".minified_json")
    };
    let Some(expression) = unknown.expression.as_deref() else {
        // Plan references list both `data.x.y.json` and `data.x.y`.
        return unknown.references.iter().any(|r| is_json(r))
            && unknown
                .references
                .iter()
                .all(|r| r == &base || r.starts_with(&format!("{base}.")));
    };
    let reference = match Partial::of(unknown) {
        Some(Partial::Reference(reference)) => reference,
        // `.tf.json` writes the reference as a template, `${data.….json}`, unquoted.
        Some(Partial::Text(pieces)) if expression.trim_start().starts_with("${") => {
            match pieces.as_slice() {
                [Piece::Interpolation(Partial::Reference(reference))] => reference.clone(),
                _ => return false,
            }
        }
        _ => return false,
    };
    let steps: Vec<&str> = reference.split('.').collect();
    matches!(
        steps.as_slice(),
        [
            "data",
            "aws_iam_policy_document",
            _,
            "json" | "minified_json"
        ]
    )
}

fn template_document(pieces: &[Piece]) -> Tri<Document> {
    let mut text = String::new();
    let mut holes = Vec::new();
    for piece in pieces {
        if !mark_piece(piece, &mut text, &mut holes) {
            return Tri::Unknown;
        }
    }
    marked_document(&text, &holes)
}

/// Appends a template piece to JSON text, interpolations replaced by markers.
/// False for a directive (`%{ if }`), which can reshape the document arbitrarily.
fn mark_piece(piece: &Piece, text: &mut String, holes: &mut Vec<Text>) -> bool {
    match piece {
        Piece::Literal(literal) => {
            text.push_str(literal);
            true
        }
        Piece::Interpolation(interpolated) => {
            text.push(HOLE_START);
            text.push_str(&holes.len().to_string());
            text.push(HOLE_END);
            holes.push(text_from_partial(interpolated));
            true
        }
        Piece::Directive => false,
    }
}

/// A template's JSON, once interpolations are markers. An interpolation outside a JSON
/// string (`"Action": ${jsonencode(var.actions)}`) leaves invalid JSON: unknown.
fn marked_document(text: &str, holes: &[Text]) -> Tri<Document> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(parsed) => node_document(&node_from_json(parsed, holes)),
        Err(_) => Tri::Unknown,
    }
}

/// A `data "aws_iam_policy_document"`: source documents, then its own statements,
/// then override documents, each later statement replacing an earlier one with the
/// same `sid` (the provider's merge order).
fn data_document(ctx: &Context<'_>, data: &Resource, depth: usize) -> Tri<Document> {
    let attributes = &data.attributes;
    let mut merged = Document::default();

    let sources = document_values(
        attributes.get("source_json"),
        attributes.get("source_policy_documents"),
    );
    for source in sources {
        match source {
            Some(value) => match document_at(ctx, data, Some(value), depth + 1) {
                Tri::Known(document) => {
                    merged.incomplete |= document.incomplete;
                    merged.statements.extend(document.statements);
                }
                Tri::Unknown => merged.incomplete = true,
                Tri::Missing => {}
            },
            None => merged.incomplete = true,
        }
    }

    match plain(attributes.get("statement")) {
        // A `dynamic "statement"` block: any number of statements.
        Some(Value::Unknown(_)) => merged.incomplete = true,
        value => {
            for block in blocks(value) {
                merged.merge(data_statement(block));
            }
        }
    }

    let overrides = document_values(
        attributes.get("override_json"),
        attributes.get("override_policy_documents"),
    );
    for value in overrides {
        // An override that is not known could replace any statement: the merged
        // document is then not known either.
        let Some(value) = value else {
            return Tri::Unknown;
        };
        match document_at(ctx, data, Some(value), depth + 1) {
            Tri::Known(document) if !document.incomplete => {
                for statement in document.statements {
                    merged.merge(statement);
                }
            }
            Tri::Missing => {}
            _ => return Tri::Unknown,
        }
    }
    Tri::Known(merged)
}

/// The documents of a `*_json` attribute and a `*_policy_documents` list, in order.
/// `None` stands for a list that is itself unknown.
fn document_values<'v>(
    single: Option<&'v Value>,
    list: Option<&'v Value>,
) -> Vec<Option<&'v Value>> {
    let mut values = Vec::new();
    if !matches!(plain(single), None | Some(Value::Null)) {
        values.push(single);
    }
    match plain(list) {
        None | Some(Value::Null) => {}
        Some(Value::List(items)) => values.extend(items.iter().map(Some)),
        Some(_) => values.push(None),
    }
    values
}

/// A `statement` block of `aws_iam_policy_document`. `effect` defaults to `Allow`.
fn data_statement(block: &crate::value::ValueMap) -> Statement {
    let node = |key: &str| block.get(key).map(node_from_value);
    let effect = match node("effect") {
        None | Some(Node::Null) => Text::literal("Allow"),
        Some(n) => n.into_text(),
    };
    let principals = match plain(block.get("principals")) {
        None | Some(Value::Null) => Tri::Missing,
        Some(Value::Unknown(_)) => Tri::Unknown,
        value => {
            let mut principals = Vec::new();
            let mut unknown = false;
            for principal in blocks(value) {
                let kind = principal
                    .get("type")
                    .map_or_else(Text::opaque, |v| node_from_value(v).into_text());
                match strings(principal.get("identifiers").map(node_from_value).as_ref()) {
                    Tri::Known(ids) => principals.extend(ids.into_iter().map(|id| Principal {
                        kind: kind.clone(),
                        id,
                    })),
                    Tri::Unknown => unknown = true,
                    Tri::Missing => {}
                }
            }
            if unknown {
                Tri::Unknown
            } else {
                Tri::Known(principals)
            }
        }
    };
    let conditions = match plain(block.get("condition")) {
        None | Some(Value::Null) => Tri::Missing,
        Some(Value::Unknown(_)) => Tri::Unknown,
        value => Tri::Known(
            blocks(value)
                .into_iter()
                .map(|c| Condition {
                    test: c
                        .get("test")
                        .map_or_else(Text::opaque, |v| node_from_value(v).into_text()),
                    key: c
                        .get("variable")
                        .map_or_else(Text::opaque, |v| node_from_value(v).into_text()),
                    values: strings(c.get("values").map(node_from_value).as_ref()),
                })
                .collect(),
        ),
    };
    Statement {
        sid: block.get("sid").and_then(Value::as_str).map(str::to_owned),
        effect,
        actions: strings(node("actions").as_ref()),
        not_actions: strings(node("not_actions").as_ref()),
        resources: strings(node("resources").as_ref()),
        principals,
        conditions,
    }
}

/// A JSON-like tree with partly known strings: the common form of every policy shape.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(Text),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
    Null,
    Opaque,
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn into_text(self) -> Text {
        match self {
            Node::Text(text) => text,
            _ => Text::opaque(),
        }
    }
}

/// A policy's statements from its JSON-like tree. `Statement` may be one object or a list.
fn node_document(root: &Node) -> Tri<Document> {
    // Anything but an object is opaque, or not a policy AWS would accept.
    if !matches!(root, Node::Map(_)) {
        return Tri::Unknown;
    }
    let mut document = Document::default();
    match root.get("Statement") {
        None | Some(Node::Null) => {}
        Some(statement @ Node::Map(_)) => document.statements.push(json_statement(statement)),
        Some(Node::List(items)) => {
            for item in items {
                match item {
                    Node::Map(_) => document.statements.push(json_statement(item)),
                    _ => document.incomplete = true,
                }
            }
        }
        Some(_) => document.incomplete = true,
    }
    Tri::Known(document)
}

/// A statement of a JSON policy. A missing `Effect` makes the policy invalid: it
/// grants nothing.
fn json_statement(statement: &Node) -> Statement {
    let principals = match statement.get("Principal") {
        None | Some(Node::Null) => Tri::Missing,
        Some(Node::Text(id)) => Tri::Known(vec![Principal {
            kind: Text::literal("*"),
            id: id.clone(),
        }]),
        Some(Node::Map(entries)) => {
            let mut principals = Vec::new();
            let mut unknown = false;
            for (kind, ids) in entries {
                match strings(Some(ids)) {
                    Tri::Known(ids) => principals.extend(ids.into_iter().map(|id| Principal {
                        kind: Text::literal(kind),
                        id,
                    })),
                    Tri::Unknown => unknown = true,
                    Tri::Missing => {}
                }
            }
            if unknown {
                Tri::Unknown
            } else {
                Tri::Known(principals)
            }
        }
        Some(_) => Tri::Unknown,
    };
    let conditions = match statement.get("Condition") {
        None | Some(Node::Null) => Tri::Missing,
        Some(Node::Map(operators)) => {
            let mut conditions = Vec::new();
            let mut unknown = false;
            for (operator, keys) in operators {
                match keys {
                    Node::Map(keys) => {
                        conditions.extend(keys.iter().map(|(key, values)| Condition {
                            test: Text::literal(operator),
                            key: Text::literal(key),
                            values: strings(Some(values)),
                        }))
                    }
                    _ => unknown = true,
                }
            }
            if unknown {
                Tri::Unknown
            } else {
                Tri::Known(conditions)
            }
        }
        Some(_) => Tri::Unknown,
    };
    Statement {
        sid: statement.get("Sid").and_then(|n| match n {
            Node::Text(t) => t.known().map(str::to_owned),
            _ => None,
        }),
        effect: match statement.get("Effect") {
            None | Some(Node::Null) => Text::default(),
            Some(n) => n.clone().into_text(),
        },
        actions: strings(statement.get("Action")),
        not_actions: strings(statement.get("NotAction")),
        resources: strings(statement.get("Resource")),
        principals,
        conditions,
    }
}

/// A string-or-list-of-strings element (`Action`, `Resource`, `identifiers`).
fn strings(node: Option<&Node>) -> Tri<Vec<Text>> {
    match node {
        None | Some(Node::Null) => Tri::Missing,
        Some(Node::Text(text)) => Tri::Known(vec![text.clone()]),
        Some(Node::List(items)) => Tri::Known(
            items
                .iter()
                .filter(|item| !matches!(item, Node::Null))
                .map(|item| item.clone().into_text())
                .collect(),
        ),
        Some(Node::Map(_) | Node::Opaque) => Tri::Unknown,
    }
}

/// Parsed JSON, with template markers turned back into interpolated parts.
fn node_from_json(json: serde_json::Value, holes: &[Text]) -> Node {
    match json {
        serde_json::Value::Null => Node::Null,
        serde_json::Value::Bool(b) => Node::Text(Text::literal(&b.to_string())),
        serde_json::Value::Number(n) => Node::Text(Text::literal(&n.to_string())),
        serde_json::Value::String(s) => Node::Text(unmark(&s, holes)),
        serde_json::Value::Array(items) => Node::List(
            items
                .into_iter()
                .map(|i| node_from_json(i, holes))
                .collect(),
        ),
        serde_json::Value::Object(entries) => {
            let mut map = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                // An interpolated key could be any element name.
                if key.contains(HOLE_START) {
                    return Node::Opaque;
                }
                map.push((key, node_from_json(value, holes)));
            }
            Node::Map(map)
        }
    }
}

/// A JSON string with interpolation markers as a partly known string.
fn unmark(s: &str, holes: &[Text]) -> Text {
    let mut text = Text::default();
    let mut rest = s;
    while let Some(start) = rest.find(HOLE_START) {
        text.push_literal(&rest[..start]);
        let after = &rest[start + HOLE_START.len_utf8()..];
        let Some(end) = after.find(HOLE_END) else {
            text.push_literal(&rest[start..]);
            return text;
        };
        match after[..end]
            .parse::<usize>()
            .ok()
            .and_then(|i| holes.get(i))
        {
            Some(hole) => text.append(hole.clone()),
            None => text.push(Part::Opaque),
        }
        rest = &after[end + HOLE_END.len_utf8()..];
    }
    text.push_literal(rest);
    text
}

/// A string attribute value as far as it is known statically.
pub(super) fn text_of(value: &Value) -> Text {
    node_from_value(value).into_text()
}

/// An attribute value (data source arguments, evaluated HCL) as a tree.
fn node_from_value(value: &Value) -> Node {
    match value {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Text(Text::literal(&b.to_string())),
        Value::Number(n) => Node::Text(Text::literal(&n.to_string())),
        Value::String(s) => Node::Text(Text::literal(s)),
        Value::List(items) => Node::List(items.iter().map(node_from_value).collect()),
        Value::Map(map) => Node::Map(
            map.iter()
                .map(|(k, v)| (k.to_owned(), node_from_value(v)))
                .collect(),
        ),
        Value::Unknown(unknown) => Node::Text(text_from_unknown(unknown)),
        Value::Sensitive(s) => node_from_value(s.expose()),
    }
}

/// An unknown value as a partly known string, from the expression it came from.
fn text_from_unknown(unknown: &Unknown) -> Text {
    Partial::of(unknown).map_or_else(Text::opaque, |partial| text_from_partial(&partial))
}

/// The string an expression stands for, as far as it is known statically.
fn text_from_partial(partial: &Partial) -> Text {
    match partial {
        Partial::Text(pieces) => {
            let mut text = Text::default();
            for piece in pieces {
                match piece {
                    Piece::Literal(literal) => text.push_literal(literal),
                    Piece::Interpolation(interpolated) => {
                        text.append(text_from_partial(interpolated))
                    }
                    Piece::Directive => text.push(Part::Opaque),
                }
            }
            text
        }
        Partial::Number(n) => Text::literal(&n.to_string()),
        Partial::Bool(b) => Text::literal(&b.to_string()),
        Partial::Reference(reference) if is_resource_attribute(reference) => Text {
            parts: vec![Part::Reference(reference.clone())],
        },
        _ => Text::opaque(),
    }
}

/// Roots of references whose value is chosen by whoever calls the module or runs it:
/// they could hold anything, a wildcard included.
const OPAQUE_ROOTS: &[&str] = &[
    "var",
    "local",
    "each",
    "module",
    "self",
    "path",
    "terraform",
];

/// `aws_s3_bucket.b.arn` / `data.aws_caller_identity.c.account_id` / `count.index`
/// (indexes and splats already left out): an attribute of a resource or data source.
fn is_resource_attribute(reference: &str) -> bool {
    let mut steps = reference.split('.');
    let root = steps.next().unwrap_or_default();
    if OPAQUE_ROOTS.contains(&root) {
        return false;
    }
    let needed = if root == "data" {
        3
    } else if root == "count" {
        1
    } else {
        2
    };
    steps.count() >= needed
}

/// The argument of `jsonencode(...)` as a tree: literals known, everything else
/// read as far as [`text_from_partial`] can.
fn node_from_partial(partial: &Partial) -> Node {
    match partial {
        Partial::Null => Node::Null,
        Partial::List(items) => Node::List(items.iter().map(node_from_partial).collect()),
        Partial::Object(entries) => {
            let mut map = Vec::new();
            for (key, value) in entries {
                let Some(key) = text_from_partial(key).known().map(str::to_owned) else {
                    return Node::Opaque;
                };
                map.push((key, node_from_partial(value)));
            }
            Node::Map(map)
        }
        Partial::Call { name, args }
            if matches!(name.as_str(), "tolist" | "toset" | "tomap") && args.len() == 1 =>
        {
            node_from_partial(&args[0])
        }
        Partial::Text(_) | Partial::Number(_) | Partial::Bool(_) | Partial::Reference(_) => {
            Node::Text(text_from_partial(partial))
        }
        Partial::Call { .. } | Partial::Opaque => Node::Opaque,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(expression: Option<&str>, references: &[&str]) -> Unknown {
        Unknown {
            expression: expression.map(str::to_owned),
            references: references.iter().map(|r| (*r).to_owned()).collect(),
            ..Unknown::default()
        }
    }

    #[test]
    fn interpolated_resource_attributes_are_identifiers_and_variables_are_opaque() {
        let bucket = text_from_unknown(&unknown(
            Some(r#""${aws_s3_bucket.b[0].arn}/logs/*""#),
            &["aws_s3_bucket.b"],
        ));
        assert_eq!(bucket.display(), "${aws_s3_bucket.b.arn}/logs/*");
        assert_eq!(bucket.has_wildcard(), Tri::Known(true));
        assert_eq!(
            bucket.test(|s| s == "arn:aws:s3:::b/logs/*"),
            Tri::Known(true)
        );
        let account = text_from_unknown(&unknown(
            Some(r#""arn:aws:iam::${data.aws_caller_identity.c.account_id}:root""#),
            &["data.aws_caller_identity.c.account_id"],
        ));
        assert_eq!(account.has_wildcard(), Tri::Known(false));
        for opaque in [
            "var.arn",
            "local.arns[0]",
            "module.m.arn",
            "each.value",
            "lower(var.x)",
        ] {
            let text = text_from_unknown(&unknown(Some(opaque), &[]));
            assert_eq!(text.has_wildcard(), Tri::Unknown, "{opaque}");
            assert_eq!(text.is("*"), Tri::Unknown, "{opaque}");
        }
        // `.tf.json` templates come without quotes; plan unknowns have no expression.
        let json = text_from_unknown(&unknown(Some("${aws_sqs_queue.q.arn}"), &[]));
        assert_eq!(json.is("*"), Tri::Known(false));
        assert_eq!(
            text_from_unknown(&Unknown::after_apply()).is("*"),
            Tri::Unknown
        );
    }

    #[test]
    fn recognizes_policy_document_references() {
        let yes = [
            unknown(
                Some("data.aws_iam_policy_document.p.json"),
                &["data.aws_iam_policy_document.p.json"],
            ),
            unknown(
                Some("data.aws_iam_policy_document.p[0].minified_json"),
                &["data.aws_iam_policy_document.p"],
            ),
            unknown(
                Some("${data.aws_iam_policy_document.p.json}"),
                &["data.aws_iam_policy_document.p.json"],
            ),
            unknown(
                None,
                &[
                    "data.aws_iam_policy_document.p.json",
                    "data.aws_iam_policy_document.p",
                ],
            ),
        ];
        for u in &yes {
            assert!(is_document_json(u), "{u:?}");
        }
        let no = [
            unknown(
                Some("replace(data.aws_iam_policy_document.p.json, \"a\", \"*\")"),
                &["data.aws_iam_policy_document.p.json"],
            ),
            unknown(
                Some("data.aws_iam_policy_document.p.id"),
                &["data.aws_iam_policy_document.p.id"],
            ),
            unknown(
                Some("aws_iam_policy.p.policy"),
                &["aws_iam_policy.p.policy"],
            ),
        ];
        for u in &no {
            assert!(!is_document_json(u), "{u:?}");
        }
    }

    #[test]
    fn reads_statements_in_every_json_shape() {
        let Tri::Known(single) = json_document(
            r#"{"Statement":{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":["*"],
                "Principal":{"AWS":["arn:aws:iam::*:root"]},
                "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#,
        ) else {
            panic!("valid policy");
        };
        assert!(!single.incomplete);
        let s = &single.statements[0];
        assert_eq!(s.sid.as_deref(), Some("A"));
        assert_eq!(s.allows(), Tri::Known(true));
        assert_eq!(s.find_action(|a| a.is("S3:*")), Tri::Known("s3:*".into()));
        assert_eq!(s.has_wildcard_principal(), Tri::Known(true));
        assert_eq!(
            s.has_condition_key(&["aws:multifactorauthpresent"]),
            Tri::Known(true)
        );
        assert_eq!(json_document("not json"), Tri::Unknown);
        // A statement list with an opaque member is incomplete.
        let heredoc = "<<EOF\n{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"${var.arn}\"}]}\nEOF";
        let Some(Partial::Text(h)) = Partial::of(&unknown(Some(heredoc), &[])) else {
            panic!("heredoc parses");
        };
        let Tri::Known(doc) = template_document(&h) else {
            panic!("template is JSON once interpolations are marked");
        };
        assert_eq!(
            doc.statements[0].find_resource(Text::has_wildcard),
            Tri::Unknown
        );
        let directive = "<<EOF\n{\"Statement\": [%{ for s in var.s }${s},%{ endfor }]}\nEOF";
        let Some(Partial::Text(h)) = Partial::of(&unknown(Some(directive), &[])) else {
            panic!("heredoc parses");
        };
        assert_eq!(template_document(&h), Tri::Unknown);
    }

    /// Which conditions make a `"*"` grant non-public, as AWS evaluates them. Each
    /// row is a resource policy and whether it lets anyone in.
    #[test]
    fn only_conditions_that_name_the_caller_fence_a_wildcard_principal() {
        let allow = |condition: &str| {
            format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"{condition}}}]}}"#
            )
        };
        let cases: &[(&str, String, Tri<bool>)] = &[
            ("no condition", allow(""), Tri::Known(true)),
            (
                "source ARN, exact",
                allow(r#","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}}"#),
                Tri::Known(false),
            ),
            (
                "source ARN, ArnLike without wildcard",
                allow(r#","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}}"#),
                Tri::Known(false),
            ),
            (
                "source ARN, ArnLike with a wildcard",
                allow(r#","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*"}}"#),
                Tri::Known(true),
            ),
            (
                "StringLike * restricts nothing",
                allow(r#","Condition":{"StringLike":{"aws:PrincipalOrgID":"*"}}"#),
                Tri::Known(true),
            ),
            (
                "organization, exact",
                allow(r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#),
                Tri::Known(false),
            ),
            (
                "condition keys are case-insensitive",
                allow(r#","Condition":{"StringEquals":{"AWS:SOURCEACCOUNT":"111122223333"}}"#),
                Tri::Known(false),
            ),
            (
                "IfExists passes anonymous callers",
                allow(r#","Condition":{"StringEqualsIfExists":{"aws:PrincipalAccount":"111122223333"}}"#),
                Tri::Known(true),
            ),
            (
                "ForAllValues is vacuously true on an absent key",
                allow(r#","Condition":{"ForAllValues:StringEquals":{"aws:PrincipalOrgPaths":["o-a/r-b/ou-c/"]}}"#),
                Tri::Known(true),
            ),
            (
                "ForAnyValue restricts",
                allow(r#","Condition":{"ForAnyValue:StringEquals":{"aws:PrincipalOrgPaths":["o-a/r-b/ou-c/"]}}"#),
                Tri::Known(false),
            ),
            (
                "secure transport says nothing about who",
                allow(r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#),
                Tri::Known(true),
            ),
            (
                "current time says nothing about who",
                allow(r#","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#),
                Tri::Known(true),
            ),
            (
                "a negated operator in an Allow lets everyone else in",
                allow(r#","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}"#),
                Tri::Known(true),
            ),
            (
                "source IP, a /24",
                allow(r#","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/48"]}}"#),
                Tri::Known(false),
            ),
            (
                "source IP, the internet in halves",
                allow(r#","Condition":{"IpAddress":{"aws:SourceIp":["0.0.0.0/1","128.0.0.0/1"]}}"#),
                Tri::Known(true),
            ),
            (
                "a policy variable is not a fixed value",
                allow(r#","Condition":{"StringEquals":{"aws:userid":"${aws:userid}"}}"#),
                Tri::Known(true),
            ),
            (
                "one restricting condition among others is enough (conditions are ANDed)",
                allow(r#","Condition":{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#),
                Tri::Known(false),
            ),
            (
                "a Deny of everyone outside an endpoint fences the Allow",
                r#"{"Statement":[
                    {"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"},
                    {"Effect":"Deny","Principal":"*","Action":"*","Resource":"*",
                     "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#
                    .to_owned(),
                Tri::Known(false),
            ),
            (
                "a Deny over fewer actions does not",
                r#"{"Statement":[
                    {"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"},
                    {"Effect":"Deny","Principal":"*","Action":"sqs:DeleteQueue","Resource":"*",
                     "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#
                    .to_owned(),
                Tri::Known(true),
            ),
            (
                "a Deny of insecure transport fences nothing about who",
                r#"{"Statement":[
                    {"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"},
                    {"Effect":"Deny","Principal":"*","Action":"*","Resource":"*",
                     "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#
                    .to_owned(),
                Tri::Known(true),
            ),
            (
                "a bare string principal other than * is no principal",
                r#"{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::111122223333:root","Action":"ecr:*"}}"#
                    .to_owned(),
                Tri::Known(false),
            ),
            (
                "a named principal is not anyone",
                r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sqs:*","Resource":"*"}}"#
                    .to_owned(),
                Tri::Known(false),
            ),
        ];
        for (name, policy, public) in cases {
            let Tri::Known(document) = json_document(policy) else {
                panic!("{name}: valid policy");
            };
            let found = document.find_public_grant().optional().map(|f| f.is_some());
            assert_eq!(found, *public, "{name}");
        }
        // A variable as the value could be `*`: cannot tell.
        let hole = Text {
            parts: vec![Part::Opaque],
        };
        assert_eq!(is_fixed(false, &hole), Tri::Unknown);
    }

    #[test]
    fn wildcard_patterns_cover_narrower_patterns() {
        assert!(pattern_covers("*", "s3:GetObject"));
        assert!(pattern_covers("s3:*", "S3:Get*"));
        assert!(pattern_covers("s3:Get*", "s3:GetObject"));
        assert!(!pattern_covers("s3:GetObject", "s3:Get*"));
        assert!(!pattern_covers("s3:Put*", "s3:GetObject"));
        assert!(pattern_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/key"));
        assert!(pattern_covers("s3:?etObject", "s3:GetObject"));
    }
}
