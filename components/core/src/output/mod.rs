//! Renderings of a review that every surface shares: SARIF for code-scanning
//! platforms and Markdown for pull-request comments. (JSON is the `Review` itself;
//! terminal text belongs to the CLI.) `groups` is the one grouping of findings by
//! resource that the comment and the terminal text show; `escape` holds the one
//! copy of each escaping rule that these, the backend's check runs and the CLI's
//! terminal text apply to whatever a change's author chose.

pub mod escape;
pub mod groups;
pub mod markdown;
pub mod sarif;
