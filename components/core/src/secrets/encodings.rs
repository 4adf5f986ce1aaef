//! Decoding what a secret may be wrapped in: base64, standard or URL-safe (JWT
//! parts, `user_data`).

use super::bytes::base64_padded;

/// A base64 value that decodes to text (cloud-init scripts in `user_data`), on one
/// line or wrapped over several (`base64 -w 76`).
pub(super) fn decode_base64_text(value: &str) -> Option<String> {
    let compact: Vec<u8> = value.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    // Shorter values are words, not encoded scripts.
    if compact.len() < 8 || !compact.iter().all(|b| base64_padded(*b)) {
        return None;
    }
    String::from_utf8(base64_decode_bytes(&compact)?).ok()
}

/// Decodes standard or URL-safe base64, padded or not.
pub(super) fn base64_decode_bytes(input: &[u8]) -> Option<Vec<u8>> {
    let input = input
        .strip_suffix(b"==")
        .or_else(|| input.strip_suffix(b"="))
        .unwrap_or(input);
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in input {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}
