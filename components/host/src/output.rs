//! What a plugin hands back — findings, metadata, its own error, a trap — bounded
//! on the way into the host.
//!
//! Bounds apply in two places:
//!
//! 1. **While wasmtime lifts a result**, before it copies anything. The store's
//!    hostcall fuel ([`wasmtime::Store::set_hostcall_fuel`]), set to the plugin's
//!    output limit, is charged for each string's length and each list's host-side
//!    size *before* wasmtime allocates for it, and lifting fails once it runs out.
//!    Guest memory alone could not bound this: a result may reference the same
//!    16 MiB string a thousand times for a few kilobytes of the guest's own
//!    memory, and a naive lift would copy 16 GiB. Charged per reference, it stops
//!    at the first one over the limit, with the rest never read. The fuel is per
//!    call: `metadata`'s result, `evaluate`'s result and the arguments of each
//!    WASI call the guest makes each get the whole limit.
//! 2. **On the lifted values**: rule ids are capped at [`MAX_ID_BYTES`], every other
//!    text (finding fields, the plugin's error, trap messages) at
//!    [`MAX_TEXT_BYTES`], truncated with a marker, so that no one field crowds a
//!    review or a pull-request comment. Then the contract: findings only for rules
//!    the metadata declares and resources of the change.
//!
//! The metadata's name, version, description and rule titles are lifted (within
//! the fuel) but never kept: the plugin's file name names it.

use std::collections::BTreeSet;

use reviewgate_core::{ExternalError, ExternalFinding, FailureKind};

use crate::reviewer::wit::PluginFinding;

/// Longest rule id kept, in bytes. Ids are short codes (`TAGS-001`); the cap only
/// keeps a hostile one from becoming a page of text in every finding.
pub(crate) const MAX_ID_BYTES: usize = 128;

/// Longest text kept per field or message, in bytes: a finding's title, message,
/// file and remediation, the plugin's own error, a trap's message and backtrace.
pub(crate) const MAX_TEXT_BYTES: usize = 4 << 10;

/// How wasmtime 48 words running out of hostcall fuel. Its error type is private,
/// so the text is what identifies it; `wasmtime` is pinned (`=48.0.8`) and the
/// host's tests fail if an upgrade changes it.
const HOSTCALL_FUEL_EXHAUSTED: &str = "fuel allocated for hostcalls has been exhausted";

/// `text`, cut to at most `max` bytes on a character boundary with a marker that
/// gives the original length, or unchanged if it fits.
pub(crate) fn truncate(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let original = text.len();
    let cut = (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    text.truncate(cut);
    text.push_str(&format!("… [truncated from {original} bytes]"));
    text
}

/// A failure whose message, which may quote the plugin, is capped.
pub(crate) fn failure(kind: FailureKind, message: impl Into<String>) -> ExternalError {
    ExternalError::new(kind, truncate(message.into(), MAX_TEXT_BYTES))
}

/// Whether `error` is wasmtime refusing to copy more of a result (or of a WASI
/// call's arguments) than the hostcall fuel allows.
pub(crate) fn is_output_limit(error: &wasmtime::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.to_string().contains(HOSTCALL_FUEL_EXHAUSTED))
}

/// The plugin's findings, capped, if it kept its contract: findings only for rules
/// its metadata declares (`rules`) and resources of the change (`addresses`).
pub(crate) fn findings(
    rules: impl IntoIterator<Item = String>,
    findings: Vec<PluginFinding>,
    addresses: &BTreeSet<&str>,
) -> Result<Vec<ExternalFinding>, ExternalError> {
    let malformed = |m: String| failure(FailureKind::MalformedOutput, m);
    // Declared and reported ids are capped alike, so they still match.
    let rules: BTreeSet<String> = rules
        .into_iter()
        .map(|id| truncate(id, MAX_ID_BYTES))
        .collect();
    findings
        .into_iter()
        .map(|finding| {
            let finding = ExternalFinding::from(finding);
            let rule_id = truncate(finding.rule_id, MAX_ID_BYTES);
            if !rules.contains(&rule_id) {
                return Err(malformed(format!(
                    "finding for rule `{rule_id}`, which its metadata does not declare"
                )));
            }
            // Not truncated: it must be an address of the change, which bounds it.
            if let Some(resource) = &finding.resource
                && !addresses.contains(resource.as_str())
            {
                return Err(malformed(format!(
                    "finding about `{}`, which is not in the change",
                    truncate(resource.clone(), MAX_ID_BYTES)
                )));
            }
            let text = |text: String| truncate(text, MAX_TEXT_BYTES);
            Ok(ExternalFinding {
                rule_id,
                title: text(finding.title),
                message: text(finding.message),
                file: finding.file.map(text),
                remediation: finding.remediation.map(text),
                ..finding
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_characters_whole_and_says_how_long_the_text_was() {
        assert_eq!(truncate("short".into(), 10), "short");
        assert_eq!(
            truncate("abcdef".into(), 4),
            "abcd… [truncated from 6 bytes]"
        );
        // "é" is two bytes: cutting inside it backs off to the boundary before.
        assert_eq!(truncate("aé".into(), 2), "a… [truncated from 3 bytes]");
    }
}
