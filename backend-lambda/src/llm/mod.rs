//! AI review: a narrow [`LlmProvider`] trait with Bedrock, OpenAI-compatible and
//! `none` implementations, and the [`AiReviewer`] that builds the prompt from a
//! versioned template within a token budget, calls the provider with timeout,
//! retries and a circuit breaker, parses the structured answer into findings, and
//! makes one repair attempt before giving up (the review then stays rules-only,
//! with the failure recorded).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reviewgate_core::output::escape::{self, Inline};
use serde::Deserialize;

use crate::logging;
use crate::model::{AiFinding, AiRun, ReviewVersion};

#[cfg(feature = "bedrock")]
pub mod bedrock;
pub mod none;
pub mod openai_compat;

/// The prompt template's version, recorded on every AI version.
pub const PROMPT_VERSION: &str = "review-v1";
const PROMPT_TEMPLATE: &str = include_str!("../../prompts/review-v1.md");
const SYSTEM_PROMPT: &str =
    "You are a meticulous infrastructure security reviewer. Answer only with the requested JSON.";
/// The tool (Bedrock) / JSON object (OpenAI-compatible) the model must fill.
pub const TOOL_NAME: &str = "report_findings";
/// Tokens the model may answer with.
const MAX_OUTPUT_TOKENS: u32 = 2048;

/// The JSON schema of the answer.
pub fn findings_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string"},
                        "line": {"type": ["integer", "null"]},
                        "severity": {"type": "string", "enum": ["info", "low", "medium", "high", "critical"]},
                        "title": {"type": "string"},
                        "message": {"type": "string"}
                    },
                    "required": ["file", "severity", "title", "message"]
                }
            }
        },
        "required": ["findings"]
    })
}

/// One model call.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmRequest {
    /// System prompt.
    pub system: String,
    /// User message.
    pub prompt: String,
    /// JSON schema the answer must follow.
    pub schema: serde_json::Value,
    /// Output token cap.
    pub max_output_tokens: u32,
}

/// What a model answered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LlmResponse {
    /// Free text, when it answered in text.
    pub text: Option<String>,
    /// Structured tool input, when it called the tool.
    pub structured: Option<serde_json::Value>,
    /// Tokens in.
    pub input_tokens: u64,
    /// Tokens out.
    pub output_tokens: u64,
}

/// Why a model call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// 429 / ThrottlingException: retried with backoff.
    #[error("throttled: {0}")]
    Throttled(String),
    /// 5xx: retried with backoff.
    #[error("server error {status}: {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Provider message.
        message: String,
    },
    /// The call took longer than the timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The response could not be read as the provider's format.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// Rejected (4xx other than 429): retrying will not help.
    #[error("request rejected: {0}")]
    Rejected(String),
    /// Could not reach the provider.
    #[error("transport: {0}")]
    Transport(String),
    /// Too many recent failures: calls are skipped until the breaker closes.
    #[error("circuit open after repeated failures")]
    CircuitOpen,
}

impl LlmError {
    fn retryable(&self) -> bool {
        matches!(
            self,
            LlmError::Throttled(_) | LlmError::Server { .. } | LlmError::Transport(_)
        )
    }
}

/// A model that can review.
#[async_trait]
pub trait LlmProvider: Send + Sync {
    /// `bedrock`, `openai-compatible`.
    fn name(&self) -> &'static str;
    /// The configured model id.
    fn model_id(&self) -> &str;
    /// One call.
    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError>;
}

/// Retries and backoff for throttling and server errors.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts in total (1 = no retry).
    pub attempts: u32,
    /// First backoff; doubles per retry.
    pub base_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(500),
        }
    }
}

/// Opens after `threshold` consecutive failed reviews and stays open for `cooldown`;
/// then one review is let through (half-open) and its outcome decides.
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<(u32, Option<Instant>)>,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(threshold: u32, cooldown: Duration) -> CircuitBreaker {
        CircuitBreaker {
            threshold,
            cooldown,
            state: Mutex::new((0, None)),
        }
    }

    fn allow(&self) -> bool {
        let Ok(state) = self.state.lock() else {
            return true;
        };
        match state.1 {
            Some(opened) => opened.elapsed() >= self.cooldown,
            None => true,
        }
    }

    fn record(&self, success: bool) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if success {
            *state = (0, None);
        } else {
            state.0 += 1;
            if state.0 >= self.threshold {
                state.1 = Some(Instant::now());
            }
        }
    }
}

/// Runs AI reviews with one provider (or none).
pub struct AiReviewer {
    provider: Option<Box<dyn LlmProvider>>,
    timeout: Duration,
    token_budget: usize,
    retry: RetryPolicy,
    breaker: CircuitBreaker,
}

impl std::fmt::Debug for AiReviewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiReviewer")
            .field("provider", &self.provider.as_ref().map(|p| p.name()))
            .field("timeout", &self.timeout)
            .field("token_budget", &self.token_budget)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Answer {
    findings: Vec<AnswerFinding>,
}

#[derive(Deserialize)]
struct AnswerFinding {
    file: String,
    #[serde(default)]
    line: Option<u32>,
    severity: String,
    title: String,
    message: String,
}

/// Rough token count: ~4 characters per token for English and code, which is what
/// the budget needs (it is a cap, not a bill).
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(4)
}

/// The prompt for a version, within `token_budget`; `true` when inputs were clipped.
pub fn build_prompt(version: &ReviewVersion, token_budget: usize) -> (String, bool) {
    let summary = serde_json::to_string_pretty(&version.review.changes).unwrap_or_default();
    let mut findings = String::new();
    for f in version
        .review
        .findings
        .iter()
        .filter(|f| !f.suppressed)
        .take(200)
    {
        // One line per finding, whatever its names hold: the prompt is Markdown.
        findings.push_str(&format!(
            "- {} [{}] {}:{} {} — {}\n",
            escape::markdown_text(&f.rule_id),
            f.severity,
            escape::markdown_text(f.file.as_deref().unwrap_or("?")),
            f.line.map_or_else(|| "?".to_owned(), |l| l.to_string()),
            escape::markdown_text(&f.title),
            escape::markdown_message(&f.message, Inline::Text)
        ));
    }
    if findings.is_empty() {
        findings.push_str("(none)\n");
    }
    let fixed = PROMPT_TEMPLATE.len() + summary.len() + findings.len() + 200;
    let budget_chars = token_budget.saturating_mul(4).saturating_sub(fixed);
    let total: usize = version.inputs.iter().map(|d| d.content.len()).sum();
    let clipped_inputs = crate::reviews::clip_inputs(&version.inputs, budget_chars);
    let shown: usize = clipped_inputs.iter().map(|d| d.content.len()).sum();
    let mut inputs = String::new();
    for d in &clipped_inputs {
        // A fence longer than any in the file: its text cannot close the block and
        // pass itself off as the prompt's own instructions.
        inputs.push_str(&format!(
            "### {}\n{}",
            escape::markdown_text(&d.path),
            escape::markdown_code_block(&d.content, "")
        ));
    }
    let clipped = shown < total;
    let note = if clipped {
        format!(
            "\nNOTE: the inputs were clipped to fit the token budget: {shown} of {total} characters are shown. Say so if a finding may depend on what is missing."
        )
    } else {
        String::new()
    };
    let prompt = PROMPT_TEMPLATE
        .replace("{{summary}}", &summary)
        .replace("{{findings}}", &findings)
        .replace("{{inputs}}", &inputs)
        .replace("{{clip_note}}", &note);
    (prompt, clipped)
}

/// Reads the model's answer: the tool input, else JSON in the text (fences allowed).
fn parse_answer(response: &LlmResponse) -> Result<Vec<AiFinding>, String> {
    let value = match (&response.structured, &response.text) {
        (Some(v), _) => v.clone(),
        (None, Some(text)) => {
            let trimmed = text.trim();
            let body = trimmed
                .strip_prefix("```json")
                .or_else(|| trimmed.strip_prefix("```"))
                .and_then(|t| t.strip_suffix("```"))
                .unwrap_or(trimmed);
            serde_json::from_str(body.trim()).map_err(|e| format!("not JSON: {e}"))?
        }
        (None, None) => return Err("empty answer".into()),
    };
    let answer: Answer =
        serde_json::from_value(value).map_err(|e| format!("does not match the schema: {e}"))?;
    answer
        .findings
        .into_iter()
        .map(|f| {
            if !matches!(
                f.severity.as_str(),
                "info" | "low" | "medium" | "high" | "critical"
            ) {
                return Err(format!("unknown severity `{}`", f.severity));
            }
            if f.file.trim().is_empty() {
                return Err("a finding has no file".into());
            }
            Ok(AiFinding {
                file: f.file,
                line: f.line,
                severity: f.severity,
                title: f.title,
                message: f.message,
                agrees_with_rules: false,
            })
        })
        .collect()
}

impl AiReviewer {
    /// A reviewer; `None` means rules-only reviews.
    pub fn new(
        provider: Option<Box<dyn LlmProvider>>,
        timeout: Duration,
        token_budget: usize,
    ) -> AiReviewer {
        AiReviewer {
            provider,
            timeout,
            token_budget,
            retry: RetryPolicy::default(),
            breaker: CircuitBreaker::new(5, Duration::from_secs(60)),
        }
    }

    /// Replaces the retry policy (tests use millisecond backoffs).
    pub fn with_retry(mut self, retry: RetryPolicy) -> AiReviewer {
        self.retry = retry;
        self
    }

    /// Replaces the circuit breaker.
    pub fn with_breaker(mut self, breaker: CircuitBreaker) -> AiReviewer {
        self.breaker = breaker;
        self
    }

    /// True when a model is configured.
    pub fn enabled(&self) -> bool {
        self.provider.is_some()
    }

    async fn call(
        &self,
        provider: &dyn LlmProvider,
        request: &LlmRequest,
    ) -> Result<LlmResponse, LlmError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let result = match tokio::time::timeout(self.timeout, provider.complete(request)).await
            {
                Ok(r) => r,
                Err(_) => Err(LlmError::Timeout(self.timeout)),
            };
            logging::perf(
                &format!("llm.{}", provider.name()),
                started.elapsed().as_millis() as u64,
                result.is_ok(),
            );
            match result {
                Err(e) if e.retryable() && attempt < self.retry.attempts => {
                    tracing::warn!(error = %e, attempt, "model call failed; backing off");
                    tokio::time::sleep(self.retry.base_delay * 2u32.pow(attempt - 1)).await;
                }
                other => return other,
            }
        }
    }

    /// Reviews a version with the model. `None` without a provider; otherwise an
    /// [`AiRun`] that either carries findings or says why there are none.
    pub async fn review(&self, version: &ReviewVersion) -> Option<AiRun> {
        let provider = self.provider.as_deref()?;
        let started = Instant::now();
        let (prompt, clipped) = build_prompt(version, self.token_budget);
        let mut run = AiRun {
            provider: provider.name().to_owned(),
            model_id: provider.model_id().to_owned(),
            prompt_version: PROMPT_VERSION.to_owned(),
            input_tokens: 0,
            output_tokens: 0,
            latency_ms: 0,
            clipped,
            findings: Vec::new(),
            agreement: 0,
            failure: None,
        };
        if !self.breaker.allow() {
            run.failure = Some(LlmError::CircuitOpen.to_string());
            return Some(run);
        }
        let mut request = LlmRequest {
            system: SYSTEM_PROMPT.to_owned(),
            prompt,
            schema: findings_schema(),
            max_output_tokens: MAX_OUTPUT_TOKENS,
        };
        let outcome = match self.call(provider, &request).await {
            Err(e) => Err(e.to_string()),
            Ok(response) => {
                run.input_tokens += response.input_tokens;
                run.output_tokens += response.output_tokens;
                match parse_answer(&response) {
                    Ok(findings) => Ok(findings),
                    Err(problem) => {
                        // One repair attempt: show the model its answer and the problem.
                        let previous = response
                            .text
                            .clone()
                            .or_else(|| response.structured.as_ref().map(|v| v.to_string()))
                            .unwrap_or_default();
                        let previous: String = previous.chars().take(4000).collect();
                        request.prompt.push_str(&format!(
                            "\n\n## Your previous answer was unusable ({problem})\n{previous}\n\nAnswer again with ONLY the JSON object described above."
                        ));
                        match self.call(provider, &request).await {
                            Err(e) => Err(e.to_string()),
                            Ok(repaired) => {
                                run.input_tokens += repaired.input_tokens;
                                run.output_tokens += repaired.output_tokens;
                                parse_answer(&repaired).map_err(|p| {
                                    format!("unusable output after one repair attempt: {p}")
                                })
                            }
                        }
                    }
                }
            }
        };
        run.latency_ms = started.elapsed().as_millis() as u64;
        self.breaker.record(outcome.is_ok());
        match outcome {
            Ok(mut findings) => {
                run.agreement = mark_agreement(&mut findings, version);
                run.findings = findings;
            }
            Err(failure) => {
                tracing::warn!(failure, "AI review failed; the review stays rules-only");
                run.failure = Some(failure);
            }
        }
        Some(run)
    }
}

/// Marks model findings that point where a rule finding points (same file, lines
/// within 3) and returns how many do.
fn mark_agreement(findings: &mut [AiFinding], version: &ReviewVersion) -> usize {
    let mut agreed = 0;
    for finding in findings.iter_mut() {
        finding.agrees_with_rules = version.review.findings.iter().any(|rule| {
            rule.file.as_deref() == Some(finding.file.as_str())
                && match (rule.line, finding.line) {
                    (Some(a), Some(b)) => a.abs_diff(b) <= 3,
                    _ => true,
                }
        });
        agreed += usize::from(finding.agrees_with_rules);
    }
    agreed
}

/// The version an AI run produces: next after `base`, with the run recorded and, when
/// the model agrees with the rules, a higher confidence.
pub fn apply_ai_run(next: &mut ReviewVersion, run: AiRun) {
    if run.failure.is_none() {
        next.analysis = crate::model::Analysis::RulesAndAi;
        if let (Some(risk), false) = (next.review.risk.as_mut(), run.findings.is_empty()) {
            // Agreement between two independent reviewers closes part of the gap to
            // full confidence, in proportion to how much they agree.
            let share = run.agreement as f64 / run.findings.len() as f64;
            risk.confidence = (risk.confidence + (1.0 - risk.confidence) * 0.5 * share).min(1.0);
        }
    }
    next.ai = Some(run);
}

/// Runs the AI review of a review's latest version and stores the outcome as the
/// next version (also when the model failed: the failure is recorded). Returns
/// `None` without a model.
pub async fn review_and_store(
    store: &dyn crate::store::ReviewStore,
    ai: &AiReviewer,
    review_id: &str,
) -> Result<Option<ReviewVersion>, crate::store::StoreError> {
    if !ai.enabled() {
        return Ok(None);
    }
    let latest = store
        .get_latest(review_id)
        .await?
        .ok_or_else(|| crate::store::StoreError::NotFound(review_id.to_owned()))?;
    let Some(run) = ai.review(&latest).await else {
        return Ok(None);
    };
    // A reviewer may have changed status meanwhile: the AI result goes on top of
    // whatever is latest, never over it.
    crate::store::update_review(store, review_id, None, "ai-reviewer", |next| {
        apply_ai_run(next, run.clone());
    })
    .await
    .map(Some)
}

/// Review ids to AI-review from an `ai-reviewer` invocation: a DynamoDB stream batch
/// (INSERTs of version-1 items) or a direct `{"review_id": "..."}`.
pub fn review_ids_to_review(event: &serde_json::Value) -> Vec<String> {
    if let Some(id) = event.get("review_id").and_then(|v| v.as_str()) {
        return vec![id.to_owned()];
    }
    let Some(records) = event.get("Records").and_then(|r| r.as_array()) else {
        return Vec::new();
    };
    records
        .iter()
        .filter(|r| r.get("eventName").and_then(|v| v.as_str()) == Some("INSERT"))
        .filter_map(|r| {
            let keys = r.pointer("/dynamodb/Keys")?;
            let sk = keys.pointer("/sk/S")?.as_str()?;
            // Only version 1 (the rules review) starts an AI review; the AI's own
            // version must not trigger another.
            (sk == "VERSION#0000000001").then_some(())?;
            keys.pointer("/pk/S")?
                .as_str()?
                .strip_prefix("REVIEW#")
                .map(str::to_owned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_version_one_items_start_an_ai_review() {
        let record = |event: &str, sk: &str| serde_json::json!({"eventName": event, "dynamodb": {"Keys": {"pk": {"S": "REVIEW#r1"}, "sk": {"S": sk}}}});
        let batch = serde_json::json!({"Records": [
            record("INSERT", "VERSION#0000000001"),
            record("INSERT", "VERSION#0000000002"),
            record("MODIFY", "LATEST"),
            record("INSERT", "CHUNK#0000000001#000"),
        ]});
        assert_eq!(review_ids_to_review(&batch), vec!["r1".to_owned()]);
        assert_eq!(
            review_ids_to_review(&serde_json::json!({"review_id": "r2"})),
            vec!["r2".to_owned()]
        );
        assert!(review_ids_to_review(&serde_json::json!({})).is_empty());
    }
}
