//! Request headers as the pure logic sees them: names case-insensitive, duplicates kept
//! so that a header sent twice can be rejected rather than silently picked.

use crate::error::VerifyError;

/// An ordered list of header name/value pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(String, String)>,
}

impl Headers {
    /// An empty list.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// Adds one header; names are stored lower-case.
    pub fn append(&mut self, name: &str, value: &str) {
        self.entries
            .push((name.to_ascii_lowercase(), value.to_owned()));
    }

    /// Builder form of [`Headers::append`].
    pub fn with(mut self, name: &str, value: &str) -> Headers {
        self.append(name, value);
        self
    }

    /// The first value of `name`, ignoring duplicates (for informational headers).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The single value of `name`: `Ok(None)` when absent, an error when it appears
    /// twice. Fetch-style runtimes fold a repeated header into one value joined by
    /// `", "`; callers of headers whose values never contain that separator pass
    /// `joined_is_duplicate` so the folded form is rejected too.
    pub fn single(
        &self,
        name: &'static str,
        joined_is_duplicate: bool,
    ) -> Result<Option<&str>, VerifyError> {
        let mut found = self
            .entries
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let Some((_, value)) = found.next() else {
            return Ok(None);
        };
        if found.next().is_some() || (joined_is_duplicate && value.contains(", ")) {
            return Err(VerifyError::DuplicatedHeader(name));
        }
        Ok(Some(value.trim()))
    }

    /// [`Headers::single`], failing when the header is absent.
    pub fn required(
        &self,
        name: &'static str,
        joined_is_duplicate: bool,
    ) -> Result<&str, VerifyError> {
        self.single(name, joined_is_duplicate)?
            .ok_or(VerifyError::MissingHeader(name))
    }

    /// Whether `name` is present at all.
    pub fn contains(&self, name: &str) -> bool {
        self.first(name).is_some()
    }

    /// All pairs, names lower-case.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl<N: AsRef<str>, V: AsRef<str>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Headers {
        let mut headers = Headers::new();
        for (n, v) in iter {
            headers.append(n.as_ref(), v.as_ref());
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_duplicates_are_errors() {
        let h = Headers::new()
            .with("X-Hub-Signature-256", " sha256=ab ")
            .with("x-a", "1")
            .with("X-A", "2")
            .with("x-b", "sha256=1, sha256=2");
        assert_eq!(h.single("x-hub-signature-256", true), Ok(Some("sha256=ab")));
        assert_eq!(
            h.single("x-a", false),
            Err(VerifyError::DuplicatedHeader("x-a"))
        );
        assert_eq!(
            h.single("x-b", true),
            Err(VerifyError::DuplicatedHeader("x-b"))
        );
        assert_eq!(h.single("x-b", false), Ok(Some("sha256=1, sha256=2")));
        assert_eq!(
            h.required("x-c", true),
            Err(VerifyError::MissingHeader("x-c"))
        );
        assert_eq!(h.first("X-A"), Some("1"));
    }
}
