//! An OpenAI-compatible chat-completions provider (Ollama, vLLM, llama.cpp server,
//! LocalAI) for self-hosting, over `reqwest` with rustls.

use async_trait::async_trait;
use serde::Deserialize;

use super::{LlmError, LlmProvider, LlmRequest, LlmResponse};

/// `POST {base_url}/chat/completions` with a JSON-object response format.
#[derive(Clone)]
pub struct OpenAiCompatProvider {
    http: reqwest::Client,
    base_url: String,
    model: String,
    api_key: Option<String>,
}

impl std::fmt::Debug for OpenAiCompatProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiCompatProvider")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl OpenAiCompatProvider {
    /// A provider for `base_url` (e.g. `http://127.0.0.1:11434/v1`).
    pub fn new(base_url: &str, model: &str, api_key: Option<String>) -> OpenAiCompatProvider {
        OpenAiCompatProvider {
            http: reqwest::Client::new(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            api_key,
        }
    }
}

#[async_trait]
impl LlmProvider for OpenAiCompatProvider {
    fn name(&self) -> &'static str {
        "openai-compatible"
    }

    fn model_id(&self) -> &str {
        &self.model
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let body = serde_json::json!({
            "model": self.model,
            "temperature": 0,
            "max_tokens": request.max_output_tokens,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": format!("{}\nJSON schema of the answer: {}", request.system, request.schema)},
                {"role": "user", "content": request.prompt},
            ],
        });
        let mut call = self
            .http
            .post(format!("{}/chat/completions", self.base_url))
            .json(&body);
        if let Some(key) = &self.api_key {
            call = call.bearer_auth(key);
        }
        let response = call
            .send()
            .await
            .map_err(|e| LlmError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        if status.as_u16() == 429 {
            return Err(LlmError::Throttled(format!("HTTP {status}")));
        }
        if status.is_server_error() {
            return Err(LlmError::Server {
                status: status.as_u16(),
                message: status
                    .canonical_reason()
                    .unwrap_or("server error")
                    .to_owned(),
            });
        }
        if !status.is_success() {
            return Err(LlmError::Rejected(format!("HTTP {status}")));
        }
        let completion: Completion = response
            .json()
            .await
            .map_err(|e| LlmError::Malformed(e.without_url().to_string()))?;
        let text = completion
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .ok_or_else(|| LlmError::Malformed("no choices".into()))?;
        let usage = completion.usage.unwrap_or(Usage {
            prompt_tokens: 0,
            completion_tokens: 0,
        });
        Ok(LlmResponse {
            text: Some(text),
            structured: None,
            input_tokens: usage.prompt_tokens,
            output_tokens: usage.completion_tokens,
        })
    }
}
