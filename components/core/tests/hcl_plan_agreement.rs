//! The configuration path and the plan path agree: a resource gets the same verdicts
//! from its `.tf` files and from `terraform show -json` of a plan of them. Each case
//! in `fixtures/agreement/<case>/` is a `main.tf` and the plan Terraform 1.9 with the
//! AWS provider 5.x prints for it (values it computes at apply are unknown there, with
//! the references of the plan's `configuration` section), and an `expect` file naming
//! verdicts both paths must reach (`not …`: must not reach), so that agreeing on
//! nothing cannot pass, and `plan only: …` verdicts where a plan cannot carry what
//! the configuration says (each with its reason after ` # `). Account-wide rules
//! (`RuleScope::Account`) are left out: by design they run on a change (a plan) and
//! not on a scan of configuration as it stands (`main.tf` alone).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use reviewgate_core::rules::{RuleScope, find_rule};
use reviewgate_core::{ChangeSet, Document, Origin, Review, review};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agreement");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn review_file(case: &Path, name: &str) -> Review {
    let path = case.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cs = ChangeSet::from_documents(Origin::Local, [Document::detect(name, text)]);
    assert!(cs.errors.is_empty(), "{}: {:?}", path.display(), cs.errors);
    review(&cs)
}

/// Whether a rule judges a resource on its own, the same in either scope.
fn resource_scoped(rule_id: &str) -> bool {
    find_rule(rule_id).is_some_and(|rule| rule.scope() == RuleScope::Resource)
}

/// `finding RULE ADDRESS` and `undetermined RULE ADDRESS` lines, rule findings only
/// (secret scanning reads the text of a file, which a plan does not have).
fn verdicts(review: &Review) -> BTreeSet<String> {
    let findings = review
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("RG-AWS-") && resource_scoped(&f.rule_id))
        .filter_map(|f| Some(format!("finding {} {}", f.rule_id, f.resource.as_deref()?)));
    let undetermined = review
        .undetermined
        .iter()
        .filter(|u| resource_scoped(&u.rule_id))
        .map(|u| format!("undetermined {} {}", u.rule_id, u.resource));
    findings.chain(undetermined).collect()
}

#[test]
fn configuration_and_plan_reach_the_same_verdicts() {
    let cases = cases();
    assert!(cases.len() >= 5, "agreement cases: {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let from_hcl = verdicts(&review_file(case, "main.tf"));
        let from_plan = verdicts(&review_file(case, "plan.json"));
        let expect = std::fs::read_to_string(case.join("expect")).expect("expect file");
        let lines: Vec<&str> = expect
            .lines()
            .map(|l| l.split(" # ").next().unwrap_or_default().trim())
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        // Where a plan cannot carry what the configuration says, the case declares it.
        let declared: BTreeSet<String> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("plan only: "))
            .map(str::to_owned)
            .collect();
        let only_hcl: Vec<_> = from_hcl.difference(&from_plan).collect();
        let only_plan: BTreeSet<String> = from_plan.difference(&from_hcl).cloned().collect();
        if !only_hcl.is_empty() || only_plan != declared {
            failures.push(format!(
                "{name}: only from main.tf: {only_hcl:?}\n{name}: only from plan.json: \
                 {only_plan:?} (declared: {declared:?})",
            ));
        }
        if !lines.iter().any(|l| l.starts_with("finding ")) {
            failures.push(format!(
                "{name}: expect names no finding both paths must reach"
            ));
        }
        for line in lines.iter().filter(|l| !l.starts_with("plan only: ")) {
            let (wanted, verdict) = match line.strip_prefix("not ") {
                Some(rest) => (false, rest),
                None => (true, *line),
            };
            for (path, set) in [("main.tf", &from_hcl), ("plan.json", &from_plan)] {
                if set.contains(verdict) != wanted {
                    failures.push(format!("{name}/{path}: expected `{line}`; got {set:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
