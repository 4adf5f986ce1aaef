//! `.reviewgate.toml`, which the backend reads from a pull request's head commit:
//! `ReviewConfig::from_toml`, then its globs and filters over paths and rule ids
//! that come from the same input (both are the pull request author's to choose).
#![no_main]

mod common;

use std::borrow::Cow;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use reviewgate_core::config::{ReviewConfig, path_matches};
use reviewgate_core::{Finding, Severity};

fuzz_target!(|data: &[u8]| {
    let text = common::text(data);
    let config = match ReviewConfig::from_toml(&text) {
        Ok(config) => config,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    // Paths and rule ids from the input: every pattern against every string in it.
    let strings: Vec<&str> = config
        .exclude_paths
        .iter()
        .chain(&config.disabled_rules)
        .map(String::as_str)
        .chain(["main.tf", "modules/vpc/main.tf", ""])
        .collect();
    for path in &strings {
        let _ = config.is_excluded(path);
    }
    for pattern in &config.exclude_paths {
        // A plain relative path excludes itself and everything below it.
        let plain = !pattern.is_empty()
            && !pattern.contains(['*', '?'])
            && !pattern.starts_with(['.', '/'])
            && !pattern.ends_with('/')
            && !pattern.contains("//");
        if plain {
            assert!(path_matches(pattern, pattern), "{pattern:?}");
            assert!(
                path_matches(pattern, &format!("{pattern}/x.tf")),
                "{pattern:?}"
            );
        }
    }
    for rule in &config.disabled_rules {
        let finding = Finding {
            rule_id: Cow::Owned(rule.clone()),
            aliases: Arc::from(Vec::new()),
            severity: Severity::Critical,
            title: Cow::Borrowed("title"),
            message: String::new(),
            resource: None,
            file: None,
            line: None,
            end_line: None,
            remediation: None,
            frameworks: Arc::default(),
            suppressed: false,
            suppression_reason: None,
            suppressed_at: None,
            provenance: Vec::new(),
        };
        assert!(config.filters_out(&finding), "{rule:?} is disabled");
    }
});
