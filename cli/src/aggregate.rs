//! `reviewgate aggregate`: computes and stores the daily analytics aggregates of the
//! local server's embedded store for a range of past days — the backfill for
//! history written before the daily scheduler ran, or to redo days (re-running a
//! day replaces it).

use std::path::PathBuf;

use anyhow::Context as _;
use reviewgate_backend::analytics::{self, NaiveDate};
use reviewgate_backend::store::embedded::EmbeddedReviewStore;

/// `reviewgate aggregate` options.
#[derive(clap::Args)]
pub struct AggregateArgs {
    /// First day, YYYY-MM-DD (UTC, inclusive).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: NaiveDate,
    /// Last day, YYYY-MM-DD (UTC, inclusive); must be before today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: NaiveDate,
    /// The server's data directory [default: as `serve` resolves it].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The server's settings file [default: ./reviewgate.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    analytics::parse_day(text).ok_or_else(|| format!("`{text}` is not a YYYY-MM-DD date"))
}

/// Aggregates every day of the range, printing one line per day.
pub fn run(args: AggregateArgs) -> anyhow::Result<()> {
    let path = crate::serve::data_dir(args.data_dir, args.config.as_deref())?
        .join(crate::serve::DATABASE_FILE);
    // Opening creates a missing database: a backfill of nothing is an error to report.
    anyhow::ensure!(
        path.exists(),
        "no review database at {} (see --data-dir)",
        path.display()
    );
    let store = EmbeddedReviewStore::open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let today = analytics::today();
    let outcomes = runtime
        .block_on(analytics::backfill(&store, args.from, args.to, today))
        .context("aggregation failed")?;
    for outcome in &outcomes {
        println!(
            "{}: {} versions, {} aggregates",
            outcome.day, outcome.versions, outcome.scopes
        );
    }
    eprintln!(
        "aggregated {} day(s) from {} to {}",
        outcomes.len(),
        args.from,
        args.to
    );
    Ok(())
}
