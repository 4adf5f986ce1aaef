//! Terraform resource addresses: `module.net["eu"].aws_subnet.private[2]`.
//!
//! The grammar follows Terraform's own address syntax: zero or more module steps
//! (`module.NAME` with an optional `[index]`), an optional `data.` mode prefix, then
//! `TYPE.NAME` with an optional `[index]`. Indexes are integers (`count`) or quoted
//! strings (`for_each`), and string keys may contain dots, brackets and escapes.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// Managed resources (`resource` blocks) and data sources (`data` blocks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A `resource` block.
    Managed,
    /// A `data` block.
    Data,
}

/// The index of one instance of a resource or module with `count` or `for_each`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    /// `count.index`.
    Int(i64),
    /// `each.key`.
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            // Terraform writes string keys as JSON-style quoted strings.
            InstanceKey::Str(s) => {
                f.write_str("[\"")?;
                // Copy runs of plain text in one write: addresses are rendered for
                // every finding, and keys rarely need escaping.
                let mut plain_from = 0;
                for (at, c) in s.char_indices() {
                    let escaped = match c {
                        '"' => "\\\"",
                        '\\' => "\\\\",
                        '\n' => "\\n",
                        '\r' => "\\r",
                        '\t' => "\\t",
                        c if c.is_control() => "",
                        _ => continue,
                    };
                    f.write_str(&s[plain_from..at])?;
                    if escaped.is_empty() {
                        write!(f, "\\u{:04x}", c as u32)?;
                    } else {
                        f.write_str(escaped)?;
                    }
                    plain_from = at + c.len_utf8();
                }
                f.write_str(&s[plain_from..])?;
                f.write_str("\"]")
            }
        }
    }
}

/// One `module.NAME[KEY]` step of a module path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleStep {
    /// The module call's name.
    pub name: String,
    /// The instance key, when the module call uses `count` or `for_each`.
    pub key: Option<InstanceKey>,
}

/// A resource instance address. Configuration addresses (from HCL) have no index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    /// The module path from the root; empty for the root module.
    pub module: Vec<ModuleStep>,
    /// Managed resource or data source.
    pub mode: Mode,
    /// The resource type, e.g. `aws_s3_bucket`.
    pub resource_type: String,
    /// The resource name, e.g. `logs`.
    pub name: String,
    /// The instance key, when the resource uses `count` or `for_each`.
    pub index: Option<InstanceKey>,
}

impl Address {
    /// A root-module, un-indexed address.
    pub fn new(mode: Mode, resource_type: impl Into<String>, name: impl Into<String>) -> Self {
        Address {
            module: Vec::new(),
            mode,
            resource_type: resource_type.into(),
            name: name.into(),
            index: None,
        }
    }

    /// The module path as Terraform writes it (`module.a.module.b[0]`), empty for root.
    pub fn module_path(&self) -> String {
        format_module_path(&self.module)
    }

    /// The address without instance keys, as configuration refers to it
    /// (`module.a.aws_s3_bucket.b`): the key that links plan instances to their block.
    pub fn config_address(&self) -> String {
        let mut out = String::new();
        for step in &self.module {
            out.push_str("module.");
            out.push_str(&step.name);
            out.push('.');
        }
        if self.mode == Mode::Data {
            out.push_str("data.");
        }
        out.push_str(&self.resource_type);
        out.push('.');
        out.push_str(&self.name);
        out
    }
}

/// Formats module steps as `module.a["x"].module.b`.
pub fn format_module_path(steps: &[ModuleStep]) -> String {
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str("module.");
        out.push_str(&step.name);
        if let Some(key) = &step.key {
            // Writing into a String cannot fail.
            let _ = fmt::Write::write_fmt(&mut out, format_args!("{key}"));
        }
    }
    out
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Plain `write_str` calls rather than `write!`: this runs for every finding.
        for step in &self.module {
            f.write_str("module.")?;
            f.write_str(&step.name)?;
            if let Some(key) = &step.key {
                fmt::Display::fmt(key, f)?;
            }
            f.write_str(".")?;
        }
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        f.write_str(&self.resource_type)?;
        f.write_str(".")?;
        f.write_str(&self.name)?;
        if let Some(index) = &self.index {
            fmt::Display::fmt(index, f)?;
        }
        Ok(())
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a string is not a valid resource address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid resource address `{address}`: {reason}")]
pub struct AddressError {
    /// The text that failed to parse.
    pub address: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| AddressError {
            address: s.to_owned(),
            reason: reason.to_owned(),
        };
        let mut cursor = Cursor { rest: s };
        let mut module = Vec::new();
        let mut mode = Mode::Managed;
        loop {
            let word = cursor.ident().map_err(|r| fail(&r))?;
            if word == "module" && cursor.peek_dot_ident_then_dot_or_bracket() {
                cursor.expect('.').map_err(|r| fail(&r))?;
                let name = cursor.ident().map_err(|r| fail(&r))?;
                let key = cursor.key().map_err(|r| fail(&r))?;
                module.push(ModuleStep { name, key });
                cursor.expect('.').map_err(|r| fail(&r))?;
                continue;
            }
            let resource_type = if word == "data" && mode == Mode::Managed {
                cursor.expect('.').map_err(|r| fail(&r))?;
                mode = Mode::Data;
                cursor.ident().map_err(|r| fail(&r))?
            } else {
                word
            };
            cursor
                .expect('.')
                .map_err(|_| fail("expected `TYPE.NAME`"))?;
            let name = cursor.ident().map_err(|r| fail(&r))?;
            let index = cursor.key().map_err(|r| fail(&r))?;
            if !cursor.rest.is_empty() {
                return Err(fail(&format!(
                    "unexpected `{}` after the address",
                    cursor.rest
                )));
            }
            return Ok(Address {
                module,
                mode,
                resource_type,
                name,
                index,
            });
        }
    }
}

/// Parses a module path such as plan JSON's `module_address` (`module.a[0].module.b`).
pub fn parse_module_path(s: &str) -> Result<Vec<ModuleStep>, AddressError> {
    let fail = |reason: String| AddressError {
        address: s.to_owned(),
        reason,
    };
    let mut cursor = Cursor { rest: s };
    let mut steps = Vec::new();
    while !cursor.rest.is_empty() {
        if !steps.is_empty() {
            cursor.expect('.').map_err(fail)?;
        }
        let word = cursor.ident().map_err(fail)?;
        if word != "module" {
            return Err(fail(format!("expected `module`, found `{word}`")));
        }
        cursor.expect('.').map_err(fail)?;
        let name = cursor.ident().map_err(fail)?;
        let key = cursor.key().map_err(fail)?;
        steps.push(ModuleStep { name, key });
    }
    Ok(steps)
}

struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn ident(&mut self) -> Result<String, String> {
        let end = self
            .rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return Err(if self.rest.is_empty() {
                "unexpected end of address".into()
            } else {
                format!("expected a name at `{}`", self.rest)
            });
        }
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        Ok(word.to_owned())
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                Ok(())
            }
            None if self.rest.is_empty() => Err(format!("expected `{c}`, found the end")),
            None => Err(format!("expected `{c}` at `{}`", self.rest)),
        }
    }

    /// After `module`, a module step continues as `.NAME` followed by `.` or `[` — a
    /// resource type literally named `module` would instead end after `.NAME`.
    fn peek_dot_ident_then_dot_or_bracket(&self) -> bool {
        let Some(after_dot) = self.rest.strip_prefix('.') else {
            return false;
        };
        let end = after_dot
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(after_dot.len());
        end > 0 && matches!(after_dot[end..].chars().next(), Some('.') | Some('['))
    }

    fn key(&mut self) -> Result<Option<InstanceKey>, String> {
        let Some(inner) = self.rest.strip_prefix('[') else {
            return Ok(None);
        };
        if inner.starts_with('"') {
            // A JSON string: let serde_json handle escapes, then require the closing `]`.
            let mut stream = serde_json::Deserializer::from_str(inner).into_iter::<String>();
            let key = match stream.next() {
                Some(Ok(key)) => key,
                _ => return Err(format!("unterminated string key at `{}`", self.rest)),
            };
            let consumed = stream.byte_offset();
            let after = &inner[consumed..];
            let Some(rest) = after.strip_prefix(']') else {
                return Err(format!("expected `]` at `{after}`"));
            };
            self.rest = rest;
            return Ok(Some(InstanceKey::Str(key)));
        }
        let close = inner
            .find(']')
            .ok_or_else(|| format!("missing `]` in `{}`", self.rest))?;
        let number = inner[..close].parse::<i64>().map_err(|_| {
            format!(
                "index `{}` is neither a number nor a quoted string",
                &inner[..close]
            )
        })?;
        self.rest = &inner[close + 1..];
        Ok(Some(InstanceKey::Int(number)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &str) -> Address {
        let a: Address = s.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.to_string(), s);
        a
    }

    #[test]
    fn parses_root_module_and_data_addresses() {
        let a = roundtrip("aws_s3_bucket.logs");
        assert_eq!(
            (a.mode, a.resource_type.as_str(), a.name.as_str()),
            (Mode::Managed, "aws_s3_bucket", "logs")
        );
        let d = roundtrip("data.aws_iam_policy_document.assume");
        assert_eq!(d.mode, Mode::Data);
    }

    #[test]
    fn parses_module_paths_and_instance_keys() {
        let a = roundtrip(r#"module.net["eu.west[1]"].module.sub[0].aws_subnet.private[2]"#);
        assert_eq!(a.module.len(), 2);
        assert_eq!(a.module[0].key, Some(InstanceKey::Str("eu.west[1]".into())));
        assert_eq!(a.module[1].key, Some(InstanceKey::Int(0)));
        assert_eq!(a.index, Some(InstanceKey::Int(2)));
        assert_eq!(
            a.config_address(),
            "module.net.module.sub.aws_subnet.private"
        );
        assert_eq!(a.module_path(), r#"module.net["eu.west[1]"].module.sub[0]"#);
    }

    #[test]
    fn a_resource_type_named_module_is_not_a_module_step() {
        let a = roundtrip("module.thing");
        assert_eq!(
            (a.resource_type.as_str(), a.name.as_str()),
            ("module", "thing")
        );
    }

    #[test]
    fn rejects_malformed_addresses_with_a_reason() {
        for bad in [
            "",
            "aws_s3_bucket",
            "aws_s3_bucket.",
            "a.b[",
            "a.b[x]",
            r#"a.b["x"#,
            "a.b.c",
            "module.m.",
        ] {
            let err = bad.parse::<Address>().expect_err(bad);
            assert!(!err.reason.is_empty(), "{bad}");
        }
    }

    #[test]
    fn string_keys_are_escaped_like_json() {
        let a = roundtrip(r#"aws_s3_bucket.b["a\"b\\c\n"]"#);
        assert_eq!(a.index, Some(InstanceKey::Str("a\"b\\c\n".into())));
    }

    #[test]
    fn parses_module_paths() {
        let steps = parse_module_path(r#"module.a[0].module.b["k"]"#).expect("valid");
        assert_eq!(format_module_path(&steps), r#"module.a[0].module.b["k"]"#);
        assert!(parse_module_path("module.a.resource").is_err());
        assert!(parse_module_path("").expect("empty is root").is_empty());
    }
}
