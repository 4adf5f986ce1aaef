//! End-to-end tests of the `reviewgate` binary: real process, real files, real exit codes.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn corpus(relative: &str) -> PathBuf {
    let dir = std::env::var_os("REVIEWGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    assert!(dir.is_dir(), "shared corpus missing at {}", dir.display());
    dir.join(relative)
}

fn reviewgate(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn reviewgate");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("wait")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(output)))
}

#[test]
fn reviews_a_corpus_plan_as_text() {
    let plan = corpus("terraform-plans/config_resource_depends_on__plan.json");
    let out = reviewgate(&["review", plan.to_str().expect("utf-8 path")], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(
        text.contains("Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy, 1 unchanged"),
        "{text}"
    );
    assert!(text.contains("-/+"), "{text}");
}

#[test]
fn json_output_has_the_documented_shape() {
    let plan = corpus("terraform-plans/basic__plan.json");
    let out = reviewgate(
        &[
            "review",
            "--format",
            "json",
            plan.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let review = json(&out);
    assert!(review["findings"].is_array());
    assert!(review["errors"].as_array().expect("errors").is_empty());
    assert_eq!(review["resources"], 8);
    assert_eq!(
        review["changes"]["plan"]["actions"]["create"], 7,
        "{review}"
    );
    assert_eq!(review["changes"]["plan"]["actions"]["read"], 1, "{review}");
    assert!(review.get("risk").is_some());
}

#[test]
fn invalid_plan_exits_2_and_names_the_line() {
    let plan = corpus("terraform-plans/invalid__plan.json");
    let out = reviewgate(
        &[
            "review",
            "--format",
            "json",
            plan.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let review = json(&out);
    let error = &review["errors"][0];
    assert_eq!(error["line"], 676);
    assert!(
        error["message"]
            .as_str()
            .expect("message")
            .starts_with("invalid plan JSON at line 676"),
        "{error}"
    );
}

#[test]
fn a_directory_is_walked_and_one_bad_file_does_not_hide_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::write(
        root.join("main.tf"),
        "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = \"logs\"\n}\n",
    )
    .expect("write");
    fs::create_dir_all(root.join("modules/net")).expect("mkdir");
    fs::write(
        root.join("modules/net/vpc.tf.json"),
        r#"{"resource":{"aws_vpc":{"main":{"cidr_block":"10.0.0.0/16"}}}}"#,
    )
    .expect("write");
    fs::write(
        root.join("broken.tf"),
        "resource \"a\" \"b\" {\n  x = \n}\n",
    )
    .expect("write");
    fs::write(root.join("README.md"), "# not reviewed").expect("write");
    fs::write(root.join("package.json"), r#"{"name":"x"}"#).expect("write");
    // Downloaded module copies are not part of the change.
    fs::create_dir_all(root.join(".terraform/modules/x")).expect("mkdir");
    fs::write(
        root.join(".terraform/modules/x/main.tf"),
        "resource \"aws_instance\" \"cached\" {}\n",
    )
    .expect("write");

    let out = reviewgate(
        &[
            "review",
            "--format",
            "json",
            root.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a parse error makes the review incomplete"
    );
    let review = json(&out);
    assert_eq!(review["resources"], 2, "{review}");
    let errors = review["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{review}");
    assert!(
        errors[0]["file"]
            .as_str()
            .expect("file")
            .ends_with("broken.tf")
    );
    assert_eq!(errors[0]["line"], 2);

    let text = stdout(&reviewgate(
        &["review", root.to_str().expect("utf-8 path")],
        None,
    ));
    assert!(
        text.contains("aws_s3_bucket.logs") && text.contains("lines 1-3"),
        "{text}"
    );
    assert!(!text.contains("cached"), "{text}");
    assert!(text.contains("broken.tf:2:"), "{text}");
}

#[test]
fn stdin_is_detected_or_forced() {
    let diff =
        "diff --git a/main.tf b/main.tf\n--- a/main.tf\n+++ b/main.tf\n@@ -1 +1,2 @@\n a\n+b\n";
    let out = reviewgate(&["review", "--format", "json", "-"], Some(diff));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let review = json(&out);
    assert_eq!(review["changes"]["diff"]["lines_added"], 1);
    assert_eq!(review["changes"]["diff"]["terraform_files"], 1);

    let out = reviewgate(
        &[
            "review",
            "--format",
            "json",
            "--input-format",
            "tfvars",
            "-",
        ],
        Some("region = \"eu-west-1\"\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn unusable_input_exits_2_with_a_message() {
    let out = reviewgate(&["review", "/no/such/path.tf"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("/no/such/path.tf: cannot read"),
        "{}",
        stdout(&out)
    );

    let out = reviewgate(&["review", "--input-format", "yaml", "-"], Some(""));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown input format `yaml`"));

    let out = reviewgate(
        &["review", "--format", "json", "-"],
        Some("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        json(&out)["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("ends early")
    );
}

#[test]
fn rules_catalog_prints_the_fixed_shape() {
    let out = reviewgate(&["rules", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0));
    let catalog = json(&out);
    let rules = catalog.as_array().expect("array");
    for rule in rules {
        for key in ["id", "title", "severity", "aliases", "frameworks"] {
            assert!(rule.get(key).is_some(), "rule lacks {key}: {rule}");
        }
    }
}
