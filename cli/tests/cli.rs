//! End-to-end tests of the `reviewgate` binary: real process, real files, real exit codes.

mod support;

use std::fs;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use support::corpus;

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

/// `terraform show -json > plan.json` in Windows PowerShell writes UTF-16 with a
/// byte-order mark; an editor may start UTF-8 with one. Both review like the plan.
#[test]
fn a_plan_written_as_utf16_or_with_a_byte_order_mark_is_read() {
    let plan = corpus("terraform-plans/config_resource_depends_on__plan.json");
    let text = fs::read_to_string(&plan).expect("the corpus plan");
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = stdout(&reviewgate(
        &["review", "--format", "json", plan.to_str().expect("utf-8")],
        None,
    ));
    let utf16le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let utf16be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let utf8_bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
    for (name, bytes) in [
        ("le.json", utf16le),
        ("be.json", utf16be),
        ("bom.json", utf8_bom),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, &bytes).expect("write");
        let out = reviewgate(
            &["review", "--format", "json", path.to_str().expect("utf-8")],
            None,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let review = json(&out);
        let same = serde_json::from_str::<serde_json::Value>(&expected).expect("json");
        assert_eq!(review["changes"], same["changes"], "{name}");
        let without_file = |review: &serde_json::Value| -> Vec<serde_json::Value> {
            let mut findings = review["findings"].as_array().cloned().unwrap_or_default();
            for finding in &mut findings {
                finding["file"] = serde_json::Value::Null;
            }
            findings
        };
        assert_eq!(without_file(&review), without_file(&same), "{name}");
        assert!(
            !without_file(&review).is_empty(),
            "the plan has a finding to compare"
        );
    }
    // Bytes that are text in no encoding say so, with where.
    let broken = dir.path().join("broken.json");
    fs::write(&broken, b"{\"format_version\": \"1.2\xff\"}").expect("write");
    let out = reviewgate(&["review", broken.to_str().expect("utf-8")], None);
    assert_eq!(out.status.code(), Some(2));
    // `{"format_version": "1.2` is 23 bytes: the 24th is the first that is not UTF-8.
    let text = stdout(&out);
    assert!(
        text.contains("broken.json: not UTF-8 text (invalid byte at offset 23)"),
        "{text}"
    );
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
        text.contains("aws_s3_bucket.logs") && text.contains(" 1-3 "),
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

const OPEN_BUCKET: &str =
    "resource \"aws_s3_bucket\" \"site\" {\n  bucket = \"site\"\n  acl    = \"public-read\"\n}\n";

#[test]
fn frameworks_reports_each_controls_rules_and_the_counts() {
    let out = reviewgate(&["frameworks", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0));
    let all = json(&out);
    let keys: Vec<&str> = all
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| f["key"].as_str().expect("key"))
        .collect();
    assert_eq!(
        keys,
        [
            "cis-aws-3.0",
            "nist-800-53-r5",
            "nist-csf-2.0",
            "pci-dss-4.0",
            "soc2",
            "hipaa"
        ]
    );
    let rule_ids: Vec<String> = json(&reviewgate(&["rules", "--format", "json"], None))
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    for framework in all.as_array().expect("a list") {
        let controls = framework["controls"].as_array().expect("controls");
        let covered = controls
            .iter()
            .filter(|c| !c["rules"].as_array().expect("rules").is_empty())
            .count();
        assert_eq!(framework["total"], controls.len(), "{}", framework["key"]);
        assert_eq!(framework["covered"], covered, "{}", framework["key"]);
        assert!(covered > 0, "{} has no covered control", framework["key"]);
        for control in controls {
            for rule in control["rules"].as_array().expect("rules") {
                let rule = rule.as_str().expect("rule id");
                assert!(rule_ids.iter().any(|id| id == rule), "{rule}");
            }
        }
    }

    // One framework: the object alone, each control with the rules mapped to it.
    let pci = json(&reviewgate(
        &["frameworks", "pci-dss-4.0", "--format", "json"],
        None,
    ));
    assert_eq!(pci["key"], "pci-dss-4.0");
    let in_transit = pci["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["id"] == "4.2.1")
        .expect("4.2.1 is listed");
    assert!(
        in_transit["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .any(|r| r == "RG-AWS-ELB-001"),
        "{in_transit}"
    );
    let text = stdout(&reviewgate(&["frameworks", "hipaa"], None));
    assert!(text.contains("164.312(a)(2)(iv)"), "{text}");
    assert!(text.contains("RG-AWS-S3-003"), "{text}");
}

#[test]
fn an_unknown_framework_is_a_usage_error_naming_the_known_ones() {
    for args in [
        &["frameworks", "pci-dss-3.2.1"][..],
        &["review", "--framework", "pci-dss-3.2.1", "-"][..],
    ] {
        let out = reviewgate(args, Some(""));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let error = String::from_utf8_lossy(&out.stderr);
        assert!(
            error.contains("unknown framework `pci-dss-3.2.1`"),
            "{error}"
        );
        assert!(
            error.contains("cis-aws-3.0") && error.contains("nist-csf-2.0"),
            "{error}"
        );
    }
}

#[test]
fn review_framework_keeps_only_findings_of_rules_mapped_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("main.tf");
    fs::write(&file, OPEN_BUCKET).expect("write");
    let path = file.to_str().expect("utf-8 path");
    let rule_ids = |findings: &serde_json::Value| -> Vec<String> {
        findings
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["rule_id"].as_str().expect("id").to_owned())
            .collect()
    };
    let all = json(&reviewgate(
        &["review", "--no-config", "--format", "json", path],
        None,
    ));
    let filtered = reviewgate(
        &[
            "review",
            "--no-config",
            "--format",
            "json",
            "--framework",
            "cis-aws-3.0",
            path,
        ],
        None,
    );
    assert_eq!(filtered.status.code(), Some(0));
    let kept = json(&filtered);
    let expected: Vec<String> = all["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["frameworks"].get("cis-aws-3.0").is_some())
        .map(|f| f["rule_id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(rule_ids(&kept["findings"]), expected);
    assert!(
        expected.iter().any(|id| id == "RG-AWS-S3-001"),
        "{expected:?}"
    );
    assert!(expected.len() < rule_ids(&all["findings"]).len());
    // The machine formats keep their shape; the narrowing is said on stderr.
    let note = String::from_utf8_lossy(&filtered.stderr);
    assert!(
        note.contains("only findings of rules mapped to") && note.contains("cis-aws-3.0"),
        "{note}"
    );

    let text = stdout(&reviewgate(
        &["review", "--no-config", "--framework", "cis-aws-3.0", path],
        None,
    ));
    assert!(
        text.starts_with("Showing only findings of rules mapped to CIS"),
        "{text}"
    );
    assert!(
        text.contains("RG-AWS-S3-001") && !text.contains("RG-AWS-S3-002"),
        "{text}"
    );
}

#[test]
fn the_rule_catalog_page_is_what_reviewgate_rules_prints() {
    let output = reviewgate(&["rules", "--format", "markdown"], None);
    assert_eq!(output.status.code(), Some(0));
    let page = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md");
    let committed = fs::read_to_string(page).expect("docs/rules.md");
    assert!(
        committed == stdout(&output),
        "docs/rules.md is not the current catalog: run \
         `cargo run -p reviewgate-cli -- rules --format markdown > docs/rules.md`"
    );
    let catalog = json(&reviewgate(&["rules", "--format", "json"], None));
    for rule in catalog.as_array().expect("a list") {
        let id = rule["id"].as_str().expect("an id");
        assert!(
            committed.contains(&format!("| `{id}` |")),
            "{id} is on the page"
        );
    }
}

#[test]
fn fail_on_exits_1_only_for_unsuppressed_findings_at_or_above_the_threshold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("main.tf");
    fs::write(&file, OPEN_BUCKET).expect("write");
    let path = file.to_str().expect("utf-8 path");
    assert_eq!(
        reviewgate(&["review", "--no-config", path], None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        reviewgate(&["review", "--no-config", "--fail-on", "high", path], None)
            .status
            .code(),
        Some(1)
    );

    // Suppress everything with reasons: nothing unsuppressed remains at high or above.
    let json = json(&reviewgate(
        &["review", "--no-config", "--format", "json", path],
        None,
    ));
    let ids: Vec<String> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .map(|f| f["rule_id"].as_str().expect("id").to_owned())
        .collect();
    assert!(!ids.is_empty());
    let skips: String = ids
        .iter()
        .map(|id| format!("  # reviewgate:skip={id} public static website\n"))
        .collect();
    fs::write(
        &file,
        OPEN_BUCKET.replacen("{\n", &format!("{{\n{skips}"), 1),
    )
    .expect("write");
    assert_eq!(
        reviewgate(&["review", "--no-config", "--fail-on", "high", path], None)
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn sarif_and_markdown_formats() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("main.tf"), OPEN_BUCKET).expect("write");
    let path = dir.path().to_str().expect("utf-8 path");
    let out = reviewgate(&["review", "--format", "sarif", path], None);
    assert_eq!(out.status.code(), Some(0));
    let log = json(&out);
    assert_eq!(log["version"], "2.1.0");
    assert!(
        !log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .is_empty()
    );
    let out = reviewgate(&["review", "--format", "markdown", path], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("<!-- reviewgate:review -->"));
}

#[test]
fn reviewgate_toml_is_discovered_upward_and_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::create_dir_all(root.join("infra/legacy")).expect("mkdir");
    fs::write(root.join("infra/main.tf"), OPEN_BUCKET).expect("write");
    fs::write(
        root.join("infra/legacy/old.tf"),
        OPEN_BUCKET.replace("site", "old"),
    )
    .expect("write");
    fs::write(
        root.join(".reviewgate.toml"),
        "severity_threshold = \"high\"\nfail_on = \"critical\"\nexclude_paths = [\"infra/legacy\"]\ndisabled_rules = [\"RG-AWS-S3-003\"]\n",
    )
    .expect("write");
    let infra = root.join("infra");
    let out = reviewgate(
        &["review", "--format", "json", infra.to_str().expect("utf-8")],
        None,
    );
    let review = json(&out);
    let findings = review["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .all(|f| f["severity"] == "high" || f["severity"] == "critical"),
        "{review}"
    );
    assert!(findings.iter().all(|f| f["rule_id"] != "RG-AWS-S3-003"));
    assert!(
        findings
            .iter()
            .all(|f| !f["file"].as_str().unwrap_or_default().contains("legacy")),
        "excluded path reviewed"
    );
    let has_critical = findings
        .iter()
        .any(|f| f["severity"] == "critical" && f["suppressed"] == false);
    assert_eq!(
        out.status.code(),
        Some(if has_critical { 1 } else { 0 }),
        "fail_on from the file"
    );

    fs::write(root.join(".reviewgate.toml"), "fail_onn = \"high\"\n").expect("write");
    let out = reviewgate(&["review", infra.to_str().expect("utf-8")], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown key `fail_onn`"), "{stderr}");
}

/// `git` in `dir`, which must succeed.
fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn settings_from_a_revision_cannot_be_loosened_by_the_change_under_review() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    fs::write(root.join(".reviewgate.toml"), "fail_on = \"high\"\n").expect("write");
    fs::write(root.join("main.tf"), "# nothing yet\n").expect("write");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    // The change under review: an open bucket, and settings that would hide it.
    fs::write(root.join("main.tf"), OPEN_BUCKET).expect("write");
    fs::write(root.join("notes.tf"), "# harmless\n").expect("write");
    fs::write(
        root.join(".reviewgate.toml"),
        "fail_on = \"high\"\nexclude_paths = [\"main.tf\"]\n",
    )
    .expect("write");
    let path = root.to_str().expect("utf-8");

    // Read from the working tree, the change passes its own gate.
    let bypassed = reviewgate(&["review", "--format", "json", path], None);
    assert_eq!(bypassed.status.code(), Some(0), "{}", stdout(&bypassed));

    // Read at the base, it does not, and the loosening is reported where it is made.
    let out = reviewgate(
        &[
            "review",
            "--format",
            "json",
            "--settings-from",
            "main",
            path,
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review = json(&out);
    let findings = review["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["file"].as_str().is_some_and(|p| p.ends_with("main.tf"))),
        "the bucket is reviewed: {review}"
    );
    let gate = findings
        .iter()
        .find(|f| f["rule_id"] == "RG-GATE-001")
        .unwrap_or_else(|| panic!("RG-GATE-001: {review}"));
    assert_eq!(gate["severity"], "high");
    assert_eq!(gate["line"], 2, "{gate}");
    assert!(
        gate["file"]
            .as_str()
            .expect("file")
            .ends_with(".reviewgate.toml"),
        "{gate}"
    );
    assert!(
        gate["message"]
            .as_str()
            .expect("message")
            .contains("`exclude_paths` adds `main.tf`"),
        "{gate}"
    );

    // Deleting the file gives up what the base set: fail_on goes from high to never.
    fs::remove_file(root.join(".reviewgate.toml")).expect("rm");
    let out = reviewgate(
        &[
            "review",
            "--format",
            "json",
            "--settings-from",
            "main",
            path,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let review = json(&out);
    assert!(
        review["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule_id"] == "RG-GATE-001"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("`fail_on` goes from high to never"))),
        "{review}"
    );

    // A revision that is not one, or that git would read as an option, is refused.
    for revision in ["no-such-branch", "--output=/tmp/x"] {
        let out = reviewgate(
            &["review", &format!("--settings-from={revision}"), path],
            None,
        );
        assert_eq!(out.status.code(), Some(2), "{revision}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--settings-from"), "{stderr}");
    }
}

#[test]
fn text_output_masks_secrets() {
    let key = ["AKIA", "Q7RZ2M4KXW9PLT3B"].concat();
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("main.tf"),
        format!("resource \"aws_lambda_function\" \"f\" {{\n  environment {{\n    variables = {{\n      AWS_ACCESS_KEY_ID = \"{key}\"\n    }}\n  }}\n}}\n"),
    )
    .expect("write");
    let out = reviewgate(
        &["review", "--no-config", dir.path().to_str().expect("utf-8")],
        None,
    );
    let text = stdout(&out);
    assert!(text.contains("RG-SECRET-001"), "{text}");
    assert!(
        !text.contains(&key[..8]),
        "text output leaks the key: {text}"
    );
}

#[test]
fn file_names_cannot_send_control_sequences_to_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Clear the screen, retitle the terminal, rewrite the line.
    let name = "main\u{1b}[2J\u{1b}]0;owned\u{7}\r.tf";
    fs::write(dir.path().join(name), OPEN_BUCKET).expect("write");
    let path = dir.path().to_str().expect("utf-8");
    let out = reviewgate(&["review", "--no-config", path], None);
    let text = stdout(&out);
    assert!(text.contains("main\\u{1b}[2J"), "{text:?}");
    let missing = format!("{path}/missing\u{1b}[2J.toml");
    let out = reviewgate(&["review", "--config", &missing, path], None);
    let errors = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(errors.contains("missing\\u{1b}[2J"), "{errors:?}");
    for printed in [text, errors] {
        assert!(
            !printed.contains(['\u{1b}', '\u{7}', '\r']),
            "a control character reaches the terminal: {printed:?}"
        );
    }
}

/// `git` in `dir`, which must succeed; its stdout.
fn git_stdout(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 diff")
}

/// A bucket already in the repository before the change under review.
const OLD_BUCKET: &str =
    "resource \"aws_s3_bucket\" \"kept\" {\n  bucket = \"kept\"\n  acl    = \"public-read\"\n}\n";

/// (rule, resource, file) of a JSON review's findings.
fn findings_of(review: &serde_json::Value) -> Vec<(String, String, String)> {
    review["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_owned();
            (text("rule_id"), text("resource"), text("file"))
        })
        .collect()
}

#[test]
fn a_diff_with_its_checkout_reports_only_changed_lines_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let checkout = dir.path().join("checkout");
    fs::create_dir_all(checkout.join("modules/store")).expect("mkdir");
    git(&checkout, &["init", "-q", "-b", "main"]);
    fs::write(checkout.join("main.tf"), OLD_BUCKET).expect("write");
    fs::write(
        checkout.join("modules/store/main.tf"),
        "resource \"aws_s3_bucket\" \"untouched\" {}\n",
    )
    .expect("write");
    git(&checkout, &["add", "."]);
    git(&checkout, &["commit", "-q", "-m", "base"]);
    // The change: a new bucket below the old one; the module is left alone.
    fs::write(
        checkout.join("main.tf"),
        format!("{OLD_BUCKET}\n{OPEN_BUCKET}"),
    )
    .expect("write");
    let diff = git_stdout(&checkout, &["diff"]);
    let diff_path = dir.path().join("change.diff");
    fs::write(&diff_path, &diff).expect("write");
    let (diff_arg, checkout_arg) = (
        diff_path.to_str().expect("utf-8"),
        checkout.to_str().expect("utf-8"),
    );

    // Whole checkout: every resource's findings, named as the diff names the files.
    let out = reviewgate(
        &[
            "review",
            "--no-config",
            "--format",
            "json",
            diff_arg,
            checkout_arg,
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = findings_of(&json(&out));
    for resource in [
        "aws_s3_bucket.site",
        "aws_s3_bucket.kept",
        "aws_s3_bucket.untouched",
    ] {
        assert!(
            all.iter().any(|(_, r, _)| r == resource),
            "{resource}: {all:?}"
        );
    }
    assert!(
        all.iter().any(|(_, _, f)| f == "modules/store/main.tf"),
        "{all:?}"
    );
    assert!(
        all.iter().all(|(_, _, f)| !f.contains("checkout")),
        "{all:?}"
    );

    // Changed lines only: the new bucket's block, nothing else; stderr says how many
    // findings were left out.
    let out = reviewgate(
        &[
            "review",
            "--no-config",
            "--changed-lines-only",
            "--format",
            "json",
            diff_arg,
            checkout_arg,
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changed = findings_of(&json(&out));
    assert!(!changed.is_empty());
    assert!(
        changed
            .iter()
            .all(|(_, r, f)| r == "aws_s3_bucket.site" && f == "main.tf"),
        "{changed:?}"
    );
    let left_out = all.len() - changed.len();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{left_out} finding(s) on unchanged lines left out"
        )),
        "{stderr}"
    );

    // The text says it in its summary line.
    let out = reviewgate(
        &[
            "review",
            "--no-config",
            "--changed-lines-only",
            diff_arg,
            checkout_arg,
        ],
        None,
    );
    let text = stdout(&out);
    assert!(
        text.contains(&format!("· {left_out} on unchanged lines left out")),
        "{text}"
    );
    assert!(!text.contains("aws_s3_bucket.kept"), "{text}");
}

#[test]
fn changed_lines_only_without_a_diff_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("main.tf"), OPEN_BUCKET).expect("write");
    let out = reviewgate(
        &[
            "review",
            "--no-config",
            "--changed-lines-only",
            dir.path().to_str().expect("utf-8"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--changed-lines-only needs a diff"),
        "{stderr}"
    );
}

#[test]
fn a_new_terraform_file_in_a_diff_is_reviewed_as_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    fs::write(repo.join("README.md"), "infra\n").expect("write");
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    fs::write(repo.join("main.tf"), OPEN_BUCKET).expect("write");
    git(repo, &["add", "main.tf"]);
    let diff = git_stdout(repo, &["diff", "--cached"]);
    assert!(diff.contains("new file mode"), "{diff}");

    let out = reviewgate(
        &["review", "--no-config", "--format", "json", "-"],
        Some(&diff),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review = json(&out);
    let findings = findings_of(&review);
    // A configuration rule on the bucket, at the new file's lines: the public ACL.
    assert!(
        findings
            .iter()
            .any(|(_, r, f)| r == "aws_s3_bucket.site" && f == "main.tf"),
        "{findings:?}"
    );
    assert_eq!(review["resources"], 1, "{review}");
    // A diff is a change, so the account-wide CloudTrail rule runs on the bucket ...
    assert!(
        findings.iter().any(|(id, _, _)| id == "RG-AWS-S3-012"),
        "{findings:?}"
    );
    // ... but not on a scan of the same file as it stands in the repository.
    let out = reviewgate(
        &[
            "review",
            "--no-config",
            "--format",
            "json",
            repo.to_str().expect("utf-8"),
        ],
        None,
    );
    let scan = findings_of(&json(&out));
    assert!(
        scan.iter().any(|(_, r, _)| r == "aws_s3_bucket.site"),
        "{scan:?}"
    );
    assert!(
        !scan.iter().any(|(id, _, _)| id == "RG-AWS-S3-012"),
        "{scan:?}"
    );
}

#[test]
fn text_output_has_one_heading_per_resource_with_its_findings_below() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("main.tf"),
        format!("{OPEN_BUCKET}\n{OLD_BUCKET}").replace("\"kept\" {", "\"other\" {"),
    )
    .expect("write");
    let out = reviewgate(
        &["review", "--no-config", dir.path().to_str().expect("utf-8")],
        None,
    );
    let text = stdout(&out);
    let headings: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("aws_s3_bucket."))
        .collect();
    assert_eq!(headings.len(), 2, "{text}");
    assert!(
        headings[0].starts_with("aws_s3_bucket.site  ") && headings[0].ends_with("main.tf:1"),
        "{text}"
    );
    assert!(
        headings[1].starts_with("aws_s3_bucket.other  ") && headings[1].ends_with("main.tf:6"),
        "{text}"
    );
    // Below each heading, its findings, most severe first.
    let block: Vec<&str> = text
        .split(headings[0])
        .nth(1)
        .expect("the first block")
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(block.len() > 1, "{text}");
    let rank = |line: &str| {
        ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"]
            .iter()
            .position(|s| line.trim_start().starts_with(s))
            .expect("a severity")
    };
    assert!(
        block.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{block:?}"
    );
}

// Root variables from outside the configuration: --var, --var-file, TF_VAR_.

const SSH_RULE: &str = r#"variable "admin_cidrs" {
  type    = list(string)
  default = ["10.0.0.0/8"]
}

resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = var.admin_cidrs
  security_group_id = "sg-0123456789abcdef0"
}
"#;

fn review_with_env(args: &[&str], environment: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(args)
        .env("NO_COLOR", "1")
        .envs(environment.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run reviewgate")
}

fn ssh_open(output: &Output) -> bool {
    json(output)["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["rule_id"] == "RG-AWS-EC2-002")
}

#[test]
fn var_var_file_and_tf_var_set_root_variables_in_terraforms_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("main.tf"), SSH_RULE).expect("write");
    let root = dir.path().to_str().expect("utf-8");
    let open = "admin_cidrs=[\"0.0.0.0/0\"]";
    let closed = "admin_cidrs=[\"192.168.0.0/16\"]";
    let review = |args: &[&str], environment: &[(&str, &str)]| {
        let mut all = vec!["review", "--format", "json", root];
        all.extend_from_slice(args);
        let out = review_with_env(&all, environment);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ssh_open(&out)
    };
    assert!(!review(&[], &[]), "the default is closed");
    assert!(review(&["--var", open], &[]));
    assert!(review(&[], &[("TF_VAR_admin_cidrs", "[\"0.0.0.0/0\"]")]));

    let var_file = dir.path().join("open.tfvars.json");
    fs::write(&var_file, r#"{"admin_cidrs": ["0.0.0.0/0"]}"#).expect("write");
    let var_file = var_file.to_str().expect("utf-8");
    // Command-line order decides between --var and --var-file.
    assert!(review(&["--var", closed, "--var-file", var_file], &[]));
    assert!(!review(&["--var-file", var_file, "--var", closed], &[]));

    // terraform.tfvars beats the environment; the command line beats both.
    fs::write(
        dir.path().join("terraform.tfvars"),
        "admin_cidrs = [\"172.16.0.0/12\"]\n",
    )
    .expect("write");
    assert!(!review(&[], &[("TF_VAR_admin_cidrs", "[\"0.0.0.0/0\"]")]));
    assert!(review(&["--var", open], &[]));
}

#[test]
fn bad_variable_arguments_exit_2_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("main.tf"), SSH_RULE).expect("write");
    let root = dir.path().to_str().expect("utf-8");

    let out = reviewgate(&["review", root, "--var", "admin_cidrs"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has no `=`"), "{stderr}");

    let broken = dir.path().join("broken.tfvars");
    fs::write(&broken, "admin_cidrs = [\n").expect("write");
    let out = reviewgate(
        &[
            "review",
            "--format",
            "json",
            root,
            "--var-file",
            broken.to_str().expect("utf-8"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let review = json(&out);
    let errors = review["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("broken.tfvars"))
            && e["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("variables file:"))),
        "{review}"
    );

    let out = reviewgate(
        &["review", root, "--var-file", "/no/such/file.tfvars"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--var-file /no/such/file.tfvars: cannot read"),
        "{stderr}"
    );

    let out = reviewgate(&["review", root, "--var", "undeclared=1"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("no root module"), "{}", stdout(&out));
}

// Modules installed by `terraform init`.

#[test]
fn installed_modules_are_reviewed_and_missing_ones_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::write(
        root.join("main.tf"),
        r#"module "net" {
  source      = "acme/net/aws"
  version     = "~> 1.0"
  admin_cidrs = ["0.0.0.0/0"]
}

module "dns" {
  source = "acme/dns/aws"
}
"#,
    )
    .expect("write");
    let modules = root.join(".terraform/modules");
    fs::create_dir_all(modules.join("net/examples/complete")).expect("mkdir");
    fs::write(
        modules.join("modules.json"),
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},
            {"Key":"net","Source":"registry.terraform.io/acme/net/aws","Version":"1.4.0","Dir":".terraform/modules/net"},
            {"Key":"dns","Source":"registry.terraform.io/acme/dns/aws","Version":"1.0.0","Dir":"../outside"}]}"#,
        // A manifest naming a directory outside .terraform/modules is not followed.
    )
    .expect("write");
    fs::write(
        modules.join("net/main.tf"),
        SSH_RULE.replace("default = [\"10.0.0.0/8\"]", ""),
    )
    .expect("write");
    // A module's examples are not part of it.
    fs::write(
        modules.join("net/examples/complete/main.tf"),
        "resource \"aws_s3_bucket\" \"example\" {}\n",
    )
    .expect("write");
    let root_arg = root.to_str().expect("utf-8");

    let out = reviewgate(&["review", "--format", "json", root_arg], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review = json(&out);
    let ssh = review["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "RG-AWS-EC2-002")
        .unwrap_or_else(|| panic!("no SSH finding in the installed module: {review}"));
    assert_eq!(ssh["resource"], "module.net.aws_security_group_rule.ssh");
    assert!(
        ssh["file"]
            .as_str()
            .is_some_and(|f| f.ends_with(".terraform/modules/net/main.tf")),
        "{ssh}"
    );
    assert!(
        !review.to_string().contains("aws_s3_bucket.example"),
        "examples were reviewed: {review}"
    );
    let missing = review["not_evaluated"].as_array().expect("not_evaluated");
    assert_eq!(missing.len(), 1, "{review}");
    assert_eq!(missing[0]["module"], "module.dns");
    assert_eq!(missing[0]["source"], "acme/dns/aws");

    let text = stdout(&reviewgate(&["review", root_arg], None));
    assert!(text.contains("1 module(s) not evaluated"), "{text}");
    assert!(text.contains("module.dns (acme/dns/aws)"), "{text}");
}

// Value provenance: where an evaluated value came from, in every format.

#[test]
fn a_finding_shows_the_chain_of_its_value_in_every_format_and_a_skip_at_a_link_suppresses_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    };
    write("variables.tf", "variable \"encrypted\" {}\n");
    write("terraform.tfvars", "\nencrypted = false\n");
    write(
        "main.tf",
        "module \"db\" {\n  source    = \"./modules/x\"\n  encrypted = var.encrypted\n}\n",
    );
    write(
        "modules/x/variables.tf",
        "variable \"encrypted\" {\n  type = bool\n}\n",
    );
    write(
        "modules/x/main.tf",
        "resource \"aws_db_instance\" \"this\" {\n  storage_encrypted = var.encrypted\n}\n",
    );
    let root = dir.path().to_str().expect("utf-8");
    let run = |format: &str| {
        let out = reviewgate(&["review", "--format", format, root], None);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let rds = |review: &serde_json::Value| {
        review["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule_id"] == "RG-AWS-RDS-001")
            .cloned()
            .expect("the RDS encryption finding")
    };

    let finding = rds(&json(&run("json")));
    let links = finding["provenance"].as_array().expect("provenance");
    let names: Vec<&str> = links
        .iter()
        .map(|l| l["name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "var.encrypted",
            "var.encrypted",
            "module.db argument encrypted",
            "module.db.var.encrypted",
            "module.db.aws_db_instance.this.storage_encrypted"
        ]
    );
    assert!(
        links[0]["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("terraform.tfvars"))
    );
    assert_eq!(links[0]["line"], 2);

    let text = stdout(&run("text"));
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("via ")
            && l.contains("terraform.tfvars:2 → var.encrypted → module.db argument encrypted → module.db.var.encrypted → module.db.aws_db_instance.this.storage_encrypted")),
        "{text}"
    );

    let sarif = json(&run("sarif"));
    let result = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "RG-AWS-RDS-001")
        .cloned()
        .expect("result");
    let related = result["relatedLocations"]
        .as_array()
        .expect("relatedLocations");
    assert_eq!(related.len(), 5);
    assert_eq!(related[3]["message"]["text"], "module.db.var.encrypted");
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 2);

    let markdown = stdout(&run("markdown"));
    assert!(markdown.contains("via `"), "{markdown}");
    assert!(markdown.contains("module.db.var.encrypted"), "{markdown}");

    // The same skip a resource takes, written above the tfvars line.
    write(
        "terraform.tfvars",
        "# reviewgate:skip=RG-AWS-RDS-001 scratch database\nencrypted = false\n",
    );
    let finding = rds(&json(&run("json")));
    assert_eq!(finding["suppressed"], true);
    assert_eq!(finding["suppression_reason"], "scratch database");
    assert_eq!(finding["suppressed_at"]["line"], 2);
    assert_eq!(finding["suppressed_at"]["name"], "var.encrypted");
    let text = stdout(&run("text"));
    assert!(text.contains("[suppressed at "), "{text}");
}

#[test]
fn a_value_read_from_a_modules_output_shows_its_chain_into_the_module_in_text_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    };
    write("variables.tf", "variable \"encrypted\" {}\n");
    write("terraform.tfvars", "encrypted = false\n");
    write(
        "main.tf",
        "module \"db\" {\n  source    = \"./modules/x\"\n  encrypted = var.encrypted\n}\n\nresource \"aws_db_instance\" \"replica\" {\n  storage_encrypted = module.db.encrypted\n}\n",
    );
    write(
        "modules/x/variables.tf",
        "variable \"encrypted\" {\n  type = bool\n}\n",
    );
    write(
        "modules/x/outputs.tf",
        "output \"encrypted\" {\n  value = var.encrypted\n}\n",
    );
    let root = dir.path().to_str().expect("utf-8");

    let out = reviewgate(&["review", "--format", "json", root], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review = json(&out);
    let finding = review["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "RG-AWS-RDS-001")
        .cloned()
        .expect("the replica's encryption finding");
    let links: Vec<(String, serde_json::Value, String)> = finding["provenance"]
        .as_array()
        .expect("provenance")
        .iter()
        .map(|l| {
            let file = l["file"].as_str().unwrap_or_default();
            // Paths are under the temporary directory; compare what follows it.
            let relative = file
                .strip_prefix(root)
                .unwrap_or(file)
                .trim_start_matches('/');
            (
                relative.to_owned(),
                l["line"].clone(),
                l["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let link = |file: &str, line: u32, name: &str| (file.to_owned(), line.into(), name.to_owned());
    assert_eq!(
        links,
        [
            link("terraform.tfvars", 1, "var.encrypted"),
            link("variables.tf", 1, "var.encrypted"),
            link("main.tf", 3, "module.db argument encrypted"),
            link("modules/x/variables.tf", 1, "module.db.var.encrypted"),
            link("modules/x/outputs.tf", 1, "module.db.output.encrypted"),
            link("main.tf", 7, "aws_db_instance.replica.storage_encrypted"),
        ]
    );

    let text = stdout(&reviewgate(&["review", root], None));
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("via ")
            && l.ends_with("terraform.tfvars:1 → var.encrypted → module.db argument encrypted → module.db.var.encrypted → module.db.output.encrypted → aws_db_instance.replica.storage_encrypted")),
        "{text}"
    );
}
