//! The compliance frameworks rules map to, as their published control catalogs.
//!
//! A rule's `frameworks` names controls by id (`("soc2", &["CC6.1"])`). The catalogs
//! here (`components/core/frameworks/<key>.json`, compiled in) say which ids exist
//! and what each one is called, so a mapping to a control of another version, or to
//! a typo, is caught by a test instead of shipped; and so a user can ask which
//! controls the rules cover. A mapping is evidence that a rule checks part of a
//! control, never that the control is met.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::finding::RuleInfo;
use crate::review::Review;

/// The shipped catalogs, in the order `reviewgate frameworks` lists them.
const CATALOGS: [&str; 6] = [
    include_str!("../frameworks/cis-aws-3.0.json"),
    include_str!("../frameworks/nist-800-53-r5.json"),
    include_str!("../frameworks/nist-csf-2.0.json"),
    include_str!("../frameworks/pci-dss-4.0.json"),
    include_str!("../frameworks/soc2.json"),
    include_str!("../frameworks/hipaa.json"),
];

/// One framework's control catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// The key rules use (`pci-dss-4.0`).
    pub key: String,
    /// Full name (`Payment Card Industry Data Security Standard`).
    pub name: String,
    /// The version the catalog follows.
    pub version: String,
    /// Who publishes the framework.
    pub publisher: String,
    /// Where the published text is.
    pub source: String,
    /// Which part of the framework the catalog holds.
    pub scope: String,
    /// Every control, in the framework's order.
    pub controls: Vec<Control>,
}

/// One control of a framework.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// The framework's id for it (`CC6.1`, `164.312(a)(2)(iv)`, `IA-5(1)`).
    pub id: String,
    /// Its title (or, where the framework gives none, its statement).
    pub title: String,
}

impl Framework {
    /// The control with this id.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }
}

/// Why a catalog cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The text is not a catalog.
    #[error("catalog is not valid: {0}")]
    Invalid(#[from] serde_json::Error),
    /// A field that names or identifies something is empty.
    #[error("catalog {key:?} has an empty {field}")]
    Empty {
        /// The catalog's key (empty when that is the empty field).
        key: String,
        /// Which field.
        field: &'static str,
    },
    /// Two controls share an id, so a mapping to it would be ambiguous.
    #[error("catalog {key} lists control {id} twice")]
    DuplicateControl {
        /// The catalog's key.
        key: String,
        /// The repeated id.
        id: String,
    },
}

/// Reads one catalog and checks it: every field filled, no control id twice.
pub fn parse_catalog(text: &str) -> Result<Framework, CatalogError> {
    let framework: Framework = serde_json::from_str(text)?;
    let empty = |field| CatalogError::Empty {
        key: framework.key.clone(),
        field,
    };
    for (field, value) in [
        ("key", &framework.key),
        ("name", &framework.name),
        ("version", &framework.version),
        ("publisher", &framework.publisher),
        ("source", &framework.source),
    ] {
        if value.trim().is_empty() {
            return Err(empty(field));
        }
    }
    if framework.controls.is_empty() {
        return Err(empty("controls"));
    }
    let mut seen = BTreeSet::new();
    for control in &framework.controls {
        if control.id.trim().is_empty() {
            return Err(empty("control id"));
        }
        if control.title.trim().is_empty() {
            return Err(empty("control title"));
        }
        if !seen.insert(control.id.as_str()) {
            return Err(CatalogError::DuplicateControl {
                key: framework.key.clone(),
                id: control.id.clone(),
            });
        }
    }
    Ok(framework)
}

/// Every shipped framework, parsed once.
pub fn frameworks() -> &'static [Framework] {
    static PARSED: LazyLock<Vec<Framework>> = LazyLock::new(|| {
        CATALOGS
            .iter()
            .map(|text| match parse_catalog(text) {
                Ok(framework) => framework,
                // The catalogs are compiled in and parsed by this crate's tests:
                // a broken one is a build defect, never a reviewed input.
                Err(error) => panic!("shipped compliance catalog: {error}"),
            })
            .collect()
    });
    &PARSED
}

/// The framework with this key.
pub fn framework(key: &str) -> Option<&'static Framework> {
    frameworks().iter().find(|f| f.key == key)
}

/// The keys of every shipped framework, comma-separated, for messages that list
/// the choices.
pub fn known_keys() -> String {
    frameworks()
        .iter()
        .map(|f| f.key.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A rule's mapping that names something no catalog has.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// The framework key is not a shipped catalog's.
    #[error("{rule} maps to unknown framework {framework}")]
    UnknownFramework {
        /// The rule.
        rule: String,
        /// The key it names.
        framework: String,
    },
    /// The control is not in the framework's catalog.
    #[error("{rule} maps to {framework} control {control}, which its catalog does not list")]
    UnknownControl {
        /// The rule.
        rule: String,
        /// The framework.
        framework: String,
        /// The control id it names.
        control: String,
    },
}

/// Every mapping of `rules` that names an unknown framework or control.
pub fn check_mappings(rules: &[RuleInfo]) -> Vec<MappingError> {
    let mut errors = Vec::new();
    for rule in rules {
        for (key, controls) in &rule.frameworks {
            let Some(framework) = framework(key) else {
                errors.push(MappingError::UnknownFramework {
                    rule: rule.id.clone(),
                    framework: key.clone(),
                });
                continue;
            };
            for control in controls {
                if framework.control(control).is_none() {
                    errors.push(MappingError::UnknownControl {
                        rule: rule.id.clone(),
                        framework: key.clone(),
                        control: control.clone(),
                    });
                }
            }
        }
    }
    errors
}

/// Which controls of a framework the rules cover, as `reviewgate frameworks` reports
/// it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkCoverage {
    /// The framework key.
    pub key: String,
    /// Full name.
    pub name: String,
    /// Version of the catalog.
    pub version: String,
    /// Publisher.
    pub publisher: String,
    /// Where the published text is.
    pub source: String,
    /// How many controls at least one rule maps to.
    pub covered: usize,
    /// How many controls the catalog lists.
    pub total: usize,
    /// Every control, in the framework's order, with the rules mapped to it.
    pub controls: Vec<ControlCoverage>,
}

/// One control and the rules mapped to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlCoverage {
    /// The control id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Ids of the rules mapped to it, sorted; empty when none is.
    pub rules: Vec<String>,
}

/// How `rules` cover `framework`'s controls.
pub fn coverage(framework: &Framework, rules: &[RuleInfo]) -> FrameworkCoverage {
    let controls: Vec<ControlCoverage> = framework
        .controls
        .iter()
        .map(|control| {
            let mut mapped: Vec<String> = rules
                .iter()
                .filter(|rule| {
                    rule.frameworks
                        .get(&framework.key)
                        .is_some_and(|ids| ids.contains(&control.id))
                })
                .map(|rule| rule.id.clone())
                .collect();
            mapped.sort();
            ControlCoverage {
                id: control.id.clone(),
                title: control.title.clone(),
                rules: mapped,
            }
        })
        .collect();
    FrameworkCoverage {
        key: framework.key.clone(),
        name: framework.name.clone(),
        version: framework.version.clone(),
        publisher: framework.publisher.clone(),
        source: framework.source.clone(),
        covered: controls.iter().filter(|c| !c.rules.is_empty()).count(),
        total: controls.len(),
        controls,
    }
}

/// Keeps only what rules mapped to `framework` found: findings whose rule maps to
/// it, and undecided checks of such rules. Findings of rules outside the catalog
/// (policy plugins, the settings gate) map to nothing and go. The risk score is
/// left as it was: it scores the whole change, not one framework's part of it.
pub fn keep_framework(review: &mut Review, framework: &Framework) {
    review
        .findings
        .retain(|f| f.frameworks.contains_key(&framework.key));
    let mapped: BTreeSet<String> = crate::rules::catalog()
        .into_iter()
        .filter(|rule| rule.frameworks.contains_key(&framework.key))
        .map(|rule| rule.id)
        .collect();
    review.undetermined.retain(|u| mapped.contains(&u.rule_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_catalog_parses_with_unique_ids_and_its_own_key() {
        let keys: Vec<&str> = frameworks().iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "cis-aws-3.0",
                "nist-800-53-r5",
                "nist-csf-2.0",
                "pci-dss-4.0",
                "soc2",
                "hipaa"
            ]
        );
        for text in CATALOGS {
            // `frameworks()` would panic on a broken catalog; this says which.
            let framework = parse_catalog(text).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                framework.source.starts_with("https://"),
                "{}",
                framework.key
            );
        }
    }

    #[test]
    fn catalogs_hold_the_published_sizes() {
        // Counts of the published documents: CIS AWS 3.0.0 has 62 recommendations,
        // the 2017 TSC 61 criteria, CSF 2.0 106 subcategories.
        let size = |key| framework(key).map(|f| f.controls.len());
        assert_eq!(size("cis-aws-3.0"), Some(62));
        assert_eq!(size("soc2"), Some(61));
        assert_eq!(size("nist-csf-2.0"), Some(106));
        // SP 800-53 r5: all 20 families present.
        let nist = framework("nist-800-53-r5").expect("nist");
        let families: BTreeSet<&str> = nist
            .controls
            .iter()
            .filter_map(|c| c.id.split('-').next())
            .collect();
        assert_eq!(families.len(), 20, "{families:?}");
        for id in ["AC-2", "IA-5(1)", "SR-12", "PT-8", "PM-32"] {
            assert!(nist.control(id).is_some(), "{id}");
        }
        let pci = framework("pci-dss-4.0").expect("pci");
        for id in ["1.2.1", "3.5.1", "4.2.1", "10.2.1", "12.10.7"] {
            assert!(pci.control(id).is_some(), "{id}");
        }
        let hipaa = framework("hipaa").expect("hipaa");
        assert!(hipaa.control("164.312(a)(2)(iv)").is_some());
    }

    #[test]
    fn every_rule_maps_only_to_controls_its_catalog_lists() {
        let errors = check_mappings(&crate::rules::catalog());
        assert!(
            errors.is_empty(),
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn a_mapping_to_an_unknown_framework_or_control_is_reported() {
        let rule = |frameworks: &[(&str, &[&str])]| RuleInfo {
            id: "RG-TEST-001".into(),
            title: "test".into(),
            severity: crate::Severity::Low,
            aliases: Vec::new(),
            frameworks: frameworks
                .iter()
                .map(|(k, c)| ((*k).to_owned(), c.iter().map(|c| (*c).to_owned()).collect()))
                .collect(),
        };
        let errors = check_mappings(&[
            rule(&[("pci-dss-3.2.1", &["3.4"])]),
            rule(&[("soc2", &["CC6.1", "CC6.9"])]),
        ]);
        assert_eq!(
            errors,
            [
                MappingError::UnknownFramework {
                    rule: "RG-TEST-001".into(),
                    framework: "pci-dss-3.2.1".into(),
                },
                MappingError::UnknownControl {
                    rule: "RG-TEST-001".into(),
                    framework: "soc2".into(),
                    control: "CC6.9".into(),
                },
            ]
        );
    }

    #[test]
    fn a_broken_catalog_is_refused_with_its_reason() {
        let duplicate = r#"{"key":"k","name":"n","version":"1","publisher":"p",
            "source":"https://x","scope":"s",
            "controls":[{"id":"A","title":"a"},{"id":"A","title":"again"}]}"#;
        assert!(matches!(
            parse_catalog(duplicate),
            Err(CatalogError::DuplicateControl { id, .. }) if id == "A"
        ));
        let untitled = duplicate.replace(r#""title":"again""#, r#""title":" ""#);
        assert!(matches!(
            parse_catalog(&untitled),
            Err(CatalogError::Empty {
                field: "control title",
                ..
            })
        ));
        assert!(matches!(
            parse_catalog(r#"{"key":"k"}"#),
            Err(CatalogError::Invalid(_))
        ));
    }

    #[test]
    fn keeping_a_framework_keeps_exactly_the_findings_of_its_rules() {
        use crate::changeset::{ChangeSet, Document, Origin};
        // A public bucket without encryption: rules mapped to CIS (the public access
        // block) and rules that are not (the public ACL, default encryption).
        let text = "resource \"aws_s3_bucket\" \"site\" {\n  bucket = \"site\"\n  acl = \"public-read\"\n}\n";
        let change_set =
            ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", text)]);
        let full = crate::review::review(&change_set);
        let cis = framework("cis-aws-3.0").expect("cis");
        let mut kept = full.clone();
        keep_framework(&mut kept, cis);
        let expected: Vec<&str> = full
            .findings
            .iter()
            .filter(|f| f.frameworks.contains_key("cis-aws-3.0"))
            .map(|f| &*f.rule_id)
            .collect();
        let ids: Vec<&str> = kept.findings.iter().map(|f| &*f.rule_id).collect();
        assert_eq!(ids, expected);
        assert!(ids.contains(&"RG-AWS-S3-001"), "{ids:?}");
        assert!(kept.findings.len() < full.findings.len(), "{ids:?}");
        assert_eq!(kept.risk, full.risk);
    }

    #[test]
    fn coverage_lists_the_rules_of_each_control() {
        let soc2 = framework("soc2").expect("soc2");
        let report = coverage(soc2, &crate::rules::catalog());
        assert_eq!(report.total, 61);
        let cc61 = report
            .controls
            .iter()
            .find(|c| c.id == "CC6.1")
            .expect("CC6.1");
        assert!(cc61.rules.iter().any(|r| r == "RG-AWS-S3-001"), "{cc61:?}");
        let p81 = report
            .controls
            .iter()
            .find(|c| c.id == "P8.1")
            .expect("P8.1");
        assert!(p81.rules.is_empty());
        assert_eq!(
            report.covered,
            report
                .controls
                .iter()
                .filter(|c| !c.rules.is_empty())
                .count()
        );
        assert!(report.covered > 0 && report.covered < report.total);
    }
}
