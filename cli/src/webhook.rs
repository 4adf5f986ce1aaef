//! `reviewgate webhook send`: signs a payload as its provider would and POSTs it to a
//! running server (or the edge Worker) — the way to try the loop without a real
//! provider. Signing is `reviewgate-ingress`'s, the inverse of what the server runs.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use reviewgate_ingress::event::EventSource;
use reviewgate_ingress::sign::{DeliveryToSign, sign_delivery};

/// `reviewgate webhook` subcommands.
#[derive(clap::Subcommand)]
pub enum WebhookCommand {
    /// Sign FILE as a PROVIDER delivery and POST it; prints the answer, exits 1 on
    /// a non-2xx status.
    Send(SendArgs),
}

/// `reviewgate webhook send` options.
#[derive(clap::Args)]
pub struct SendArgs {
    /// The webhook URL, e.g. http://127.0.0.1:8080/webhooks/github.
    #[arg(long)]
    url: String,
    /// github, gitlab, bitbucket, spacelift or standard_webhooks.
    #[arg(long, value_parser = parse_provider)]
    provider: EventSource,
    /// The webhook secret (GitLab: the token; Standard Webhooks: `whsec_…`).
    /// Prefer REVIEWGATE_WEBHOOK_SECRET to keep it out of shell history.
    #[arg(long, env = "REVIEWGATE_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
    /// The provider's event name (GitHub `X-GitHub-Event`, GitLab `X-Gitlab-Event`,
    /// Bitbucket `X-Event-Key`). Default: the file name up to its first dot
    /// (`pull_request.opened.payload.json` → `pull_request`).
    #[arg(long)]
    event: Option<String>,
    /// Delivery id (default: a fresh random one; repeat one to see deduplication).
    #[arg(long)]
    delivery_id: Option<String>,
    /// The payload (JSON as the provider sends it).
    file: PathBuf,
}

fn parse_provider(name: &str) -> Result<EventSource, String> {
    EventSource::from_name(name).ok_or_else(|| {
        format!("`{name}`: expected github, gitlab, bitbucket, spacelift or standard_webhooks")
    })
}

/// Runs a `webhook` subcommand; `Ok(false)` when the server refused the delivery.
pub fn run(command: WebhookCommand) -> anyhow::Result<bool> {
    let WebhookCommand::Send(args) = command;
    let body = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let event = match args.event {
        Some(event) => event,
        None => args
            .file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('.').next())
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .context("cannot tell the event from the file name: pass --event")?,
    };
    let delivery_id = args.delivery_id.unwrap_or_else(random_delivery_id);
    let now_secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the clock is before 1970")?
        .as_secs();
    let headers = sign_delivery(
        &DeliveryToSign {
            source: args.provider,
            secret: &args.secret,
            event: &event,
            delivery_id: &delivery_id,
            now_secs,
        },
        &body,
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (status, answer) = runtime.block_on(async {
        let mut request = reqwest::Client::new()
            .post(&args.url)
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot POST to {}", args.url))?;
        let status = response.status();
        let answer = response.text().await.unwrap_or_default();
        anyhow::Ok((status, answer))
    })?;
    eprintln!(
        "{} {} delivery {delivery_id} ({event}) → {status}",
        args.provider.as_str(),
        args.file.display()
    );
    println!("{answer}");
    if status.is_server_error() {
        bail!("the server failed: {status}");
    }
    Ok(status.is_success())
}

/// A UUID-shaped random id, as GitHub's `X-GitHub-Delivery` is.
fn random_delivery_id() -> String {
    let mut bytes = [0u8; 16];
    // getrandom failing means no OS randomness at all; a time-based id still works.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
            .to_le_bytes();
    }
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
