//! Route handlers: read and validate the request, call the domain ([`crate::reviews`],
//! the store, the AI reviewer), audit, and answer. No review logic lives here.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, Utc};
use reviewgate_core::config::ReviewConfig;
use reviewgate_core::{Document, InputKind, Origin};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::auth::Principal;
use super::state::{AiDispatch, AppState, RequestContext};
use crate::analytics::{self, Granularity, HistoricalQuery, HistoricalReport, ReportKind};
use crate::error::{ApiError, ErrorBody};
use crate::logging::{self, AuditEvent};
use crate::model::{ReviewStatus, ReviewSummary, ReviewVersion, parse_risk_level};
use crate::reviews::{self, Analytics, NewReview, ReviewChange};
use crate::store::{self, ReviewQuery};

/// `Json` whose rejections use the API's error body: 400 for unreadable JSON, 422
/// for JSON of the wrong shape, 415 without a JSON content type, 413 when too large.
pub struct ValidJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ValidJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ValidJson(value)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::validation(e.body_text())),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::bad_request(e.body_text())),
            Err(JsonRejection::MissingJsonContentType(e)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                e.body_text(),
            )),
            Err(other) if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request body is larger than this server accepts",
            )),
            Err(other) => Err(ApiError::bad_request(other.body_text())),
        }
    }
}

fn query<T>(result: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    result
        .map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

fn audit(
    context: &RequestContext,
    principal: &Principal,
    event_type: &str,
    resource: &str,
    action: &str,
    success: bool,
) {
    logging::audit(AuditEvent {
        event_type,
        user_id: &principal.name,
        resource,
        action,
        success,
        ip_address: &context.ip_address,
    });
}

/// One input document.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// Path, used in findings (`main.tf`, `plan.json`, `pr.diff`).
    pub path: String,
    /// The text.
    pub content: String,
    /// Format (`plan`, `terraform`, `terraform-json`, `tfvars`, `tfvars-json`,
    /// `lock-file`, `diff`); detected from path and content when absent.
    #[serde(default)]
    pub kind: Option<String>,
}

/// `POST /api/reviews`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReviewRequest {
    /// The change: plans, configuration files, diffs.
    pub documents: Vec<DocumentInput>,
    /// `owner/repo`, for listing by repository.
    #[serde(default)]
    pub repository: Option<String>,
    /// Stack, for listing by stack.
    #[serde(default)]
    pub stack: Option<String>,
    /// `.reviewgate.toml` text.
    #[serde(default)]
    pub config: Option<String>,
}

/// `POST /api/reviews/pr`: a pull request's context.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrReviewRequest {
    /// `owner/repo`.
    pub repository: String,
    /// Pull request number.
    pub number: u64,
    /// Head commit SHA.
    pub head_sha: String,
    /// The pull request's unified diff.
    pub diff: String,
    /// Full text of changed files, when available (better findings than the diff alone).
    #[serde(default)]
    pub files: Vec<DocumentInput>,
    /// `.reviewgate.toml` text.
    #[serde(default)]
    pub config: Option<String>,
}

/// `PUT /api/reviews/{id}`: what the reviewer changes.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateReviewRequest {
    /// New status.
    #[serde(default)]
    pub status: Option<ReviewStatus>,
    /// Notes (at most 10,000 characters).
    #[serde(default)]
    pub notes: Option<String>,
    /// The reviewer's decision (at most 10,000 characters).
    #[serde(default)]
    pub decision: Option<String>,
}

/// A page of reviews.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReviewPage {
    /// Latest version of each review, newest review first.
    pub items: Vec<ReviewSummary>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Filters of `GET /api/reviews` and `GET /api/analytics`.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `owner/repo`.
    pub repository: Option<String>,
    /// Stack.
    pub stack: Option<String>,
    /// `open`, `approved`, `changes_requested`, `rejected`, `closed`.
    pub status: Option<String>,
    /// `low`, `medium`, `high`, `critical`.
    pub risk_level: Option<String>,
    /// Created at or after (RFC 3339).
    pub from: Option<String>,
    /// Created before (RFC 3339).
    pub to: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<usize>,
    /// From the previous page.
    pub cursor: Option<String>,
}

/// `?version=n`.
#[derive(Clone, Copy, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VersionParam {
    /// A given version (default: the latest).
    pub version: Option<u32>,
}

fn parse_time(name: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::bad_request(format!("{name}: `{v}` is not an RFC 3339 time"))
                })
        })
        .transpose()
}

impl ListParams {
    fn to_query(&self) -> Result<ReviewQuery, ApiError> {
        bounded_names(self.repository.as_deref(), self.stack.as_deref())?;
        let status = self
            .status
            .as_deref()
            .map(|s| {
                ReviewStatus::parse(s).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "status: `{s}` is not open, approved, changes_requested, rejected or closed"
                    ))
                })
            })
            .transpose()?;
        if let Some(level) = &self.risk_level
            && parse_risk_level(level).is_none()
        {
            return Err(ApiError::bad_request(format!(
                "risk_level: `{level}` is not low, medium, high or critical"
            )));
        }
        let limit = self.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::bad_request("limit: must be between 1 and 100"));
        }
        Ok(ReviewQuery {
            repository: self.repository.clone(),
            stack: self.stack.clone(),
            status,
            risk_level: self.risk_level.clone(),
            from: parse_time("from", self.from.as_deref())?,
            to: parse_time("to", self.to.as_deref())?,
            limit,
            cursor: self.cursor.clone(),
        })
    }
}

const MAX_DOCUMENTS: usize = 1000;

/// The longest review id, stack or other single identifier taken (the Worker and
/// the webhook intake use the same bound). Identifiers become parts of storage keys,
/// and DynamoDB refuses keys over 2 KB with an error that would otherwise be a 500.
pub const MAX_IDENTIFIER_BYTES: usize = reviewgate_ingress::normalize::MAX_ID_BYTES;
/// The longest repository name: an owner and a name of at most
/// [`MAX_IDENTIFIER_BYTES`] each (GitLab's nested groups are the long ones).
pub const MAX_REPOSITORY_BYTES: usize = 2 * MAX_IDENTIFIER_BYTES + 1;

/// 400 naming the field and its limit when `value` is longer than `max` bytes.
fn bounded(name: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.len() > max {
        return Err(ApiError::bad_request(format!(
            "{name}: at most {max} bytes (got {})",
            value.len()
        )));
    }
    Ok(())
}

/// The bounds of the identifiers a request names: a repository and a stack.
fn bounded_names(repository: Option<&str>, stack: Option<&str>) -> Result<(), ApiError> {
    if let Some(repository) = repository {
        bounded("repository", repository, MAX_REPOSITORY_BYTES)?;
    }
    if let Some(stack) = stack {
        bounded("stack", stack, MAX_IDENTIFIER_BYTES)?;
    }
    Ok(())
}

/// A review id from the path, refused before it reaches the store.
fn review_id(id: &str) -> Result<(), ApiError> {
    bounded("review id", id, MAX_IDENTIFIER_BYTES)
}
const MAX_TEXT_FIELD: usize = 10_000;

fn documents(inputs: &[DocumentInput], field: &str) -> Result<Vec<Document>, ApiError> {
    if inputs.len() > MAX_DOCUMENTS {
        return Err(ApiError::validation(format!(
            "{field}: at most {MAX_DOCUMENTS} documents"
        )));
    }
    inputs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            if d.path.trim().is_empty() {
                return Err(ApiError::validation(format!("{field}[{i}].path: must not be empty")));
            }
            let kind = d
                .kind
                .as_deref()
                .map(|k| {
                    k.parse::<InputKind>().map_err(|_| {
                        ApiError::validation(format!(
                            "{field}[{i}].kind: `{k}` is not one of plan, terraform, terraform-json, tfvars, tfvars-json, lock-file, diff"
                        ))
                    })
                })
                .transpose()?;
            Ok(Document {
                path: d.path.clone(),
                kind,
                content: d.content.clone(),
            })
        })
        .collect()
}

fn review_config(text: Option<&str>) -> Result<ReviewConfig, ApiError> {
    text.map_or_else(
        || Ok(ReviewConfig::default()),
        |t| ReviewConfig::from_toml(t).map_err(|e| ApiError::validation(format!("config: {e}"))),
    )
}

fn with_etag(status: StatusCode, version: &ReviewVersion) -> Response {
    let mut response = (status, Json(version)).into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", version.version)) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// Runs the rules, stores version 1, starts the AI review.
async fn create(
    state: &AppState,
    context: &RequestContext,
    principal: &Principal,
    new: NewReview,
) -> Result<Response, ApiError> {
    let author = principal.name.clone();
    // The rules are CPU-bound (large plans take a while): keep them off the runtime.
    let version =
        tokio::task::spawn_blocking(move || reviews::rules_version(&new, &author, Utc::now()))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "review task failed");
                ApiError::internal()
            })?;
    let resource = format!(
        "review/{}",
        ReviewVersion::version_id(&version.review_id, 1)
    );
    let result = state.store.create(&version).await;
    audit(
        context,
        principal,
        "data_change",
        &resource,
        "create",
        result.is_ok(),
    );
    result?;
    if state.ai.enabled() && state.ai_dispatch == AiDispatch::Background {
        let store = Arc::clone(&state.store);
        let ai = Arc::clone(&state.ai);
        let review_id = version.review_id.clone();
        let span =
            tracing::info_span!("ai_review", trace_id = %context.trace_id, review_id = %review_id);
        tokio::spawn(tracing::Instrument::instrument(
            async move {
                if let Err(e) = crate::llm::review_and_store(store.as_ref(), &ai, &review_id).await
                {
                    tracing::error!(error = %e, "could not store the AI review");
                }
            },
            span,
        ));
    }
    let mut response = with_etag(StatusCode::CREATED, &version);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/reviews/{}", version.review_id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Create a review from a change set (runs the rules; version 1).
#[utoipa::path(post, path = "/api/reviews", request_body = CreateReviewRequest,
    responses((status = 201, body = ReviewVersion), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_review(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    ValidJson(body): ValidJson<CreateReviewRequest>,
) -> Result<Response, ApiError> {
    if body.documents.is_empty() {
        return Err(ApiError::validation(
            "documents: at least one document is required",
        ));
    }
    bounded_names(body.repository.as_deref(), body.stack.as_deref())?;
    let new = NewReview {
        documents: documents(&body.documents, "documents")?,
        origin: Origin::Local,
        repository: body.repository,
        stack: body.stack,
        config: review_config(body.config.as_deref())?,
    };
    create(&state, &context, &principal, new).await
}

/// Review a pull request from its context (diff and, optionally, changed files).
#[utoipa::path(post, path = "/api/reviews/pr", request_body = PrReviewRequest,
    responses((status = 201, body = ReviewVersion), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_pr_review(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    ValidJson(body): ValidJson<PrReviewRequest>,
) -> Result<Response, ApiError> {
    bounded_names(Some(&body.repository), None)?;
    let Some((owner, repo)) = body
        .repository
        .split_once('/')
        .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
    else {
        return Err(ApiError::validation("repository: must be `owner/repo`"));
    };
    if !(7..=64).contains(&body.head_sha.len())
        || !body.head_sha.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ApiError::validation(
            "head_sha: must be a hexadecimal commit SHA",
        ));
    }
    if body.diff.trim().is_empty() && body.files.is_empty() {
        return Err(ApiError::validation(
            "diff: must not be empty (or give files)",
        ));
    }
    let mut docs = vec![Document {
        path: format!("pull-{}.diff", body.number),
        kind: Some(InputKind::Diff),
        content: body.diff.clone(),
    }];
    docs.extend(documents(&body.files, "files")?);
    let new = NewReview {
        documents: docs,
        origin: Origin::GithubPullRequest {
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            number: body.number,
            head_sha: body.head_sha.clone(),
        },
        repository: Some(body.repository.clone()),
        stack: None,
        config: review_config(body.config.as_deref())?,
    };
    create(&state, &context, &principal, new).await
}

/// The latest version of a review, or `?version=n`.
#[utoipa::path(get, path = "/api/reviews/{id}", params(("id" = String, Path), VersionParam),
    responses((status = 200, body = ReviewVersion), (status = 404, body = ErrorBody)))]
pub async fn get_review(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    params: Result<Query<VersionParam>, QueryRejection>,
) -> Result<Response, ApiError> {
    review_id(&id)?;
    let params = query(params)?;
    let found = match params.version {
        Some(0) => return Err(ApiError::bad_request("version: versions start at 1")),
        Some(n) => state.store.get_version(&id, n).await?,
        None => state.store.get_latest(&id).await?,
    };
    audit(
        &context,
        &principal,
        "data_access",
        &format!("review/{id}"),
        "read",
        found.is_some(),
    );
    let version = found.ok_or_else(|| match params.version {
        Some(n) => ApiError::not_found(format!("review {id} has no version {n}")),
        None => ApiError::not_found(format!("review {id} not found")),
    })?;
    Ok(with_etag(StatusCode::OK, &version))
}

/// Every version of a review, ascending.
#[utoipa::path(get, path = "/api/reviews/{id}/versions", params(("id" = String, Path)),
    responses((status = 200, body = Vec<ReviewSummary>), (status = 404, body = ErrorBody)))]
pub async fn list_versions(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Vec<ReviewSummary>>, ApiError> {
    review_id(&id)?;
    let versions = state.store.list_versions(&id).await?;
    audit(
        &context,
        &principal,
        "data_access",
        &format!("review/{id}"),
        "list_versions",
        !versions.is_empty(),
    );
    if versions.is_empty() {
        return Err(ApiError::not_found(format!("review {id} not found")));
    }
    Ok(Json(versions))
}

fn if_match(headers: &HeaderMap) -> Result<u32, ApiError> {
    let value = headers.get(header::IF_MATCH).ok_or_else(|| {
        ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "If-Match with the version you read (its ETag) is required",
        )
    })?;
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::bad_request("If-Match: expected a version number such as \"3\""))
}

/// Change status, notes or decision: writes a new version if `If-Match` is the latest.
#[utoipa::path(put, path = "/api/reviews/{id}", params(("id" = String, Path), ("If-Match" = String, Header, description = "The version read, e.g. \"3\"")),
    request_body = UpdateReviewRequest,
    responses((status = 200, body = ReviewVersion), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub async fn update_review(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ValidJson(body): ValidJson<UpdateReviewRequest>,
) -> Result<Response, ApiError> {
    review_id(&id)?;
    let expected = if_match(&headers)?;
    if body.status.is_none() && body.notes.is_none() && body.decision.is_none() {
        return Err(ApiError::validation(
            "give at least one of status, notes, decision",
        ));
    }
    for (name, text) in [("notes", &body.notes), ("decision", &body.decision)] {
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TEXT_FIELD)
        {
            return Err(ApiError::validation(format!(
                "{name}: at most {MAX_TEXT_FIELD} characters"
            )));
        }
    }
    let change = ReviewChange {
        status: body.status,
        notes: body.notes,
        decision: body.decision,
    };
    let result = store::update_review(
        state.store.as_ref(),
        &id,
        Some(expected),
        &principal.name,
        |next| change.apply(next),
    )
    .await;
    let resource = match &result {
        Ok(v) => format!("review/{}", ReviewVersion::version_id(&id, v.version)),
        Err(_) => format!("review/{id}"),
    };
    audit(
        &context,
        &principal,
        "data_change",
        &resource,
        "update",
        result.is_ok(),
    );
    Ok(with_etag(StatusCode::OK, &result?))
}

/// Latest version of each review, filtered, newest first, cursor-paginated.
#[utoipa::path(get, path = "/api/reviews", params(ListParams),
    responses((status = 200, body = ReviewPage), (status = 400, body = ErrorBody)))]
pub async fn list_reviews(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ReviewPage>, ApiError> {
    let query = query(params)?.to_query()?;
    let page = state.store.list_reviews(&query).await?;
    audit(&context, &principal, "data_access", "reviews", "list", true);
    Ok(Json(ReviewPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Counts by risk level and status, and the top rules.
#[utoipa::path(get, path = "/api/analytics", params(ListParams),
    responses((status = 200, body = Analytics), (status = 400, body = ErrorBody)))]
pub async fn analytics(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Analytics>, ApiError> {
    let query = query(params)?.to_query()?;
    let result = reviews::analytics(state.store.as_ref(), &query).await?;
    audit(
        &context,
        &principal,
        "data_access",
        "analytics",
        "read",
        true,
    );
    Ok(Json(result))
}

/// Query of `GET /api/analytics/historical`.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoricalParams {
    /// `trends`, `patterns` or `correlations`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC, inclusive).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC, inclusive; at most 366 days after `from`, not
    /// after today).
    pub to: Option<String>,
    /// Only this `owner/repo`.
    pub repository: Option<String>,
    /// Only this stack.
    pub stack: Option<String>,
    /// `day` (default) or `week`; trends only.
    pub granularity: Option<String>,
}

fn parse_day(name: &str, value: Option<&str>) -> Result<NaiveDate, ApiError> {
    let value = value.ok_or_else(|| {
        ApiError::bad_request(format!("{name}: required, a UTC date as YYYY-MM-DD"))
    })?;
    analytics::parse_day(value)
        .ok_or_else(|| ApiError::bad_request(format!("{name}: `{value}` is not a YYYY-MM-DD date")))
}

impl HistoricalParams {
    fn to_query(&self, today: NaiveDate) -> Result<HistoricalQuery, ApiError> {
        bounded_names(self.repository.as_deref(), self.stack.as_deref())?;
        let kind = match self.kind.as_deref() {
            Some("trends") => ReportKind::Trends,
            Some("patterns") => ReportKind::Patterns,
            Some("correlations") => ReportKind::Correlations,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "type: `{other}` is not trends, patterns or correlations"
                )));
            }
            None => {
                return Err(ApiError::bad_request(
                    "type: required, one of trends, patterns, correlations",
                ));
            }
        };
        let from = parse_day("from", self.from.as_deref())?;
        let to = parse_day("to", self.to.as_deref())?;
        if from > to {
            return Err(ApiError::bad_request(format!(
                "from: {from} is after to ({to})"
            )));
        }
        if to > today {
            return Err(ApiError::bad_request(format!(
                "to: {to} is in the future (today is {today} UTC)"
            )));
        }
        if (to - from).num_days() >= analytics::MAX_RANGE_DAYS {
            return Err(ApiError::bad_request(format!(
                "to: the range covers at most {} days",
                analytics::MAX_RANGE_DAYS
            )));
        }
        let granularity = match (self.granularity.as_deref(), kind) {
            (None | Some("day"), _) => Granularity::Day,
            (Some("week"), ReportKind::Trends) => Granularity::Week,
            (Some("week"), _) => {
                return Err(ApiError::bad_request(
                    "granularity: only type=trends has periods",
                ));
            }
            (Some(other), _) => {
                return Err(ApiError::bad_request(format!(
                    "granularity: `{other}` is not day or week"
                )));
            }
        };
        let non_empty = |name: &str, value: &Option<String>| match value {
            Some(v) if v.trim().is_empty() => {
                Err(ApiError::bad_request(format!("{name}: must not be empty")))
            }
            _ => Ok(value.clone()),
        };
        Ok(HistoricalQuery {
            kind,
            from,
            to,
            repository: non_empty("repository", &self.repository)?,
            stack: non_empty("stack", &self.stack)?,
            granularity,
        })
    }
}

/// History over days: trends (risk and findings per day or week), patterns
/// (frequent, repeated and recurring rules) or correlations (finding categories
/// against risk, point-biserial). Stored daily aggregates are used for the days
/// that have them; other days are folded from the versions.
#[utoipa::path(get, path = "/api/analytics/historical", params(HistoricalParams),
    responses((status = 200, body = HistoricalReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn historical(
    State(state): State<AppState>,
    Extension(context): Extension<RequestContext>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<HistoricalParams>, QueryRejection>,
) -> Result<Json<HistoricalReport>, ApiError> {
    let query = query(params)?.to_query(analytics::today())?;
    let result = analytics::historical(state.store.as_ref(), &query).await;
    audit(
        &context,
        &principal,
        "data_access",
        "analytics/historical",
        "read",
        result.is_ok(),
    );
    Ok(Json(result?))
}

/// The OpenAPI document.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(super::ApiDoc::openapi())
}

/// `GET /healthz`: this process serves requests, and which release it runs. No key:
/// load balancers and uptime checks call it, as they call the Worker's.
pub async fn healthz() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        reviewgate_ingress::outcome::health_body(),
    )
}

/// Unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}
