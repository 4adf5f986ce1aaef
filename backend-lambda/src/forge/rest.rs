//! One REST API spoken politely, the transport the code-host clients share:
//!
//! - rate limits are waited out within a bound ([`super::rate_limit`]);
//! - GETs are retried after a 5xx or a transport failure; writes are not (a POST
//!   that timed out may have been applied, and a second one would duplicate it);
//! - pagination by `Link: <…>; rel="next"` (GitHub, GitLab) or by a `next` URL in
//!   the page (Bitbucket), each link checked to stay on the configured host — the
//!   credentials go wherever the link says;
//! - every unsuccessful status becomes a [`ForgeError`], with the host's message
//!   ([`super::error`]), and never the credentials: the authorization header is
//!   marked sensitive.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, LINK};
use reqwest::{Method, Response, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::change::CappedText;
use super::comment::CommentAction;
use super::error::{ForgeError, error_message};
use super::rate_limit::{RateLimitHeaders, RateLimits, refusal_wait};
use crate::error_text::describe;
use crate::logging;

/// Retries of a GET after a 5xx or a transport failure.
const GET_RETRIES: u32 = 2;
/// First backoff before retrying a GET; doubles per retry.
const RETRY_BACKOFF: Duration = Duration::from_millis(250);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Per request; a page of 100 files with patches is a few hundred kilobytes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest JSON answer read. A page of 100 changed files with their patches is
/// at most a few megabytes (GitHub leaves out patches of large files); anything
/// past this is a misbehaving host or proxy, and reading it whole could take the
/// process down with every event in it.
pub(super) const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;

/// One write request: its operation name for PERF lines, method and URL.
pub(super) struct Write {
    pub operation: &'static str,
    pub method: Method,
    pub url: Url,
}

/// One REST API: the transport the host clients share.
pub(super) struct RestClient {
    http: reqwest::Client,
    api_base: Url,
    rate_limits: RateLimits,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("host", &self.rate_limits.host())
            .field("api_base", &self.api_base.as_str())
            .field("max_rate_limit_wait", &self.rate_limits.max_wait())
            .finish_non_exhaustive()
    }
}

/// `Authorization: Bearer <token>`, marked sensitive.
pub(super) fn bearer(token: &str) -> Result<HeaderValue, ForgeError> {
    if token.trim().is_empty() {
        return Err(ForgeError::InvalidInput("the token is empty".into()));
    }
    sensitive(format!("Bearer {token}"))
}

/// `Authorization: Basic <base64 user:secret>`, marked sensitive.
pub(super) fn basic(user: &str, secret: &str) -> Result<HeaderValue, ForgeError> {
    use base64::Engine as _;
    if user.trim().is_empty() || secret.trim().is_empty() {
        return Err(ForgeError::InvalidInput(
            "the user name or the secret is empty".into(),
        ));
    }
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
    sensitive(format!("Basic {pair}"))
}

fn sensitive(value: String) -> Result<HeaderValue, ForgeError> {
    // The message must not quote the credential: it may be almost right.
    let mut value = HeaderValue::from_str(&value).map_err(|_| {
        ForgeError::InvalidInput(
            "the credential contains characters that cannot be sent in a header".into(),
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}
impl RestClient {
    /// A transport for `api_base` (an http(s) URL, trailing `/` ignored) sending
    /// `default_headers` with every request. The credential is the caller's: each
    /// request names its `Authorization` value (marked sensitive, see [`bearer`]),
    /// so that one client can act for several GitHub App installations.
    pub fn new(
        host: &'static str,
        api_base: &str,
        default_headers: HeaderMap,
        rate_limit_headers: Option<RateLimitHeaders>,
    ) -> Result<Self, ForgeError> {
        let api_base = Url::parse(api_base.trim_end_matches('/')).map_err(|e| {
            ForgeError::InvalidInput(format!("the API base URL `{api_base}` is not a URL: {e}"))
        })?;
        if !matches!(api_base.scheme(), "http" | "https") || api_base.cannot_be_a_base() {
            return Err(ForgeError::InvalidInput(format!(
                "the API base URL `{api_base}` must be an http(s) URL"
            )));
        }
        let http = reqwest::Client::builder()
            // GitHub refuses requests without a User-Agent; the others log it.
            .user_agent("reviewgate")
            .default_headers(default_headers)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| ForgeError::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
        Ok(RestClient {
            http,
            api_base,
            rate_limits: RateLimits::new(host, rate_limit_headers),
        })
    }

    /// The longest a request waits for a rate limit to reset before failing with
    /// [`ForgeError::RateLimited`].
    pub fn set_max_rate_limit_wait(&mut self, max: Duration) {
        self.rate_limits.set_max_wait(max);
    }

    /// `api_base` with `segments` appended, each percent-encoded (a `/` inside a
    /// segment becomes `%2F`, as GitLab wants for project paths and file paths).
    pub fn endpoint(&self, segments: &[&str]) -> Result<Url, ForgeError> {
        let mut url = self.api_base.clone();
        url.path_segments_mut()
            .map_err(|()| ForgeError::InvalidInput("the API base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Every item of a list paginated by `Link: <…>; rel="next"` headers (each page
    /// a JSON array), stopping after `limit` items.
    pub async fn get_linked_pages<T: DeserializeOwned>(
        &self,
        auth: &HeaderValue,
        operation: &'static str,
        first_page: Url,
        accept: &'static str,
        limit: Option<usize>,
    ) -> Result<Vec<T>, ForgeError> {
        let mut items = Vec::new();
        let mut url = first_page;
        loop {
            let response = self
                .send(auth, operation, Method::GET, url, accept, None)
                .await?;
            let next = next_page_link(response.headers());
            items.extend(read_json::<Vec<T>>(response).await?);
            if let Some(limit) = limit
                && items.len() >= limit
            {
                items.truncate(limit);
                return Ok(items);
            }
            match next {
                Some(next) => url = self.same_origin(&next)?,
                None => return Ok(items),
            }
        }
    }

    /// Every item of a list paginated in the body, `{"values": [...], "next": URL}`
    /// (Bitbucket), stopping after `limit` items.
    pub async fn get_paged_values<T: DeserializeOwned>(
        &self,
        auth: &HeaderValue,
        operation: &'static str,
        first_page: Url,
        limit: Option<usize>,
    ) -> Result<Vec<T>, ForgeError> {
        #[derive(Deserialize)]
        struct Page<T> {
            values: Vec<T>,
            #[serde(default)]
            next: Option<String>,
        }
        let mut items = Vec::new();
        let mut url = first_page;
        loop {
            let response = self
                .send(auth, operation, Method::GET, url, "application/json", None)
                .await?;
            let page: Page<T> = read_json(response).await?;
            items.extend(page.values);
            if let Some(limit) = limit
                && items.len() >= limit
            {
                items.truncate(limit);
                return Ok(items);
            }
            match page.next {
                Some(next) => url = self.same_origin(&next)?,
                None => return Ok(items),
            }
        }
    }

    /// A pagination link, checked to point at the API we were configured with:
    /// the credentials go wherever the link says.
    fn same_origin(&self, link: &str) -> Result<Url, ForgeError> {
        let url = Url::parse(link)
            .map_err(|e| ForgeError::Malformed(format!("bad pagination link: {e}")))?;
        if url.origin() != self.api_base.origin() {
            return Err(ForgeError::Malformed(format!(
                "pagination link to another host: {}",
                url.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }

    /// Writes `payload` to the comment found by its marker (`edit`) or, when there
    /// is none, creates it (`create`); returns the host's answer and which it was.
    pub async fn upsert<T: DeserializeOwned>(
        &self,
        auth: &HeaderValue,
        edit: Option<Write>,
        create: Write,
        accept: &'static str,
        payload: &Value,
    ) -> Result<(T, CommentAction), ForgeError> {
        let (write, action) = match edit {
            Some(edit) => (edit, CommentAction::Edited),
            None => (create, CommentAction::Created),
        };
        let response = self
            .send(
                auth,
                write.operation,
                write.method,
                write.url,
                accept,
                Some(payload),
            )
            .await?;
        Ok((read_json(response).await?, action))
    }

    /// A GET whose body is text (a file, a diff), read up to `limit` bytes;
    /// `Ok(None)` on 404.
    pub async fn get_text(
        &self,
        auth: &HeaderValue,
        operation: &'static str,
        url: Url,
        accept: &'static str,
        limit: usize,
    ) -> Result<Option<CappedText>, ForgeError> {
        match self
            .send(auth, operation, Method::GET, url, accept, None)
            .await
        {
            Ok(response) => {
                let (bytes, complete) = read_capped(response, limit).await?;
                let mut text = String::from_utf8_lossy(&bytes).into_owned();
                if !complete && text.ends_with('\u{FFFD}') {
                    // The cut split a character: drop its first bytes.
                    text.pop();
                }
                Ok(Some(CappedText { text, complete }))
            }
            Err(ForgeError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends one request, waiting out rate limits (up to the configured bound) and
    /// retrying GETs after 5xx and transport failures. Every non-success status
    /// becomes a [`ForgeError`].
    pub async fn send(
        &self,
        auth: &HeaderValue,
        operation: &'static str,
        method: Method,
        url: Url,
        accept: &'static str,
        body: Option<&Value>,
    ) -> Result<Response, ForgeError> {
        let retries = if method == Method::GET {
            GET_RETRIES
        } else {
            0
        };
        let mut failures = 0;
        let mut rate_limit_waits = 0;
        loop {
            self.rate_limits.wait_for_announced_reset().await?;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(ACCEPT, accept)
                .header(AUTHORIZATION, auth.clone());
            if let Some(body) = body {
                request = request.json(body);
            }
            let started = Instant::now();
            let sent = request.send().await;
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let response = match sent {
                Ok(response) => response,
                Err(e) => {
                    logging::perf(operation, elapsed_ms, false);
                    if failures < retries {
                        failures += 1;
                        tokio::time::sleep(RETRY_BACKOFF * 2u32.pow(failures - 1)).await;
                        continue;
                    }
                    return Err(ForgeError::Unavailable(describe(e)));
                }
            };
            let status = response.status();
            logging::perf(operation, elapsed_ms, status.is_success());
            self.rate_limits
                .remember_exhausted_budget(response.headers(), SystemTime::now());
            if status.is_success() {
                return Ok(response);
            }
            if status.is_server_error() {
                if failures < retries {
                    failures += 1;
                    tokio::time::sleep(RETRY_BACKOFF * 2u32.pow(failures - 1)).await;
                    continue;
                }
                return Err(ForgeError::Unavailable(format!(
                    "{} answered {status}",
                    url.path()
                )));
            }
            let announced = self
                .rate_limits
                .announced_wait(response.headers(), SystemTime::now());
            let message = error_message(response).await;
            if let Some(wait) = refusal_wait(status, announced, &message) {
                self.rate_limits
                    .wait_out(operation, wait, &mut rate_limit_waits)
                    .await?;
                continue;
            }
            return Err(match status {
                StatusCode::UNAUTHORIZED => ForgeError::Unauthorized,
                StatusCode::FORBIDDEN => ForgeError::Forbidden { message },
                StatusCode::NOT_FOUND => ForgeError::NotFound {
                    resource: url.path().to_owned(),
                },
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                    ForgeError::Validation(message)
                }
                _ => ForgeError::Rejected {
                    status: status.as_u16(),
                    message,
                },
            });
        }
    }
}

/// The URL of `rel="next"` in the `Link` headers.
fn next_page_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|link| {
            let (target, params) = link.split_once(';')?;
            let is_next = params
                .split(';')
                .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            is_next.then(|| target.to_owned())
        })
}

/// A successful answer's JSON body, refused past [`MAX_JSON_BYTES`].
pub(super) async fn read_json<T: DeserializeOwned>(response: Response) -> Result<T, ForgeError> {
    let path = response.url().path().to_owned();
    let (bytes, complete) = read_capped(response, MAX_JSON_BYTES).await?;
    if !complete {
        return Err(ForgeError::TooLarge {
            what: path,
            limit_bytes: MAX_JSON_BYTES,
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| ForgeError::Malformed(format!("{path}: {e}")))
}

/// Up to `limit` bytes of a body, and whether that was all of it. Stops reading
/// (and so drops the connection) at the limit, whatever the body's length says.
async fn read_capped(mut response: Response, limit: usize) -> Result<(Vec<u8>, bool), ForgeError> {
    let announced = response
        .content_length()
        .and_then(|length| usize::try_from(length).ok());
    let mut body = Vec::with_capacity(announced.unwrap_or(0).min(limit));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ForgeError::Unavailable(describe(e)))?
    {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, false));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_the_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            LINK,
            HeaderValue::from_static(
                "<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_page_link(&headers).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        headers.insert(
            LINK,
            HeaderValue::from_static("<https://api.github.com/x?page=1>; rel=\"first\""),
        );
        assert_eq!(next_page_link(&headers), None);
    }

    #[test]
    fn credentials_are_refused_when_empty_and_hidden_when_printed() {
        assert!(matches!(bearer(" "), Err(ForgeError::InvalidInput(_))));
        assert!(matches!(basic("", "x"), Err(ForgeError::InvalidInput(_))));
        let value = basic("user", "app-password").expect("basic");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("app-password"));
        assert_eq!(
            value.to_str().expect("ascii"),
            "Basic dXNlcjphcHAtcGFzc3dvcmQ="
        );
    }
}
