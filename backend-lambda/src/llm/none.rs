//! The `none` provider is the absence of one: [`AiReviewer::new(None, ..)`] yields
//! rules-only reviews, labelled `analysis: "rules_only"` with no `ai` record. This
//! module only documents the choice and offers the constructor by name.
//!
//! [`AiReviewer::new(None, ..)`]: super::AiReviewer::new

use std::time::Duration;

use super::AiReviewer;

/// A reviewer that never calls a model.
pub fn rules_only() -> AiReviewer {
    AiReviewer::new(None, Duration::from_secs(60), 0)
}
