//! `reviewgate serve` and `reviewgate keys`: the backend's API router on this machine,
//! over the embedded store, in one process.
//!
//! Everything here is wiring: the routes, the store, the AI reviewer and the logs
//! are `reviewgate-backend`'s, built from the same [`Config`] the Lambda functions
//! read (environment variables, here over `reviewgate.toml`), except that the store
//! is always the embedded one under the data directory. The runtime is started here rather than in `main` so that
//! `review`, `rules` and `bench` stay plain synchronous commands.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use reviewgate_backend::api::{AiDispatch, auth};
use reviewgate_backend::config::StoreConfig;
use reviewgate_backend::{Config, analytics, app, logging, setup};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::server_config::{self, ServerFile};

/// File name of the review database inside the data directory.
pub(crate) const DATABASE_FILE: &str = "reviews.db";

/// Where `serve` listens unless told otherwise.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// `reviewgate serve` options.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080, or `server.listen`]. Port 0
    /// picks a free port (the URL is printed).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Where reviews and API keys are kept, created if missing [default:
    /// `server.data_dir`, else ~/.local/share/reviewgate].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Settings file [default: ./reviewgate.toml when it exists]; REVIEWGATE_*
    /// variables override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// `reviewgate keys` subcommands.
#[derive(clap::Subcommand)]
pub enum KeysCommand {
    /// Create an API key for the local server and print it once (only a hash is kept).
    Create {
        /// Who holds the key (recorded as `user_id` in audit logs).
        #[arg(long)]
        name: String,
        /// The server's data directory [default: as `serve` resolves it].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// The server's settings file [default: ./reviewgate.toml when it exists].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// `$XDG_DATA_HOME/reviewgate`, else `~/.local/share/reviewgate`, else `.reviewgate`.
fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share")))
        .map_or_else(
            || PathBuf::from(".reviewgate"),
            |base| base.join("reviewgate"),
        )
}

/// The settings file: `--config` (which must exist), else `./reviewgate.toml` when
/// present, else none (the defaults and the environment).
fn settings_file(explicit: Option<&Path>) -> anyhow::Result<(ServerFile, Option<PathBuf>)> {
    let path = match explicit {
        Some(path) => path.to_owned(),
        None if Path::new(server_config::DEFAULT_FILE).is_file() => {
            PathBuf::from(server_config::DEFAULT_FILE)
        }
        None => return Ok((ServerFile::default(), None)),
    };
    Ok((ServerFile::load(&path)?, Some(path)))
}

/// The data directory as `serve` resolves it, for commands that work on its
/// database: `--data-dir`, else the settings file's `server.data_dir`, else the
/// default.
pub(crate) fn data_dir(
    explicit: Option<PathBuf>,
    config_file: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    let (settings, _) = settings_file(config_file)?;
    Ok(explicit
        .or(settings.server.data_dir)
        .unwrap_or_else(default_data_dir))
}

/// What `serve` and `keys` run with, resolved and validated before anything starts.
struct Resolved {
    config: Config,
    data_dir: PathBuf,
    listen: SocketAddr,
    file: Option<PathBuf>,
}

/// The command line over the environment over the settings file over the defaults;
/// the store is pinned to the embedded database in the data directory.
fn resolve(
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    config_file: Option<&Path>,
) -> anyhow::Result<Resolved> {
    let (settings, file) = settings_file(config_file)?;
    let mut config = settings.config(|name| std::env::var(name).ok())?;
    let data_dir = data_dir
        .or(settings.server.data_dir)
        .unwrap_or_else(default_data_dir);
    let listen = listen.or(settings.server.listen).unwrap_or_else(|| {
        DEFAULT_LISTEN
            .parse()
            .expect("the default address is valid")
    });
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    config.store = StoreConfig::Embedded {
        path: data_dir.join(DATABASE_FILE),
    };
    Ok(Resolved {
        config,
        data_dir,
        listen,
        file,
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Runs the server, the event processor and the daily analytics aggregation (02:00
/// UTC, catching up missed days at start) until SIGINT or SIGTERM, then lets
/// in-flight requests and the event being processed finish; events accepted but
/// not started stay in the store and are processed on the next start. Intake and
/// processing live and die together ([`serve_and_process`]): if the processor
/// ends, the server stops with an error rather than accept events nobody reviews.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let Resolved {
        config,
        data_dir,
        listen,
        file,
    } = resolve(args.listen, args.data_dir, args.config.as_deref())?;
    runtime()?.block_on(async {
        logging::init();
        let state = setup::app_state(&config, AiDispatch::Background).await?;
        let processor = setup::event_processor(&config, state.store.clone())?;
        let (stop_processor, stopped) = tokio::sync::watch::channel(false);
        let aggregation = tokio::spawn(analytics::run_daily(
            state.store.clone(),
            stopped.clone(),
        ));
        let wake = state.events_waiting.clone();
        let processor = tokio::spawn(async move { processor.run(wake, stopped).await });
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let url = format!("http://{}", listener.local_addr()?);
        // Humans read stderr; the JSON logs go to stdout for collectors.
        eprintln!("reviewgate serving on {url}");
        eprintln!("  data: {}", data_dir.display());
        if let Some(file) = &file {
            eprintln!("  settings: {}", file.display());
        }
        eprintln!(
            "  create an API key: reviewgate keys create --name you --data-dir {}",
            data_dir.display()
        );
        eprintln!(
            "  review a plan:     see README (POST {url}/api/reviews); API: {url}/api/openapi.json"
        );
        let sources = config.intake.configured_sources();
        if sources.is_empty() {
            eprintln!(
                "  webhooks: set REVIEWGATE_GITHUB_WEBHOOK_SECRETS (or another source's secret) to accept webhooks at {url}/webhooks/<source>"
            );
        }
        for source in &sources {
            eprintln!("  webhooks:          {url}/webhooks/{}", source.as_str());
        }
        if let Some(source) = sources.first() {
            eprintln!(
                "  first webhook:     reviewgate webhook send --url {url}/webhooks/{0} --provider {0} --secret \"$SECRET\" FILE.json",
                source.as_str()
            );
        }
        if config.spacelift.is_none() && !config.intake.spacelift.secrets.is_empty() {
            eprintln!(
                "  Spacelift runs are scored from their resource counts until REVIEWGATE_SPACELIFT_API_URL, _API_KEY_ID and _API_KEY_SECRET are set"
            );
        }
        // Say which hosts' pull requests are reviewed, and how to add the others whose
        // events can arrive (their webhooks, or anything through the edge).
        let hosts = [
            (
                "GitHub",
                "pull requests",
                config.github.is_some(),
                "REVIEWGATE_GITHUB_TOKEN or REVIEWGATE_GITHUB_APP_ID + _PRIVATE_KEY_PATH",
            ),
            (
                "GitLab",
                "merge requests",
                config.gitlab.is_some(),
                "REVIEWGATE_GITLAB_TOKEN",
            ),
            (
                "Bitbucket",
                "pull requests",
                config.bitbucket.is_some(),
                "REVIEWGATE_BITBUCKET_TOKEN",
            ),
        ];
        for (host, changes, configured, variables) in hosts {
            if configured {
                eprintln!("  {host} {changes}: reviewed, commented and checked");
            } else if !config.intake.edge.is_empty()
                || sources
                    .iter()
                    .any(|s| s.as_str() == host.to_ascii_lowercase())
            {
                eprintln!(
                    "  {host} {changes} are recorded, not reviewed, until {variables} is set"
                );
            }
        }
        let stop_server = Arc::new(Notify::new());
        let stop_serving = stop_server.clone();
        let server = axum::serve(
            listener,
            app(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            tokio::select! {
                () = shutdown_signal() => {},
                () = stop_serving.notified() => {},
            }
        })
        .into_future();
        let result = serve_and_process(server, stop_server, processor, stop_processor).await;
        if let Err(e) = aggregation.await {
            eprintln!("daily aggregation stopped abnormally: {e}");
        }
        result?;
        eprintln!("reviewgate stopped");
        anyhow::Ok(())
    })
}

/// Runs `server` (which stops accepting and drains when `stop_server` is
/// notified, or on a signal) and the event processor's task together. When the
/// server ends — a signal, or an error — the processor is told to stop and
/// finishes the events in hand. When the processor ends first — it never should:
/// a panic, or a bug that returns —, the server is stopped too and the error says
/// why: a server that answers 202 while nothing processes what it accepts is
/// worse than no server, because senders stop retrying.
async fn serve_and_process(
    server: impl Future<Output = std::io::Result<()>>,
    stop_server: Arc<Notify>,
    mut processor: JoinHandle<()>,
    stop_processor: watch::Sender<bool>,
) -> anyhow::Result<()> {
    tokio::pin!(server);
    tokio::select! {
        served = &mut server => {
            // Requests are drained; now let the processor finish the event in hand.
            let _ = stop_processor.send(true);
            let processed = processor.await;
            served.context("server error")?;
            processed.map_err(|e| anyhow::anyhow!("event processor stopped abnormally: {e}"))
        }
        ended = &mut processor => {
            stop_server.notify_one();
            // Let requests in flight finish; their events are stored and wait for the
            // next start.
            let served = server.await;
            let why = match ended {
                Ok(()) => "it returned".to_owned(),
                Err(e) if e.is_panic() => format!(
                    "it panicked: {}",
                    reviewgate_backend::events::panic_message(e.into_panic().as_ref())
                ),
                Err(e) => e.to_string(),
            };
            if let Err(e) = served {
                eprintln!("server error while stopping: {e}");
            }
            Err(anyhow::anyhow!(
                "the event processor stopped ({why}); the server stops with it rather than \
                 accept events it would not review. Accepted events stay in the store and \
                 are processed on the next start."
            ))
        }
    }
}

/// Creates an API key in the local store and prints it.
pub fn keys(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create {
            name,
            data_dir,
            config,
        } => {
            anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
            let Resolved { config, .. } = resolve(None, data_dir, config.as_deref())?;
            runtime()?.block_on(async {
                let store = setup::store(&config).await?;
                let key = auth::create_api_key(store.as_ref(), &name)
                    .await
                    .context("cannot store the key")?;
                println!("{key}");
                eprintln!("API key for `{name}` created; only its hash is kept, so save it now.");
                anyhow::Ok(())
            })
        }
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler could be installed: only SIGTERM (or a kill) stops the server.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    /// A server that runs until told to stop, and says whether it was.
    fn server_until_stopped(
        stop: Arc<Notify>,
    ) -> (
        impl Future<Output = std::io::Result<()>>,
        watch::Receiver<bool>,
    ) {
        let (stopped, seen) = watch::channel(false);
        let server = async move {
            stop.notified().await;
            let _ = stopped.send(true);
            Ok(())
        };
        (server, seen)
    }

    #[test]
    fn a_processor_that_dies_stops_the_server_with_an_error() {
        runtime().block_on(async {
            let stop = Arc::new(Notify::new());
            let (server, server_stopped) = server_until_stopped(stop.clone());
            let (stop_processor, _) = watch::channel(false);
            let processor = tokio::spawn(async { panic!("a bug in the processor") });
            // A guard, not a timing: the server only stops if told to.
            let error = tokio::time::timeout(
                std::time::Duration::from_secs(30),
                serve_and_process(server, stop, processor, stop_processor),
            )
            .await
            .expect("the server stops with the processor")
            .expect_err("not a clean stop");
            let text = error.to_string();
            assert!(
                text.contains("event processor stopped (it panicked: a bug in the processor)"),
                "{text}"
            );
            assert!(*server_stopped.borrow(), "the server was stopped");
        });
    }

    #[test]
    fn a_server_that_fails_stops_the_processor() {
        runtime().block_on(async {
            let (stop_processor, mut told) = watch::channel(false);
            let processor = tokio::spawn(async move {
                let _ = told.wait_for(|stop| *stop).await;
            });
            let server = async { Err(std::io::Error::other("the listener broke")) };
            let error =
                serve_and_process(server, Arc::new(Notify::new()), processor, stop_processor)
                    .await
                    .expect_err("the server failed");
            assert!(
                format!("{error:#}").contains("the listener broke"),
                "{error:#}"
            );
        });
    }

    #[test]
    fn a_signal_stops_both_cleanly() {
        runtime().block_on(async {
            let (stop_processor, mut told) = watch::channel(false);
            let processor = tokio::spawn(async move {
                let _ = told.wait_for(|stop| *stop).await;
            });
            serve_and_process(
                async { Ok(()) },
                Arc::new(Notify::new()),
                processor,
                stop_processor,
            )
            .await
            .expect("a clean stop");
        });
    }
}
