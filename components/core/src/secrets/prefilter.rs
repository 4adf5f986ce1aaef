//! The cheap test every line passes before it is scanned: does it hold anything a
//! matcher anchors on? A line (or configuration value) with no token prefix at a word
//! start, none of the anchors of the structural formats, and no name that a
//! name-gated format or the generic rule needs — in the line or in the value's name
//! context — cannot produce a match, so the scan skips it without building its
//! lower-case copy or running the matchers' two dozen searches.
//!
//! The test is one pass over the bytes: at each position only the prefixes and
//! words that begin with that byte are compared. Configuration and plan values are
//! mostly short identifiers, ARNs, CIDRs and names, which this rules out.

use std::sync::LazyLock;

use super::named_formats::format_names;
use super::tokens::prefix_at;

/// Anchors of the structural formats and the names the name-gated matchers and the
/// generic rule look for, in lower case. Every matcher's own anchor or keyword
/// contains one of these (`secret_access_key` contains `secret`, `accountkey` contains
/// `key`), so a line without any cannot match.
const WORDS: &[&str] = &[
    // Structural formats: private keys, JWTs, Terraform Cloud, Slack and other
    // webhooks, URL passwords, Entra ID secrets, SAS signatures, Mailchimp, Azure
    // DevOps.
    "-----begin ",
    "eyj",
    ".atlasv1.",
    "hooks.slack.com/",
    "/api/webhooks/",
    "webhookb2/",
    "://",
    "q~",
    "sig=",
    "-us",
    "azdo",
    // Names the AWS, Azure, Heroku and Datadog matchers need.
    "secret",
    "key",
    "heroku",
    "datadog",
    // The generic rule's hints (`names::has_secret_hint`).
    "pass",
    "pwd",
    "token",
    "cred",
    "auth",
];

/// The words, indexed by their first byte.
static WORDS_BY_FIRST_BYTE: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
    let mut table = vec![Vec::new(); 256];
    for word in WORDS.iter().copied().chain(format_names()) {
        table[usize::from(word.as_bytes()[0])].push(word);
    }
    table
});

/// Whether `text` holds one of the words, in any case.
fn has_word(text: &[u8]) -> bool {
    let table = &*WORDS_BY_FIRST_BYTE;
    (0..text.len()).any(|at| {
        let rest = &text[at..];
        table[usize::from(rest[0].to_ascii_lowercase())]
            .iter()
            .any(|word| {
                rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word.as_bytes())
            })
    })
}

/// Whether scanning `line`, whose value has the name context `ctx`, can find anything.
pub(super) fn may_hold_secret(line: &str, ctx: &str) -> bool {
    let bytes = line.as_bytes();
    (0..bytes.len()).any(|at| prefix_at(bytes, at)) || has_word(bytes) || has_word(ctx.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_values_are_ruled_out() {
        for line in [
            "us-east-1",
            "arn:aws:iam::123456789012:role/deploy",
            "10.0.0.0/16",
            "t3.micro",
            "subnet-0a1b2c3d4e5f67890",
            "Name = \"web-server\"",
        ] {
            assert!(!may_hold_secret(line, ""), "{line}");
        }
    }

    #[test]
    fn anchors_names_and_context_let_a_line_through() {
        let token = ["gh", "p_abc"].concat();
        for line in [
            token.as_str(),
            "x = \"https://u:p@host\"",
            "DB_PASSWORD=abc",
            "-----BEGIN RSA",
            "Api-Token: abc",
        ] {
            assert!(may_hold_secret(line, ""), "{line}");
        }
        // A name-gated format needs only its name, which may be the value's.
        assert!(may_hold_secret(
            "0123456789abcdef",
            "provider cloudflare api_token"
        ));
        assert!(!may_hold_secret("0123456789abcdef", "tags name"));
    }
}
