//! `reviewgate review --download-modules` against a fake module registry on
//! 127.0.0.1: service discovery, versions, download with `X-Terraform-Get` and
//! archives built here, served over plain HTTP only because the test sets
//! `REVIEWGATE_REGISTRY_INSECURE_LOCALHOST=1`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// One canned answer.
#[derive(Clone)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(body: &str) -> Self {
        Answer {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn bytes(body: Vec<u8>) -> Self {
        Answer {
            status: 200,
            headers: Vec::new(),
            body,
        }
    }

    fn get(location: &str) -> Self {
        Answer {
            status: 204,
            headers: vec![("X-Terraform-Get".into(), location.into())],
            body: Vec::new(),
        }
    }
}

/// Each request's path and its `Authorization` header.
type Requests = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A registry that answers from a table (404 for anything else) and records the
/// paths asked for.
struct FakeRegistry {
    host: String,
    routes: Arc<Mutex<HashMap<String, Answer>>>,
    requests: Requests,
}

impl FakeRegistry {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let host = listener.local_addr().expect("addr").to_string();
        let routes: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
        let requests: Requests = Arc::default();
        routes.lock().expect("routes").insert(
            "/.well-known/terraform.json".into(),
            Answer::json(r#"{"modules.v1": "/v1/modules/"}"#),
        );
        let (served_routes, served_requests) = (routes.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &served_routes, &served_requests);
            }
        });
        FakeRegistry {
            host,
            routes,
            requests,
        }
    }

    fn route(&self, path: &str, answer: Answer) {
        self.routes
            .lock()
            .expect("routes")
            .insert(path.to_owned(), answer);
    }

    /// A module's versions, each with its archive at `/archives/NAME-VERSION.tar.gz`.
    fn module(&self, path: &str, versions: &[(&str, Vec<u8>)]) {
        let listed: Vec<String> = versions
            .iter()
            .map(|(v, _)| format!(r#"{{"version":"{v}"}}"#))
            .collect();
        self.route(
            &format!("/v1/modules/{path}/versions"),
            Answer::json(&format!(
                r#"{{"modules":[{{"versions":[{}]}}]}}"#,
                listed.join(",")
            )),
        );
        for (version, archive) in versions {
            let file = format!("/archives/{}-{version}.tar.gz", path.replace('/', "-"));
            self.route(
                &format!("/v1/modules/{path}/{version}/download"),
                Answer::get(&format!("http://{}{file}", self.host)),
            );
            self.route(&file, Answer::bytes(archive.clone()));
        }
    }

    fn requested(&self, path: &str) -> bool {
        self.times_requested(path) > 0
    }

    fn times_requested(&self, path: &str) -> usize {
        self.requests
            .lock()
            .expect("requests")
            .iter()
            .filter(|(p, _)| p == path)
            .count()
    }

    /// The `Authorization` headers sent with requests for `path`.
    fn authorizations(&self, path: &str) -> Vec<Option<String>> {
        self.requests
            .lock()
            .expect("requests")
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, authorization)| authorization.clone())
            .collect()
    }
}

fn answer(
    stream: TcpStream,
    routes: &Mutex<HashMap<String, Answer>>,
    requests: &Mutex<Vec<(String, Option<String>)>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            authorization = Some(value.trim().to_owned());
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    requests
        .lock()
        .expect("requests")
        .push((path.clone(), authorization));
    let found = routes.lock().expect("routes").get(&path).cloned();
    let answer = found.unwrap_or(Answer {
        status: 404,
        headers: Vec::new(),
        body: b"not found".to_vec(),
    });
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        answer.status,
        answer.body.len()
    )?;
    for (name, value) in &answer.headers {
        write!(out, "{name}: {value}\r\n")?;
    }
    write!(out, "\r\n")?;
    out.write_all(&answer.body)?;
    out.flush()
}

/// A .tar.gz of `(path, contents)`; paths are written raw, `..` included.
fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        builder.append(&header, *data).expect("append");
    }
    builder.into_inner().expect("tar").finish().expect("gzip")
}

/// A bucket module whose ACL is its `acl` variable, the resource named after
/// the version so the test sees which one was chosen.
fn bucket_module(resource: &str) -> String {
    format!(
        r#"variable "acl" {{
  type    = string
  default = "private"
}}

resource "aws_s3_bucket" "this" {{
  bucket = "downloaded"
}}

resource "aws_s3_bucket_acl" "{resource}" {{
  bucket = aws_s3_bucket.this.id
  acl    = var.acl
}}
"#
    )
}

fn reviewgate(root: &Path, cache: &Path, args: &[&str], insecure_localhost: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_reviewgate"));
    command
        .arg("review")
        .args(args)
        .arg(root)
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", cache)
        .env_remove("REVIEWGATE_REGISTRY_INSECURE_LOCALHOST");
    if insecure_localhost {
        command.env("REVIEWGATE_REGISTRY_INSECURE_LOCALHOST", "1");
    }
    command.output().expect("run reviewgate")
}

fn review_json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn finding<'r>(review: &'r serde_json::Value, resource: &str) -> Option<&'r serde_json::Value> {
    review["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule_id"] == "RG-AWS-S3-002" && f["resource"] == resource)
}

fn reason<'r>(review: &'r serde_json::Value, module: &str) -> &'r str {
    review["not_evaluated"]
        .as_array()
        .expect("not_evaluated")
        .iter()
        .find(|m| m["module"] == module)
        .unwrap_or_else(|| panic!("{module} is not listed as not evaluated: {review}"))["reason"]
        .as_str()
        .expect("reason")
}

#[test]
fn downloads_registry_modules_picks_the_version_and_reviews_them() {
    let registry = FakeRegistry::start();
    let host = registry.host.clone();
    // 1.5.0 calls a nested registry module and carries a submodule.
    let v1_5_main = format!(
        "{}\nmodule \"logs\" {{\n  source  = \"{host}/acme/logs/aws\"\n  version = \">= 0.1\"\n}}\n",
        bucket_module("v1_5")
    );
    let inner = bucket_module("inner");
    registry.module(
        "acme/bucket/aws",
        &[
            (
                "1.0.0",
                tar_gz(&[("main.tf", bucket_module("v1_0").as_bytes())]),
            ),
            (
                "1.5.0",
                tar_gz(&[
                    ("main.tf", v1_5_main.as_bytes()),
                    ("modules/inner/main.tf", inner.as_bytes()),
                    // Not part of the module: never reviewed.
                    (
                        "examples/complete/main.tf",
                        b"resource \"aws_s3_bucket\" \"example\" {}\n",
                    ),
                ]),
            ),
            (
                "2.0.0",
                tar_gz(&[("main.tf", bucket_module("v2_0").as_bytes())]),
            ),
            (
                "2.1.0-rc1",
                tar_gz(&[("main.tf", bucket_module("rc").as_bytes())]),
            ),
        ],
    );
    let logs = bucket_module("nested").replace("var.acl", "\"public-read-write\"");
    registry.module(
        "acme/logs/aws",
        &[("0.2.0", tar_gz(&[("main.tf", logs.as_bytes())]))],
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("infra");
    std::fs::create_dir(&root).expect("mkdir");
    std::fs::write(
        root.join("main.tf"),
        format!(
            r#"module "bucket" {{
  source  = "{host}/acme/bucket/aws"
  version = "~> 1.2"
  acl     = "public-read"
}}

module "inner" {{
  source  = "{host}/acme/bucket/aws//modules/inner"
  version = "1.5.0"
  acl     = "public-read"
}}

module "network" {{
  source = "git::https://example.com/network.git?ref=v1.0.0"
}}

module "app" {{
  source = "./modules/app"
}}
"#
        ),
    )
    .expect("write");
    // A registry call inside a local module of the reviewed files.
    std::fs::create_dir_all(root.join("modules/app")).expect("mkdir");
    std::fs::write(
        root.join("modules/app/main.tf"),
        format!(
            "module \"store\" {{\n  source  = \"{host}/acme/bucket/aws\"\n  version = \"1.0.0\"\n  acl     = \"public-read\"\n}}\n"
        ),
    )
    .expect("write");
    let cache = dir.path().join("cache");

    // Without the option nothing is fetched.
    let out = reviewgate(&root, &cache, &["--format", "json"], true);
    let review = review_json(&out);
    assert!(
        reason(&review, "module.bucket").contains("not installed"),
        "{review}"
    );
    assert!(!registry.requested("/.well-known/terraform.json"));

    let out = reviewgate(
        &root,
        &cache,
        &["--format", "json", "--download-modules"],
        true,
    );
    let review = review_json(&out);
    let found = finding(&review, "module.bucket.aws_s3_bucket_acl.v1_5")
        .unwrap_or_else(|| panic!("no finding inside the downloaded module: {review}"));
    let module_dir = cache.join(format!("reviewgate/modules/{host}/acme/bucket/aws/1.5.0"));
    assert_eq!(
        found["file"],
        format!("{}/main.tf", module_dir.display()),
        "{found}"
    );
    assert!(
        finding(&review, "module.inner.aws_s3_bucket_acl.inner").is_some(),
        "{review}"
    );
    assert!(
        finding(
            &review,
            "module.bucket.module.logs.aws_s3_bucket_acl.nested"
        )
        .is_some(),
        "the nested module was not downloaded: {review}"
    );
    assert!(
        finding(&review, "module.app.module.store.aws_s3_bucket_acl.v1_0").is_some(),
        "the module called from a local module was not downloaded: {review}"
    );
    let text = review.to_string();
    for absent in [
        "module.bucket.aws_s3_bucket_acl.v1_0",
        "v2_0",
        "aws_s3_bucket_acl.rc",
        "aws_s3_bucket.example",
    ] {
        assert!(!text.contains(absent), "{absent} reviewed: {review}");
    }
    let not_evaluated = review["not_evaluated"].as_array().expect("not_evaluated");
    assert_eq!(not_evaluated.len(), 1, "{review}");
    assert_eq!(
        reason(&review, "module.network"),
        "source type not downloaded: git"
    );
    assert!(module_dir.join("main.tf").is_file());

    // Text output names the call with the file inside the module.
    let out = reviewgate(&root, &cache, &["--download-modules"], true);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("module.bucket.aws_s3_bucket_acl.v1_5"),
        "{text}"
    );
    assert!(text.contains("source type not downloaded: git"), "{text}");
    // Both calls of 1.5.0 and both runs used one download: the cache.
    assert_eq!(
        registry.times_requested("/archives/acme-bucket-aws-1.5.0.tar.gz"),
        1
    );
}

#[test]
fn registry_failures_and_hostile_archives_become_reasons() {
    let registry = FakeRegistry::start();
    let host = registry.host.clone();
    registry.module(
        "acme/old/aws",
        &[(
            "0.1.0",
            tar_gz(&[("main.tf", bucket_module("old").as_bytes())]),
        )],
    );
    registry.module(
        "acme/escape/aws",
        &[(
            "1.0.0",
            tar_gz(&[
                ("main.tf", bucket_module("escape").as_bytes()),
                ("../../escaped.tf", b"# outside"),
            ]),
        )],
    );
    // Zeros compress a thousandfold: 60 MB unpacked from a small download.
    let bomb = {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_path("main.tf").expect("path");
        header.set_size(60 * 1024 * 1024);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append(&header, std::io::repeat(b' ').take(60 * 1024 * 1024))
            .expect("append");
        builder.into_inner().expect("tar").finish().expect("gzip")
    };
    registry.module("acme/bomb/aws", &[("1.0.0", bomb)]);
    registry.module(
        "acme/outputs/aws",
        &[(
            "1.0.0",
            tar_gz(&[("outputs.tf", b"output \"id\" {\n  value = \"x\"\n}\n")]),
        )],
    );
    registry.module(
        "acme/empty/aws",
        &[(
            "1.0.0",
            tar_gz(&[("main.tf", b"# Nothing to evaluate yet\n")]),
        )],
    );
    registry.route(
        "/v1/modules/acme/badjson/aws/versions",
        Answer::json("{\"modules\": ["),
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("infra");
    std::fs::create_dir(&root).expect("mkdir");
    let call = |name: &str, module: &str, version: &str| {
        format!(
            "module \"{name}\" {{\n  source  = \"{host}/acme/{module}/aws\"\n  version = \"{version}\"\n}}\n"
        )
    };
    std::fs::write(
        root.join("main.tf"),
        [
            call("missing", "missing", "1.0.0"),
            call("old", "old", ">= 1.0"),
            call("escape", "escape", "1.0.0"),
            call("bomb", "bomb", "1.0.0"),
            call("badjson", "badjson", "1.0.0"),
            call("outputs", "outputs", "1.0.0"),
            call("empty", "empty", "1.0.0"),
        ]
        .concat(),
    )
    .expect("write");
    let cache = dir.path().join("cache");

    let out = reviewgate(
        &root,
        &cache,
        &["--format", "json", "--download-modules"],
        true,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let review = review_json(&out);
    let missing = reason(&review, "module.missing");
    assert!(missing.starts_with("not downloaded: "), "{missing}");
    assert!(missing.contains("404"), "{missing}");
    let old = reason(&review, "module.old");
    assert!(old.contains("no version") && old.contains("0.1.0"), "{old}");
    let escape = reason(&review, "module.escape");
    assert!(escape.contains("outside its directory"), "{escape}");
    assert!(!dir.path().join("escaped.tf").exists());
    assert!(!cache.join("reviewgate/modules/escaped.tf").exists());
    let bomb = reason(&review, "module.bomb");
    assert!(
        bomb.contains("unpacks to more than 52428800 bytes"),
        "{bomb}"
    );
    let bad_json = reason(&review, "module.badjson");
    assert!(bad_json.contains("bad JSON"), "{bad_json}");
    // A module of outputs alone is evaluated; one whose files hold only comments
    // is not, and says why.
    let not_evaluated = review["not_evaluated"].as_array().expect("not_evaluated");
    assert!(
        not_evaluated
            .iter()
            .all(|m| m["module"] != "module.outputs"),
        "{not_evaluated:?}"
    );
    let empty = reason(&review, "module.empty");
    assert!(empty.contains("declares no variables"), "{empty}");
    assert!(
        review["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["resource"]
                .as_str()
                .is_none_or(|r| !r.starts_with("module.")))
    );
    // A refused archive leaves nothing in the cache to be taken as complete.
    let escape_dir = cache.join(format!("reviewgate/modules/{host}/acme/escape/aws"));
    assert!(!escape_dir.join("1.0.0").exists() && !escape_dir.join("1.0.0.subdir").exists());
}

#[test]
fn plain_http_and_loopback_are_refused_without_the_test_switch() {
    let registry = FakeRegistry::start();
    let host = registry.host.clone();
    registry.module(
        "acme/bucket/aws",
        &[(
            "1.0.0",
            tar_gz(&[("main.tf", bucket_module("v1_0").as_bytes())]),
        )],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("infra");
    std::fs::create_dir(&root).expect("mkdir");
    std::fs::write(
        root.join("main.tf"),
        format!("module \"bucket\" {{\n  source  = \"{host}/acme/bucket/aws\"\n  version = \"1.0.0\"\n  acl = \"public-read\"\n}}\n"),
    )
    .expect("write");
    let out = reviewgate(
        &root,
        &dir.path().join("cache"),
        &["--format", "json", "--download-modules"],
        false,
    );
    let review = review_json(&out);
    let refused = reason(&review, "module.bucket");
    assert!(refused.contains("not a public address"), "{refused}");
    assert!(!registry.requested("/.well-known/terraform.json"));
}

#[test]
fn downloads_are_bounded_in_depth_and_count() {
    let registry = FakeRegistry::start();
    let host = registry.host.clone();
    let call = |name: &str, module: &str| {
        format!(
            "module \"{name}\" {{\n  source  = \"{host}/acme/{module}/aws\"\n  version = \"1.0.0\"\n}}\n"
        )
    };
    // d1 calls d2 calls … d7: only five levels are downloaded.
    for level in 1..=7 {
        let main = format!(
            "resource \"aws_s3_bucket\" \"level{level}\" {{\n  bucket = \"l{level}\"\n}}\n{}",
            call(&format!("d{}", level + 1), &format!("d{}", level + 1))
        );
        registry.module(
            &format!("acme/d{level}/aws"),
            &[("1.0.0", tar_gz(&[("main.tf", main.as_bytes())]))],
        );
    }
    // 26 single modules: one too many.
    let mut many_calls = String::new();
    for i in 0..26 {
        registry.module(
            &format!("acme/m{i}/aws"),
            &[(
                "1.0.0",
                tar_gz(&[("main.tf", b"variable \"x\" {\n  default = 1\n}\n")]),
            )],
        );
        many_calls.push_str(&call(&format!("m{i}"), &format!("m{i}")));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let deep_root = dir.path().join("deep");
    let many_root = dir.path().join("many");
    for (root, text) in [(&deep_root, call("d1", "d1")), (&many_root, many_calls)] {
        std::fs::create_dir(root).expect("mkdir");
        std::fs::write(root.join("main.tf"), text).expect("write");
    }

    let flags = ["--format", "json", "--download-modules"];
    let review = review_json(&reviewgate(&deep_root, &cache, &flags, true));
    let text = review.to_string();
    assert!(
        text.contains("module.d1.module.d2.module.d3.module.d4.module.d5.aws_s3_bucket.level5"),
        "{review}"
    );
    let deep = reason(
        &review,
        "module.d1.module.d2.module.d3.module.d4.module.d5.module.d6",
    );
    assert_eq!(deep, "not downloaded: modules nest more than 5 deep");
    assert!(!text.contains("level6"), "{review}");
    assert_eq!(review["not_evaluated"].as_array().map(Vec::len), Some(1));

    let review = review_json(&reviewgate(&many_root, &cache, &flags, true));
    let not_evaluated = review["not_evaluated"].as_array().expect("not_evaluated");
    assert_eq!(not_evaluated.len(), 1, "{review}");
    assert_eq!(
        reason(&review, "module.m25"),
        "not downloaded: a review downloads at most 25 modules"
    );
}

#[test]
fn a_registry_token_goes_to_the_registry_host_only() {
    let registry = FakeRegistry::start();
    let archives = FakeRegistry::start();
    let host = registry.host.clone();
    let archive = tar_gz(&[("main.tf", bucket_module("tokened").as_bytes())]);
    archives.route("/m.tar.gz", Answer::bytes(archive));
    registry.route(
        "/v1/modules/acme/private/aws/versions",
        Answer::json(r#"{"modules":[{"versions":[{"version":"1.0.0"}]}]}"#),
    );
    registry.route(
        "/v1/modules/acme/private/aws/1.0.0/download",
        Answer::get(&format!("http://{}/m.tar.gz", archives.host)),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("infra");
    std::fs::create_dir(&root).expect("mkdir");
    std::fs::write(
        root.join("main.tf"),
        format!("module \"private\" {{\n  source  = \"{host}/acme/private/aws\"\n  version = \"1.0.0\"\n  acl     = \"public-read\"\n}}\n"),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_reviewgate"))
        .args(["review", "--format", "json", "--download-modules"])
        .arg(&root)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env("REVIEWGATE_REGISTRY_INSECURE_LOCALHOST", "1")
        .env("TF_TOKEN_127_0_0_1", "s3cret")
        .output()
        .expect("run reviewgate");
    let review = review_json(&out);
    assert!(
        finding(&review, "module.private.aws_s3_bucket_acl.tokened").is_some(),
        "{review}"
    );
    let bearer = Some("Bearer s3cret".to_owned());
    for path in [
        "/.well-known/terraform.json",
        "/v1/modules/acme/private/aws/versions",
        "/v1/modules/acme/private/aws/1.0.0/download",
    ] {
        assert_eq!(
            registry.authorizations(path),
            vec![bearer.clone()],
            "{path}"
        );
    }
    assert_eq!(archives.authorizations("/m.tar.gz"), vec![None]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cret"));
}
