//! Vendor tokens recognised by a fixed prefix, then a run of one alphabet of a given
//! length, sometimes with a shape (`PMAK-<24 hex>-<34 hex>`) or a checksum (GitHub,
//! npm) on top: one table row per format, and one pass over the line that compares
//! only the prefixes that start with the byte at hand.

use std::sync::LazyLock;

use super::bytes::{
    alnum, alnum_dash, alnum_dollar, alnum_dot, alnum_percent, alpha, base64_any, base64_padded,
    bech32_upper, hex, hex_dash, lower_alnum, lower_hex, run, upper_alnum, word, word_dash,
    word_dash_dot, word_dash_dot_eq, word_dash_eq,
};
use super::catalog::Kind;
use super::checksums::github_checksum_ok;
use super::line::{Evidence, LineScan};
use super::values::{is_placeholder, is_uuid, looks_random};

/// A format recognised by a fixed prefix, then a run of one alphabet.
struct TokenSpec {
    kind: Kind,
    label: &'static str,
    prefixes: &'static [&'static str],
    body: fn(u8) -> bool,
    min: usize,
    max: usize,
    /// A shape the body must have beyond its alphabet and length.
    check: Option<fn(&str) -> bool>,
    /// A checksum the body carries (see `checksums`): a token whose checksum is
    /// wrong was never issued, so it is not reported as a credential; one whose
    /// checksum is right needs no entropy test to be believed.
    checksum: Option<fn(&str) -> bool>,
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
        checksum: None,
    }
}

const fn checked(spec: TokenSpec, check: fn(&str) -> bool) -> TokenSpec {
    TokenSpec {
        check: Some(check),
        ..spec
    }
}

const fn checksummed(spec: TokenSpec, checksum: fn(&str) -> bool) -> TokenSpec {
    TokenSpec {
        checksum: Some(checksum),
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
    checksummed(
        token(
            Kind::GithubClassicPat,
            "GitHub personal access token (classic)",
            &["ghp_"],
            alnum,
            36,
            36,
        ),
        github_checksum_ok,
    ),
    token(
        Kind::GithubFineGrainedPat,
        "GitHub fine-grained personal access token",
        &["github_pat_"],
        word,
        82,
        82,
    ),
    checksummed(
        token(
            Kind::GithubOauth,
            "GitHub OAuth access token",
            &["gho_"],
            alnum,
            36,
            36,
        ),
        github_checksum_ok,
    ),
    checksummed(
        token(
            Kind::GithubApp,
            "GitHub App token",
            &["ghu_", "ghs_"],
            alnum,
            36,
            36,
        ),
        github_checksum_ok,
    ),
    checksummed(
        token(
            Kind::GithubRefresh,
            "GitHub refresh token",
            &["ghr_"],
            alnum,
            36,
            36,
        ),
        github_checksum_ok,
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
    checksummed(
        token(Kind::Npm, "npm access token", &["npm_"], alnum, 36, 36),
        github_checksum_ok,
    ),
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
    token(
        Kind::AwsSessionToken,
        "AWS session token",
        &["IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdz"],
        base64_padded,
        100,
        4000,
    ),
    token(
        Kind::AwsBedrockKey,
        "Amazon Bedrock API key",
        &["ABSKQmVkcm9ja0FQSUtleS"],
        base64_padded,
        40,
        400,
    ),
    token(
        Kind::GoogleOauthClientSecret,
        "Google OAuth client secret",
        &["GOCSPX-"],
        word_dash,
        28,
        28,
    ),
    token(
        Kind::GoogleOauthAccessToken,
        "Google OAuth access token",
        &["ya29."],
        word_dash,
        40,
        2048,
    ),
    token(
        Kind::TencentSecretId,
        "Tencent Cloud SecretId",
        &["AKID"],
        alnum,
        32,
        32,
    ),
    token(
        Kind::AtlassianApiToken,
        "Atlassian API token",
        &["ATATT3"],
        word_dash_eq,
        186,
        186,
    ),
    token(
        Kind::BitbucketAppPassword,
        "Bitbucket app password",
        &["ATBB"],
        alnum,
        32,
        32,
    ),
    checked(
        token(
            Kind::CircleCi,
            "CircleCI personal API token",
            &["CCIPAT_"],
            word,
            63,
            63,
        ),
        circleci_body,
    ),
    token(
        Kind::Buildkite,
        "Buildkite API access token",
        &["bkua_"],
        lower_hex,
        40,
        40,
    ),
    token(
        Kind::Doppler,
        "Doppler token",
        &["dp.pt.", "dp.ct.", "dp.sa.", "dp.scim.", "dp.audit."],
        alnum,
        40,
        44,
    ),
    checked(
        token(
            Kind::Doppler,
            "Doppler service token",
            &["dp.st."],
            word_dash_dot,
            42,
            100,
        ),
        doppler_service_body,
    ),
    token(
        Kind::Pulumi,
        "Pulumi access token",
        &["pul-"],
        lower_hex,
        40,
        40,
    ),
    token(
        Kind::DockerHub,
        "Docker Hub access token",
        &["dckr_pat_", "dckr_oat_"],
        word_dash,
        27,
        36,
    ),
    token(
        Kind::CratesIo,
        "crates.io API token",
        &["cio"],
        alnum,
        32,
        32,
    ),
    token(
        Kind::RubyGems,
        "RubyGems API key",
        &["rubygems_"],
        lower_hex,
        48,
        48,
    ),
    token(Kind::NuGet, "NuGet API key", &["oy2"], lower_alnum, 43, 43),
    token(
        Kind::Clojars,
        "Clojars deploy token",
        &["CLOJARS_"],
        lower_alnum,
        60,
        60,
    ),
    token(
        Kind::JFrog,
        "JFrog Artifactory API key",
        &["AKCp"],
        alnum,
        69,
        69,
    ),
    checked(
        token(
            Kind::Postman,
            "Postman API key",
            &["PMAK-"],
            hex_dash,
            59,
            59,
        ),
        postman_body,
    ),
    token(
        Kind::HuggingFace,
        "Hugging Face access token",
        &["hf_", "api_org_"],
        alpha,
        34,
        34,
    ),
    token(
        Kind::Replicate,
        "Replicate API token",
        &["r8_"],
        alnum,
        37,
        37,
    ),
    token(Kind::Groq, "Groq API key", &["gsk_"], alnum, 52, 52),
    token(
        Kind::Perplexity,
        "Perplexity API key",
        &["pplx-"],
        alnum,
        48,
        48,
    ),
    token(Kind::Xai, "xAI API key", &["xai-"], alnum, 80, 80),
    token(
        Kind::OpenRouter,
        "OpenRouter API key",
        &["sk-or-v1-"],
        lower_hex,
        64,
        64,
    ),
    checked(
        token(
            Kind::LangSmith,
            "LangSmith API key",
            &["lsv2_pt_", "lsv2_sk_"],
            word,
            43,
            43,
        ),
        langsmith_body,
    ),
    checked(
        token(
            Kind::Mailgun,
            "Mailgun API key",
            &["key-"],
            lower_hex,
            32,
            32,
        ),
        digit_and_letter,
    ),
    checked(
        token(
            Kind::Brevo,
            "Brevo API key",
            &["xkeysib-"],
            alnum_dash,
            81,
            81,
        ),
        brevo_body,
    ),
    checked(
        token(
            Kind::HubSpot,
            "HubSpot private app token",
            &["pat-na1-", "pat-eu1-"],
            hex_dash,
            36,
            36,
        ),
        is_uuid,
    ),
    token(Kind::Linear, "Linear API key", &["lin_api_"], alnum, 40, 40),
    checked(
        token(
            Kind::Notion,
            "Notion integration token",
            &["ntn_"],
            alnum,
            46,
            46,
        ),
        notion_body,
    ),
    token(
        Kind::Notion,
        "Notion integration token",
        &["secret_"],
        alnum,
        43,
        43,
    ),
    checked(
        token(
            Kind::Airtable,
            "Airtable personal access token",
            &["pat"],
            alnum_dot,
            79,
            79,
        ),
        airtable_body,
    ),
    token(
        Kind::Sentry,
        "Sentry user auth token",
        &["sntryu_"],
        lower_hex,
        64,
        64,
    ),
    checked(
        token(
            Kind::Sentry,
            "Sentry organization auth token",
            &["sntrys_"],
            base64_any,
            60,
            1000,
        ),
        sentry_org_body,
    ),
    checked(
        token(
            Kind::Dynatrace,
            "Dynatrace API token",
            &["dt0c01."],
            alnum_dot,
            89,
            89,
        ),
        dynatrace_body,
    ),
    checked(
        token(
            Kind::CloudflareOriginCa,
            "Cloudflare Origin CA key",
            &["v1.0-"],
            hex_dash,
            171,
            171,
        ),
        cloudflare_origin_body,
    ),
    token(
        Kind::Netlify,
        "Netlify personal access token",
        &["nfp_"],
        alnum,
        36,
        36,
    ),
    token(
        Kind::Supabase,
        "Supabase personal access token",
        &["sbp_"],
        lower_hex,
        40,
        40,
    ),
    token(
        Kind::Supabase,
        "Supabase secret API key",
        &["sb_secret_"],
        word_dash,
        30,
        64,
    ),
    token(
        Kind::WebhookSigningSecret,
        "Webhook signing secret",
        &["whsec_"],
        base64_padded,
        24,
        100,
    ),
    token(
        Kind::Square,
        "Square access token",
        &["EAAA"],
        word_dash,
        60,
        60,
    ),
    token(
        Kind::Square,
        "Square access token",
        &["sq0atp-"],
        word_dash,
        22,
        22,
    ),
    token(
        Kind::Square,
        "Square OAuth secret",
        &["sq0csp-"],
        word_dash,
        43,
        43,
    ),
    checked(
        token(
            Kind::Braintree,
            "PayPal Braintree access token",
            &["access_token$production$", "access_token$sandbox$"],
            alnum_dollar,
            49,
            49,
        ),
        braintree_body,
    ),
    checked(
        token(
            Kind::Flutterwave,
            "Flutterwave secret key",
            &["FLWSECK-", "FLWSECK_TEST-"],
            alnum_dash,
            34,
            34,
        ),
        flutterwave_body,
    ),
    token(
        Kind::Shippo,
        "Shippo API token",
        &["shippo_live_", "shippo_test_"],
        lower_hex,
        40,
        40,
    ),
    token(
        Kind::EasyPost,
        "EasyPost API key",
        &["EZAK", "EZTK"],
        alnum,
        54,
        54,
    ),
    checked(
        token(
            Kind::Plaid,
            "Plaid access token",
            &[
                "access-production-",
                "access-development-",
                "access-sandbox-",
            ],
            hex_dash,
            36,
            36,
        ),
        is_uuid,
    ),
    token(
        Kind::Duffel,
        "Duffel access token",
        &["duffel_live_", "duffel_test_"],
        word_dash_eq,
        43,
        43,
    ),
    checked(
        token(
            Kind::MapboxSecret,
            "Mapbox secret token",
            &["sk.eyJ1Ijoi"],
            word_dash_dot,
            50,
            400,
        ),
        mapbox_body,
    ),
    checked(
        token(
            Kind::Sourcegraph,
            "Sourcegraph access token",
            &["sgp_"],
            word,
            40,
            57,
        ),
        sourcegraph_body,
    ),
    token(Kind::Prefect, "Prefect API key", &["pnu_"], alnum, 36, 36),
    token(
        Kind::PlanetScale,
        "PlanetScale token or password",
        &["pscale_tkn_", "pscale_pw_", "pscale_oauth_"],
        word_dash,
        32,
        64,
    ),
    token(
        Kind::FlyIo,
        "Fly.io access token",
        &["fo1_"],
        word_dash,
        43,
        43,
    ),
    token(
        Kind::FlyIo,
        "Fly.io macaroon token",
        &["fm1r_", "fm1a_", "fm2_"],
        base64_padded,
        64,
        4000,
    ),
    token(
        Kind::Databricks,
        "Databricks access token",
        &["dapi"],
        lower_hex,
        32,
        32,
    ),
    token(
        Kind::SonarQube,
        "SonarQube token",
        &["squ_", "sqp_", "sqa_"],
        lower_hex,
        40,
        40,
    ),
    checked(
        token(
            Kind::OctopusDeploy,
            "Octopus Deploy API key",
            &["API-"],
            upper_alnum,
            26,
            26,
        ),
        digit_and_letter,
    ),
    checked(
        token(
            Kind::OnePassword,
            "1Password service account token",
            &["ops_"],
            base64_padded,
            100,
            4000,
        ),
        json_claim_body,
    ),
    checked(
        token(
            Kind::OnePassword,
            "1Password secret key",
            &["A3-"],
            alnum_dash,
            34,
            34,
        ),
        onepassword_secret_key_body,
    ),
    checked(
        token(
            Kind::Harness,
            "Harness access token",
            &["pat.", "sat."],
            word_dash_dot,
            68,
            68,
        ),
        harness_body,
    ),
    token(
        Kind::Figma,
        "Figma personal access token",
        &["figd_"],
        word_dash,
        40,
        40,
    ),
    checked(
        token(
            Kind::ClickUp,
            "ClickUp personal API token",
            &["pk_"],
            word,
            34,
            41,
        ),
        clickup_body,
    ),
    token(
        Kind::Typeform,
        "Typeform personal access token",
        &["tfp_"],
        word_dash_dot_eq,
        59,
        59,
    ),
    token(
        Kind::Contentful,
        "Contentful personal access token",
        &["CFPAT-"],
        word_dash,
        43,
        43,
    ),
    token(
        Kind::Infracost,
        "Infracost API key",
        &["ico-"],
        alnum,
        32,
        32,
    ),
    token(
        Kind::FrameIo,
        "Frame.io developer token",
        &["fio-u-"],
        word_dash_eq,
        64,
        64,
    ),
    token(
        Kind::Scalingo,
        "Scalingo API token",
        &["tk-us-"],
        word_dash,
        48,
        48,
    ),
    token(
        Kind::ReadMe,
        "ReadMe API key",
        &["rdme_"],
        lower_alnum,
        70,
        70,
    ),
    token(
        Kind::Dropbox,
        "Dropbox access token",
        &["sl."],
        word_dash_dot_eq,
        130,
        1500,
    ),
    checked(
        token(Kind::Pinecone, "Pinecone API key", &["pcsk_"], word, 60, 90),
        pinecone_body,
    ),
    token(
        Kind::TwitterBearer,
        "X (Twitter) bearer token",
        &["AAAAAAAAAAAAAAAAAAAAA"],
        alnum_percent,
        60,
        140,
    ),
    checked(
        token(
            Kind::LaunchDarkly,
            "LaunchDarkly access token or SDK key",
            &["api-", "sdk-"],
            hex_dash,
            36,
            36,
        ),
        is_uuid,
    ),
    token(
        Kind::Base64PrivateKey,
        "Base64-encoded private key",
        &[
            // base64 of `-----BEGIN RSA PRIVATE KEY-`, `… PRIVATE KEY--`, `… EC …`,
            // `… OPENSSH …`, `… DSA …`, `… ENCRYPTED …`, cut where a group of three
            // bytes ends so that what follows cannot change them.
            "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVkt",
            "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0t",
            "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0t",
            "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0t",
            "LS0tLS1CRUdJTiBEU0EgUFJJVkFURSBLRVkt",
            "LS0tLS1CRUdJTiBFTkNSWVBURUQgUFJJVkFURSBLRVkt",
        ],
        base64_padded,
        60,
        20_000,
    ),
];

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
pub(super) fn digit_and_letter(body: &str) -> bool {
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

/// `CCIPAT_` + 22 alphanumerics + `_` + 40 hex digits.
fn circleci_body(body: &str) -> bool {
    fields(body, b'_', &[(22, alnum), (40, hex)])
}

/// `dp.st.` + the environment + `.` + 40–44 alphanumerics.
fn doppler_service_body(body: &str) -> bool {
    body.rsplit_once('.').is_some_and(|(env, secret)| {
        !env.is_empty() && (40..=44).contains(&secret.len()) && secret.bytes().all(alnum)
    })
}

/// `PMAK-` + 24 hex digits + `-` + 34 hex digits.
fn postman_body(body: &str) -> bool {
    fields(body, b'-', &[(24, hex), (34, hex)])
}

/// 32 hex digits + `_` + 10 hex digits.
fn langsmith_body(body: &str) -> bool {
    fields(body, b'_', &[(32, hex), (10, hex)])
}

/// 64 hex digits + `-` + 16 alphanumerics.
fn brevo_body(body: &str) -> bool {
    fields(body, b'-', &[(64, hex), (16, alnum)])
}

/// 11 digits (the workspace), then 35 alphanumerics.
fn notion_body(body: &str) -> bool {
    body.bytes().take(11).all(|b| b.is_ascii_digit())
}

/// 14 alphanumerics + `.` + 64 hex digits.
fn airtable_body(body: &str) -> bool {
    fields(body, b'.', &[(14, alnum), (64, hex)])
}

/// A base64 JSON claim (`eyJ…`), `_`, and the secret.
fn sentry_org_body(body: &str) -> bool {
    body.starts_with("eyJ") && body.contains('_')
}

/// 24 alphanumerics + `.` + 64 alphanumerics.
fn dynatrace_body(body: &str) -> bool {
    fields(body, b'.', &[(24, alnum), (64, alnum)])
}

/// 24 hex digits + `-` + 146 hex digits.
fn cloudflare_origin_body(body: &str) -> bool {
    fields(body, b'-', &[(24, hex), (146, hex)])
}

/// 16 alphanumerics + `$` + 32 hex digits.
fn braintree_body(body: &str) -> bool {
    fields(body, b'$', &[(16, alnum), (32, hex)])
}

/// 32 hex digits + `-X`.
fn flutterwave_body(body: &str) -> bool {
    body.strip_suffix("-X")
        .is_some_and(|key| key.len() == 32 && key.bytes().all(hex))
}

/// The rest of the JWT-like token: claims, `.`, signature.
fn mapbox_body(body: &str) -> bool {
    body.contains('.')
}

/// 40 hex digits, or 16 hex digits + `_` + 40 hex digits.
fn sourcegraph_body(body: &str) -> bool {
    (body.len() == 40 && body.bytes().all(hex)) || fields(body, b'_', &[(16, hex), (40, hex)])
}

/// A base64 JSON claim (`eyJ…`).
fn json_claim_body(body: &str) -> bool {
    body.starts_with("eyJ")
}

/// `A3-` + 6, then 11 or 6-5, then three groups of 5 upper-case alphanumerics.
fn onepassword_secret_key_body(body: &str) -> bool {
    let groups: Vec<&str> = body.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    (lengths == [6, 11, 5, 5, 5] || lengths == [6, 6, 5, 5, 5, 5])
        && groups.iter().all(|g| g.bytes().all(upper_alnum))
}

/// 22 characters + `.` + 24 alphanumerics + `.` + 20 alphanumerics.
fn harness_body(body: &str) -> bool {
    fields(body, b'.', &[(22, word_dash), (24, alnum), (20, alnum)])
}

/// The user id (1–8 digits) + `_` + 32 upper-case alphanumerics.
fn clickup_body(body: &str) -> bool {
    body.split_once('_').is_some_and(|(user, key)| {
        (1..=8).contains(&user.len())
            && user.bytes().all(|b| b.is_ascii_digit())
            && key.len() == 32
            && key.bytes().all(upper_alnum)
    })
}

/// An id, `_`, and the secret.
fn pinecone_body(body: &str) -> bool {
    body.contains('_')
}

/// One field of a token body: its length and the class of its bytes.
type Field = (usize, fn(u8) -> bool);

/// `body` is `fields` joined by `separator`: each of its length and alphabet.
fn fields(body: &str, separator: u8, fields: &[Field]) -> bool {
    let parts: Vec<&[u8]> = body.as_bytes().split(|b| *b == separator).collect();
    parts.len() == fields.len()
        && parts
            .iter()
            .zip(fields)
            .all(|(part, (len, class))| part.len() == *len && part.iter().all(|b| class(*b)))
}

/// The (spec, prefix) pairs whose prefix starts with each byte, so that a position
/// is compared only against the prefixes it can begin.
static BY_FIRST_BYTE: LazyLock<Vec<Vec<(&'static TokenSpec, &'static str)>>> =
    LazyLock::new(|| {
        let mut table = vec![Vec::new(); 256];
        for spec in TOKENS {
            for prefix in spec.prefixes {
                table[usize::from(prefix.as_bytes()[0])].push((spec, *prefix));
            }
        }
        table
    });

/// Whether a token prefix starts at `at`, a word start: the test the prefilter
/// (`prefilter`) shares with [`LineScan::tokens`].
pub(super) fn prefix_at(bytes: &[u8], at: usize) -> bool {
    if at > 0 && word(bytes[at - 1]) {
        return false;
    }
    let rest = &bytes[at..];
    BY_FIRST_BYTE[usize::from(bytes[at])]
        .iter()
        .any(|(_, prefix)| rest.starts_with(prefix.as_bytes()))
}

impl LineScan<'_> {
    /// Prefixed tokens. One pass over the line: only word starts whose first byte
    /// begins some prefix are compared, and only against those prefixes.
    pub(super) fn tokens(&mut self) {
        let bytes = self.bytes;
        for at in 0..bytes.len() {
            let candidates = &BY_FIRST_BYTE[usize::from(bytes[at])];
            if candidates.is_empty() || (at > 0 && word(bytes[at - 1])) {
                continue;
            }
            let rest = &bytes[at..];
            for &(spec, prefix) in candidates {
                if !rest.starts_with(prefix.as_bytes()) {
                    continue;
                }
                let body_start = at + prefix.len();
                let len = run(bytes, body_start, spec.body, spec.max);
                let end = body_start + len;
                if len < spec.min || len > spec.max || bytes.get(end).is_some_and(|b| alnum(*b)) {
                    continue;
                }
                let body = &self.line[body_start..end];
                if spec.check.is_some_and(|check| !check(body)) {
                    continue;
                }
                // Where only references belong, the shape alone is a credential.
                if self.evidence == Evidence::Plausible {
                    let believable = match spec.checksum {
                        Some(checksum) => checksum(body) && !is_placeholder(body),
                        None => looks_random(&self.line[at..end], body),
                    };
                    if !believable {
                        continue;
                    }
                }
                self.push(spec.kind, spec.label, at..end);
            }
        }
    }
}
