//! reviewgate's cross-crate integration tests: one binary, one module per area.
//! Fixtures are the real files of `../shared/corpus`, read in place.

/// ARCHITECTURE.md's code map names every source file and no other.
mod architecture;
/// Every Trivy `terraform.good`/`terraform.bad` snippet parses with correct addresses and lines.
mod corpus_hcl;
/// Every Terraform plan in the corpus parses (and the deliberately invalid one fails clearly).
mod corpus_plans;
/// Every Trivy check a rule claims: bad snippets flagged, good snippets not.
mod corpus_rules;
/// deploy/aws, the Terraform module, against the binaries, configuration, table and
/// routes of the backend it deploys.
mod deploy_aws;
/// Webhook signature vectors and GitHub payloads through the ingress crate.
mod ingress_corpus;
/// A review split across threads equals the reviews of its parts.
mod parallel_review;
