//! `reviewgate-backend-admin`: operator commands against the configured store
//! (same environment variables as the functions).

use anyhow::Context;
use clap::{Parser, Subcommand};
use reviewgate_backend::api::auth;
use reviewgate_backend::{Config, setup};

#[derive(Parser)]
#[command(about = "reviewgate backend administration")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates an API key and prints it once (only its SHA-256 is stored).
    CreateKey {
        /// Who holds the key (appears as user_id in audit logs).
        #[arg(long)]
        name: String,
    },
    /// Creates the DynamoDB table and its indexes (development; production uses IaC).
    #[cfg(feature = "dynamodb")]
    CreateTable,
    /// Brings a table created by an earlier release up to this one: creates missing
    /// indexes, rebuilds ones that project too little, and gives older versions
    /// their day keys. Safe to run again.
    #[cfg(feature = "dynamodb")]
    MigrateTable,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    match cli.command {
        Command::CreateKey { name } => {
            anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
            let store = setup::store(&config).await?;
            let key = auth::create_api_key(store.as_ref(), &name)
                .await
                .context("storing the key")?;
            println!("{key}");
            eprintln!(
                "API key for `{name}` created; it is not stored and will not be shown again."
            );
        }
        #[cfg(feature = "dynamodb")]
        Command::CreateTable => {
            let (store, table) = dynamodb_store(&config).await?;
            store.create_table().await?;
            eprintln!("table {table} is active");
        }
        #[cfg(feature = "dynamodb")]
        Command::MigrateTable => {
            let (store, table) = dynamodb_store(&config).await?;
            let migration = store.migrate_table().await?;
            eprintln!(
                "table {table} is current: indexes created {:?}, rebuilt {:?}; {} versions given day keys",
                migration.created_indexes,
                migration.recreated_indexes,
                migration.backfilled_versions
            );
        }
    }
    Ok(())
}

/// The configured DynamoDB store and its table name.
#[cfg(feature = "dynamodb")]
async fn dynamodb_store(
    config: &Config,
) -> anyhow::Result<(
    reviewgate_backend::store::dynamodb::DynamoDbReviewStore,
    String,
)> {
    let reviewgate_backend::config::StoreConfig::DynamoDb { table } = &config.store else {
        anyhow::bail!("REVIEWGATE_STORE=dynamodb and REVIEWGATE_TABLE are required");
    };
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    Ok((
        reviewgate_backend::store::dynamodb::DynamoDbReviewStore::new(&sdk, table.clone()),
        table.clone(),
    ))
}
