//! Escaping for every place a review shows text that a change's author chose: file
//! paths, resource addresses and instance keys, attribute values quoted in rule
//! messages, rule ids and reasons from plugins, a model's findings, repository and
//! branch names. Each renderer passes such text through the one function for its
//! context, so each rule below exists once:
//!
//! | context | function | what it stops |
//! |---|---|---|
//! | Markdown text | [`markdown_text`] | raw HTML and comments (`<`, `>`, `&` become entities, so `&#64;` cannot become `@` either), links and images (`[`, `]`), emphasis, stray code spans, table pipes, line breaks, block syntax at the start, and GitHub's filters that run *after* Markdown — `@user` / `@org/team` mentions, `#123` references, bare-URL, `www.` and e-mail autolinks — which backslashes do not stop: a word joiner (U+2060, invisible) goes after `@`, between `#` and a digit, inside `://` and `www.` |
//! | Markdown code | [`markdown_code_span`], [`markdown_code_block`] | a fence longer than any backtick run inside, so the content cannot close it |
//! | Markdown message | [`markdown_message`] | rule messages: their `` `quoted` `` parts become code spans (re-fenced), the rest text |
//! | SARIF plain text | [`sarif_text`] | embedded links and placeholders (SARIF 2.1.0 §3.11.5–6) |
//! | SARIF Markdown | [`markdown_message`], then [`sarif_formatted`] | as Markdown, and placeholders |
//! | plain text: terminal, check-run annotation | [`plain_text`] | control characters, so ANSI escapes (`\x1b[2J`) and `\r` cannot rewrite a terminal, nor a newline fake a line of output |
//!
//! Invisible characters — controls, zero-width characters, bidirectional overrides
//! (which reorder how a name reads), Unicode tag characters — are shown as `\u{…}` in
//! every context ([`is_hidden`]), so a name cannot pass for another.
//!
//! Every function is one pass over its input; [`clip`] bounds what any one string may
//! add to an output.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

/// Zero width and no line break: splits `@name`, `#12`, `http://` and `www.` for
/// GitHub's mention, reference and autolink filters without changing what a reader
/// sees.
pub const WORD_JOINER: char = '\u{2060}';

/// Where a piece of inline Markdown goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inline {
    /// A paragraph, list item or heading.
    Text,
    /// A GFM table cell, where `|` ends the cell even inside a code span unless it
    /// is escaped.
    TableCell,
}

/// Characters that change what a reader sees without being seen: controls (C0, DEL,
/// C1: ANSI escapes, `\r`, newlines), zero-width and invisible characters,
/// bidirectional embeddings, overrides and isolates, interlinear annotations and
/// Unicode tags.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Writes a hidden character the way Rust writes it in a string: `\n`, `\r`, `\t`,
/// else `\u{…}`.
fn push_revealed(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// Text for a surface that shows characters as they are — a terminal, a check-run
/// annotation: every [hidden](is_hidden) character, newlines included, shown as an
/// escape, so a file called `\x1b[2J` cannot clear the screen and a name with a
/// newline cannot print a line that looks like reviewgate's own.
pub fn plain_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) {
            push_revealed(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// At most `max_chars` characters of `text`; a longer text is cut and says how much
/// was left out. Applied before escaping, it bounds what one name or message adds to
/// an output whatever its length.
pub fn clip(text: &str, max_chars: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => {
            let more = text[cut..].chars().count();
            Cow::Owned(format!("{}… ({more} more characters)", &text[..cut]))
        }
    }
}

/// Plain text as inline Markdown that GitHub, GitLab and Bitbucket render as exactly
/// that text, on one line (line breaks become spaces). See the module table for what
/// it escapes and why.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4 + 8);
    push_markdown_text(&mut out, text);
    out
}

fn push_markdown_text(out: &mut String, text: &str) {
    // Block syntax (`# heading`, `- item`, `1. item`, `===`) only counts where a line
    // starts; this text may start one (a list item's first words).
    let mut line_start = true;
    let mut leading_digits = false;
    for (i, c) in text.char_indices() {
        let rest = &text[i + c.len_utf8()..];
        if line_start {
            match c {
                ' ' => {
                    out.push(' ');
                    continue;
                }
                '#' | '-' | '+' | '=' => out.push('\\'),
                '0'..='9' => {
                    out.push(c);
                    leading_digits = true;
                    line_start = false;
                    continue;
                }
                _ => {}
            }
            line_start = false;
        }
        if leading_digits {
            leading_digits = c.is_ascii_digit();
            if matches!(c, '.' | ')') {
                out.push('\\');
            }
        }
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => {
                out.push('@');
                out.push(WORD_JOINER);
            }
            '#' if rest.starts_with(|d: char| d.is_ascii_digit()) => {
                out.push('#');
                out.push(WORD_JOINER);
            }
            ':' if rest.starts_with("//") => {
                out.push(':');
                out.push(WORD_JOINER);
            }
            '.' if i >= 3
                && text
                    .get(i - 3..i)
                    .is_some_and(|w| w.eq_ignore_ascii_case("www")) =>
            {
                out.push(WORD_JOINER);
                out.push('.');
            }
            c if is_hidden(c) => {
                // `\u{…}` as text: its backslash is escaped.
                out.push('\\');
                push_revealed(out, c);
            }
            c => out.push(c),
        }
    }
}

/// Text as one inline code span: hidden characters shown as escapes, `|` escaped in
/// a table cell, and a backtick fence one longer than the longest run of backticks
/// inside, so nothing in the text can close it. GitHub runs no mention, reference or
/// autolink filter inside code.
pub fn markdown_code_span(text: &str, inline: Inline) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    push_code_span(&mut out, text, inline);
    out
}

fn push_code_span(out: &mut String, text: &str, inline: Inline) {
    let mut content = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match c {
            '|' if inline == Inline::TableCell => content.push_str("\\|"),
            c if is_hidden(c) => push_revealed(&mut content, c),
            c => content.push(c),
        }
    }
    if content.is_empty() {
        // A code span cannot be empty; a lone space is kept as it is.
        content.push(' ');
    }
    let fence = "`".repeat(longest_backtick_run(&content) + 1);
    // CommonMark strips one space from each side when both sides have one (and the
    // content is not all spaces): pad when that would eat the text's own spaces, and
    // when a backtick at an edge would touch the fence.
    let all_spaces = content.bytes().all(|b| b == b' ');
    let pad = content.starts_with('`')
        || content.ends_with('`')
        || (!all_spaces && content.starts_with(' ') && content.ends_with(' '));
    out.push_str(&fence);
    if pad {
        out.push(' ');
    }
    out.push_str(&content);
    if pad {
        out.push(' ');
    }
    out.push_str(&fence);
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for b in text.bytes() {
        if b == b'`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// Text as a fenced code block: a fence of at least three backticks, longer than any
/// backtick run in the text, so no line of it can close the block. Hidden characters
/// other than line breaks and tabs are shown as escapes.
pub fn markdown_code_block(text: &str, info: &str) -> String {
    let mut content = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' => content.push(c),
            c if is_hidden(c) => push_revealed(&mut content, c),
            c => content.push(c),
        }
    }
    let fence = "`".repeat((longest_backtick_run(&content) + 1).max(3));
    let info: String = info
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.'))
        .collect();
    let newline = if content.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{info}\n{content}{newline}{fence}\n")
}

/// A message as reviewgate's rules write them — prose with names and values quoted
/// in backticks — as inline Markdown: each backtick-quoted part (paired the way
/// CommonMark pairs code spans) becomes a [code span](markdown_code_span), the rest
/// [text](markdown_text). A value with backticks of its own can change which parts
/// are code, but every part is escaped for what it becomes.
pub fn markdown_message(text: &str, inline: Inline) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4 + 8);
    let runs = backtick_runs(text);
    // For each run length, the runs of that length not yet passed: the closer of an
    // opener is the next run of the same length. Each index leaves its queue once,
    // so pairing is linear however the runs are arranged.
    let mut by_len: HashMap<usize, VecDeque<usize>> = HashMap::new();
    for (index, run) in runs.iter().enumerate() {
        by_len.entry(run.1 - run.0).or_default().push_back(index);
    }
    let (mut written, mut index) = (0, 0);
    while index < runs.len() {
        let (start, end) = runs[index];
        let queue = by_len.entry(end - start).or_default();
        while queue.front().is_some_and(|&i| i <= index) {
            queue.pop_front();
        }
        match queue.front().copied() {
            Some(closer) => {
                push_markdown_text(&mut out, &text[written..start]);
                push_code_span(&mut out, &text[end..runs[closer].0], inline);
                written = runs[closer].1;
                index = closer + 1;
            }
            // No closer: the backticks are text, escaped with the rest.
            None => index += 1,
        }
    }
    push_markdown_text(&mut out, &text[written..]);
    out
}

/// Byte ranges of the maximal runs of backticks.
fn backtick_runs(text: &str) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, b) in text.bytes().enumerate() {
        match (b == b'`', start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, text.len()));
    }
    runs
}

/// Text for a SARIF plain-text message (`message.text`, `shortDescription.text`):
/// `\`, `[` and `]` escaped so no part of it forms an embedded link (§3.11.6), `{`
/// and `}` doubled so none forms a placeholder (§3.11.5), hidden characters other
/// than line breaks shown as escapes. JSON escaping is serde's.
pub fn sarif_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut revealed = String::new();
    for c in text.chars() {
        match c {
            '\\' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            '\n' => out.push('\n'),
            c if is_hidden(c) => {
                revealed.clear();
                push_revealed(&mut revealed, c);
                out.push_str(&sarif_text(&revealed));
            }
            c => out.push(c),
        }
    }
    out
}

/// Markdown already escaped for its context, as a SARIF formatted message
/// (`help.markdown`): `{` and `}` doubled so none forms a placeholder (§3.11.5).
/// Braces mean nothing to Markdown, so doubling them after escaping is safe.
pub fn sarif_formatted(markdown: &str) -> String {
    markdown.replace('{', "{{").replace('}', "}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const WJ: &str = "\u{2060}";

    #[test]
    fn text_escapes_html_links_and_github_filters() {
        assert_eq!(markdown_text("a <!-- b --> c"), "a &lt;!-- b --&gt; c");
        assert_eq!(
            markdown_text("[x](http://evil)"),
            format!("\\[x\\](http:{WJ}//evil)")
        );
        assert_eq!(markdown_text("cc @org/team"), format!("cc @{WJ}org/team"));
        assert_eq!(markdown_text("fixes #123"), format!("fixes #{WJ}123"));
        assert_eq!(
            markdown_text("see www.evil.com"),
            format!("see www{WJ}.evil.com")
        );
        assert_eq!(markdown_text("&#64;user"), format!("&amp;#{WJ}64;user"));
        assert_eq!(markdown_text("a|b `c` *d*"), "a\\|b \\`c\\` \\*d\\*");
        assert_eq!(markdown_text("x\n## heading\r"), "x ## heading ");
        assert_eq!(markdown_text("## heading"), "\\## heading");
        assert_eq!(markdown_text("12. item"), "12\\. item");
        assert_eq!(markdown_text("rtl\u{202e}gpj.exe"), "rtl\\\\u{202e}gpj.exe");
        assert_eq!(markdown_text("plain words, 3.5"), "plain words, 3.5");
    }

    #[test]
    fn code_spans_are_fenced_past_any_backticks_inside() {
        assert_eq!(markdown_code_span("main.tf:2", Inline::Text), "`main.tf:2`");
        assert_eq!(markdown_code_span("a`b", Inline::Text), "``a`b``");
        assert_eq!(markdown_code_span("```", Inline::Text), "```` ``` ````");
        assert_eq!(markdown_code_span(" x ", Inline::Text), "`  x  `");
        assert_eq!(markdown_code_span("a|b", Inline::TableCell), "`a\\|b`");
        assert_eq!(markdown_code_span("a|b", Inline::Text), "`a|b`");
        assert_eq!(markdown_code_span("x\ny", Inline::Text), "`x\\ny`");
        assert_eq!(markdown_code_span("", Inline::Text), "` `");
    }

    #[test]
    fn messages_keep_their_code_spans_and_escape_the_rest() {
        assert_eq!(
            markdown_message("bucket `logs` is <public>", Inline::Text),
            "bucket `logs` is &lt;public&gt;"
        );
        assert_eq!(
            markdown_message("key `a``b` in `x` @me", Inline::Text),
            format!("key ```a``b``` in `x` @{WJ}me")
        );
        assert_eq!(markdown_message("one ` tick", Inline::Text), "one \\` tick");
        assert_eq!(
            markdown_message("`x|y` | z", Inline::TableCell),
            "`x\\|y` \\| z"
        );
    }

    #[test]
    fn code_blocks_outlast_the_fences_inside() {
        let block = markdown_code_block("a\n```\n## injected\n", "hcl");
        assert!(block.starts_with("````hcl\n"), "{block}");
        assert!(block.ends_with("\n````\n"), "{block}");
    }

    #[test]
    fn sarif_text_has_no_links_or_placeholders() {
        assert_eq!(
            sarif_text("[x](http://evil) {0}"),
            "\\[x\\](http://evil) {{0}}"
        );
        assert_eq!(sarif_text("a\\b"), "a\\\\b");
        assert_eq!(sarif_text("\u{1b}[2J"), "\\\\u{{1b}}\\[2J");
    }

    #[test]
    fn terminals_see_escapes_not_control_sequences() {
        assert_eq!(plain_text("main.tf"), "main.tf");
        assert_eq!(plain_text("\u{1b}[2Jx\r\ny"), "\\u{1b}[2Jx\\r\\ny");
        assert_eq!(plain_text("a\u{9b}b\u{202e}c"), "a\\u{9b}b\\u{202e}c");
    }

    #[test]
    fn clip_says_what_it_cut() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdef", 2), "ab… (4 more characters)");
        assert_eq!(clip("ééé", 1), "é… (2 more characters)");
    }
}
