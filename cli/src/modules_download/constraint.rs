//! Terraform's version constraints (`version = "~> 1.2, != 1.2.5"`), as
//! `hashicorp/go-version` reads them for module calls: comma-separated
//! constraints that must all hold, each an operator (`=`, `!=`, `>`, `>=`, `<`,
//! `<=`, `~>`; none means `=`) and a version of one to three numbers with an
//! optional prerelease. A prerelease version is only ever chosen when a
//! constraint names it exactly (Terraform: "a prerelease version can be selected
//! only by an exact version constraint").

use std::cmp::Ordering;

use semver::{Prerelease, Version};

/// One operator and its version.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Constraint {
    operator: Operator,
    version: Version,
    /// How many of major, minor, patch were written (`~>` depends on it).
    segments: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Pessimistic,
}

/// A parsed `version` argument: every constraint must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionConstraints(Vec<Constraint>);

impl VersionConstraints {
    /// Parses a constraint string; the message names the part that is not one.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut constraints = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!("empty constraint in \"{text}\""));
            }
            let (operator, rest) = [
                ("~>", Operator::Pessimistic),
                (">=", Operator::GreaterOrEqual),
                ("<=", Operator::LessOrEqual),
                ("!=", Operator::NotEqual),
                (">", Operator::Greater),
                ("<", Operator::Less),
                ("=", Operator::Equal),
            ]
            .into_iter()
            .find_map(|(token, operator)| part.strip_prefix(token).map(|rest| (operator, rest)))
            .unwrap_or((Operator::Equal, part));
            let (version, segments) = parse_version(rest.trim())
                .ok_or_else(|| format!("\"{part}\" is not a version constraint"))?;
            constraints.push(Constraint {
                operator,
                version,
                segments,
            });
        }
        Ok(VersionConstraints(constraints))
    }

    /// Whether `version` satisfies every constraint (no constraint: any release).
    pub fn allows(&self, version: &Version) -> bool {
        if !version.pre.is_empty()
            && !self
                .0
                .iter()
                .any(|c| c.operator == Operator::Equal && same_version(&c.version, version))
        {
            return false;
        }
        self.0.iter().all(|c| c.allows(version))
    }

    /// The newest of `versions` (as the registry lists them) that satisfies every
    /// constraint; versions that do not parse are passed over.
    pub fn newest<'v>(&self, versions: impl IntoIterator<Item = &'v str>) -> Option<&'v str> {
        versions
            .into_iter()
            .filter_map(|text| parse_version(text).map(|(version, _)| (version, text)))
            .filter(|(version, _)| self.allows(version))
            .max_by(|(a, _), (b, _)| a.cmp_precedence(b))
            .map(|(_, text)| text)
    }
}

impl Constraint {
    fn allows(&self, version: &Version) -> bool {
        let ordering = version.cmp_precedence(&self.version);
        match self.operator {
            Operator::Equal => ordering == Ordering::Equal,
            Operator::NotEqual => ordering != Ordering::Equal,
            Operator::Greater => ordering == Ordering::Greater,
            Operator::GreaterOrEqual => ordering != Ordering::Less,
            Operator::Less => ordering == Ordering::Less,
            Operator::LessOrEqual => ordering != Ordering::Greater,
            // `~> 1.2.3` is `>= 1.2.3, < 1.3.0`; `~> 1.2` is `>= 1.2, < 2.0`;
            // `~> 1` is `>= 1, < 2`.
            Operator::Pessimistic => {
                if ordering == Ordering::Less {
                    return false;
                }
                let base = &self.version;
                match self.segments {
                    3 => version.major == base.major && version.minor == base.minor,
                    _ => version.major == base.major,
                }
            }
        }
    }
}

fn same_version(a: &Version, b: &Version) -> bool {
    a.cmp_precedence(b) == Ordering::Equal
}

/// `1`, `1.2`, `1.2.3`, `v1.2.3`, `1.2.3-beta.1`, `1.2.3+build`: the version and
/// how many numbers were written.
fn parse_version(text: &str) -> Option<(Version, usize)> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let (core, build) = match text.split_once('+') {
        Some((core, build)) => (core, Some(build)),
        None => (text, None),
    };
    let (numbers, pre) = match core.split_once('-') {
        Some((numbers, pre)) => (numbers, Some(pre)),
        None => (core, None),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut values = [0u64; 3];
    for (slot, part) in values.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    let mut version = Version::new(values[0], values[1], values[2]);
    if let Some(pre) = pre {
        version.pre = Prerelease::new(pre).ok()?;
    }
    if let Some(build) = build {
        version.build = semver::BuildMetadata::new(build).ok()?;
    }
    Some((version, parts.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn newest(constraint: &str, versions: &[&'static str]) -> Option<&'static str> {
        VersionConstraints::parse(constraint)
            .expect("constraint")
            .newest(versions.iter().copied())
    }

    const VERSIONS: &[&str] = &[
        "0.9.0",
        "1.0.0",
        "1.2.0",
        "1.2.3",
        "1.2.9",
        "1.3.0",
        "2.0.0",
        "2.1.0-beta.1",
    ];

    #[test]
    fn exact_and_bare_versions() {
        assert_eq!(newest("1.2.3", VERSIONS), Some("1.2.3"));
        assert_eq!(newest("= 1.2.3", VERSIONS), Some("1.2.3"));
        assert_eq!(newest("=1.2", VERSIONS), Some("1.2.0"));
        assert_eq!(newest("1.2.4", VERSIONS), None);
    }

    #[test]
    fn comparisons() {
        assert_eq!(newest(">= 1.0", VERSIONS), Some("2.0.0"));
        assert_eq!(newest("> 1.2.9, < 2", VERSIONS), Some("1.3.0"));
        assert_eq!(newest("<= 1.2.3", VERSIONS), Some("1.2.3"));
        assert_eq!(newest("< 1.0.0", VERSIONS), Some("0.9.0"));
        assert_eq!(newest(">= 1.2, != 2.0.0", VERSIONS), Some("1.3.0"));
        assert_eq!(newest("> 2.0.0", VERSIONS), None);
    }

    #[test]
    fn pessimistic_constraint_depends_on_segments_written() {
        assert_eq!(newest("~> 1.2.0", VERSIONS), Some("1.2.9"));
        assert_eq!(newest("~> 1.2.4", VERSIONS), Some("1.2.9"));
        assert_eq!(newest("~> 1.2", VERSIONS), Some("1.3.0"));
        assert_eq!(newest("~> 1", VERSIONS), Some("1.3.0"));
        assert_eq!(newest("~> 1.3.1", VERSIONS), None);
        assert_eq!(newest("~> 1.2, != 1.3.0", VERSIONS), Some("1.2.9"));
    }

    #[test]
    fn prereleases_only_when_named_exactly() {
        assert_eq!(newest(">= 2.0.0", VERSIONS), Some("2.0.0"));
        assert_eq!(newest("~> 2.1", VERSIONS), None);
        assert_eq!(newest("2.1.0-beta.1", VERSIONS), Some("2.1.0-beta.1"));
        assert_eq!(newest("= 2.1.0-beta.1", VERSIONS), Some("2.1.0-beta.1"));
    }

    #[test]
    fn no_constraint_means_newest_release() {
        assert_eq!(
            VersionConstraints::default().newest(VERSIONS.iter().copied()),
            Some("2.0.0")
        );
    }

    #[test]
    fn malformed_constraints_are_errors() {
        for bad in ["", "1.2.3.4", ">= x", "~>", "1.2,", "=> 1.0", "1..2"] {
            assert!(VersionConstraints::parse(bad).is_err(), "{bad:?}");
        }
    }
}
