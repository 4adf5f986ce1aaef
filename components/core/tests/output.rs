//! SARIF and Markdown renderings of real reviews.

mod support;

use reviewgate_core::output::{markdown, sarif};
use reviewgate_core::{ChangeSet, Document, Origin, Review, review};

fn review_of(hcl: &str) -> Review {
    let cs = ChangeSet::from_documents(
        Origin::Local,
        [Document::detect("modules/my bucket/main.tf", hcl)],
    );
    review(&cs)
}

const TWO_BUCKETS: &str = r#"
resource "aws_s3_bucket" "open" {}

# reviewgate:skip=RG-AWS-S3-004 write-once log archive
resource "aws_s3_bucket" "logs" {}
"#;

#[test]
fn sarif_validates_against_the_official_schema() {
    let review = review_of(TWO_BUCKETS);
    assert!(review.findings.iter().any(|f| f.suppressed));
    let log = sarif::to_value(&review, "0.1.0");
    support::assert_valid_sarif(&log);

    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(
        rules
            .iter()
            .all(|r| r["properties"]["security-severity"].is_string())
    );
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), review.findings.len());
    let first = &results[0];
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "modules/my%20bucket/main.tf"
    );
    assert!(
        first["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .is_some()
    );
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "write-once log archive"
    );
    // Fingerprints are stable and distinct per finding.
    let again = sarif::to_value(&review_of(TWO_BUCKETS), "0.1.0");
    assert_eq!(again["runs"][0]["results"], run["results"]);
}

#[test]
fn markdown_comment_has_marker_summary_and_locations() {
    let review = review_of(TWO_BUCKETS);
    let comment = markdown::render(&review, "0.1.0");
    assert!(comment.starts_with(markdown::MARKER));
    assert!(comment.contains("reviewgate:"), "{comment}");
    assert!(
        comment.contains("`modules/my bucket/main.tf:2`"),
        "{comment}"
    );
    assert!(
        comment.contains("<details><summary>Suppressed (1)</summary>"),
        "{comment}"
    );
    assert!(comment.contains("write-once log archive"));
}

#[test]
fn markdown_stays_under_githubs_limit_and_says_what_it_left_out() {
    let many: String = (0..3000)
        .map(|i| format!("resource \"aws_s3_bucket\" \"b{i}\" {{}}\n"))
        .collect();
    let review = review_of(&many);
    assert!(review.findings.len() >= 6000);
    let comment = markdown::render(&review, "0.1.0");
    assert!(
        comment.chars().count() <= markdown::GITHUB_COMMENT_LIMIT,
        "{} chars",
        comment.chars().count()
    );
    assert!(
        comment.contains("more finding(s) not shown"),
        "truncation note missing"
    );
    assert!(
        comment.trim_end().ends_with("</sub>"),
        "the footer survives truncation"
    );
    // A tiny limit still yields a valid (cut) body, never a panic.
    assert!(
        markdown::render_within(&review, "0.1.0", 100)
            .chars()
            .count()
            <= 100
    );
}

/// Secrets built at run time so the repository holds no string that looks live.
fn fake_secrets() -> Vec<String> {
    vec![
        ["AKIA", "Q7RZ2M4KXW9PLT3B"].concat(),
        ["ghp_", "Zx8kQ2mW7pL4vN9bR3tY6uJ1hG5fD0sA2cE8"].concat(),
        [
            "xoxb-",
            "2837465019-",
            "7364528190273-",
            "Qz8XkLm2Pw9RtV4nBy7Hs3Df",
        ]
        .concat(),
        ["S3cr3t", "Pa55w0rd", "-x9Qz!k2"].concat(),
    ]
}

#[test]
fn no_output_format_contains_a_full_secret() {
    let secrets = fake_secrets();
    let hcl = format!(
        "resource \"aws_db_instance\" \"db\" {{\n  password = \"{}\"\n}}\n\nresource \"aws_lambda_function\" \"f\" {{\n  environment {{\n    variables = {{\n      AWS_ACCESS_KEY_ID = \"{}\"\n      GITHUB_TOKEN      = \"{}\"\n    }}\n  }}\n}}\n",
        secrets[3], secrets[0], secrets[1]
    );
    let diff = format!(
        "diff --git a/app.env b/app.env\n--- a/app.env\n+++ b/app.env\n@@ -1 +1,2 @@\n A=1\n+SLACK_BOT_TOKEN={}\n",
        secrets[2]
    );
    let cs = ChangeSet::from_documents(
        Origin::Local,
        [
            Document::detect("main.tf", hcl),
            Document::detect("pr.diff", diff),
        ],
    );
    let review = review(&cs);
    let secret_findings: Vec<_> = review
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("RG-SECRET-"))
        .collect();
    assert!(
        secret_findings.len() >= 4,
        "every planted secret is found: {secret_findings:#?}"
    );
    let outputs = [
        ("json", serde_json::to_string(&review).expect("json")),
        ("sarif", sarif::render(&review, "0.1.0")),
        ("markdown", markdown::render(&review, "0.1.0")),
        ("debug", format!("{review:?}")),
    ];
    for (format, text) in &outputs {
        for secret in &secrets {
            // Masking keeps at most the first 4 characters: no 8-character window of a
            // secret may appear anywhere.
            for window in secret.as_bytes().windows(8) {
                let window = std::str::from_utf8(window).expect("ascii");
                assert!(
                    !text.contains(window),
                    "{format} output leaks `{window}` of a secret"
                );
            }
        }
    }
}

/// A root calling a registry module that `terraform init` has not installed.
const UNINSTALLED_MODULE: &str = r#"
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
}
resource "aws_s3_bucket" "open" {}
"#;

#[test]
fn a_module_not_evaluated_is_a_sarif_notification_and_a_markdown_section() {
    let review = review_of(UNINSTALLED_MODULE);
    assert_eq!(review.not_evaluated.len(), 1, "{:?}", review.not_evaluated);

    let log = sarif::to_value(&review, "0.1.0");
    support::assert_valid_sarif(&log);
    let notifications = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notifications.len(), 1);
    let note = &notifications[0];
    assert_eq!(note["level"], "note");
    assert_eq!(note["descriptor"]["id"], "reviewgate/module-not-evaluated");
    let text = note["message"]["text"].as_str().expect("text");
    assert!(
        text.starts_with("module.vpc (terraform-aws-modules/vpc/aws) is not evaluated"),
        "{text}"
    );
    let location = &note["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "modules/my%20bucket/main.tf"
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 2);
    // Results stay the findings: a module not evaluated is no alert.
    assert_eq!(
        log["runs"][0]["results"].as_array().expect("results").len(),
        review.findings.len()
    );
    // A review with every module evaluated has no invocation to report.
    let clean = sarif::to_value(&review_of(TWO_BUCKETS), "0.1.0");
    assert!(clean["runs"][0].get("invocations").is_none());

    let comment = markdown::render(&review, "0.1.0");
    assert!(comment.contains("Modules not evaluated (1)"), "{comment}");
    assert!(
        comment.contains(
            "`module.vpc` (`terraform-aws-modules/vpc/aws`) at `modules/my bucket/main.tf:2`"
        ),
        "{comment}"
    );

    let json = serde_json::to_value(&review).expect("json");
    assert_eq!(json["not_evaluated"][0]["module"], "module.vpc");
    assert_eq!(json["not_evaluated"][0]["version"], "~> 5.0");
}

#[test]
fn provenance_is_sarif_related_locations_that_validate_and_a_markdown_chain() {
    let inputs = reviewgate_core::VariableInputs {
        environment: Vec::new(),
        command_line: vec![reviewgate_core::CommandLineVariable::Var {
            name: "encrypted".into(),
            value: "false".into(),
        }],
    };
    let cs = ChangeSet::from_documents_with_inputs(
        Origin::Local,
        [
            Document::detect(
                "variables.tf",
                "variable \"encrypted\" {\n  type = bool\n}\n\nvariable \"versioning\" {\n  default = \"Suspended\"\n}\n",
            ),
            Document::detect(
                "main.tf",
                "resource \"aws_db_instance\" \"this\" {\n  storage_encrypted = var.encrypted\n}\n\nresource \"aws_s3_bucket_versioning\" \"v\" {\n  bucket = \"b\"\n  versioning_configuration {\n    status = var.versioning\n  }\n}\n",
            ),
        ],
        &inputs,
    );
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let review = review(&cs);
    let log = sarif::to_value(&review, "0.1.0");
    support::assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    let rds = results
        .iter()
        .find(|r| r["ruleId"] == "RG-AWS-RDS-001")
        .expect("the RDS finding");
    let related = rds["relatedLocations"].as_array().expect("related");
    assert_eq!(related.len(), 3);
    // A value typed on the command line has no file to point at.
    assert!(related[0].get("physicalLocation").is_none());
    assert_eq!(related[0]["message"]["text"], "var.encrypted (--var)");
    assert_eq!(related[1]["physicalLocation"]["region"]["startLine"], 1);
    assert_eq!(
        related[2]["message"]["text"],
        "aws_db_instance.this.storage_encrypted"
    );
    // Literal findings carry none.
    assert!(
        results
            .iter()
            .filter(|r| r["ruleId"] != "RG-AWS-RDS-001" && r["ruleId"] != "RG-AWS-S3-004")
            .all(|r| r.get("relatedLocations").is_none())
    );

    let comment = markdown::render(&review, "0.1.0");
    assert!(
        comment.contains("via `--var → var.encrypted → aws_db_instance.this.storage_encrypted`"),
        "{comment}"
    );
}
