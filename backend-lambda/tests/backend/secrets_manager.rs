//! Secrets given by ARN (`NAME_SECRET_ARN`), read from moto's Secrets Manager through
//! the real SDK, and rotated: the Lambda functions' router takes the new secret
//! within the TTL, without a restart.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use reviewgate_backend::api::AiDispatch;
use reviewgate_backend::secrets_manager::{BoxError, Refreshing, SecretsError, resolve};
use reviewgate_backend::{Config, app, setup};
use tower::ServiceExt;

use crate::support::Moto;

const VARIABLE: &str = "REVIEWGATE_GITHUB_WEBHOOK_SECRETS";

fn client(moto: &Moto) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&moto.sdk_config())
}

async fn create(client: &aws_sdk_secretsmanager::Client, name: &str, value: &str) -> String {
    client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .expect("secret created")
        .arn
        .expect("its ARN")
}

/// A GitHub ping signed with `secret`, through `router`: its status.
async fn ping(router: &axum::Router, secret: &str) -> StatusCode {
    let body = r#"{"zen":"Rotate often.","hook_id":1}"#;
    let mac = reviewgate_ingress::hmac_sha256(secret.as_bytes(), &[body.as_bytes()]);
    let request = Request::post("/webhooks/github")
        .header("content-type", "application/json")
        .header("x-github-event", "ping")
        .header("x-github-delivery", uuid::Uuid::now_v7().to_string())
        .header(
            "x-hub-signature-256",
            format!("sha256={}", hex::encode(mac)),
        )
        .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            9,
        ))))
        .body(Body::from(body))
        .expect("request");
    router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_given_by_arn_is_read_and_its_rotation_takes_effect_within_the_ttl() {
    let moto = Moto::start();
    let secrets = client(&moto);
    let first = "first-webhook-secret-0123456789";
    let second = "second-webhook-secret-9876543210";
    let arn = create(&secrets, "reviewgate/github-webhook", first).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let vars = BTreeMap::from([
        (format!("{VARIABLE}_SECRET_ARN"), arn.clone()),
        ("REVIEWGATE_SECRETS_TTL_SECS".to_owned(), "1".to_owned()),
        (
            "REVIEWGATE_DB_PATH".to_owned(),
            dir.path().join("reviews.db").display().to_string(),
        ),
    ]);
    let routers = Refreshing::new(secrets.clone(), vars).expect("valid TTL");
    let builds = std::sync::atomic::AtomicUsize::new(0);
    let router = async |config: Config| -> Result<axum::Router, BoxError> {
        builds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(app(setup::app_state(&config, AiDispatch::External).await?))
    };

    let current = routers.get(router).await.expect("built");
    assert_eq!(ping(&current, first).await, StatusCode::OK);
    assert_eq!(ping(&current, second).await, StatusCode::UNAUTHORIZED);

    // Rotated in Secrets Manager: within the TTL the function keeps what it read.
    secrets
        .put_secret_value()
        .secret_id(&arn)
        .secret_string(second)
        .send()
        .await
        .expect("rotated");
    let current = routers.get(router).await.expect("cached");
    assert_eq!(ping(&current, first).await, StatusCode::OK);
    assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 1);

    // After it, the new secret is read and the router rebuilt with it.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let current = routers.get(router).await.expect("rebuilt");
    assert_eq!(ping(&current, second).await, StatusCode::OK);
    assert_eq!(ping(&current, first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 2);

    // Unchanged secrets after another TTL: read again, not rebuilt.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let _checked = routers.get(router).await.expect("checked");
    assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 2);

    // A rotation to a value the configuration refuses (shorter than 16 bytes) is
    // logged and the function goes on with what it had.
    secrets
        .put_secret_value()
        .secret_id(&arn)
        .secret_string("short")
        .send()
        .await
        .expect("rotated to a bad value");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let current = routers
        .get(router)
        .await
        .expect("served with what was built before");
    assert_eq!(ping(&current, second).await, StatusCode::OK);
    assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 2);

    // A secret that cannot be read again (deleted here; an outage alike) leaves the
    // function serving with what it read before, not failing every request.
    secrets
        .delete_secret()
        .secret_id(&arn)
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("deleted");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let current = routers
        .get(router)
        .await
        .expect("served with what was read before");
    assert_eq!(ping(&current, second).await, StatusCode::OK);
    assert_eq!(builds.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_that_cannot_be_used_are_named_errors_without_values() {
    let moto = Moto::start();
    let secrets = client(&moto);
    let arn = create(&secrets, "reviewgate/token", "a-token-value-that-is-long").await;
    let vars = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };

    let resolved = resolve(
        &secrets,
        &vars(&[
            ("REVIEWGATE_GITHUB_TOKEN_SECRET_ARN", &arn),
            ("OTHER", "kept"),
        ]),
    )
    .await
    .expect("resolved");
    assert_eq!(
        resolved,
        vars(&[
            ("REVIEWGATE_GITHUB_TOKEN", "a-token-value-that-is-long"),
            ("OTHER", "kept")
        ])
    );

    let both = resolve(
        &secrets,
        &vars(&[
            ("REVIEWGATE_GITHUB_TOKEN_SECRET_ARN", &arn),
            ("REVIEWGATE_GITHUB_TOKEN", "x"),
        ]),
    )
    .await
    .expect_err("set twice");
    assert!(matches!(both, SecretsError::Both { .. }), "{both}");

    let missing_arn = arn.replace("reviewgate/token", "reviewgate/nothing");
    let missing = resolve(
        &secrets,
        &vars(&[("REVIEWGATE_GITHUB_TOKEN_SECRET_ARN", &missing_arn)]),
    )
    .await
    .expect_err("no such secret");
    let message = missing.to_string();
    assert!(
        message.starts_with("cannot read REVIEWGATE_GITHUB_TOKEN from Secrets Manager")
            && message.contains(&missing_arn),
        "{message}"
    );

    let binary = secrets
        .create_secret()
        .name("reviewgate/binary")
        .secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(vec![0, 1, 2]))
        .send()
        .await
        .expect("created")
        .arn
        .expect("arn");
    let not_text = resolve(
        &secrets,
        &vars(&[("REVIEWGATE_GITLAB_TOKEN_SECRET_ARN", &binary)]),
    )
    .await
    .expect_err("binary");
    assert!(
        matches!(not_text, SecretsError::NotText { .. }),
        "{not_text}"
    );
    assert!(!format!("{not_text} {missing} {both}").contains("a-token-value"));

    let ttl = Refreshing::<()>::new(secrets, vars(&[("REVIEWGATE_SECRETS_TTL_SECS", "soon")]));
    assert!(matches!(ttl, Err(SecretsError::Ttl(_))));
}
