//! `.reviewgate.toml`: a team's review settings, checked in beside their Terraform.
//!
//! ```toml
//! severity_threshold = "low"          # findings below this are not reported
//! fail_on = "high"                    # default for `reviewgate review --fail-on`
//! disabled_rules = ["RG-AWS-S3-005", "CKV_AWS_18"]   # rule ids or aliases
//! exclude_paths = ["modules/vendor/**", "examples"]  # globs, relative to this file
//! ```
//!
//! Parsing is strict: an unknown key or a wrong value is an error that names the key,
//! because a typo that silently disables nothing is worse than no config at all.

use crate::finding::{Finding, Severity};

/// The file name looked for, from the scanned path upwards.
pub const FILE_NAME: &str = ".reviewgate.toml";

/// Review settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewConfig {
    /// Findings below this severity are left out of the review.
    pub severity_threshold: Option<Severity>,
    /// The severity at or above which `reviewgate review` exits 1, unless `--fail-on` says otherwise.
    pub fail_on: Option<Severity>,
    /// Rules (by id or alias) whose findings are left out.
    pub disabled_rules: Vec<String>,
    /// Path globs (relative to the config file) that are not reviewed.
    pub exclude_paths: Vec<String>,
}

/// Why a config file was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigFileError {
    /// Not valid TOML.
    #[error("invalid TOML: {0}")]
    Syntax(String),
    /// A key reviewgate does not know (often a typo).
    #[error(
        "unknown key `{key}` (known keys: severity_threshold, fail_on, disabled_rules, exclude_paths)"
    )]
    UnknownKey {
        /// The key as written.
        key: String,
    },
    /// A known key with a value of the wrong kind.
    #[error("`{key}`: {message}")]
    InvalidValue {
        /// The key.
        key: String,
        /// What is wrong with its value.
        message: String,
    },
}

impl ReviewConfig {
    /// Parses the text of a `.reviewgate.toml`.
    pub fn from_toml(text: &str) -> Result<ReviewConfig, ConfigFileError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigFileError::Syntax(e.message().to_owned()))?;
        let mut config = ReviewConfig::default();
        for (key, value) in &table {
            let invalid = |message: String| ConfigFileError::InvalidValue {
                key: key.clone(),
                message,
            };
            match key.as_str() {
                "severity_threshold" => {
                    config.severity_threshold = Some(severity(value).map_err(invalid)?)
                }
                "fail_on" => config.fail_on = Some(severity(value).map_err(invalid)?),
                "disabled_rules" => config.disabled_rules = strings(value).map_err(invalid)?,
                "exclude_paths" => config.exclude_paths = strings(value).map_err(invalid)?,
                _ => return Err(ConfigFileError::UnknownKey { key: key.clone() }),
            }
        }
        Ok(config)
    }

    /// True when a path (relative to the config file, `/`-separated) is excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        self.exclude_paths
            .iter()
            .any(|pattern| path_matches(pattern, path))
    }

    /// True when this config leaves a finding out of the review.
    pub fn filters_out(&self, finding: &Finding) -> bool {
        let disabled = self.disabled_rules.iter().any(|rule| {
            finding.rule_id.eq_ignore_ascii_case(rule)
                || finding.aliases.iter().any(|a| a.eq_ignore_ascii_case(rule))
        });
        let below = self
            .severity_threshold
            .is_some_and(|min| finding.severity < min);
        let excluded = finding
            .file
            .as_deref()
            .is_some_and(|file| self.is_excluded(file));
        disabled || below || excluded
    }
}

fn severity(value: &toml::Value) -> Result<Severity, String> {
    match value.as_str() {
        Some(s) => s.parse(),
        None => Err(format!(
            "expected a severity string, found {}",
            value.type_str()
        )),
    }
}

fn strings(value: &toml::Value) -> Result<Vec<String>, String> {
    let Some(items) = value.as_array() else {
        return Err(format!(
            "expected an array of strings, found {}",
            value.type_str()
        ));
    };
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("expected strings in the array, found {}", item.type_str()))
        })
        .collect()
}

/// Gitignore-like matching: `*` and `?` stay within one path segment, `**` spans
/// segments; a pattern without `/` matches a file or directory name at any depth;
/// a pattern that names a directory excludes everything below it.
///
/// Patterns and paths both come from the change under review (`.reviewgate.toml` is
/// read at the pull request's head), so matching takes time proportional to the
/// pattern times the path, whatever the stars: see [`Glob`].
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    if pattern.is_empty() {
        return false;
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() {
        return false;
    }
    let mut glob = Glob::default();
    if !pattern.contains('/') {
        // Unanchored: the pattern may start at any segment.
        glob.steps.push(Step::AnyDirectories);
    }
    glob.push_pattern(pattern.as_bytes());
    glob.matches_path_or_parent(segments.join("/").as_bytes())
}

/// One step of a glob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// A byte as written.
    Byte(u8),
    /// `?`: one byte other than `/`.
    One,
    /// `*`: any bytes other than `/`.
    Star,
    /// `**`: any bytes.
    AnyDepth,
    /// `**/`: nothing, or any bytes up to and including a `/`.
    AnyDirectories,
}

/// A glob run as an automaton: every step the text could have reached is tracked
/// at once, one byte at a time, so matching costs steps × bytes. (A matcher that
/// backtracks at each star instead is exponential in the stars: `a******b` against
/// a long path never finished.)
#[derive(Debug, Default)]
struct Glob {
    steps: Vec<Step>,
}

impl Glob {
    fn push_pattern(&mut self, mut pattern: &[u8]) {
        while let [first, tail @ ..] = pattern {
            let (step, rest) = match pattern {
                [b'*', b'*', b'/', rest @ ..] => (Step::AnyDirectories, rest),
                [b'*', b'*', rest @ ..] => (Step::AnyDepth, rest),
                [b'*', rest @ ..] => (Step::Star, rest),
                [b'?', rest @ ..] => (Step::One, rest),
                _ => (Step::Byte(*first), tail),
            };
            self.steps.push(step);
            pattern = rest;
        }
    }

    /// Whether the glob matches `path` or one of its parent directories (a prefix
    /// that ends before a `/`).
    fn matches_path_or_parent(&self, path: &[u8]) -> bool {
        let done = self.steps.len();
        // `reached[at]`: the text so far can be matched up to step `at`;
        // `entered[at]`: and step `at` has read nothing of it yet, which `**/`
        // needs to match nothing.
        let mut reached = vec![false; done + 1];
        let mut entered = vec![false; done + 1];
        reached[0] = true;
        entered[0] = true;
        self.skip_empty(&mut reached, &mut entered);
        for &byte in path {
            if byte == b'/' && reached[done] {
                return true;
            }
            let mut next = vec![false; done + 1];
            entered.fill(false);
            for (at, step) in self.steps.iter().enumerate() {
                if !reached[at] {
                    continue;
                }
                let (stay, advance) = match *step {
                    Step::Byte(c) => (false, c == byte),
                    Step::One => (false, byte != b'/'),
                    Step::Star => (byte != b'/', false),
                    Step::AnyDepth => (true, false),
                    Step::AnyDirectories => (true, byte == b'/'),
                };
                next[at] |= stay;
                if advance {
                    next[at + 1] = true;
                    entered[at + 1] = true;
                }
            }
            self.skip_empty(&mut next, &mut entered);
            if !next.contains(&true) {
                return false;
            }
            reached = next;
        }
        reached[done]
    }

    /// Adds the steps reachable by matching nothing: past any `*` or `**`, and past
    /// a `**/` that has read nothing yet. These only lead forward, so one pass in
    /// order reaches them all.
    fn skip_empty(&self, reached: &mut [bool], entered: &mut [bool]) {
        for (at, step) in self.steps.iter().enumerate() {
            let empty = match step {
                Step::Star | Step::AnyDepth => reached[at],
                Step::AnyDirectories => entered[at],
                Step::Byte(_) | Step::One => false,
            };
            if empty {
                reached[at + 1] = true;
                entered[at + 1] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_key() {
        let config = ReviewConfig::from_toml(
            "severity_threshold = \"LOW\"\nfail_on = \"high\"\ndisabled_rules = [\"CKV_AWS_18\"]\nexclude_paths = [\"vendor/**\"]\n",
        )
        .expect("valid");
        assert_eq!(config.severity_threshold, Some(Severity::Low));
        assert_eq!(config.fail_on, Some(Severity::High));
        assert_eq!(config.disabled_rules, ["CKV_AWS_18"]);
        assert!(config.is_excluded("vendor/a/b.tf"));
        assert_eq!(
            ReviewConfig::from_toml("").expect("empty is fine"),
            ReviewConfig::default()
        );
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (
                "severity_treshold = \"low\"",
                "unknown key `severity_treshold`",
            ),
            (
                "fail_on = \"severe\"",
                "`fail_on`: unknown severity `severe`",
            ),
            (
                "fail_on = 3",
                "`fail_on`: expected a severity string, found integer",
            ),
            (
                "disabled_rules = \"RG-1\"",
                "`disabled_rules`: expected an array of strings, found string",
            ),
            (
                "exclude_paths = [1]",
                "`exclude_paths`: expected strings in the array, found integer",
            ),
            ("fail_on = ", "invalid TOML"),
        ];
        for (text, expected) in cases {
            let err = ReviewConfig::from_toml(text).expect_err(text).to_string();
            assert!(err.starts_with(expected), "{text}: {err}");
        }
    }

    #[test]
    fn globs_behave_like_gitignore() {
        let yes = [
            ("examples", "examples/a/main.tf"),
            ("*.tfvars", "env/prod.tfvars"),
            ("modules/legacy", "modules/legacy/s3/main.tf"),
            ("modules/*/test", "modules/s3/test/x.tf"),
            ("**/fixtures/**", "a/b/fixtures/c.tf"),
            ("modules/**/main.tf", "modules/main.tf"),
            ("file?.tf", "dir/file1.tf"),
        ];
        for (pattern, path) in yes {
            assert!(path_matches(pattern, path), "{pattern} should match {path}");
        }
        let no = [
            ("*.tfvars", "env/prod.tfvars.json"),
            ("modules/*/test", "modules/a/b/test/x.tf"),
            ("examples", "not-examples/main.tf"),
            ("modules/legacy", "other/modules/legacy/main.tf"),
            ("", "main.tf"),
        ];
        for (pattern, path) in no {
            assert!(
                !path_matches(pattern, path),
                "{pattern} should not match {path}"
            );
        }
    }

    /// The `reviewgate_toml` fuzz target's timeout, minimised: the old matcher
    /// backtracked at every star and never finished on a pattern tried against
    /// itself. A pull request controls both the pattern and the paths.
    #[test]
    fn many_stars_match_in_linear_time() {
        let text = "exclude_paths = [\"./mod******************c.tf/x/tf\"]\n";
        let config = ReviewConfig::from_toml(text).expect("valid");
        assert!(config.is_excluded("mod******************c.tf/x/tf"));
        assert!(config.is_excluded("./modc.tf/x/tf/below.tf"));
        assert!(!config.is_excluded(&format!("mod{}c.tf/x/t", "a".repeat(5000))));
        let stars = format!("{}b", "*a".repeat(200));
        assert!(!path_matches(&stars, &"a".repeat(10_000)));
        assert!(path_matches(&stars, &format!("{}b", "a".repeat(10_000))));
    }

    /// The matcher before it became an automaton: exponential, but plainly right.
    fn backtracking_path_matches(pattern: &str, path: &str) -> bool {
        fn glob(pattern: &[u8], text: &[u8]) -> bool {
            match pattern {
                [] => text.is_empty(),
                [b'*', b'*', b'/', rest @ ..] => {
                    glob(rest, text)
                        || (0..text.len()).any(|i| text[i] == b'/' && glob(rest, &text[i + 1..]))
                }
                [b'*', b'*', rest @ ..] => (0..=text.len()).any(|i| glob(rest, &text[i..])),
                [b'*', rest @ ..] => (0..=text.len())
                    .take_while(|&i| i == 0 || text[i - 1] != b'/')
                    .any(|i| glob(rest, &text[i..])),
                [b'?', rest @ ..] => {
                    matches!(text.first(), Some(c) if *c != b'/') && glob(rest, &text[1..])
                }
                [c, rest @ ..] => text.first() == Some(c) && glob(rest, &text[1..]),
            }
        }
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        if pattern.is_empty() {
            return false;
        }
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let starts = if pattern.contains('/') {
            0..1
        } else {
            0..segments.len()
        };
        starts.into_iter().any(|start| {
            (start + 1..=segments.len()).any(|end| {
                glob(
                    pattern.as_bytes(),
                    segments[start..end].join("/").as_bytes(),
                )
            })
        })
    }

    proptest::proptest! {
        #[test]
        fn the_automaton_matches_what_backtracking_matched(
            pattern in "[ab/*?.]{0,8}",
            path in "[ab/.]{0,12}",
        ) {
            proptest::prop_assert_eq!(
                path_matches(&pattern, &path),
                backtracking_path_matches(&pattern, &path),
                "{} against {}", pattern, path
            );
        }
    }
}
