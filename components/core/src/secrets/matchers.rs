//! The hand-written matchers, one per credential format: prefixed vendor tokens from
//! a table, then the formats that need a structure check (JWTs, private keys, Slack
//! webhooks, Terraform Cloud tokens), those that need a name nearby (AWS secret keys,
//! Azure storage keys, Heroku and Datadog keys), and last the two that yield to any
//! specific format on the same characters (URL passwords and the generic rule).
//!
//! Each is linear in the line length: it finds its fixed anchors with substring search
//! and reads a bounded run after them; nothing backtracks.

use super::assignments::{assigned_value, name_byte};
use super::bytes::{
    alnum, base64, base64_padded, base64url, hex, lower_hex, run, runs, word, word_dash,
};
use super::catalog::Kind;
use super::encodings::base64_decode_bytes;
use super::line::{Evidence, LineScan, RawHit};
use super::names::{credential_label, has_secret_hint, suggests_secret};
use super::prefilter::may_hold_secret;
use super::secret_match::{SecretMatch, make_match};
use super::tokens::digit_and_letter;
use super::values::{
    character_classes, generic_value_ok, is_literal, is_placeholder, is_uuid, looks_random,
    shannon_entropy, strip_auth_scheme,
};

/// The label of a secret that only its name tells, when the catalog has none for the name.
const NAMED_SECRET: &str = "Hard-coded secret";

/// Every secret on one line: each matcher in turn, the generic ones last.
pub(super) fn scan_line(
    line: &str,
    following: &[&str],
    ctx: &str,
    quoted: bool,
    index: usize,
    evidence: Evidence,
) -> Vec<SecretMatch> {
    if !may_hold_secret(line, ctx) {
        return Vec::new();
    }
    let mut scan = LineScan::new(line, following, ctx, quoted, evidence);
    scan.tokens();
    scan.terraform_cloud();
    scan.private_key();
    scan.jwt();
    scan.slack_webhook();
    scan.aws_secret_key();
    scan.azure_storage_key();
    scan.heroku_uuid();
    scan.datadog();
    scan.anchored();
    scan.index();
    scan.named_formats();
    // Last: these two yield to any specific format found on the same characters.
    scan.index();
    scan.url_credentials();
    scan.index();
    scan.generic();
    scan.index();
    let mut hits = scan.hits;
    hits.dedup_by(|b, a| a.span == b.span);
    hits.into_iter()
        .map(|h| {
            let name = h.name.and_then(|name| line.get(name)).map(str::to_owned);
            make_match(h.kind, h.label, index, line, h.span, name)
        })
        .collect()
}

impl LineScan<'_> {
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
        // Whether the next lines hold a key body is the same for every header on this
        // line: read them once, not once per header (a line of headers over a long
        // line was quadratic).
        let mut body_below = None;
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
            if self.evidence == Evidence::Literal
                || key_body(body)
                || *body_below.get_or_insert_with(|| key_body_below(self.following))
            {
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
            let name = &self.line[name_start..i];
            let literal = self.evidence == Evidence::Literal;
            let label = match credential_label(name) {
                Some(label) => label,
                None if literal && suggests_secret(name) => NAMED_SECRET,
                None => continue,
            };
            let Some((value, value_end)) =
                assigned_value(self.line, name_start, i, self.quoted_only)
            else {
                continue;
            };
            i = i.max(value_end);
            let (offset, candidate) = strip_auth_scheme(&self.line[value.clone()]);
            let span = value.start + offset..value.start + offset + candidate.len();
            let value_ok = generic_value_ok(candidate) || (literal && is_literal(candidate));
            if value_ok && !self.overlaps(&span) {
                found.push((label, span, name_start..name_start + name.len()));
            }
        }
        for (label, span, name) in found {
            self.hits.push(RawHit {
                kind: Kind::Generic,
                label,
                span,
                name: Some(name),
            });
        }
    }
}

/// Whether `text` starts with the base64 body of a private key: on the header's own
/// line (JSON strings with `\n` escapes) or on a line of its own.
fn key_body(text: &str) -> bool {
    let text =
        text.trim_start_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '+');
    let text = strip_escaped_newlines(text);
    let len = run(text.as_bytes(), 0, base64_padded, 4096);
    let body = &text[..len];
    len >= 40 && shannon_entropy(body) >= 3.5 && !is_placeholder(body)
}

/// Whether the next non-empty, non-header line after a private key header is its body.
fn key_body_below(following: &[&str]) -> bool {
    for line in following {
        let trimmed = line.trim().trim_matches(|c| c == '"' || c == '\'');
        if trimmed.is_empty() {
            continue;
        }
        // RFC 1421 / OpenPGP armour headers (`Proc-Type: 4,ENCRYPTED`, `Version: …`).
        if trimmed.contains(": ") && !trimmed.contains("-----") {
            continue;
        }
        return key_body(trimmed);
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
