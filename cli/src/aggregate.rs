//! `reviewgate aggregate`: computes and stores the daily analytics aggregates of the
//! local server's embedded store for a range of past days — the backfill for
//! history written before the daily scheduler ran, or to redo days (re-running a
//! day replaces it).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use reviewgate_backend::analytics::{self, NaiveDate};
use reviewgate_backend::store::embedded::EmbeddedReviewStore;

/// File name of the review database inside the data directory (as `serve` names it).
const DATABASE_FILE: &str = "reviews.db";

/// `reviewgate aggregate` options.
#[derive(clap::Args)]
pub struct AggregateArgs {
    /// First day, YYYY-MM-DD (UTC, inclusive).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: NaiveDate,
    /// Last day, YYYY-MM-DD (UTC, inclusive); must be before today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: NaiveDate,
    /// The server's data directory (as `serve --data-dir`).
    #[arg(long, value_name = "DIR", default_value_os_t = default_data_dir())]
    data_dir: PathBuf,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    analytics::parse_day(text).ok_or_else(|| format!("`{text}` is not a YYYY-MM-DD date"))
}

/// `$XDG_DATA_HOME/reviewgate`, else `~/.local/share/reviewgate`, else
/// `.reviewgate`: where `serve` keeps its data by default.
fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share")))
        .map_or_else(
            || PathBuf::from(".reviewgate"),
            |base| base.join("reviewgate"),
        )
}

/// Aggregates every day of the range, printing one line per day.
pub fn run(args: AggregateArgs) -> anyhow::Result<()> {
    let path = args.data_dir.join(DATABASE_FILE);
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
