//! The secrets detector over arbitrary text: as free text (diff lines, scripts), as a
//! configuration value under a name (the first line names it), and the looser
//! readings the AWS rules ask for. A match points into its line, and its clear text
//! leaves only as the mask.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use reviewgate_core::secrets::{
    SecretMatch, find_secrets, find_secrets_in_value, hard_coded_in_script, hard_coded_value, mask,
};

fuzz_target!(|data: &[u8]| {
    let text = common::text(data);
    check_matches(&text, &find_secrets(&text), true);
    let (name, value) = text.split_once('\n').unwrap_or(("password", &text));
    // A user data value is also scanned base64-decoded, and a match found there
    // points into the decoded text, which this target does not have.
    let user_data = ["user_data", "userdata", "custom_data"]
        .iter()
        .any(|key| name.to_ascii_lowercase().contains(key));
    check_matches(value, &find_secrets_in_value(name, value), !user_data);
    let _ = hard_coded_in_script(&text);
    let _ = hard_coded_value(name, value);
});

fn check_matches(text: &str, matches: &[SecretMatch], positions_in_text: bool) {
    let lines: Vec<&str> = text.lines().collect();
    for found in matches {
        assert!(found.rule_id().starts_with("RG-SECRET-"), "{found:?}");
        let kept = found.masked().split('…').next().unwrap_or_default();
        assert!(
            kept.chars().count() <= 4,
            "the mask keeps at most 4 characters"
        );
        if !positions_in_text {
            continue;
        }
        let line = lines.get(found.line_index()).expect("the match's line");
        let secret = line
            .get(found.span())
            .expect("a span on character boundaries");
        assert_eq!(found.masked(), mask(secret));
        if secret.chars().count() >= 12 {
            assert!(
                !format!("{found:?}").contains(secret),
                "Debug shows the secret"
            );
        }
    }
}
