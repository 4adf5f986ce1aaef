//! Secrets for one source. Several may be active at once so that a secret can be
//! rotated without dropping deliveries: the old and the new one both verify until the
//! old one is removed.

use base64::Engine as _;

/// One or more secrets, as raw key bytes. `Debug` never shows them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretSet {
    keys: Vec<Vec<u8>>,
}

impl std::fmt::Debug for SecretSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretSet({} secrets)", self.keys.len())
    }
}

/// A secret that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret {index} (counting from 1) is not valid: {detail}")]
pub struct SecretError {
    /// Which line.
    pub index: usize,
    /// What is wrong (never the secret).
    pub detail: &'static str,
}

impl SecretSet {
    /// Secrets used verbatim as HMAC keys or tokens (GitHub, Spacelift, Bitbucket,
    /// GitLab tokens, the edge→backend secret), one per line: secrets may contain
    /// spaces and commas (GitHub's documented example does), never newlines.
    pub fn from_lines(text: &str) -> SecretSet {
        SecretSet {
            keys: text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| l.as_bytes().to_vec())
                .collect(),
        }
    }

    /// Standard Webhooks secrets, one per line: `whsec_` followed by base64 of the key
    /// (the prefix is optional, as in the reference libraries).
    pub fn from_standard_webhooks_lines(text: &str) -> Result<SecretSet, SecretError> {
        let mut keys = Vec::new();
        for (i, line) in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let encoded = line.strip_prefix("whsec_").unwrap_or(line);
            let key = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| SecretError {
                    index: i + 1,
                    detail: "not base64 after the whsec_ prefix",
                })?;
            if key.is_empty() {
                return Err(SecretError {
                    index: i + 1,
                    detail: "empty key",
                });
            }
            keys.push(key);
        }
        Ok(SecretSet { keys })
    }

    /// A set from raw keys.
    pub fn from_keys(keys: Vec<Vec<u8>>) -> SecretSet {
        SecretSet { keys }
    }

    /// The keys, for computing MACs.
    pub fn keys(&self) -> &[Vec<u8>] {
        &self.keys
    }

    /// Whether no secret is configured.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Refuses a set holding a key shorter than `min_bytes`: configuration checks
    /// this, so a guessable secret stops the deployment instead of guarding it.
    pub fn require_min_len(self, min_bytes: usize) -> Result<SecretSet, SecretError> {
        match self.keys.iter().position(|k| k.len() < min_bytes) {
            Some(i) => Err(SecretError {
                index: i + 1,
                detail: if min_bytes == MIN_STANDARD_WEBHOOKS_KEY_BYTES {
                    "shorter than 24 bytes (Standard Webhooks keys are 24 to 64 random bytes)"
                } else {
                    "shorter than 16 bytes"
                },
            }),
            None => Ok(self),
        }
    }
}

/// The shortest HMAC secret or token a deployment accepts (GitHub, GitLab tokens,
/// Bitbucket, Spacelift, edge signing).
pub const MIN_SECRET_BYTES: usize = 16;
/// The shortest Standard Webhooks key (after base64): the specification's keys are
/// 24 to 64 random bytes.
pub const MIN_STANDARD_WEBHOOKS_KEY_BYTES: usize = 24;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_spaces_and_skip_blanks() {
        let s = SecretSet::from_lines("It's a Secret to Everybody\n\n  new, one \n");
        assert_eq!(s.keys().len(), 2);
        assert_eq!(s.keys()[0], b"It's a Secret to Everybody");
        assert_eq!(s.keys()[1], b"new, one");
        assert_eq!(format!("{s:?}"), "SecretSet(2 secrets)");
    }

    #[test]
    fn standard_webhooks_secrets_decode_base64() {
        let s = SecretSet::from_standard_webhooks_lines("whsec_aGVsbG8=\nd29ybGQ=").expect("valid");
        assert_eq!(s.keys(), &[b"hello".to_vec(), b"world".to_vec()]);
        let err =
            SecretSet::from_standard_webhooks_lines("whsec_aGVsbG8=\nwhsec_!!").expect_err("bad");
        assert_eq!(err.index, 2);
    }

    #[test]
    fn configuration_refuses_short_secrets_naming_which() {
        let set = SecretSet::from_lines(
            "a-secret-of-20-bytes
short",
        );
        let err = set
            .clone()
            .require_min_len(MIN_SECRET_BYTES)
            .expect_err("too short");
        assert_eq!((err.index, err.detail), (2, "shorter than 16 bytes"));
        assert!(
            SecretSet::from_lines("exactly-16-bytes")
                .require_min_len(16)
                .is_ok()
        );
        let key = SecretSet::from_standard_webhooks_lines("whsec_aGVsbG8=").expect("valid");
        assert!(
            key.require_min_len(MIN_STANDARD_WEBHOOKS_KEY_BYTES)
                .expect_err("5 bytes")
                .to_string()
                .contains("24 bytes")
        );
    }
}
