//! The secret rules (RG-SECRET-001 … 037): one per credential format, with the
//! catalog entry, severity and remediation each finding carries. [`Kind`] names a
//! format inside this module tree; `RULES[kind as usize]` is its rule.

use crate::finding::{Frameworks, RuleInfo, Severity};

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

    pub(super) fn frameworks(&self) -> Frameworks {
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
/// SOC 2 logical access, PCI DSS 4.0 8.3.2 (authentication factors unreadable in
/// storage) and 8.6.2 (no passwords hard coded in scripts, files or source code),
/// NIST 800-53 IA-5(7) (no embedded unprotected authenticators) and CSF 2.0 PR.AA-01
/// (credentials managed).
const FRAMEWORKS: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["8.3.2", "8.6.2"]),
    ("nist-800-53-r5", &["IA-5(7)"]),
    ("nist-csf-2.0", &["PR.AA-01"]),
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
pub(super) enum Kind {
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
pub(super) static RULES: [SecretRule; 37] = [
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
    pub(super) fn rule(self) -> &'static SecretRule {
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
