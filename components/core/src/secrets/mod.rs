//! Hard-coded secrets: credentials committed in a change.
//!
//! Two sources are scanned: the added lines of every diff, and the literal string
//! values of Terraform configuration — resource and data source attributes (nested
//! blocks and maps included), provider arguments, module inputs, locals, variable
//! defaults, outputs and `.tfvars` values.
//!
//! Detection is a set of hand-written matchers, one per credential format, in the
//! spirit of Gitleaks and detect-secrets:
//!
//! * vendor tokens are recognised by their fixed prefix, alphabet and length
//!   (`ghp_` + 36 alphanumerics, `AKIA` + 16 upper-case alphanumerics), with word
//!   boundaries on both sides, and by the checksum where the format has one (GitHub's
//!   and npm's CRC-32: a token whose checksum is wrong was never issued and is not
//!   reported, one whose checksum is right needs no entropy test);
//! * a few are found by an anchor inside them (`Q~` in an Entra ID client secret,
//!   `sig=` in an Azure SAS URL, `/api/webhooks/` in a Discord webhook);
//! * formats with no prefix (an AWS secret access key is 40 base64 characters, an
//!   Azure storage key 88, a Datadog key 32 hex digits) are reported only next to a
//!   name that says what they are — on the same line, or, for configuration values,
//!   the attribute name and the block it is in;
//! * a generic rule catches `password = "…"` / `"token": "…"` assignments (and, for
//!   configuration, attributes whose *name* is a password, secret, token or key) when
//!   the value is at least [`GENERIC_MIN_LEN`] characters long, mixes at least two
//!   character classes (one of them digits or symbols, unless the value is 20+
//!   characters at 4.0 bits), has a Shannon entropy of at least
//!   [`GENERIC_MIN_ENTROPY`] bits per character, and is no reference, path, URL, ARN
//!   or template.
//!
//! Every candidate goes through the same placeholder filter (the AWS documentation
//! keys, `changeme`, `password`, `<…>`, `${…}` and `{{…}}` interpolations, `var.` /
//! `local.` references, empty strings, repeated or sequential characters, anything
//! containing `EXAMPLE`/`dummy`/`placeholder`/`redacted`/`xxxx`/`****`) and a
//! randomness check on its variable part, so documentation and fixtures stay quiet.
//!
//! Matchers are linear in the line length: each looks for its fixed anchors with
//! substring search and reads a bounded run after them; nothing backtracks. There is no
//! regex engine, which keeps the wasm builds small. Before them, one pass (`prefilter`)
//! rules out a line that holds no token prefix, anchor or secret-like name at all —
//! most configuration and plan values.
//!
//! A secret never leaves this module in clear: a [`SecretMatch`] keeps only its
//! position and the [`mask`]ed form (at most the first four characters), and that is
//! all a finding's message or any `Debug` output shows.
//!
//! The same detector serves the AWS rules that look for secrets where only references
//! belong (EC2 user data, Lambda and ECS environments) through
//! [`hard_coded_in_script`] and [`hard_coded_value`]: there a credential's shape, or a
//! secret's name with any written-out value, is evidence enough (see `hard_coded`).
//!
//! The parts, each in its own file: `catalog` (the rules), `walk` (diffs and
//! configuration values) and `findings` (one finding per secret), `text` (a text or a
//! named value, line by line), `line` and `matchers` (the per-line engine and the
//! structural matchers), `tokens` (the prefixed vendor formats, one table row each),
//! `named_formats` (vendor formats that need their name nearby), `anchored` (formats
//! found by an anchor inside them), `checksums` (CRC-32 and base62), `assignments`
//! (`name = value`), `names` and `values` (what a name and a value say), `encodings`
//! (base64), `bytes` (byte classes), `secret_match` (what a match keeps, and the mask)
//! and `hard_coded` (the AWS rules' questions).
//!
//! Secrets a resource argument writes into Terraform state (`password = "…"` on a
//! database) are a resource rule, RG-SECRET-STATE-001, in `rules::aws::state_secrets`:
//! it judges evaluated values and plan values, which this module does not read.

mod anchored;
mod assignments;
mod bytes;
mod catalog;
mod checksums;
mod encodings;
mod findings;
mod hard_coded;
mod line;
mod matchers;
mod named_formats;
mod names;
mod prefilter;
mod secret_match;
mod text;
mod tokens;
mod values;
mod walk;

#[cfg(test)]
mod tests;

use crate::changeset::ChangeSet;
use crate::finding::Finding;
use line::Evidence;

pub use catalog::{SecretRule, catalog, rules};
pub use hard_coded::{HardCodedSecret, hard_coded_in_script, hard_coded_value};
pub use secret_match::{SecretMatch, mask};
pub use values::{GENERIC_MAX_LEN, GENERIC_MIN_ENTROPY, GENERIC_MIN_LEN, shannon_entropy};

/// Finds secrets in free text (a file, a script, a heredoc), line by line.
pub fn find_secrets(text: &str) -> Vec<SecretMatch> {
    text::scan_text(text, "", false, Evidence::Plausible)
}

/// Finds secrets in a configuration value whose attribute (or variable, or map key)
/// is called `name`: the name is context for the formats that need one (an AWS secret
/// key, a generic password), so `find_secrets_in_value("password", "S3cr3t!v4lue-long")`
/// finds a hard-coded password while `find_secrets("S3cr3t!v4lue-long")` does not.
pub fn find_secrets_in_value(name: &str, value: &str) -> Vec<SecretMatch> {
    text::scan_value("", name, name, value)
}

/// Scans a change set: the added lines of every diff, and the literal string values of
/// its Terraform configuration. A secret that both a diff and the configuration file it
/// changes contain is reported once, from the configuration (which names the resource).
///
/// Plans are not scanned: their values are the configuration's after evaluation plus
/// what providers compute at apply time, which is not text anyone commits.
pub fn scan(change_set: &ChangeSet) -> Vec<Finding> {
    walk::scan_change_set(change_set)
}
