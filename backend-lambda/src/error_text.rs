//! Error text from provider APIs (GitHub, Spacelift) made safe and short enough to
//! log and store: transport errors without their URL, long answers cut.

/// A transport error with its causes, without the URL (it names the repository or
/// account and, on some proxies, credentials).
pub(crate) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `text` when it has at most `max` characters, else its start and `note`
/// together `max` characters long.
pub(crate) fn truncate_with_note(text: &str, max: usize, note: &str) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(note.chars().count());
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(note);
    cut
}
