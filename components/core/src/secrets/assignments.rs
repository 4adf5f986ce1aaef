//! Reading `name = value` in a line: which names start an assignment, and where the
//! assigned value is. Quoted values always count; unquoted ones only where a value
//! can be written bare (shell lines, `.env` files, connection strings).

use std::ops::Range;

use super::bytes::{alnum, run};
use super::values::GENERIC_MAX_LEN;

/// A byte that can be part of a name (`DB_PASSWORD`, `api-key`, `auth.token`).
pub(super) fn name_byte(b: u8) -> bool {
    alnum(b) || matches!(b, b'_' | b'-' | b'.')
}

/// The value assigned to the name at `name_start..name_end`, and where the
/// assignment ends. Quoted values always; unquoted ones only outside configuration
/// files and when the name starts a statement (`KEY=value`, `export KEY=value`,
/// `;Password=value` in a connection string, `?token=value` in a query) or is a
/// command-line option (`mysql --password=value`).
pub(super) fn assigned_value(
    line: &str,
    name_start: usize,
    name_end: usize,
    quoted_only: bool,
) -> Option<(Range<usize>, usize)> {
    let bytes = line.as_bytes();
    let n = bytes.len();
    let mut j = name_end;
    if j < n && matches!(bytes[j], b'"' | b'\'') {
        j += 1;
    }
    while j < n && matches!(bytes[j], b' ' | b'\t') {
        j += 1;
    }
    let operator = match (bytes.get(j), bytes.get(j + 1)) {
        (Some(b':'), Some(b'=')) | (Some(b'='), Some(b'>')) | (Some(b'?'), Some(b'=')) => 2,
        (Some(b'='), Some(b'=')) | (Some(b':'), Some(b':')) => return None,
        (Some(b'=' | b':'), _) => 1,
        _ => return None,
    };
    // YAML needs a space after the colon: `a:b` is a scheme, a time or a namespace.
    let bare_colon = operator == 1
        && bytes[j] == b':'
        && !bytes.get(j + 1).is_some_and(|b| *b == b' ' || *b == b'\t');
    let option = operator == 1 && bytes[j] == b'=' && bytes[name_start] == b'-';
    j += operator;
    while j < n && matches!(bytes[j], b' ' | b'\t') {
        j += 1;
    }
    // An escaped quote opens a value too: `X=\"value\"` in a heredoc or a JSON string.
    let escaped = bytes.get(j) == Some(&b'\\') && matches!(bytes.get(j + 1), Some(b'"' | b'\''));
    if escaped {
        j += 1;
    }
    let quote = *bytes.get(j)?;
    if matches!(quote, b'"' | b'\'' | b'`') {
        let start = j + 1;
        let mut k = start;
        while k < n {
            match bytes[k] {
                b'\\' if escaped && bytes.get(k + 1) == Some(&quote) => {
                    return Some((start..k, k + 2));
                }
                b'\\' => k += 2,
                b if b == quote => return Some((start..k, k + 1)),
                _ => k += 1,
            }
        }
        return None;
    }
    let before = &line[..name_start];
    let option = option && (before.is_empty() || before.ends_with([' ', '\t']));
    if bare_colon || !(statement_start(before) || option) {
        return None;
    }
    // In configuration files an unquoted right-hand side is an expression
    // (`password = var.db_password`); only shell lines in heredocs (`export X=…`)
    // take unquoted values there.
    if quoted_only && before.trim_end().is_empty() {
        return None;
    }
    let len = run(
        bytes,
        j,
        |b| !b.is_ascii_whitespace() && !matches!(b, b';' | b'&' | b',' | b'"' | b'\'' | b'`'),
        GENERIC_MAX_LEN + 1,
    );
    let value = &bytes[j..j + len];
    // Too long (and maybe cut inside a character), or a call, an index or a block
    // (`os.environ["X"]`, `getpass()`, `{ … }`): not a literal.
    if len == 0
        || len > GENERIC_MAX_LEN
        || value
            .iter()
            .any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>'))
    {
        return None;
    }
    Some((j..j + len, j + len))
}

/// True when a name starting after `before` starts a statement or a `key=value` pair.
///
/// Only the end of `before` is read: it is everything left of the name, and trimming
/// it whole for every name made a long indented line quadratic. `trim_end` reads the
/// blanks just before the name (or before a keyword), which belong to that name alone,
/// and reaches the line's start only for its first word.
fn statement_start(before: &str) -> bool {
    if before.ends_with([';', '&', '?']) {
        return true;
    }
    let end = before.trim_end();
    if end.is_empty() {
        return true;
    }
    // The keyword is all there is before the name.
    let alone = |keyword: &str, case_sensitive: bool| {
        let Some(start) = end.len().checked_sub(keyword.len()) else {
            return false;
        };
        let Some(tail) = end.get(start..) else {
            return false;
        };
        let same = if case_sensitive {
            tail == keyword
        } else {
            tail.eq_ignore_ascii_case(keyword)
        };
        same && end[..start].trim_end().is_empty()
    };
    // PowerShell: `$env:DB_PASSWORD = …`.
    alone("$env:", false)
        || [
            "export",
            "-",
            "set",
            "SET",
            "ENV",
            "env",
            "local",
            "declare",
            "declare -x",
            "readonly",
        ]
        .iter()
        .any(|keyword| alone(keyword, true))
}
