//! What a found secret keeps: its rule, its position and its masked form. The secret
//! itself never leaves the line it was found in; [`mask`] is the only form of it
//! that any message, `Debug` output or finding shows.

use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;

use super::catalog::{Kind, SecretRule};

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
    pub(super) kind: Kind,
    pub(super) label: &'static str,
    line: usize,
    span: Range<usize>,
    pub(super) masked: String,
    /// Hash of the secret, to recognise one secret reached from two inputs (a diff and
    /// the configuration file it changes). Never shown: short passwords could be
    /// brute-forced from it.
    pub(super) fingerprint: u64,
    /// Found in the base64-decoded form of the value (EC2 `user_data`).
    pub(super) decoded: bool,
    /// The name the secret is assigned to in its line (`DB_PASSWORD`), when the
    /// matcher read one. A name, never the secret.
    pub(super) name: Option<String>,
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

    /// The secret itself in `scanned`, the text this match was found in (its lines
    /// as `str::lines` splits them); `None` for a secret found in a decoded form.
    /// Only to keep the secret out of what is said about it: never stored.
    pub(super) fn secret_in<'t>(&self, scanned: &'t str) -> Option<&'t str> {
        if self.decoded {
            return None;
        }
        scanned.lines().nth(self.line)?.get(self.span.clone())
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

pub(super) fn make_match(
    kind: Kind,
    label: &'static str,
    line: usize,
    text: &str,
    span: Range<usize>,
    name: Option<String>,
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
        name,
    }
}
