//! Local module calls (`module "x" { source = "./modules/x" }`) whose directory is
//! among the reviewed files: the module's resources are evaluated once per call
//! instance, with the call's arguments as the module's variables, under the
//! call's address (`module.x.aws_s3_bucket.this[0]`), and its outputs become
//! `module.x.NAME` in the caller. A directory called this way is a module, not a
//! root: it is evaluated through its calls only — unless it calls itself, or is
//! called only by modules it calls: then it is a root and the cycle an input error.
//! A registry or git module that `terraform init` installed (`.terraform/modules/modules.json`) is found by its
//! call's key and evaluated the same way when its files are reviewed. Any other
//! call is not evaluated: its outputs stay unknown, saying so, and the call is
//! recorded as an [`UnevaluatedModule`] so that no output passes over it silently.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::expr::Frame;
use super::instances::{self, count_instances, for_each_instances};
use super::provenance::{Reference, Tracing, bind};
use super::values::Failure;
use super::{Scope, directory};
use crate::address::{InstanceKey, ModuleStep};
use crate::resource::{ProvenanceLink, Resource};
use crate::terraform::{Configuration, InstalledModule, ModuleCall};
use crate::value::{Value, ValueMap};

/// Modules nest at most this deep.
const MAX_MODULE_DEPTH: usize = 8;

/// Arguments of a module call that are not the module's inputs.
const CALL_META_ARGUMENTS: &[&str] = &["count", "for_each", "providers", "depends_on"];

/// The directory a local `source` names, relative to the calling directory; `None`
/// for any other source.
pub(super) fn local_source(caller_dir: &str, source: &str) -> Option<String> {
    if !(source.starts_with("./") || source.starts_with("../") || source == "." || source == "..") {
        return None;
    }
    let mut parts: Vec<&str> = if caller_dir.is_empty() {
        Vec::new()
    } else {
        caller_dir.split('/').collect()
    };
    for segment in source.split('/') {
        match segment {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if !last.is_empty() && last != ".." => {
                    parts.pop();
                }
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// A module call that was not evaluated: its resources are not reviewed, and what
/// reads its outputs is unknown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnevaluatedModule {
    /// The call's address without instance keys (`module.app.module.db`).
    pub module: String,
    /// The call's `source`, when it is a literal.
    pub source: Option<String>,
    /// The call's `version` constraint, when it is a literal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The file of the call.
    pub file: String,
    /// The call's first line, when known.
    pub line: Option<u32>,
    /// Why it is not evaluated.
    pub reason: String,
}

/// The modules `terraform init` installed, by directory and by call key, per root
/// module (each root has its own manifest).
struct Installed<'c> {
    /// Directory → (root, key).
    by_dir: HashMap<&'c str, (&'c str, &'c str)>,
    /// (root, key) → directory.
    by_key: HashMap<(&'c str, &'c str), &'c str>,
}

impl<'c> Installed<'c> {
    fn new(modules: &'c [InstalledModule]) -> Self {
        let mut installed = Installed {
            by_dir: HashMap::new(),
            by_key: HashMap::new(),
        };
        for module in modules {
            let root = crate::module_manifest::root_of(&module.source.file).unwrap_or("");
            // A local module called from two places has one directory and two
            // keys: the first is kept (its calls resolve alike from either).
            installed
                .by_dir
                .entry(module.dir.as_str())
                .or_insert((root, module.key.as_str()));
            installed
                .by_key
                .insert((root, module.key.as_str()), module.dir.as_str());
            // Terraform records the root as key "" in "."; a manifest without that
            // entry still belongs to its root.
            installed.by_dir.entry(root).or_insert((root, ""));
        }
        installed
    }

    /// The directory `terraform init` installed the call `name` made from
    /// `caller` in, if it did.
    fn dir_of_call(&self, caller: &str, name: &str) -> Option<String> {
        let (root, key) = self.by_dir.get(caller).copied()?;
        let child = if key.is_empty() {
            name.to_owned()
        } else {
            format!("{key}.{name}")
        };
        self.by_key
            .get(&(root, child.as_str()))
            .map(|dir| (*dir).to_owned())
    }

    /// The directories of installed modules, the roots left out.
    fn module_dirs(&self) -> impl Iterator<Item = &'c str> + '_ {
        self.by_dir
            .iter()
            .filter(|(_, (_, key))| !key.is_empty())
            .map(|(dir, _)| *dir)
    }
}

/// The module calls of a configuration, resolved against the reviewed directories.
pub(super) struct Calls<'c> {
    /// Per calling directory: each call and the directory it evaluates, if any.
    by_caller: HashMap<&'c str, Vec<(&'c ModuleCall, Option<String>)>>,
    called: HashSet<String>,
}

impl<'c> Calls<'c> {
    pub fn new(configuration: &'c Configuration, reviewed: impl Fn(&str) -> bool) -> Self {
        let installed = Installed::new(&configuration.installed_modules);
        let mut by_caller: HashMap<&str, Vec<_>> = HashMap::new();
        for call in &configuration.module_calls {
            let caller = directory(&call.source.file);
            let target = call
                .source_address
                .as_deref()
                .and_then(|source| {
                    local_source(caller, source)
                        .or_else(|| installed.dir_of_call(caller, &call.name))
                })
                .filter(|dir| reviewed(dir));
            by_caller.entry(caller).or_default().push((call, target));
        }
        // A directory that calls itself is still run as a root: its call is a cycle,
        // which evaluating it reports.
        let mut called: HashSet<String> = by_caller
            .iter()
            .flat_map(|(caller, calls)| {
                calls
                    .iter()
                    .filter_map(move |(_, target)| target.clone().filter(|t| t != caller))
            })
            .collect();
        // Directories that only call each other (a → b → a) have no root above them:
        // each is run as a root, so the cycle is reported rather than nothing being
        // reviewed.
        let mut reachable: HashSet<&str> = HashSet::new();
        let mut queue: Vec<&str> = by_caller
            .keys()
            .copied()
            .filter(|dir| !called.contains(*dir))
            .collect();
        while let Some(dir) = queue.pop() {
            if reachable.insert(dir) {
                for (_, target) in by_caller.get(dir).map_or(&[][..], Vec::as_slice) {
                    if let Some(target) = target.as_deref() {
                        queue.push(target);
                    }
                }
            }
        }
        called.retain(|dir| reachable.contains(dir.as_str()));
        // An installed module's directory is a module even when no reviewed call
        // reaches it (a stale entry): Terraform never runs it as a root.
        called.extend(installed.module_dirs().map(str::to_owned));
        Calls { by_caller, called }
    }

    /// Whether a directory is evaluated through calls rather than as a root.
    pub fn is_called(&self, dir: &str) -> bool {
        self.called.contains(dir)
    }

    fn of(&self, caller: &str) -> &[(&'c ModuleCall, Option<String>)] {
        self.by_caller.get(caller).map_or(&[], Vec::as_slice)
    }
}

/// What module evaluation reads and writes.
pub(super) struct Modules<'s, 'c> {
    pub calls: &'s Calls<'c>,
    /// The scope of each reviewed directory, as a template for its module instances.
    pub templates: &'s HashMap<String, &'s Scope<'c>>,
    /// Each called directory's resource blocks, copied into every instance.
    pub resources: &'s HashMap<String, Vec<Resource>>,
    pub configuration: &'c Configuration,
    pub out: &'s mut Vec<Resource>,
    pub problems: &'s mut Vec<super::Problem>,
    /// Calls not evaluated, once per call (not per instance of its caller).
    pub unevaluated: &'s mut Vec<UnevaluatedModule>,
}

impl<'c> Modules<'_, 'c> {
    /// Evaluates the module calls made from `caller` (and theirs, recursively),
    /// leaving each call's outputs in `caller` for its own expressions.
    pub fn evaluate_calls(&mut self, caller: &Scope<'c>, stack: &mut Vec<String>) {
        for (call, target) in self.calls.of(&caller.dir) {
            let Some(target) = target else {
                let source = call
                    .source_address
                    .as_deref()
                    .unwrap_or("a computed source");
                caller.unevaluated.borrow_mut().insert(
                    call.name.clone(),
                    format!("module \"{}\" ({source}) is not evaluated", call.name),
                );
                self.record_unevaluated(caller, call);
                continue;
            };
            if stack.len() >= MAX_MODULE_DEPTH || stack.contains(target) {
                let mut chain: Vec<String> = stack.clone();
                chain.push(target.clone());
                let why = if stack.contains(target) {
                    format!("modules call each other in a cycle: {}", chain.join(" → "))
                } else {
                    format!("modules nest more than {MAX_MODULE_DEPTH} deep")
                };
                caller.problem(
                    &call.source.file,
                    call.source.lines.map(|l| l.start),
                    format!("module \"{}\": {why}", call.name),
                );
                caller
                    .unevaluated
                    .borrow_mut()
                    .insert(call.name.clone(), why);
                continue;
            }
            let Some(&template) = self.templates.get(target.as_str()) else {
                continue;
            };
            let (instances, each_read) = self.call_instances(caller, call);
            let keyed = call.inputs.contains_key("count") || call.inputs.contains_key("for_each");
            let mut outputs: Vec<(Option<InstanceKey>, Value)> = Vec::new();
            stack.push(target.clone());
            for (key, frame) in instances {
                let mut path = caller.module.clone();
                path.push(ModuleStep {
                    name: call.name.clone(),
                    key: key.clone(),
                });
                let mut input_chains = HashMap::new();
                let inputs = call
                    .inputs
                    .iter()
                    .filter(|(name, _)| !CALL_META_ARGUMENTS.contains(name))
                    .map(|(name, value)| {
                        let json = call.source.file.ends_with(".json");
                        let mut tracing = Tracing::at(name);
                        let result =
                            caller.evaluate_parsed_traced(value, &frame, json, Some(&mut tracing));
                        if !each_read.is_empty() {
                            for (_, read) in &mut tracing.read {
                                bind(read, &Reference::Each, &each_read);
                            }
                        }
                        let value = caller.settle(
                            result,
                            None,
                            &call.source.file,
                            || call.source.lines.map(|l| l.start),
                            || format!("module \"{}\": {name}", call.name),
                        );
                        input_chains.insert(
                            name.to_owned(),
                            argument_chain(caller, call, name, &tracing),
                        );
                        (name.to_owned(), value)
                    })
                    .collect();
                let child = template.instance(path.clone(), inputs, input_chains);
                self.evaluate_calls(&child, stack);
                for resource in self.resources.get(target.as_str()).into_iter().flatten() {
                    let mut resource = resource.clone();
                    resource.address.module = path.clone();
                    instances::expand(&child, resource, self.out);
                }
                let value = self.outputs(caller, &child, &call.name, key.as_ref());
                outputs.push((key, value));
                self.problems.extend(child.problems.take());
            }
            stack.pop();
            let value = if !keyed {
                outputs.pop().map_or(Value::Null, |(_, v)| v)
            } else if outputs
                .iter()
                .all(|(k, _)| matches!(k, Some(crate::address::InstanceKey::Str(_))))
            {
                Value::Map(
                    outputs
                        .into_iter()
                        .map(|(k, v)| {
                            (
                                k.map(|k| match k {
                                    crate::address::InstanceKey::Str(s) => s,
                                    crate::address::InstanceKey::Int(i) => i.to_string(),
                                })
                                .unwrap_or_default(),
                                v,
                            )
                        })
                        .collect(),
                )
            } else if outputs.iter().all(|(k, _)| k.is_some()) {
                Value::List(outputs.into_iter().map(|(_, v)| v).collect())
            } else {
                // One instance stands for an unknown number of them.
                outputs.pop().map_or(Value::Null, |(_, v)| {
                    super::values::unknown_among(&[v]).unwrap_or(Value::Null)
                })
            };
            caller
                .module_outputs
                .borrow_mut()
                .insert(call.name.clone(), value);
        }
    }

    /// Records a call whose module's files are not among the reviewed ones.
    fn record_unevaluated(&mut self, caller: &Scope<'c>, call: &ModuleCall) {
        let line = call.source.lines.map(|l| l.start);
        let module: String = caller
            .module
            .iter()
            .map(|step| format!("module.{}.", step.name))
            .chain(std::iter::once(format!("module.{}", call.name)))
            .collect();
        if self
            .unevaluated
            .iter()
            .any(|u| u.module == module && u.file == call.source.file)
        {
            return;
        }
        let source = call.source_address.clone();
        let reason = match source.as_deref() {
            None => "its source is not a literal string".to_owned(),
            Some(source) => match local_source(&caller.dir, source) {
                Some(dir) => format!(
                    "its directory ({}) is not among the reviewed files",
                    if dir.is_empty() { "." } else { &dir }
                ),
                None => "its files are not among the reviewed files: it is not installed (`terraform init` installs it into .terraform/modules)".to_owned(),
            },
        };
        self.unevaluated.push(UnevaluatedModule {
            module,
            source,
            version: call.version.clone(),
            file: call.source.file.clone(),
            line,
            reason,
        });
    }

    /// The instances a call's `count` / `for_each` make, each with its frame, and
    /// what `for_each` read (what `each.*` stands for in the call's arguments).
    fn call_instances(
        &self,
        caller: &Scope<'c>,
        call: &ModuleCall,
    ) -> (Vec<(Option<InstanceKey>, Frame)>, Vec<Reference>) {
        let (meta, make): (&str, fn(&Value) -> Result<_, Failure>) =
            if call.inputs.contains_key("count") {
                ("count", count_instances)
            } else if call.inputs.contains_key("for_each") {
                ("for_each", for_each_instances)
            } else {
                return (vec![(None, Frame::default())], Vec::new());
            };
        let Some(parsed) = call.inputs.get(meta) else {
            return (vec![(None, Frame::default())], Vec::new());
        };
        let json = call.source.file.ends_with(".json");
        caller.trace.begin();
        let result = caller
            .evaluate_parsed(parsed, &Frame::default(), json)
            .and_then(|value| make(&value));
        let read = caller.trace.end();
        let instances = match result {
            Ok(instances) => instances,
            Err(failure) => {
                let value = caller.settle(
                    Err(failure),
                    None,
                    &call.source.file,
                    || call.source.lines.map(|l| l.start),
                    || format!("module \"{}\": {meta}", call.name),
                );
                instances::unknown_instances(meta, &value)
            }
        };
        (instances, read)
    }

    /// A module instance's outputs, as the object `module.NAME` is. References in
    /// them are made relative to the caller (`module.NAME.aws_s3_bucket.this`), so
    /// that they never name one of the caller's own resources. What each output
    /// read is kept in the caller, under the instance's `key`, for provenance.
    fn outputs(
        &self,
        caller: &Scope<'c>,
        child: &Scope<'c>,
        call: &'c str,
        key: Option<&InstanceKey>,
    ) -> Value {
        let mut map = ValueMap::new();
        let mut origins = HashMap::new();
        for output in &self.configuration.outputs {
            if directory(&output.source.file) != child.dir {
                continue;
            }
            let Some(value) = &output.value else {
                continue;
            };
            let json = output.source.file.ends_with(".json");
            child.trace.begin();
            let result = child.evaluate_parsed(value, &Frame::default(), json);
            let read = child.trace.end();
            origins.insert(output.name.as_str(), child.output_origin(output, &read));
            let mut value = child.settle(
                result,
                None,
                &output.source.file,
                || output.source.lines.map(|l| l.start),
                || format!("output \"{}\"", output.name),
            );
            qualify(&mut value, call);
            map.insert(output.name.as_str(), value);
        }
        caller.keep_outputs(call, key.cloned(), child.module.clone(), origins);
        Value::Map(map)
    }
}

/// The provenance of a call's argument: the chain of what its expression read
/// (none for a literal), then the argument itself.
fn argument_chain(
    caller: &Scope<'_>,
    call: &ModuleCall,
    name: &str,
    tracing: &Tracing,
) -> Vec<ProvenanceLink> {
    let mut chain = tracing
        .read
        .iter()
        .find_map(|(_, read)| caller.chain_of(read))
        .map_or_else(Vec::new, |chain| chain.to_vec());
    let argument = call.arguments.get(name);
    chain.push(ProvenanceLink {
        file: call.source.file.clone(),
        line: argument
            .map(|a| a.lines.start)
            .or(call.source.lines.map(|l| l.start)),
        name: caller.qualified(&format!("module.{} argument {name}", call.name)),
        suppressions: argument.map(|a| a.suppressions.clone()).unwrap_or_default(),
    });
    chain
}

fn qualify(value: &mut Value, call: &str) {
    match value {
        Value::Unknown(unknown) => {
            for reference in &mut unknown.references {
                *reference = format!("module.{call}.{reference}");
            }
        }
        Value::List(items) => items.iter_mut().for_each(|v| qualify(v, call)),
        Value::Map(map) => {
            let keys: Vec<String> = map.keys().map(str::to_owned).collect();
            for key in keys {
                if let Some(v) = map.get_mut(&key) {
                    qualify(v, call);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::local_source;

    #[test]
    fn local_sources_resolve_against_the_calling_directory() {
        assert_eq!(
            local_source("", "./modules/x").as_deref(),
            Some("modules/x")
        );
        assert_eq!(
            local_source("examples/complete", "../../").as_deref(),
            Some("")
        );
        assert_eq!(
            local_source("/r/examples/a", "../../modules/b").as_deref(),
            Some("/r/modules/b")
        );
        assert_eq!(local_source("a", "../../x").as_deref(), Some("../x"));
        assert_eq!(local_source("", "terraform-aws-modules/vpc/aws"), None);
        assert_eq!(local_source("", "git::https://example.com/x.git"), None);
    }
}
