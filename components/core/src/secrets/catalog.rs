//! The secret rules (RG-SECRET-001 … 126): one per credential format, with the
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
    AwsSessionToken,
    AwsBedrockKey,
    GoogleOauthClientSecret,
    GoogleOauthAccessToken,
    GcpServiceAccountKey,
    AzureAdClientSecret,
    AzureSasToken,
    AzureSharedAccessKey,
    AzureDevopsPat,
    TencentSecretId,
    AtlassianApiToken,
    BitbucketAppPassword,
    CircleCi,
    Buildkite,
    Doppler,
    Pulumi,
    DockerHub,
    CratesIo,
    RubyGems,
    NuGet,
    Clojars,
    JFrog,
    Postman,
    HuggingFace,
    Replicate,
    Groq,
    Perplexity,
    Xai,
    OpenRouter,
    LangSmith,
    DiscordWebhook,
    TelegramBot,
    TeamsWebhook,
    Mailgun,
    Mailchimp,
    Postmark,
    Brevo,
    HubSpot,
    Linear,
    Notion,
    Airtable,
    Sentry,
    Dynatrace,
    CloudflareOriginCa,
    Cloudflare,
    Fastly,
    Netlify,
    Supabase,
    Okta,
    WebhookSigningSecret,
    Square,
    Braintree,
    Flutterwave,
    Shippo,
    EasyPost,
    Plaid,
    Duffel,
    MapboxSecret,
    Sourcegraph,
    Prefect,
    PlanetScale,
    FlyIo,
    Databricks,
    SonarQube,
    OctopusDeploy,
    OnePassword,
    Harness,
    Figma,
    ClickUp,
    Typeform,
    Contentful,
    Infracost,
    FrameIo,
    Scalingo,
    ReadMe,
    Dropbox,
    Pinecone,
    TwitterBearer,
    LaunchDarkly,
    Base64PrivateKey,
    Vercel,
    Snyk,
    Algolia,
    SplunkHec,
    PagerDuty,
    Opsgenie,
    Linode,
    Hetzner,
    Scaleway,
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
pub(super) static RULES: [SecretRule; 126] = [
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
    rule!(
        "RG-SECRET-038",
        Critical,
        "AWS session token",
        "An AWS STS session token (IQoJb3JpZ2luX2Vj… / FwoGZXIvYXdz…, the base64 of its binary header, + at least 100 base64 characters). It is short-lived but grants the role's permissions until it expires."
    ),
    rule!(
        "RG-SECRET-039",
        Critical,
        "Amazon Bedrock API key",
        "A long-term Amazon Bedrock API key (ABSK + the base64 of `BedrockAPIKey-`…)."
    ),
    rule!(
        "RG-SECRET-040",
        High,
        "Google OAuth client secret",
        "A Google OAuth 2.0 client secret (GOCSPX- + 28 characters)."
    ),
    rule!(
        "RG-SECRET-041",
        Medium,
        "Google OAuth access token",
        "A Google OAuth 2.0 access token (ya29. + at least 40 characters). Short-lived, but usable until it expires."
    ),
    rule!(
        "RG-SECRET-042",
        Critical,
        "Google Cloud service account key",
        "A Google Cloud service account key file: a 40-hex-digit private_key_id (its private key is reported by RG-SECRET-017)."
    ),
    rule!(
        "RG-SECRET-043",
        Critical,
        "Microsoft Entra ID client secret",
        "A Microsoft Entra ID (Azure AD) application client secret: 3 characters, a digit, `Q~`, then 31–34 characters."
    ),
    rule!(
        "RG-SECRET-044",
        High,
        "Azure shared access signature",
        "An Azure Storage shared access signature: a sig= signature of 43 base64 characters (URL-encoded) in a query that also carries sv= (the service version)."
    ),
    rule!(
        "RG-SECRET-045",
        Critical,
        "Azure shared access key",
        "A Service Bus, Event Hubs, IoT Hub or Relay shared access key (SharedAccessKey= + 43 base64 characters and `=`) in a connection string."
    ),
    rule!(
        "RG-SECRET-046",
        Critical,
        "Azure DevOps personal access token",
        "An Azure DevOps personal access token: 84 characters with AZDO at 76–79, or 52 lower-case base32 characters next to an azure_devops / ado / vsts name."
    ),
    rule!(
        "RG-SECRET-047",
        High,
        "Tencent Cloud SecretId",
        "A Tencent Cloud API SecretId (AKID + 32 alphanumerics); its SecretKey is usually next to it."
    ),
    rule!(
        "RG-SECRET-048",
        High,
        "Atlassian API token",
        "An Atlassian (Jira, Confluence, Bitbucket) API token (ATATT3 + 186 characters)."
    ),
    rule!(
        "RG-SECRET-049",
        High,
        "Bitbucket app password",
        "A Bitbucket app password (ATBB + 32 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-050",
        High,
        "CircleCI personal API token",
        "A CircleCI personal API token (CCIPAT_ + 22 alphanumerics + _ + 40 hex digits)."
    ),
    rule!(
        "RG-SECRET-051",
        High,
        "Buildkite API access token",
        "A Buildkite API access token (bkua_ + 40 hex digits)."
    ),
    rule!(
        "RG-SECRET-052",
        Critical,
        "Doppler token",
        "A Doppler personal, CLI, service, service account, SCIM or audit token (dp.pt., dp.ct., dp.st., dp.sa., dp.scim., dp.audit. + 40–44 alphanumerics): it reads every secret the project holds."
    ),
    rule!(
        "RG-SECRET-053",
        Critical,
        "Pulumi access token",
        "A Pulumi Cloud access token (pul- + 40 hex digits): it can read every stack's state, secrets included."
    ),
    rule!(
        "RG-SECRET-054",
        High,
        "Docker Hub access token",
        "A Docker Hub personal or organisation access token (dckr_pat_ / dckr_oat_ + 27–36 characters): it can push images."
    ),
    rule!(
        "RG-SECRET-055",
        Critical,
        "crates.io API token",
        "A crates.io API token (cio + 32 alphanumerics): it can publish crates."
    ),
    rule!(
        "RG-SECRET-056",
        Critical,
        "RubyGems API key",
        "A RubyGems API key (rubygems_ + 48 hex digits): it can push gems."
    ),
    rule!(
        "RG-SECRET-057",
        Critical,
        "NuGet API key",
        "A nuget.org API key (oy2 + 43 lower-case alphanumerics): it can push packages."
    ),
    rule!(
        "RG-SECRET-058",
        High,
        "Clojars deploy token",
        "A Clojars deploy token (CLOJARS_ + 60 lower-case alphanumerics)."
    ),
    rule!(
        "RG-SECRET-059",
        High,
        "JFrog Artifactory API key",
        "A JFrog Artifactory API key (AKCp + 69 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-060",
        High,
        "Postman API key",
        "A Postman API key (PMAK- + 24 hex digits + - + 34 hex digits)."
    ),
    rule!(
        "RG-SECRET-061",
        High,
        "Hugging Face access token",
        "A Hugging Face user or organisation access token (hf_ / api_org_ + 34 letters)."
    ),
    rule!(
        "RG-SECRET-062",
        High,
        "Replicate API token",
        "A Replicate API token (r8_ + 37 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-063",
        High,
        "Groq API key",
        "A Groq API key (gsk_ + 52 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-064",
        High,
        "Perplexity API key",
        "A Perplexity API key (pplx- + 48 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-065",
        High,
        "xAI API key",
        "An xAI API key (xai- + 80 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-066",
        High,
        "OpenRouter API key",
        "An OpenRouter API key (sk-or-v1- + 64 hex digits)."
    ),
    rule!(
        "RG-SECRET-067",
        High,
        "LangSmith API key",
        "A LangSmith personal or service key (lsv2_pt_ / lsv2_sk_ + 32 hex digits + _ + 10 hex digits)."
    ),
    rule!(
        "RG-SECRET-068",
        Medium,
        "Discord webhook URL",
        "A Discord webhook URL (discord.com/api/webhooks/<id>/<68-character token>): anyone holding it can post to the channel."
    ),
    rule!(
        "RG-SECRET-069",
        High,
        "Telegram bot token",
        "A Telegram Bot API token (8–10 digit bot id, `:`, 35 characters starting AA) next to a telegram / bot_token name."
    ),
    rule!(
        "RG-SECRET-070",
        Medium,
        "Microsoft Teams webhook URL",
        "A Microsoft Teams incoming webhook URL (….webhook.office.com/webhookb2/…/IncomingWebhook/<32 hex digits>/…): anyone holding it can post to the channel."
    ),
    rule!(
        "RG-SECRET-071",
        High,
        "Mailgun API key",
        "A Mailgun private API key (key- + 32 hex digits)."
    ),
    rule!(
        "RG-SECRET-072",
        High,
        "Mailchimp API key",
        "A Mailchimp API key (32 hex digits + -us + the data-centre number)."
    ),
    rule!(
        "RG-SECRET-073",
        High,
        "Postmark server token",
        "A Postmark server or account token (a UUID) next to a postmark name."
    ),
    rule!(
        "RG-SECRET-074",
        High,
        "Brevo (Sendinblue) API key",
        "A Brevo (formerly Sendinblue) API key (xkeysib- + 64 hex digits + - + 16 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-075",
        High,
        "HubSpot private app token",
        "A HubSpot private app access token (pat-na1- / pat-eu1- + a UUID)."
    ),
    rule!(
        "RG-SECRET-076",
        High,
        "Linear API key",
        "A Linear personal API key (lin_api_ + 40 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-077",
        High,
        "Notion integration token",
        "A Notion integration token (ntn_ + 11 digits + 35 alphanumerics, or the older secret_ + 43 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-078",
        High,
        "Airtable personal access token",
        "An Airtable personal access token (pat + 14 alphanumerics + . + 64 hex digits)."
    ),
    rule!(
        "RG-SECRET-079",
        High,
        "Sentry auth token",
        "A Sentry user auth token (sntryu_ + 64 hex digits) or organisation auth token (sntrys_ + a base64 JSON claim and its secret)."
    ),
    rule!(
        "RG-SECRET-080",
        High,
        "Dynatrace API token",
        "A Dynatrace API token (dt0c01. + 24 + . + 64 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-081",
        High,
        "Cloudflare Origin CA key",
        "A Cloudflare Origin CA key (v1.0- + 24 hex digits + - + 146 hex digits): it can issue certificates for the account's zones."
    ),
    rule!(
        "RG-SECRET-082",
        Critical,
        "Cloudflare API token or global API key",
        "A Cloudflare API token (40 characters) or global API key (37 hex digits) next to a cloudflare name."
    ),
    rule!(
        "RG-SECRET-083",
        High,
        "Fastly API token",
        "A Fastly API token (32 characters) next to a fastly name."
    ),
    rule!(
        "RG-SECRET-084",
        High,
        "Netlify personal access token",
        "A Netlify personal access token (nfp_ + 36 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-085",
        Critical,
        "Supabase key",
        "A Supabase personal access token (sbp_ + 40 hex digits) or secret API key (sb_secret_ + 30–64 characters): both bypass row-level security."
    ),
    rule!(
        "RG-SECRET-086",
        Critical,
        "Okta API token",
        "An Okta API token (00 + 40 characters) next to an okta name or after SSWS."
    ),
    rule!(
        "RG-SECRET-087",
        Medium,
        "Webhook signing secret",
        "A Stripe or Standard Webhooks signing secret (whsec_ + 24–100 base64 characters): with it anyone can forge webhook deliveries."
    ),
    rule!(
        "RG-SECRET-088",
        Critical,
        "Square access token or OAuth secret",
        "A Square access token (EAAA + 60 characters, or the older sq0atp- + 22) or OAuth application secret (sq0csp- + 43)."
    ),
    rule!(
        "RG-SECRET-089",
        Critical,
        "PayPal Braintree access token",
        "A PayPal Braintree access token (access_token$production$ or $sandbox$ + 16 alphanumerics + $ + 32 hex digits)."
    ),
    rule!(
        "RG-SECRET-090",
        High,
        "Flutterwave secret key",
        "A Flutterwave secret key (FLWSECK- / FLWSECK_TEST- + 32 hex digits + -X)."
    ),
    rule!(
        "RG-SECRET-091",
        High,
        "Shippo API token",
        "A Shippo live or test API token (shippo_live_ / shippo_test_ + 40 hex digits)."
    ),
    rule!(
        "RG-SECRET-092",
        High,
        "EasyPost API key",
        "An EasyPost production or test API key (EZAK / EZTK + 54 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-093",
        Critical,
        "Plaid access token",
        "A Plaid access token (access-production- / access-development- / access-sandbox- + a UUID)."
    ),
    rule!(
        "RG-SECRET-094",
        High,
        "Duffel access token",
        "A Duffel live or test access token (duffel_live_ / duffel_test_ + 43 characters)."
    ),
    rule!(
        "RG-SECRET-095",
        High,
        "Mapbox secret token",
        "A Mapbox secret access token (sk.eyJ1Ijoi… + its signature). Public pk. tokens are not reported."
    ),
    rule!(
        "RG-SECRET-096",
        High,
        "Sourcegraph access token",
        "A Sourcegraph access token (sgp_ + 40 hex digits, or sgp_ + 16 hex digits + _ + 40 hex digits)."
    ),
    rule!(
        "RG-SECRET-097",
        High,
        "Prefect API key",
        "A Prefect Cloud API key (pnu_ + 36 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-098",
        Critical,
        "PlanetScale token or password",
        "A PlanetScale service token, database password or OAuth token (pscale_tkn_, pscale_pw_, pscale_oauth_ + 32–64 characters)."
    ),
    rule!(
        "RG-SECRET-099",
        Critical,
        "Fly.io token",
        "A Fly.io access token (fo1_ + 43 characters) or macaroon token (fm1r_, fm1a_, fm2_ + at least 64 base64 characters)."
    ),
    rule!(
        "RG-SECRET-100",
        Critical,
        "Databricks access token",
        "A Databricks personal access token (dapi + 32 hex digits)."
    ),
    rule!(
        "RG-SECRET-101",
        High,
        "SonarQube / SonarCloud token",
        "A SonarQube or SonarCloud user, project or global analysis token (squ_, sqp_, sqa_ + 40 hex digits)."
    ),
    rule!(
        "RG-SECRET-102",
        High,
        "Octopus Deploy API key",
        "An Octopus Deploy API key (API- + 26 upper-case alphanumerics)."
    ),
    rule!(
        "RG-SECRET-103",
        Critical,
        "1Password secret",
        "A 1Password service account token (ops_eyJ… + at least 100 base64 characters) or account secret key (A3-XXXXXX-…)."
    ),
    rule!(
        "RG-SECRET-104",
        High,
        "Harness access token",
        "A Harness personal or service account token (pat. / sat. + 22 + . + 24 + . + 20 characters)."
    ),
    rule!(
        "RG-SECRET-105",
        High,
        "Figma personal access token",
        "A Figma personal access token (figd_ + 40 characters)."
    ),
    rule!(
        "RG-SECRET-106",
        High,
        "ClickUp personal API token",
        "A ClickUp personal API token (pk_ + the user id + _ + 32 upper-case alphanumerics)."
    ),
    rule!(
        "RG-SECRET-107",
        High,
        "Typeform personal access token",
        "A Typeform personal access token (tfp_ + 59 characters)."
    ),
    rule!(
        "RG-SECRET-108",
        High,
        "Contentful personal access token",
        "A Contentful content management personal access token (CFPAT- + 43 characters)."
    ),
    rule!(
        "RG-SECRET-109",
        Medium,
        "Infracost API key",
        "An Infracost API key (ico- + 32 alphanumerics)."
    ),
    rule!(
        "RG-SECRET-110",
        High,
        "Frame.io developer token",
        "A Frame.io developer token (fio-u- + 64 characters)."
    ),
    rule!(
        "RG-SECRET-111",
        High,
        "Scalingo API token",
        "A Scalingo API token (tk-us- + 48 characters)."
    ),
    rule!(
        "RG-SECRET-112",
        High,
        "ReadMe API key",
        "A ReadMe API key (rdme_ + 70 lower-case alphanumerics)."
    ),
    rule!(
        "RG-SECRET-113",
        High,
        "Dropbox access token",
        "A Dropbox short-lived access token (sl. + at least 130 characters)."
    ),
    rule!(
        "RG-SECRET-114",
        High,
        "Pinecone API key",
        "A Pinecone API key (pcsk_ + an id, _ and the secret: 60–90 characters)."
    ),
    rule!(
        "RG-SECRET-115",
        High,
        "X (Twitter) bearer token",
        "An X (Twitter) app bearer token (21 A's + at least 60 characters)."
    ),
    rule!(
        "RG-SECRET-116",
        High,
        "LaunchDarkly access token or SDK key",
        "A LaunchDarkly API access token (api- + a UUID) or server-side SDK key (sdk- + a UUID)."
    ),
    rule!(
        "RG-SECRET-117",
        High,
        "Base64-encoded private key",
        "A PEM private key encoded in base64 (LS0tLS1CRUdJTiB…, as in kubeconfig client-key-data or a Kubernetes Secret), with at least 60 characters of it."
    ),
    rule!(
        "RG-SECRET-118",
        High,
        "Vercel access token",
        "A Vercel access token (24 alphanumerics) next to a vercel name."
    ),
    rule!(
        "RG-SECRET-119",
        High,
        "Snyk API token",
        "A Snyk API token (a UUID) next to a snyk name."
    ),
    rule!(
        "RG-SECRET-120",
        High,
        "Algolia admin API key",
        "An Algolia API key (32 hex digits) next to an algolia name."
    ),
    rule!(
        "RG-SECRET-121",
        High,
        "Splunk HEC token",
        "A Splunk HTTP Event Collector token (a UUID) next to a splunk / hec name."
    ),
    rule!(
        "RG-SECRET-122",
        High,
        "PagerDuty API key",
        "A PagerDuty REST API key (20 characters) next to a pagerduty name."
    ),
    rule!(
        "RG-SECRET-123",
        High,
        "Opsgenie API key",
        "An Opsgenie API key (a UUID) next to an opsgenie name."
    ),
    rule!(
        "RG-SECRET-124",
        Critical,
        "Linode (Akamai) API token",
        "A Linode personal access token (64 hex digits) next to a linode name."
    ),
    rule!(
        "RG-SECRET-125",
        Critical,
        "Hetzner Cloud API token",
        "A Hetzner Cloud API token (64 alphanumerics) next to an hcloud / hetzner name."
    ),
    rule!(
        "RG-SECRET-126",
        Critical,
        "Scaleway secret key",
        "A Scaleway secret key (a UUID) next to a scaleway / scw_secret name."
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
