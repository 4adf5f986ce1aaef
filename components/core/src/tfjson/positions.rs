//! Where each member of a JSON text is written. serde_json keeps no positions, so
//! the text it accepted is scanned once more, by JSON's grammar (RFC 8259), for the
//! lines of every object member and array element: a member's lines run from its
//! key to the end of its value, so a `.tf.json` block, attribute, variable or
//! `.tfvars.json` value gets the line of its key, as native syntax gets the line of
//! its name.
//!
//! Only text serde_json accepted is scanned, so every member has its lines. The
//! scan still gives up (`None`, and the file keeps no lines rather than wrong ones)
//! on anything outside the grammar, so that no text can make it panic or recurse
//! without bound.

use crate::resource::LineRange;

/// Arrays and objects nest at most this deep: serde_json's own recursion limit, so
/// text it accepted never reaches it.
const MAX_DEPTH: usize = 128;

/// One JSON value and where it is written.
#[derive(Debug)]
pub(super) struct Node {
    /// From the member's key (the value's first line for an array element or the
    /// whole text) to the value's last line.
    pub lines: LineRange,
    children: Children,
}

#[derive(Debug)]
enum Children {
    Scalar,
    /// Sorted by key (stably: of keys written twice, the last is what serde_json
    /// keeps, and what [`Node::member`] finds).
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
}

impl Node {
    /// The member `key` of an object.
    pub fn member(&self, key: &str) -> Option<&Node> {
        let Children::Object(members) = &self.children else {
            return None;
        };
        let after = members.partition_point(|(k, _)| k.as_str() <= key);
        let (found, node) = members.get(after.checked_sub(1)?)?;
        (found == key).then_some(node)
    }

    /// The element `index` of an array.
    pub fn element(&self, index: usize) -> Option<&Node> {
        match &self.children {
            Children::Array(items) => items.get(index),
            _ => None,
        }
    }
}

/// The positions of a JSON text's values; `None` when the text is not JSON.
pub(super) fn scan(text: &str) -> Option<Node> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
    };
    let root = scanner.value(0)?;
    scanner.skip_space();
    (scanner.at == scanner.bytes.len()).then_some(root)
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    line: u32,
}

impl Scanner<'_> {
    fn skip_space(&mut self) {
        while let Some(&byte) = self.bytes.get(self.at) {
            match byte {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.at += 1;
        }
    }

    /// The next byte, consumed.
    fn next(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        self.skip_space();
        let start = self.line;
        let children = match *self.bytes.get(self.at)? {
            b'{' | b'[' if depth >= MAX_DEPTH => return None,
            b'{' => self.object(depth + 1)?,
            b'[' => self.array(depth + 1)?,
            b'"' => {
                self.string()?;
                Children::Scalar
            }
            _ => {
                // A number, `true`, `false` or `null`: serde_json checked which.
                let from = self.at;
                while self.bytes.get(self.at).is_some_and(|b| {
                    !matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n')
                }) {
                    self.at += 1;
                }
                if self.at == from {
                    return None;
                }
                Children::Scalar
            }
        };
        Some(Node {
            lines: LineRange {
                start,
                end: self.line,
            },
            children,
        })
    }

    fn object(&mut self, depth: usize) -> Option<Children> {
        self.at += 1;
        let mut members = Vec::new();
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Some(Children::Object(members));
        }
        loop {
            self.skip_space();
            let start = self.line;
            let key = self.string()?;
            self.skip_space();
            if self.next()? != b':' {
                return None;
            }
            let mut node = self.value(depth)?;
            node.lines.start = start;
            members.push((key, node));
            self.skip_space();
            match self.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
        members.sort_by(|(a, _), (b, _)| a.cmp(b));
        Some(Children::Object(members))
    }

    fn array(&mut self, depth: usize) -> Option<Children> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Some(Children::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_space();
            match self.next()? {
                b',' => {}
                b']' => break,
                _ => return None,
            }
        }
        Some(Children::Array(items))
    }

    /// A string, decoded (object keys are compared with serde_json's).
    fn string(&mut self) -> Option<String> {
        let from = self.at;
        if self.next()? != b'"' {
            return None;
        }
        let mut escaped = false;
        loop {
            match self.next()? {
                b'\n' => return None,
                b'\\' if !escaped => {
                    escaped = true;
                    continue;
                }
                b'"' if !escaped => break,
                _ => {}
            }
            escaped = false;
        }
        // Quotes and backslashes are ASCII, never inside a UTF-8 sequence: the
        // slice is on character boundaries.
        let quoted = self.text.get(from..self.at)?;
        if quoted.contains('\\') {
            serde_json::from_str(quoted).ok()
        } else {
            Some(quoted[1..quoted.len() - 1].to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(node: &Node) -> (u32, u32) {
        (node.lines.start, node.lines.end)
    }

    #[test]
    fn members_run_from_their_key_to_the_end_of_their_value() {
        let text = "{\n  \"resource\": {\n    \"aws_s3_bucket\": {\n      \"logs\": {\n        \"bucket\": \"logs\",\n        \"tags\": {\"team\": \"x\"},\n        \"versioning\": [\n          {\"enabled\": true}\n        ]\n      }\n    }\n  }\n}\n";
        let root = scan(text).expect("JSON");
        assert_eq!(lines(&root), (1, 13));
        let logs = root
            .member("resource")
            .and_then(|n| n.member("aws_s3_bucket"))
            .and_then(|n| n.member("logs"))
            .expect("the bucket");
        assert_eq!(lines(logs), (4, 10));
        assert_eq!(logs.member("bucket").map(lines), Some((5, 5)));
        assert_eq!(
            logs.member("tags")
                .and_then(|t| t.member("team"))
                .map(lines),
            Some((6, 6))
        );
        let versioning = logs.member("versioning").expect("versioning");
        assert_eq!(lines(versioning), (7, 9));
        assert_eq!(versioning.element(0).map(lines), Some((8, 8)));
        assert!(versioning.element(1).is_none());
        assert!(logs.member("acl").is_none());
        assert!(logs.element(0).is_none());
    }

    #[test]
    fn keys_are_decoded_and_a_key_written_twice_is_found_where_serde_json_keeps_it() {
        let text = "{\"a\\u0062\": 1,\n\"dup\": 1,\n\"dup\": 2,\n\"\u{e9}t\u{e9}\": \"\\\"}\"}";
        let root = scan(text).expect("JSON");
        assert_eq!(root.member("ab").map(lines), Some((1, 1)));
        assert_eq!(root.member("dup").map(lines), Some((3, 3)));
        assert_eq!(root.member("\u{e9}t\u{e9}").map(lines), Some((4, 4)));
        let kept: serde_json::Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(kept["dup"], 2);
    }

    /// Lines are only given where the scan followed the text to its end: anything
    /// else leaves the file without lines rather than with wrong ones.
    #[test]
    fn text_that_is_not_json_has_no_positions() {
        for text in [
            "",
            "{",
            "{\"a\": }",
            "{\"a\" 1}",
            "[1 2]",
            "{\"a\": \"line\nbreak\"}",
            "{} {}",
            "{\"a\": 1,}x",
        ] {
            assert!(scan(text).is_none(), "{text:?}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(scan(&deep).is_none());
        let deepest = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(scan(&deepest).is_some());
    }
}
