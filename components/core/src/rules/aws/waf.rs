//! AWS WAF (v2) web ACLs: whether they filter anything, whether they use the AWS
//! managed rule groups that stop widespread exploits (Log4Shell among them), whether
//! managed groups actually block, and whether the ACL's traffic is logged and measured.
//!
//! Rules of a web ACL are read from its `rule` blocks. A `dynamic "rule"` block,
//! `rule_json`, or a rule group referenced by ARN hides which rules apply; the
//! rules that need them then cannot tell.

use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{known_blocks, lookup};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::ValueMap;

const WEB_ACL: &str = "aws_wafv2_web_acl";

/// The AWS managed group that blocks requests carrying known exploit patterns,
/// including the Log4j JNDI lookups of CVE-2021-44228 (rules `Log4JRCE_*`).
const KNOWN_BAD_INPUTS: &str = "AWSManagedRulesKnownBadInputsRuleSet";
/// The AWS managed baseline group (OWASP Top 10 style protections).
const COMMON_RULE_SET: &str = "AWSManagedRulesCommonRuleSet";

const WEB_PROTECTION: &[(&str, &[&str])] = &[
    ("pci-dss-4.0", &["6.4.2"]),
    ("soc2", &["CC6.6"]),
    ("nist-800-53-r5", &["SC-7", "SI-4"]),
    ("nist-csf-2.0", &["PR.IR-01"]),
];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-WAF-001",
            title: "WAF web ACL allows every request and has no rules",
            severity: Severity::Medium,
            description: "A web ACL whose `default_action` is `allow` and that has no `rule` inspects nothing: every request reaches the protected CloudFront distribution, load balancer or API, while the association suggests a firewall is in place.",
            remediation: "Add rules to the `aws_wafv2_web_acl` (for example the AWS managed `AWSManagedRulesCommonRuleSet` and `AWSManagedRulesKnownBadInputsRuleSet` groups), or make the default action `block` with rules that allow expected traffic.",
            aliases: &[],
            frameworks: WEB_PROTECTION,
            resource_types: &[WEB_ACL],
        },
        check: check_has_rules,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-WAF-002",
            title: "WAF web ACL does not block Log4j exploits (known bad inputs)",
            severity: Severity::High,
            description: "The AWS managed group `AWSManagedRulesKnownBadInputsRuleSet` blocks request patterns of widely exploited vulnerabilities, among them the Log4j JNDI lookups of CVE-2021-44228 (its `Log4JRCE_*` rules). Reported when the web ACL does not use the group, runs it with `override_action { count {} }`, or overrides a `Log4JRCE` rule to count.",
            remediation: "Add a rule with `statement { managed_rule_group_statement { name = \"AWSManagedRulesKnownBadInputsRuleSet\" vendor_name = \"AWS\" } }` and `override_action { none {} }`, without counting the `Log4JRCE_*` rules.",
            aliases: &["CKV_AWS_192"],
            frameworks: &[
                ("pci-dss-4.0", &["6.4.2"]),
                ("soc2", &["CC6.6"]),
                ("nist-800-53-r5", &["SI-3", "SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &[WEB_ACL],
        },
        check: check_known_bad_inputs,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-WAF-003",
            title: "WAF web ACL does not use the AWS managed core rule set",
            severity: Severity::Low,
            description: "`AWSManagedRulesCommonRuleSet` is the baseline AWS recommends for every web ACL: it blocks common exploitation of OWASP Top 10 weaknesses (cross-site scripting, local file inclusion, oversized bodies, bad bots). A web ACL that allows by default and runs without it relies entirely on custom rules.",
            remediation: "Add a rule using `managed_rule_group_statement { name = \"AWSManagedRulesCommonRuleSet\" vendor_name = \"AWS\" }` with `override_action { none {} }`.",
            aliases: &[],
            frameworks: WEB_PROTECTION,
            resource_types: &[WEB_ACL],
        },
        check: check_common_rule_set,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-WAF-004",
            title: "WAF web ACL has no logging configuration",
            severity: Severity::Medium,
            description: "Without an `aws_wafv2_web_acl_logging_configuration`, AWS WAF keeps no record of the requests it inspected, blocked or let through, so attacks against the application cannot be investigated and false positives cannot be tuned. Reported when no logging configuration in the change names the web ACL.",
            remediation: "Add an `aws_wafv2_web_acl_logging_configuration` with `resource_arn` set to the web ACL's ARN and a CloudWatch Logs group, S3 bucket or Firehose stream (named `aws-waf-logs-*`) as destination.",
            aliases: &["CKV2_AWS_31"],
            frameworks: &[
                ("pci-dss-4.0", &["10.2.1"]),
                ("soc2", &["CC7.2"]),
                ("nist-800-53-r5", &["AU-2", "AU-12"]),
                ("nist-csf-2.0", &["DE.CM-01"]),
            ],
            resource_types: &[WEB_ACL],
        },
        check: check_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-WAF-005",
            title: "WAF web ACL does not publish metrics or sample requests",
            severity: Severity::Low,
            description: "The web ACL's `visibility_config` turns on CloudWatch metrics and request sampling; with either off there is no alarm-able signal when blocked requests spike and no sample to check what a rule matched.",
            remediation: "Set `cloudwatch_metrics_enabled = true` and `sampled_requests_enabled = true` in the web ACL's `visibility_config`.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("nist-800-53-r5", &["SI-4"]),
                ("nist-csf-2.0", &["DE.CM-01"]),
            ],
            resource_types: &[WEB_ACL],
        },
        check: check_visibility,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-WAF-006",
            title: "WAF managed rule group only counts matching requests",
            severity: Severity::Medium,
            description: "A rule using a managed rule group with `override_action { count {} }` only counts what the group's rules match: nothing is blocked. Count mode is meant for a trial period; left in place, the web ACL looks protected while letting attacks through.",
            remediation: "Change the rule's `override_action` to `none {}` once the trial is over, and override individual noisy rules with `rule_action_override` instead.",
            aliases: &[],
            frameworks: WEB_PROTECTION,
            resource_types: &[WEB_ACL],
        },
        check: check_count_only_groups,
    },
];

/// The web ACL's rules, or `None` when they are not known statically.
fn acl_rules(acl: &Resource) -> Option<Vec<&ValueMap>> {
    match Tri::non_empty_str(acl.attributes.get("rule_json")) {
        Tri::Missing => {}
        _ => return None,
    }
    known_blocks(acl.attributes.get("rule"))
}

/// Whether a nested empty block such as `default_action { allow {} }` is present.
fn has_block(map: &ValueMap, path: &str) -> Tri<bool> {
    match known_blocks(lookup(map, path)) {
        Some(bodies) => Tri::Known(!bodies.is_empty()),
        None => Tri::Unknown,
    }
}

/// The name of the managed rule group a rule runs, if it runs one.
fn managed_group(rule: &ValueMap) -> Tri<Option<&str>> {
    let Some(statements) = known_blocks(rule.get("statement")) else {
        return Tri::Unknown;
    };
    let Some(statement) = statements.first() else {
        return Tri::Known(None);
    };
    match known_blocks(statement.get("managed_rule_group_statement")) {
        None => Tri::Unknown,
        Some(groups) => match groups.first() {
            None => Tri::Known(None),
            Some(group) => Tri::str(group.get("name")).map(Some),
        },
    }
}

/// Whether a rule hides other rules: a reference to a rule group by ARN.
fn references_rule_group(rule: &ValueMap) -> Tri<bool> {
    let Some(statements) = known_blocks(rule.get("statement")) else {
        return Tri::Unknown;
    };
    Tri::any(
        statements
            .iter()
            .map(|s| has_block(s, "rule_group_reference_statement")),
    )
}

/// Whether a rule's managed group runs in count mode.
fn counts_only(rule: &ValueMap) -> Tri<bool> {
    has_block(rule, "override_action.0.count")
}

fn check_has_rules(acl: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let allows = has_block(&acl.attributes, "default_action.0.allow");
    let no_rules = match acl_rules(acl) {
        Some(rules) => Tri::Known(rules.is_empty()),
        None => Tri::Unknown,
    };
    match allows.and(|| no_rules) {
        Tri::Known(true) => out.fail(
            format!(
                "web ACL `{}` allows every request and has no rules",
                acl.address
            ),
            Some("default_action"),
        ),
        Tri::Unknown => {
            out.cannot_tell("the web ACL's default action or rules are not known statically")
        }
        _ => {}
    }
}

/// The first rule running managed group `name`: `Known(None)` when no rule does,
/// `Unknown` when a rule's content is not known statically.
fn find_group<'m>(acl: &'m Resource, name: &str) -> Tri<Option<&'m ValueMap>> {
    let Some(rules) = acl_rules(acl) else {
        return Tri::Unknown;
    };
    let mut unknown = false;
    for rule in rules {
        match managed_group(rule) {
            Tri::Known(Some(group)) if group == name => return Tri::Known(Some(rule)),
            Tri::Known(_) | Tri::Missing => {}
            Tri::Unknown => unknown = true,
        }
        if references_rule_group(rule) != Tri::Known(false) {
            unknown = true;
        }
    }
    if unknown {
        Tri::Unknown
    } else {
        Tri::Known(None)
    }
}

/// Whether the group's `Log4JRCE*` rules are overridden to count (v5
/// `rule_action_override`) or excluded (the older `excluded_rule`).
fn log4j_rules_disarmed(rule: &ValueMap) -> Tri<bool> {
    let group = lookup(rule, "statement.0.managed_rule_group_statement.0");
    let Some(group) = group.and_then(|g| g.as_map()) else {
        return Tri::Unknown;
    };
    let is_log4j = |entry: &ValueMap| match Tri::str(entry.get("name")) {
        Tri::Known(name) => Tri::Known(name.to_ascii_lowercase().starts_with("log4jrce")),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    };
    let (Some(overrides), Some(excluded)) = (
        known_blocks(group.get("rule_action_override")),
        known_blocks(group.get("excluded_rule")),
    ) else {
        return Tri::Unknown;
    };
    Tri::any(
        overrides
            .into_iter()
            .map(|o| is_log4j(o).and(|| has_block(o, "action_to_use.0.count")))
            .chain(excluded.into_iter().map(is_log4j)),
    )
}

fn check_known_bad_inputs(acl: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let problem = match find_group(acl, KNOWN_BAD_INPUTS) {
        Tri::Known(None) | Tri::Missing => Tri::Known(Some(format!(
            "web ACL `{}` does not use `{KNOWN_BAD_INPUTS}`, which blocks Log4j exploits",
            acl.address
        ))),
        Tri::Unknown => Tri::Unknown,
        Tri::Known(Some(rule)) => match (counts_only(rule), log4j_rules_disarmed(rule)) {
            (Tri::Known(true), _) => Tri::Known(Some(format!(
                "web ACL `{}` runs `{KNOWN_BAD_INPUTS}` in count mode: Log4j exploits are not blocked",
                acl.address
            ))),
            (_, Tri::Known(true)) => Tri::Known(Some(format!(
                "web ACL `{}` counts or excludes the `Log4JRCE` rules of `{KNOWN_BAD_INPUTS}`",
                acl.address
            ))),
            (Tri::Known(false) | Tri::Missing, Tri::Known(false) | Tri::Missing) => {
                Tri::Known(None)
            }
            _ => Tri::Unknown,
        },
    };
    match problem {
        Tri::Known(Some(message)) => out.fail(message, Some("rule")),
        Tri::Unknown => out.cannot_tell("the web ACL's rules are not known statically"),
        _ => {}
    }
}

fn check_common_rule_set(acl: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match has_block(&acl.attributes, "default_action.0.allow") {
        Tri::Known(true) => {}
        Tri::Unknown => {
            out.cannot_tell("the web ACL's default action is not known statically");
            return;
        }
        _ => return,
    }
    match find_group(acl, COMMON_RULE_SET) {
        Tri::Known(Some(_)) => {}
        Tri::Known(None) | Tri::Missing => out.fail(
            format!(
                "web ACL `{}` allows by default and does not use `{COMMON_RULE_SET}`",
                acl.address
            ),
            Some("rule"),
        ),
        Tri::Unknown => out.cannot_tell("the web ACL's rules are not known statically"),
    }
}

fn check_logging(acl: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let configurations = ctx.referencing(
        acl,
        "aws_wafv2_web_acl_logging_configuration",
        "resource_arn",
    );
    if !configurations.definite.is_empty() {
        return;
    }
    if configurations.unresolved {
        out.cannot_tell("the web ACL of some logging configuration is known only after apply");
    } else {
        out.fail(
            format!(
                "web ACL `{}` has no `aws_wafv2_web_acl_logging_configuration` in this change",
                acl.address
            ),
            None,
        );
    }
}

fn check_visibility(acl: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let mut unknown = false;
    for setting in ["cloudwatch_metrics_enabled", "sampled_requests_enabled"] {
        let path = format!("visibility_config.0.{setting}");
        match Tri::bool(lookup(&acl.attributes, &path)) {
            Tri::Known(false) => {
                out.fail(
                    format!("web ACL `{}` has `{setting} = false`", acl.address),
                    Some(&path),
                );
                return;
            }
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        out.cannot_tell("the web ACL's `visibility_config` is not known statically");
    }
}

fn check_count_only_groups(acl: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let Some(rules) = acl_rules(acl) else {
        out.cannot_tell("the web ACL's rules are not known statically");
        return;
    };
    let mut unknown = false;
    for (i, rule) in rules.into_iter().enumerate() {
        let group = match managed_group(rule) {
            Tri::Known(Some(group)) => group,
            Tri::Known(None) | Tri::Missing => continue,
            Tri::Unknown => {
                unknown = true;
                continue;
            }
        };
        match counts_only(rule) {
            Tri::Known(true) => {
                out.fail(
                    format!(
                        "web ACL `{}` runs managed rule group `{group}` in count mode: it blocks nothing",
                        acl.address
                    ),
                    Some(&format!("rule.{i}.override_action")),
                );
                return;
            }
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        out.cannot_tell("the web ACL's rules are not known statically");
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    /// A web ACL with the given default action and rule blocks.
    fn acl(name: &str, default_action: &str, rules: &str) -> String {
        format!(
            r#"
resource "aws_wafv2_web_acl" "{name}" {{
  name  = "{name}"
  scope = "REGIONAL"
  default_action {{
    {default_action} {{}}
  }}
  {rules}
  visibility_config {{
    cloudwatch_metrics_enabled = true
    metric_name                = "{name}"
    sampled_requests_enabled   = true
  }}
}}
"#
        )
    }

    fn managed(name: &str, priority: u32, override_action: &str, overrides: &str) -> String {
        format!(
            r#"
  rule {{
    name     = "{name}"
    priority = {priority}
    override_action {{
      {override_action} {{}}
    }}
    statement {{
      managed_rule_group_statement {{
        name        = "{name}"
        vendor_name = "AWS"
        {overrides}
      }}
    }}
    visibility_config {{
      cloudwatch_metrics_enabled = true
      metric_name                = "{name}"
      sampled_requests_enabled   = true
    }}
  }}
"#
        )
    }

    #[test]
    fn managed_groups_and_empty_acls() {
        let bad_inputs = "AWSManagedRulesKnownBadInputsRuleSet";
        let common = "AWSManagedRulesCommonRuleSet";
        let log4j_counted = r#"
        rule_action_override {
          name = "Log4JRCE_HEADER"
          action_to_use {
            count {}
          }
        }"#;
        let review = hcl(&[
            acl("empty", "allow", ""),
            acl("empty_block", "block", ""),
            acl(
                "protected",
                "allow",
                &[
                    managed(common, 1, "none", ""),
                    managed(bad_inputs, 2, "none", ""),
                ]
                .concat(),
            ),
            acl("counting", "allow", &managed(bad_inputs, 1, "count", "")),
            acl(
                "log4j_counted",
                "block",
                &managed(bad_inputs, 1, "none", log4j_counted),
            ),
            acl(
                "variable",
                "allow",
                r#"
  dynamic "rule" {
    for_each = var.rules
    content {
      name     = rule.value
      priority = 1
    }
  }"#,
            ),
            r#"
resource "aws_wafv2_web_acl_logging_configuration" "protected" {
  resource_arn            = aws_wafv2_web_acl.protected.arn
  log_destination_configs = ["arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-protected"]
}
"#
            .to_owned(),
        ]
        .concat());
        assert_eq!(
            flagged(&review, "RG-AWS-WAF-001"),
            ["aws_wafv2_web_acl.empty"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-WAF-001"),
            ["aws_wafv2_web_acl.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-WAF-002"),
            [
                "aws_wafv2_web_acl.empty",
                "aws_wafv2_web_acl.empty_block",
                "aws_wafv2_web_acl.counting",
                "aws_wafv2_web_acl.log4j_counted"
            ]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-WAF-002"),
            ["aws_wafv2_web_acl.variable"]
        );
        assert_eq!(
            flagged(&review, "RG-AWS-WAF-003"),
            ["aws_wafv2_web_acl.empty", "aws_wafv2_web_acl.counting"]
        );
        let mut unlogged = flagged(&review, "RG-AWS-WAF-004");
        unlogged.sort();
        assert_eq!(
            unlogged,
            [
                "aws_wafv2_web_acl.counting",
                "aws_wafv2_web_acl.empty",
                "aws_wafv2_web_acl.empty_block",
                "aws_wafv2_web_acl.log4j_counted",
                "aws_wafv2_web_acl.variable"
            ]
        );
        assert!(flagged(&review, "RG-AWS-WAF-005").is_empty());
        assert_eq!(
            flagged(&review, "RG-AWS-WAF-006"),
            ["aws_wafv2_web_acl.counting"]
        );
    }

    #[test]
    fn visibility_settings() {
        let review = hcl(r#"
resource "aws_wafv2_web_acl" "dark" {
  name  = "dark"
  scope = "CLOUDFRONT"
  default_action {
    block {}
  }
  visibility_config {
    cloudwatch_metrics_enabled = false
    metric_name                = "dark"
    sampled_requests_enabled   = true
  }
}
resource "aws_wafv2_web_acl" "variable" {
  name  = "variable"
  scope = "CLOUDFRONT"
  default_action {
    block {}
  }
  visibility_config {
    cloudwatch_metrics_enabled = var.metrics
    metric_name                = "variable"
    sampled_requests_enabled   = true
  }
}
"#);
        assert_eq!(
            flagged(&review, "RG-AWS-WAF-005"),
            ["aws_wafv2_web_acl.dark"]
        );
        assert_eq!(
            undecided(&review, "RG-AWS-WAF-005"),
            ["aws_wafv2_web_acl.variable"]
        );
    }
}
