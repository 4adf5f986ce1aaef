//! `reviewgate frameworks`: the compliance catalogs and which rules cover each
//! control, and the `--framework` name both it and `review` take. The catalogs and
//! the coverage are the core's ([`reviewgate_core::compliance`]); this is their
//! rendering.

use std::io::{self, Write};

use clap::ValueEnum;
use reviewgate_core::compliance::{self, Framework, FrameworkCoverage};
use reviewgate_core::rules;

/// Arguments of `reviewgate frameworks`.
#[derive(clap::Args)]
pub struct FrameworksArgs {
    /// One framework's controls (default: a summary of every framework).
    #[arg(value_name = "NAME", value_parser = parse_framework)]
    framework: Option<&'static Framework>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FrameworksFormat::Text)]
    format: FrameworksFormat,
}

/// How coverage is printed.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FrameworksFormat {
    /// For people: a summary per framework, or one framework's controls.
    Text,
    /// For machines: `[{"key","name","version","publisher","source","covered",
    /// "total","controls":[{"id","title","rules"}]}]`, one object for a NAME.
    Json,
}

/// A framework key as typed on the command line; an unknown one is a usage error
/// naming every known key.
pub fn parse_framework(name: &str) -> Result<&'static Framework, String> {
    compliance::framework(name).ok_or_else(|| {
        format!(
            "unknown framework `{name}` (known: {})",
            compliance::known_keys()
        )
    })
}

/// Prints the coverage of one framework or of all of them.
pub fn run(args: FrameworksArgs) -> anyhow::Result<()> {
    let catalog = rules::catalog();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match (args.framework, args.format) {
        (Some(framework), FrameworksFormat::Json) => {
            serde_json::to_writer_pretty(&mut out, &compliance::coverage(framework, &catalog))?;
            writeln!(out)?;
        }
        (Some(framework), FrameworksFormat::Text) => {
            controls_text(&mut out, &compliance::coverage(framework, &catalog))?;
        }
        (None, format) => {
            let all: Vec<FrameworkCoverage> = compliance::frameworks()
                .iter()
                .map(|framework| compliance::coverage(framework, &catalog))
                .collect();
            if format == FrameworksFormat::Json {
                serde_json::to_writer_pretty(&mut out, &all)?;
                writeln!(out)?;
            } else {
                summary_text(&mut out, &all)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// One line per framework: key, covered/total, name and version.
fn summary_text(out: &mut dyn Write, all: &[FrameworkCoverage]) -> io::Result<()> {
    for framework in all {
        writeln!(
            out,
            "{:<15} {:>4}/{:<4} controls covered  {} {}",
            framework.key, framework.covered, framework.total, framework.name, framework.version
        )?;
    }
    writeln!(
        out,
        "`reviewgate frameworks NAME` lists a framework's controls and the rules mapped to each."
    )
}

/// A framework's heading, then each control with the rules mapped to it.
fn controls_text(out: &mut dyn Write, framework: &FrameworkCoverage) -> io::Result<()> {
    writeln!(
        out,
        "{} {} ({}; {})",
        framework.name, framework.version, framework.publisher, framework.source
    )?;
    writeln!(
        out,
        "{} of {} controls covered by at least one rule.",
        framework.covered, framework.total
    )?;
    writeln!(out)?;
    for control in &framework.controls {
        let rules = if control.rules.is_empty() {
            "-".to_owned()
        } else {
            control.rules.join(", ")
        };
        writeln!(out, "{:<22} {}", control.id, control.title)?;
        writeln!(out, "{:<22} rules: {rules}", "")?;
    }
    Ok(())
}
