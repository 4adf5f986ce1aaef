//! Bedrock through the Converse API (`aws-sdk-bedrockruntime`): the answer is
//! requested as a forced tool call whose input schema is the findings schema. The
//! endpoint comes from the SDK configuration, so `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`
//! points it at a local fake in tests and development.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::converse::ConverseError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, InferenceConfiguration, Message,
    SpecificToolChoice, SystemContentBlock, Tool, ToolChoice, ToolConfiguration, ToolInputSchema,
    ToolSpecification,
};
use aws_smithy_types::{Document, Number};

use super::{LlmError, LlmProvider, LlmRequest, LlmResponse, TOOL_NAME};

/// A Bedrock model behind Converse.
#[derive(Clone, Debug)]
pub struct BedrockProvider {
    client: Client,
    model_id: String,
}

impl BedrockProvider {
    /// A provider from the shared AWS configuration. The SDK's own retries are off:
    /// [`super::AiReviewer`] retries every provider the same way and logs each call.
    pub fn new(config: &aws_config::SdkConfig, model_id: impl Into<String>) -> BedrockProvider {
        let config = aws_sdk_bedrockruntime::config::Builder::from(config)
            .retry_config(RetryConfig::disabled())
            .build();
        BedrockProvider::from_client(Client::from_conf(config), model_id)
    }

    /// A provider over a client configured elsewhere.
    pub fn from_client(client: Client, model_id: impl Into<String>) -> BedrockProvider {
        BedrockProvider {
            client,
            model_id: model_id.into(),
        }
    }
}

/// JSON into a Smithy document (the tool's input schema).
pub fn to_document(value: &serde_json::Value) -> Document {
    match value {
        serde_json::Value::Null => Document::Null,
        serde_json::Value::Bool(b) => Document::Bool(*b),
        serde_json::Value::Number(n) => Document::Number(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64().unwrap_or_default())
        }),
        serde_json::Value::String(s) => Document::String(s.clone()),
        serde_json::Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        serde_json::Value::Object(o) => Document::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

/// A Smithy document (the tool call's input) into JSON.
pub fn to_json(document: &Document) -> serde_json::Value {
    match document {
        Document::Null => serde_json::Value::Null,
        Document::Bool(b) => serde_json::Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => serde_json::Value::from(*u),
        Document::Number(Number::NegInt(i)) => serde_json::Value::from(*i),
        Document::Number(Number::Float(f)) => serde_json::Value::from(*f),
        Document::String(s) => serde_json::Value::String(s.clone()),
        Document::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        Document::Object(o) => {
            serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

fn map_error(
    e: SdkError<ConverseError, aws_sdk_bedrockruntime::config::http::HttpResponse>,
) -> LlmError {
    let status = e.raw_response().map(|r| r.status().as_u16());
    let message = e.message().unwrap_or("no message").to_owned();
    match &e {
        SdkError::ServiceError(service) => match service.err() {
            ConverseError::ThrottlingException(_) => LlmError::Throttled(message),
            ConverseError::InternalServerException(_)
            | ConverseError::ServiceUnavailableException(_)
            | ConverseError::ModelNotReadyException(_) => LlmError::Server {
                status: status.unwrap_or(500),
                message,
            },
            ConverseError::ModelTimeoutException(_) => LlmError::Server {
                status: status.unwrap_or(408),
                message,
            },
            _ => match status {
                Some(429) => LlmError::Throttled(message),
                Some(s) if s >= 500 => LlmError::Server { status: s, message },
                _ => LlmError::Rejected(format!("{}: {message}", e.code().unwrap_or("error"))),
            },
        },
        SdkError::ResponseError(_) => match status {
            Some(s) if s >= 500 => LlmError::Server { status: s, message },
            _ => LlmError::Malformed("unreadable Converse response".into()),
        },
        SdkError::TimeoutError(_) => LlmError::Transport("timeout".into()),
        SdkError::DispatchFailure(_) => LlmError::Transport("could not reach Bedrock".into()),
        _ => LlmError::Rejected("request could not be built".into()),
    }
}

#[async_trait]
impl LlmProvider for BedrockProvider {
    fn name(&self) -> &'static str {
        "bedrock"
    }

    fn model_id(&self) -> &str {
        &self.model_id
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let build =
            |e: aws_smithy_types::error::operation::BuildError| LlmError::Rejected(e.to_string());
        let tool = ToolSpecification::builder()
            .name(TOOL_NAME)
            .description("Report the review's findings.")
            .input_schema(ToolInputSchema::Json(to_document(&request.schema)))
            .build()
            .map_err(build)?;
        let tools = ToolConfiguration::builder()
            .tools(Tool::ToolSpec(tool))
            .tool_choice(ToolChoice::Tool(
                SpecificToolChoice::builder()
                    .name(TOOL_NAME)
                    .build()
                    .map_err(build)?,
            ))
            .build()
            .map_err(build)?;
        let message = Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text(request.prompt.clone()))
            .build()
            .map_err(build)?;
        let output = self
            .client
            .converse()
            .model_id(&self.model_id)
            .system(SystemContentBlock::Text(request.system.clone()))
            .messages(message)
            .inference_config(
                InferenceConfiguration::builder()
                    .max_tokens(i32::try_from(request.max_output_tokens).unwrap_or(i32::MAX))
                    .temperature(0.0)
                    .build(),
            )
            .tool_config(tools)
            .send()
            .await
            .map_err(map_error)?;
        let mut response = LlmResponse::default();
        if let Some(usage) = output.usage() {
            response.input_tokens = u64::try_from(usage.input_tokens()).unwrap_or(0);
            response.output_tokens = u64::try_from(usage.output_tokens()).unwrap_or(0);
        }
        let Some(ConverseOutput::Message(message)) = output.output() else {
            return Err(LlmError::Malformed(
                "no message in the Converse output".into(),
            ));
        };
        for block in message.content() {
            match block {
                ContentBlock::ToolUse(tool_use) if tool_use.name() == TOOL_NAME => {
                    response.structured = Some(to_json(tool_use.input()));
                }
                ContentBlock::Text(text) => {
                    response.text.get_or_insert_with(String::new).push_str(text);
                }
                _ => {}
            }
        }
        Ok(response)
    }
}
