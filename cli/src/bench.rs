//! `reviewgate bench`: generates a large plan and a large HCL tree, then measures how
//! long the core takes to parse and review them and how much heap it needs.
//!
//! The generated inputs mimic real AWS configurations (nested blocks, modules with
//! `for_each` keys, `count` indexes, unknown and sensitive values, policy documents),
//! so that the figures mean something for real plans. `--write DIR` saves them so
//! other tools can be run on the same files.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use reviewgate_core::{ChangeSet, Document, Origin, parse_plan, review};
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::alloc;

/// Options of `reviewgate bench`.
/// How `bench` prints its results.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    /// A table.
    Text,
    /// The results as JSON.
    Json,
}

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Resources in the generated plan.
    #[arg(long, default_value_t = 10_000)]
    resources: usize,
    /// Files in the generated HCL tree.
    #[arg(long, default_value_t = 2_000)]
    files: usize,
    /// Timed runs per measurement (the median is reported).
    #[arg(long, default_value_t = 15)]
    iterations: usize,
    /// Also write the generated plan and HCL tree under this directory.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,
    /// Run only the measurements whose name contains this text (e.g. `plan: parse`).
    #[arg(long, value_name = "TEXT")]
    only: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Serialize)]
struct Measurement {
    name: String,
    input_bytes: usize,
    items: usize,
    median_ms: f64,
    min_ms: f64,
    max_ms: f64,
    peak_heap_bytes: usize,
    goal: Option<String>,
    goal_met: Option<bool>,
}

/// Runs the benchmark and prints its figures.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.iterations > 0, "--iterations must be at least 1");
    let plan = generate_plan(args.resources);
    let tree = generate_hcl_tree(args.files);
    if let Some(dir) = &args.write {
        write_inputs(dir, &plan, &tree)?;
    }

    let wanted = |name: &str| args.only.as_deref().is_none_or(|only| name.contains(only));
    let mut results = Vec::new();
    let mut run_one =
        |name: &str, bytes: usize, items: usize, f: &mut dyn FnMut() -> Box<dyn std::any::Any>| {
            if wanted(name) {
                results.push(measure(name, bytes, items, args.iterations, f));
            }
        };

    // The floors: serde_json building its own tree, and only scanning, with no
    // Terraform semantics.
    run_one(
        "baseline: serde_json::Value",
        plan.len(),
        args.resources,
        &mut || Box::new(serde_json::from_str::<Json>(&plan).expect("generated plan is JSON")),
    );
    run_one(
        "baseline: serde_json scan",
        plan.len(),
        args.resources,
        &mut || {
            Box::new(
                serde_json::from_str::<serde::de::IgnoredAny>(&plan)
                    .expect("generated plan is JSON"),
            )
        },
    );
    run_one("plan: parse", plan.len(), args.resources, &mut || {
        let parsed = parse_plan("bench.json", &plan).expect("generated plan parses");
        assert_eq!(parsed.resources.len(), args.resources);
        Box::new(parsed)
    });
    // Attribute values are built on first use; this is the cost when every resource's
    // values are read, as rules covering every resource type would.
    run_one(
        "plan: parse + build all values",
        plan.len(),
        args.resources,
        &mut || {
            let parsed = parse_plan("bench.json", &plan).expect("generated plan parses");
            let attributes: usize = parsed.resources.iter().map(|r| r.attributes.len()).sum();
            assert!(attributes > args.resources);
            Box::new(parsed)
        },
    );
    run_one(
        "plan: parse + review",
        plan.len(),
        args.resources,
        &mut || {
            let cs = ChangeSet::from_documents(
                Origin::Local,
                [Document::detect("bench.json", plan.as_str())],
            );
            let review = review(&cs);
            Box::new((cs, review))
        },
    );
    // Scaling: the same review on twice the resources should cost about twice the time.
    let double = if wanted("plan: parse + review (2x)") {
        generate_plan(args.resources * 2)
    } else {
        String::new()
    };
    run_one(
        "plan: parse + review (2x)",
        double.len(),
        args.resources * 2,
        &mut || {
            let cs = ChangeSet::from_documents(
                Origin::Local,
                [Document::detect("bench.json", double.as_str())],
            );
            let review = review(&cs);
            Box::new((cs, review))
        },
    );
    let tree_bytes = tree.iter().map(|(_, content)| content.len()).sum();
    let tree_resources = tree_resource_count(args.files);
    run_one(
        "hcl tree: parse + review",
        tree_bytes,
        tree_resources,
        &mut || {
            let documents = tree
                .iter()
                .map(|(path, content)| Document::detect(path.as_str(), content.as_str()));
            let cs = ChangeSet::from_documents(Origin::Local, documents);
            assert!(
                cs.errors.is_empty(),
                "generated HCL has errors: {:?}",
                cs.errors.first()
            );
            assert_eq!(cs.configuration.resources.len(), tree_resources);
            let review = review(&cs);
            Box::new((cs, review))
        },
    );
    let median = |name: &str| results.iter().find(|m| m.name == name).map(|m| m.median_ms);
    let scaling = median("plan: parse + review (2x)")
        .zip(median("plan: parse + review"))
        .map(|(two, one)| two / one);
    for m in results
        .iter_mut()
        .filter(|m| m.name == "plan: parse + review (2x)")
    {
        m.goal = Some(format!(
            "2x the input costs <= 2.2x the time (took {:.2}x)",
            scaling.unwrap_or_default()
        ));
        m.goal_met = scaling.map(|ratio| ratio <= 2.2);
    }
    for m in results
        .iter_mut()
        .filter(|m| m.name == "plan: parse + review" && args.resources == 10_000)
    {
        m.goal = Some("10,000 resources reviewed < 100 ms".into());
        m.goal_met = Some(m.median_ms < 100.0);
    }
    for m in results
        .iter_mut()
        .filter(|m| m.name == "plan: parse" && args.resources == 10_000)
    {
        m.goal = Some("10,000 resources < 50 ms".into());
        m.goal_met = Some(m.median_ms < 50.0);
    }

    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&results)?),
        Format::Text => print!("{}", table(&results)),
    }
    Ok(())
}

/// Times `f`; its result is dropped outside the timed region, so freeing the parsed
/// tree is not counted (a one-shot CLI exits instead). The heap is measured in one more,
/// untimed run: counting allocations would slow the timed ones.
fn measure(
    name: &str,
    input_bytes: usize,
    items: usize,
    iterations: usize,
    f: &mut dyn FnMut() -> Box<dyn std::any::Any>,
) -> Measurement {
    // One untimed run warms caches and the allocator.
    drop(f());
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let result = f();
        times.push(start.elapsed());
        drop(result);
    }
    let (result, peak) = alloc::with_peak(&mut *f);
    drop(result);
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    Measurement {
        name: name.to_owned(),
        input_bytes,
        items,
        median_ms: ms(times[times.len() / 2]),
        min_ms: ms(times[0]),
        max_ms: ms(times[times.len() - 1]),
        peak_heap_bytes: peak,
        goal: None,
        goal_met: None,
    }
}

fn table(results: &[Measurement]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<30} {:>10} {:>9} {:>10} {:>10} {:>10} {:>11} {:>9}",
        "measurement", "input MB", "items", "median ms", "min ms", "max ms", "peak heap", "MB/s"
    );
    for m in results {
        let mb = m.input_bytes as f64 / 1e6;
        let _ = writeln!(
            out,
            "{:<30} {:>10.2} {:>9} {:>10.2} {:>10.2} {:>10.2} {:>8.1} MB {:>9.0}",
            m.name,
            mb,
            m.items,
            m.median_ms,
            m.min_ms,
            m.max_ms,
            m.peak_heap_bytes as f64 / 1e6,
            mb / (m.median_ms / 1e3),
        );
        if let (Some(goal), Some(met)) = (&m.goal, m.goal_met) {
            let _ = writeln!(
                out,
                "{:<30} goal {goal}: {}",
                "",
                if met { "met" } else { "NOT met" }
            );
        }
    }
    if let Some(rss) = peak_rss_kib() {
        let _ = writeln!(
            out,
            "process peak RSS: {:.1} MB (includes the generated inputs)",
            rss as f64 / 1024.0
        );
    }
    out
}

/// VmHWM from /proc (Linux); `None` elsewhere.
fn peak_rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn write_inputs(
    dir: &std::path::Path,
    plan: &str,
    tree: &[(String, String)],
) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    fs::write(dir.join("plan.json"), plan).context("writing plan.json")?;
    for (path, content) in tree {
        let full = dir.join("hcl").join(path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&full, content).with_context(|| format!("writing {}", full.display()))?;
    }
    eprintln!(
        "wrote {} and {} HCL files under {}",
        dir.join("plan.json").display(),
        tree.len(),
        dir.join("hcl").display()
    );
    Ok(())
}

const ACTIONS: [&[&str]; 20] = [
    &["create"],
    &["create"],
    &["create"],
    &["create"],
    &["create"],
    &["create"],
    &["create"],
    &["create"],
    &["create"],
    &["create"],
    &["create"],
    &["create"],
    &["update"],
    &["update"],
    &["update"],
    &["update"],
    &["no-op"],
    &["no-op"],
    &["delete", "create"],
    &["delete"],
];

/// A `terraform show -json` plan with `resources` resource changes.
pub fn generate_plan(resources: usize) -> String {
    let mut changes = Vec::with_capacity(resources);
    let mut config_resources: std::collections::BTreeMap<String, Vec<Json>> = Default::default();
    for i in 0..resources {
        let service = format!("svc-{}", i % 50);
        let (resource_type, name, after) = match i % 5 {
            0 => ("aws_s3_bucket", "data", s3_bucket(i)),
            1 => ("aws_security_group", "app", security_group(i)),
            2 => ("aws_instance", "worker", instance(i)),
            3 => ("aws_iam_policy", "access", iam_policy(i)),
            _ => ("aws_db_instance", "main", db_instance(i)),
        };
        let index = i / 250;
        let actions = ACTIONS[i % ACTIONS.len()];
        let module_address = format!("module.{}[{}]", "service", Json::String(service.clone()));
        let address = format!("{module_address}.{resource_type}.{name}[{index}]");
        let before = match actions {
            ["create"] => Json::Null,
            _ => {
                let mut b = after.clone();
                b["id"] = json!(format!("id-{i}"));
                b["arn"] = json!(format!(
                    "arn:aws:service:eu-west-1:123456789012:{resource_type}/{i}"
                ));
                b
            }
        };
        let after = if actions == ["delete"] {
            Json::Null
        } else {
            after
        };
        let after_unknown = if actions == ["delete"] {
            json!(false)
        } else {
            json!({"id": true, "arn": true, "tags_all": {}})
        };
        let sensitive = if resource_type == "aws_db_instance" {
            json!({"password": true})
        } else {
            json!({})
        };
        let mut change = json!({
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": after_unknown,
            "before_sensitive": if actions == ["create"] { json!(false) } else { sensitive.clone() },
            "after_sensitive": if actions == ["delete"] { json!(false) } else { sensitive },
        });
        if actions == ["delete", "create"] {
            change["replace_paths"] = json!([["name"]]);
        }
        changes.push(json!({
            "address": address,
            "module_address": module_address,
            "mode": "managed",
            "type": resource_type,
            "name": name,
            "index": index,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": change,
        }));
        config_resources.entry(resource_type.to_owned()).or_insert_with(|| {
            vec![json!({
                "address": format!("{resource_type}.{name}"),
                "mode": "managed", "type": resource_type, "name": name,
                "provider_config_key": "aws",
                "expressions": {"kms_key_id": {"references": ["aws_kms_key.main.arn", "aws_kms_key.main"]}},
                "count_expression": {"references": ["var.instances"]}
            })]
        });
    }
    let module_resources: Vec<Json> = config_resources.into_values().flatten().collect();
    serde_json::to_string(&json!({
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {}},
        "resource_changes": changes,
        "configuration": {"root_module": {"module_calls": {"service": {
            "source": "./modules/service",
            "for_each_expression": {"references": ["var.services"]},
            "module": {"resources": module_resources}
        }}}},
        "complete": true,
        "timestamp": "2026-11-23T12:00:00Z"
    }))
    .expect("generated plan serializes")
}

fn tags(i: usize) -> Json {
    json!({"team": format!("team-{}", i % 7), "env": "prod", "cost-center": format!("cc-{}", i % 13), "managed-by": "terraform"})
}

fn s3_bucket(i: usize) -> Json {
    json!({
        "bucket": format!("acme-data-{i}"), "acl": if i.is_multiple_of(3) { "public-read" } else { "private" },
        "force_destroy": false, "tags": tags(i),
        "versioning": [{"enabled": i.is_multiple_of(2), "mfa_delete": false}],
        "server_side_encryption_configuration": [{"rule": [{
            "apply_server_side_encryption_by_default": [{"kms_master_key_id": "", "sse_algorithm": "AES256"}],
            "bucket_key_enabled": true
        }]}],
        "logging": [{"target_bucket": "acme-logs", "target_prefix": format!("s3/{i}/")}],
        "lifecycle_rule": [{"enabled": true, "id": "expire", "expiration": [{"days": 90}], "prefix": "tmp/"}]
    })
}

fn security_group(i: usize) -> Json {
    let rule = |port: u16, cidr: &str| {
        json!({
            "from_port": port, "to_port": port, "protocol": "tcp", "cidr_blocks": [cidr],
            "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false,
            "description": format!("allow {port}")
        })
    };
    json!({
        "name": format!("app-{i}"), "description": "application servers", "vpc_id": "vpc-0abc",
        "ingress": [rule(443, "0.0.0.0/0"), rule(22, "10.0.0.0/8"), rule(5432, "10.1.0.0/16")],
        "egress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"],
                    "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}],
        "tags": tags(i), "revoke_rules_on_delete": false
    })
}

fn instance(i: usize) -> Json {
    json!({
        "ami": "ami-0c55b159cbfafe1f0", "instance_type": "m6i.large", "subnet_id": format!("subnet-{i:08x}"),
        "vpc_security_group_ids": ["sg-0123", "sg-0456"], "associate_public_ip_address": i.is_multiple_of(4),
        "metadata_options": [{"http_endpoint": "enabled", "http_tokens": if i.is_multiple_of(2) { "required" } else { "optional" }, "http_put_response_hop_limit": 1}],
        "root_block_device": [{"encrypted": true, "volume_size": 50, "volume_type": "gp3", "delete_on_termination": true}],
        "user_data_replace_on_change": false, "monitoring": true, "tags": tags(i)
    })
}

fn iam_policy(i: usize) -> Json {
    let document = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [format!("arn:aws:s3:::acme-data-{i}"), format!("arn:aws:s3:::acme-data-{i}/*")]},
        {"Sid": "Kms", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}
    ]});
    json!({"name": format!("access-{i}"), "path": "/", "description": "service access", "policy": document.to_string(), "tags": tags(i)})
}

fn db_instance(i: usize) -> Json {
    json!({
        "identifier": format!("db-{i}"), "engine": "postgres", "engine_version": "16.3", "instance_class": "db.r6g.large",
        "allocated_storage": 100, "storage_encrypted": !i.is_multiple_of(5), "publicly_accessible": false,
        "backup_retention_period": 7, "deletion_protection": true, "username": "app", "password": format!("pw-{i}-secret"),
        "multi_az": true, "skip_final_snapshot": false, "tags": tags(i)
    })
}

const RESOURCES_PER_FILE: usize = 3;

fn tree_resource_count(files: usize) -> usize {
    files * RESOURCES_PER_FILE
}

/// `files` Terraform files spread over module directories, each with a bucket, a
/// security group and an IAM policy plus a variable and locals.
pub fn generate_hcl_tree(files: usize) -> Vec<(String, String)> {
    (0..files)
        .map(|i| {
            let path = format!("modules/m{:03}/f{i:05}.tf", i % 100);
            let content = format!(
                r#"variable "name_{i}" {{
  type        = string
  default     = "svc-{i}"
  description = "service name"
}}

locals {{
  tags_{i} = {{
    team = "team-{team}"
    env  = "prod"
  }}
}}

resource "aws_s3_bucket" "data_{i}" {{
  bucket = "acme-data-{i}"
  acl    = "private"
  tags   = local.tags_{i}

  versioning {{
    enabled = true
  }}

  server_side_encryption_configuration {{
    rule {{
      apply_server_side_encryption_by_default {{
        kms_master_key_id = aws_kms_key.main.arn
        sse_algorithm     = "aws:kms"
      }}
    }}
  }}

  lifecycle {{
    prevent_destroy = true
  }}
}}

resource "aws_security_group" "app_{i}" {{
  name        = "${{var.name_{i}}}-app"
  description = "application servers"
  vpc_id      = var.vpc_id

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_iam_policy" "access_{i}" {{
  name = "access-{i}"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:ListBucket"]
      Resource = [aws_s3_bucket.data_{i}.arn, "${{aws_s3_bucket.data_{i}.arn}}/*"]
    }}]
  }})
}}
"#,
                team = i % 7
            );
            (path, content)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_plan_parses_with_every_action() {
        let plan = parse_plan("gen.json", &generate_plan(100)).expect("parses");
        assert_eq!(plan.resources.len(), 100);
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [Document::detect("gen.json", generate_plan(100))],
        );
        let summary = review(&cs).changes.plan.expect("plan summary");
        for action in ["create", "update", "no-op", "replace", "delete"] {
            assert!(
                summary.actions.get(action).copied().unwrap_or(0) > 0,
                "no {action} in {:?}",
                summary.actions
            );
        }
    }

    #[test]
    fn generated_tree_parses_cleanly() {
        let tree = generate_hcl_tree(4);
        let cs = ChangeSet::from_documents(
            Origin::Local,
            tree.iter()
                .map(|(p, c)| Document::detect(p.as_str(), c.as_str())),
        );
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        assert_eq!(cs.configuration.resources.len(), tree_resource_count(4));
    }
}
