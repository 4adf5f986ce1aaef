//! reviewgate's backend on AWS Lambda.
//!
//! Placeholder: the REST API, the versioned review store (DynamoDB and embedded), AI
//! review through Bedrock and the structured audit logs are built in their own issue.
//! Handlers will be thin over `reviewgate-core`; the AWS SDK stays in this crate only.
