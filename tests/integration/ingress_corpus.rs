use std::fs;

use base64::Engine as _;
use reviewgate_ingress::event::{EventKind, EventSource};
use reviewgate_ingress::normalize::DeliveryContext;
use reviewgate_ingress::verify::SourceKeys;
use reviewgate_ingress::{Headers, Normalized, SecretSet, VerifyError, normalize, verify_webhook};
use reviewgate_integration_tests::corpus_path;
use serde_json::Value;

fn vectors() -> Value {
    let text =
        fs::read_to_string(corpus_path("webhook-vectors.json")).expect("webhook-vectors.json");
    serde_json::from_str(&text).expect("vectors are JSON")
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {name}"))
}

#[test]
fn every_hex_signature_vector_verifies_and_fails_when_tampered() {
    let vectors = vectors();
    let mut checked = 0;
    for (group, source) in [
        ("github", EventSource::Github),
        ("spacelift", EventSource::Spacelift),
        ("bitbucket", EventSource::Bitbucket),
    ] {
        for v in vectors[group].as_array().expect("a list per provider") {
            let keys = SourceKeys {
                secrets: SecretSet::from_lines(field(v, "secret")),
                signing: SecretSet::default(),
            };
            let body = field(v, "payload").as_bytes();
            let headers = Headers::new().with(field(v, "header"), field(v, "value"));
            assert_eq!(
                verify_webhook(source, &headers, body, &keys, 0, 300),
                Ok(()),
                "{group}"
            );
            let mut tampered = body.to_vec();
            tampered.push(b' ');
            assert_eq!(
                verify_webhook(source, &headers, &tampered, &keys, 0, 300),
                Err(VerifyError::SignatureMismatch),
                "{group} tampered body"
            );
            let wrong = SourceKeys {
                secrets: SecretSet::from_lines("not the secret"),
                signing: SecretSet::default(),
            };
            assert_eq!(
                verify_webhook(source, &headers, body, &wrong, 0, 300),
                Err(VerifyError::SignatureMismatch),
                "{group} wrong secret"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 3,
        "expected vectors for three providers, checked {checked}"
    );
}

#[test]
fn every_standard_webhooks_vector_verifies_and_the_known_bad_ones_fail() {
    let vectors = vectors();
    let list = vectors["standard_webhooks"]
        .as_array()
        .expect("standard_webhooks list");
    assert!(!list.is_empty());
    for v in list {
        let secrets =
            SecretSet::from_standard_webhooks_lines(field(v, "secret")).expect("whsec_ secret");
        let keys = SourceKeys {
            secrets,
            signing: SecretSet::default(),
        };
        let ts: u64 = field(v, "webhook-timestamp").parse().expect("timestamp");
        let now_ms = ts * 1000 + 10_000;
        let body = field(v, "payload").as_bytes();
        let headers = |signature: &str| {
            Headers::new()
                .with("webhook-id", field(v, "webhook-id"))
                .with("webhook-timestamp", field(v, "webhook-timestamp"))
                .with("webhook-signature", signature)
        };
        let good = field(v, "webhook-signature");
        let bad = field(v, "known_bad");
        let verify = |h: &Headers, now| {
            verify_webhook(EventSource::StandardWebhooks, h, body, &keys, now, 300)
        };
        assert_eq!(
            verify(&headers(good), now_ms),
            Ok(()),
            "{}",
            field(v, "source")
        );
        assert_eq!(
            verify(&headers(bad), now_ms),
            Err(VerifyError::SignatureMismatch)
        );
        // Several signatures: any one valid suffices, in any position.
        assert_eq!(verify(&headers(&format!("{bad} {good}")), now_ms), Ok(()));
        assert!(matches!(
            verify(&headers(good), ts * 1000 + 301_000),
            Err(VerifyError::StaleTimestamp { .. })
        ));
        // The secret without its prefix is the same key.
        let raw = field(v, "secret").trim_start_matches("whsec_");
        assert!(
            base64::engine::general_purpose::STANDARD
                .decode(raw)
                .is_ok()
        );
    }
}

#[test]
fn every_gitlab_token_vector_compares_exactly() {
    let vectors = vectors();
    for v in vectors["gitlab"].as_array().expect("gitlab list") {
        let keys = SourceKeys {
            secrets: SecretSet::from_lines(field(v, "secret")),
            signing: SecretSet::default(),
        };
        let good = Headers::new().with(field(v, "header"), field(v, "value"));
        assert_eq!(
            verify_webhook(EventSource::Gitlab, &good, b"{}", &keys, 0, 300),
            Ok(())
        );
        let mut wrong_value = field(v, "value").to_owned();
        wrong_value.pop();
        let bad = Headers::new().with(field(v, "header"), &wrong_value);
        assert_eq!(
            verify_webhook(EventSource::Gitlab, &bad, b"{}", &keys, 0, 300),
            Err(VerifyError::SignatureMismatch)
        );
    }
}

#[test]
fn every_github_pull_request_and_push_payload_normalizes() {
    let mut files: Vec<_> = fs::read_dir(corpus_path("github-payloads"))
        .expect("github-payloads directory")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    let mut normalized = 0;
    for path in files {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let event = name.split('.').next().expect("event name").to_owned();
        let body = fs::read(&path).expect("payload");
        let p: Value = serde_json::from_slice(&body).expect("payload JSON");
        let secret = "corpus-secret";
        let signature = format!(
            "sha256={}",
            hex::encode(reviewgate_ingress::hmac_sha256(secret.as_bytes(), &[&body]))
        );
        let headers = Headers::new()
            .with("X-GitHub-Event", &event)
            .with("X-GitHub-Delivery", "d-corpus")
            .with("X-Hub-Signature-256", &signature);
        let keys = SourceKeys {
            secrets: SecretSet::from_lines(secret),
            signing: SecretSet::default(),
        };
        assert_eq!(
            verify_webhook(EventSource::Github, &headers, &body, &keys, 0, 300),
            Ok(()),
            "{name}"
        );
        let ctx = DeliveryContext {
            delivery_id: "d-corpus",
            received_at_ms: 1,
            trace_id: "trace",
            tolerance_secs: 300,
        };
        let outcome = normalize(EventSource::Github, &headers, &body, ctx)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        match event.as_str() {
            "ping" => assert_eq!(outcome, Normalized::Ping),
            "pull_request" => {
                let action = p["action"].as_str().expect("action");
                let expected = match action {
                    "opened" | "reopened" => Some(EventKind::PrOpened),
                    "synchronize" => Some(EventKind::PrUpdated),
                    "closed" if p["pull_request"]["merged"] == true => Some(EventKind::PrMerged),
                    "closed" => Some(EventKind::PrClosed),
                    _ => None,
                };
                let Some(expected) = expected else {
                    assert_eq!(
                        outcome,
                        Normalized::Ignored(format!("pull_request action {action}")),
                        "{name}"
                    );
                    continue;
                };
                let Normalized::Event(e) = outcome else {
                    panic!("{name}: {outcome:?}")
                };
                assert_eq!(e.kind, expected, "{name}");
                assert_eq!(e.id, "github:d-corpus");
                assert_eq!(e.trace_id, "trace");
                let repo = e.repository.expect("repository");
                assert_eq!(
                    repo.full_name(),
                    p["repository"]["full_name"].as_str().expect("full_name"),
                    "{name}"
                );
                assert_eq!(repo.id, Some(p["repository"]["id"].to_string()));
                let pr = e.pr.expect("pr");
                assert_eq!(pr.number, p["number"].as_u64().expect("number"), "{name}");
                assert_eq!(pr.title, p["pull_request"]["title"]);
                assert_eq!(pr.author, p["pull_request"]["user"]["login"]);
                assert_eq!(pr.base, p["pull_request"]["base"]["ref"]);
                assert_eq!(pr.head, p["pull_request"]["head"]["ref"]);
                assert_eq!(pr.head_sha, p["pull_request"]["head"]["sha"]);
                assert_eq!(
                    pr.diff_url.as_deref(),
                    p["pull_request"]["diff_url"].as_str()
                );
                normalized += 1;
            }
            "push" if p["deleted"] == true => {
                let git_ref = p["ref"].as_str().expect("ref");
                assert_eq!(
                    outcome,
                    Normalized::Ignored(format!("push deleting {git_ref}")),
                    "{name}"
                );
                normalized += 1;
            }
            "push" => {
                let Normalized::Event(e) = outcome else {
                    panic!("{name}: {outcome:?}")
                };
                assert_eq!(e.kind, EventKind::Push);
                let push = e.push.expect("push");
                assert_eq!(push.git_ref, p["ref"]);
                assert_eq!(push.before, p["before"]);
                assert_eq!(push.after, p["after"]);
                assert_eq!(
                    e.repository.expect("repository").full_name(),
                    p["repository"]["full_name"].as_str().expect("full_name")
                );
                normalized += 1;
            }
            other => panic!("unexpected corpus event {other} in {name}"),
        }
    }
    assert!(
        normalized >= 6,
        "expected the corpus pull_request and push payloads, normalized {normalized}"
    );
}
