//! A sample third-party policy plugin (world `policy-plugin`): every taggable AWS
//! resource must carry the organisation's required tags. The tags are the plugin's
//! `tags` setting (comma-separated, default `owner,cost-center`). Build:
//! `cargo build -p reviewgate-plugin-required-tags --target wasm32-wasip2 --release`.

// Generated bindings: the canonical-ABI glue is necessarily `unsafe`, and not ours
// to document.
#[allow(unsafe_code, missing_docs)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "policy-plugin",
    });
}

use bindings::exports::reviewgate::review::policy::{
    Guest, PluginInfo, PolicyResource, PolicyRule,
};
use bindings::reviewgate::review::types::{PluginFinding, Severity};

const RULE: &str = "TAGS-001";
const TITLE: &str = "AWS resources carry the organisation's required tags";

struct RequiredTags;

impl Guest for RequiredTags {
    fn metadata() -> PluginInfo {
        PluginInfo {
            name: "required-tags".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "AWS resources must carry the required tags".into(),
            rules: vec![PolicyRule {
                id: RULE.into(),
                title: TITLE.into(),
                severity: Severity::Medium,
            }],
        }
    }

    fn evaluate(
        resources: Vec<PolicyResource>,
        config: Vec<(String, String)>,
    ) -> Result<Vec<PluginFinding>, String> {
        let required: Vec<String> = config
            .iter()
            .find(|(k, _)| k == "tags")
            .map_or("owner,cost-center", |(_, v)| v.as_str())
            .split(',')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        let mut findings = Vec::new();
        for resource in &resources {
            if resource.is_data
                || !resource.resource_type.starts_with("aws_")
                || matches!(
                    resource.action.as_deref(),
                    Some("delete" | "no-op" | "read")
                )
            {
                continue;
            }
            let attributes: serde_json::Value = serde_json::from_str(&resource.attributes_json)
                .map_err(|e| format!("{}: attributes are not JSON: {e}", resource.address))?;
            // Only resources that take tags: those whose schema shows a `tags` key
            // (plans) or that set one (configuration).
            let Some(tags) = attributes.get("tags") else {
                continue;
            };
            // `{"$unknown": …}`: known only after apply, so neither pass nor fail.
            if tags.get("$unknown").is_some() {
                continue;
            }
            let missing: Vec<&str> = required
                .iter()
                .filter(|t| tags.get(t.as_str()).is_none())
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                findings.push(PluginFinding {
                    rule_id: RULE.into(),
                    severity: Severity::Medium,
                    title: TITLE.into(),
                    message: format!("{} lacks tags: {}", resource.address, missing.join(", ")),
                    resource: Some(resource.address.clone()),
                    file: Some(resource.file.clone()),
                    line: resource.line,
                    remediation: Some(format!(
                        "Add the tags {} to the resource.",
                        missing.join(", ")
                    )),
                });
            }
        }
        Ok(findings)
    }
}

#[allow(unsafe_code)]
mod export {
    use super::RequiredTags;
    crate::bindings::export!(RequiredTags with_types_in crate::bindings);
}
