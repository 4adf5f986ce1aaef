//! Vendor credentials with no prefix of their own (a UUID, 32 hex digits, 40
//! characters): reported only next to a name that says whose they are — on the same
//! line, or, for a configuration value, in its attribute, block or provider name.
//! One table row per format.

use super::bytes::{alnum, hex_dash, lower_base32, lower_hex, runs, word_dash, word_dash_plus};
use super::catalog::Kind;
use super::line::LineScan;
use super::tokens::digit_and_letter;
use super::values::{is_placeholder, is_uuid, shannon_entropy};

/// A format recognised by its alphabet and length next to one of its names.
struct NamedFormat {
    kind: Kind,
    label: &'static str,
    /// Lower-case names; one of them must be on the line or in the value's context.
    names: &'static [&'static str],
    alphabet: fn(u8) -> bool,
    len: usize,
    /// What else the candidate must be (a UUID, mixed case, …).
    shape: fn(&str) -> bool,
}

const NAMED_FORMATS: &[NamedFormat] = &[
    NamedFormat {
        kind: Kind::GcpServiceAccountKey,
        label: "Google Cloud service account key",
        names: &["private_key_id"],
        alphabet: lower_hex,
        len: 40,
        shape: digit_and_letter,
    },
    NamedFormat {
        kind: Kind::AzureDevopsPat,
        label: "Azure DevOps personal access token",
        names: &[
            "azure_devops",
            "azuredevops",
            "azure-devops",
            "ado_pat",
            "ado_token",
            "azdo",
            "vsts",
            "devops_pat",
            "devops_token",
        ],
        alphabet: lower_base32,
        len: 52,
        shape: digit_and_letter,
    },
    NamedFormat {
        kind: Kind::Postmark,
        label: "Postmark server token",
        names: &["postmark"],
        alphabet: hex_dash,
        len: 36,
        shape: is_uuid,
    },
    NamedFormat {
        kind: Kind::Cloudflare,
        label: "Cloudflare API token",
        names: &["cloudflare"],
        alphabet: word_dash,
        len: 40,
        // 40 hex digits next to `cloudflare` is a commit (`?ref=`), not a token.
        shape: not_only_hex,
    },
    NamedFormat {
        kind: Kind::Cloudflare,
        label: "Cloudflare global API key",
        names: &["cloudflare"],
        alphabet: lower_hex,
        len: 37,
        shape: digit_and_letter,
    },
    NamedFormat {
        kind: Kind::Fastly,
        label: "Fastly API token",
        names: &["fastly"],
        alphabet: word_dash,
        len: 32,
        shape: not_only_hex,
    },
    NamedFormat {
        kind: Kind::Okta,
        label: "Okta API token",
        names: &["okta", "ssws"],
        alphabet: word_dash,
        len: 42,
        shape: okta_shape,
    },
    NamedFormat {
        kind: Kind::Vercel,
        label: "Vercel access token",
        names: &["vercel"],
        alphabet: alnum,
        len: 24,
        shape: digit_and_letter,
    },
    NamedFormat {
        kind: Kind::Snyk,
        label: "Snyk API token",
        names: &["snyk"],
        alphabet: hex_dash,
        len: 36,
        shape: is_uuid,
    },
    NamedFormat {
        kind: Kind::Algolia,
        label: "Algolia API key",
        names: &["algolia"],
        alphabet: lower_hex,
        len: 32,
        shape: digit_and_letter,
    },
    NamedFormat {
        kind: Kind::SplunkHec,
        label: "Splunk HEC token",
        names: &["splunk", "hec_token"],
        alphabet: hex_dash,
        len: 36,
        shape: is_uuid,
    },
    NamedFormat {
        kind: Kind::PagerDuty,
        label: "PagerDuty API key",
        names: &["pagerduty"],
        alphabet: word_dash_plus,
        len: 20,
        shape: digit_and_letter,
    },
    NamedFormat {
        kind: Kind::Opsgenie,
        label: "Opsgenie API key",
        names: &["opsgenie"],
        alphabet: hex_dash,
        len: 36,
        shape: is_uuid,
    },
    NamedFormat {
        kind: Kind::Linode,
        label: "Linode API token",
        names: &["linode"],
        alphabet: lower_hex,
        len: 64,
        shape: digit_and_letter,
    },
    NamedFormat {
        kind: Kind::Hetzner,
        label: "Hetzner Cloud API token",
        names: &["hcloud", "hetzner"],
        alphabet: alnum,
        len: 64,
        // A SHA-256 is 64 hex digits; Hetzner tokens mix cases.
        shape: not_only_hex,
    },
    NamedFormat {
        kind: Kind::Scaleway,
        label: "Scaleway secret key",
        names: &["scaleway", "scw_secret"],
        alphabet: hex_dash,
        len: 36,
        shape: is_uuid,
    },
    NamedFormat {
        kind: Kind::TelegramBot,
        label: "Telegram bot token",
        names: &["telegram", "bot_token"],
        alphabet: telegram_alphabet,
        len: 0,
        shape: telegram_shape,
    },
];

fn not_only_hex(value: &str) -> bool {
    digit_and_letter(value) && !value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Okta API tokens start `00`.
fn okta_shape(value: &str) -> bool {
    value.starts_with("00") && digit_and_letter(value)
}

fn telegram_alphabet(b: u8) -> bool {
    word_dash(b) || b == b':'
}

/// The bot id (8–10 digits), `:`, and 35 characters that start `AA`.
fn telegram_shape(value: &str) -> bool {
    value.split_once(':').is_some_and(|(id, secret)| {
        (8..=10).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_digit())
            && secret.len() == 35
            && secret.starts_with("AA")
            && secret.bytes().all(word_dash)
    })
}

/// Every name a named format looks for, for the prefilter.
pub(super) fn format_names() -> impl Iterator<Item = &'static str> {
    NAMED_FORMATS
        .iter()
        .flat_map(|format| format.names.iter().copied())
}

impl LineScan<'_> {
    /// Every named format whose name is near, over the runs of its alphabet.
    pub(super) fn named_formats(&mut self) {
        let mut found = Vec::new();
        for format in NAMED_FORMATS {
            if !self.near("", format.names) {
                continue;
            }
            for span in runs(self.bytes, format.alphabet) {
                let candidate = &self.line[span.clone()];
                let alnum_edge = span.start > 0 && alnum(self.bytes[span.start - 1])
                    || self.bytes.get(span.end).is_some_and(|b| alnum(*b));
                if !alnum_edge
                    && (format.len == 0 || candidate.len() == format.len)
                    && (format.shape)(candidate)
                    && shannon_entropy(candidate) >= 3.0
                    && !is_placeholder(candidate)
                    && !self.overlaps(&span)
                {
                    found.push((format.kind, format.label, span));
                }
            }
        }
        for (kind, label, span) in found {
            self.push(kind, label, span);
        }
    }
}
