//! Real published modules (`../shared/corpus/terraform-real/`, read in place) reviewed
//! the way a new user would: every `.tf` and `.tfvars` under the module's root
//! directory. Their values come from variable defaults, locals, `count`, `for_each`
//! and `dynamic` blocks, so what the review says depends on evaluating them.

use std::path::{Path, PathBuf};

use reviewgate_core::{ChangeSet, Document, Origin, Review, Value, review};

fn corpus() -> PathBuf {
    std::env::var_os("REVIEWGATE_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    )
}

/// The module's own directory (not its examples or submodules), as documents.
fn module(name: &str) -> ChangeSet {
    directories(name, &[""])
}

/// Directories of a module (`""` for its root, `examples/complete`), as documents
/// named relative to the module, so that an example's `source = "../../"` finds it.
fn directories(name: &str, dirs: &[&str]) -> ChangeSet {
    let root = corpus().join("terraform-real").join(name);
    let mut paths: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|dir| {
            let dir = root.join(dir);
            std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .flatten()
                .map(|e| e.path())
        })
        .filter(|p| is_configuration(p))
        .collect();
    paths.sort();
    let documents = paths.iter().map(|p| {
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let name = p.strip_prefix(&root).unwrap_or(p);
        Document::detect(name.to_string_lossy(), text)
    });
    ChangeSet::from_documents(Origin::Local, documents)
}

fn is_configuration(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tf" || e == "tfvars")
}

fn addresses(cs: &ChangeSet) -> Vec<String> {
    cs.configuration
        .resources
        .iter()
        .map(|r| r.address.to_string())
        .collect()
}

fn rules_on(review: &Review, address: &str) -> Vec<String> {
    let mut rules: Vec<String> = review
        .findings
        .iter()
        .filter(|f| f.resource.as_deref() == Some(address))
        .map(|f| f.rule_id.to_string())
        .collect();
    rules.sort();
    rules
}

#[test]
fn cloudposse_s3_bucket_links_its_split_resources_through_locals() {
    let cs = module("cloudposse--terraform-aws-s3-bucket");
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let addresses = addresses(&cs);
    // `count = local.enabled ? 1 : 0` where `enabled` comes from a registry module
    // (`module.this`): not known, so the bucket stays one unexpanded block.
    assert!(
        addresses.contains(&"aws_s3_bucket.default".to_owned()),
        "{addresses:?}"
    );
    // Off by default: `s3_replication_enabled = false`, `logging = []`.
    assert!(
        !addresses
            .iter()
            .any(|a| a.starts_with("aws_iam_role.replication")),
        "{addresses:?}"
    );
    assert!(
        !addresses
            .iter()
            .any(|a| a.starts_with("aws_s3_bucket_logging.")),
        "{addresses:?}"
    );
    // The public access block, versioning and encryption resources name the
    // bucket through `local.bucket_id = join("", aws_s3_bucket.default[*].id)`;
    // the encryption rule is a `dynamic "rule"` block.
    let review = review(&cs);
    let on_bucket = rules_on(&review, "aws_s3_bucket.default");
    for linked in ["RG-AWS-S3-001", "RG-AWS-S3-003"] {
        assert!(
            !on_bucket.contains(&linked.to_owned()),
            "{linked} in {on_bucket:?}"
        );
    }
    let sse = cs
        .configuration
        .resources
        .iter()
        .find(|r| {
            r.address.to_string() == "aws_s3_bucket_server_side_encryption_configuration.default"
        })
        .expect("the encryption configuration");
    assert_eq!(
        sse.attribute("rule.0.apply_server_side_encryption_by_default.0.sse_algorithm"),
        Some(&Value::String("AES256".into()))
    );
}

#[test]
fn terraform_aws_modules_s3_bucket_makes_only_the_instances_its_defaults_ask_for() {
    let cs = module("terraform-aws-modules--terraform-aws-s3-bucket");
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let addresses = addresses(&cs);
    // `create_bucket = true`, `is_directory_bucket = false` by default.
    assert!(
        addresses.contains(&"aws_s3_bucket.this[0]".to_owned()),
        "{addresses:?}"
    );
    assert!(
        !addresses
            .iter()
            .any(|a| a.starts_with("aws_s3_directory_bucket.")),
        "{addresses:?}"
    );
    // `server_side_encryption_configuration = {}` and `versioning = {}` by default:
    // no encryption or versioning resource, so the bucket's findings are real.
    assert!(
        !addresses
            .iter()
            .any(|a| a.starts_with("aws_s3_bucket_server_side_encryption_configuration.")),
        "{addresses:?}"
    );
    // The public access block (on by default) is linked through
    // `aws_s3_bucket.this[0].id`.
    assert!(addresses.contains(&"aws_s3_bucket_public_access_block.this[0]".to_owned()));
    let review = review(&cs);
    let on_bucket = rules_on(&review, "aws_s3_bucket.this[0]");
    assert!(
        !on_bucket.contains(&"RG-AWS-S3-001".to_owned()),
        "{on_bucket:?}"
    );
    assert!(
        on_bucket.contains(&"RG-AWS-S3-004".to_owned()),
        "{on_bucket:?}"
    );
    // Nothing about the bucket is left undetermined for want of evaluation.
    assert!(
        review
            .undetermined
            .iter()
            .all(|u| !u.resource.starts_with("aws_s3_bucket")),
        "{:?}",
        review.undetermined
    );
}

#[test]
fn terraform_aws_modules_vpc_leaves_out_what_its_defaults_turn_off() {
    let cs = module("terraform-aws-modules--terraform-aws-vpc");
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let addresses = addresses(&cs);
    assert!(
        addresses.contains(&"aws_vpc.this[0]".to_owned()),
        "{addresses:?}"
    );
    // `manage_default_vpc = false`, no subnets by default.
    assert!(
        !addresses.iter().any(|a| a.starts_with("aws_default_vpc.")),
        "{addresses:?}"
    );
    assert!(
        !addresses.iter().any(|a| a.starts_with("aws_subnet.")),
        "{addresses:?}"
    );
    let review = review(&cs);
    assert!(rules_on(&review, "aws_default_vpc.this").is_empty());
}

/// The network-acls example counts its ACL rules by subnets over
/// `slice(data.aws_availability_zones.available.names, 0, 3)`: three zones, so the
/// rules are expanded and judged, none left undetermined.
#[test]
fn terraform_aws_modules_vpc_network_acls_example_expands_and_judges_its_rules() {
    let cs = directories(
        "terraform-aws-modules--terraform-aws-vpc",
        &["", "examples/network-acls"],
    );
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let addresses = addresses(&cs);
    let inbound: Vec<&String> = addresses
        .iter()
        .filter(|a| a.starts_with("module.vpc.aws_network_acl_rule.public_inbound"))
        .collect();
    // `concat(default_inbound, public_inbound)`: one rule and five.
    assert_eq!(inbound.len(), 6, "{addresses:?}");
    assert!(
        addresses.contains(&"module.vpc.aws_subnet.public[2]".to_owned()),
        "{addresses:?}"
    );
    let review = review(&cs);
    // Rule 120 opens SSH and rule 130 RDP to the internet.
    for address in [
        "module.vpc.aws_network_acl_rule.public_inbound[3]",
        "module.vpc.aws_network_acl_rule.public_inbound[4]",
    ] {
        assert!(
            rules_on(&review, address).contains(&"RG-AWS-VPC-005".to_owned()),
            "{address}: {:?}",
            rules_on(&review, address)
        );
    }
    assert!(
        rules_on(&review, "module.vpc.aws_network_acl_rule.public_inbound[1]").is_empty(),
        "port 80 is not an admin port"
    );
    assert!(
        review
            .undetermined
            .iter()
            .all(|u| !u.resource.contains("aws_network_acl")),
        "{:?}",
        review.undetermined
    );
}
