//! Scanning a text line by line, and a named configuration value: the name is
//! context for the formats that need one, and it alone can make a value a secret
//! (`password = "…"`). `user_data` is also scanned base64-decoded.

use super::catalog::Kind;
use super::encodings::decode_base64_text;
use super::matchers::scan_line;
use super::names::{name_excluded, secret_name};
use super::secret_match::{SecretMatch, make_match};
use super::values::{generic_value_ok, strip_auth_scheme};

/// Lines after a private key header searched for its body.
pub(super) const LOOKAHEAD: usize = 4;

pub(super) fn scan_text(text: &str, ctx: &str, quoted: bool) -> Vec<SecretMatch> {
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
pub(super) fn scan_value(owner: &str, path: &str, key: &str, value: &str) -> Vec<SecretMatch> {
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
