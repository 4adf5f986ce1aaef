//! What a value says: whether a candidate looks like a real, generated credential
//! rather than a placeholder, a reference, a path or a word, by shape and by
//! Shannon entropy.

use super::bytes::hex;

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

/// `Bearer abc…` / `Basic abc…` / `token abc…`: the credential is after the scheme.
pub(super) fn strip_auth_scheme(value: &str) -> (usize, &str) {
    for scheme in ["Bearer ", "bearer ", "Basic ", "basic ", "token ", "Token "] {
        if let Some(rest) = value.strip_prefix(scheme) {
            return (scheme.len(), rest);
        }
    }
    (0, value)
}

/// The value gates of the generic rule (see [`GENERIC_MIN_ENTROPY`]).
pub(super) fn generic_value_ok(value: &str) -> bool {
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
pub(super) fn is_placeholder(value: &str) -> bool {
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
pub(super) fn looks_random(token: &str, body: &str) -> bool {
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
pub(super) fn character_classes(value: &str) -> usize {
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

pub(super) fn is_uuid(value: &str) -> bool {
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

/// Whether a value is written out, rather than empty, a boolean, a shell or template
/// expansion, a path or a reference to a secret store (`arn:`, `ssm:`, `vault:`, …).
/// Quotes and a trailing `;` or `,` around it are not part of it.
pub(super) fn is_literal(value: &str) -> bool {
    let value = value
        .trim()
        .trim_end_matches([';', ','])
        .trim_matches(|c| c == '"' || c == '\'' || c == '\\')
        .trim();
    if value.is_empty() || value.contains("${") || value.contains("{{") {
        return false;
    }
    if value.starts_with(['$', '`', '/', '<', '%']) {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "null" | "none" | "nil"
    ) {
        return false;
    }
    ![
        "arn:",
        "ssm:",
        "secretsmanager:",
        "resolve:",
        "vault:",
        "file:",
        "env:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}
