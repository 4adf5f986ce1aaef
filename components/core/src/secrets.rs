//! Hard-coded secrets: credentials committed in a change.
//!
//! Two sources are scanned: the added lines of every diff, and the literal string
//! values of Terraform configuration — resource and data source attributes (nested
//! blocks and maps included), provider arguments, module inputs, locals, variable
//! defaults, outputs and `.tfvars` values.
//!
//! Detection is a set of hand-written matchers, one per credential format, in the
//! spirit of Gitleaks and detect-secrets:
//!
//! * vendor tokens are recognised by their fixed prefix, alphabet and length
//!   (`ghp_` + 36 alphanumerics, `AKIA` + 16 upper-case alphanumerics), with word
//!   boundaries on both sides;
//! * formats with no prefix (an AWS secret access key is 40 base64 characters, an
//!   Azure storage key 88, a Datadog key 32 hex digits) are reported only next to a
//!   name that says what they are — on the same line, or, for configuration values,
//!   the attribute name and the block it is in;
//! * a generic rule catches `password = "…"` / `"token": "…"` assignments (and, for
//!   configuration, attributes whose *name* is a password, secret, token or key) when
//!   the value is at least [`GENERIC_MIN_LEN`] characters long, mixes at least two
//!   character classes (one of them digits or symbols, unless the value is 20+
//!   characters at 4.0 bits), has a Shannon entropy of at least
//!   [`GENERIC_MIN_ENTROPY`] bits per character, and is no reference, path, URL, ARN
//!   or template.
//!
//! Every candidate goes through the same placeholder filter (the AWS documentation
//! keys, `changeme`, `password`, `<…>`, `${…}` and `{{…}}` interpolations, `var.` /
//! `local.` references, empty strings, repeated or sequential characters, anything
//! containing `EXAMPLE`/`dummy`/`placeholder`/`redacted`/`xxxx`/`****`) and a
//! randomness check on its variable part, so documentation and fixtures stay quiet.
//!
//! Matchers are linear in the line length: each looks for its fixed anchors with
//! substring search and reads a bounded run after them; nothing backtracks. There is no
//! regex engine, which keeps the wasm builds small.
//!
//! A secret never leaves this module in clear: a [`SecretMatch`] keeps only its
//! position and the [`mask`]ed form (at most the first four characters), and that is
//! all a finding's message or any `Debug` output shows.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;

use crate::changeset::ChangeSet;
use crate::diff::ChangedFile;
use crate::finding::{Finding, Frameworks, RuleInfo, Severity};
use crate::resource::{LineRange, Resource};
use crate::terraform::Configuration;
use crate::value::{Value, ValueMap};

/// Generic assignments: the value must be at least this many characters long.
pub const GENERIC_MIN_LEN: usize = 8;

/// Generic assignments: longer values are documents (certificates, policies, scripts),
/// not passwords; other matchers still look inside them.
pub const GENERIC_MAX_LEN: usize = 200;

/// Generic assignments: minimum Shannon entropy of the value, in bits per character.
///
/// Gitleaks' generic rule uses 3.5 with no context at all; here the name
/// (`password`, `client_secret`, …) is already strong evidence, and human-chosen
/// passwords of 10–16 characters typically score 3.0–3.8, so 3.0 keeps them while
/// words, identifiers and repeated characters (`aaaaaaaa` scores 0, `hunter22` 2.75)
/// fall below it. An 8-character value reaches 3.0 only if all its characters differ.
pub const GENERIC_MIN_ENTROPY: f64 = 3.0;

/// A secret detector: one credential format, with its catalog entry.
#[derive(Debug, PartialEq, Eq)]
pub struct SecretRule {
    /// Stable id (`RG-SECRET-001`). Never reused or renamed.
    pub id: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What is detected, and how precisely.
    pub description: &'static str,
    /// How to fix a finding.
    pub remediation: &'static str,
}

impl SecretRule {
    /// The catalog entry.
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.to_owned(),
            title: self.title.to_owned(),
            severity: self.severity,
            aliases: Vec::new(),
            frameworks: self.frameworks(),
        }
    }

    fn frameworks(&self) -> Frameworks {
        // A publishable key is public by design: it is not an authenticator.
        if self.id == RULES[Kind::StripePublishable as usize].id {
            return Frameworks::new();
        }
        FRAMEWORKS
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

/// Credentials in code break the "protect authenticators" controls of every framework:
/// SOC 2 logical access, PCI DSS 3.2.1 8.2.1 (credentials unreadable in storage) and
/// NIST 800-53 IA-5(7) (no embedded unencrypted static authenticators).
const FRAMEWORKS: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-3.2.1", &["8.2.1"]),
    ("nist-800-53-r5", &["IA-5(7)"]),
];

const ROTATE: &str = "Revoke or rotate this credential now: it stays in the repository history \
even if the line is removed later. Then supply it at apply time instead of committing it — \
read it from a secret manager (AWS Secrets Manager, SSM Parameter Store, Vault) through a \
data source or ephemeral resource, or pass it through a `sensitive = true` variable set \
outside the repository (TF_VAR_…, a CI secret).";

const PUBLISHABLE: &str = "Publishable keys are meant for client code, but keep them in \
configuration (a variable per environment) so live and test keys are not mixed up, and make \
sure no secret key (sk_…) was committed alongside.";

/// The detectors, in rule-id order: `RULES[kind as usize]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    AwsAccessKeyId,
    AwsSecretAccessKey,
    GithubClassicPat,
    GithubFineGrainedPat,
    GithubOauth,
    GithubApp,
    GithubRefresh,
    GitlabPat,
    GitlabOther,
    SlackToken,
    SlackAppToken,
    SlackWebhook,
    StripeLive,
    StripeTest,
    StripePublishable,
    GoogleApiKey,
    PrivateKey,
    Jwt,
    AzureStorageKey,
    Npm,
    Pypi,
    SendGrid,
    Twilio,
    Shopify,
    Heroku,
    Datadog,
    TerraformCloud,
    Vault,
    DigitalOcean,
    OpenAi,
    Anthropic,
    Grafana,
    NewRelic,
    Alibaba,
    Age,
    UrlCredentials,
    Generic,
}

macro_rules! rule {
    ($id:literal, $sev:ident, $title:literal, $desc:literal) => {
        rule!($id, $sev, $title, $desc, ROTATE)
    };
    ($id:literal, $sev:ident, $title:literal, $desc:literal, $rem:expr) => {
        SecretRule {
            id: $id,
            title: $title,
            severity: Severity::$sev,
            description: $desc,
            remediation: $rem,
        }
    };
}

/// Every secret rule, indexed by [`Kind`].
static RULES: [SecretRule; 37] = [
    rule!(
        "RG-SECRET-001",
        Critical,
        "AWS access key ID",
        "An AWS access key ID (AKIA/ASIA/ABIA/ACCA + 16 upper-case alphanumerics). Access key \
         IDs travel with their secret access key, which is usually committed next to them."
    ),
    rule!(
        "RG-SECRET-002",
        Critical,
        "AWS secret access key",
        "A 40-character base64 AWS secret access key next to an aws_secret / \
         secret_access_key / secret_key name."
    ),
    rule!(
        "RG-SECRET-003",
        Critical,
        "GitHub personal access token (classic)",
        "A classic GitHub personal access token (ghp_ + 36 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-004",
        Critical,
        "GitHub fine-grained personal access token",
        "A fine-grained GitHub personal access token (github_pat_ + 82 characters)."
    ),
    rule!(
        "RG-SECRET-005",
        High,
        "GitHub OAuth access token",
        "A GitHub OAuth app access token (gho_ + 36 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-006",
        High,
        "GitHub App token",
        "A GitHub App user-to-server or installation token (ghu_ / ghs_ + 36 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-007",
        High,
        "GitHub refresh token",
        "A GitHub App refresh token (ghr_ + 36 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-008",
        Critical,
        "GitLab personal access token",
        "A GitLab personal access token (glpat- + at least 20 characters)."
    ),
    rule!(
        "RG-SECRET-009",
        High,
        "GitLab deploy, runner, CI or trigger token",
        "A GitLab deploy (gldt-), runner (glrt-), CI job (glcbt-), pipeline trigger (glptt-), \
         feed, incoming mail, agent, OAuth or SCIM token."
    ),
    rule!(
        "RG-SECRET-010",
        High,
        "Slack token",
        "A Slack bot, user, workspace or refresh token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-)."
    ),
    rule!(
        "RG-SECRET-011",
        High,
        "Slack app-level token",
        "A Slack app-level token (xapp-)."
    ),
    rule!(
        "RG-SECRET-012",
        Medium,
        "Slack webhook URL",
        "A Slack incoming webhook, workflow or trigger URL (hooks.slack.com/services/T…/B…/…): \
         anyone holding it can post to the channel."
    ),
    rule!(
        "RG-SECRET-013",
        Critical,
        "Stripe live secret key",
        "A Stripe live-mode secret or restricted key (sk_live_ / rk_live_)."
    ),
    rule!(
        "RG-SECRET-014",
        Low,
        "Stripe test-mode secret key",
        "A Stripe test-mode secret or restricted key (sk_test_ / rk_test_). It reaches test \
         data only, so the severity is low, but it is still a credential of the account."
    ),
    rule!(
        "RG-SECRET-015",
        Low,
        "Stripe live publishable key",
        "A Stripe live-mode publishable key (pk_live_). Publishable keys are public by design; \
         reported at low severity because live keys belong in per-environment configuration.",
        PUBLISHABLE
    ),
    rule!(
        "RG-SECRET-016",
        High,
        "Google API key",
        "A Google Cloud / Firebase API key (AIza + 35 characters)."
    ),
    rule!(
        "RG-SECRET-017",
        High,
        "Private key",
        "A PEM private key block (-----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY) \
         followed by key material."
    ),
    rule!(
        "RG-SECRET-018",
        Medium,
        "JSON Web Token",
        "A signed JSON Web Token: three base64url parts whose header decodes to JSON with an \
         `alg` other than `none` and whose payload decodes to a JSON object."
    ),
    rule!(
        "RG-SECRET-019",
        Critical,
        "Azure storage account key",
        "An 88-character base64 Azure storage account key (ending ==) after AccountKey= or \
         next to an account_key / access_key name."
    ),
    rule!(
        "RG-SECRET-020",
        Critical,
        "npm access token",
        "An npm access token (npm_ + 36 alphanumerics): it can publish packages."
    ),
    rule!(
        "RG-SECRET-021",
        Critical,
        "PyPI API token",
        "A PyPI upload token (pypi-AgEIcHlwaS5vcmc…): it can publish packages."
    ),
    rule!(
        "RG-SECRET-022",
        High,
        "SendGrid API key",
        "A SendGrid API key (SG. + 22 + . + 43 characters)."
    ),
    rule!(
        "RG-SECRET-023",
        Medium,
        "Twilio API key",
        "A Twilio API key SID (SK + 32 hex digits)."
    ),
    rule!(
        "RG-SECRET-024",
        High,
        "Shopify access token",
        "A Shopify access, custom app, private app or shared secret token (shpat_, shpca_, \
         shppa_, shpss_ + 32 hex digits)."
    ),
    rule!(
        "RG-SECRET-025",
        High,
        "Heroku API key",
        "A Heroku API key: HRKU-AA + 58 characters, or a UUID next to a heroku name."
    ),
    rule!(
        "RG-SECRET-026",
        High,
        "Datadog API or application key",
        "A Datadog API key (32 hex digits) or application key (40 hex digits) next to a \
         datadog / dd_api_key / dd_app_key name."
    ),
    rule!(
        "RG-SECRET-027",
        Critical,
        "Terraform Cloud / Enterprise API token",
        "A Terraform Cloud or Terraform Enterprise API token (….atlasv1.…)."
    ),
    rule!(
        "RG-SECRET-028",
        Critical,
        "HashiCorp Vault token",
        "A HashiCorp Vault service, batch or recovery token (hvs., hvb., hvr.)."
    ),
    rule!(
        "RG-SECRET-029",
        Critical,
        "DigitalOcean token",
        "A DigitalOcean personal access, OAuth or refresh token (dop_v1_, doo_v1_, dor_v1_ + 64 \
         hex digits)."
    ),
    rule!(
        "RG-SECRET-030",
        High,
        "OpenAI API key",
        "An OpenAI API key (sk-… containing the T3BlbkFJ marker)."
    ),
    rule!(
        "RG-SECRET-031",
        High,
        "Anthropic API key",
        "An Anthropic API or admin key (sk-ant-api03- / sk-ant-admin01-)."
    ),
    rule!(
        "RG-SECRET-032",
        High,
        "Grafana token",
        "A Grafana service account token (glsa_) or Grafana Cloud token (glc_)."
    ),
    rule!(
        "RG-SECRET-033",
        High,
        "New Relic user API key",
        "A New Relic user API key (NRAK- + 27 characters)."
    ),
    rule!(
        "RG-SECRET-034",
        High,
        "Alibaba Cloud AccessKey ID",
        "An Alibaba Cloud AccessKey ID (LTAI + 20 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-035",
        Critical,
        "age secret key",
        "An age encryption secret key (AGE-SECRET-KEY-1 + 58 bech32 characters)."
    ),
    rule!(
        "RG-SECRET-036",
        High,
        "Password in a connection URL",
        "A URL with an embedded password (scheme://user:password@host)."
    ),
    rule!(
        "RG-SECRET-037",
        High,
        "Hard-coded password, secret or token",
        "A password, secret, token or key assigned a literal value (name = \"value\", \
         \"name\": \"value\", NAME=value, or a Terraform attribute with such a name) that is at \
         least 8 characters long, mixes two character classes (digits or symbols among them, \
         unless 20+ characters at 4.0 bits), and has a Shannon entropy of at least 3.0 bits \
         per character."
    ),
];

impl Kind {
    fn rule(self) -> &'static SecretRule {
        &RULES[self as usize]
    }
}

/// Every secret rule, in id order.
pub fn rules() -> &'static [SecretRule] {
    &RULES
}

/// The catalog entries of every secret rule, sorted by id.
pub fn catalog() -> Vec<RuleInfo> {
    RULES.iter().map(SecretRule::info).collect()
}

/// Masks a secret for display: at most its first four characters (fewer for short
/// values: a quarter of the length), then `…` and the length.
///
/// `mask("AKIA0123456789ABCDEF")` is `"AKIA…(20 chars)"`.
pub fn mask(secret: &str) -> String {
    let count = secret.chars().count();
    let keep = (count / 4).min(4);
    let mut out: String = secret
        .chars()
        .take(keep)
        // Keep messages on one line and free of Markdown code fences.
        .map(|c| if c.is_control() || c == '`' { '?' } else { c })
        .collect();
    out.push('…');
    out.push_str(&format!("({count} chars)"));
    out
}

/// One secret found in a text. Holds the position and the masked form only: the
/// secret itself is not kept, and `Debug` prints nothing more than accessors give.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretMatch {
    kind: Kind,
    label: &'static str,
    line: usize,
    span: Range<usize>,
    masked: String,
    /// Hash of the secret, to recognise one secret reached from two inputs (a diff and
    /// the configuration file it changes). Never shown: short passwords could be
    /// brute-forced from it.
    fingerprint: u64,
    /// Found in the base64-decoded form of the value (EC2 `user_data`).
    decoded: bool,
}

impl SecretMatch {
    /// The rule that matched.
    pub fn rule(&self) -> &'static SecretRule {
        self.kind.rule()
    }

    /// The rule id (`RG-SECRET-003`).
    pub fn rule_id(&self) -> &'static str {
        self.kind.rule().id
    }

    /// What was found, for people (`GitHub personal access token (classic)`,
    /// `RSA private key`, `Hard-coded password`).
    pub fn kind(&self) -> &'static str {
        self.label
    }

    /// The masked secret (see [`mask`]).
    pub fn masked(&self) -> &str {
        &self.masked
    }

    /// Zero-based line of the scanned text the secret is on.
    pub fn line_index(&self) -> usize {
        self.line
    }

    /// Byte range of the secret in its line.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
}

impl fmt::Debug for SecretMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretMatch")
            .field("rule_id", &self.rule_id())
            .field("kind", &self.label)
            .field("line", &self.line)
            .field("span", &self.span)
            .field("masked", &self.masked)
            .field("decoded", &self.decoded)
            .finish()
    }
}

/// Finds secrets in free text (a file, a script, a heredoc), line by line.
pub fn find_secrets(text: &str) -> Vec<SecretMatch> {
    scan_text(text, "", false)
}

/// Finds secrets in a configuration value whose attribute (or variable, or map key)
/// is called `name`: the name is context for the formats that need one (an AWS secret
/// key, a generic password), so `find_secrets_in_value("password", "S3cr3t!v4lue-long")`
/// finds a hard-coded password while `find_secrets("S3cr3t!v4lue-long")` does not.
pub fn find_secrets_in_value(name: &str, value: &str) -> Vec<SecretMatch> {
    scan_value("", name, name, value)
}

/// Scans a change set: the added lines of every diff, and the literal string values of
/// its Terraform configuration. A secret that both a diff and the configuration file it
/// changes contain is reported once, from the configuration (which names the resource).
///
/// Plans are not scanned: their values are the configuration's after evaluation plus
/// what providers compute at apply time, which is not text anyone commits.
pub fn scan(change_set: &ChangeSet) -> Vec<Finding> {
    let mut out = Collector::default();
    scan_configuration(&change_set.configuration, &mut out);
    for file in &change_set.changed_files {
        scan_changed_file(file, &mut out);
    }
    out.findings.sort_by(|a, b| {
        (&a.file, a.line, &a.rule_id, &a.message).cmp(&(&b.file, b.line, &b.rule_id, &b.message))
    });
    out.findings
}

// ---------------------------------------------------------------------------------------
// Change-set scanning
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Collector {
    findings: Vec<Finding>,
    /// (file, rule, fingerprint) → lines of configuration findings.
    from_config: HashMap<(String, Kind, u64), Vec<Option<LineRange>>>,
    /// (file, line, rule, fingerprint) of diff findings.
    from_diff: HashSet<(String, u32, Kind, u64)>,
}

/// Where a configuration value is, for messages and findings.
struct Place<'a> {
    /// `attribute `password` of `aws_db_instance.db``, for messages.
    description: String,
    resource: Option<String>,
    file: &'a str,
    lines: Option<LineRange>,
}

impl Collector {
    fn config_match(&mut self, m: &SecretMatch, place: &Place<'_>, sensitive: bool) {
        let key = (place.file.to_owned(), m.kind, m.fingerprint);
        let seen = self.from_config.entry(key).or_default();
        if seen.contains(&place.lines) {
            return;
        }
        seen.push(place.lines);
        let mut message = format!("{} `{}` in {}", m.label, m.masked, place.description);
        if m.decoded {
            message.push_str(" (base64-decoded)");
        }
        if sensitive {
            message.push_str(
                " (marked sensitive, which hides it from output but not from the repository)",
            );
        }
        message.push('.');
        self.findings.push(finding(
            m.kind,
            message,
            place.resource.clone(),
            place.file,
            place.lines,
        ));
    }

    fn diff_match(&mut self, m: &SecretMatch, file: &str, line: u32) {
        let in_config = self
            .from_config
            .get(&(file.to_owned(), m.kind, m.fingerprint))
            .is_some_and(|ranges| {
                ranges
                    .iter()
                    .any(|r| r.is_none_or(|r| (r.start..=r.end).contains(&line)))
            });
        if in_config
            || !self
                .from_diff
                .insert((file.to_owned(), line, m.kind, m.fingerprint))
        {
            return;
        }
        let message = format!(
            "{} `{}` on added line {line} of `{file}`.",
            m.label, m.masked
        );
        let lines = Some(LineRange {
            start: line,
            end: line,
        });
        self.findings
            .push(finding(m.kind, message, None, file, lines));
    }
}

fn finding(
    kind: Kind,
    message: String,
    resource: Option<String>,
    file: &str,
    lines: Option<LineRange>,
) -> Finding {
    let rule = kind.rule();
    Finding {
        rule_id: rule.id.into(),
        aliases: Default::default(),
        severity: rule.severity,
        title: rule.title.into(),
        message,
        resource,
        file: Some(file.to_owned()),
        line: lines.map(|l| l.start),
        end_line: lines.map(|l| l.end),
        remediation: Some(rule.remediation.into()),
        frameworks: std::sync::Arc::new(rule.frameworks()),
        suppressed: false,
        suppression_reason: None,
    }
}

/// Configuration-like files, where a value is always quoted: an unquoted right-hand
/// side there is an expression (`password = var.db_password`), never a literal.
fn quoted_only(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".tf", ".tfvars", ".hcl", ".json"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn scan_changed_file(file: &ChangedFile, out: &mut Collector) {
    if file.binary {
        return;
    }
    let added: Vec<(u32, &str)> = file.added_lines().collect();
    let texts: Vec<&str> = added.iter().map(|(_, text)| *text).collect();
    let quoted = quoted_only(&file.path);
    // Lookahead (for private key bodies) only over lines that follow each other.
    let mut run_end = vec![0; added.len()];
    let mut end = added.len();
    for i in (0..added.len()).rev() {
        if i + 1 < added.len() && added[i + 1].0 != added[i].0.saturating_add(1) {
            end = i + 1;
        }
        run_end[i] = end;
    }
    for (i, (number, text)) in added.iter().enumerate() {
        let following = &texts[i + 1..run_end[i].min(i + 1 + LOOKAHEAD)];
        for m in scan_line(text, following, "", quoted, 0) {
            out.diff_match(&m, &file.path, *number);
        }
    }
}

/// Walks every attribute of one block (resource, provider, module call) and records
/// the secrets in its values; `place` says where a value at a given path is.
fn scan_block<'a>(
    out: &mut Collector,
    owner: &str,
    attributes: &ValueMap,
    place: impl Fn(&str) -> Place<'a>,
) {
    for (name, value) in attributes.iter() {
        let mut path = name.to_owned();
        walk(
            value,
            &mut path,
            name,
            false,
            0,
            &mut |path, key, text, sensitive| {
                let place = place(path);
                for m in scan_value(owner, path, key, text) {
                    out.config_match(&m, &place, sensitive);
                }
            },
        );
    }
}

fn scan_configuration(config: &Configuration, out: &mut Collector) {
    for resource in &config.resources {
        let address = resource.address.to_string();
        scan_block(
            out,
            resource.resource_type(),
            &resource.attributes,
            |path| Place {
                description: format!("attribute `{path}` of `{address}`"),
                resource: Some(address.clone()),
                file: &resource.source.file,
                lines: attribute_lines(resource, path),
            },
        );
    }
    for provider in &config.providers {
        let owner = format!("provider {}", provider.name);
        scan_block(out, &owner, &provider.attributes, |path| Place {
            description: format!("argument `{path}` of provider `{}`", provider.name),
            resource: None,
            file: &provider.source.file,
            lines: provider.source.lines,
        });
    }
    for call in &config.module_calls {
        let address = format!("module.{}", call.name);
        scan_block(out, &address, &call.inputs, |path| Place {
            description: format!("input `{path}` of `{address}`"),
            resource: Some(address.clone()),
            file: &call.source.file,
            lines: call.source.lines,
        });
    }
    let named = [
        config
            .variables
            .iter()
            .filter_map(|v| Some(("variable", &v.name, v.default.as_ref()?, &v.source)))
            .collect::<Vec<_>>(),
        config
            .locals
            .iter()
            .map(|l| ("local", &l.name, &l.value, &l.source))
            .collect(),
        config
            .outputs
            .iter()
            .filter_map(|o| Some(("output", &o.name, o.value.as_ref()?, &o.source)))
            .collect(),
        config
            .variable_values
            .iter()
            .map(|v| ("tfvars", &v.name, &v.value, &v.source))
            .collect(),
    ];
    for (what, name, value, source) in named.into_iter().flatten() {
        let mut path = String::new();
        walk(
            value,
            &mut path,
            name,
            false,
            0,
            &mut |path, key, text, sensitive| {
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!(" (`{path}`)")
                };
                let description = match what {
                    "variable" => format!("the default of variable `{name}`{at}"),
                    "local" => format!("local `{name}`{at}"),
                    "output" => format!("output `{name}`{at}"),
                    _ => format!("the value of variable `{name}`{at}"),
                };
                let place = Place {
                    description,
                    resource: None,
                    file: &source.file,
                    lines: source.lines,
                };
                let full_path = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{name}.{path}")
                };
                for m in scan_value(what, &full_path, key, text) {
                    out.config_match(&m, &place, sensitive);
                }
            },
        );
    }
}

/// The lines of the closest attribute path that has lines (a value inside an object
/// attribute gets the attribute's), else the resource's.
fn attribute_lines(resource: &Resource, path: &str) -> Option<LineRange> {
    let mut path = path;
    loop {
        if let Some(lines) = resource.attribute_lines.get(path) {
            return Some(*lines);
        }
        match path.rfind('.') {
            Some(dot) => path = &path[..dot],
            None => return resource.source.lines,
        }
    }
}

/// Deeper values than this are not configuration anyone writes by hand.
const MAX_DEPTH: usize = 64;

/// Calls `visit(path, key, string, sensitive)` for every string in a value: `key` is the
/// closest map key (or the name the value was given under), `path` the dotted path.
/// Unknown values are skipped: they are not literals. Sensitive ones are visited with
/// their exposed value; only its masked form ever leaves this module.
///
/// Two shapes get their names from the data: a `{ name = "DB_PASSWORD", value = "…" }`
/// pair (Kubernetes `env`, Helm `set`, ECS `environment`, tag lists) names its value,
/// and a string holding JSON (`container_definitions = jsonencode(…)`, a policy) is
/// walked as the structure it encodes, after being scanned as text.
fn walk(
    value: &Value,
    path: &mut String,
    key: &str,
    sensitive: bool,
    depth: usize,
    visit: &mut dyn FnMut(&str, &str, &str, bool),
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut step = |path: &mut String, segment: &str, key: &str, item: &Value, sensitive| {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(segment);
        walk(item, path, key, sensitive, depth + 1, visit);
        path.truncate(len);
    };
    match value {
        Value::String(s) => {
            visit(path, key, s, sensitive);
            if let Some(parsed) = embedded_json(s) {
                walk(&parsed, path, key, sensitive, depth + 1, visit);
            }
        }
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                step(path, &i.to_string(), key, item, sensitive);
            }
        }
        Value::Map(map) => {
            let pair_name = ["name", "Name", "key", "Key"]
                .iter()
                .find_map(|k| map.get(k).and_then(Value::as_str));
            for (k, item) in map.iter() {
                let item_key = match pair_name {
                    Some(name) if k == "value" || k == "Value" => name,
                    _ => k,
                };
                step(path, k, item_key, item, sensitive);
            }
        }
        Value::Sensitive(s) => walk(s.expose(), path, key, true, depth + 1, visit),
        Value::Unknown(_) | Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Larger JSON documents than this are data, not configuration; they are still scanned
/// as text.
const MAX_EMBEDDED_JSON: usize = 1 << 20;

/// The structure of a string that holds a JSON object or array.
fn embedded_json(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) || text.len() > MAX_EMBEDDED_JSON {
        return None;
    }
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    matches!(
        json,
        serde_json::Value::Object(_) | serde_json::Value::Array(_)
    )
    .then(|| Value::from_json(json))
}

// ---------------------------------------------------------------------------------------
// Text scanning
// ---------------------------------------------------------------------------------------

/// Lines after a private key header searched for its body.
const LOOKAHEAD: usize = 4;

fn scan_text(text: &str, ctx: &str, quoted: bool) -> Vec<SecretMatch> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let following = &lines[i + 1..lines.len().min(i + 1 + LOOKAHEAD)];
        out.extend(scan_line(line, following, ctx, quoted, i));
    }
    out
}

/// Scans a configuration value. `owner` is the block it belongs to (a resource type,
/// `provider datadog`, `variable`), `path` its dotted path, `key` its closest name.
fn scan_value(owner: &str, path: &str, key: &str, value: &str) -> Vec<SecretMatch> {
    // A name such as `external_id` or `password_length` says the value is not a
    // credential: it is no context for the context-gated formats either. The block
    // (`provider "datadog"`) counts only for a credential-like name (`api_key`), so that
    // every identifier in every `heroku_*` resource is not taken for a Heroku key.
    let ctx = if name_excluded(key) {
        String::new()
    } else if secret_name(key).is_some() {
        format!("{owner} {path} {key}").to_ascii_lowercase()
    } else {
        format!("{path} {key}").to_ascii_lowercase()
    };
    let mut matches = scan_text(value, &ctx, false);
    if matches.is_empty()
        && !value.contains('\n')
        && let Some(label) = secret_name(key)
    {
        let (offset, candidate) = strip_auth_scheme(value);
        let structured = candidate.starts_with('{') || candidate.starts_with('[');
        if !structured && generic_value_ok(candidate) {
            matches.push(make_match(
                Kind::Generic,
                label,
                0,
                value,
                offset..offset + candidate.len(),
            ));
        }
    }
    let lower_key = key.to_ascii_lowercase();
    if ["user_data", "userdata", "custom_data"]
        .iter()
        .any(|k| lower_key.contains(k))
        && let Some(decoded) = decode_base64_text(value)
    {
        matches.extend(scan_text(&decoded, "", false).into_iter().map(|mut m| {
            m.decoded = true;
            m
        }));
    }
    matches
}

/// A base64 value that decodes to text (cloud-init scripts in `user_data`).
fn decode_base64_text(value: &str) -> Option<String> {
    let value = value.trim();
    if value.len() < 16 || !value.bytes().all(base64_padded) {
        return None;
    }
    String::from_utf8(base64_decode(value)?).ok()
}

struct RawHit {
    kind: Kind,
    label: &'static str,
    span: Range<usize>,
}

struct LineScan<'a> {
    line: &'a str,
    bytes: &'a [u8],
    lower: String,
    following: &'a [&'a str],
    ctx: &'a str,
    quoted_only: bool,
    hits: Vec<RawHit>,
    max_end: Vec<usize>,
}

fn scan_line(
    line: &str,
    following: &[&str],
    ctx: &str,
    quoted: bool,
    index: usize,
) -> Vec<SecretMatch> {
    let mut scan = LineScan {
        line,
        bytes: line.as_bytes(),
        lower: line.to_ascii_lowercase(),
        following,
        ctx,
        quoted_only: quoted,
        hits: Vec::new(),
        max_end: Vec::new(),
    };
    scan.tokens();
    scan.terraform_cloud();
    scan.private_key();
    scan.jwt();
    scan.slack_webhook();
    scan.aws_secret_key();
    scan.azure_storage_key();
    scan.heroku_uuid();
    scan.datadog();
    // Last: these two yield to any specific format found on the same characters.
    scan.index();
    scan.url_credentials();
    scan.index();
    scan.generic();
    scan.index();
    let mut hits = scan.hits;
    hits.dedup_by(|b, a| a.span == b.span);
    hits.into_iter()
        .map(|h| make_match(h.kind, h.label, index, line, h.span))
        .collect()
}

fn make_match(
    kind: Kind,
    label: &'static str,
    line: usize,
    text: &str,
    span: Range<usize>,
) -> SecretMatch {
    let secret = text.get(span.clone()).unwrap_or_default();
    let mut hasher = DefaultHasher::new();
    secret.hash(&mut hasher);
    SecretMatch {
        kind,
        label,
        line,
        masked: mask(secret),
        span,
        fingerprint: hasher.finish(),
        decoded: false,
    }
}

/// A format recognised by a fixed prefix, then a run of one alphabet.
struct TokenSpec {
    kind: Kind,
    label: &'static str,
    prefixes: &'static [&'static str],
    body: fn(u8) -> bool,
    min: usize,
    max: usize,
    check: Option<fn(&str) -> bool>,
}

const fn token(
    kind: Kind,
    label: &'static str,
    prefixes: &'static [&'static str],
    body: fn(u8) -> bool,
    min: usize,
    max: usize,
) -> TokenSpec {
    TokenSpec {
        kind,
        label,
        prefixes,
        body,
        min,
        max,
        check: None,
    }
}

const fn checked(spec: TokenSpec, check: fn(&str) -> bool) -> TokenSpec {
    TokenSpec {
        check: Some(check),
        ..spec
    }
}

const TOKENS: &[TokenSpec] = &[
    token(
        Kind::AwsAccessKeyId,
        "AWS access key ID",
        &["AKIA", "ASIA", "ABIA", "ACCA"],
        upper_alnum,
        16,
        16,
    ),
    token(
        Kind::GithubClassicPat,
        "GitHub personal access token (classic)",
        &["ghp_"],
        alnum,
        36,
        36,
    ),
    token(
        Kind::GithubFineGrainedPat,
        "GitHub fine-grained personal access token",
        &["github_pat_"],
        word,
        82,
        82,
    ),
    token(
        Kind::GithubOauth,
        "GitHub OAuth access token",
        &["gho_"],
        alnum,
        36,
        36,
    ),
    token(
        Kind::GithubApp,
        "GitHub App token",
        &["ghu_", "ghs_"],
        alnum,
        36,
        36,
    ),
    token(
        Kind::GithubRefresh,
        "GitHub refresh token",
        &["ghr_"],
        alnum,
        36,
        36,
    ),
    token(
        Kind::GitlabPat,
        "GitLab personal access token",
        &["glpat-"],
        word_dash_dot,
        20,
        80,
    ),
    token(
        Kind::GitlabOther,
        "GitLab token",
        &[
            "gldt-", "glrt-", "glrtr-", "glcbt-", "glptt-", "glft-", "glimt-", "glagent-",
            "gloas-", "glsoat-", "glffct-",
        ],
        word_dash_dot,
        20,
        80,
    ),
    checked(
        token(
            Kind::SlackToken,
            "Slack token",
            &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"],
            alnum_dash,
            20,
            255,
        ),
        slack_body,
    ),
    checked(
        token(
            Kind::SlackAppToken,
            "Slack app-level token",
            &["xapp-"],
            alnum_dash,
            20,
            255,
        ),
        slack_body,
    ),
    token(
        Kind::StripeLive,
        "Stripe live secret key",
        &["sk_live_", "rk_live_"],
        alnum,
        20,
        247,
    ),
    token(
        Kind::StripeTest,
        "Stripe test-mode secret key",
        &["sk_test_", "rk_test_"],
        alnum,
        20,
        247,
    ),
    token(
        Kind::StripePublishable,
        "Stripe live publishable key",
        &["pk_live_"],
        alnum,
        20,
        247,
    ),
    token(
        Kind::GoogleApiKey,
        "Google API key",
        &["AIza"],
        word_dash,
        35,
        35,
    ),
    token(Kind::Npm, "npm access token", &["npm_"], alnum, 36, 36),
    token(
        Kind::Pypi,
        "PyPI API token",
        &["pypi-AgEIcHlwaS5vcmc"],
        word_dash,
        50,
        1000,
    ),
    checked(
        token(
            Kind::SendGrid,
            "SendGrid API key",
            &["SG."],
            word_dash_dot,
            66,
            66,
        ),
        sendgrid_body,
    ),
    checked(
        token(Kind::Twilio, "Twilio API key", &["SK"], lower_hex, 32, 32),
        digit_and_letter,
    ),
    token(
        Kind::Shopify,
        "Shopify access token",
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        hex,
        32,
        32,
    ),
    token(
        Kind::Heroku,
        "Heroku API key",
        &["HRKU-AA"],
        word_dash,
        58,
        58,
    ),
    token(
        Kind::Vault,
        "HashiCorp Vault token",
        &["hvs.", "hvb.", "hvr."],
        word_dash,
        24,
        400,
    ),
    token(
        Kind::DigitalOcean,
        "DigitalOcean token",
        &["dop_v1_", "doo_v1_", "dor_v1_"],
        lower_hex,
        64,
        64,
    ),
    checked(
        token(Kind::OpenAi, "OpenAI API key", &["sk-"], word_dash, 40, 250),
        openai_body,
    ),
    token(
        Kind::Anthropic,
        "Anthropic API key",
        &["sk-ant-api03-", "sk-ant-admin01-"],
        word_dash,
        80,
        120,
    ),
    checked(
        token(
            Kind::Grafana,
            "Grafana service account token",
            &["glsa_"],
            word,
            41,
            41,
        ),
        grafana_service_account_body,
    ),
    token(
        Kind::Grafana,
        "Grafana Cloud token",
        &["glc_"],
        base64_padded,
        32,
        400,
    ),
    token(
        Kind::NewRelic,
        "New Relic user API key",
        &["NRAK-"],
        upper_alnum,
        27,
        27,
    ),
    token(
        Kind::Alibaba,
        "Alibaba Cloud AccessKey ID",
        &["LTAI"],
        alnum,
        20,
        20,
    ),
    token(
        Kind::Age,
        "age secret key",
        &["AGE-SECRET-KEY-1"],
        bech32_upper,
        58,
        58,
    ),
];

/// First bytes of every token prefix: the only places [`LineScan::tokens`] looks at.
static TOKEN_FIRST_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < TOKENS.len() {
        let mut j = 0;
        while j < TOKENS[i].prefixes.len() {
            table[TOKENS[i].prefixes[j].as_bytes()[0] as usize] = true;
            j += 1;
        }
        i += 1;
    }
    table
};

/// Slack tokens are dash-separated groups, one of them a long number (team/user id).
fn slack_body(body: &str) -> bool {
    body.bytes().filter(|b| *b == b'-').count() >= 2
        && body.bytes().filter(u8::is_ascii_digit).count() >= 8
}

/// `SG.` + 22 + `.` + 43.
fn sendgrid_body(body: &str) -> bool {
    body.as_bytes().get(22) == Some(&b'.') && body.bytes().filter(|b| *b == b'.').count() == 1
}

/// Hex runs of only digits or only letters are counters and words, not keys.
fn digit_and_letter(body: &str) -> bool {
    body.bytes().any(|b| b.is_ascii_digit()) && body.bytes().any(|b| b.is_ascii_alphabetic())
}

/// OpenAI keys carry `T3BlbkFJ` (base64 of "OpenAI"); Anthropic's `sk-ant-` is not one.
fn openai_body(body: &str) -> bool {
    body.contains("T3BlbkFJ") && !body.starts_with("ant-")
}

/// `glsa_` + 32 alphanumerics + `_` + 8 hex digits.
fn grafana_service_account_body(body: &str) -> bool {
    let b = body.as_bytes();
    b.len() == 41
        && b[..32].iter().all(|c| alnum(*c))
        && b[32] == b'_'
        && b[33..].iter().all(|c| hex(*c))
}

impl LineScan<'_> {
    fn push(&mut self, kind: Kind, label: &'static str, span: Range<usize>) {
        self.hits.push(RawHit { kind, label, span });
    }

    /// True when `span` overlaps a hit already found. Hits are kept sorted by start
    /// with a running maximum of ends (see [`LineScan::index`]), so this is a binary
    /// search, not a pass over every hit.
    fn overlaps(&self, span: &Range<usize>) -> bool {
        let before = self.hits.partition_point(|h| h.span.start < span.end);
        before > 0 && self.max_end[before - 1] > span.start
    }

    /// Sorts the hits and records the running maximum of their ends, for [`overlaps`].
    ///
    /// [`overlaps`]: LineScan::overlaps
    fn index(&mut self) {
        self.hits.sort_by_key(|h| (h.span.start, h.span.end));
        let mut max = 0;
        self.max_end = self
            .hits
            .iter()
            .map(|h| {
                max = max.max(h.span.end);
                max
            })
            .collect();
    }

    /// The keyword is on this line, or in the value's name context.
    /// `anchor` is a substring of every keyword: one search rules most lines out.
    fn near(&self, anchor: &str, keywords: &[&str]) -> bool {
        let has = |text: &str| text.contains(anchor) && keywords.iter().any(|k| text.contains(k));
        has(&self.lower) || has(self.ctx)
    }

    /// Prefixed tokens. One pass over the line: only word starts whose first byte
    /// begins some prefix are compared against the prefixes.
    fn tokens(&mut self) {
        let bytes = self.bytes;
        for at in 0..bytes.len() {
            if !TOKEN_FIRST_BYTES[usize::from(bytes[at])] || (at > 0 && word(bytes[at - 1])) {
                continue;
            }
            let rest = &bytes[at..];
            for spec in TOKENS {
                for prefix in spec.prefixes {
                    if !rest.starts_with(prefix.as_bytes()) {
                        continue;
                    }
                    let body_start = at + prefix.len();
                    let len = run(bytes, body_start, spec.body, spec.max);
                    let end = body_start + len;
                    if len < spec.min || len > spec.max || bytes.get(end).is_some_and(|b| alnum(*b))
                    {
                        continue;
                    }
                    let body = &self.line[body_start..end];
                    if spec.check.is_some_and(|check| !check(body))
                        || !looks_random(&self.line[at..end], body)
                    {
                        continue;
                    }
                    self.push(spec.kind, spec.label, at..end);
                }
            }
        }
    }

    /// `<14 alphanumerics>.atlasv1.<60–70 characters>`.
    fn terraform_cloud(&mut self) {
        const MARKER: &str = ".atlasv1.";
        let bytes = self.bytes;
        let mut found = Vec::new();
        for (at, _) in self.lower.match_indices(MARKER) {
            let Some(start) = at.checked_sub(14) else {
                continue;
            };
            if !bytes[start..at].iter().all(|b| alnum(*b)) || (start > 0 && word(bytes[start - 1]))
            {
                continue;
            }
            let tail_start = at + MARKER.len();
            let len = run(bytes, tail_start, |b| word_dash(b) || b == b'=', 70);
            let end = tail_start + len;
            if !(60..=70).contains(&len) || bytes.get(end).is_some_and(|b| alnum(*b)) {
                continue;
            }
            if looks_random(&self.line[start..end], &self.line[tail_start..end]) {
                found.push(start..end);
            }
        }
        for span in found {
            self.push(Kind::TerraformCloud, "Terraform Cloud API token", span);
        }
    }

    fn private_key(&mut self) {
        const BEGIN: &str = "-----BEGIN ";
        const LABELS: &[(&str, &str)] = &[
            ("", "Private key"),
            ("RSA ", "RSA private key"),
            ("EC ", "EC private key"),
            ("DSA ", "DSA private key"),
            ("OPENSSH ", "OpenSSH private key"),
            ("ENCRYPTED ", "Encrypted private key"),
            ("PGP ", "PGP private key block"),
        ];
        let mut found = Vec::new();
        for (at, _) in self.line.match_indices(BEGIN) {
            let rest = &self.line[at + BEGIN.len()..];
            let Some(key_at) = rest.get(..40).unwrap_or(rest).find("PRIVATE KEY") else {
                continue;
            };
            let Some(&(_, label)) = LABELS.iter().find(|(l, _)| *l == &rest[..key_at]) else {
                continue;
            };
            let after = &rest[key_at + "PRIVATE KEY".len()..];
            let after = after.strip_prefix(" BLOCK").unwrap_or(after);
            let Some(body) = after.strip_prefix("-----") else {
                continue;
            };
            let header_end = self.line.len() - body.len();
            if key_body_follows(body, self.following) {
                found.push((label, at..header_end));
            }
        }
        for (label, span) in found {
            self.push(Kind::PrivateKey, label, span);
        }
    }

    fn jwt(&mut self) {
        let bytes = self.bytes;
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(pos) = self.line[from..].find("eyJ") {
            let start = from + pos;
            from = start + 3;
            if start > 0 && (base64url(bytes[start - 1]) || bytes[start - 1] == b'.') {
                continue;
            }
            let Some(end) = jwt_at(bytes, start) else {
                continue;
            };
            from = end;
            found.push(start..end);
        }
        for span in found {
            self.push(Kind::Jwt, "JSON Web Token", span);
        }
    }

    /// `hooks.slack.com/services/T…/B…/<secret>` (and `/workflows/`, `/triggers/`).
    fn slack_webhook(&mut self) {
        const HOST: &str = "hooks.slack.com/";
        let bytes = self.bytes;
        let mut found = Vec::new();
        for (at, _) in self.lower.match_indices(HOST) {
            let start = at + HOST.len();
            let rest = &self.line[start..];
            let services = rest.starts_with("services/");
            if !services && !rest.starts_with("workflows/") && !rest.starts_with("triggers/") {
                continue;
            }
            let path_start = start + rest.find('/').map_or(0, |i| i + 1);
            let len = run(bytes, path_start, |b| word_dash(b) || b == b'/', 200);
            let path = &self.line[path_start..path_start + len];
            let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            let Some(secret) = segments.last() else {
                continue;
            };
            let shape = if services {
                segments.len() == 3
                    && segments[0].starts_with('T')
                    && segments[1].starts_with('B')
                    && (20..=40).contains(&secret.len())
                    && secret.bytes().all(alnum)
            } else {
                segments.len() >= 2 && secret.len() >= 20
            };
            if shape && looks_random(path, secret) {
                found.push(path_start..path_start + len);
            }
        }
        for span in found {
            self.push(Kind::SlackWebhook, "Slack webhook URL", span);
        }
    }

    fn aws_secret_key(&mut self) {
        const KEYWORDS: &[&str] = &[
            "aws_secret",
            "aws-secret",
            "awssecret",
            "secret_access_key",
            "secret-access-key",
            "secretaccesskey",
            "secret_key",
            "secretkey",
        ];
        if !self.near("secret", KEYWORDS) {
            return;
        }
        let mut found = Vec::new();
        for span in runs(self.bytes, base64) {
            let candidate = &self.line[span.clone()];
            let bounded = self.bytes.get(span.end) != Some(&b'=');
            if candidate.len() == 40
                && bounded
                && character_classes(candidate) >= 3
                && shannon_entropy(candidate) >= 4.0
                && !is_placeholder(candidate)
            {
                found.push(span);
            }
        }
        for span in found {
            self.push(Kind::AwsSecretAccessKey, "AWS secret access key", span);
        }
    }

    /// 86 base64 characters and `==`, after `AccountKey=` or next to an account key name.
    fn azure_storage_key(&mut self) {
        const KEYWORDS: &[&str] = &[
            "accountkey",
            "account_key",
            "storage_key",
            "access_key",
            "storagekey",
        ];
        if !self.near("key", KEYWORDS) {
            return;
        }
        let mut found = Vec::new();
        for span in runs(self.bytes, base64) {
            let end = span.end + 2;
            let padded = self.bytes.get(span.end..end) == Some(b"==".as_slice())
                && !self.bytes.get(end).is_some_and(|b| base64_padded(*b));
            let candidate = &self.line[span.clone()];
            if candidate.len() == 86
                && padded
                && shannon_entropy(candidate) >= 4.5
                && !is_placeholder(candidate)
            {
                found.push(span.start..end);
            }
        }
        for span in found {
            self.push(Kind::AzureStorageKey, "Azure storage account key", span);
        }
    }

    fn heroku_uuid(&mut self) {
        if !self.near("heroku", &["heroku"]) {
            return;
        }
        let mut found = Vec::new();
        for span in runs(self.bytes, |b| hex(b) || b == b'-') {
            let candidate = &self.line[span.clone()];
            let alnum_edge = span.start > 0 && alnum(self.bytes[span.start - 1])
                || self.bytes.get(span.end).is_some_and(|b| alnum(*b));
            if !alnum_edge && is_uuid(candidate) && !is_placeholder(candidate) {
                found.push(span);
            }
        }
        for span in found {
            self.push(Kind::Heroku, "Heroku API key", span);
        }
    }

    fn datadog(&mut self) {
        const KEYWORDS: &[&str] = &[
            "datadog",
            "dd_api_key",
            "dd_app_key",
            "dd-api-key",
            "dd-application-key",
            "dd_application_key",
            "ddapikey",
            "ddappkey",
        ];
        if !self.near("d", KEYWORDS) {
            return;
        }
        let mut found = Vec::new();
        for span in runs(self.bytes, lower_hex) {
            let candidate = &self.line[span.clone()];
            let alnum_edge = span.start > 0 && alnum(self.bytes[span.start - 1])
                || self.bytes.get(span.end).is_some_and(|b| alnum(*b));
            // A 40-digit run right after `ref=`, `sha`, `@` or `commit` is a git commit.
            let before = &self.lower.as_bytes()[span.start.saturating_sub(8)..span.start];
            let commit = [&b"ref="[..], b"sha", b"@", b"commit", b"rev"]
                .iter()
                .any(|m| before.windows(m.len()).any(|w| w == *m));
            if !alnum_edge
                && (candidate.len() == 32 || (candidate.len() == 40 && !commit))
                && digit_and_letter(candidate)
                && shannon_entropy(candidate) >= 3.2
                && !is_placeholder(candidate)
            {
                found.push(span);
            }
        }
        for span in found {
            self.push(Kind::Datadog, "Datadog API or application key", span);
        }
    }

    /// `scheme://user:password@host`.
    fn url_credentials(&mut self) {
        let bytes = self.bytes;
        let mut found = Vec::new();
        for (at, _) in self.line.match_indices("://") {
            let scheme_len = bytes[..at]
                .iter()
                .rev()
                .take_while(|b| alnum(**b) || matches!(b, b'+' | b'.' | b'-'))
                .count();
            if scheme_len < 2 || !bytes[at - scheme_len].is_ascii_alphabetic() {
                continue;
            }
            let start = at + 3;
            let len = run(
                bytes,
                start,
                |b| {
                    !b.is_ascii_whitespace()
                        && !matches!(
                            b,
                            b'/' | b'?' | b'#' | b'@' | b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\'
                        )
                },
                512,
            );
            if bytes.get(start + len) != Some(&b'@') {
                continue;
            }
            let userinfo = &self.line[start..start + len];
            let Some(colon) = userinfo.find(':') else {
                continue;
            };
            let (user, password) = (&userinfo[..colon], &userinfo[colon + 1..]);
            let password_start = start + colon + 1;
            let span = password_start..password_start + password.len();
            let reference = password.starts_with(['$', '{', '%', '<', '*']);
            if password.chars().count() >= 6
                && password != user
                && !reference
                && !is_placeholder(password)
                && shannon_entropy(password) >= 2.5
                && !self.overlaps(&span)
            {
                found.push(span);
            }
        }
        for span in found {
            self.push(Kind::UrlCredentials, "Password in a connection URL", span);
        }
    }

    /// `name = "value"`, `"name": "value"`, `NAME=value` where the name says secret.
    fn generic(&mut self) {
        let bytes = self.bytes;
        let n = bytes.len();
        let mut found = Vec::new();
        let mut i = 0;
        while i < n {
            if !name_byte(bytes[i]) {
                i += 1;
                continue;
            }
            let name_start = i;
            while i < n && name_byte(bytes[i]) {
                i += 1;
            }
            if !has_secret_hint(&self.lower[name_start..i]) {
                continue;
            }
            let Some(label) = secret_name(&self.line[name_start..i]) else {
                continue;
            };
            let Some((value, value_end)) = self.assigned_value(name_start, i) else {
                continue;
            };
            i = i.max(value_end);
            let (offset, candidate) = strip_auth_scheme(&self.line[value.clone()]);
            let span = value.start + offset..value.start + offset + candidate.len();
            if generic_value_ok(candidate) && !self.overlaps(&span) {
                found.push((label, span));
            }
        }
        for (label, span) in found {
            self.push(Kind::Generic, label, span);
        }
    }

    /// The value assigned to the name at `name_start..name_end`, and where the
    /// assignment ends. Quoted values always; unquoted ones only outside configuration
    /// files and when the name starts a statement (`KEY=value`, `export KEY=value`,
    /// `;Password=value` in a connection string, `?token=value` in a query).
    fn assigned_value(&self, name_start: usize, name_end: usize) -> Option<(Range<usize>, usize)> {
        let bytes = self.bytes;
        let n = bytes.len();
        let mut j = name_end;
        if j < n && matches!(bytes[j], b'"' | b'\'') {
            j += 1;
        }
        while j < n && matches!(bytes[j], b' ' | b'\t') {
            j += 1;
        }
        let operator = match (bytes.get(j), bytes.get(j + 1)) {
            (Some(b':'), Some(b'=')) | (Some(b'='), Some(b'>')) | (Some(b'?'), Some(b'=')) => 2,
            (Some(b'='), Some(b'=')) | (Some(b':'), Some(b':')) => return None,
            (Some(b'=' | b':'), _) => 1,
            _ => return None,
        };
        // YAML needs a space after the colon: `a:b` is a scheme, a time or a namespace.
        let bare_colon = operator == 1
            && bytes[j] == b':'
            && !bytes.get(j + 1).is_some_and(|b| *b == b' ' || *b == b'\t');
        j += operator;
        while j < n && matches!(bytes[j], b' ' | b'\t') {
            j += 1;
        }
        let quote = *bytes.get(j)?;
        if matches!(quote, b'"' | b'\'' | b'`') {
            let start = j + 1;
            let mut k = start;
            while k < n {
                match bytes[k] {
                    b'\\' => k += 2,
                    b if b == quote => return Some((start..k, k + 1)),
                    _ => k += 1,
                }
            }
            return None;
        }
        let before = &self.line[..name_start];
        if bare_colon || !statement_start(before) {
            return None;
        }
        // In configuration files an unquoted right-hand side is an expression
        // (`password = var.db_password`); only shell lines in heredocs (`export X=…`)
        // take unquoted values there.
        if self.quoted_only && before.trim().is_empty() {
            return None;
        }
        let len = run(
            bytes,
            j,
            |b| !b.is_ascii_whitespace() && !matches!(b, b';' | b'&' | b',' | b'"' | b'\'' | b'`'),
            GENERIC_MAX_LEN + 1,
        );
        let value = &bytes[j..j + len];
        // Too long (and maybe cut inside a character), or a call, an index or a block
        // (`os.environ["X"]`, `getpass()`, `{ … }`): not a literal.
        if len == 0
            || len > GENERIC_MAX_LEN
            || value
                .iter()
                .any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>'))
        {
            return None;
        }
        Some((j..j + len, j + len))
    }
}

/// True when a name starting after `before` starts a statement or a `key=value` pair.
fn statement_start(before: &str) -> bool {
    let trimmed = before.trim();
    if trimmed.is_empty() {
        return true;
    }
    if before.ends_with([';', '&', '?']) {
        return true;
    }
    matches!(
        trimmed,
        "export" | "-" | "set" | "SET" | "ENV" | "env" | "local" | "declare"
    )
}

/// Scans the base64 body that must follow a private key header: on the same line
/// (JSON strings with `\n` escapes) or on the next non-empty, non-header line.
fn key_body_follows(rest: &str, following: &[&str]) -> bool {
    let body_ok = |text: &str| {
        let text = text
            .trim_start_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '+');
        let text = strip_escaped_newlines(text);
        let len = run(text.as_bytes(), 0, base64_padded, 4096);
        let body = &text[..len];
        len >= 40 && shannon_entropy(body) >= 3.5 && !is_placeholder(body)
    };
    if body_ok(rest) {
        return true;
    }
    for line in following {
        let trimmed = line.trim().trim_matches(|c| c == '"' || c == '\'');
        if trimmed.is_empty() {
            continue;
        }
        // RFC 1421 / OpenPGP armour headers (`Proc-Type: 4,ENCRYPTED`, `Version: …`).
        if trimmed.contains(": ") && !trimmed.contains("-----") {
            continue;
        }
        return body_ok(trimmed);
    }
    false
}

fn strip_escaped_newlines(text: &str) -> &str {
    let mut text = text;
    while let Some(rest) = text
        .strip_prefix("\\n")
        .or_else(|| text.strip_prefix("\\r"))
    {
        text = rest;
    }
    text
}

/// The end of a JWT starting at `start`, when it is one.
fn jwt_at(bytes: &[u8], start: usize) -> Option<usize> {
    let header_len = run(bytes, start, base64url, 2000);
    let dot1 = start + header_len;
    if !(10..=2000).contains(&header_len) || bytes.get(dot1) != Some(&b'.') {
        return None;
    }
    let payload_start = dot1 + 1;
    let payload_len = run(bytes, payload_start, base64url, 16_000);
    let dot2 = payload_start + payload_len;
    if !(10..=16_000).contains(&payload_len)
        || !bytes[payload_start..].starts_with(b"eyJ")
        || bytes.get(dot2) != Some(&b'.')
    {
        return None;
    }
    let signature_start = dot2 + 1;
    let signature_len = run(bytes, signature_start, base64url, 2000);
    let end = signature_start + signature_len;
    // Unsigned (`alg: none`) tokens have no signature: not a credential. JWE has 5 parts.
    if !(16..=2000).contains(&signature_len)
        || bytes.get(end).is_some_and(|b| *b == b'.' || alnum(*b))
    {
        return None;
    }
    let header: serde_json::Value =
        serde_json::from_slice(&base64_decode_bytes(&bytes[start..dot1])?).ok()?;
    let alg = header.get("alg")?.as_str()?;
    if alg.eq_ignore_ascii_case("none") {
        return None;
    }
    let payload_bytes = base64_decode_bytes(&bytes[payload_start..dot2])?;
    let payload: serde_json::Value = serde_json::from_slice(&payload_bytes).ok()?;
    if !payload.is_object() {
        return None;
    }
    // The jwt.io sample token and documentation examples.
    let text = String::from_utf8_lossy(&payload_bytes).to_ascii_lowercase();
    if text.contains("john doe") || text.contains("example") || text.contains("placeholder") {
        return None;
    }
    Some(end)
}

// ---------------------------------------------------------------------------------------
// Names and values
// ---------------------------------------------------------------------------------------

fn name_byte(b: u8) -> bool {
    alnum(b) || matches!(b, b'_' | b'-' | b'.')
}

/// Lower-case words of a name: `DB_PASSWORD`, `dbPassword`, `db-password` and
/// `APIKey` give `[db, password]`, `[db, password]`, `[db, password]`, `[api, key]`.
fn segments(name: &str) -> Vec<String> {
    let bytes = name.as_bytes();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &b) in bytes.iter().enumerate() {
        if !alnum(b) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if b.is_ascii_uppercase() && !current.is_empty() && i > 0 {
            let prev = bytes[i - 1];
            let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push(std::mem::take(&mut current));
            }
        }
        current.push(b.to_ascii_lowercase() as char);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A name ending like this holds a reference, a setting or metadata about a secret,
/// not the secret: `secret_arn`, `kms_key_id`, `token_type`, `password_length`.
const LAST_EXCLUDED: &[&str] = &[
    "id",
    "ids",
    "arn",
    "arns",
    "name",
    "names",
    "type",
    "types",
    "url",
    "urls",
    "uri",
    "endpoint",
    "endpoints",
    "length",
    "len",
    "policy",
    "file",
    "filename",
    "path",
    "dir",
    "version",
    "enabled",
    "enable",
    "required",
    "rotation",
    "ttl",
    "expiry",
    "expiration",
    "expires",
    "count",
    "format",
    "header",
    "field",
    "prefix",
    "suffix",
    "reset",
    "min",
    "max",
    "mode",
    "location",
    "source",
    "ref",
    "hash",
    "digest",
    "sha",
    "checksum",
    "kms",
    "pattern",
    "regex",
    "rule",
    "rules",
    "description",
    "label",
    "lifetime",
    "duration",
    "timeout",
    "age",
    "alias",
    "hint",
    "prompt",
    "provider",
    "manager",
    "generator",
    "size",
    "bits",
    "bytes",
    "algorithm",
    "status",
    "state",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "role",
    "user",
    "username",
    "login",
    "email",
    "region",
    "host",
    "port",
    "period",
    "days",
    "hours",
    "minutes",
    "seconds",
    "validity",
    "units",
    "unit",
    "parameter",
    "param",
    "usage",
    "reference",
    "template",
    "config",
    "method",
    "schedule",
    "store",
    "vault",
    "group",
    "mount",
    "backend",
    "engine",
    "attribute",
    "attributes",
    "key_id",
    "keyid",
    "set",
    "list",
    "map",
    "policies",
    "flag",
    "flags",
    "check",
    "input",
    "output",
    "variable",
    "var",
    "env",
    "secretsmanager",
];

/// A name containing any of these is about secrets, not one.
const ANY_EXCLUDED: &[&str] = &[
    "arn",
    "kms",
    "ttl",
    "rotation",
    "expiry",
    "expiration",
    "validity",
    "length",
    "policy",
    "reset",
    "complexity",
    "strength",
    "minimum",
    "maximum",
    "reuse",
    "pattern",
    "regex",
    "hint",
    "prompt",
    "checksum",
    "hash",
    "digest",
    "fingerprint",
    "placeholder",
    "generator",
    "manage",
    "require",
    "required",
    "allow",
    "create",
    "generate",
    "rotate",
    "auto",
    "random",
];

fn name_excluded(name: &str) -> bool {
    let segments = segments(name);
    segments
        .last()
        .is_some_and(|s| LAST_EXCLUDED.contains(&s.as_str()))
        || segments.iter().any(|s| ANY_EXCLUDED.contains(&s.as_str()))
}

/// The label of a name that says "this is a credential", or `None`.
/// Substrings every credential name has; a cheap test before splitting a name.
fn has_secret_hint(lower: &str) -> bool {
    ["pass", "pwd", "secret", "token", "key", "cred", "auth"]
        .iter()
        .any(|hint| lower.contains(hint))
}

fn secret_name(name: &str) -> Option<&'static str> {
    if !has_secret_hint(&name.to_ascii_lowercase()) {
        return None;
    }
    let segments = segments(name);
    let last = segments.last()?;
    if LAST_EXCLUDED.contains(&last.as_str())
        || segments.iter().any(|s| ANY_EXCLUDED.contains(&s.as_str()))
    {
        return None;
    }
    let has = |words: &[&str]| segments.iter().any(|s| words.contains(&s.as_str()));
    let pair = |firsts: &[&str], second: &str| {
        segments
            .windows(2)
            .any(|w| firsts.contains(&w[0].as_str()) && w[1] == second)
    };
    if has(&[
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "pass",
        "passwords",
        "passcode",
    ]) {
        Some("Hard-coded password")
    } else if has(&["apikey", "apitoken"]) || pair(&["api"], "key") || pair(&["api"], "token") {
        Some("Hard-coded API key")
    } else if has(&["token", "tokens"]) {
        Some("Hard-coded token")
    } else if has(&[
        "accesskey",
        "privatekey",
        "secretkey",
        "signingkey",
        "authkey",
        "masterkey",
    ]) || pair(
        &[
            "access",
            "private",
            "secret",
            "signing",
            "auth",
            "master",
            "account",
            "app",
            "application",
            "client",
        ],
        "key",
    ) {
        Some("Hard-coded secret key")
    } else if has(&["secret", "secrets"]) {
        Some("Hard-coded secret")
    } else if has(&["credential", "credentials", "creds", "authorization"])
        || segments.len() == 1 && last == "auth"
    {
        Some("Hard-coded credential")
    } else {
        None
    }
}

/// `Bearer abc…` / `Basic abc…` / `token abc…`: the credential is after the scheme.
fn strip_auth_scheme(value: &str) -> (usize, &str) {
    for scheme in ["Bearer ", "bearer ", "Basic ", "basic ", "token ", "Token "] {
        if let Some(rest) = value.strip_prefix(scheme) {
            return (scheme.len(), rest);
        }
    }
    (0, value)
}

/// The value gates of the generic rule (see [`GENERIC_MIN_ENTROPY`]).
fn generic_value_ok(value: &str) -> bool {
    let len = value.chars().count();
    if !(GENERIC_MIN_LEN..=GENERIC_MAX_LEN).contains(&len)
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
        || is_placeholder(value)
        || looks_like_reference(value)
        || looks_like_path(value)
    {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    // Environment and template references, YAML anchors and tags, bcrypt/crypt hashes,
    // Key Vault references, ARNs and URLs (URL passwords have their own rule).
    if value.starts_with(['$', '%', '@', '&', '*', '!'])
        || lower.starts_with("arn:")
        || lower.contains("://")
        || (value.contains('(') && value.ends_with(')'))
    {
        return false;
    }
    let entropy = shannon_entropy(value);
    // Letters only (`SecretName`, `Authorization`) is a word or an identifier, unless it
    // is long and random enough to be generated.
    let letters_only = value
        .chars()
        .all(|c| c.is_ascii_alphabetic() || matches!(c, '-' | '_' | '.' | '/' | ':'));
    character_classes(value) >= 2
        && entropy >= GENERIC_MIN_ENTROPY
        && (!letters_only || (len >= 20 && entropy >= 4.0))
}

/// `random_password.db.result`, `aws_secretsmanager_secret.db.arn`: an unquoted
/// expression, not a value.
fn looks_like_reference(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes
        .first()
        .is_some_and(|b| b.is_ascii_lowercase() || *b == b'_')
        && value.contains('.')
        && bytes.iter().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'_' | b'.' | b'-' | b'[' | b']' | b'"' | b'*')
        })
}

fn looks_like_path(value: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        ".pem", ".key", ".crt", ".cer", ".json", ".txt", ".yaml", ".yml", ".p12", ".pfx", ".jks",
        ".env", ".cfg", ".conf", ".ini", ".gpg", ".asc", ".tpl", ".sh",
    ];
    let lower = value.to_ascii_lowercase();
    value.starts_with(['/', '~'])
        || value.starts_with("./")
        || value.starts_with("../")
        || lower.starts_with("file:")
        || (value.len() > 2 && value.as_bytes()[1] == b':' && value.as_bytes()[2] == b'\\')
        || EXTENSIONS.iter().any(|ext| lower.ends_with(ext))
        // `org/repo#path`, `prod/db/main-2`: generated secrets with slashes (AWS secret
        // keys) have upper-case letters.
        || (value.contains('/') && !value.bytes().any(|b| b.is_ascii_uppercase()))
}

const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "dummy",
    "placeholder",
    "redacted",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "your_",
    "your-",
    "yourpassword",
    "yourtoken",
    "yoursecret",
    "xxxx",
    "****",
    "${",
    "{{",
    "$(",
    "%(",
    "#{",
    "sample",
    "fake",
    "notreal",
    "not-a-real",
    "not_a_real",
    "insert",
    "replace_with",
    "replace-with",
    "replaceme",
    "secret_here",
    "token_here",
    "key_here",
    "password_here",
    "...",
    "…",
];

const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passw0rd",
    "password1",
    "password123",
    "secret",
    "token",
    "none",
    "null",
    "nil",
    "undefined",
    "true",
    "false",
    "string",
    "hidden",
    "masked",
    "default",
    "todo",
    "tbd",
    "n/a",
    "unset",
    "empty",
    "required",
    "sensitive",
    "foobar",
    "test",
    "testing",
    "admin",
    "root",
    "letmein",
    "qwerty",
    "welcome",
    "12345678",
    "123456789",
    "1234567890",
];

const REFERENCE_PREFIXES: &[&str] = &[
    "var.",
    "local.",
    "module.",
    "data.",
    "each.",
    "count.",
    "self.",
    "path.",
    "terraform.",
    "ephemeral.",
];

/// Documentation values, templates and references: never reported.
fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w))
        || PLACEHOLDER_VALUES.contains(&lower.as_str())
        || REFERENCE_PREFIXES.iter().any(|p| lower.starts_with(p))
    {
        return true;
    }
    if let Some(open) = value.find('<')
        && value[open..].contains('>')
    {
        return true;
    }
    let first = value.chars().next();
    if value.chars().all(|c| Some(c) == first) {
        return true;
    }
    sequential(value)
}

/// `abcdefgh`, `0123456789abcdef…`, `987654321`: typed, not generated.
fn sequential(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() < 6 {
        return false;
    }
    let steps = bytes
        .windows(2)
        .filter(|w| w[1] == w[0].wrapping_add(1) || w[0] == w[1].wrapping_add(1))
        .count();
    steps * 10 >= (bytes.len() - 1) * 6
}

/// The variable part of a token looks generated, and the token is no placeholder.
fn looks_random(token: &str, body: &str) -> bool {
    let min = if body.len() >= 16 { 3.0 } else { 2.5 };
    !is_placeholder(token) && !is_placeholder(body) && shannon_entropy(body) >= min
}

/// Shannon entropy in bits per character (bytes, which is the same for ASCII).
pub fn shannon_entropy(value: &str) -> f64 {
    let bytes = value.as_bytes();
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let total = bytes.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|&c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum()
}

/// How many of lower case, upper case, digits and other symbols (not `-_./:`) occur.
fn character_classes(value: &str) -> usize {
    let mut classes = [false; 4];
    for c in value.chars() {
        let class = if c.is_ascii_lowercase() {
            0
        } else if c.is_ascii_uppercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else if matches!(c, '-' | '_' | '.' | '/' | ':') {
            continue;
        } else {
            3
        };
        classes[class] = true;
    }
    classes.iter().filter(|c| **c).count()
}

fn is_uuid(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                hex(*c)
            }
        })
}

// ---------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
fn word(b: u8) -> bool {
    alnum(b) || b == b'_'
}
fn word_dash(b: u8) -> bool {
    word(b) || b == b'-'
}
fn word_dash_dot(b: u8) -> bool {
    word_dash(b) || b == b'.'
}
fn alnum_dash(b: u8) -> bool {
    alnum(b) || b == b'-'
}
fn hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}
fn lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}
fn base64(b: u8) -> bool {
    alnum(b) || b == b'+' || b == b'/'
}
fn base64_padded(b: u8) -> bool {
    base64(b) || b == b'='
}
fn base64url(b: u8) -> bool {
    word_dash(b)
}
fn bech32_upper(b: u8) -> bool {
    b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".contains(&b)
}

/// Length of the run of `class` bytes at `from`, reading at most `limit + 1` bytes (so a
/// run longer than `limit` is seen as such without reading it all).
fn run(bytes: &[u8], from: usize, class: fn(u8) -> bool, limit: usize) -> usize {
    bytes
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take(limit.saturating_add(1))
        .take_while(|b| class(**b))
        .count()
}

/// The maximal runs of `class` bytes in a line.
fn runs(bytes: &[u8], class: fn(u8) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (class(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..bytes.len());
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    base64_decode_bytes(text.as_bytes())
}

/// Decodes standard or URL-safe base64, padded or not.
fn base64_decode_bytes(input: &[u8]) -> Option<Vec<u8>> {
    let input = input
        .strip_suffix(b"==")
        .or_else(|| input.strip_suffix(b"="))
        .unwrap_or(input);
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in input {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::{ChangeSet, Document, Origin};

    // Test secrets are generated at run time from a fixed seed, and vendor prefixes are
    // split, so this file holds nothing that looks like a live credential to a scanner.
    const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const HEX: &str = "0123456789abcdef";
    const DIGITS: &str = "0123456789";
    const BECH32: &str = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

    fn b64_alphabet() -> String {
        format!("{ALNUM}+/")
    }

    fn b64url_alphabet() -> String {
        format!("{ALNUM}-_")
    }

    /// Deterministic pseudo-random string (xorshift64).
    fn fake(alphabet: &str, len: usize, seed: u64) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let mut state = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407)
            | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                chars[(state % chars.len() as u64) as usize]
            })
            .collect()
    }

    fn cat(parts: &[&str]) -> String {
        parts.concat()
    }

    fn encode_base64(data: &[u8], url: bool) -> String {
        let alphabet: Vec<char> = if url {
            b64url_alphabet()
        } else {
            b64_alphabet()
        }
        .chars()
        .collect();
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize]);
            }
            if !url {
                for _ in chunk.len()..3 {
                    out.push('=');
                }
            }
        }
        out
    }

    fn jwt(header: &str, payload: &str, seed: u64) -> String {
        format!(
            "{}.{}.{}",
            encode_base64(header.as_bytes(), true),
            encode_base64(payload.as_bytes(), true),
            fake(&b64url_alphabet(), 43, seed)
        )
    }

    fn uuid(seed: u64) -> String {
        let h = fake(HEX, 32, seed);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }

    fn generic_password() -> String {
        cat(&["S3cr3t", "!v4lue", "-long"])
    }

    fn aws_key_id(seed: u64) -> String {
        cat(&["AK", "IA", &fake(UPPER, 16, seed)])
    }

    fn aws_secret(seed: u64) -> String {
        fake(&b64_alphabet(), 40, seed)
    }

    fn private_key_header() -> String {
        cat(&["-----BEGIN RSA ", "PRIVATE KEY-----"])
    }

    /// (rule id, line, the secret in it) for one true positive of every rule.
    fn samples() -> Vec<(&'static str, String, String)> {
        let mut out = Vec::new();
        let mut add = |id: &'static str, line: String, secret: String| {
            out.push((id, line, secret));
        };
        let s = aws_key_id(1);
        add("RG-SECRET-001", format!("x = \"{s}\""), s);
        let s = aws_secret(2);
        add(
            "RG-SECRET-002",
            format!("aws_secret_access_key = \"{s}\""),
            s,
        );
        let s = cat(&["gh", "p_", &fake(ALNUM, 36, 3)]);
        add("RG-SECRET-003", format!("GITHUB_TOKEN={s}"), s);
        let s = cat(&[
            "github",
            "_pat_",
            &fake(ALNUM, 22, 4),
            "_",
            &fake(ALNUM, 59, 5),
        ]);
        add("RG-SECRET-004", format!("x: {s}"), s);
        let s = cat(&["gh", "o_", &fake(ALNUM, 36, 6)]);
        add("RG-SECRET-005", format!("x = '{s}'"), s);
        let s = cat(&["gh", "s_", &fake(ALNUM, 36, 7)]);
        add("RG-SECRET-006", format!("x = \"{s}\""), s);
        let s = cat(&["gh", "u_", &fake(ALNUM, 36, 8)]);
        add("RG-SECRET-006", format!("x = \"{s}\""), s);
        let s = cat(&["gh", "r_", &fake(ALNUM, 36, 9)]);
        add("RG-SECRET-007", format!("x = \"{s}\""), s);
        let s = cat(&["gl", "pat-", &fake(&b64url_alphabet(), 20, 10)]);
        add("RG-SECRET-008", format!("x = \"{s}\""), s);
        let s = cat(&["gl", "dt-", &fake(ALNUM, 20, 11)]);
        add("RG-SECRET-009", format!("x = \"{s}\""), s);
        let s = cat(&[
            "xo",
            "xb-",
            &fake(DIGITS, 11, 12),
            "-",
            &fake(DIGITS, 12, 13),
            "-",
            &fake(ALNUM, 24, 14),
        ]);
        add("RG-SECRET-010", format!("slack_token: \"{s}\""), s);
        let s = cat(&[
            "xa",
            "pp-1-A",
            &fake(UPPER, 10, 15),
            "-",
            &fake(DIGITS, 13, 16),
            "-",
            &fake(HEX, 64, 17),
        ]);
        add("RG-SECRET-011", format!("x = \"{s}\""), s);
        let s = cat(&[
            "T",
            &fake(UPPER, 10, 18),
            "/B",
            &fake(UPPER, 10, 19),
            "/",
            &fake(ALNUM, 24, 20),
        ]);
        add(
            "RG-SECRET-012",
            format!("url = \"https://hooks.slack.com/services/{s}\""),
            s,
        );
        let s = cat(&["sk", "_live_", &fake(ALNUM, 24, 21)]);
        add("RG-SECRET-013", format!("x = \"{s}\""), s);
        let s = cat(&["rk", "_live_", &fake(ALNUM, 24, 22)]);
        add("RG-SECRET-013", format!("x = \"{s}\""), s);
        let s = cat(&["sk", "_test_", &fake(ALNUM, 24, 23)]);
        add("RG-SECRET-014", format!("x = \"{s}\""), s);
        let s = cat(&["pk", "_live_", &fake(ALNUM, 24, 24)]);
        add("RG-SECRET-015", format!("x = \"{s}\""), s);
        let s = cat(&["AI", "za", &fake(&b64url_alphabet(), 35, 25)]);
        add("RG-SECRET-016", format!("x = \"{s}\""), s);
        let s = cat(&[
            &encode_base64(br#"{"alg":"HS256","typ":"JWT"}"#, true),
            ".",
            &encode_base64(br#"{"sub":"svc-deployer","iat":1700000000}"#, true),
            ".",
            &fake(&b64url_alphabet(), 43, 26),
        ]);
        add("RG-SECRET-018", format!("Authorization: Bearer {s}"), s);
        let s = cat(&[&fake(&b64_alphabet(), 86, 27), "=="]);
        add(
            "RG-SECRET-019",
            format!(
                "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={s};EndpointSuffix=core.windows.net"
            ),
            s,
        );
        let s = cat(&["np", "m_", &fake(ALNUM, 36, 28)]);
        add(
            "RG-SECRET-020",
            format!("//registry.npmjs.org/:_authToken={s}"),
            s,
        );
        let s = cat(&[
            "py",
            "pi-AgEIcHlwaS5vcmc",
            &fake(&b64url_alphabet(), 60, 29),
        ]);
        add("RG-SECRET-021", format!("x = \"{s}\""), s);
        let s = cat(&[
            "S",
            "G.",
            &fake(&b64url_alphabet(), 22, 30),
            ".",
            &fake(&b64url_alphabet(), 43, 31),
        ]);
        add("RG-SECRET-022", format!("x = \"{s}\""), s);
        let s = cat(&["S", "K", &fake(HEX, 32, 32)]);
        add("RG-SECRET-023", format!("x = \"{s}\""), s);
        let s = cat(&["shp", "at_", &fake(HEX, 32, 33)]);
        add("RG-SECRET-024", format!("x = \"{s}\""), s);
        let s = cat(&["HR", "KU-AA", &fake(&b64url_alphabet(), 58, 34)]);
        add("RG-SECRET-025", format!("x = \"{s}\""), s);
        let s = uuid(35);
        add("RG-SECRET-025", format!("heroku_api_key = \"{s}\""), s);
        let s = fake(HEX, 32, 36);
        add("RG-SECRET-026", format!("DD_API_KEY={s}"), s);
        let s = fake(HEX, 40, 37);
        add("RG-SECRET-026", format!("datadog_app_key = \"{s}\""), s);
        let s = cat(&[&fake(ALNUM, 14, 38), ".atlas", "v1.", &fake(ALNUM, 67, 39)]);
        add("RG-SECRET-027", format!("x = \"{s}\""), s);
        let s = cat(&["hv", "s.", &fake(&b64url_alphabet(), 90, 40)]);
        add("RG-SECRET-028", format!("x = \"{s}\""), s);
        let s = cat(&["do", "p_v1_", &fake(HEX, 64, 41)]);
        add("RG-SECRET-029", format!("x = \"{s}\""), s);
        let s = cat(&[
            "sk-",
            "proj-",
            &fake(ALNUM, 20, 42),
            "T3Blbk",
            "FJ",
            &fake(ALNUM, 20, 43),
        ]);
        add("RG-SECRET-030", format!("x = \"{s}\""), s);
        let s = cat(&["sk-", "ant-api03-", &fake(&b64url_alphabet(), 93, 44), "AA"]);
        add("RG-SECRET-031", format!("x = \"{s}\""), s);
        let s = cat(&["gl", "sa_", &fake(ALNUM, 32, 45), "_", &fake(HEX, 8, 46)]);
        add("RG-SECRET-032", format!("x = \"{s}\""), s);
        let s = cat(&["NR", "AK-", &fake(UPPER, 27, 47)]);
        add("RG-SECRET-033", format!("x = \"{s}\""), s);
        let s = cat(&["LT", "AI", &fake(ALNUM, 20, 48)]);
        add("RG-SECRET-034", format!("x = \"{s}\""), s);
        let s = cat(&["AGE-", "SECRET-KEY-1", &fake(BECH32, 58, 49)]);
        add("RG-SECRET-035", format!("identity: {s}"), s);
        let s = fake(ALNUM, 16, 50);
        add(
            "RG-SECRET-036",
            format!("DATABASE_URL=\"postgres://app:{s}@db.internal:5432/app\""),
            s,
        );
        let s = generic_password();
        add("RG-SECRET-037", format!("password = \"{s}\""), s);
        let s = fake(&format!("{ALNUM}!#%"), 20, 51);
        add("RG-SECRET-037", format!("\"client_secret\": \"{s}\","), s);
        let s = fake(ALNUM, 24, 52);
        add("RG-SECRET-037", format!("export DB_PASSWORD={s}"), s);
        let s = fake(ALNUM, 24, 53);
        add("RG-SECRET-037", format!("  apiKey: {s}"), s);
        out
    }

    fn ids(matches: &[SecretMatch]) -> Vec<&'static str> {
        matches.iter().map(SecretMatch::rule_id).collect()
    }

    #[test]
    fn every_rule_has_a_true_positive() {
        let samples = samples();
        for (id, line, secret) in &samples {
            let found = find_secrets(line);
            assert_eq!(ids(&found), [*id], "{id}: {found:?}");
            let m = &found[0];
            assert_eq!(&line[m.span()], secret.as_str(), "{id}: span");
            assert_eq!(m.masked(), mask(secret), "{id}");
            assert_eq!(m.rule().id, *id);
        }
        let covered: HashSet<&str> = samples.iter().map(|(id, _, _)| *id).collect();
        for rule in rules() {
            let private_key = rule.id == "RG-SECRET-017"; // multi-line: own test
            assert!(
                covered.contains(rule.id) || private_key,
                "{} has no true positive",
                rule.id
            );
        }
    }

    #[test]
    fn private_key_blocks_need_key_material() {
        let body = fake(&b64_alphabet(), 64, 60);
        let pem = format!(
            "{}\n{body}\n{}\n-----END RSA PRIVATE KEY-----\n",
            private_key_header(),
            fake(&b64_alphabet(), 64, 61)
        );
        let found = find_secrets(&pem);
        assert_eq!(ids(&found), ["RG-SECRET-017"], "{found:?}");
        assert_eq!(found[0].kind(), "RSA private key");
        assert_eq!(found[0].line_index(), 0);

        // JSON-escaped on one line, as in a service account key file.
        let json = format!(
            r#"  "private_key": "{}\n{body}\n""#,
            cat(&["-----BEGIN ", "PRIVATE KEY-----"])
        );
        assert_eq!(ids(&find_secrets(&json)), ["RG-SECRET-017"]);

        // OpenSSH and PGP variants, with armour headers before the body.
        let openssh = format!(
            "{}\n{body}\n",
            cat(&["-----BEGIN OPENSSH ", "PRIVATE KEY-----"])
        );
        assert_eq!(find_secrets(&openssh)[0].kind(), "OpenSSH private key");
        let pgp = format!(
            "{}\nVersion: GnuPG v2\n\n{body}\n",
            cat(&["-----BEGIN PGP ", "PRIVATE KEY BLOCK-----"])
        );
        assert_eq!(find_secrets(&pgp)[0].kind(), "PGP private key block");

        // Headers alone (code that looks for keys), truncated or elided bodies, and
        // public keys are not reported.
        for text in [
            format!("if line.starts_with(\"{}\") {{", private_key_header()),
            format!("{}\nMIIEowIBAAKCAQEA...\n", private_key_header()),
            format!(
                "{}\n...\n-----END RSA PRIVATE KEY-----",
                private_key_header()
            ),
            format!("{}\n<your key here>\n", private_key_header()),
            format!("-----BEGIN PUBLIC KEY-----\n{body}\n"),
            format!("-----BEGIN CERTIFICATE-----\n{body}\n"),
        ] {
            assert!(find_secrets(&text).is_empty(), "{text}");
        }
    }

    #[test]
    fn placeholders_and_documentation_values_are_not_reported() {
        let x36 = "x".repeat(36);
        let lines = [
            "aws_access_key_id = \"AKIAIOSFODNN7EXAMPLE\"".to_owned(),
            "aws_secret_access_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"".to_owned(),
            "access_key = \"AKIAIOSFODNN7EXAMPLE\"".to_owned(),
            "password = \"changeme\"".to_owned(),
            "password = \"password\"".to_owned(),
            "password = \"example\"".to_owned(),
            "password = \"\"".to_owned(),
            "password = \"xxxxxxxxxxxx\"".to_owned(),
            "token = \"XXXXXXXXXXXXXXXXXXXXXXXX\"".to_owned(),
            "api_key = \"<your-api-key>\"".to_owned(),
            "api_key = \"<API_KEY>\"".to_owned(),
            "password = \"${var.db_password}\"".to_owned(),
            "password = \"${data.aws_ssm_parameter.db.value}\"".to_owned(),
            "password = var.db_password".to_owned(),
            "password = local.db_password".to_owned(),
            "password = random_password.db.result".to_owned(),
            "secret = \"aaaaaaaaaaaaaaaa\"".to_owned(),
            "secret = \"abcdefghijklmnop\"".to_owned(),
            "password = \"12345678\"".to_owned(),
            "secret = \"my-Dummy-S3cret-1\"".to_owned(),
            "password = \"Placeholder_Pass1\"".to_owned(),
            "api_key = \"REDACTED-KEY-9\"".to_owned(),
            "password = \"****Abc1****\"".to_owned(),
            "client_secret = \"ExampleSecret#2024\"".to_owned(),
            "token: {{ .Values.token }}".to_owned(),
            "password: ${DB_PASSWORD}".to_owned(),
            "password: $DB_PASSWORD".to_owned(),
            "DB_PASSWORD=$(cat /run/secrets/db)".to_owned(),
            "\"password\": \"{{resolve:secretsmanager:prod/db:SecretString:password}}\"".to_owned(),
            "if password == \"hunter2hunter2\" {".to_owned(),
            "password = \"hunter22\"".to_owned(),
            format!("token = \"{}\"", cat(&["gh", "p_", &x36])),
            format!(
                "token = \"{}\"",
                cat(&["gh", "p_", "0123456789abcdefghijklmnopqrstuvwxyz"])
            ),
            format!(
                "key = \"{}\"",
                cat(&["sk", "_live_", "EXAMPLEKEY000000000000000"])
            ),
            format!("key = \"{}\"", cat(&["pk", "_test_", &fake(ALNUM, 24, 70)])),
            format!("token = \"{}\"", cat(&["xo", "xb-your-token-here"])),
            "webhook = \"https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX\""
                .to_owned(),
            "url = \"postgres://user:password@localhost:5432/db\"".to_owned(),
            "url = \"postgres://postgres:postgres@localhost/db\"".to_owned(),
            "url = \"mysql://app:${DB_PASSWORD}@db/app\"".to_owned(),
            "url = \"https://user:<password>@example.com\"".to_owned(),
            "password = os.environ[\"DB_PASSWORD\"]".to_owned(),
            "password = getpass.getpass()".to_owned(),
            "token := os.Getenv(\"GITHUB_TOKEN\")".to_owned(),
            "const password = process.env.DB_PASSWORD;".to_owned(),
            "token = \"Authorization\"".to_owned(),
            "secret = \"MySecretName\"".to_owned(),
            "secret = \"My-Secret-Name_Prod\"".to_owned(),
            "password = \"$2b$12$abcdefghijklmnopqrstuv\"".to_owned(),
            "password_file = \"/run/secrets/db-Pass1\"".to_owned(),
            "private_key = file(\"~/.ssh/id_rsa\")".to_owned(),
            "private_key = \"keys/deploy-2024.pem\"".to_owned(),
            "  credentials: yegor256/home#assets/crates-credentials".to_owned(),
        ];
        for line in &lines {
            let found = find_secrets(line);
            assert!(found.is_empty(), "{line}: {found:?}");
        }
        for (name, value) in [
            ("password", "changeme"),
            ("password", "example-password-123"),
            ("db_password", ""),
            ("api_token", "${var.token}"),
            ("secret", "var.secret_value"),
            ("password", "************"),
            (
                "secret_string",
                "{\"username\":\"admin\",\"engine\":\"mysql\"}",
            ),
            (
                "aws_secret_access_key",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
        ] {
            let found = find_secrets_in_value(name, value);
            assert!(found.is_empty(), "{name} = {value}: {found:?}");
        }
    }

    #[test]
    fn stripe_test_keys_are_low_and_publishable_keys_are_not_authenticators() {
        let test = cat(&["sk", "_test_", &fake(ALNUM, 24, 80)]);
        let found = find_secrets(&test);
        assert_eq!(found[0].rule().severity, Severity::Low);
        let live = cat(&["sk", "_live_", &fake(ALNUM, 24, 81)]);
        assert_eq!(find_secrets(&live)[0].rule().severity, Severity::Critical);
        let publishable = RULES[Kind::StripePublishable as usize].info();
        assert!(publishable.frameworks.is_empty());
        assert_eq!(publishable.severity, Severity::Low);
    }

    #[test]
    fn jwts_must_decode_and_be_signed() {
        let signed = jwt(
            r#"{"alg":"RS256","typ":"JWT"}"#,
            r#"{"iss":"ci","role":"deployer"}"#,
            90,
        );
        assert_eq!(ids(&find_secrets(&signed)), ["RG-SECRET-018"]);
        // alg none, no signature.
        let unsigned = format!(
            "{}.{}.",
            encode_base64(br#"{"alg":"none","typ":"JWT"}"#, true),
            encode_base64(br#"{"sub":"1234"}"#, true)
        );
        assert!(find_secrets(&unsigned).is_empty());
        // The jwt.io sample.
        let sample = jwt(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#,
            91,
        );
        assert!(find_secrets(&sample).is_empty());
        // Header that is not JSON, and a header without alg.
        let not_json = format!(
            "eyJ{}.eyJ{}.{}",
            fake(ALNUM, 20, 92),
            fake(ALNUM, 20, 93),
            fake(ALNUM, 43, 94)
        );
        assert!(find_secrets(&not_json).is_empty());
        let no_alg = jwt(r#"{"typ":"JWT"}"#, r#"{"sub":"x"}"#, 95);
        assert!(find_secrets(&no_alg).is_empty());
    }

    #[test]
    fn generic_rule_uses_the_name_and_the_entropy_threshold() {
        let value = generic_password();
        assert_eq!(
            ids(&find_secrets_in_value("password", &value)),
            ["RG-SECRET-037"]
        );
        assert_eq!(
            find_secrets_in_value("master_password", &value)[0].kind(),
            "Hard-coded password"
        );
        assert_eq!(
            find_secrets_in_value("auth_token", &value)[0].kind(),
            "Hard-coded token"
        );
        assert_eq!(
            find_secrets_in_value("clientSecret", &value)[0].kind(),
            "Hard-coded secret"
        );
        // Without a name it is just a string.
        assert!(find_secrets(&value).is_empty());
        // Names that are about a secret, not the secret.
        for name in [
            "secret_name",
            "secret_arn",
            "kms_key_id",
            "token_type",
            "password_length",
            "min_password_length",
            "password_policy",
            "secret_version",
            "token_endpoint",
            "name",
            "description",
        ] {
            assert!(
                find_secrets_in_value(name, &value).is_empty(),
                "{name} is not a secret name"
            );
        }
        // Entropy and length gates.
        assert!(find_secrets_in_value("password", "Ab1!").is_empty());
        assert!(find_secrets_in_value("password", "hunter22").is_empty());
        assert!(find_secrets_in_value("password", "my-secret-name").is_empty());
        assert!(shannon_entropy("aaaaaaaa") < f64::EPSILON);
        assert!((shannon_entropy("abcdefgh") - 3.0).abs() < 1e-9);
        assert!(shannon_entropy(&value) >= GENERIC_MIN_ENTROPY);
        // Bearer prefixes are not part of the secret.
        let bearer = format!("Bearer {}", fake(ALNUM, 24, 100));
        let found = find_secrets_in_value("authorization", &bearer);
        assert_eq!(ids(&found), ["RG-SECRET-037"]);
        assert_eq!(found[0].span(), 7..bearer.len());
    }

    #[test]
    fn ordinary_terraform_values_are_not_secrets() {
        let script = "#!/bin/bash\nyum install -y nginx\nsystemctl enable --now nginx\n";
        let user_data = encode_base64(script.as_bytes(), false);
        let sha256 = fake(HEX, 64, 110);
        let md5 = fake(HEX, 32, 111);
        let id = uuid(112);
        let hcl = format!(
            r#"terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = "~> 5.0" }}
  }}
}}

provider "aws" {{
  region = "eu-west-1"
}}

provider "azurerm" {{
  features {{}}
  tenant_id       = "{id}"
  subscription_id = "{}"
}}

resource "aws_instance" "web" {{
  ami           = "ami-0c55b159cbfe678d0"
  instance_type = "t3.micro"
  user_data     = "{user_data}"
  iam_instance_profile = "arn:aws:iam::123456789012:instance-profile/web"
  tags = {{
    Name      = "web"
    CommitSha = "{}"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "b" {{
  bucket = "my-bucket"
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "arn:aws:kms:eu-west-1:123456789012:key/{id}"
    }}
  }}
}}

resource "aws_lambda_function" "f" {{
  function_name    = "f"
  source_code_hash = "{sha256}"
  kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/{}"
  environment {{
    variables = {{
      SECRET_ARN  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"
      TOKEN_URL   = "https://auth.example.org/oauth2/token"
      LOG_LEVEL   = "info"
    }}
  }}
}}

resource "aws_db_instance" "db" {{
  engine                      = "postgres"
  username                    = "app"
  manage_master_user_password = true
  password                    = random_password.db.result
  kms_key_id                  = "{id}"
}}

resource "aws_secretsmanager_secret" "s" {{
  name       = "prod/db/master-password"
  kms_key_id = "alias/aws/secretsmanager"
}}

resource "aws_iam_user_login_profile" "u" {{
  user                    = "alice"
  password_length         = 20
  password_reset_required = true
}}

resource "aws_s3_object" "o" {{
  bucket = "b"
  key    = "config.json"
  etag   = "{md5}"
}}

resource "datadog_integration_aws" "dd" {{
  account_id  = "123456789012"
  role_name   = "DatadogIntegrationRole"
  external_id = "{}"
}}

variable "db_password" {{
  type      = string
  sensitive = true
}}

locals {{
  token_ttl = 3600
  secret_id = "prod/api"
}}
"#,
            uuid(113),
            fake(HEX, 40, 114),
            uuid(115),
            fake(HEX, 32, 116),
        );
        let lock = r#"provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.31.0"
  constraints = "~> 5.0"
  hashes = [
    "h1:Hb0kj0eMNYFhQuM6b6rK8JQS0iZK3yC+DvWSMxeMPQ0=",
    "zh:0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d",
  ]
}
"#;
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [
                Document::detect("main.tf", hcl.as_str()),
                Document::detect(".terraform.lock.hcl", lock),
            ],
        );
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        let findings = scan(&cs);
        assert!(findings.is_empty(), "{findings:#?}");
        // The same text as an added diff is quiet too.
        let diff = diff_adding("main.tf", &hcl);
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("pr.diff", diff)]);
        assert_eq!(cs.changed_files.len(), 1);
        let findings = scan(&cs);
        assert!(findings.is_empty(), "{findings:#?}");
    }

    /// A diff that creates `path` with `content`.
    fn diff_adding(path: &str, content: &str) -> String {
        let lines: Vec<&str> = content.lines().collect();
        let mut diff = format!(
            "diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{} @@\n",
            lines.len()
        );
        for line in lines {
            diff.push('+');
            diff.push_str(line);
            diff.push('\n');
        }
        diff
    }

    fn config_fixture() -> (ChangeSet, Vec<String>) {
        let key_id = aws_key_id(120);
        let secret = aws_secret(121);
        let password = generic_password();
        let github = cat(&["gh", "p_", &fake(ALNUM, 36, 122)]);
        let webhook_path = cat(&[
            "T",
            &fake(UPPER, 10, 123),
            "/B",
            &fake(UPPER, 10, 124),
            "/",
            &fake(ALNUM, 24, 125),
        ]);
        let default_password = fake(&format!("{ALNUM}#!"), 18, 126);
        let npm = cat(&["np", "m_", &fake(ALNUM, 36, 127)]);
        let datadog = fake(HEX, 32, 128);
        let tfvars_secret = fake(ALNUM, 30, 129);
        let user_data_secret = aws_secret(130);
        let user_data = encode_base64(
            format!("#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY={user_data_secret}\n").as_bytes(),
            false,
        );
        let hcl = format!(
            r#"provider "aws" {{
  region     = "eu-west-1"
  access_key = "{key_id}"
  secret_key = "{secret}"
}}

resource "aws_db_instance" "db" {{
  engine   = "postgres"
  username = "app"
  password = "{password}"
}}

resource "aws_lambda_function" "fn" {{
  function_name = "f"
  environment {{
    variables = {{
      DB_HOST   = "db.internal"
      API_TOKEN = "{github}"
    }}
  }}
}}

locals {{
  alerts_webhook = "https://hooks.slack.com/services/{webhook_path}"
}}

variable "db_password" {{
  type      = string
  sensitive = true
  default   = "{default_password}"
}}

module "app" {{
  source    = "./app"
  npm_token = "{npm}"
}}

resource "aws_instance" "web" {{
  ami       = "ami-0c55b159cbfe678d0"
  user_data = "{user_data}"
}}
"#
        );
        let tfvars = format!(
            "region          = \"eu-west-1\"\ndatadog_api_key = \"{datadog}\"\nservice = {{\n  name          = \"api\"\n  client_secret = \"{tfvars_secret}\"\n}}\n"
        );
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [
                Document::detect("main.tf", hcl),
                Document::detect("prod.tfvars", tfvars),
            ],
        );
        let secrets = vec![
            key_id,
            secret,
            password,
            github,
            webhook_path,
            default_password,
            npm,
            datadog,
            tfvars_secret,
            user_data_secret,
        ];
        (cs, secrets)
    }

    #[test]
    fn configuration_values_are_scanned_with_lines_and_addresses() {
        let (cs, _) = config_fixture();
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        let findings = scan(&cs);
        let got: Vec<(&str, Option<u32>, &str, Option<&str>)> = findings
            .iter()
            .map(|f| {
                (
                    f.file.as_deref().unwrap_or_default(),
                    f.line,
                    f.rule_id.as_ref(),
                    f.resource.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("main.tf", Some(1), "RG-SECRET-001", None),
                ("main.tf", Some(1), "RG-SECRET-002", None),
                (
                    "main.tf",
                    Some(10),
                    "RG-SECRET-037",
                    Some("aws_db_instance.db")
                ),
                (
                    "main.tf",
                    Some(16),
                    "RG-SECRET-003",
                    Some("aws_lambda_function.fn")
                ),
                ("main.tf", Some(24), "RG-SECRET-012", None),
                ("main.tf", Some(27), "RG-SECRET-037", None),
                ("main.tf", Some(33), "RG-SECRET-020", Some("module.app")),
                (
                    "main.tf",
                    Some(40),
                    "RG-SECRET-002",
                    Some("aws_instance.web")
                ),
                ("prod.tfvars", Some(2), "RG-SECRET-026", None),
                ("prod.tfvars", Some(3), "RG-SECRET-037", None),
            ],
            "{findings:#?}"
        );
        let by_rule_line = |id: &str, line: u32| {
            findings
                .iter()
                .find(|f| f.rule_id == id && f.line == Some(line))
                .map(|f| f.message.as_str())
                .unwrap_or_default()
        };
        assert!(
            by_rule_line("RG-SECRET-037", 10)
                .contains("attribute `password` of `aws_db_instance.db`")
        );
        assert!(
            by_rule_line("RG-SECRET-003", 16)
                .contains("attribute `environment.0.variables.API_TOKEN`")
        );
        assert!(by_rule_line("RG-SECRET-037", 27).contains("default of variable `db_password`"));
        assert!(by_rule_line("RG-SECRET-012", 24).contains("local `alerts_webhook`"));
        assert!(by_rule_line("RG-SECRET-002", 1).contains("provider `aws`"));
        assert!(by_rule_line("RG-SECRET-002", 40).contains("(base64-decoded)"));
        assert!(
            by_rule_line("RG-SECRET-037", 3)
                .contains("the value of variable `service` (`client_secret`)")
        );
        for f in &findings {
            assert!(f.aliases.is_empty());
            assert!(!f.suppressed);
            assert!(
                f.remediation
                    .as_deref()
                    .is_some_and(|r| r.contains("rotate"))
            );
            assert_eq!(f.frameworks.get("soc2"), Some(&vec!["CC6.1".to_owned()]));
            assert_eq!(f.end_line.is_some(), f.line.is_some());
        }
    }

    #[test]
    fn sensitive_values_are_scanned_and_stay_masked() {
        let secret = fake(ALNUM, 24, 140);
        let mut attributes = crate::value::ValueMap::new();
        attributes.insert(
            "password",
            Value::Sensitive(crate::value::Sensitive::new(Value::String(
                secret.as_str().into(),
            ))),
        );
        attributes.insert(
            "master_password",
            Value::unknown(Some("var.pw".into()), vec!["var.pw".into()]),
        );
        let resource = Resource {
            address: crate::address::Address::new(
                crate::address::Mode::Managed,
                "aws_rds_cluster",
                "c",
            ),
            provider: None,
            attributes: attributes.into(),
            source: crate::resource::SourceSpan {
                file: "db.tf".into(),
                lines: Some(LineRange { start: 4, end: 9 }),
            },
            attribute_lines: std::collections::BTreeMap::from([(
                "password".to_owned(),
                LineRange { start: 6, end: 6 },
            )]),
            meta: Default::default(),
            suppressions: Vec::new(),
            change: None,
        };
        let mut cs = ChangeSet::default();
        cs.configuration.resources.push(resource);
        let findings = scan(&cs);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].line, Some(6));
        assert!(findings[0].message.contains("marked sensitive"));
        assert!(!findings[0].message.contains(&secret[4..]));
    }

    #[test]
    fn diff_findings_carry_new_file_line_numbers() {
        let stripe = cat(&["sk", "_live_", &fake(ALNUM, 24, 150)]);
        let slack = cat(&[
            "xo",
            "xb-",
            &fake(DIGITS, 11, 151),
            "-",
            &fake(DIGITS, 12, 152),
            "-",
            &fake(ALNUM, 24, 153),
        ]);
        let gitlab = cat(&["gl", "pat-", &fake(ALNUM, 20, 154)]);
        let key_body = fake(&b64_alphabet(), 64, 155);
        let diff = format!(
            "diff --git a/app/config.env b/app/config.env\nnew file mode 100644\n--- /dev/null\n+++ b/app/config.env\n@@ -0,0 +1,4 @@\n+# service config\n+LOG_LEVEL=info\n+STRIPE_KEY={stripe}\n+SLACK_TOKEN={slack}\n\
diff --git a/main.tf b/main.tf\n--- a/main.tf\n+++ b/main.tf\n@@ -10,3 +10,4 @@ resource \"x\" \"y\" {{\n   a = 1\n-  b = 2\n+  b = 3\n+  token = \"{gitlab}\"\n   c = 4\n\
@@ -40,2 +41,4 @@\n   d = 5\n+  e = 6\n+  password = var.db_password\n   f = 7\n\
diff --git a/keys/deploy b/keys/deploy\nnew file mode 100600\n--- /dev/null\n+++ b/keys/deploy\n@@ -0,0 +1,3 @@\n+{}\n+{key_body}\n+-----END RSA PRIVATE KEY-----\n\
diff --git a/old.env b/old.env\ndeleted file mode 100644\n--- a/old.env\n+++ /dev/null\n@@ -1 +0,0 @@\n-STRIPE_KEY={stripe}\n",
            private_key_header()
        );
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("pr.diff", diff)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        let findings = scan(&cs);
        let got: Vec<(&str, Option<u32>, &str)> = findings
            .iter()
            .map(|f| {
                (
                    f.file.as_deref().unwrap_or_default(),
                    f.line,
                    f.rule_id.as_ref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("app/config.env", Some(3), "RG-SECRET-013"),
                ("app/config.env", Some(4), "RG-SECRET-010"),
                ("keys/deploy", Some(1), "RG-SECRET-017"),
                ("main.tf", Some(12), "RG-SECRET-008"),
            ],
            "{findings:#?}"
        );
        assert_eq!(
            findings[0].message,
            format!(
                "Stripe live secret key `{}` on added line 3 of `app/config.env`.",
                mask(&stripe)
            )
        );
        assert!(findings.iter().all(|f| f.resource.is_none()));
    }

    #[test]
    fn configuration_files_take_unquoted_values_only_from_shell_lines() {
        let secret = fake(ALNUM, 24, 180);
        let tf = format!(
            "resource \"aws_instance\" \"w\" {{\n  password = some_{secret}\n  user_data = <<-EOT\n    export DB_PASSWORD={secret}\n  EOT\n}}\n"
        );
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [Document::detect("pr.diff", diff_adding("main.tf", &tf))],
        );
        let found: Vec<(Option<u32>, String)> = scan(&cs)
            .into_iter()
            .map(|f| (f.line, f.rule_id.into_owned()))
            .collect();
        assert_eq!(found, [(Some(4), "RG-SECRET-037".to_owned())]);
        // The same heredoc from the parsed configuration.
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", tf)]);
        let findings = scan(&cs);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].line, Some(3));
        assert!(findings[0].message.contains("attribute `user_data`"));
    }

    #[test]
    fn name_value_pairs_and_embedded_json_name_their_values() {
        let helm = fake(ALNUM, 20, 200);
        let ecs = fake(ALNUM, 20, 201);
        let hcl = format!(
            r#"resource "helm_release" "app" {{
  name  = "app"
  chart = "app"
  set {{
    name  = "image.tag"
    value = "v1.2.3-{}"
  }}
  set {{
    name  = "auth.password"
    value = "{helm}"
  }}
}}

resource "aws_ecs_task_definition" "t" {{
  family = "t"
  container_definitions = jsonencode([
    {{
      name  = "app"
      image = "nginx"
      environment = [
        {{ name = "LOG_LEVEL", value = "info" }},
        {{ name = "DB_PASSWORD", value = "{ecs}" }},
      ]
    }}
  ])
}}
"#,
            fake(ALNUM, 12, 202)
        );
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("app.tf", hcl)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        let findings = scan(&cs);
        let got: Vec<(Option<u32>, &str, Option<&str>)> = findings
            .iter()
            .map(|f| (f.line, f.rule_id.as_ref(), f.resource.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Some(10), "RG-SECRET-037", Some("helm_release.app")),
                (Some(16), "RG-SECRET-037", Some("aws_ecs_task_definition.t")),
            ],
            "{findings:#?}"
        );
        assert!(
            findings[1]
                .message
                .contains("`container_definitions.0.environment.1.value`")
        );
    }

    #[test]
    fn provider_blocks_give_context_to_prefixless_keys() {
        let api_key = fake(HEX, 32, 190);
        let app_key = fake(HEX, 40, 191);
        let heroku = uuid(192);
        let org = uuid(193);
        let hcl = format!(
            "provider \"datadog\" {{\n  api_key = \"{api_key}\"\n  app_key = \"{app_key}\"\n}}\n\nprovider \"heroku\" {{\n  email   = \"ops@corp.test\"\n  api_key = \"{heroku}\"\n}}\n\nresource \"heroku_space\" \"s\" {{\n  name         = \"prod\"\n  organization = \"{org}\"\n}}\n"
        );
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("providers.tf", hcl)]);
        let findings = scan(&cs);
        let got: Vec<(&str, Option<u32>)> = findings
            .iter()
            .map(|f| (f.rule_id.as_ref(), f.line))
            .collect();
        assert_eq!(
            got,
            [
                ("RG-SECRET-026", Some(1)),
                ("RG-SECRET-026", Some(1)),
                ("RG-SECRET-025", Some(6)),
            ],
            "{findings:#?}"
        );
    }

    #[test]
    fn a_secret_in_both_the_diff_and_the_configuration_is_reported_once() {
        let password = generic_password();
        let hcl = format!(
            "resource \"aws_db_instance\" \"db\" {{\n  engine   = \"postgres\"\n  password = \"{password}\"\n}}\n"
        );
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [
                Document::detect("main.tf", hcl.clone()),
                Document::detect("pr.diff", diff_adding("main.tf", &hcl)),
            ],
        );
        let findings = scan(&cs);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].resource.as_deref(), Some("aws_db_instance.db"));
        assert_eq!(findings[0].line, Some(3));
    }

    /// No field of a finding, no serialized finding and no `Debug` output contains
    /// any eight consecutive characters of a secret past the four a mask shows (the
    /// first windows of `AGE-SECRET-KEY-1…` would match rule ids).
    #[test]
    fn nothing_exposes_more_than_the_masked_prefix() {
        let (cs, mut secrets) = config_fixture();
        let mut findings = scan(&cs);
        let mut debug = Vec::new();
        for (_, line, secret) in samples() {
            let found = find_secrets(&line);
            debug.push(format!("{found:?} {found:#?}"));
            let cs = ChangeSet::from_documents(
                Origin::Local,
                [Document::detect("pr.diff", diff_adding("app/.env", &line))],
            );
            findings.extend(scan(&cs));
            secrets.push(secret);
        }
        debug.push(format!("{findings:?}"));
        let rendered: Vec<String> = findings
            .iter()
            .flat_map(|f| {
                [
                    f.message.clone(),
                    f.title.to_string(),
                    f.remediation.clone().unwrap_or_default().into_owned(),
                    f.resource.clone().unwrap_or_default(),
                    f.file.clone().unwrap_or_default(),
                    serde_json::to_string(f).unwrap_or_default(),
                ]
            })
            .chain(debug)
            .collect();
        assert!(findings.len() > 40);
        for secret in &secrets {
            let chars: Vec<char> = secret.chars().collect();
            for window in chars.get(4..).unwrap_or_default().windows(8) {
                let window: String = window.iter().collect();
                for text in &rendered {
                    assert!(
                        !text.contains(&window),
                        "`{window}` of a secret leaked into: {text}"
                    );
                }
            }
        }
    }

    #[test]
    fn masks_keep_at_most_four_characters() {
        let key = aws_key_id(160);
        assert_eq!(mask(&key), "AKIA…(20 chars)");
        assert_eq!(mask("abcdefgh"), "ab…(8 chars)");
        assert_eq!(mask("abc"), "…(3 chars)");
        assert_eq!(mask(""), "…(0 chars)");
        assert_eq!(mask("pässwörd-pässwörd"), "päss…(17 chars)");
        assert_eq!(mask("a\nb`cdefgh"), "a?…(10 chars)");
        let long = "Z".repeat(1000);
        assert!(mask(&long).starts_with("ZZZZ…"));
        assert_eq!(mask(&long).matches('Z').count(), 4);
    }

    #[test]
    fn catalog_lists_every_rule_with_stable_ids() {
        let catalog = catalog();
        assert!(catalog.len() >= 20);
        assert_eq!(catalog.len(), RULES.len());
        for (i, info) in catalog.iter().enumerate() {
            assert_eq!(info.id, format!("RG-SECRET-{:03}", i + 1));
            assert!(info.aliases.is_empty());
            assert!(!info.title.is_empty());
            let rule = &RULES[i];
            assert!(!rule.description.is_empty() && !rule.remediation.is_empty());
            assert_eq!(info.frameworks.is_empty(), info.id == "RG-SECRET-015");
        }
        // Kind order matches rule order.
        assert_eq!(Kind::Generic.rule().id, "RG-SECRET-037");
        assert_eq!(Kind::UrlCredentials.rule().id, "RG-SECRET-036");
        assert_eq!(Kind::PrivateKey.rule().id, "RG-SECRET-017");
        assert_eq!(Kind::Jwt.rule().id, "RG-SECRET-018");
    }

    #[test]
    fn long_and_hostile_lines_scan_in_linear_time() {
        // A megabyte of base64 (a minified bundle, an embedded archive), prefixes
        // repeated thousands of times, and a long run of name characters.
        let blob = fake(&b64_alphabet(), 1 << 20, 170);
        let repeated = cat(&["AK", "IA"]).repeat(50_000);
        let jwts = "eyJ.".repeat(50_000);
        let names = "password_password_".repeat(20_000);
        let assignments = "password=\"".repeat(20_000);
        let started = std::time::Instant::now();
        for text in [&blob, &repeated, &jwts, &names, &assignments] {
            assert!(find_secrets(text).is_empty());
        }
        // Generous for unoptimised builds on a shared machine; quadratic behaviour
        // would take minutes.
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    }

    use proptest::prelude::*;

    proptest! {
        /// Arbitrary text, including multi-byte characters next to every anchor the
        /// matchers look for, never makes a matcher slice inside a character.
        #[test]
        fn arbitrary_text_never_panics(
            parts in proptest::collection::vec(
                prop_oneof![
                    proptest::string::string_regex(".{0,12}").expect("regex"),
                    proptest::sample::select(vec![
                        "AKIA", "ghp_", "eyJ", "://", "@", ":", "=", "\"", "password",
                        "-----BEGIN ", "PRIVATE KEY-----", ".atlasv1.", "hooks.slack.com/services/",
                        "datadog ", "heroku ", "AccountKey=", "aws_secret ", "é", "日本", "\n",
                        "Bearer ", "export ", ";", "sk-", "T3BlbkFJ",
                    ]).prop_map(str::to_owned),
                ],
                0..40,
            )
        ) {
            let text = parts.concat();
            let _ = find_secrets(&text);
            let _ = find_secrets_in_value("password", &text);
            let _ = find_secrets_in_value("user_data", &text);
            let _ = mask(&text);
        }
    }

    #[test]
    fn base64_round_trips() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", b"\xff\x00\x10"] {
            for url in [false, true] {
                let text = encode_base64(data, url);
                assert_eq!(base64_decode(&text).as_deref(), Some(data), "{text}");
            }
        }
        assert!(base64_decode("a").is_none());
        assert!(base64_decode("ab!d").is_none());
    }
}
