//! Checksums that some token formats carry, so a detector can tell a token that was
//! issued from one that only has its shape (a typo, a truncated paste, a made-up
//! fixture).
//!
//! GitHub's `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` tokens and npm's `npm_` tokens end in
//! six base62 characters that encode the CRC-32 of the 30 random characters before
//! them (<https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/>,
//! <https://github.blog/2021-09-23-announcing-npms-new-access-token-format/>). GitHub's
//! own secret scanning uses the checksum to rule out false positives; so does this.

/// The CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) lookup table.
static CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// CRC-32 as zlib, PNG and Python's `binascii.crc32` compute it.
pub(super) fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &b| {
        CRC32_TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8)
    })
}

/// The digits of GitHub's base62: `0-9`, then `A-Z`, then `a-z`.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `value` in base62, left-padded with `0` to `width` digits.
pub(super) fn base62(mut value: u64, width: usize) -> String {
    let mut digits = Vec::with_capacity(width);
    while value > 0 {
        digits.push(BASE62[(value % 62) as usize]);
        value /= 62;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// Whether a 36-character GitHub or npm token body (the part after `ghp_` / `npm_`)
/// ends in the base62 CRC-32 of its first 30 characters.
pub(super) fn github_checksum_ok(body: &str) -> bool {
    let Some((random, checksum)) = body.split_at_checked(30) else {
        return false;
    };
    checksum.len() == 6 && base62(u64::from(crc32(random.as_bytes())), 6) == checksum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_reference_check_value() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_pads_and_orders_digits_as_github_does() {
        assert_eq!(base62(0, 6), "000000");
        assert_eq!(base62(61, 6), "00000z");
        assert_eq!(base62(62, 6), "000010");
        assert_eq!(base62(u64::from(u32::MAX), 6), "4gfFC3");
    }

    #[test]
    fn github_checksum_accepts_only_the_matching_suffix() {
        let random = "Zx9QpL2mN8vB4cT6yH1kJ7dF3sG5aW";
        let good = format!("{random}{}", base62(u64::from(crc32(random.as_bytes())), 6));
        assert!(github_checksum_ok(&good));
        let mut bad = good.clone();
        bad.replace_range(35.., if good.ends_with('0') { "1" } else { "0" });
        assert!(!github_checksum_ok(&bad));
        assert!(!github_checksum_ok(&good[..35]));
        assert!(!github_checksum_ok(""));
    }
}
