//! What a name says: whether an attribute, variable or key name holds a credential
//! (`db_password`, `clientSecret`, `API_KEY`) or only something about one
//! (`secret_arn`, `password_length`, `token_ttl`).

use super::bytes::alnum;

/// Lower-case words of a name: `DB_PASSWORD`, `dbPassword`, `db-password` and
/// `APIKey` give `[db, password]`, `[db, password]`, `[db, password]`, `[api, key]`.
pub(super) fn segments(name: &str) -> Vec<String> {
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

pub(super) fn name_excluded(name: &str) -> bool {
    let segments = segments(name);
    segments
        .last()
        .is_some_and(|s| LAST_EXCLUDED.contains(&s.as_str()))
        || segments.iter().any(|s| ANY_EXCLUDED.contains(&s.as_str()))
}

/// Substrings every credential name has; a cheap test before splitting a name.
pub(super) fn has_secret_hint(lower: &str) -> bool {
    ["pass", "pwd", "secret", "token", "key", "cred", "auth"]
        .iter()
        .any(|hint| lower.contains(hint))
}

/// The label of a name that says "this is a credential", or `None`.
pub(super) fn credential_label(name: &str) -> Option<&'static str> {
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

/// Endings of compound words that name a secret (`DBPASSWORD`, `authtoken`).
const COMPOUND_ENDINGS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "privatekey",
];

/// Kinds of key [`credential_label`] does not list but whose value is a secret too.
const MORE_KEY_QUALIFIERS: &[&str] = &["ssh", "encryption"];

/// Whether a name says its value belongs in a secret store, not in configuration:
/// every name [`credential_label`] labels, and also compound words (`DBPASSWORD`),
/// `ssh_key` and `encryption_key`, and `…_ACCESS_KEY_ID`, the half of an AWS
/// credential pair that is no secret alone but is never configuration either.
///
/// Broader than [`credential_label`] because it is only asked about places meant for
/// references (see `hard_coded`), where a name is evidence enough.
pub(super) fn suggests_secret(name: &str) -> bool {
    if credential_label(name).is_some() {
        return true;
    }
    let segments = segments(name);
    if segments.ends_with(&["access".to_owned(), "key".to_owned(), "id".to_owned()]) {
        return true;
    }
    if name_excluded(name) {
        return false;
    }
    segments.iter().any(|segment| {
        COMPOUND_ENDINGS
            .iter()
            .any(|ending| segment.len() > ending.len() && segment.ends_with(ending))
    }) || segments
        .windows(2)
        .any(|w| MORE_KEY_QUALIFIERS.contains(&w[0].as_str()) && w[1] == "key")
}
