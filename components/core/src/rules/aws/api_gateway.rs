//! API Gateway: REST API (v1) stages, methods, method settings and custom domain
//! names; HTTP and WebSocket API (v2) stages and routes.
//!
//! Method settings (`aws_api_gateway_method_settings`) hold caching and logging for
//! one stage, so the cache and trace rules judge them there; a stage without any
//! method settings keeps caching and data tracing off, which is the safe side.

use super::controls::ACTIVITY_LOG;
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{is_managed, single_block};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

const AUTHENTICATION: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("nist-800-53-r5", &["AC-3", "IA-2"]),
    ("nist-csf-2.0", &["PR.AA-03"]),
];

const STAGES: &[&str] = &["aws_api_gateway_stage", "aws_apigatewayv2_stage"];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-001",
            title: "API Gateway stage has no access logging",
            severity: Severity::Medium,
            description: "Without `access_log_settings` a stage (REST, HTTP or WebSocket) writes no record of who called which route, from where, with what result: abuse of the API and the source of an incident cannot be traced. Access logging is off unless the block names a destination.",
            remediation: "Add `access_log_settings { destination_arn = aws_cloudwatch_log_group.api.arn format = jsonencode({...}) }` to the stage.",
            aliases: &["AWS-0001", "AVD-AWS-0001", "CKV_AWS_76"],
            frameworks: ACTIVITY_LOG,
            resource_types: STAGES,
        },
        check: check_stage_access_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-002",
            title: "API Gateway method settings cache responses unencrypted",
            severity: Severity::Medium,
            description: "When `settings.caching_enabled` is true, cached responses (which may hold personal data or tokens) are stored in the stage's cache cluster; `cache_data_encrypted` defaults to false, so they are kept unencrypted at rest.",
            remediation: "Set `cache_data_encrypted = true` in the `settings` block wherever `caching_enabled = true`.",
            aliases: &["AWS-0002", "AVD-AWS-0002", "CKV_AWS_308"],
            frameworks: &[
                ("soc2", &["CC6.1"]),
                ("pci-dss-4.0", &["3.5.1"]),
                ("hipaa", &["164.312(a)(2)(iv)"]),
                ("nist-800-53-r5", &["SC-28"]),
                ("nist-csf-2.0", &["PR.DS-01"]),
            ],
            resource_types: &["aws_api_gateway_method_settings"],
        },
        check: check_cache_encryption,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-003",
            title: "API Gateway REST API stage does not have X-Ray tracing enabled",
            severity: Severity::Low,
            description: "`xray_tracing_enabled` defaults to false: requests through the stage are not traced, so latency, errors and unexpected callers across the services behind the API cannot be followed.",
            remediation: "Set `xray_tracing_enabled = true` on the `aws_api_gateway_stage`.",
            aliases: &["AWS-0003", "AVD-AWS-0003", "CKV_AWS_73"],
            frameworks: &[("soc2", &["CC7.2"]), ("nist-800-53-r5", &["AU-12"])],
            resource_types: &["aws_api_gateway_stage"],
        },
        check: check_stage_tracing,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-004",
            title: "API Gateway method requires neither authorization nor an API key",
            severity: Severity::High,
            description: "A REST API method with `authorization = \"NONE\"` and `api_key_required` unset (false) can be invoked by anyone who can reach the stage, and its backend runs for them. CORS preflight (`OPTIONS`) methods are exempt: browsers send them without credentials.",
            remediation: "Set `authorization` to `AWS_IAM`, `COGNITO_USER_POOLS` or `CUSTOM` (with `authorizer_id`), or at least `api_key_required = true` with a usage plan.",
            aliases: &["AWS-0004", "AVD-AWS-0004", "CKV_AWS_59"],
            frameworks: AUTHENTICATION,
            resource_types: &["aws_api_gateway_method"],
        },
        check: check_method_authorization,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-005",
            title: "API Gateway custom domain allows TLS 1.0",
            severity: Severity::High,
            description: "A custom domain name with `security_policy = \"TLS_1_0\"` accepts TLS 1.0 and 1.1, which have known weaknesses and are not allowed for cardholder data. Left unset, the domain gets API Gateway's legacy default, TLS_1_0, the policy its default edge-optimized and Regional endpoints also use.",
            remediation: "Set `security_policy = \"TLS_1_2\"` (or one of the `SecurityPolicy_TLS13_*` / `SecurityPolicy_TLS12_*` enhanced policies).",
            aliases: &["AWS-0005", "AVD-AWS-0005", "CKV_AWS_206"],
            frameworks: &[
                ("soc2", &["CC6.7"]),
                ("pci-dss-4.0", &["4.2.1"]),
                ("hipaa", &["164.312(e)(1)"]),
                ("nist-800-53-r5", &["SC-8", "SC-13"]),
                ("nist-csf-2.0", &["PR.DS-02"]),
            ],
            resource_types: &["aws_api_gateway_domain_name"],
        },
        check: check_domain_tls_policy,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-006",
            title: "API Gateway method settings do not enable response caching",
            severity: Severity::Low,
            description: "`settings.caching_enabled` defaults to false: every request reaches the backend, so a burst of calls (or a deliberate flood) is passed on in full to the integrations behind the API.",
            remediation: "Set `caching_enabled = true` (with `cache_data_encrypted = true`) in the `settings` block, and `cache_cluster_enabled = true` on the stage.",
            aliases: &["AWS-0190", "AVD-AWS-0190"],
            frameworks: &[("soc2", &["A1.1"])],
            resource_types: &["aws_api_gateway_method_settings"],
        },
        check: check_caching_enabled,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-007",
            title: "API Gateway REST API stage is not protected by a WAF web ACL",
            severity: Severity::Medium,
            description: "A REST API stage with no web ACL associated (`aws_wafv2_web_acl_association` or `aws_wafregional_web_acl_association` whose `resource_arn` is the stage) has no filtering of injection payloads, known bad inputs or request floods in front of its backend. An association made outside this change cannot be seen.",
            remediation: "Add an `aws_wafv2_web_acl_association` with `resource_arn = aws_api_gateway_stage.<name>.arn` and a regional web ACL.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.6"]),
                ("pci-dss-4.0", &["6.4.2"]),
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_api_gateway_stage"],
        },
        check: check_stage_waf,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-008",
            title: "API Gateway REST API stage has no client certificate for its backend",
            severity: Severity::Low,
            description: "Without `client_certificate_id` the stage presents no certificate to HTTP integrations, so a backend cannot tell requests that came through API Gateway (and its authorization) from requests sent to it directly.",
            remediation: "Create an `aws_api_gateway_client_certificate`, set `client_certificate_id` on the stage, and have the backend require that certificate.",
            aliases: &[],
            frameworks: &[("soc2", &["CC6.1"]), ("nist-800-53-r5", &["IA-3"])],
            resource_types: &["aws_api_gateway_stage"],
        },
        check: check_stage_client_certificate,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-009",
            title: "API Gateway method settings log full requests and responses",
            severity: Severity::Medium,
            description: "`settings.data_trace_enabled = true` writes whole request and response bodies and headers into CloudWatch Logs: passwords, tokens and personal data sent to the API end up in log groups readable by everyone with log access.",
            remediation: "Set `data_trace_enabled = false` (keep `logging_level = \"INFO\"` or `\"ERROR\"` for execution logs), and use access logging for who-called-what.",
            aliases: &["CKV_AWS_276"],
            frameworks: &[("soc2", &["CC6.1"]), ("nist-800-53-r5", &["AU-3(3)"])],
            resource_types: &["aws_api_gateway_method_settings"],
        },
        check: check_data_trace,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-APIGW-010",
            title: "API Gateway v2 route has no authorization",
            severity: Severity::High,
            description: "`authorization_type` defaults to \"NONE\": anyone who can reach the HTTP API can invoke the route (or, for a WebSocket API, open a connection through `$connect`). WebSocket routes other than `$connect` cannot carry authorization and are not checked; CORS preflight (`OPTIONS`) routes are exempt.",
            remediation: "Set `authorization_type` to `AWS_IAM`, `JWT` or `CUSTOM` with an `authorizer_id`.",
            aliases: &["CKV_AWS_309"],
            frameworks: AUTHENTICATION,
            resource_types: &["aws_apigatewayv2_route"],
        },
        check: check_route_authorization,
    },
];

/// The `settings` block of a method settings resource.
fn method_settings(resource: &Resource) -> Tri<&crate::value::ValueMap> {
    single_block(resource.attributes.get("settings"))
}

fn check_stage_access_logging(stage: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match single_block(stage.attributes.get("access_log_settings")) {
        Tri::Unknown => out.cannot_tell("`access_log_settings` is known only after apply"),
        Tri::Missing => out.fail(
            format!(
                "stage `{}` has no access logging (`access_log_settings` is not set)",
                stage.address
            ),
            None,
        ),
        Tri::Known(settings) => {
            if Tri::non_empty_str(settings.get("destination_arn")) == Tri::Missing {
                out.fail(
                    format!(
                        "stage `{}` has `access_log_settings` without a `destination_arn`",
                        stage.address
                    ),
                    Some("access_log_settings"),
                );
            }
        }
    }
}

fn check_cache_encryption(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let settings = match method_settings(resource) {
        Tri::Known(settings) => settings,
        Tri::Missing => return,
        Tri::Unknown => return out.cannot_tell("`settings` is known only after apply"),
    };
    let caching = Tri::bool(settings.get("caching_enabled")).or_default_value(false);
    let encrypted = Tri::bool(settings.get("cache_data_encrypted")).or_default_value(false);
    match caching.and(|| !encrypted) {
        Tri::Known(true) => out.fail(
            format!(
                "method settings `{}` cache responses without encryption (`cache_data_encrypted` is not true)",
                resource.address
            ),
            Some("settings.0.cache_data_encrypted"),
        ),
        Tri::Unknown => out.cannot_tell("the cache settings are known only after apply"),
        _ => {}
    }
}

fn check_caching_enabled(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let settings = match method_settings(resource) {
        Tri::Known(settings) => settings,
        Tri::Missing => {
            return out.fail(
                format!(
                    "method settings `{}` do not enable caching (no `settings` block)",
                    resource.address
                ),
                None,
            );
        }
        Tri::Unknown => return out.cannot_tell("`settings` is known only after apply"),
    };
    match Tri::bool(settings.get("caching_enabled")).or_default_value(false) {
        Tri::Known(false) => out.fail(
            format!(
                "method settings `{}` do not enable response caching (`caching_enabled` defaults to false)",
                resource.address
            ),
            Some("settings.0.caching_enabled"),
        ),
        Tri::Unknown => out.cannot_tell("`caching_enabled` is known only after apply"),
        _ => {}
    }
}

fn check_data_trace(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let settings = match method_settings(resource) {
        Tri::Known(settings) => settings,
        Tri::Missing => return,
        Tri::Unknown => return out.cannot_tell("`settings` is known only after apply"),
    };
    match Tri::bool(settings.get("data_trace_enabled")) {
        Tri::Known(true) => out.fail(
            format!(
                "method settings `{}` log full request and response data (`data_trace_enabled = true`)",
                resource.address
            ),
            Some("settings.0.data_trace_enabled"),
        ),
        Tri::Unknown => out.cannot_tell("`data_trace_enabled` is known only after apply"),
        _ => {}
    }
}

fn check_stage_tracing(stage: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::bool(stage.attributes.get("xray_tracing_enabled")) {
        Tri::Known(true) => {}
        Tri::Unknown => out.cannot_tell("`xray_tracing_enabled` is known only after apply"),
        Tri::Known(false) => out.fail(
            format!("stage `{}` has X-Ray tracing disabled", stage.address),
            Some("xray_tracing_enabled"),
        ),
        Tri::Missing => out.fail(
            format!(
                "stage `{}` does not enable X-Ray tracing (`xray_tracing_enabled` defaults to false)",
                stage.address
            ),
            None,
        ),
    }
}

/// The HTTP methods API Gateway accepts; anything else is refused at apply, so it
/// exposes nothing.
const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "ANY"];

fn check_method_authorization(method: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let http_method = Tri::str(method.attributes.get("http_method"));
    if let Tri::Known(name) = http_method
        && !HTTP_METHODS.contains(&name)
    {
        return;
    }
    let open = Tri::str(method.attributes.get("authorization"))
        .map(|a| a.eq_ignore_ascii_case("NONE"))
        .and(|| !Tri::bool(method.attributes.get("api_key_required")));
    match open {
        Tri::Known(true) if http_method.is_unknown() => {
            out.cannot_tell("the method is open, and whether it is an OPTIONS preflight is known only after apply")
        }
        Tri::Known(true) => out.fail(
            format!(
                "method `{}` has `authorization = \"NONE\"` and requires no API key: anyone can call it",
                method.address
            ),
            Some("authorization"),
        ),
        Tri::Unknown => out.cannot_tell("the method's authorization is known only after apply"),
        _ => {}
    }
}

/// Security policies that allow only TLS 1.2 or later: the legacy `TLS_1_2` and the
/// enhanced `SecurityPolicy_TLS12_*` / `SecurityPolicy_TLS13_*` families.
fn tls_policy_is_modern(policy: &str) -> Option<bool> {
    if policy == "TLS_1_2"
        || policy.starts_with("SecurityPolicy_TLS12")
        || policy.starts_with("SecurityPolicy_TLS13")
    {
        Some(true)
    } else if policy == "TLS_1_0" {
        Some(false)
    } else {
        None
    }
}

fn check_domain_tls_policy(domain: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::non_empty_str(domain.attributes.get("security_policy")) {
        Tri::Known(policy) => match tls_policy_is_modern(policy) {
            Some(true) => {}
            Some(false) => out.fail(
                format!(
                    "custom domain `{}` allows TLS 1.0 (`security_policy = \"{policy}\"`)",
                    domain.address
                ),
                Some("security_policy"),
            ),
            None => out.cannot_tell(format!(
                "`security_policy` \"{policy}\" is not a policy reviewgate knows"
            )),
        },
        Tri::Unknown => out.cannot_tell("`security_policy` is known only after apply"),
        Tri::Missing => out.fail(
            format!(
                "custom domain `{}` does not set `security_policy`, so it gets the legacy default TLS_1_0",
                domain.address
            ),
            None,
        ),
    }
}

fn check_stage_waf(stage: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let mut unresolved = false;
    for association in [
        "aws_wafv2_web_acl_association",
        "aws_wafregional_web_acl_association",
    ] {
        let found = ctx.referencing(stage, association, "resource_arn");
        if found.definite.iter().any(|r| is_managed(r)) {
            return;
        }
        unresolved |= found.unresolved;
    }
    if unresolved {
        out.cannot_tell("a web ACL association's `resource_arn` is known only after apply");
    } else {
        out.fail(
            format!(
                "stage `{}` has no WAF web ACL associated with it",
                stage.address
            ),
            None,
        );
    }
}

fn check_stage_client_certificate(stage: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    if Tri::non_empty_str(stage.attributes.get("client_certificate_id")) == Tri::Missing {
        out.fail(
            format!(
                "stage `{}` has no `client_certificate_id` for its backend",
                stage.address
            ),
            None,
        );
    }
}

/// The route keys API Gateway v2 reserves for WebSocket connections; only
/// `$connect` can carry an authorizer.
const WEBSOCKET_ROUTES_WITHOUT_AUTH: &[&str] = &["$disconnect"];

fn check_route_authorization(route: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let key = match Tri::str(route.attributes.get("route_key")) {
        Tri::Known(key) => key,
        Tri::Unknown => return out.cannot_tell("`route_key` is known only after apply"),
        Tri::Missing => return,
    };
    if WEBSOCKET_ROUTES_WITHOUT_AUTH.contains(&key) || key.starts_with("OPTIONS ") {
        return;
    }
    // "GET /items" and "$default" exist on HTTP APIs; on a WebSocket API only
    // "$connect" takes authorization, and custom keys ("sendMessage") are WebSocket.
    let http_style = key.contains(' ');
    if !http_style && key != "$connect" {
        let protocol = ctx
            .resolve(route, route.attributes.get("api_id"))
            .filter(|api| api.resource_type() == "aws_apigatewayv2_api")
            .map(|api| Tri::str(api.attributes.get("protocol_type")));
        match protocol {
            Some(Tri::Known("HTTP")) if key == "$default" => {}
            Some(Tri::Known(_)) => return,
            _ if key == "$default" => {
                return out.cannot_tell(
                    "whether the `$default` route belongs to an HTTP API is not known",
                );
            }
            _ => return,
        }
    }
    match Tri::str(route.attributes.get("authorization_type")).or_default_value("NONE") {
        Tri::Known(kind) if kind.eq_ignore_ascii_case("NONE") => out.fail(
            format!(
                "route `{}` (`{key}`) has no authorization (`authorization_type` is \"NONE\")",
                route.address
            ),
            if route.attributes.contains_key("authorization_type") {
                Some("authorization_type")
            } else {
                None
            },
        ),
        Tri::Unknown => out.cannot_tell("`authorization_type` is known only after apply"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn stage_access_logging() {
        let r = hcl(r#"
resource "aws_api_gateway_stage" "bare" {
  stage_name = "prod"
}
resource "aws_apigatewayv2_stage" "bare" {
  name = "prod"
}
resource "aws_api_gateway_stage" "logged" {
  stage_name = "prod"
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format          = "json"
  }
}
resource "aws_apigatewayv2_stage" "later" {
  name = "prod"
  dynamic "access_log_settings" {
    for_each = var.logs
    content {
      destination_arn = access_log_settings.value
    }
  }
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-001"),
            ["aws_api_gateway_stage.bare", "aws_apigatewayv2_stage.bare"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-APIGW-001"),
            ["aws_apigatewayv2_stage.later"]
        );
    }

    #[test]
    fn cache_encryption_and_caching() {
        let r = hcl(r#"
resource "aws_api_gateway_method_settings" "plain_cache" {
  method_path = "*/*"
  settings { caching_enabled = true }
}
resource "aws_api_gateway_method_settings" "encrypted" {
  method_path = "*/*"
  settings {
    caching_enabled      = true
    cache_data_encrypted = true
  }
}
resource "aws_api_gateway_method_settings" "no_cache" {
  method_path = "*/*"
  settings { metrics_enabled = true }
}
resource "aws_api_gateway_method_settings" "maybe" {
  method_path = "*/*"
  settings { caching_enabled = var.cache }
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-002"),
            ["aws_api_gateway_method_settings.plain_cache"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-APIGW-002"),
            ["aws_api_gateway_method_settings.maybe"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-006"),
            ["aws_api_gateway_method_settings.no_cache"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-APIGW-006"),
            ["aws_api_gateway_method_settings.maybe"]
        );
    }

    #[test]
    fn data_trace() {
        let r = hcl(r#"
resource "aws_api_gateway_method_settings" "traced" {
  method_path = "*/*"
  settings { data_trace_enabled = true }
}
resource "aws_api_gateway_method_settings" "default" {
  method_path = "*/*"
  settings { logging_level = "INFO" }
}
resource "aws_api_gateway_method_settings" "unknown" {
  method_path = "*/*"
  settings { data_trace_enabled = var.trace }
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-009"),
            ["aws_api_gateway_method_settings.traced"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-APIGW-009"),
            ["aws_api_gateway_method_settings.unknown"]
        );
    }

    #[test]
    fn stage_tracing_and_client_certificate() {
        let r = hcl(r#"
resource "aws_api_gateway_stage" "default" {
  stage_name = "a"
}
resource "aws_api_gateway_stage" "off" {
  stage_name           = "b"
  xray_tracing_enabled = false
}
resource "aws_api_gateway_stage" "on" {
  stage_name            = "c"
  xray_tracing_enabled  = true
  client_certificate_id = aws_api_gateway_client_certificate.c.id
}
resource "aws_api_gateway_stage" "later" {
  stage_name           = "d"
  xray_tracing_enabled = var.tracing
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-003"),
            ["aws_api_gateway_stage.default", "aws_api_gateway_stage.off"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-APIGW-003"),
            ["aws_api_gateway_stage.later"]
        );
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-008"),
            [
                "aws_api_gateway_stage.default",
                "aws_api_gateway_stage.off",
                "aws_api_gateway_stage.later"
            ]
        );
    }

    #[test]
    fn method_authorization() {
        let r = hcl(r#"
resource "aws_api_gateway_method" "open" {
  http_method   = "GET"
  authorization = "NONE"
}
resource "aws_api_gateway_method" "iam" {
  http_method   = "GET"
  authorization = "AWS_IAM"
}
resource "aws_api_gateway_method" "key" {
  http_method      = "POST"
  authorization    = "NONE"
  api_key_required = true
}
resource "aws_api_gateway_method" "preflight" {
  http_method   = "OPTIONS"
  authorization = "NONE"
}
resource "aws_api_gateway_method" "chosen" {
  http_method   = "GET"
  authorization = var.authorization
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-004"),
            ["aws_api_gateway_method.open"]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-APIGW-004"),
            ["aws_api_gateway_method.chosen"]
        );
    }

    #[test]
    fn domain_tls_policy() {
        let r = hcl(r#"
resource "aws_api_gateway_domain_name" "old" {
  domain_name     = "a.example.com"
  security_policy = "TLS_1_0"
}
resource "aws_api_gateway_domain_name" "default" {
  domain_name = "b.example.com"
}
resource "aws_api_gateway_domain_name" "modern" {
  domain_name     = "c.example.com"
  security_policy = "TLS_1_2"
}
resource "aws_api_gateway_domain_name" "enhanced" {
  domain_name     = "d.example.com"
  security_policy = "SecurityPolicy_TLS13_1_3_2025_09"
}
resource "aws_api_gateway_domain_name" "chosen" {
  domain_name     = "e.example.com"
  security_policy = var.policy
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-005"),
            [
                "aws_api_gateway_domain_name.old",
                "aws_api_gateway_domain_name.default"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-APIGW-005"),
            ["aws_api_gateway_domain_name.chosen"]
        );
    }

    #[test]
    fn stage_waf_association() {
        let r = hcl(r#"
resource "aws_api_gateway_stage" "protected" {
  stage_name = "a"
}
resource "aws_wafv2_web_acl_association" "a" {
  resource_arn = aws_api_gateway_stage.protected.arn
  web_acl_arn  = aws_wafv2_web_acl.main.arn
}
resource "aws_api_gateway_stage" "bare" {
  stage_name = "b"
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-007"),
            ["aws_api_gateway_stage.bare"]
        );
        assert!(undecided(&r, "RG-AWS-APIGW-007").is_empty());
    }

    #[test]
    fn v2_route_authorization() {
        let r = hcl(r#"
resource "aws_apigatewayv2_api" "http" {
  name          = "h"
  protocol_type = "HTTP"
}
resource "aws_apigatewayv2_api" "ws" {
  name          = "w"
  protocol_type = "WEBSOCKET"
}
resource "aws_apigatewayv2_route" "open" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /items"
}
resource "aws_apigatewayv2_route" "jwt" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "POST /items"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.a.id
}
resource "aws_apigatewayv2_route" "http_default" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "$default"
}
resource "aws_apigatewayv2_route" "ws_connect" {
  api_id    = aws_apigatewayv2_api.ws.id
  route_key = "$connect"
}
resource "aws_apigatewayv2_route" "ws_message" {
  api_id    = aws_apigatewayv2_api.ws.id
  route_key = "sendMessage"
}
resource "aws_apigatewayv2_route" "ws_default" {
  api_id    = aws_apigatewayv2_api.ws.id
  route_key = "$default"
}
resource "aws_apigatewayv2_route" "elsewhere" {
  api_id    = var.api_id
  route_key = "$default"
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-APIGW-010"),
            [
                "aws_apigatewayv2_route.open",
                "aws_apigatewayv2_route.http_default",
                "aws_apigatewayv2_route.ws_connect"
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-APIGW-010"),
            ["aws_apigatewayv2_route.elsewhere"]
        );
    }
}
