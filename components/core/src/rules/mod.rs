//! The rule catalog and its evaluation over a change set.
//!
//! A rule is data ([`RuleMeta`]: id, severity, aliases in other tools, compliance
//! references) plus a check function over one normalized [`Resource`]. The same
//! check runs on HCL configuration and on plan values, because both are the same
//! model. A check reports through [`Verdicts`]: a failure, or "cannot tell" when the
//! answer depends on a value Terraform only knows after apply. Saying nothing is a
//! pass.

pub mod change_risk;
pub mod context;
pub mod values;

mod aws;
#[cfg(test)]
mod test_support;

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::changeset::{ChangeSet, ReviewScope};
use crate::finding::{Finding, Frameworks, RuleInfo, Severity, SharedAliases, SharedFrameworks};
use crate::resource::{ChangeAction, PlannedChange, Resource};

pub use context::Context;
pub use values::Tri;

/// Everything a rule says about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id (`RG-AWS-S3-001`). Never reused or renamed.
    pub id: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What the rule checks and why it matters.
    pub description: &'static str,
    /// How to fix a failure.
    pub remediation: &'static str,
    /// Equivalent ids in other tools: Trivy (`AWS-0088`), AVD (`AVD-AWS-0088`),
    /// Checkov (`CKV_AWS_19`).
    pub aliases: &'static [&'static str],
    /// Compliance references: framework → controls.
    pub frameworks: &'static [(&'static str, &'static [&'static str])],
    /// The managed resource types the check runs on.
    pub resource_types: &'static [&'static str],
}

/// What a rule needs to have seen before it may fail a resource for what is not
/// there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleScope {
    /// The resource and the resources that configure it (a bucket and its own
    /// `aws_s3_bucket_*` resources, a VPC and its flow logs, a group and its
    /// policies): they are declared together, so a scan of a repository sees them
    /// all and may judge the resource. Most rules.
    Resource,
    /// Something the account has once, wherever it is declared (a CloudTrail trail
    /// for every bucket): the rule fails when none is reviewed with the resource.
    /// Run on a change, where it asks the author about what they add; not on a
    /// scan of a repository, where the account's setting usually lives in another
    /// one and the rule would fail every resource of its type for nothing.
    Account,
}

impl RuleMeta {
    /// What the rule needs to have seen (see [`RuleScope`]). Kept out of the rule
    /// literals: few rules are account-wide, and each family lists its own.
    pub fn scope(&self) -> RuleScope {
        if aws::ACCOUNT_WIDE_RULES
            .iter()
            .any(|family| family.contains(&self.id))
        {
            RuleScope::Account
        } else {
            RuleScope::Resource
        }
    }

    /// Whether the rule runs in a review of this scope.
    fn runs_on(&self, scope: ReviewScope) -> bool {
        scope == ReviewScope::Change || self.scope() == RuleScope::Resource
    }

    /// The catalog entry.
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.to_owned(),
            title: self.title.to_owned(),
            severity: self.severity,
            aliases: self.aliases.iter().map(|a| (*a).to_owned()).collect(),
            frameworks: self.frameworks(),
        }
    }

    /// The aliases and frameworks every finding of this rule carries, built once per
    /// process and shared.
    fn shared(&self) -> &'static SharedFacts {
        static TABLE: LazyLock<HashMap<&'static str, SharedFacts>> = LazyLock::new(|| {
            all_rule_metas()
                .map(|meta| {
                    let facts = SharedFacts {
                        aliases: meta.aliases.iter().map(|a| (*a).to_owned()).collect(),
                        frameworks: SharedFrameworks::new(meta.frameworks()),
                    };
                    (meta.id, facts)
                })
                .collect()
        });
        static NONE: LazyLock<SharedFacts> = LazyLock::new(SharedFacts::default);
        // Every catalog rule is in the table; a meta built elsewhere (tests) is not.
        TABLE.get(self.id).unwrap_or(&NONE)
    }

    fn frameworks(&self) -> Frameworks {
        self.frameworks
            .iter()
            .map(|(name, controls)| {
                (
                    (*name).to_owned(),
                    controls.iter().map(|c| (*c).to_owned()).collect(),
                )
            })
            .collect()
    }
}

/// Catalog data that every finding of a rule repeats, shared instead of copied.
#[derive(Default)]
struct SharedFacts {
    aliases: SharedAliases,
    frameworks: SharedFrameworks,
}

/// A rule over one resource at a time (which may look at others through [`Context`]).
pub struct ResourceRule {
    /// What the rule is.
    pub meta: RuleMeta,
    /// The check. Report failures and "cannot tell" through the [`Verdicts`].
    pub check: fn(&Resource, &Context<'_>, &mut Verdicts),
}

/// What one check found on one resource.
#[derive(Debug, Default)]
pub struct Verdicts {
    outcomes: Vec<Outcome>,
}

#[derive(Debug)]
enum Outcome {
    Fail {
        message: String,
        attribute: Option<String>,
    },
    CannotTell {
        reason: String,
    },
}

impl Verdicts {
    /// The resource fails the rule. `attribute` is the dotted path of the offending
    /// attribute (`versioning.0.enabled`), used for the line number; `None` points at
    /// the whole resource.
    pub fn fail(&mut self, message: impl Into<String>, attribute: Option<&str>) {
        self.outcomes.push(Outcome::Fail {
            message: message.into(),
            attribute: attribute.map(str::to_owned),
        });
    }

    /// The answer depends on values unknown until apply (or not statically known).
    pub fn cannot_tell(&mut self, reason: impl Into<String>) {
        self.outcomes.push(Outcome::CannotTell {
            reason: reason.into(),
        });
    }
}

/// A check whose answer depends on values that are not known yet.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Undetermined {
    /// The rule.
    pub rule_id: String,
    /// The resource address.
    pub resource: String,
    /// The resource's file.
    pub file: String,
    /// The resource's first line, when known.
    pub line: Option<u32>,
    /// What is not known.
    pub reason: String,
    /// Why: the cause the check shares with every other check it leaves open on the
    /// resource (`no value given for variable "enc"`, `known only after apply`,
    /// `module "this" is not evaluated`); the reason itself when the check's reason
    /// names no value. [`by_cause`] groups checks by resource and cause.
    #[serde(default)]
    pub cause: String,
}

/// The checks one cause leaves open on one resource: what a reader acts on (give
/// the variable a value, evaluate the module), listed once however many rules it
/// stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndeterminedCause<'r> {
    /// The resource address.
    pub resource: &'r str,
    /// The resource's file.
    pub file: &'r str,
    /// The resource's first line, when known.
    pub line: Option<u32>,
    /// The shared cause.
    pub cause: &'r str,
    /// The checks it leaves open, in review order.
    pub checks: Vec<&'r Undetermined>,
}

/// Undetermined checks grouped by resource and cause, in order of first appearance.
pub fn by_cause(undetermined: &[Undetermined]) -> Vec<UndeterminedCause<'_>> {
    let mut groups: Vec<UndeterminedCause<'_>> = Vec::new();
    let mut index: std::collections::HashMap<(&str, &str), usize> =
        std::collections::HashMap::new();
    for check in undetermined {
        let cause = if check.cause.is_empty() {
            check.reason.as_str()
        } else {
            check.cause.as_str()
        };
        match index.entry((check.resource.as_str(), cause)) {
            std::collections::hash_map::Entry::Occupied(slot) => {
                groups[*slot.get()].checks.push(check);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(groups.len());
                groups.push(UndeterminedCause {
                    resource: &check.resource,
                    file: &check.file,
                    line: check.line,
                    cause,
                    checks: vec![check],
                });
            }
        }
    }
    groups
}

/// The result of running every rule.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Failures.
    pub findings: Vec<Finding>,
    /// Checks that could not be decided.
    pub undetermined: Vec<Undetermined>,
    /// How many (rule, resource) checks ran.
    pub checks: usize,
    /// Resources that exist after the change.
    pub resources_in_scope: usize,
    /// Of those, resources at least one rule checked.
    pub resources_checked: usize,
}

/// Every resource rule, in catalog order.
pub fn resource_rules() -> impl Iterator<Item = &'static ResourceRule> {
    aws::RULES.iter().flat_map(|rules| rules.iter())
}

/// The resource rules that apply to a resource type, in catalog order. Built once:
/// looking rules up by type keeps a review linear in resources × applicable rules,
/// not resources × every rule.
fn resource_rules_for(resource_type: &str) -> &'static [&'static ResourceRule] {
    static BY_TYPE: LazyLock<HashMap<&'static str, Vec<&'static ResourceRule>>> =
        LazyLock::new(|| {
            let mut by_type: HashMap<&'static str, Vec<&'static ResourceRule>> = HashMap::new();
            for rule in resource_rules() {
                for resource_type in rule.meta.resource_types {
                    by_type.entry(resource_type).or_default().push(rule);
                }
            }
            by_type
        });
    BY_TYPE.get(resource_type).map_or(&[], Vec::as_slice)
}

/// The metadata of every rule: resource, change and plan rules.
pub fn all_rule_metas() -> impl Iterator<Item = &'static RuleMeta> {
    resource_rules()
        .map(|r| &r.meta)
        .chain(change_risk::CHANGE_RULES.iter().map(|r| &r.meta))
        .chain(change_risk::PLAN_RULES.iter().map(|r| &r.meta))
}

/// Every rule reviewgate knows, sorted by id.
pub fn catalog() -> Vec<RuleInfo> {
    let mut rules: Vec<RuleInfo> = all_rule_metas().map(RuleMeta::info).collect();
    rules.push(crate::suppress::rule_info());
    rules.push(crate::gate::rule_info());
    rules.extend(crate::secrets::catalog());
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules
}

/// Looks a rule up by id.
pub fn find_rule(id: &str) -> Option<&'static RuleMeta> {
    all_rule_metas().find(|m| m.id == id)
}

/// True when a resource exists after the change: configuration blocks, and plan
/// resources that are created, updated, replaced or unchanged. Resources being
/// destroyed or read are not checked for misconfiguration.
fn in_scope(resource: &Resource) -> bool {
    if resource.address.mode != crate::address::Mode::Managed {
        return false;
    }
    match &resource.change {
        None => true,
        Some(change) => !matches!(
            change.action,
            ChangeAction::Delete | ChangeAction::Forget | ChangeAction::Read
        ),
    }
}

/// Runs every rule: resource rules over every in-scope resource, change rules over
/// every planned change, plan rules over every plan; on a scan of a repository,
/// account-wide rules are left out (see [`RuleScope`]). Resources are checked on
/// several threads where the platform has them; the result is the same as checking
/// them one by one in input order.
pub fn evaluate(change_set: &ChangeSet) -> Evaluation {
    let context = Context::new(change_set);
    let scope = change_set.scope();
    let in_scope: Vec<&Resource> = context
        .resources()
        .iter()
        .copied()
        .filter(|r| in_scope(r))
        .collect();
    // Building plan values from JSON is most of a plan review's work, and some rules
    // need every resource of a type at once (say, every bucket's logging target): the
    // first thread to ask would build them all while the others wait on it. Building
    // them first, spread over the cores, keeps the rules' work parallel.
    crate::parallel::map_chunks(&in_scope, |resources| {
        for resource in resources {
            if !resource_rules_for(resource.resource_type()).is_empty() {
                resource.attributes.build();
            }
        }
    });
    let mut evaluation = Evaluation::default();
    evaluation.absorb_all(crate::parallel::map_chunks(&in_scope, |resources| {
        let mut part = Evaluation::default();
        for resource in resources {
            check_resource(&context, scope, resource, &mut part);
        }
        part
    }));
    for plan in &change_set.plans {
        let changed: Vec<(&Resource, &PlannedChange)> = plan
            .resources
            .iter()
            .filter_map(|r| r.change.as_ref().map(|change| (r, change)))
            .filter(|(_, change)| !matches!(change.action, ChangeAction::NoOp | ChangeAction::Read))
            .collect();
        evaluation.absorb_all(crate::parallel::map_chunks(&changed, |changes| {
            let mut part = Evaluation::default();
            for (resource, change) in changes {
                check_change(&context, resource, change, &mut part);
            }
            part
        }));
        for rule in change_risk::PLAN_RULES {
            evaluation.checks += 1;
            let mut verdicts = Verdicts::default();
            (rule.check)(plan, &mut verdicts);
            for outcome in verdicts.outcomes {
                if let Outcome::Fail { message, .. } = outcome {
                    let mut plan_finding = finding(&rule.meta, None, message, None);
                    plan_finding.file = Some(plan.path.clone());
                    evaluation.findings.push(plan_finding);
                }
            }
        }
    }
    evaluation
}

/// Every resource rule for the resource's type.
fn check_resource(
    context: &Context<'_>,
    scope: ReviewScope,
    resource: &Resource,
    evaluation: &mut Evaluation,
) {
    evaluation.resources_in_scope += 1;
    let rules = resource_rules_for(resource.resource_type());
    let mut subject = Subject::new(resource);
    for rule in rules.iter().filter(|rule| rule.meta.runs_on(scope)) {
        evaluation.checks += 1;
        let mut verdicts = Verdicts::default();
        (rule.check)(resource, context, &mut verdicts);
        record(evaluation, &rule.meta, &mut subject, verdicts);
    }
    evaluation.resources_checked += usize::from(!rules.is_empty());
}

/// Every change rule for one planned change.
fn check_change(
    context: &Context<'_>,
    resource: &Resource,
    change: &PlannedChange,
    evaluation: &mut Evaluation,
) {
    let mut subject = Subject::new(resource);
    for rule in change_risk::CHANGE_RULES {
        let types = rule.meta.resource_types;
        if types != ["*"] && !types.contains(&resource.resource_type()) {
            continue;
        }
        evaluation.checks += 1;
        let mut verdicts = Verdicts::default();
        (rule.check)(resource, change, context, &mut verdicts);
        record(evaluation, &rule.meta, &mut subject, verdicts);
    }
}

impl Evaluation {
    /// Appends the results of later parts of the same review, in order. Room for all
    /// of them is made at once: a repository scan has tens of thousands of findings,
    /// and growing their list part by part would copy it and hold every size it
    /// passed through, the largest part of the review's peak memory.
    fn absorb_all(&mut self, parts: Vec<Evaluation>) {
        self.findings
            .reserve(parts.iter().map(|p| p.findings.len()).sum());
        self.undetermined
            .reserve(parts.iter().map(|p| p.undetermined.len()).sum());
        for part in parts {
            self.findings.extend(part.findings);
            self.undetermined.extend(part.undetermined);
            self.checks += part.checks;
            self.resources_in_scope += part.resources_in_scope;
            self.resources_checked += part.resources_checked;
        }
    }
}

/// The resource the rules are checking, with its address rendered once for all of
/// its findings (a resource often fails several rules).
struct Subject<'r> {
    resource: &'r Resource,
    address: Option<String>,
}

impl<'r> Subject<'r> {
    fn new(resource: &'r Resource) -> Self {
        Subject {
            resource,
            address: None,
        }
    }

    fn address(&mut self) -> String {
        self.address
            .get_or_insert_with(|| self.resource.address.to_string())
            .clone()
    }
}

fn record(
    evaluation: &mut Evaluation,
    meta: &RuleMeta,
    subject: &mut Subject<'_>,
    verdicts: Verdicts,
) {
    let resource = subject.resource;
    for outcome in verdicts.outcomes {
        match outcome {
            Outcome::Fail { message, attribute } => {
                let mut found = finding(meta, Some(resource), message, attribute.as_deref());
                found.resource = Some(subject.address());
                evaluation.findings.push(found);
            }
            Outcome::CannotTell { reason } => {
                let (reason, cause) = true_reason(resource, reason);
                evaluation.undetermined.push(Undetermined {
                    rule_id: meta.id.to_owned(),
                    resource: subject.address(),
                    file: resource.source.file.clone(),
                    line: resource.source.lines.map(|l| l.start),
                    reason,
                    cause,
                });
            }
        }
    }
}

/// A check's "cannot tell" with the true cause when configuration says it, and that
/// cause: rules word an unknown value as "known only after apply", but in
/// configuration it may be a variable with no value or a module that is not
/// evaluated. The cause is the one cause of the unknown parts of the attribute the
/// reason names (`kms_key_id`, `ingress.0.cidr_blocks`), else the one cause every
/// unknown value of the resource shares. In a plan every
/// unknown value is known only after apply. A reason that names no unknown value
/// ("the policy before or after the change is not known statically") or whose
/// values have several causes is its own cause.
fn true_reason(resource: &Resource, reason: String) -> (String, String) {
    const AFTER_APPLY: &str = "known only after apply";
    let vague = reason.contains(AFTER_APPLY) || reason.contains("not known statically");
    if resource.change.is_some() {
        let cause = if vague {
            AFTER_APPLY.to_owned()
        } else {
            reason.clone()
        };
        return (reason, cause);
    }
    // A named attribute's unknown parts (`cidr_blocks = [module.vpc.cidr]`, a
    // `policy` whose document reads an unknown ARN) give its cause when they share one.
    let named = reason.split('`').skip(1).step_by(2).find_map(|name| {
        let mut reasons = Vec::new();
        unknown_reasons(resource.attribute(name)?, &mut reasons);
        match reasons.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    });
    let cause = named.or_else(|| {
        let mut reasons: Vec<String> = Vec::new();
        for value in resource.attributes.values() {
            unknown_reasons(value, &mut reasons);
            if reasons.len() > 1 {
                return None;
            }
        }
        reasons.pop()
    });
    // Several causes, none named: the reason is the most that can be said.
    let Some(cause) = cause else {
        return (reason.clone(), reason);
    };
    // A bare "known only after apply" adds nothing to a reason that says so; one
    // that names what the value waits for does.
    if cause == AFTER_APPLY {
        return (reason, cause);
    }
    for (vague, plain) in [
        ("is known only after apply", "is not known"),
        ("are known only after apply", "are not known"),
        ("values known only after apply", "values not known"),
        ("is not known statically", "is not known"),
        ("are not known statically", "are not known"),
        ("values not known statically", "values not known"),
    ] {
        if reason.contains(vague) {
            return (
                format!("{}: {cause}", reason.replacen(vague, plain, 1)),
                cause,
            );
        }
    }
    (format!("{reason} ({cause})"), cause)
}

/// The distinct reasons of the unknown values in `value`, at most two.
fn unknown_reasons(value: &crate::value::Value, reasons: &mut Vec<String>) {
    use crate::value::Value;
    match value {
        Value::Unknown(unknown) => {
            let reason = unknown.reason();
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        Value::List(items) => items.iter().for_each(|v| unknown_reasons(v, reasons)),
        Value::Map(map) => map.values().for_each(|v| unknown_reasons(v, reasons)),
        _ => {}
    }
}

/// A finding of `meta` on `resource` (its address left for the caller to fill in)
/// or on no resource.
fn finding(
    meta: &RuleMeta,
    resource: Option<&Resource>,
    message: String,
    attribute: Option<&str>,
) -> Finding {
    let lines = resource.and_then(|r| match attribute {
        Some(path) => r.lines_of(path),
        None => r.source.lines,
    });
    let shared = meta.shared();
    Finding {
        rule_id: meta.id.into(),
        aliases: shared.aliases.clone(),
        severity: meta.severity,
        title: meta.title.into(),
        message,
        resource: None,
        file: resource.map(|r| r.source.file.clone()),
        line: lines.map(|l| l.start),
        end_line: lines.map(|l| l.end),
        remediation: Some(meta.remediation.into()),
        frameworks: shared.frameworks.clone(),
        suppressed: false,
        suppression_reason: None,
        suppressed_at: None,
        // The chain of the value the verdict rests on, when it was evaluated.
        provenance: match (resource, attribute) {
            (Some(r), Some(path)) => r.provenance_of(path),
            _ => Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undetermined_checks_read_once_per_resource_and_cause() {
        let review = test_support::hcl(
            r#"
variable "enc" {}
variable "protect" {}
resource "aws_db_instance" "db" {
  engine                              = "postgres"
  storage_encrypted                   = var.enc
  iam_database_authentication_enabled = var.enc
  deletion_protection                 = var.protect
}
"#,
        );
        let causes: Vec<(&str, &str, Vec<&str>)> = by_cause(&review.undetermined)
            .into_iter()
            .map(|g| {
                let rules = g.checks.iter().map(|c| c.rule_id.as_str()).collect();
                (g.resource, g.cause, rules)
            })
            .collect();
        assert_eq!(
            causes,
            [
                (
                    "aws_db_instance.db",
                    "no value given for variable \"enc\"",
                    vec!["RG-AWS-RDS-001", "RG-AWS-RDS-008"]
                ),
                (
                    "aws_db_instance.db",
                    "no value given for variable \"protect\"",
                    vec!["RG-AWS-RDS-005"]
                ),
            ]
        );
        // Each check still says which value it needed.
        assert!(
            review.undetermined[0]
                .reason
                .contains("`storage_encrypted`"),
            "{:?}",
            review.undetermined
        );
    }

    /// A resource with unknown values of several causes: each check names the
    /// attribute it needed, so its cause is that attribute's, nested or not.
    #[test]
    fn a_check_takes_the_cause_of_the_attribute_it_names() {
        let review = test_support::review_files(&[
            (
                "main.tf",
                r#"
variable "action" {}
module "vpc" { source = "./vpc" }
resource "aws_network_acl_rule" "r" {
  network_acl_id = aws_network_acl.a.id
  rule_number    = 100
  egress         = false
  protocol       = "tcp"
  from_port      = 22
  to_port        = 22
  cidr_block     = "0.0.0.0/0"
  rule_action    = var.action
}
resource "aws_network_acl" "a" { vpc_id = "vpc-1" }
resource "aws_security_group" "g" {
  name   = "g-${path.cwd}"
  vpc_id = module.vpc.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [module.vpc.cidr]
  }
}
"#,
            ),
            (
                "vpc/main.tf",
                "resource \"aws_vpc\" \"this\" { cidr_block = \"10.0.0.0/16\" }\noutput \"id\" { value = aws_vpc.this.id }\noutput \"cidr\" { value = aws_vpc.this.arn }\n",
            ),
        ]);
        let cause_of = |rule: &str, resource: &str| -> Vec<&str> {
            review
                .undetermined
                .iter()
                .filter(|u| u.rule_id == rule && u.resource == resource)
                .map(|u| u.cause.as_str())
                .collect()
        };
        assert_eq!(
            cause_of("RG-AWS-VPC-005", "aws_network_acl_rule.r"),
            ["no value given for variable \"action\""]
        );
        assert_eq!(
            cause_of("RG-AWS-EC2-001", "aws_security_group.g"),
            ["known only after apply (module.vpc.aws_vpc.this.arn)"]
        );
        let groups = by_cause(&review.undetermined);
        let sg: Vec<&UndeterminedCause<'_>> = groups
            .iter()
            .filter(|g| g.resource == "aws_security_group.g")
            .collect();
        assert_eq!(sg.len(), 1, "{groups:?}");
        assert!(
            sg[0]
                .checks
                .iter()
                // The reason says what the value waits for, not only that it is unknown.
                .all(|c| c.reason.contains("`ingress.0.cidr_blocks`")
                    && c.reason.ends_with(
                        "are not known: known only after apply (module.vpc.aws_vpc.this.arn)"
                    )),
            "{:?}",
            sg[0].checks
        );
    }

    #[test]
    fn in_a_plan_every_unknown_value_shares_one_cause() {
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_db_instance.db","mode":"managed","type":"aws_db_instance","name":"db","change":{"actions":["create"],"before":null,"after":{"engine":"postgres"},"after_unknown":{"storage_encrypted":true,"deletion_protection":true,"iam_database_authentication_enabled":true}}}]}"#;
        let review = test_support::review_of("plan.json", plan);
        let groups = by_cause(&review.undetermined);
        assert!(!review.undetermined.is_empty());
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!(groups[0].cause, "known only after apply");
        assert_eq!(groups[0].checks.len(), review.undetermined.len());
    }

    #[test]
    fn account_wide_rules_are_catalog_rules() {
        for id in aws::ACCOUNT_WIDE_RULES
            .iter()
            .flat_map(|family| family.iter())
        {
            let meta = find_rule(id).unwrap_or_else(|| panic!("{id} is not a rule"));
            assert_eq!(meta.scope(), RuleScope::Account, "{id}");
        }
        let versioning = find_rule("RG-AWS-S3-004").expect("rule");
        assert_eq!(versioning.scope(), RuleScope::Resource);
    }

    /// A bucket with no trail and no versioning, reviewed as a repository scan and as
    /// part of a change: the trail is account-wide, the versioning the bucket's own.
    #[test]
    fn account_wide_rules_run_on_changes_only() {
        use crate::changeset::{Document, Origin};
        use crate::rules::test_support::{change_of, flagged, hcl, review_of};
        const BUCKET: &str = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n";
        let bucket = ["aws_s3_bucket.b"];

        let scan = hcl(BUCKET);
        assert_eq!(flagged(&scan, "RG-AWS-S3-004"), bucket);
        assert!(flagged(&scan, "RG-AWS-S3-012").is_empty());
        assert!(flagged(&scan, "RG-AWS-S3-013").is_empty());

        let change = change_of("main.tf", BUCKET);
        assert_eq!(flagged(&change, "RG-AWS-S3-004"), bucket);
        assert_eq!(flagged(&change, "RG-AWS-S3-012"), bucket);
        assert_eq!(flagged(&change, "RG-AWS-S3-013"), bucket);

        // A diff that adds the file is a change too, and so is a plan.
        let added = format!(
            "--- /dev/null\n+++ b/main.tf\n@@ -0,0 +1,3 @@\n{}",
            BUCKET
                .lines()
                .map(|l| format!("+{l}\n"))
                .collect::<String>()
        );
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","name":"b","change":{"actions":["create"],"after":{"bucket":"b"}}}]}"#;
        for (path, text) in [("pr.diff", added.as_str()), ("plan.json", plan)] {
            let cs = ChangeSet::from_documents(Origin::Local, [Document::detect(path, text)]);
            assert_eq!(cs.scope(), ReviewScope::Change, "{path}");
            let review = review_of(path, text);
            assert_eq!(flagged(&review, "RG-AWS-S3-012"), bucket, "{path}");
        }
    }

    #[test]
    fn rule_ids_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for m in all_rule_metas() {
            assert!(seen.insert(m.id), "duplicate rule id {}", m.id);
            assert!(m.id.starts_with("RG-"), "{}", m.id);
            assert!(
                !m.title.is_empty() && !m.description.is_empty() && !m.remediation.is_empty(),
                "{}",
                m.id
            );
            assert!(
                !m.resource_types.is_empty(),
                "{} runs on no resource type",
                m.id
            );
            for alias in m.aliases {
                let trivy = alias.starts_with("AWS-") || alias.starts_with("AVD-AWS-");
                assert!(
                    trivy || alias.starts_with("CKV_AWS_") || alias.starts_with("CKV2_AWS_"),
                    "{}: alias {alias}",
                    m.id
                );
            }
            // A Trivy id and its AVD form always come together.
            for alias in m.aliases.iter().filter(|a| a.starts_with("AWS-")) {
                assert!(
                    m.aliases.contains(&format!("AVD-{alias}").as_str()),
                    "{}: {alias} without AVD-{alias}",
                    m.id
                );
            }
        }
    }
}
