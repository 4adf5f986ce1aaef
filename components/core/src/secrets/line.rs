//! One line under scan: the hits found so far, kept sorted so that a later matcher
//! can ask in logarithmic time whether a candidate overlaps one, and the name context
//! that context-gated matchers consult.

use std::ops::Range;

use super::catalog::Kind;

/// How much a candidate must look like a live credential to be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Evidence {
    /// Anywhere in a change (the RG-SECRET rules): tokens must look generated and be
    /// no placeholder, a private key needs key material after its header, and a
    /// credential's name needs a random-looking value.
    Plausible,
    /// In a place meant for references only (see `hard_coded`): everything
    /// [`Evidence::Plausible`] finds, and also a token of the right shape whatever its
    /// content, a private key header alone, and any written-out value under a name
    /// that [suggests a secret](super::names::suggests_secret).
    Literal,
}

/// A match before it becomes a [`SecretMatch`](super::secret_match::SecretMatch).
pub(super) struct RawHit {
    pub(super) kind: Kind,
    pub(super) label: &'static str,
    pub(super) span: Range<usize>,
    /// The name the secret is assigned to, for the matchers that read one.
    pub(super) name: Option<Range<usize>>,
}

/// The state of scanning one line; the matchers are its methods (see `matchers`).
pub(super) struct LineScan<'a> {
    pub(super) line: &'a str,
    pub(super) bytes: &'a [u8],
    /// The line in ASCII lower case, for case-insensitive anchors.
    pub(super) lower: String,
    /// The lines after this one (a private key body may follow its header).
    pub(super) following: &'a [&'a str],
    /// The name context of a configuration value (see `text::scan_value`).
    pub(super) ctx: &'a str,
    /// A configuration file, where an unquoted right-hand side is an expression.
    pub(super) quoted_only: bool,
    pub(super) evidence: Evidence,
    pub(super) hits: Vec<RawHit>,
    max_end: Vec<usize>,
}

impl<'a> LineScan<'a> {
    /// A scan of `line` with no hits yet.
    pub(super) fn new(
        line: &'a str,
        following: &'a [&'a str],
        ctx: &'a str,
        quoted_only: bool,
        evidence: Evidence,
    ) -> Self {
        LineScan {
            line,
            bytes: line.as_bytes(),
            lower: line.to_ascii_lowercase(),
            following,
            ctx,
            quoted_only,
            evidence,
            hits: Vec::new(),
            max_end: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, kind: Kind, label: &'static str, span: Range<usize>) {
        self.hits.push(RawHit {
            kind,
            label,
            span,
            name: None,
        });
    }

    /// True when `span` overlaps a hit already found. Hits are kept sorted by start
    /// with a running maximum of ends (see [`LineScan::index`]), so this is a binary
    /// search, not a pass over every hit.
    pub(super) fn overlaps(&self, span: &Range<usize>) -> bool {
        let before = self.hits.partition_point(|h| h.span.start < span.end);
        before > 0 && self.max_end[before - 1] > span.start
    }

    /// Sorts the hits and records the running maximum of their ends, for [`overlaps`].
    ///
    /// [`overlaps`]: LineScan::overlaps
    pub(super) fn index(&mut self) {
        self.hits.sort_by_key(|h| (h.span.start, h.span.end));
        let mut max = 0;
        self.max_end = self
            .hits
            .iter()
            .map(|h| {
                max = max.max(h.span.end);
                max
            })
            .collect();
    }

    /// The keyword is on this line, or in the value's name context.
    /// `anchor` is a substring of every keyword: one search rules most lines out.
    pub(super) fn near(&self, anchor: &str, keywords: &[&str]) -> bool {
        let has = |text: &str| text.contains(anchor) && keywords.iter().any(|k| text.contains(k));
        has(&self.lower) || has(self.ctx)
    }
}
