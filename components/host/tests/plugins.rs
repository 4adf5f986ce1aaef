//! Policy plugins in the sandbox: findings merge with the plugin's name as prefix;
//! a plugin that loops, hoards memory, sleeps, blocks, traps, floods or lies is
//! stopped within its limits and its deadline, recorded on the review, and the
//! review completes with the other plugins' findings.

mod support;

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reviewgate_core::{
    ChangeSet, Document, ExternalError, ExternalResult, FailureKind, Origin, Review,
};
use reviewgate_host::{ComponentCache, PluginLimits, PolicyPlugins, ReviewerHost};

const HCL: &str = r#"
resource "aws_s3_bucket" "tagged" {
  bucket = "tagged"
  tags = { owner = "platform", "cost-center" = "42" }
}

resource "aws_s3_bucket" "untagged" {
  bucket = "untagged"
  tags = { owner = "platform" }
}
"#;

fn documents() -> Vec<Document> {
    vec![Document::detect("main.tf", HCL)]
}

fn install(dir: &Path, name: &str, component: &str, config: Option<&str>) {
    std::fs::write(dir.join(format!("{name}.wasm")), support::wasm(component)).expect("copy");
    if let Some(config) = config {
        std::fs::write(dir.join(format!("{name}.json")), config).expect("config");
    }
}

/// The tests' per-plugin deadline: short, so that each test is quick.
const DEADLINE: Duration = Duration::from_millis(500);

/// What a stopped plugin may add to its deadline: an epoch tick, instantiating the
/// well-behaved plugin beside it, and a busy two-core machine running other tests.
const MARGIN: Duration = Duration::from_millis(1500);

fn limits() -> PluginLimits {
    PluginLimits {
        memory_bytes: 64 << 20,
        fuel: 2_000_000_000,
        output_bytes: 1 << 20,
        deadline: DEADLINE,
    }
}

#[test]
fn plugin_findings_merge_and_misbehaving_plugins_are_contained() {
    let dir = tempfile::tempdir().expect("temp dir");
    install(
        dir.path(),
        "required-tags",
        "reviewgate_plugin_required_tags",
        None,
    );
    for mode in [
        "loop",
        "allocate",
        "trap",
        "malformed",
        "flood",
        "error",
        "polite",
    ] {
        let config = format!(r#"{{"mode": "{mode}"}}"#);
        install(
            dir.path(),
            mode,
            "reviewgate_plugin_misbehaving",
            Some(&config),
        );
    }
    std::fs::write(dir.path().join("not-wasm.wasm"), b"garbage").expect("garbage");

    let engine = PolicyPlugins::engine().expect("engine");
    let cache = ComponentCache::in_dir(dir.path().join("cache"));
    let plugins = PolicyPlugins::load_dir(&engine, dir.path(), limits(), &cache).expect("load");
    assert_eq!(plugins.names().len(), 9);

    let change_set = ChangeSet::from_documents(Origin::Local, documents());
    let started = Instant::now();
    let results = plugins.evaluate(&change_set);
    // Every plugin, however it misbehaves, is stopped well within a few seconds.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );

    let outcome = |name: &str| {
        results
            .iter()
            .find(|r| r.plugin == name)
            .unwrap_or_else(|| panic!("no result for {name}"))
            .outcome
            .clone()
    };
    let kind = |name: &str| outcome(name).expect_err(name).kind;
    assert_eq!(kind("loop"), FailureKind::CpuLimit);
    assert_eq!(kind("allocate"), FailureKind::MemoryLimit);
    assert_eq!(kind("trap"), FailureKind::Trap);
    assert_eq!(kind("malformed"), FailureKind::MalformedOutput);
    assert_eq!(kind("flood"), FailureKind::OutputLimit);
    assert_eq!(kind("error"), FailureKind::PluginError);
    assert_eq!(kind("not-wasm"), FailureKind::Load);
    let tags = outcome("required-tags").expect("required-tags runs");
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].resource.as_deref(), Some("aws_s3_bucket.untagged"));
    assert!(
        tags[0].message.contains("cost-center"),
        "{}",
        tags[0].message
    );
    assert_eq!(outcome("polite").expect("polite runs").len(), 1);

    // The review through the reviewer component merges and records them.
    let reviewer_engine = ReviewerHost::engine().expect("engine");
    let reviewer = ReviewerHost::new(
        &reviewer_engine,
        &support::wasm("reviewgate_reviewer"),
        &ComponentCache::disabled(),
    )
    .expect("reviewer");
    let review = reviewer
        .review(&documents(), None, &results)
        .expect("review");
    let plain = reviewer.review(&documents(), None, &[]).expect("review");
    let tag_findings: Vec<_> = review
        .findings
        .iter()
        .filter(|f| f.rule_id == "required-tags/TAGS-001")
        .collect();
    assert_eq!(tag_findings.len(), 1);
    assert!(
        review
            .findings
            .iter()
            .any(|f| f.rule_id == "polite/FIX-001")
    );
    assert_eq!(review.failed_checks.len(), 7);
    assert!(
        review.risk.as_ref().expect("risk").confidence
            < plain.risk.as_ref().expect("risk").confidence
    );
    // Everything else is exactly the plain review.
    let builtin: Vec<_> = review
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("RG-"))
        .collect();
    assert_eq!(builtin, plain.findings.iter().collect::<Vec<_>>());
}

#[test]
fn fresh_instances_share_no_state_between_reviews() {
    // A fresh instance per review: two reviews cannot see each other's state.
    let dir = tempfile::tempdir().expect("temp dir");
    install(dir.path(), "polite", "reviewgate_plugin_misbehaving", None);
    let engine = PolicyPlugins::engine().expect("engine");
    let plugins =
        PolicyPlugins::load_dir(&engine, dir.path(), limits(), &ComponentCache::disabled())
            .expect("load");
    let empty = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", "")]);
    let full = ChangeSet::from_documents(Origin::Local, documents());
    for _ in 0..3 {
        let results = plugins.evaluate(&full);
        assert_eq!(results[0].outcome.as_ref().expect("runs").len(), 1);
        let results = plugins.evaluate(&empty);
        assert!(results[0].outcome.as_ref().expect("runs").is_empty());
    }
}

#[test]
fn plugins_reach_no_files_network_or_environment_but_what_is_granted() {
    let granted_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let other_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let granted = granted_listener.local_addr().expect("address").to_string();
    let other = other_listener.local_addr().expect("address").to_string();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("policy-data")).expect("data dir");
    std::fs::write(dir.path().join("policy-data/probe.txt"), "team data").expect("data");
    // Cargo sets CARGO_PKG_NAME for the test process: a variable the host has.
    let config =
        format!(r#"{{"mode": "probe", "env": "CARGO_PKG_NAME", "connect": "{granted},{other}"}}"#);
    for name in ["isolated", "granted"] {
        install(
            dir.path(),
            name,
            "reviewgate_plugin_misbehaving",
            Some(&config),
        );
    }
    std::fs::write(
        dir.path().join("granted.grants.json"),
        format!(
            r#"{{"env": ["CARGO_PKG_NAME"], "dirs": {{"/data": "policy-data"}}, "connect": ["{granted}"]}}"#
        ),
    )
    .expect("grants");
    // Grants that cannot be honoured fail that plugin's load, with the reason.
    let unusable = [
        (
            "unset-env",
            r#"{"env": ["REVIEWGATE_TEST_NOT_SET_ANYWHERE"]}"#,
            "REVIEWGATE_TEST_NOT_SET_ANYWHERE",
        ),
        (
            "missing-dir",
            r#"{"dirs": {"/data": "nowhere"}}"#,
            "nowhere",
        ),
        (
            "relative-guest",
            r#"{"dirs": {"data": "policy-data"}}"#,
            "absolute",
        ),
        ("typo", r#"{"network": ["127.0.0.1:1"]}"#, "network"),
    ];
    for (name, grants, _) in unusable {
        install(dir.path(), name, "reviewgate_plugin_misbehaving", None);
        std::fs::write(dir.path().join(format!("{name}.grants.json")), grants).expect("grants");
    }

    let engine = PolicyPlugins::engine().expect("engine");
    let plugins =
        PolicyPlugins::load_dir(&engine, dir.path(), limits(), &ComponentCache::disabled())
            .expect("load");
    let results = plugins.evaluate(&ChangeSet::from_documents(Origin::Local, documents()));
    let lines = |name: &str| -> Vec<String> {
        results
            .iter()
            .find(|r| r.plugin == name)
            .expect("result")
            .outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("{name}: {e:?}"))
            .iter()
            .map(|f| f.message.clone())
            .collect()
    };

    for (name, _, reason) in unusable {
        let result = results.iter().find(|r| r.plugin == name).expect("result");
        let error = result.outcome.as_ref().expect_err(name);
        assert_eq!(error.kind, FailureKind::Load, "{name}");
        assert!(error.message.contains(reason), "{name}: {}", error.message);
    }

    let isolated = lines("isolated");
    assert_eq!(isolated.len(), 5, "{isolated:?}");
    for line in &isolated {
        assert!(
            line.contains(": denied ("),
            "isolated plugin reached out: {line}"
        );
    }

    let granted_lines = lines("granted");
    assert_eq!(
        granted_lines[..4],
        [
            "env: reviewgate-host".to_owned(),
            "file: team data".to_owned(),
            granted_lines[2].clone(),
            format!("connect {granted}: ok"),
        ],
    );
    // Directories are read-only; only the granted address is reachable.
    assert!(
        granted_lines[2].starts_with("write: denied ("),
        "{}",
        granted_lines[2]
    );
    assert!(
        granted_lines[4].starts_with(&format!("connect {other}: denied (")),
        "{}",
        granted_lines[4]
    );
    assert!(!dir.path().join("policy-data/written.txt").exists());
    // The granted connection really reached the host's listener.
    granted_listener.set_nonblocking(true).expect("nonblocking");
    assert!(granted_listener.accept().is_ok());
    other_listener.set_nonblocking(true).expect("nonblocking");
    assert!(other_listener.accept().is_err());
}

#[test]
fn the_python_plugin_flags_resources_outside_the_allowed_regions() {
    let dir = tempfile::tempdir().expect("temp dir");
    install(
        dir.path(),
        "allowed-regions",
        "reviewgate_plugin_allowed_regions",
        Some(r#"{"regions": "eu-west-1"}"#),
    );
    let engine = PolicyPlugins::engine().expect("engine");
    // Compiling the 18 MB Python component takes tens of seconds: scripts/test keeps
    // the compiled code across runs.
    let cache = ComponentCache::in_dir(
        std::env::var_os("REVIEWGATE_COMPONENT_CACHE")
            .map_or_else(|| dir.path().join("cache"), std::path::PathBuf::from),
    );
    let plugins = PolicyPlugins::load_dir(&engine, dir.path(), PluginLimits::default(), &cache)
        .expect("load");
    let hcl = r#"
resource "aws_instance" "ireland" {
  availability_zone = "eu-west-1a"
}
resource "aws_instance" "virginia" {
  availability_zone = "us-east-1b"
}
resource "aws_instance" "later" {
  availability_zone = var.zone
}
"#;
    let change_set = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", hcl)]);
    let results = plugins.evaluate(&change_set);
    let findings = results[0].outcome.as_ref().expect("the Python plugin runs");
    let flagged: Vec<_> = findings.iter().map(|f| f.resource.as_deref()).collect();
    assert_eq!(flagged, [Some("aws_instance.virginia")]);
    assert_eq!(findings[0].rule_id, "REGION-001");
    assert_eq!(findings[0].line, Some(5));
}

/// A plugin directory with the well-behaved `required-tags` beside whatever else
/// a test installs.
fn plugin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    install(
        dir.path(),
        "required-tags",
        "reviewgate_plugin_required_tags",
        None,
    );
    dir
}

/// Loads `dir` and evaluates the test change set in another thread, giving up
/// after `give_up`: a plugin the host fails to stop fails the test instead of
/// hanging it. Returns the results and how long the evaluation took.
fn evaluate_within(dir: &Path, give_up: Duration) -> (Vec<ExternalResult>, Duration) {
    let engine = PolicyPlugins::engine().expect("engine");
    let plugins =
        PolicyPlugins::load_dir(&engine, dir, limits(), &ComponentCache::disabled()).expect("load");
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let change_set = ChangeSet::from_documents(Origin::Local, documents());
        let started = Instant::now();
        let results = plugins.evaluate(&change_set);
        let _ = send.send((results, started.elapsed()));
    });
    receive
        .recv_timeout(give_up)
        .unwrap_or_else(|_| panic!("the plugins were still running after {give_up:?}"))
}

fn failure_of(results: &[ExternalResult], name: &str) -> ExternalError {
    results
        .iter()
        .find(|r| r.plugin == name)
        .unwrap_or_else(|| panic!("no result for {name}"))
        .outcome
        .clone()
        .expect_err(name)
}

/// The review through the reviewer component: it completes, records `failed` as
/// failed checks, and still has `required-tags`' finding.
fn assert_review_completes(results: &[ExternalResult], failed: &[&str]) -> Review {
    static REVIEWER: OnceLock<ReviewerHost> = OnceLock::new();
    let reviewer = REVIEWER.get_or_init(|| {
        let cache = std::env::var_os("REVIEWGATE_COMPONENT_CACHE")
            .map_or_else(ComponentCache::disabled, ComponentCache::in_dir);
        ReviewerHost::new(
            &ReviewerHost::engine().expect("engine"),
            &support::wasm("reviewgate_reviewer"),
            &cache,
        )
        .expect("reviewer")
    });
    let review = reviewer
        .review(&documents(), None, results)
        .expect("the review completes");
    let mut recorded: Vec<&str> = review
        .failed_checks
        .iter()
        .map(|c| c.plugin.as_str())
        .collect();
    recorded.sort_unstable();
    assert_eq!(recorded, failed);
    let tags = review
        .findings
        .iter()
        .find(|f| f.rule_id == "required-tags/TAGS-001")
        .expect("the well-behaved plugin's finding");
    assert_eq!(tags.resource.as_deref(), Some("aws_s3_bucket.untagged"));
    review
}

/// Asserts that `name` was stopped at the deadline, and that the evaluation
/// (`name` plus `required-tags`) took no longer than the deadline and the margin.
fn assert_stopped_at_deadline(results: &[ExternalResult], name: &str, elapsed: Duration) {
    eprintln!("{name} and required-tags: {elapsed:?}");
    let error = failure_of(results, name);
    assert_eq!(error.kind, FailureKind::CpuLimit, "{error:?}");
    assert_eq!(error.message, "exceeded its 500 ms deadline");
    assert!(
        elapsed >= DEADLINE,
        "stopped before its deadline: {elapsed:?}"
    );
    assert!(elapsed < DEADLINE + MARGIN, "took {elapsed:?}");
    assert_review_completes(results, &[name]);
}

#[test]
fn a_sleeping_plugin_is_stopped_at_its_deadline() {
    let dir = plugin_dir();
    let config = r#"{"mode": "sleep"}"#;
    install(
        dir.path(),
        "sleep",
        "reviewgate_plugin_misbehaving",
        Some(config),
    );
    // Fuel does not burn while a plugin sleeps in the host: only the deadline can
    // stop it, here an hour early.
    let (results, elapsed) = evaluate_within(dir.path(), DEADLINE + MARGIN * 4);
    assert_stopped_at_deadline(&results, "sleep", elapsed);
}

#[test]
fn a_plugin_polling_forever_is_stopped_at_its_deadline() {
    let dir = plugin_dir();
    let config = r#"{"mode": "poll-forever"}"#;
    install(
        dir.path(),
        "poll",
        "reviewgate_plugin_misbehaving",
        Some(config),
    );
    // Its time goes to the host's `poll`, so it would take its fuel (2e9) tens of
    // seconds to run out.
    let (results, elapsed) = evaluate_within(dir.path(), DEADLINE + MARGIN * 4);
    assert_stopped_at_deadline(&results, "poll", elapsed);
}

#[test]
fn a_plugin_blocked_reading_a_granted_socket_is_stopped_at_its_deadline() {
    // A server that accepts and never writes, holding each connection open.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
    let address = listener.local_addr().expect("address").to_string();
    let (accepted, connections) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if accepted.send(stream).is_err() {
                break;
            }
        }
    });
    let dir = plugin_dir();
    let config = format!(r#"{{"mode": "read-socket", "connect": "{address}"}}"#);
    install(
        dir.path(),
        "socket",
        "reviewgate_plugin_misbehaving",
        Some(&config),
    );
    std::fs::write(
        dir.path().join("socket.grants.json"),
        format!(r#"{{"connect": ["{address}"]}}"#),
    )
    .expect("grants");
    let (results, elapsed) = evaluate_within(dir.path(), DEADLINE + MARGIN * 4);
    assert_stopped_at_deadline(&results, "socket", elapsed);
    // It really connected, and so was stopped in the read rather than refused.
    let connection = connections
        .recv_timeout(Duration::from_secs(1))
        .expect("the plugin connected")
        .expect("accepted");
    drop(connection);
}

#[test]
fn aliased_output_is_refused_before_it_is_copied() {
    let dir = plugin_dir();
    // 64 findings whose messages all point at one 16 MiB string: 16 MiB of the
    // plugin's memory, 1 GiB if the host copied every reference.
    let config = r#"{"mode": "alias", "size": "16777216", "count": "64"}"#;
    install(
        dir.path(),
        "alias",
        "reviewgate_plugin_misbehaving",
        Some(config),
    );
    let (results, elapsed) = evaluate_within(dir.path(), DEADLINE + MARGIN * 4);
    eprintln!("alias and required-tags: {elapsed:?}");
    let error = failure_of(&results, "alias");
    assert_eq!(error.kind, FailureKind::OutputLimit, "{error:?}");
    assert!(
        error.message.contains("stopped before copying them"),
        "{}",
        error.message
    );
    assert!(elapsed < DEADLINE + MARGIN, "took {elapsed:?}");
    assert_review_completes(&results, &["alias"]);
}

#[test]
fn a_huge_error_string_is_truncated_or_refused() {
    let dir = plugin_dir();
    // Within the output limit (1 MiB): copied, then truncated with a marker.
    let config = r#"{"mode": "huge-error", "size": "524288"}"#;
    install(
        dir.path(),
        "long-error",
        "reviewgate_plugin_misbehaving",
        Some(config),
    );
    // Beyond it: never copied at all.
    let config = r#"{"mode": "huge-error", "size": "33554432"}"#;
    install(
        dir.path(),
        "huge-error",
        "reviewgate_plugin_misbehaving",
        Some(config),
    );
    let (results, elapsed) = evaluate_within(dir.path(), DEADLINE + MARGIN * 4);
    eprintln!("long-error, huge-error and required-tags: {elapsed:?}");
    assert!(elapsed < DEADLINE + MARGIN, "took {elapsed:?}");

    let long = failure_of(&results, "long-error");
    assert_eq!(long.kind, FailureKind::PluginError);
    assert!(long.message.starts_with("eeee"), "{}", &long.message[..40]);
    assert!(
        long.message.ends_with("… [truncated from 524288 bytes]"),
        "{}",
        &long.message[long.message.len() - 60..]
    );
    assert!(long.message.len() < 4200, "{}", long.message.len());
    let huge = failure_of(&results, "huge-error");
    assert_eq!(huge.kind, FailureKind::OutputLimit, "{huge:?}");

    let review = assert_review_completes(&results, &["huge-error", "long-error"]);
    assert!(review.failed_checks.iter().all(|c| c.message.len() < 4200));
}

/// The `hoarder` fixture: a core module in WAT, made a component for the
/// `policy-plugin` world as wasm-component-ld makes Rust's.
fn hoarder_component() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut module = wat::parse_file(root.join("components/policy-plugins/hoarder/hoarder.wat"))
        .expect("hoarder.wat parses");
    let mut resolve = wit_parser::Resolve::default();
    let (package, _) = resolve.push_dir(root.join("wit")).expect("wit/");
    let world = resolve
        .select_world(&[package], Some("policy-plugin"))
        .expect("the policy-plugin world");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .expect("embed the world");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("a core module")
        .validate(true)
        .encode()
        .expect("a component")
}

#[test]
fn memories_and_tables_draw_on_one_budget() {
    let dir = plugin_dir();
    let hoarder = hoarder_component();
    // Seven memories of 10 MiB, or sixteen tables of a million elements: each one
    // within the 64 MiB limit, together beyond it.
    for (name, mode) in [
        ("memories", "memories"),
        ("tables", "tables"),
        ("idle", "none"),
    ] {
        std::fs::write(dir.path().join(format!("{name}.wasm")), &hoarder).expect("copy");
        std::fs::write(
            dir.path().join(format!("{name}.json")),
            format!(r#"{{"mode": "{mode}"}}"#),
        )
        .expect("config");
    }
    let (results, elapsed) = evaluate_within(dir.path(), DEADLINE + MARGIN * 4);
    eprintln!("memories, tables, idle and required-tags: {elapsed:?}");
    assert!(elapsed < DEADLINE + MARGIN, "took {elapsed:?}");
    for name in ["memories", "tables"] {
        let error = failure_of(&results, name);
        assert_eq!(error.kind, FailureKind::MemoryLimit, "{name}: {error:?}");
    }
    // The same component, growing nothing, runs: the budget is what stopped it.
    let idle = results.iter().find(|r| r.plugin == "idle").expect("idle");
    assert_eq!(idle.outcome, Ok(Vec::new()));
    assert_review_completes(&results, &["memories", "tables"]);
}
