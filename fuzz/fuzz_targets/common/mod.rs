//! What the review targets share: fuzz bytes as a document (or as several files), a
//! review of it, and the invariants every review, its findings' provenance and its
//! renderings keep whatever the input.
//!
//! Each target uses part of this module, so unused items are expected per target.
#![allow(dead_code)]

use std::borrow::Cow;

use reviewgate_core::output::{escape, markdown, sarif};
use reviewgate_core::resource::ProvenanceLink;
use reviewgate_core::secrets::find_secrets;
use reviewgate_core::{ChangeSet, Document, InputKind, Origin, Review, RiskLevel, review};

/// The tool version the targets render with.
pub const VERSION: &str = "0.0.0-fuzz";

/// The input as text: invalid UTF-8 is replaced rather than skipped, so that every
/// input reaches the parser (documents are strings everywhere in reviewgate).
pub fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Parses one document the way every surface does and reviews it.
pub fn review_document(path: &str, kind: InputKind, content: &str) -> (ChangeSet, Review) {
    let document = Document {
        path: path.to_owned(),
        kind: Some(kind),
        content: content.to_owned(),
    };
    let change_set = ChangeSet::from_documents(Origin::Local, [document]);
    check_errors(&change_set, content);
    let review = review(&change_set);
    (change_set, review)
}

/// Reviews files together, as a repository is reviewed: each path's format is
/// detected from its name (else its content).
pub fn review_files(files: &[(String, String)]) -> (ChangeSet, Review) {
    let documents = files
        .iter()
        .map(|(path, content)| Document::detect(path.as_str(), content.as_str()));
    let change_set = ChangeSet::from_documents(Origin::Local, documents);
    for error in &change_set.errors {
        if let Some(line) = error.line {
            let within = files
                .iter()
                .any(|(path, content)| *path == error.file && line <= content.lines().count() + 1);
            assert!(line >= 1 && within, "line {line} is in no input: {error}");
        }
    }
    let review = review(&change_set);
    (change_set, review)
}

/// Input errors point into the input: 1-based lines and columns, no further than
/// one line past its end.
pub fn check_errors(change_set: &ChangeSet, content: &str) {
    let lines = content.lines().count() + 1;
    for error in &change_set.errors {
        if let Some(line) = error.line {
            assert!(
                line >= 1 && line <= lines,
                "line {line} of {lines}: {error}"
            );
        }
        if let Some(column) = error.column {
            assert!(column >= 1, "column {column}: {error}");
        }
    }
}

/// The secrets the detector finds in a text, in clear: what must never be rendered.
/// Short ones are left out, as they could occur in a rendering by chance.
pub fn secrets_in(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    find_secrets(text)
        .iter()
        .filter_map(|found| lines.get(found.line_index())?.get(found.span()))
        .filter(|secret| secret.chars().count() >= 12)
        .map(str::to_owned)
        .collect()
}

/// Everything a review promises whatever its input, and both renderings of it.
/// `secrets` are values found in the input that must appear in no rendering.
pub fn check_review(review: &Review, secrets: &[String]) {
    if let Some(risk) = &review.risk {
        assert!(risk.score <= 100, "score {}", risk.score);
        assert!(
            (0.0..=1.0).contains(&risk.confidence),
            "confidence {}",
            risk.confidence
        );
        let band = match risk.score {
            0..25 => RiskLevel::Low,
            25..50 => RiskLevel::Medium,
            50..75 => RiskLevel::High,
            _ => RiskLevel::Critical,
        };
        assert_eq!(risk.level, band, "score {}", risk.score);
    }
    assert!(
        review
            .findings
            .windows(2)
            .all(|pair| pair[0].severity >= pair[1].severity),
        "findings are not most severe first"
    );
    for finding in &review.findings {
        assert!(!finding.rule_id.is_empty(), "a finding without a rule id");
        if finding.rule_id.starts_with("RG-SECRET") {
            // A name the change's author chose (its file, its resource) is shown as
            // it is in the finding's own fields, and may hold text that is a secret
            // elsewhere in the input; the message may not show a secret otherwise.
            let named = |secret: &str| {
                finding.file.as_deref().is_some_and(|f| f.contains(secret))
                    || finding.resource.as_deref().is_some_and(|r| r.contains(secret))
            };
            for secret in secrets {
                assert!(
                    !finding.message.contains(secret.as_str()) || named(secret),
                    "a secret finding's message carries the secret"
                );
            }
        }
    }
    assert!(
        serde_json::to_string(review).is_ok(),
        "a review always serializes"
    );
    check_renderings(review);
    if !secrets.is_empty() {
        check_secrets_not_rendered(review, secrets);
    }
}

/// What every finding's provenance keeps, whatever the input (`files`, by path;
/// no value is given from outside them): at most [`ProvenanceLink::MAX_CHAIN`]
/// links; every link, and the link a suppression sat at, in one of the files, at
/// a line that file has; the last link the attribute of the finding's own
/// resource, in its file; and the chain as the CLI writes it to a terminal
/// (`escape::plain_text` of each part) one line with no hidden character.
pub fn check_provenance(review: &Review, files: &[(String, String)]) {
    for finding in &review.findings {
        let chain = &finding.provenance;
        assert!(
            chain.len() <= ProvenanceLink::MAX_CHAIN,
            "a chain of {} links",
            chain.len()
        );
        for link in chain.iter().chain(finding.suppressed_at.as_deref()) {
            let in_file = files.iter().any(|(path, content)| {
                *path == link.file
                    && link
                        .line
                        .is_none_or(|line| line >= 1 && line as usize <= content.lines().count())
            });
            assert!(in_file, "a link outside the input: {link:?}");
        }
        if let Some(last) = chain.last() {
            assert_eq!(Some(&last.file), finding.file.as_ref(), "{last:?}");
            let resource = finding.resource.as_deref().unwrap_or_default();
            assert!(
                !resource.is_empty() && last.name.starts_with(&format!("{resource}.")),
                "the last link {last:?} is not an attribute of {resource:?}"
            );
        }
        let shown = ProvenanceLink::chain_text(chain, |part| escape::plain_text(part).into_owned());
        assert!(
            !shown.chars().any(escape::is_hidden),
            "the chain shows a hidden character: {shown:?}"
        );
    }
}

/// Markdown fits GitHub's comment limit and starts with the marker; SARIF is JSON
/// with one result per finding, each pointing at a rule that exists; untrusted text
/// changes neither the comment's structure nor brings raw HTML into it.
pub fn check_renderings(review: &Review) {
    let md = markdown::render(review, VERSION);
    assert!(md.chars().count() <= markdown::GITHUB_COMMENT_LIMIT);
    assert!(md.starts_with(markdown::MARKER), "the marker comes first");

    let log: serde_json::Value =
        serde_json::from_str(&sarif::render(review, VERSION)).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let results = run["results"].as_array().expect("results");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(
        results.len(),
        review.findings.len(),
        "one result per finding"
    );
    for (result, finding) in results.iter().zip(&review.findings) {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], finding.rule_id.as_ref());
        let text = result["message"]["text"].as_str().expect("message.text");
        check_sarif_text(text, &finding.message);
        let related = result["relatedLocations"].as_array().map_or(0, Vec::len);
        assert_eq!(
            related,
            finding.provenance.len(),
            "one related location per link"
        );
    }

    // The same review with every text that came from the input replaced by a
    // harmless word must render to a comment of the same shape.
    if md.chars().count() < markdown::GITHUB_COMMENT_LIMIT / 4 {
        let plain = markdown::render(&neutral(review), VERSION);
        assert_eq!(
            shape(&md),
            shape(&plain),
            "untrusted text changed the comment's structure:\n{md}\n---\n{plain}"
        );
    }
}

/// A SARIF plain-text message reads back as the finding's message: decoded by the
/// grammar of SARIF §3.11.5-6 (`\\X` is X, `{{` and `}}` are braces), it has no
/// embedded link and no placeholder — no lone brace, no dangling backslash — and,
/// where the message has no hidden characters to reveal, it is the message itself.
fn check_sarif_text(text: &str, message: &str) {
    let mut decoded = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => decoded.push(chars.next().expect("a backslash escapes something")),
            '{' | '}' => {
                assert_eq!(chars.next(), Some(c), "a lone brace would be a placeholder: {text:?}");
                decoded.push(c);
            }
            '[' | ']' => panic!("an unescaped bracket could form a link: {text:?}"),
            c => decoded.push(c),
        }
    }
    // What counts as hidden is the escaper's list; that each is revealed is checked.
    let hidden = |c: char| c != '\n' && escape::is_hidden(c);
    if !message.chars().any(hidden) {
        assert_eq!(decoded, message, "SARIF text {text:?}");
    } else {
        assert!(!decoded.chars().any(hidden), "hidden characters are shown as escapes: {text:?}");
    }
}

/// A secret's clear text appears in a rendering no more often than with the secret
/// findings' messages replaced by just the names they may quote (their file and
/// resource, which the change's author chose and which are shown anyway): the
/// findings themselves carry at most the mask.
fn check_secrets_not_rendered(review: &Review, secrets: &[String]) {
    let mut blanked = review.clone();
    for finding in &mut blanked.findings {
        if finding.rule_id.starts_with("RG-SECRET") {
            // Quoted as messages quote names: in code spans, which Markdown keeps as
            // they are (plain text would be escaped, and counted differently).
            finding.message = format!(
                "x `{}` `{}`",
                finding.file.as_deref().unwrap_or_default(),
                finding.resource.as_deref().unwrap_or_default()
            );
        }
    }
    let renders = |review: &Review| {
        [
            markdown::render(review, VERSION),
            sarif::render(review, VERSION),
        ]
    };
    let (shown, base) = (renders(review), renders(&blanked));
    for secret in secrets {
        for (shown, base) in shown.iter().zip(&base) {
            let (shown, base) = (
                shown.matches(secret.as_str()).count(),
                base.matches(secret.as_str()).count(),
            );
            assert!(shown <= base, "a secret reached a rendering in clear: {shown} > {base}");
        }
    }
}

/// `review` with every string that input can reach replaced by a harmless word:
/// equal strings by the same word and different ones by different words, so that
/// what the renderer groups (findings per resource, undetermined checks per resource
/// and cause) groups alike and only the text itself differs.
pub fn neutral(review: &Review) -> Review {
    let mut plain = review.clone();
    let mut words: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut x = |text: &str| {
        if text.is_empty() {
            // Empty stays empty: a renderer may treat "no text" apart.
            return String::new();
        }
        let next = words.len();
        words
            .entry(text.to_owned())
            .or_insert_with(|| format!("x{next}"))
            .clone()
    };
    for finding in &mut plain.findings {
        finding.rule_id = Cow::Owned(x(&finding.rule_id));
        finding.message = x(&finding.message);
        finding.resource = finding.resource.as_deref().map(&mut x);
        finding.file = finding.file.as_deref().map(&mut x);
        finding.remediation = finding.remediation.as_deref().map(|r| Cow::Owned(x(r)));
        finding.suppression_reason = finding.suppression_reason.as_deref().map(&mut x);
        for link in finding
            .provenance
            .iter_mut()
            .chain(finding.suppressed_at.as_deref_mut())
        {
            link.file = x(&link.file);
            link.name = x(&link.name);
        }
    }
    for item in &mut plain.undetermined {
        item.rule_id = x(&item.rule_id);
        item.resource = x(&item.resource);
        item.file = x(&item.file);
        item.reason = x(&item.reason);
        item.cause = x(&item.cause);
    }
    for module in &mut plain.not_evaluated {
        module.module = x(&module.module);
        module.source = module.source.as_deref().map(&mut x);
        module.version = module.version.as_deref().map(&mut x);
        module.file = x(&module.file);
        module.reason = x(&module.reason);
    }
    for error in &mut plain.errors {
        error.file = x(&error.file);
        error.message = x(&error.message);
    }
    if let Some(risk) = &mut plain.risk {
        for factor in &mut risk.factors {
            factor.name = x(&factor.name);
        }
    }
    plain
}

/// The structure of a Markdown comment: its lines, and per line the unescaped
/// pipes of a table row (its cells: GitHub splits cells before it reads code spans)
/// and the `<` outside code spans (raw HTML).
pub fn shape(md: &str) -> Vec<(usize, usize)> {
    md.split('\n')
        .map(|line| {
            let bytes = line.as_bytes();
            let mut pipes = 0;
            let mut i = 0;
            while line.starts_with('|') && i < bytes.len() {
                // GFM splits a row at every `|` not written `\|` — in code spans too,
                // and whatever precedes the backslash (`\\|` is a backslash and an
                // escaped pipe: pulldown-cmark and GitHub keep it in one cell).
                match bytes[i] {
                    b'\\' if bytes.get(i + 1) == Some(&b'|') => i += 1,
                    b'|' => pipes += 1,
                    _ => {}
                }
                i += 1;
            }
            (pipes, raw_angles(line))
        })
        .collect()
}

/// `<` outside code spans in one line, code spans read as CommonMark does: a run of
/// n backticks opens a span that the next run of exactly n backticks closes; a run
/// with no closer is literal text.
fn raw_angles(line: &str) -> usize {
    let bytes = line.as_bytes();
    let run_at = |i: usize| bytes[i..].iter().take_while(|&&b| b == b'`').count();
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => {
                let n = run_at(i);
                let mut j = i + n;
                let mut close = None;
                while j < bytes.len() {
                    if bytes[j] == b'`' {
                        let m = run_at(j);
                        if m == n {
                            close = Some(j + m);
                            break;
                        }
                        j += m;
                    } else {
                        j += 1;
                    }
                }
                i = close.unwrap_or(i + n);
            }
            b'<' => {
                count += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    count
}
