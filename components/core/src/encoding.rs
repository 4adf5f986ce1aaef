//! An input's bytes as text. Inputs are UTF-8, but not always as people make them:
//! `terraform show -json > plan.json` in Windows PowerShell writes UTF-16 with a
//! byte-order mark, and some editors start UTF-8 files with one. Both are read as
//! the text they hold; anything else that is not UTF-8 is an error that says where.

/// Why bytes are not text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotText {
    /// Not valid UTF-8, from this byte offset on.
    #[error("not UTF-8 text (invalid byte at offset {offset})")]
    Utf8 {
        /// The offset of the first invalid byte.
        offset: usize,
    },
    /// Marked UTF-16 by its byte-order mark, but not valid UTF-16.
    #[error("not valid UTF-16 text, though it starts with a UTF-16 byte-order mark ({reason})")]
    Utf16 {
        /// What is wrong.
        reason: &'static str,
    },
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
const UTF16_LE_BOM: &[u8] = &[0xFF, 0xFE];
const UTF16_BE_BOM: &[u8] = &[0xFE, 0xFF];

/// The text `bytes` hold: UTF-8 (a leading byte-order mark dropped), or UTF-16 in
/// either byte order when a byte-order mark says so.
pub fn decode_text(bytes: Vec<u8>) -> Result<String, NotText> {
    if let Some(rest) = bytes.strip_prefix(UTF16_LE_BOM) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_BE_BOM) {
        return utf16(rest, u16::from_be_bytes);
    }
    let start = if bytes.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let mut bytes = bytes;
    bytes.drain(..start);
    String::from_utf8(bytes).map_err(|e| NotText::Utf8 {
        offset: start + e.utf8_error().valid_up_to(),
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, NotText> {
    let (pairs, rest) = bytes.as_chunks::<2>();
    if !rest.is_empty() {
        return Err(NotText::Utf16 {
            reason: "an odd number of bytes",
        });
    }
    char::decode_utf16(pairs.iter().map(|&pair| unit(pair)))
        .collect::<Result<String, _>>()
        .map_err(|_| NotText::Utf16 {
            reason: "an unpaired surrogate",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16_bytes(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            UTF16_BE_BOM.to_vec()
        } else {
            UTF16_LE_BOM.to_vec()
        };
        for unit in text.encode_utf16() {
            out.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    }

    #[test]
    fn utf8_with_or_without_a_byte_order_mark_is_its_text() {
        let text = "{\"format_version\":\"1.2\",\"résumé\":\"🟢\"}";
        assert_eq!(decode_text(text.as_bytes().to_vec()), Ok(text.to_owned()));
        let marked = [UTF8_BOM, text.as_bytes()].concat();
        assert_eq!(decode_text(marked), Ok(text.to_owned()));
    }

    #[test]
    fn utf16_in_either_byte_order_is_read_when_marked() {
        let text = "resource \"aws_s3_bucket\" \"b\" {}\n# 🟢 é\n";
        assert_eq!(decode_text(utf16_bytes(text, false)), Ok(text.to_owned()));
        assert_eq!(decode_text(utf16_bytes(text, true)), Ok(text.to_owned()));
    }

    #[test]
    fn bytes_that_are_not_text_say_why_and_where() {
        assert_eq!(
            decode_text(b"ok \xff then".to_vec()),
            Err(NotText::Utf8 { offset: 3 })
        );
        assert_eq!(
            decode_text([UTF8_BOM, b"ok \xff"].concat()),
            Err(NotText::Utf8 { offset: 6 })
        );
        let mut odd = utf16_bytes("ab", false);
        odd.push(0);
        assert!(matches!(decode_text(odd), Err(NotText::Utf16 { .. })));
        // A high surrogate with nothing after it.
        let lone = [UTF16_LE_BOM, &0xD800u16.to_le_bytes()].concat();
        assert_eq!(
            decode_text(lone),
            Err(NotText::Utf16 {
                reason: "an unpaired surrogate"
            })
        );
        // UTF-16 without a mark is not guessed at: read as UTF-8 it is text with NULs,
        // which the parsers then refuse with a line and column.
        let unmarked: Vec<u8> = "{}".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(decode_text(unmarked).is_ok_and(|t| t == "{\0}\0"));
    }
}
