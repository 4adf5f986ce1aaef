//! Scanning a text line by line, and a named configuration value: the name is
//! context for the formats that need one, and it alone can make a value a secret
//! (`password = "…"`). `user_data` is also scanned base64-decoded.

use super::catalog::Kind;
use super::encodings::decode_base64_text;
use super::line::Evidence;
use super::matchers::scan_line;
use super::names::{credential_label, name_excluded};
use super::secret_match::{SecretMatch, make_match};
use super::values::{generic_value_ok, strip_auth_scheme};

/// Lines after a private key header searched for its body.
pub(super) const LOOKAHEAD: usize = 4;

/// Every secret in a text, line by line; `ctx` is the name context of a value (see
/// [`name_context`]), `quoted` true for configuration files.
pub(super) fn scan_text(
    text: &str,
    ctx: &str,
    quoted: bool,
    evidence: Evidence,
) -> Vec<SecretMatch> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let following = &lines[i + 1..lines.len().min(i + 1 + LOOKAHEAD)];
        out.extend(scan_line(line, following, ctx, quoted, i, evidence));
    }
    out
}

/// The names a configuration value is known by, for the matchers that need a name
/// nearby. `owner` is the block it belongs to (a resource type, `provider datadog`,
/// `variable`), `path` its dotted path, `key` its closest name.
pub(super) fn name_context(owner: &str, path: &str, key: &str) -> String {
    // A name such as `external_id` or `password_length` says the value is not a
    // credential: it is no context for the context-gated formats either. The block
    // (`provider "datadog"`) counts only for a credential-like name (`api_key`), so that
    // every identifier in every `heroku_*` resource is not taken for a Heroku key.
    if name_excluded(key) {
        String::new()
    } else if credential_label(key).is_some() {
        format!("{owner} {path} {key}").to_ascii_lowercase()
    } else {
        format!("{path} {key}").to_ascii_lowercase()
    }
}

/// Scans a configuration value (see [`name_context`] for `owner`, `path` and `key`).
pub(super) fn scan_value(owner: &str, path: &str, key: &str, value: &str) -> Vec<SecretMatch> {
    let ctx = name_context(owner, path, key);
    let mut matches = scan_text(value, &ctx, false, Evidence::Plausible);
    if matches.is_empty()
        && !value.contains('\n')
        && let Some(label) = credential_label(key)
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
                None,
            ));
        }
    }
    let lower_key = key.to_ascii_lowercase();
    if ["user_data", "userdata", "custom_data"]
        .iter()
        .any(|k| lower_key.contains(k))
        && let Some(decoded) = decode_base64_text(value)
    {
        let found = scan_text(&decoded, "", false, Evidence::Plausible);
        matches.extend(found.into_iter().map(|mut m| {
            m.decoded = true;
            m
        }));
    }
    matches
}
