//! Renderings of a review that every surface shares: SARIF for code-scanning
//! platforms and Markdown for pull-request comments. (JSON is the `Review` itself;
//! terminal text belongs to the CLI.)

pub mod markdown;
pub mod sarif;
