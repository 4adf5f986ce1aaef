//! `reviewgate`: review Terraform plans, configuration and diffs from a shell or CI job.
//!
//! A thin adapter over `reviewgate-core`: it reads files, hands their text to the core
//! and renders the review. It holds no review logic of its own.

mod aggregate;
mod alloc;
mod bench;
mod frameworks;
mod inputs;
mod modules_download;
mod render;
mod serve;
mod server_config;
mod settings;
mod upload;
mod variables;
mod webhook;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use reviewgate_core::compliance::{self, Framework};
use reviewgate_core::output::{escape, markdown, sarif};
use reviewgate_core::review::{review_changed_lines_with_findings, review_with_findings};
use reviewgate_core::{
    ChangeSet, CommandLineVariable, Document, InputKind, Origin, ParsedDocument, Severity,
    VariableInputs, rules,
};

#[global_allocator]
static ALLOCATOR: alloc::PeakAllocator = alloc::PeakAllocator;

/// Exit code for a completed review.
const EXIT_OK: u8 = 0;
/// Exit code when an unsuppressed finding is at or above `--fail-on`.
const EXIT_FINDINGS: u8 = 1;
/// Exit code when an input cannot be used (missing path, unreadable file, parse error).
const EXIT_UNUSABLE_INPUT: u8 = 2;
/// Exit code when `--upload` failed (the local review was still printed).
const EXIT_UPLOAD_FAILED: u8 = 3;

#[derive(Parser)]
#[command(
    name = "reviewgate",
    version,
    about = "Review infrastructure and code changes: Terraform plans, HCL and diffs."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Review Terraform configuration, a plan (`terraform show -json`), or a diff.
    Review(ReviewArgs),
    /// List the rule catalog.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = CatalogFormat::Text)]
        format: CatalogFormat,
    },
    /// List the compliance frameworks and which rules cover each control.
    Frameworks(frameworks::FrameworksArgs),
    /// Measure parser speed and memory on generated inputs.
    Bench(bench::BenchArgs),
    /// Run the review API on this machine, on the embedded store.
    Serve(serve::ServeArgs),
    /// Manage the local server's API keys.
    #[command(subcommand)]
    Keys(serve::KeysCommand),
    /// Send signed webhook deliveries to a running server.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Compute the daily analytics aggregates of past days (backfill).
    Aggregate(aggregate::AggregateArgs),
}

#[derive(clap::Args)]
struct ReviewArgs {
    /// Files or directories (searched recursively); `-` reads stdin. A diff with one
    /// directory (`CHANGE.diff CHECKOUT/`) reviews the change with the checkout it
    /// applies to as context: the checkout's files are named as the diff names them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Report only findings on lines the diff changes (a finding about a resource
    /// counts when any line of its block changed), and say how many were left out.
    #[arg(long)]
    changed_lines_only: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Read every file and stdin as this format instead of detecting it
    /// (plan, terraform, terraform-json, tfvars, tfvars-json, lock-file, diff,
    /// module-manifest).
    #[arg(long, value_name = "FORMAT", value_parser = parse_input_kind)]
    input_format: Option<InputKind>,
    /// Set a root module variable, as `terraform plan -var` does: a raw string for a
    /// variable of no type or a primitive one, an HCL literal (`["a","b"]`) for any
    /// other. Repeatable; with --var-file, the last one typed wins.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<CommandLineVariable>,
    /// Read root module variables from a `.tfvars` (or `.tfvars.json`) file, as
    /// `terraform plan -var-file` does. Repeatable. `TF_VAR_NAME` environment
    /// variables are read too, below every tfvars file.
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,
    /// Exit 1 when an unsuppressed finding is at or above this severity
    /// (default: `fail_on` from .reviewgate.toml, else never).
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// Keep only findings of rules mapped to this compliance framework (the keys
    /// `reviewgate frameworks` lists); `--fail-on` then counts only those.
    #[arg(long, value_name = "NAME", value_parser = frameworks::parse_framework)]
    framework: Option<&'static Framework>,
    /// Settings file (default: the nearest .reviewgate.toml above the first PATH).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore any .reviewgate.toml.
    #[arg(long)]
    no_config: bool,
    /// Read .reviewgate.toml as it is at this git revision (e.g. origin/main), not
    /// in the working tree: a change cannot loosen its own gate, and what its file
    /// would loosen is reported as RG-GATE-001.
    #[arg(long, value_name = "REV", conflicts_with = "no_config")]
    settings_from: Option<String>,
    /// Download the registry modules that are not installed (Terraform's module
    /// registry protocol, HTTPS only) into the cache and evaluate them like
    /// installed ones; other sources (git, S3, ...) stay not evaluated.
    #[arg(long)]
    download_modules: bool,
    /// Never colour the text output (also: NO_COLOR=1).
    #[arg(long)]
    no_color: bool,
    /// Then store the review on the reviewgate server at URL (`POST /api/reviews`,
    /// API key from REVIEWGATE_API_KEY) and print its id and URL on stderr.
    #[arg(long, value_name = "URL")]
    upload: Option<String>,
    /// Stack label of the uploaded review (e.g. the Spacelift stack id).
    #[arg(long, requires = "upload")]
    stack: Option<String>,
    /// `owner/repo` label of the uploaded review.
    #[arg(long, requires = "upload")]
    repository: Option<String>,
}

/// How a review is printed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: findings by file and a risk summary.
    Text,
    /// For machines: the documented JSON shape.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other platforms.
    Sarif,
    /// A pull-request comment.
    Markdown,
}

/// How the rule catalog is printed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    /// A table.
    Text,
    /// `[{"id","title","severity","aliases","frameworks"}]`.
    Json,
    /// The Markdown page `docs/rules.md`.
    Markdown,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_input_kind(s: &str) -> Result<InputKind, String> {
    s.parse()
}

fn parse_var(s: &str) -> Result<CommandLineVariable, String> {
    CommandLineVariable::parse_var(s).map_err(|e| e.to_string())
}

/// `--var` and `--var-file` in the order they were typed: Terraform lets a later
/// one win, whichever kind it is, and clap keeps each kind in its own list.
fn variable_arguments(
    matches: Option<&clap::ArgMatches>,
    args: &mut ReviewArgs,
) -> Vec<(usize, variables::Argument)> {
    let positions = |id: &str| -> Vec<usize> {
        matches
            .and_then(|m| m.indices_of(id))
            .map(Iterator::collect)
            .unwrap_or_default()
    };
    let vars = std::mem::take(&mut args.vars)
        .into_iter()
        .map(variables::Argument::Var);
    let files = std::mem::take(&mut args.var_files)
        .into_iter()
        .map(variables::Argument::File);
    positions("vars")
        .into_iter()
        .zip(vars)
        .chain(positions("var_files").into_iter().zip(files))
        .collect()
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Review(mut args) => {
            let arguments = variable_arguments(matches.subcommand_matches("review"), &mut args);
            variables::collect(std::env::vars_os(), arguments)
                .and_then(|inputs| run_review(args, &inputs))
        }
        Command::Rules { format } => run_rules(format),
        Command::Frameworks(args) => frameworks::run(args).map(|()| EXIT_OK),
        Command::Bench(args) => {
            // Before any thread starts (mimalloc's option setters are not thread safe).
            alloc::keep_freed_memory();
            bench::run(args).map(|()| EXIT_OK)
        }
        Command::Serve(args) => serve::run(args).map(|()| EXIT_OK),
        Command::Keys(command) => serve::keys(command).map(|()| EXIT_OK),
        Command::Aggregate(args) => aggregate::run(args).map(|()| EXIT_OK),
        Command::Webhook(command) => {
            webhook::run(command).map(|accepted| if accepted { EXIT_OK } else { EXIT_FINDINGS })
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            // A closed pipe (`reviewgate review . | head`) is not an error worth a message.
            if error
                .downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            {
                return ExitCode::from(EXIT_OK);
            }
            // Errors name paths from the input: no control character reaches the terminal.
            eprintln!("reviewgate: {}", escape::plain_text(&format!("{error:#}")));
            ExitCode::from(EXIT_UNUSABLE_INPUT)
        }
    }
}

fn run_review(args: ReviewArgs, variables: &VariableInputs) -> anyhow::Result<u8> {
    let (settings, gate_findings) = match &args.settings_from {
        Some(revision) => {
            settings::load_at_revision(&args.paths, args.config.as_deref(), revision)?
        }
        None => (
            settings::load(&args.paths, args.config.as_deref(), args.no_config)?,
            Vec::new(),
        ),
    };
    let excluded = |path: &std::path::Path| settings.excludes(path);
    let listing = inputs::list(
        &args.paths,
        args.input_format,
        &mut io::stdin().lock(),
        &excluded,
    );
    let checkout = inputs::checkout(&args.paths, &listing, args.input_format);
    // An upload sends the documents themselves, and downloaded modules are read
    // with them again: keep them only then.
    let mut kept = (args.upload.is_some() || args.download_modules).then(Vec::new);
    let (mut change_set, mut errors) = read_and_parse(
        listing,
        args.input_format,
        checkout.as_deref(),
        variables,
        kept.as_mut(),
    );
    if args.download_modules
        && let Some(documents) = &kept
        && !change_set.unevaluated_modules.is_empty()
    {
        change_set = modules_download::evaluate_with_downloads(change_set, documents, variables);
    }
    if change_set.plans.is_empty()
        && change_set.configuration.files.is_empty()
        && change_set.changed_files.is_empty()
        && errors.is_empty()
        && change_set.errors.is_empty()
    {
        errors.push(inputs::nothing_found(&args.paths));
    }
    // Errors from reading come first: they are about the paths the user typed.
    errors.append(&mut change_set.errors);
    change_set.errors = errors;

    let (mut review, unchanged) = if args.changed_lines_only {
        if change_set.changed_files.is_empty() {
            anyhow::bail!(
                "--changed-lines-only needs a diff to say which lines changed: \
                 reviewgate review CHANGE.diff CHECKOUT/"
            );
        }
        let (review, left_out) =
            review_changed_lines_with_findings(&change_set, &settings.config, gate_findings);
        (review, Some(left_out))
    } else {
        (
            review_with_findings(&change_set, &settings.config, gate_findings),
            None,
        )
    };
    // Said on stdout in text, on stderr beside the machine formats, whose shape stays
    // the documented one.
    let framework_note = args.framework.map(|framework| {
        let before = review.findings.len();
        compliance::keep_framework(&mut review, framework);
        format!(
            "only findings of rules mapped to {} {} (`{}`): {} of {before}",
            framework.name,
            framework.version,
            framework.key,
            review.findings.len()
        )
    });
    // Buffered: stdout is line-buffered, and a large JSON review has many lines.
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    if let Some(note) = &framework_note {
        if args.format == Format::Text {
            writeln!(out, "Showing {note}.")?;
            writeln!(out)?;
        } else {
            eprintln!("reviewgate: showing {note}");
        }
    }
    let version = env!("CARGO_PKG_VERSION");
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &review)?;
            writeln!(out)?;
        }
        Format::Sarif => writeln!(out, "{}", sarif::render(&review, version))?,
        Format::Markdown => write!(out, "{}", markdown::render(&review, version))?,
        Format::Text => {
            let color = !args.no_color
                && std::env::var_os("NO_COLOR").is_none()
                && io::stdout().is_terminal();
            render::text(&mut out, &change_set, &review, unchanged, color)?;
        }
    }
    out.flush()?;
    // The other formats are for machines or a comment: the note goes to stderr.
    if let (Some(left_out), false) = (unchanged, args.format == Format::Text) {
        eprintln!(
            "reviewgate: {left_out} finding(s) on unchanged lines left out (--changed-lines-only)"
        );
    }

    if let (Some(server), Some(documents)) = (&args.upload, &kept) {
        let options = upload::Upload {
            server,
            stack: args.stack.as_deref(),
            repository: args.repository.as_deref(),
            config: &settings.config,
        };
        match upload::upload(documents, &options) {
            Ok(stored) => eprintln!(
                "reviewgate: stored as review {} version {}{}: {}",
                stored.review_id,
                stored.version,
                stored
                    .risk_score
                    .map_or(String::new(), |s| format!(" (risk {s})")),
                stored.url
            ),
            Err(error) => {
                eprintln!(
                    "reviewgate: upload failed: {}",
                    escape::plain_text(&format!("{error:#}"))
                );
                return Ok(EXIT_UPLOAD_FAILED);
            }
        }
    }
    if !review.errors.is_empty() {
        return Ok(EXIT_UNUSABLE_INPUT);
    }
    let fail_on = args.fail_on.or(settings.config.fail_on);
    let failing = fail_on.is_some_and(|threshold| {
        review
            .findings
            .iter()
            .any(|f| !f.suppressed && f.severity >= threshold)
    });
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}

/// Reads and parses the listed files on every core (a file's text is freed as soon
/// as it is parsed), then adds them to the change set in listing order, so the
/// result does not depend on the thread count. Files under `checkout` are named
/// relative to it (see [`inputs::checkout`]).
fn read_and_parse(
    listing: inputs::Collected,
    forced: Option<InputKind>,
    checkout: Option<&std::path::Path>,
    variables: &VariableInputs,
    mut kept: Option<&mut Vec<Document>>,
) -> (ChangeSet, Vec<reviewgate_core::InputError>) {
    let keep = kept.is_some();
    let mut errors = listing.errors;
    let files = reviewgate_core::parallel::map_chunks(&listing.pending, |chunk| {
        chunk
            .iter()
            .map(|(path, explicit)| {
                let mut document = inputs::read_one(path, forced, *explicit)?;
                if let (Some(document), Some(checkout)) = (document.as_mut(), checkout)
                    && let Some(name) = inputs::name_in_checkout(path, checkout)
                {
                    document.path = name;
                }
                Ok(document.map(|document| {
                    let parsed = ParsedDocument::parse(&document);
                    (parsed, keep.then_some(document))
                }))
            })
            .collect::<Vec<Result<_, reviewgate_core::InputError>>>()
    });
    let mut change_set = ChangeSet {
        origin: Origin::Local,
        ..ChangeSet::default()
    };
    for document in listing.documents {
        change_set.add_document(&document);
        if let Some(kept) = kept.as_mut() {
            kept.push(document);
        }
    }
    for file in files.into_iter().flatten() {
        match file {
            Ok(Some((parsed, document))) => {
                change_set.add_parsed(parsed);
                if let (Some(kept), Some(document)) = (kept.as_mut(), document) {
                    kept.push(document);
                }
            }
            Ok(None) => {}
            Err(error) => errors.push(error),
        }
    }
    change_set.evaluate_with(variables);
    (change_set, errors)
}

fn run_rules(format: CatalogFormat) -> anyhow::Result<u8> {
    let catalog = rules::catalog();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match format {
        CatalogFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &catalog)?;
            writeln!(out)?;
        }
        CatalogFormat::Text => render::rules(&mut out, &catalog)?,
        CatalogFormat::Markdown => render::rules_markdown(&mut out, &catalog)?,
    }
    out.flush()?;
    Ok(EXIT_OK)
}
