//! Names a pull request's author chose — file names, resource labels — through the
//! whole pull-request loop against the GitHub fake: the comment and the check run as
//! GitHub received them, read back with a CommonMark parser. (Every format and field
//! is covered by the core's `tests/hostile_names.rs`; this is the backend's share:
//! the comment's marker and footer, the check run's summary and annotations.)

use pulldown_cmark::{Event, Options, Parser, Tag};
use reviewgate_backend::forge::REVIEW_COMMENT_MARKER;
use reviewgate_backend::forge::github::GitHubClient;
use reviewgate_core::output::escape;
use serde_json::{Value, json};

use crate::support::{PythonFake, corpus, memory_store, normalized_event};

const TOKEN: &str = "ghs_fakeInstallationToken0123456789";
/// The head of the corpus pull request (Codertocat/Hello-World#2).
const HEAD: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

fn hostile_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "back`tick",
        "<!-- reviewgate:review -->",
        "<img src=x onerror=alert(1)>",
        "<details><summary>x",
        "@org/team",
        "[x](http://evil)",
        "![x](http://evil)",
        "www.evil.com #123",
        "\n## heading",
        "\u{1b}[2J\u{1b}[31mred",
        "rtl\u{202e}fdp",
    ]
    .map(str::to_owned)
    .to_vec();
    names.push("n".repeat(10_000));
    names
}

/// A public bucket ACL in each hostile file, under a hostile label.
fn state() -> Value {
    let mut files = Vec::new();
    let mut contents = serde_json::Map::new();
    for name in hostile_names() {
        let path = format!("{name}.tf");
        let label = name.replace(['"', '\\', '\n', '\u{1b}'], "_");
        let text = format!(
            "resource \"aws_s3_bucket_acl\" \"{label}\" {{\n  bucket = \"logs\"\n  acl    = \"public-read\"\n}}\n"
        );
        let patch = format!(
            "@@ -0,0 +1,4 @@\n{}",
            text.lines()
                .map(|l| format!("+{l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        files.push(json!({"filename": path, "status": "added", "patch": patch, "additions": 4, "deletions": 0}));
        contents.insert(path, json!(text));
    }
    json!({
        "token": TOKEN,
        "repos": {"Codertocat/Hello-World": {
            "pulls": {"2": {"head_sha": HEAD, "files": files}},
            "contents": {HEAD: contents},
        }}
    })
}

/// The HTML comments, and the HTML that is not reviewgate's own, in `markdown`;
/// fails on a link, an image or a heading beyond the comment's two.
fn html_of(markdown: &str) -> (usize, Vec<String>) {
    let (mut markers, mut foreign, mut headings) = (0, Vec::new(), 0);
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => {
                let html = html.trim_end();
                if html.starts_with("<!--") {
                    markers += 1;
                }
                let ours = html == REVIEW_COMMENT_MARKER
                    || ["</details>", "<sub>", "</sub>"].contains(&html)
                    || html
                        .strip_prefix("<details><summary>")
                        .and_then(|h| h.strip_suffix("</summary>"))
                        .is_some_and(|s| !s.contains(['<', '>']));
                if !ours {
                    foreign.push(html.chars().take(200).collect());
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => panic!("a link to {dest_url}"),
            Event::Start(Tag::Image { dest_url, .. }) => panic!("an image from {dest_url}"),
            Event::Start(Tag::Heading { .. }) => headings += 1,
            _ => {}
        }
    }
    assert!(headings <= 2, "{headings} headings");
    (markers, foreign)
}

#[tokio::test]
async fn hostile_names_cannot_hijack_the_comment_or_the_check_run() {
    let fake = PythonFake::start("github_fake.py", &state());
    let client = GitHubClient::new(&fake.base, TOKEN.to_owned()).expect("client");
    let processor = reviewgate_backend::events::EventProcessor::new(memory_store(), Some(client));
    let body = corpus("github-payloads/pull_request.opened.payload.json");
    let headers = reviewgate_ingress::Headers::new().with("x-github-event", "pull_request");
    let event = normalized_event(
        reviewgate_ingress::event::EventSource::Github,
        &headers,
        &body,
        "d-hostile",
    );
    processor.process(&event).await.expect("reviewed");

    let repo = &fake.state().await["repos"]["Codertocat/Hello-World"];
    let comment = repo["comments"]["2"][0]["body"]
        .as_str()
        .expect("a comment");
    assert!(comment.starts_with(REVIEW_COMMENT_MARKER));
    assert!(comment.chars().count() <= 65_536);
    let (markers, foreign) = html_of(comment);
    assert_eq!(markers, 1, "the marker is the comment's one HTML comment");
    assert!(foreign.is_empty(), "HTML of the names' making: {foreign:?}");

    let run = &repo["check_runs"][0];
    let (markers, foreign) = html_of(run["output"]["summary"].as_str().expect("summary"));
    assert_eq!(markers, 0, "the summary needs no marker");
    assert!(foreign.is_empty(), "HTML of the names' making: {foreign:?}");
    let annotations = run["output"]["annotations"]
        .as_array()
        .expect("annotations");
    // A name with a newline breaks the diff's file header; the others are pinned.
    assert!(annotations.len() >= 8, "{} annotations", annotations.len());
    for annotation in annotations {
        let title = annotation["title"].as_str().expect("title");
        let message = annotation["message"].as_str().expect("message");
        // GitHub refuses the whole check run for a title over 255 characters.
        assert!(title.chars().count() <= 255, "{title}");
        assert!(message.len() <= 64 * 1024);
        for text in [title, message] {
            assert!(
                !text.chars().any(escape::is_hidden),
                "a control or invisible character in {:?}",
                text.chars().take(200).collect::<String>()
            );
        }
    }
}
