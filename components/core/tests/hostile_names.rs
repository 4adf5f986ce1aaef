//! Names a change's author chooses (`fixtures/hostile_names.txt` and a
//! 10,000-character name), fed as file paths, resource labels, values quoted in
//! messages, rule ids, remediations, suppression reasons, undetermined checks and
//! input errors, rendered as the PR comment (Markdown) and as SARIF. The comment is
//! read back with a CommonMark parser: the marker is its only HTML comment, it holds
//! no other HTML than its own, no link, image, autolink, mention or issue reference,
//! no heading or table row of the names' making, and every code span holds exactly
//! the name it quotes.

mod support;

use std::borrow::Cow;
use std::sync::Arc;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use reviewgate_core::output::escape;
use reviewgate_core::output::{markdown, sarif};
use reviewgate_core::rules::Undetermined;
use reviewgate_core::{
    ChangeSet, Document, Finding, InputError, InputKind, Origin, Review, Severity, review,
};

/// The corpus: the fixture's lines with their escapes read, and long names.
fn hostile_names() -> Vec<String> {
    let mut names: Vec<String> = include_str!("fixtures/hostile_names.txt")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with("# "))
        .map(unescape)
        .collect();
    names.push("n".repeat(10_000));
    names.push(format!("{}<!--{}", "`".repeat(3_000), "@a ".repeat(2_000)));
    names
}

/// `\n`, `\r`, `\t`, `\\` and `\u{…}` as the characters they stand for.
fn unescape(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                let code = u32::from_str_radix(&hex, 16).expect("hex escape");
                out.push(char::from_u32(code).expect("a character"));
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn finding(name: &str, severity: Severity, line: u32) -> Finding {
    Finding {
        rule_id: Cow::Owned(format!("plugin/{name}")),
        aliases: Arc::from(vec![name.to_owned()]),
        severity,
        title: Cow::Owned(format!("Title {name}")),
        // The shape of reviewgate's own messages: prose with quoted values.
        message: format!("Attribute `tags.{name}` of `{name}` is set to `{name}` ({name})."),
        resource: Some(format!("aws_s3_bucket.{name}")),
        file: Some(name.to_owned()),
        line: Some(line),
        end_line: Some(line + 1),
        remediation: Some(Cow::Owned(format!("Remove `{name}`: {name}"))),
        frameworks: Arc::default(),
        suppressed: false,
        suppression_reason: None,
        suppressed_at: None,
        provenance: Vec::new(),
    }
}

/// A review with every hostile name in every field the renderers show.
fn hostile_review() -> Review {
    let mut review = review(&ChangeSet::from_documents(Origin::Local, Vec::new()));
    for (i, name) in hostile_names().iter().enumerate() {
        let line = i as u32 + 1;
        review
            .findings
            .push(finding(name, Severity::ALL[i % Severity::ALL.len()], line));
        let mut skipped = finding(name, Severity::Low, line);
        skipped.suppressed = true;
        skipped.suppression_reason = Some(format!("reviewed by {name}"));
        review.findings.push(skipped);
        review.undetermined.push(Undetermined {
            rule_id: name.clone(),
            resource: format!("module.{name}.aws_iam_role.x"),
            file: name.clone(),
            line: Some(line),
            reason: format!("`{name}` is known only after apply"),
            cause: "known only after apply".to_owned(),
        });
        review.errors.push(InputError {
            file: name.clone(),
            line: Some(line as usize),
            column: Some(2),
            kind: Some(InputKind::Terraform),
            message: format!("unexpected `{name}`"),
        });
    }
    review
}

/// What every comment must be, whatever the names in it. Returns the text of its
/// code spans, in order.
fn assert_safe_markdown(markdown: &str) -> Vec<String> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // A name may hold the marker's text; shown in a code span it is no comment.
    assert!(markdown.starts_with(markdown::MARKER));
    let (mut markers, mut opened, mut closed) = (0, 0, 0);

    let mut outside_code = markdown.as_bytes().to_vec();
    let mut codes = Vec::new();
    let mut text = String::new();
    let (mut headings, mut cells, mut row_widths) = (0, 0, Vec::new());
    let check_text = |text: &mut String| {
        let lower = text.to_lowercase();
        let bytes = lower.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            let next = bytes.get(i + 1).copied().unwrap_or(b' ');
            assert!(
                !(*b == b'@' && next.is_ascii_alphanumeric()),
                "a mention or an e-mail autolink survives in {:?}",
                clipped(text)
            );
            assert!(
                !(*b == b'#' && next.is_ascii_digit()),
                "an issue reference survives in {:?}",
                clipped(text)
            );
        }
        assert!(!lower.contains("://"), "a bare URL in {:?}", clipped(text));
        assert!(
            !lower.contains("www."),
            "a www. autolink in {:?}",
            clipped(text)
        );
        text.clear();
    };
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        if !matches!(event, Event::Text(_)) {
            check_text(&mut text);
        }
        match event {
            Event::Text(t) => text.push_str(&t),
            Event::Code(code) => {
                codes.push(code.to_string());
                outside_code[range].fill(b' ');
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let html = html.trim_end();
                markers += usize::from(html == markdown::MARKER);
                opened += usize::from(html.starts_with("<details>"));
                closed += usize::from(html == "</details>");
                let ours = html == markdown::MARKER
                    || html == "</details>"
                    || html == "<sub>"
                    || html == "</sub>"
                    || html
                        .strip_prefix("<details><summary>")
                        .and_then(|h| h.strip_suffix("</summary>"))
                        .is_some_and(|summary| !summary.contains(['<', '>']));
                assert!(ours, "HTML not of reviewgate's making: {:?}", clipped(html));
                outside_code[range].fill(b' ');
            }
            Event::Start(Tag::Link { dest_url, .. }) => panic!("a link to {dest_url}"),
            Event::Start(Tag::Image { dest_url, .. }) => panic!("an image from {dest_url}"),
            Event::Start(Tag::Heading { .. }) => headings += 1,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => {
                row_widths.push(cells);
                cells = 0;
            }
            _ => {}
        }
    }
    check_text(&mut text);
    assert_eq!(markers, 1, "the marker is the one HTML comment");
    let rest = String::from_utf8_lossy(&outside_code);
    assert!(
        !rest.contains(['<', '>']),
        "a raw `<` or `>` outside code spans and reviewgate's own tags"
    );
    assert!(
        headings <= 2,
        "{headings} headings: only the title and the findings by resource"
    );
    assert!(
        row_widths.iter().all(|w| *w == 2 || *w == 6),
        "every table row keeps its columns: {row_widths:?}"
    );
    assert_eq!(opened, closed, "every folded section is closed");
    codes
}

/// The start of a long text, for failure messages.
fn clipped(text: &str) -> String {
    text.chars().take(200).collect()
}

/// How a code span shows a name: clipped as the comment clips names, hidden
/// characters as escapes.
fn shown(name: &str) -> String {
    escape::plain_text(&escape::clip(name, 200)).into_owned()
}

#[test]
fn hostile_names_cannot_hijack_the_pr_comment() {
    let review = hostile_review();
    let comment = markdown::render(&review, "0.1.0");
    assert!(comment.chars().count() <= markdown::GITHUB_COMMENT_LIMIT);
    let codes = assert_safe_markdown(&comment);
    // Only the lists capped at 30 items are cut, and they say so.
    let cut: Vec<&str> = comment
        .lines()
        .filter(|l| l.contains("not shown"))
        .collect();
    let more = format!("_{} more ", hostile_names().len() - 30);
    assert!(
        cut.len() == 2 && cut.iter().all(|l| l.starts_with(&more)),
        "{cut:?}"
    );
    // Every location is one code span holding exactly the path and line: in the table
    // (where `|` is escaped) and the suppressed list, and in the headings of the first
    // ten resources.
    for (i, name) in hostile_names().iter().enumerate() {
        let location = format!("{}:{}", shown(name), i + 1);
        let expected = if i < 10 { 3 } else { 2 };
        assert!(
            codes.iter().filter(|c| **c == location).count() >= expected,
            "the location of {:?} is not one intact code span",
            clipped(name)
        );
    }
}

#[test]
fn the_comment_stays_under_githubs_limit_with_hostile_names_and_says_what_it_cut() {
    let mut review = hostile_review();
    let names = hostile_names();
    let long = names.last().expect("a long name");
    for i in 0..400 {
        review
            .findings
            .push(finding(&format!("{long}{i}"), Severity::High, i + 1));
    }
    let comment = markdown::render(&review, "0.1.0");
    assert!(
        comment.chars().count() <= markdown::GITHUB_COMMENT_LIMIT,
        "{} characters",
        comment.chars().count()
    );
    assert!(comment.contains("not shown"), "no note of what was cut");
    assert!(
        comment.trim_end().ends_with("</sub>"),
        "the footer survives"
    );
    assert_safe_markdown(&comment);
}

#[test]
fn hostile_names_from_real_inputs_cannot_hijack_the_pr_comment() {
    // Resource labels are HCL strings: any text. Paths are the documents' names.
    let documents = hostile_names().into_iter().map(|name| Document {
        path: format!("{name}.tf"),
        kind: Some(InputKind::Terraform),
        content: format!(
            "resource \"aws_s3_bucket\" \"{}\" {{\n  bucket = \"{}\"\n}}\n",
            hcl_escape(&name),
            hcl_escape(&name)
        ),
    });
    let review = review(&ChangeSet::from_documents(Origin::Local, documents));
    assert!(
        review
            .findings
            .iter()
            .any(|f| f.resource.as_deref().is_some_and(|r| r.contains("<!--"))),
        "the labels reach the findings"
    );
    assert_safe_markdown(&markdown::render(&review, "0.1.0"));
    let log = sarif::to_value(&review, "0.1.0");
    support::assert_valid_sarif(&log);
    assert_safe_sarif(&log);
}

/// `text` as the body of an HCL quoted string.
fn hcl_escape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Every plain-text message has no embedded link and no placeholder of the names'
/// making, and every `help.markdown` is safe Markdown.
fn assert_safe_sarif(log: &serde_json::Value) {
    let run = &log["runs"][0];
    let mut texts = Vec::new();
    for result in run["results"].as_array().expect("results") {
        texts.push(result["message"]["text"].as_str().expect("text").to_owned());
    }
    for rule in run["tool"]["driver"]["rules"].as_array().expect("rules") {
        texts.push(
            rule["shortDescription"]["text"]
                .as_str()
                .expect("text")
                .to_owned(),
        );
        texts.push(rule["help"]["text"].as_str().expect("text").to_owned());
        let help = rule["help"]["markdown"].as_str().expect("markdown");
        // Placeholders aside, `help.markdown` is Markdown like the comment's.
        let markdown = help.replace("{{", "{").replace("}}", "}");
        assert_safe_markdown(&format!("{}\n{markdown}", markdown::MARKER));
    }
    for text in &texts {
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '[' | ']' => panic!("an unescaped `{c}` in {:?}", clipped(text)),
                '{' | '}' => assert_eq!(chars.next(), Some(c), "{:?}", clipped(text)),
                c => assert!(
                    c == '\n' || !escape::is_hidden(c),
                    "hidden {c:?} in {:?}",
                    clipped(text)
                ),
            }
        }
    }
}

#[test]
fn hostile_names_cannot_hijack_sarif() {
    let review = hostile_review();
    let log = sarif::to_value(&review, "0.1.0");
    support::assert_valid_sarif(&log);
    assert_safe_sarif(&log);
    // Escaping is undone by a reader that follows the specification: the message is
    // still the finding's.
    let first = &log["runs"][0]["results"][0]["message"]["text"];
    assert_eq!(first, review.findings[0].message.as_str());
}
