//! Checks shared by the output tests.

/// Fails with every schema violation when `log` is not SARIF 2.1.0 as the official
/// OASIS schema (`fixtures/sarif-schema-2.1.0.json`) defines it.
pub fn assert_valid_sarif(log: &serde_json::Value) {
    let mut schema: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json"))
            .expect("schema JSON");
    // The official schema's `language` patterns have a stray `]` that strict regex
    // engines reject when the schema itself is checked; they constrain a field
    // reviewgate never writes, so they are replaced by the pattern they intend.
    fix_language_patterns(&mut schema);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not match the schema:\n{}",
        errors.join("\n")
    );
}

fn fix_language_patterns(value: &mut serde_json::Value) {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match value {
        serde_json::Value::String(s) if s == BROKEN => {
            *s = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".to_owned()
        }
        serde_json::Value::Object(map) => map.values_mut().for_each(fix_language_patterns),
        serde_json::Value::Array(items) => items.iter_mut().for_each(fix_language_patterns),
        _ => {}
    }
}
