//! The edge of an AWS application: CloudFront distributions and Elastic Load
//! Balancing (application, network and gateway load balancers, their listeners,
//! and classic ELBs).
//!
//! `aws_alb` and `aws_alb_listener` are the provider's older names for `aws_lb` and
//! `aws_lb_listener`; every rule accepts both.

use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::{blocks, lookup};
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::{Value, ValueMap};

const LOAD_BALANCERS: &[&str] = &["aws_lb", "aws_alb"];
const LISTENERS: &[&str] = &["aws_lb_listener", "aws_alb_listener"];

/// What `ssl_policy` is when an HTTPS/TLS listener does not set it (provider docs).
const DEFAULT_ELB_SSL_POLICY: &str = "ELBSecurityPolicy-2016-08";

/// What `minimum_protocol_version` is when a distribution does not set it.
const DEFAULT_CLOUDFRONT_TLS: &str = "TLSv1";

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CF-001",
            title: "CloudFront distribution allows unencrypted HTTP",
            severity: Severity::Critical,
            description: "A cache behavior with `viewer_protocol_policy = \"allow-all\"` serves viewers over plain HTTP, so content, cookies and credentials can be read and altered in transit.",
            remediation: "Set `viewer_protocol_policy` to `redirect-to-https` or `https-only` on the default and every ordered cache behavior.",
            aliases: &["AWS-0012", "AVD-AWS-0012", "CKV_AWS_34"],
            frameworks: &[
                ("soc2", &["CC6.7"]),
                ("pci-dss-4.0", &["4.2.1"]),
                ("hipaa", &["164.312(e)(1)"]),
                ("nist-800-53-r5", &["SC-8"]),
                ("nist-csf-2.0", &["PR.DS-02"]),
            ],
            resource_types: &["aws_cloudfront_distribution"],
        },
        check: check_cloudfront_https,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CF-002",
            title: "CloudFront distribution allows outdated TLS",
            severity: Severity::High,
            description: "With a custom certificate, `minimum_protocol_version` decides which TLS versions and ciphers viewers may negotiate. Anything older than `TLSv1.2_2021` allows TLS 1.0/1.1 or weak ciphers; the provider default is `TLSv1`. (The `*.cloudfront.net` default certificate always allows TLSv1 and is not checked.)",
            remediation: "Set `viewer_certificate { minimum_protocol_version = \"TLSv1.2_2021\" }` (or `TLSv1.2_2025` / `TLSv1.3_2025`).",
            aliases: &["AWS-0013", "AVD-AWS-0013"],
            frameworks: &[
                ("soc2", &["CC6.7"]),
                ("pci-dss-4.0", &["4.2.1"]),
                ("hipaa", &["164.312(e)(1)"]),
                ("nist-800-53-r5", &["SC-8", "SC-13"]),
                ("nist-csf-2.0", &["PR.DS-02"]),
            ],
            resource_types: &["aws_cloudfront_distribution"],
        },
        check: check_cloudfront_tls,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CF-003",
            title: "CloudFront distribution has no access logging",
            severity: Severity::Medium,
            description: "Without access logs there is no record of who requested what from the distribution, which leaves attacks and data leaks uninvestigable.",
            remediation: "Add `logging_config { bucket = \"<bucket>.s3.amazonaws.com\" }`, or standard logging v2: an `aws_cloudwatch_log_delivery_source` (`log_type = \"ACCESS_LOGS\"`) for the distribution with an `aws_cloudwatch_log_delivery`.",
            aliases: &["AWS-0010", "AVD-AWS-0010", "CKV_AWS_86"],
            frameworks: &[
                ("soc2", &["CC7.2"]),
                ("pci-dss-4.0", &["10.2.1"]),
                ("nist-800-53-r5", &["AU-2", "AU-12"]),
                ("nist-csf-2.0", &["PR.PS-04"]),
            ],
            resource_types: &["aws_cloudfront_distribution"],
        },
        check: check_cloudfront_logging,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-CF-004",
            title: "CloudFront distribution has no WAF",
            severity: Severity::High,
            description: "A distribution without a web ACL passes every request — injection attempts, bots, layer-7 floods — straight to the origin.",
            remediation: "Associate an AWS WAF web ACL (`aws_wafv2_web_acl` with `scope = \"CLOUDFRONT\"`) through `web_acl_id`.",
            aliases: &["AWS-0011", "AVD-AWS-0011", "CKV_AWS_68"],
            frameworks: &[
                ("pci-dss-4.0", &["6.4.2"]),
                ("nist-800-53-r5", &["SC-7", "SI-4"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_cloudfront_distribution"],
        },
        check: check_cloudfront_waf,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ELB-001",
            title: "Load balancer listener uses plain HTTP",
            severity: Severity::Critical,
            description: "An HTTP listener that forwards (rather than redirects to HTTPS) carries requests, session cookies and credentials unencrypted between clients and the load balancer.",
            remediation: "Use `protocol = \"HTTPS\"` with a certificate, or make the HTTP listener's default action a redirect with `redirect { protocol = \"HTTPS\" }`.",
            aliases: &["AWS-0054", "AVD-AWS-0054", "CKV_AWS_2"],
            frameworks: &[
                ("soc2", &["CC6.7"]),
                ("pci-dss-4.0", &["4.2.1"]),
                ("hipaa", &["164.312(e)(1)"]),
                ("nist-800-53-r5", &["SC-8"]),
                ("nist-csf-2.0", &["PR.DS-02"]),
            ],
            resource_types: LISTENERS,
        },
        check: check_listener_http,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ELB-002",
            title: "Load balancer listener uses an outdated TLS policy",
            severity: Severity::Critical,
            description: "The listener's `ssl_policy` allows TLS 1.0/1.1 or weak ciphers. An HTTPS/TLS listener without `ssl_policy` gets `ELBSecurityPolicy-2016-08`, which allows TLS 1.0.",
            remediation: "Set `ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"` (or another TLS 1.2+ policy).",
            aliases: &["AWS-0047", "AVD-AWS-0047"],
            frameworks: &[
                ("soc2", &["CC6.7"]),
                ("pci-dss-4.0", &["4.2.1"]),
                ("hipaa", &["164.312(e)(1)"]),
                ("nist-800-53-r5", &["SC-8", "SC-13"]),
                ("nist-csf-2.0", &["PR.DS-02"]),
            ],
            resource_types: LISTENERS,
        },
        check: check_listener_tls,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ELB-003",
            title: "Load balancer is exposed to the internet",
            severity: Severity::High,
            description: "The load balancer is internet-facing (`internal` defaults to false). That is right for a public entry point, but an internal service put behind a public load balancer by mistake is reachable by anyone.",
            remediation: "Set `internal = true` unless the load balancer is meant to serve the internet; if it is, suppress the finding with a reason.",
            aliases: &["AWS-0053", "AVD-AWS-0053"],
            frameworks: &[
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_lb", "aws_alb", "aws_elb"],
        },
        check: check_lb_public,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ELB-004",
            title: "Application load balancer does not drop invalid headers",
            severity: Severity::High,
            description: "Unless `drop_invalid_header_fields` is true (the default is false), an application load balancer forwards malformed HTTP header fields to targets, enabling request smuggling and header injection against them.",
            remediation: "Set `drop_invalid_header_fields = true` on the application load balancer.",
            aliases: &["AWS-0052", "AVD-AWS-0052", "CKV_AWS_131"],
            frameworks: &[("nist-800-53-r5", &["SI-10"])],
            resource_types: LOAD_BALANCERS,
        },
        check: check_alb_drop_invalid_headers,
    },
];

// ---------------------------------------------------------------------------
// CloudFront
// ---------------------------------------------------------------------------

/// Every cache behavior must refuse or redirect plain HTTP.
fn check_cloudfront_https(dist: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    for key in ["default_cache_behavior", "ordered_cache_behavior"] {
        if dist.attributes.get(key).is_some_and(Value::is_unknown) {
            out.cannot_tell(format!("the `{key}` blocks are not known statically"));
        }
        for (i, behavior) in blocks(dist.attributes.get(key)).into_iter().enumerate() {
            match Tri::str(behavior.get("viewer_protocol_policy")) {
                Tri::Known(policy) if policy.eq_ignore_ascii_case("allow-all") => {
                    let which = match Tri::str(behavior.get("path_pattern")) {
                        Tri::Known(pattern) => format!("cache behavior for `{pattern}`"),
                        _ if key == "default_cache_behavior" => "default cache behavior".to_owned(),
                        _ => format!("ordered cache behavior {}", i + 1),
                    };
                    out.fail(
                        format!(
                            "distribution `{}` allows plain HTTP in its {which} (`viewer_protocol_policy = \"allow-all\"`)",
                            dist.address
                        ),
                        Some(&format!("{key}.{i}.viewer_protocol_policy")),
                    );
                }
                Tri::Unknown => out.cannot_tell(format!(
                    "`{key}` viewer_protocol_policy is not known statically"
                )),
                _ => {}
            }
        }
    }
}

/// TLS 1.2 with the 2021 cipher suite or later (`TLSv1.2_2021`, `TLSv1.2_2025`,
/// `TLSv1.3_2025`, and future ones of the same form).
fn is_modern_cloudfront_tls(version: &str) -> bool {
    let Some(rest) = version.strip_prefix("TLSv") else {
        return false;
    };
    let (number, year) = rest.split_once('_').unwrap_or((rest, ""));
    let year: u32 = year.parse().unwrap_or(0);
    match number.split_once('.') {
        Some(("1", minor)) => match minor.parse::<u32>() {
            Ok(2) => year >= 2021,
            Ok(m) => m >= 3,
            Err(_) => false,
        },
        Some((major, _)) => major.parse::<u32>().is_ok_and(|m| m >= 2),
        None => false,
    }
}

/// Custom-certificate distributions must require TLS 1.2 (2021 ciphers) or later.
fn check_cloudfront_tls(dist: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    if dist
        .attributes
        .get("viewer_certificate")
        .is_some_and(Value::is_unknown)
    {
        out.cannot_tell("the `viewer_certificate` block is not known statically");
        return;
    }
    // `viewer_certificate` is required; a configuration without it is rejected by
    // the provider, so there is nothing to judge.
    let Some(certificate) = blocks(dist.attributes.get("viewer_certificate"))
        .into_iter()
        .next()
    else {
        return;
    };
    let default_certificate =
        Tri::bool(certificate.get("cloudfront_default_certificate")).or_default_value(false);
    if default_certificate == Tri::Known(true) {
        // The *.cloudfront.net certificate only supports the TLSv1 policy.
        return;
    }
    let version = Tri::str(certificate.get("minimum_protocol_version"))
        .or_default_value(DEFAULT_CLOUDFRONT_TLS);
    match version {
        Tri::Known(v) if is_modern_cloudfront_tls(v) => {}
        Tri::Known(_) if default_certificate.is_unknown() => out.cannot_tell(
            "whether the distribution uses the default CloudFront certificate is not known statically",
        ),
        Tri::Known(v) => {
            let (how, path) = if certificate.contains_key("minimum_protocol_version") {
                ("", Some("viewer_certificate.0.minimum_protocol_version"))
            } else {
                (" (the provider default)", Some("viewer_certificate"))
            };
            out.fail(
                format!(
                    "distribution `{}` accepts viewers down to `{v}`{how}; require `TLSv1.2_2021` or later",
                    dist.address
                ),
                path,
            );
        }
        Tri::Unknown | Tri::Missing => {
            out.cannot_tell("`minimum_protocol_version` is not known statically");
        }
    }
}

/// Logging is on with a `logging_config` bucket, or with standard logging v2: a
/// CloudWatch delivery source for the distribution's access logs that some delivery
/// consumes.
fn check_cloudfront_logging(dist: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let mut unknown = dist
        .attributes
        .get("logging_config")
        .is_some_and(Value::is_unknown);
    for config in blocks(dist.attributes.get("logging_config")) {
        match ctx.is_set(dist, config.get("bucket")) {
            Tri::Known(true) => return,
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }

    let sources = ctx.referencing(dist, "aws_cloudwatch_log_delivery_source", "resource_arn");
    unknown |= sources.unresolved;
    for source in &sources.definite {
        match Tri::str(source.attributes.get("log_type")) {
            Tri::Known(t) if t.eq_ignore_ascii_case("ACCESS_LOGS") => {}
            Tri::Unknown => {
                unknown = true;
                continue;
            }
            _ => continue,
        }
        let deliveries = ctx.referencing(
            source,
            "aws_cloudwatch_log_delivery",
            "delivery_source_name",
        );
        if !deliveries.definite.is_empty() {
            return;
        }
        unknown |= deliveries.unresolved;
    }

    if unknown {
        out.cannot_tell("the distribution's logging destination is not known statically");
    } else {
        out.fail(
            format!(
                "distribution `{}` has no access logging (no `logging_config` bucket and no CloudWatch log delivery)",
                dist.address
            ),
            Some("logging_config"),
        );
    }
}

/// A web ACL is attached through `web_acl_id` (CloudFront has no separate
/// association resource).
fn check_cloudfront_waf(dist: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match ctx.is_set(dist, dist.attributes.get("web_acl_id")) {
        Tri::Known(true) => {}
        Tri::Known(false) | Tri::Missing => out.fail(
            format!(
                "distribution `{}` has no WAF web ACL (`web_acl_id`)",
                dist.address
            ),
            Some("web_acl_id"),
        ),
        Tri::Unknown => out.cannot_tell("`web_acl_id` is not known statically"),
    }
}

// ---------------------------------------------------------------------------
// Elastic Load Balancing
// ---------------------------------------------------------------------------

/// The load balancer type, `application` when not set.
fn lb_type(lb: &Resource) -> Tri<&str> {
    Tri::str(lb.attributes.get("load_balancer_type")).or_default_value("application")
}

/// The protocol a listener serves. Without `protocol`, application load balancer
/// listeners serve HTTP; gateway listeners have no protocol at all, so the answer
/// depends on the load balancer.
fn listener_protocol(listener: &Resource, ctx: &Context<'_>) -> Tri<String> {
    match Tri::str(listener.attributes.get("protocol")) {
        Tri::Known(p) => Tri::Known(p.to_ascii_uppercase()),
        Tri::Unknown => Tri::Unknown,
        Tri::Missing => {
            let lb = ctx.resolve(listener, listener.attributes.get("load_balancer_arn"));
            match lb.map(lb_type) {
                Some(Tri::Known("application")) => Tri::Known("HTTP".to_owned()),
                Some(Tri::Known(_)) => Tri::Missing,
                _ => Tri::Unknown,
            }
        }
    }
}

/// Whether a listener action sends clients to HTTPS. A redirect without `protocol`
/// keeps the request's protocol (`#{protocol}`), i.e. stays on HTTP.
fn redirects_to_https(action: &ValueMap) -> Tri<bool> {
    match Tri::str(action.get("type")) {
        Tri::Known(t) if t.eq_ignore_ascii_case("redirect") => {}
        Tri::Known(_) | Tri::Missing => return Tri::Known(false),
        Tri::Unknown => return Tri::Unknown,
    }
    match Tri::str(lookup(action, "redirect.0.protocol")) {
        Tri::Known(p) => Tri::Known(p.eq_ignore_ascii_case("HTTPS")),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    }
}

/// HTTP listeners must only redirect to HTTPS.
fn check_listener_http(listener: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    match listener_protocol(listener, ctx) {
        Tri::Known(p) if p == "HTTP" => {}
        Tri::Known(_) | Tri::Missing => return,
        Tri::Unknown => {
            out.cannot_tell("the listener protocol is not known statically");
            return;
        }
    }
    if listener
        .attributes
        .get("default_action")
        .is_some_and(Value::is_unknown)
    {
        out.cannot_tell("the listener's default action is not known statically");
        return;
    }
    let mut unknown = false;
    for action in blocks(listener.attributes.get("default_action")) {
        match redirects_to_https(action) {
            Tri::Known(true) => return,
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        out.cannot_tell("whether the HTTP listener redirects to HTTPS is not known statically");
        return;
    }
    let (how, path) = if listener.attributes.contains_key("protocol") {
        ("", "protocol")
    } else {
        (" (the default for application load balancers)", "port")
    };
    out.fail(
        format!(
            "listener `{}` serves plain HTTP{how} without redirecting to HTTPS",
            listener.address
        ),
        Some(path),
    );
}

/// Predefined ELB policies that allow TLS 1.0/1.1 or the extended (CBC) cipher
/// lists, as Trivy's AWS-0047 lists them.
const OUTDATED_ELB_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-TLS-1-0-2015-04",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
];

/// Outdated: a listed policy, any policy whose name says it allows TLS 1.0 or 1.1
/// (`…-TLS13-1-0-…`, `…-TLS-1-1-…`, including FIPS and post-quantum variants), or a
/// generic dated policy (`ELBSecurityPolicy-2016-08`), which all allow TLS 1.0.
fn is_outdated_elb_policy(policy: &str) -> bool {
    if OUTDATED_ELB_POLICIES
        .iter()
        .any(|p| p.eq_ignore_ascii_case(policy))
    {
        return true;
    }
    let Some(rest) = policy.strip_prefix("ELBSecurityPolicy-") else {
        return false;
    };
    let old_minimum = [
        "TLS13-1-0-",
        "TLS13-1-1-",
        "TLS-1-0-",
        "TLS-1-1-",
        "FS-1-1-",
    ]
    .iter()
    .any(|prefix| rest.starts_with(prefix));
    let dated = rest.len() == 7
        && rest
            .char_indices()
            .all(|(i, c)| if i == 4 { c == '-' } else { c.is_ascii_digit() });
    old_minimum || dated
}

/// HTTPS/TLS listeners must use a TLS 1.2+ policy; leaving `ssl_policy` out picks
/// an outdated one.
fn check_listener_tls(listener: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    // Without `protocol` a listener is HTTP (application) or has none (gateway):
    // never HTTPS/TLS, whatever its load balancer.
    let uses_tls = match Tri::str(listener.attributes.get("protocol")) {
        Tri::Known(p) => {
            Tri::Known(p.eq_ignore_ascii_case("HTTPS") || p.eq_ignore_ascii_case("TLS"))
        }
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    };
    let policy = listener.attributes.get("ssl_policy");
    match Tri::str(policy) {
        Tri::Known(p) if !p.is_empty() => {
            if is_outdated_elb_policy(p) {
                out.fail(
                    format!(
                        "listener `{}` uses `{p}`, which allows TLS versions or ciphers older than TLS 1.2",
                        listener.address
                    ),
                    Some("ssl_policy"),
                );
            }
        }
        // A plan shows an unset policy as computed; it only matters for TLS listeners.
        Tri::Unknown => match uses_tls {
            Tri::Known(false) => {}
            _ => out.cannot_tell("`ssl_policy` is not known statically"),
        },
        Tri::Known(_) | Tri::Missing => match uses_tls {
            Tri::Known(true) => out.fail(
                format!(
                    "listener `{}` sets no `ssl_policy`, so it gets `{DEFAULT_ELB_SSL_POLICY}`, which allows TLS 1.0 and 1.1",
                    listener.address
                ),
                Some("protocol"),
            ),
            Tri::Known(false) | Tri::Missing => {}
            Tri::Unknown => out.cannot_tell("the listener protocol is not known statically"),
        },
    }
}

/// Internet-facing unless `internal = true`. Gateway load balancers have no
/// internet-facing endpoint and are exempt.
fn check_lb_public(lb: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let kind = if lb.resource_type() == "aws_elb" {
        Tri::Known("classic")
    } else {
        lb_type(lb)
    };
    let internal = Tri::bool(lb.attributes.get("internal")).or_default_value(false);
    match (kind, internal) {
        (Tri::Known("gateway"), _) | (_, Tri::Known(true)) => {}
        (_, Tri::Unknown) => out.cannot_tell("`internal` is not known statically"),
        (Tri::Known(kind), Tri::Known(false) | Tri::Missing) => {
            let path = lb.attributes.contains_key("internal").then_some("internal");
            out.fail(
                format!(
                    "{kind} load balancer `{}` is internet-facing (`internal` is {})",
                    lb.address,
                    if path.is_some() { "false" } else { "not set" }
                ),
                path,
            );
        }
        (Tri::Unknown | Tri::Missing, _) => {
            out.cannot_tell("the load balancer type is not known statically");
        }
    }
}

/// Application load balancers only; `drop_invalid_header_fields` defaults to false.
fn check_alb_drop_invalid_headers(lb: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let drop = Tri::bool(lb.attributes.get("drop_invalid_header_fields")).or_default_value(false);
    match (lb_type(lb), drop) {
        (Tri::Known(t), _) if t != "application" => {}
        (_, Tri::Known(true)) => {}
        (_, Tri::Unknown) => {
            out.cannot_tell("`drop_invalid_header_fields` is not known statically")
        }
        (Tri::Known(_), Tri::Known(false) | Tri::Missing) => {
            let path = lb
                .attributes
                .contains_key("drop_invalid_header_fields")
                .then_some("drop_invalid_header_fields");
            out.fail(
                format!(
                    "application load balancer `{}` forwards invalid HTTP header fields to its targets",
                    lb.address
                ),
                path,
            );
        }
        (Tri::Unknown | Tri::Missing, _) => {
            out.cannot_tell("the load balancer type is not known statically");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_modern_cloudfront_tls, is_outdated_elb_policy};
    use crate::rules::test_support::*;

    #[test]
    fn policy_name_classification() {
        for good in [
            "TLSv1.2_2021",
            "TLSv1.2_2025",
            "TLSv1.3_2025",
            "TLSv1.3_2030",
        ] {
            assert!(is_modern_cloudfront_tls(good), "{good}");
        }
        for bad in [
            "TLSv1",
            "TLSv1_2016",
            "TLSv1.1_2016",
            "TLSv1.2_2018",
            "TLSv1.2_2019",
            "SSLv3",
        ] {
            assert!(!is_modern_cloudfront_tls(bad), "{bad}");
        }
        for outdated in [
            "ELBSecurityPolicy-2016-08",
            "ELBSecurityPolicy-2015-03",
            "ELBSecurityPolicy-TLS-1-1-2017-01",
            "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
            "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        ] {
            assert!(is_outdated_elb_policy(outdated), "{outdated}");
        }
        for modern in [
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "ELBSecurityPolicy-TLS13-1-3-2021-06",
            "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
            "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        ] {
            assert!(!is_outdated_elb_policy(modern), "{modern}");
        }
    }

    #[test]
    fn listeners_resolve_their_load_balancer_and_redirects() {
        let r = hcl(r#"
resource "aws_lb" "app" {
  internal                   = true
  drop_invalid_header_fields = true
}
resource "aws_lb" "gwlb" {
  load_balancer_type = "gateway"
}
resource "aws_lb_listener" "redirect" {
  load_balancer_arn = aws_lb.app.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
resource "aws_lb_listener" "redirect_keeps_http" {
  load_balancer_arn = aws_lb.app.arn
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      host        = "example.com"
      status_code = "HTTP_302"
    }
  }
}
resource "aws_lb_listener" "implicit_http" {
  load_balancer_arn = aws_lb.app.arn
  port              = 80
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.t.arn
  }
}
resource "aws_lb_listener" "gateway" {
  load_balancer_arn = aws_lb.gwlb.arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.t.arn
  }
}
resource "aws_lb_listener" "elsewhere" {
  load_balancer_arn = var.lb_arn
  port              = 80
}
resource "aws_lb_listener" "https_default_policy" {
  load_balancer_arn = aws_lb.app.arn
  protocol          = "HTTPS"
  certificate_arn   = aws_acm_certificate.c.arn
}
"#);
        assert_eq!(
            messages(&r, "RG-AWS-ELB-001"),
            [
                "listener `aws_lb_listener.redirect_keeps_http` serves plain HTTP without redirecting to HTTPS",
                "listener `aws_lb_listener.implicit_http` serves plain HTTP (the default for application load balancers) without redirecting to HTTPS",
            ]
        );
        assert_eq!(
            undecided(&r, "RG-AWS-ELB-001"),
            ["aws_lb_listener.elsewhere"]
        );
        assert_eq!(
            messages(&r, "RG-AWS-ELB-002"),
            [
                "listener `aws_lb_listener.https_default_policy` sets no `ssl_policy`, so it gets `ELBSecurityPolicy-2016-08`, which allows TLS 1.0 and 1.1"
            ]
        );
        // Internal ALB and gateway LB: neither is public; the gateway has no
        // HTTP headers to drop.
        assert!(messages(&r, "RG-AWS-ELB-003").is_empty());
        assert!(messages(&r, "RG-AWS-ELB-004").is_empty());
    }

    #[test]
    fn load_balancer_defaults() {
        let r = hcl(r#"
resource "aws_lb" "defaults" {
  name = "web"
}
resource "aws_lb" "nlb" {
  load_balancer_type = "network"
  internal           = var.internal
}
resource "aws_elb" "classic" {
  listener {
    instance_port     = 80
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
}
"#);
        assert_eq!(
            messages(&r, "RG-AWS-ELB-003"),
            [
                "application load balancer `aws_lb.defaults` is internet-facing (`internal` is not set)",
                "classic load balancer `aws_elb.classic` is internet-facing (`internal` is not set)",
            ]
        );
        assert_eq!(undecided(&r, "RG-AWS-ELB-003"), ["aws_lb.nlb"]);
        assert_eq!(
            messages(&r, "RG-AWS-ELB-004"),
            [
                "application load balancer `aws_lb.defaults` forwards invalid HTTP header fields to its targets"
            ]
        );
    }

    #[test]
    fn cloudfront_across_resources() {
        let r = hcl(r#"
resource "aws_wafv2_web_acl" "edge" {
  scope = "CLOUDFRONT"
}
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
resource "aws_cloudfront_distribution" "good" {
  web_acl_id = aws_wafv2_web_acl.edge.arn
  logging_config {
    bucket = aws_s3_bucket.logs.bucket_domain_name
  }
  default_cache_behavior {
    viewer_protocol_policy = "redirect-to-https"
  }
  ordered_cache_behavior {
    path_pattern           = "/api/*"
    viewer_protocol_policy = "https-only"
  }
  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate.c.arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}
resource "aws_cloudfront_distribution" "bad" {
  web_acl_id = var.web_acl
  default_cache_behavior {
    viewer_protocol_policy = "redirect-to-https"
  }
  ordered_cache_behavior {
    path_pattern           = "/static/*"
    viewer_protocol_policy = "allow-all"
  }
  viewer_certificate {
    acm_certificate_arn = aws_acm_certificate.c.arn
  }
}
"#);
        assert_eq!(
            messages(&r, "RG-AWS-CF-001"),
            [
                "distribution `aws_cloudfront_distribution.bad` allows plain HTTP in its cache behavior for `/static/*` (`viewer_protocol_policy = \"allow-all\"`)"
            ]
        );
        assert_eq!(
            messages(&r, "RG-AWS-CF-002"),
            [
                "distribution `aws_cloudfront_distribution.bad` accepts viewers down to `TLSv1` (the provider default); require `TLSv1.2_2021` or later"
            ]
        );
        assert_eq!(messages(&r, "RG-AWS-CF-003").len(), 1);
        assert!(messages(&r, "RG-AWS-CF-004").is_empty());
        assert_eq!(
            undecided(&r, "RG-AWS-CF-004"),
            ["aws_cloudfront_distribution.bad"]
        );
    }

    #[test]
    fn plan_json_listener_and_distribution_with_unknown_values() {
        let plan = r#"{
  "format_version": "1.2",
  "resource_changes": [
    {
      "address": "aws_lb.web", "mode": "managed", "type": "aws_lb", "name": "web",
      "change": {
        "actions": ["create"], "before": null,
        "after": {"internal": false, "load_balancer_type": "application", "drop_invalid_header_fields": false},
        "after_unknown": {"arn": true, "id": true}
      }
    },
    {
      "address": "aws_lb_listener.https", "mode": "managed", "type": "aws_lb_listener", "name": "https",
      "change": {
        "actions": ["update"],
        "before": {"protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
        "after": {"protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-TLS-1-1-2017-01",
                  "default_action": [{"type": "forward"}]},
        "after_unknown": {"load_balancer_arn": true}
      }
    },
    {
      "address": "aws_lb_listener.computed", "mode": "managed", "type": "aws_lb_listener", "name": "computed",
      "change": {
        "actions": ["create"], "before": null,
        "after": {"port": 443},
        "after_unknown": {"protocol": true, "ssl_policy": true, "load_balancer_arn": true}
      }
    },
    {
      "address": "aws_cloudfront_distribution.cdn", "mode": "managed", "type": "aws_cloudfront_distribution", "name": "cdn",
      "change": {
        "actions": ["create"], "before": null,
        "after": {
          "default_cache_behavior": [{"viewer_protocol_policy": "allow-all"}],
          "ordered_cache_behavior": [],
          "logging_config": [],
          "viewer_certificate": [{"cloudfront_default_certificate": true, "minimum_protocol_version": "TLSv1"}]
        },
        "after_unknown": {"web_acl_id": true}
      }
    }
  ]
}"#;
        let r = review_of("plan.json", plan);
        assert_eq!(messages(&r, "RG-AWS-ELB-002").len(), 1);
        assert_eq!(
            undecided(&r, "RG-AWS-ELB-002"),
            ["aws_lb_listener.computed"]
        );
        assert_eq!(messages(&r, "RG-AWS-ELB-003").len(), 1);
        assert_eq!(messages(&r, "RG-AWS-ELB-004").len(), 1);
        assert_eq!(messages(&r, "RG-AWS-CF-001").len(), 1);
        // Default certificate: TLSv1 is the only option, not a finding.
        assert!(messages(&r, "RG-AWS-CF-002").is_empty());
        assert_eq!(messages(&r, "RG-AWS-CF-003").len(), 1);
        // `web_acl_id` known only after apply, with no expression to follow.
        assert!(messages(&r, "RG-AWS-CF-004").is_empty());
        assert_eq!(
            undecided(&r, "RG-AWS-CF-004"),
            ["aws_cloudfront_distribution.cdn"]
        );
    }
}
