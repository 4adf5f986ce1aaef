//! Byte classes (the alphabets credential formats are written in) and runs of them.

use std::ops::Range;

pub(super) fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
pub(super) fn upper_alnum(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
pub(super) fn word(b: u8) -> bool {
    alnum(b) || b == b'_'
}
pub(super) fn word_dash(b: u8) -> bool {
    word(b) || b == b'-'
}
pub(super) fn word_dash_dot(b: u8) -> bool {
    word_dash(b) || b == b'.'
}
pub(super) fn alnum_dash(b: u8) -> bool {
    alnum(b) || b == b'-'
}
pub(super) fn hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}
pub(super) fn lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}
pub(super) fn base64(b: u8) -> bool {
    alnum(b) || b == b'+' || b == b'/'
}
pub(super) fn base64_padded(b: u8) -> bool {
    base64(b) || b == b'='
}
pub(super) fn base64url(b: u8) -> bool {
    word_dash(b)
}
pub(super) fn alpha(b: u8) -> bool {
    b.is_ascii_alphabetic()
}
pub(super) fn lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}
pub(super) fn alnum_dot(b: u8) -> bool {
    alnum(b) || b == b'.'
}
pub(super) fn hex_dash(b: u8) -> bool {
    hex(b) || b == b'-'
}
pub(super) fn word_dash_eq(b: u8) -> bool {
    word_dash(b) || b == b'='
}
pub(super) fn word_dash_dot_eq(b: u8) -> bool {
    word_dash_dot(b) || b == b'='
}
/// Base64 in either alphabet, padded, plus `_`-joined parts (`sntrys_…_…`).
pub(super) fn base64_any(b: u8) -> bool {
    base64_padded(b) || b == b'-' || b == b'_'
}
pub(super) fn alnum_dollar(b: u8) -> bool {
    alnum(b) || b == b'$'
}
pub(super) fn alnum_percent(b: u8) -> bool {
    alnum(b) || b == b'%'
}
/// RFC 4648 base32 in lower case, as Azure DevOps writes its classic tokens.
pub(super) fn lower_base32(b: u8) -> bool {
    b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)
}
pub(super) fn word_dash_plus(b: u8) -> bool {
    word_dash(b) || b == b'+'
}
pub(super) fn bech32_upper(b: u8) -> bool {
    b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L".contains(&b)
}

/// Length of the run of `class` bytes at `from`, reading at most `limit + 1` bytes (so a
/// run longer than `limit` is seen as such without reading it all).
pub(super) fn run(bytes: &[u8], from: usize, class: fn(u8) -> bool, limit: usize) -> usize {
    bytes
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take(limit.saturating_add(1))
        .take_while(|b| class(**b))
        .count()
}

/// The maximal runs of `class` bytes in a line.
pub(super) fn runs(bytes: &[u8], class: fn(u8) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (class(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..bytes.len());
    }
    out
}
