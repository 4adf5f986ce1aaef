//! `reviewgate-host`: runs reviewgate's components under wasmtime from the command
//! line. `bench` measures what embedding costs: component size, compile, cached load
//! and per-review instantiation, and a large plan reviewed in the component next to
//! the native core. `review` reviews files with the reviewer component and the
//! policy plugins of a directory.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reviewgate_core::{ChangeSet, Document, Origin};
use reviewgate_host::{ComponentCache, PluginLimits, PolicyPlugins, ReviewerHost};

const USAGE: &str = "usage:
  reviewgate-host bench --reviewer WASM --plan PLAN.json
  reviewgate-host review --reviewer WASM [--plugins DIR] [--plugin-deadline-ms MS] [--cache DIR] FILE...";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let mut reviewer = None;
    let mut plan = None;
    let mut plugins = None;
    let mut cache = None;
    let mut limits = PluginLimits::default();
    let mut files = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = || args.next().map(PathBuf::from).context(USAGE);
        match arg.as_str() {
            "--reviewer" => reviewer = Some(value()?),
            "--plan" => plan = Some(value()?),
            "--plugins" => plugins = Some(value()?),
            "--cache" => cache = Some(value()?),
            "--plugin-deadline-ms" => {
                let ms = args.next().context(USAGE)?;
                let ms = ms
                    .parse()
                    .with_context(|| format!("--plugin-deadline-ms {ms}: expected milliseconds"))?;
                limits.deadline = Duration::from_millis(ms);
            }
            _ if arg.starts_with("--") => bail!("unknown option {arg}\n{USAGE}"),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    let reviewer = reviewer.context(USAGE)?;
    match command.as_str() {
        "bench" => bench(&reviewer, &plan.context(USAGE)?),
        "review" => review(&reviewer, plugins, limits, cache, &files),
        _ => bail!("{USAGE}"),
    }
}

fn review(
    reviewer: &PathBuf,
    plugins: Option<PathBuf>,
    limits: PluginLimits,
    cache: Option<PathBuf>,
    files: &[PathBuf],
) -> anyhow::Result<()> {
    let cache = cache.map_or_else(ComponentCache::disabled, ComponentCache::in_dir);
    let wasm = std::fs::read(reviewer).with_context(|| reviewer.display().to_string())?;
    let host = ReviewerHost::new(&ReviewerHost::engine()?, &wasm, &cache)?;
    let plugins = match plugins {
        Some(dir) => PolicyPlugins::load_dir(&PolicyPlugins::engine()?, &dir, limits, &cache)?,
        None => PolicyPlugins::none(),
    };
    let documents = files
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
            let text = reviewgate_core::encoding::decode_text(bytes)
                .with_context(|| path.display().to_string())?;
            Ok(Document::detect(path.display().to_string(), text))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let change_set = ChangeSet::from_documents(Origin::Local, documents.iter().cloned());
    let external = plugins.evaluate(&change_set);
    let review = host.review(&documents, None, &external)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &review)?;
    writeln!(out)?;
    Ok(())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn bench(reviewer: &PathBuf, plan: &PathBuf) -> anyhow::Result<()> {
    let wasm = std::fs::read(reviewer).with_context(|| reviewer.display().to_string())?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&wasm)?;
    let gzipped = gz.finish()?.len();
    println!(
        "reviewer component: {} bytes raw, {gzipped} bytes gzip -9",
        wasm.len()
    );

    let engine = ReviewerHost::engine()?;
    let started = Instant::now();
    ReviewerHost::new(&engine, &wasm, &ComponentCache::disabled())?;
    println!(
        "compile (Cranelift, no cache):       {}",
        ms(started.elapsed())
    );

    let dir = std::env::temp_dir().join(format!("reviewgate-bench-{}", std::process::id()));
    let cache = ComponentCache::in_dir(&dir);
    ReviewerHost::new(&engine, &wasm, &cache)?;
    let loads: Vec<Duration> = (0..10)
        .map(|_| {
            let started = Instant::now();
            let host = ReviewerHost::new(&engine, &wasm, &cache)?;
            anyhow::ensure!(host.cache_outcome() == reviewgate_host::CacheOutcome::Loaded);
            Ok(started.elapsed())
        })
        .collect::<anyhow::Result<_>>()?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("cached load (median of 10):          {}", ms(median(loads)));

    let host = ReviewerHost::new(&engine, &wasm, &ComponentCache::disabled())?;
    let instantiations: Vec<Duration> = (0..1000)
        .map(|_| {
            let started = Instant::now();
            host.instantiate_only()?;
            Ok(started.elapsed())
        })
        .collect::<anyhow::Result<_>>()?;
    println!(
        "instantiate with InstancePre (median of 1000): {}",
        ms(median(instantiations))
    );

    let text = std::fs::read_to_string(plan).with_context(|| plan.display().to_string())?;
    let documents = vec![Document::detect("plan.json", text)];
    let runs = 5;
    let mut native = Vec::new();
    let mut component = Vec::new();
    let mut findings = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let change_set = ChangeSet::from_documents(Origin::Local, documents.iter().cloned());
        let review = reviewgate_core::review(&change_set);
        native.push(started.elapsed());
        findings = review.findings.len();
        let started = Instant::now();
        let from_component = host.review(&documents, None, &[])?;
        component.push(started.elapsed());
        anyhow::ensure!(
            from_component == review,
            "component and native reviews differ"
        );
    }
    let (native, component) = (median(native), median(component));
    println!(
        "plan {} ({} resources, {findings} findings), median of {runs}: native {}, component {} ({:.2}x)",
        plan.display(),
        host_resources(&documents),
        ms(native),
        ms(component),
        component.as_secs_f64() / native.as_secs_f64()
    );
    Ok(())
}

fn host_resources(documents: &[Document]) -> usize {
    ChangeSet::from_documents(Origin::Local, documents.iter().cloned())
        .resources()
        .count()
}
