//! Delivery ids: what duplicate detection keys on.

use crate::event::EventSource;

use crate::headers::Headers;

/// The delivery id of a verified delivery. Providers that send one are trusted for
/// it; Spacelift sends none, so its id is derived from the run id and `stateVersion`
/// (each state change of a run is one delivery), falling back to the body hash. Any
/// delivery without an id gets `sha256:<body hash>`, so that an identical redelivery
/// is still caught.
pub fn delivery_id(source: EventSource, headers: &Headers, body: &[u8]) -> String {
    let from_header = |names: &[&str]| {
        names
            .iter()
            .filter_map(|n| headers.first(n))
            .map(str::trim)
            .find(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let found = match source {
        EventSource::Github => from_header(&["x-github-delivery"]),
        EventSource::Gitlab => from_header(&[
            "idempotency-key",
            "x-gitlab-event-uuid",
            "x-gitlab-webhook-uuid",
            "webhook-id",
        ]),
        EventSource::Bitbucket => from_header(&["x-request-uuid", "x-hook-uuid"]),
        EventSource::StandardWebhooks => from_header(&["webhook-id"]),
        EventSource::Spacelift => spacelift_run_state_id(body),
    };
    found.unwrap_or_else(|| format!("sha256:{}", crate::sha256_hex(body)))
}

fn spacelift_run_state_id(body: &[u8]) -> Option<String> {
    let payload: serde_json::Value = serde_json::from_slice(body).ok()?;
    let run = payload.pointer("/run/id")?.as_str()?;
    let version = payload.get("stateVersion")?.as_u64()?;
    Some(format!("{run}@{version}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_each_providers_header() {
        let h = Headers::new().with("X-GitHub-Delivery", "72d3162e");
        assert_eq!(delivery_id(EventSource::Github, &h, b"{}"), "72d3162e");
        let h = Headers::new()
            .with("X-Gitlab-Event-UUID", "ev")
            .with("Idempotency-Key", "idem");
        assert_eq!(delivery_id(EventSource::Gitlab, &h, b"{}"), "idem");
        let h = Headers::new().with("X-Request-UUID", "{b}");
        assert_eq!(delivery_id(EventSource::Bitbucket, &h, b"{}"), "{b}");
        let h = Headers::new().with("webhook-id", "msg_1");
        assert_eq!(
            delivery_id(EventSource::StandardWebhooks, &h, b"{}"),
            "msg_1"
        );
    }

    #[test]
    fn spacelift_ids_are_run_and_state_version_else_body_hash() {
        let body = br#"{"run":{"id":"01RUN"},"stateVersion":4,"state":"FINISHED"}"#;
        assert_eq!(
            delivery_id(EventSource::Spacelift, &Headers::new(), body),
            "01RUN@4"
        );
        let other = delivery_id(EventSource::Spacelift, &Headers::new(), b"{\"x\":1}");
        assert!(other.starts_with("sha256:") && other.len() == 7 + 64);
        assert_eq!(
            delivery_id(EventSource::Github, &Headers::new(), b"{\"x\":1}"),
            other,
            "a missing header falls back to the same body hash"
        );
    }
}
