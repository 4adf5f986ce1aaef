//! The backend's tests: one binary, one module per area.
//!
//! The DynamoDB runs need moto (a local DynamoDB speaking the real wire protocol):
//! `scripts/test` installs it and sets `REVIEWGATE_MOTO_PYTHON`. They are
//! compiled with the `dynamodb` feature only, and fail (not skip) without moto.

#![allow(missing_docs)]

/// Historical analytics: reports, daily aggregates, backfill, the scheduler (both
/// stores).
mod analytics;
/// The REST API through the router, on the embedded store (and moto when built with
/// `dynamodb`).
mod api;
/// The Bitbucket Cloud client and pull requests through the event processor,
/// against a local fake speaking Bitbucket's API 2.0 wire format
/// (`tests/bitbucket_fake.py`).
mod bitbucket;
/// The GitHub client against a local fake speaking GitHub's REST wire format
/// (`tests/github_fake.py`, needs `python3`).
mod github;
/// The GitLab client and merge requests through the event processor, against a
/// local fake speaking GitLab's API v4 wire format (`tests/gitlab_fake.py`).
mod gitlab;
/// The AI reviewer against fakes speaking Bedrock Converse and OpenAI chat JSON.
mod llm;
/// SOC 2 logs: fields present, secrets absent.
mod logs;
/// Pull requests through the event processor against the GitHub fake: whose
/// comment is edited, the verdict without the comment, the gate's settings from
/// the base, failures and panics surfaced on the pull request, bounded work.
mod pull_requests;
/// Hostile file names and resource labels through the pull-request loop: the
/// comment and the check run as GitHub receives them (`tests/github_fake.py`).
mod rendering;
/// Secrets given by ARN, read from moto's Secrets Manager, and their rotation.
#[cfg(all(feature = "lambda", feature = "dynamodb"))]
mod secrets_manager;
/// Spacelift run events through the event processor, and the Spacelift client
/// against a local fake speaking GraphQL's wire format (`tests/spacelift_fake.py`).
mod spacelift;
/// One conformance suite, run against both stores.
mod store;
/// Moto, fakes and sample reviews.
mod support;
