//! Configuration evaluated the way Terraform evaluates it during plan, one module
//! directory at a time: variables take their defaults, `TF_VAR_` values, the
//! directory's `terraform.tfvars` and `*.auto.tfvars` files and `-var` /
//! `-var-file` values, in Terraform's precedence (`inputs.rs`), converted to their
//! declared types with `optional()` defaults filled in; locals are evaluated on first
//! use (a cycle is an input error naming it), and every resource's attributes are
//! evaluated for each of its `count`/`for_each` instances, with `dynamic` blocks
//! expanded.
//!
//! What cannot be known before apply stays [`Value::Unknown`] with its true cause
//! ([`UnknownCause`]) and the references that led to it, so that a bucket attached
//! through `local.bucket_id` is still linked to its bucket. Expressions Terraform
//! would reject whatever the values (an unknown name such as `True`, a cycle, a
//! runaway expansion) are input errors. Every module has a step budget and every
//! collection a size cap, so no input can make evaluation slow.

mod data_sources;
mod expr;
mod functions;
mod inputs;
mod instances;
mod modules;
mod provenance;
mod types;
mod values;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use hcl_edit::expr::Expression;

use crate::resource::Resource;
use crate::terraform::{Configuration, Local, Variable, VariableValue};
use crate::value::{Sensitive, Unknown, UnknownCause, Value};

use expr::{DataInstances, Eval, Evaluator, Frame, Names};
use inputs::{Given, RootInputs};

pub use inputs::{CommandLineVariable, VarArgumentError, VariableInputs};
pub use modules::UnevaluatedModule;
use values::{Failure, unknown_with};

/// Evaluation steps one module directory may take: far above what real modules need
/// (the terraform-aws-modules S3 bucket takes about 20,000), low enough that a
/// crafted input stops within a fraction of a second.
const STEP_BUDGET: u64 = 5_000_000;

/// Locals may refer to locals this deep (a cycle is caught before).
const MAX_LOCAL_DEPTH: usize = 64;

/// A local's value holds at most this many elements (string bytes count 1 per 64).
const MAX_LOCAL_WEIGHT: usize = 200_000;

/// A problem evaluation found, for the change set's input errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The file.
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// Evaluates every module directory of a configuration in place, root modules'
/// variables also taking `inputs`: resources become their instances with
/// evaluated attributes. Returns what was invalid and the module calls that could
/// not be evaluated.
pub(crate) fn evaluate(
    configuration: &mut Configuration,
    inputs: &VariableInputs,
) -> (Vec<Problem>, Vec<UnevaluatedModule>) {
    let mut input_problems = Vec::new();
    let root_inputs = RootInputs::resolve(inputs, &mut input_problems);
    if configuration.resources.is_empty()
        && configuration.locals.is_empty()
        && configuration.module_calls.is_empty()
    {
        return (input_problems, Vec::new());
    }
    let resources = std::mem::take(&mut configuration.resources);
    // Any expression of a module may read its data blocks' arguments, before or
    // after the blocks themselves are expanded: they are read as written.
    let data_blocks: Vec<Resource> = resources
        .iter()
        .filter(|r| r.address.mode == crate::address::Mode::Data && !already_evaluated(r))
        .cloned()
        .collect();
    let mut scopes: Vec<Scope<'_>> = Vec::new();
    let mut by_dir: HashMap<String, usize> = HashMap::new();
    let mut scope_of = |dir: &str, scopes: &mut Vec<Scope<'_>>| -> usize {
        if let Some(&i) = by_dir.get(dir) {
            return i;
        }
        scopes.push(Scope::new(dir.to_owned()));
        by_dir.insert(dir.to_owned(), scopes.len() - 1);
        scopes.len() - 1
    };
    for variable in &configuration.variables {
        let i = scope_of(directory(&variable.source.file), &mut scopes);
        scopes[i].variables.insert(&variable.name, variable);
    }
    for local in &configuration.locals {
        let i = scope_of(directory(&local.source.file), &mut scopes);
        scopes[i].locals.insert(&local.name, local);
    }
    for block in &data_blocks {
        let i = scope_of(directory(&block.source.file), &mut scopes);
        scopes[i].data.declare(block);
    }
    for value in &configuration.variable_values {
        // Terraform loads terraform.tfvars, then terraform.tfvars.json, then the
        // *.auto.tfvars(.json) files in lexical order; later values win.
        let name = file_name(&value.source.file);
        let rank = match name {
            "terraform.tfvars" => 0,
            "terraform.tfvars.json" => 1,
            n if n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json") => 2,
            _ => continue,
        };
        let i = scope_of(directory(&value.source.file), &mut scopes);
        scopes[i].tfvars.push((rank, name, value));
    }
    for scope in &mut scopes {
        scope.tfvars.sort_by_key(|(rank, name, _)| (*rank, *name));
    }
    let resource_scopes: Vec<usize> = resources
        .iter()
        .map(|r| scope_of(directory(&r.source.file), &mut scopes))
        .collect();
    for call in &configuration.module_calls {
        scope_of(directory(&call.source.file), &mut scopes);
    }
    // A module of outputs alone (shared defaults, naming) is reviewed too.
    for output in &configuration.outputs {
        scope_of(directory(&output.source.file), &mut scopes);
    }
    let calls = modules::Calls::new(configuration, |dir| by_dir.contains_key(dir));
    for scope in &mut scopes {
        if !calls.is_called(&scope.dir) {
            scope.root_inputs = Some(&root_inputs);
        }
    }
    // Terraform refuses a `-var` that the root module does not declare.
    let mut refused = std::collections::HashSet::new();
    for name in root_inputs.var_names() {
        let declared = scopes
            .iter()
            .any(|s| s.root_inputs.is_some() && s.variables.contains_key(name.as_str()));
        if !declared && refused.insert(name) {
            input_problems.push(Problem {
                file: format!("-var {name}"),
                line: None,
                message: format!(
                    "a value is given for variable \"{name}\", which no root module under review declares"
                ),
            });
        }
    }
    // A called directory is a module: its blocks are evaluated once per call.
    let mut module_resources: HashMap<String, Vec<Resource>> = HashMap::new();
    let mut root_resources: Vec<(usize, Resource)> = Vec::with_capacity(resources.len());
    for (resource, i) in resources.into_iter().zip(resource_scopes) {
        if calls.is_called(&scopes[i].dir) {
            module_resources
                .entry(scopes[i].dir.clone())
                .or_default()
                .push(resource);
        } else {
            root_resources.push((i, resource));
        }
    }
    let templates: HashMap<String, &Scope<'_>> = by_dir
        .iter()
        .map(|(dir, &i)| (dir.clone(), &scopes[i]))
        .collect();
    let mut evaluated = Vec::with_capacity(root_resources.len());
    let mut module_problems = Vec::new();
    let mut unevaluated = Vec::new();
    let mut calls_done = vec![false; scopes.len()];
    let mut evaluate_calls = |i: usize, evaluated: &mut Vec<Resource>| {
        if std::mem::replace(&mut calls_done[i], true) || calls.is_called(&scopes[i].dir) {
            return;
        }
        let mut modules = modules::Modules {
            calls: &calls,
            templates: &templates,
            resources: &module_resources,
            configuration,
            out: evaluated,
            problems: &mut module_problems,
            unevaluated: &mut unevaluated,
        };
        modules.evaluate_calls(&scopes[i], &mut vec![scopes[i].dir.clone()]);
    };
    // A root's module calls come first: their outputs are its `module.NAME`.
    for (i, resource) in root_resources {
        evaluate_calls(i, &mut evaluated);
        instances::expand(&scopes[i], resource, &mut evaluated);
    }
    for i in 0..scopes.len() {
        evaluate_calls(i, &mut evaluated);
    }
    // Terraform checks every local, used or not; in the order they are written, so
    // that problems come out in the same order on every run.
    for local in &configuration.locals {
        if let Some(&i) = by_dir.get(directory(&local.source.file)) {
            let _ = scopes[i].local(&local.name);
        }
    }
    let mut problems = input_problems;
    for scope in &scopes {
        problems.extend(scope.problems.take());
    }
    problems.extend(module_problems);
    // A module evaluated for several calls reports each problem of its own once.
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.file.clone(), p.line, p.message.clone())));
    drop(scopes);
    configuration.resources = evaluated;
    (problems, unevaluated)
}

/// The directory part of a path: a module is a directory.
fn directory(path: &str) -> &str {
    path.rsplit_once(['/', '\\']).map_or("", |(dir, _)| dir)
}

fn file_name(path: &str) -> &str {
    path.rsplit_once(['/', '\\']).map_or(path, |(_, name)| name)
}

/// One module directory's names.
struct Scope<'c> {
    dir: String,
    variables: HashMap<&'c str, &'c Variable>,
    /// `terraform.tfvars` and `*.auto.tfvars` assignments, in loading order.
    tfvars: Vec<(u8, &'c str, &'c VariableValue)>,
    /// `TF_VAR_`, `-var` and `-var-file` values, for a root module only.
    root_inputs: Option<&'c RootInputs>,
    variable_values: RefCell<HashMap<&'c str, Value>>,
    locals: HashMap<&'c str, &'c Local>,
    local_values: RefCell<HashMap<&'c str, Value>>,
    /// Locals being evaluated, outermost first: a local met again is a cycle.
    evaluating: RefCell<Vec<&'c str>>,
    steps: Cell<u64>,
    depth: Cell<usize>,
    problems: RefCell<Vec<Problem>>,
    /// The module instance this scope evaluates (empty for a root).
    module: Vec<crate::address::ModuleStep>,
    /// A module instance's variables, from its call; `None` for a root, whose
    /// variables come from tfvars files.
    inputs: Option<HashMap<String, Value>>,
    /// Outputs of the module calls evaluated from here, by call name.
    module_outputs: RefCell<HashMap<String, Value>>,
    /// Why a module call from here is not evaluated, by call name.
    unevaluated: RefCell<HashMap<String, String>>,
    /// The names traced expressions read (`provenance.rs`).
    trace: provenance::Trace,
    /// A module instance's variables' provenance, from its call's arguments.
    input_chains: HashMap<String, Vec<crate::resource::ProvenanceLink>>,
    /// The directory's data blocks, for `data.TYPE.NAME` references.
    data: data_sources::DataBlocks<'c>,
    /// The outputs of the module calls evaluated from here, per call and instance
    /// key, for the provenance of what reads them.
    instance_outputs: RefCell<provenance::CallOutputs<'c>>,
}

impl<'c> Scope<'c> {
    fn new(dir: String) -> Self {
        Scope {
            dir,
            variables: HashMap::new(),
            tfvars: Vec::new(),
            root_inputs: None,
            variable_values: RefCell::new(HashMap::new()),
            locals: HashMap::new(),
            local_values: RefCell::new(HashMap::new()),
            evaluating: RefCell::new(Vec::new()),
            steps: Cell::new(0),
            depth: Cell::new(0),
            problems: RefCell::new(Vec::new()),
            module: Vec::new(),
            inputs: None,
            module_outputs: RefCell::new(HashMap::new()),
            unevaluated: RefCell::new(HashMap::new()),
            trace: provenance::Trace::default(),
            input_chains: HashMap::new(),
            data: data_sources::DataBlocks::default(),
            instance_outputs: RefCell::new(HashMap::new()),
        }
    }

    /// A scope for one instance of this directory as a module, its variables set
    /// by the call's arguments.
    fn instance(
        &self,
        module: Vec<crate::address::ModuleStep>,
        inputs: HashMap<String, Value>,
        input_chains: HashMap<String, Vec<crate::resource::ProvenanceLink>>,
    ) -> Self {
        let mut scope = Scope::new(self.dir.clone());
        scope.input_chains = input_chains;
        scope.variables = self.variables.clone();
        scope.locals = self.locals.clone();
        scope.data = self.data.for_instance();
        scope.module = module;
        scope.inputs = Some(inputs);
        scope
    }

    /// The value given for a variable, by Terraform's precedence: a module
    /// instance's from its call; a root's from the command line, else its
    /// directory's tfvars files, else `TF_VAR_`. An error names where a value
    /// that cannot be read came from.
    fn given(&self, variable: &Variable) -> Result<Option<Value>, (String, String)> {
        let name = variable.name.as_str();
        if let Some(inputs) = &self.inputs {
            return Ok(inputs.get(name).cloned());
        }
        let read = |given: &Given| match given {
            Given::Value { value, .. } => Ok(value.clone()),
            Given::Raw { origin, text } => {
                inputs::read_raw(variable, text).map_err(|message| (origin.clone(), message))
            }
        };
        if let Some(given) = self.root_inputs.and_then(|r| r.command_line(name)) {
            return read(given).map(Some);
        }
        if let Some((_, _, assignment)) = self.tfvars.iter().rev().find(|(_, _, v)| v.name == name)
        {
            return Ok(Some(assignment.value.clone()));
        }
        match self.root_inputs.and_then(|r| r.environment(name)) {
            Some(given) => read(given).map(Some),
            None => Ok(None),
        }
    }

    fn problem(&self, file: &str, line: Option<u32>, message: String) {
        self.problems.borrow_mut().push(Problem {
            file: file.to_owned(),
            line: line.map(|l| l as usize),
            message,
        });
    }

    /// A value as parsed, evaluated: expressions the parser left unknown are read
    /// again from their text and evaluated in `frame`.
    fn evaluate_parsed(&self, value: &Value, frame: &Frame, json: bool) -> Eval {
        self.evaluate_parsed_traced(value, frame, json, None)
    }

    /// [`Scope::evaluate_parsed`], noting in `tracing` (when given) the names each
    /// expression reads, by the expression's dotted path.
    fn evaluate_parsed_traced(
        &self,
        value: &Value,
        frame: &Frame,
        json: bool,
        tracing: Option<&mut provenance::Tracing>,
    ) -> Eval {
        match value {
            Value::Unknown(unknown) if unknown.cause == UnknownCause::NotEvaluated => {
                let Some(text) = &unknown.expression else {
                    return Ok(value.clone());
                };
                let Some(tracing) = tracing else {
                    return self.evaluate_text(text, unknown, frame, json);
                };
                self.trace.begin();
                let result = self.evaluate_text(text, unknown, frame, json);
                let read = self.trace.end();
                if !read.is_empty() {
                    tracing.read.push((tracing.path.clone(), read));
                }
                result
            }
            Value::List(_) | Value::Map(_) => {
                // Nested literals count toward the depth that bounds the stack.
                self.depth.set(self.depth.get() + 1);
                let result = self.evaluate_parsed_collection(value, frame, json, tracing);
                self.depth.set(self.depth.get() - 1);
                result
            }
            other => Ok(other.clone()),
        }
    }

    fn evaluate_parsed_collection(
        &self,
        value: &Value,
        frame: &Frame,
        json: bool,
        mut tracing: Option<&mut provenance::Tracing>,
    ) -> Eval {
        if self.depth.get() > expr::MAX_DEPTH {
            return Err(Failure::Invalid(format!(
                "values nest more than {} levels deep",
                expr::MAX_DEPTH
            )));
        }
        // Each element is traced under its own path (`rule.0.enabled`).
        let item = |segment: &str, item: &Value, tracing: Option<&mut provenance::Tracing>| {
            match tracing {
                None => self.evaluate_parsed_traced(item, frame, json, None),
                Some(tracing) => {
                    let len = tracing.path.len();
                    tracing.path.push('.');
                    tracing.path.push_str(segment);
                    let result =
                        self.evaluate_parsed_traced(item, frame, json, Some(&mut *tracing));
                    tracing.path.truncate(len);
                    result
                }
            }
        };
        match value {
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, element) in items.iter().enumerate() {
                    let segment = if tracing.is_some() {
                        i.to_string()
                    } else {
                        String::new()
                    };
                    out.push(item(&segment, element, tracing.as_deref_mut())?);
                }
                Ok(Value::List(out))
            }
            Value::Map(map) => {
                let mut out = Vec::with_capacity(map.len());
                for (k, v) in map.iter() {
                    out.push((k.into(), item(k, v, tracing.as_deref_mut())?));
                }
                Ok(Value::Map(crate::value::ValueMap::from_entries(out)))
            }
            other => Ok(other.clone()),
        }
    }

    fn evaluate_text(&self, text: &str, unknown: &Unknown, frame: &Frame, json: bool) -> Eval {
        let mut evaluator = Evaluator::new(self, frame.clone(), text);
        // `.tf.json` keeps a template as its bare text.
        if json {
            return match hcl_edit::parser::parse_template(text) {
                Ok(template) => evaluator.template(&template).map(|v| named(v, text)),
                Err(_) => Ok(Value::Unknown(Box::new(unknown.clone()))),
            };
        }
        if let Some(result) = evaluator.plain_reference(text) {
            return result.map(|mut value| {
                if let Value::Unknown(unknown) = &mut value {
                    unknown.expression = Some(text.to_owned());
                }
                value
            });
        }
        // A heredoc's source text may lack the newline that ends it.
        let parsed = hcl_edit::parser::parse_expr(text);
        let owned;
        let (expression, source): (Expression, &str) = match parsed {
            Ok(e) => (e, text),
            Err(_) => {
                owned = format!("{text}\n");
                match hcl_edit::parser::parse_expr(&owned) {
                    Ok(e) => (e, owned.as_str()),
                    // Not an expression (a placeholder): as it was.
                    Err(_) => return Ok(Value::Unknown(Box::new(unknown.clone()))),
                }
            }
        };
        evaluator.source = source;
        evaluator.eval_named(&expression)
    }

    /// An attribute's value for rules: failures become unknown values with their
    /// cause, invalid expressions are also reported.
    fn settle(
        &self,
        result: Eval,
        expression: Option<&str>,
        file: &str,
        line: impl FnOnce() -> Option<u32>,
        what: impl FnOnce() -> String,
    ) -> Value {
        match result {
            Ok(value) => value,
            Err(Failure::Invalid(message)) => {
                self.problem(file, line(), format!("{}: {message}", what()));
                expr::invalid(&message, expression.map(str::to_owned))
            }
            Err(Failure::Error(message)) => expr::invalid(&message, expression.map(str::to_owned)),
        }
    }
}

/// Names an unknown result by the text it came from.
fn named(mut value: Value, text: &str) -> Value {
    if let Value::Unknown(unknown) = &mut value
        && unknown.expression.is_none()
    {
        unknown.expression = Some(text.to_owned());
    }
    value
}

/// A variable's value: the last tfvars assignment, else its default, else unknown
/// because no value is given; converted to its type, sensitive when declared so.
fn variable_value(variable: &Variable, given: Option<&Value>) -> Value {
    let reference = format!("var.{}", variable.name);
    let value = match given.or(variable.default.as_ref()) {
        Some(Value::Unknown(unknown)) => {
            // tfvars and defaults are literals in Terraform; an expression is not.
            let mut unknown = unknown.clone();
            unknown.references.insert(0, reference);
            Value::Unknown(unknown)
        }
        Some(value) => match &variable.type_constraint {
            Some(ty) => types::convert(value.clone(), ty),
            None => value.clone(),
        },
        None => unknown_with(
            UnknownCause::NoValue(variable.name.clone()),
            vec![reference],
        ),
    };
    if variable.sensitive && !value.is_unknown() {
        Value::Sensitive(Sensitive::new(value))
    } else {
        value
    }
}

impl Names for Scope<'_> {
    fn variable(&self, name: &str) -> Value {
        self.trace.note_variable(name);
        if let Some(value) = self.variable_values.borrow().get(name) {
            return value.clone();
        }
        let value = self.variables.get_key_value(name).map(|(&key, variable)| {
            let value = match self.given(variable) {
                Ok(given) => variable_value(variable, given.as_ref()),
                Err((origin, message)) => {
                    self.problem(&origin, None, message.clone());
                    expr::invalid(&message, Some(format!("var.{name}")))
                }
            };
            self.variable_values.borrow_mut().insert(key, value.clone());
            value
        });
        match value.as_ref() {
            Some(Value::Unknown(unknown)) if unknown.expression.is_none() => {
                let mut unknown = unknown.clone();
                unknown.expression = Some(format!("var.{name}"));
                Value::Unknown(unknown)
            }
            Some(value) => value.clone(),
            None => unknown_with(
                UnknownCause::Outside(format!(
                    "variable \"{name}\" is not declared in the reviewed files"
                )),
                vec![format!("var.{name}")],
            ),
        }
    }

    fn local(&self, name: &str) -> Eval {
        if let Some(value) = self.local_values.borrow().get(name) {
            self.trace.note_local(name);
            return Ok(value.clone());
        }
        let Some((&key, local)) = self.locals.get_key_value(name) else {
            return Ok(unknown_with(
                UnknownCause::Outside(format!(
                    "local value \"{name}\" is not declared in the reviewed files"
                )),
                vec![format!("local.{name}")],
            ));
        };
        {
            let evaluating = self.evaluating.borrow();
            if let Some(start) = evaluating.iter().position(|n| *n == name) {
                let cycle: Vec<String> = evaluating[start..]
                    .iter()
                    .chain(std::iter::once(&key))
                    .map(|n| format!("local.{n}"))
                    .collect();
                return Err(Failure::Invalid(format!(
                    "local values refer to each other in a cycle: {}",
                    cycle.join(" → ")
                )));
            }
            if evaluating.len() >= MAX_LOCAL_DEPTH {
                return Err(Failure::Invalid(format!(
                    "local values refer to each other more than {MAX_LOCAL_DEPTH} deep"
                )));
            }
        }
        self.evaluating.borrow_mut().push(key);
        self.trace.begin();
        let result = self
            .evaluate_parsed(&local.value, &Frame::default(), local.source.file.ends_with(".json"))
            .and_then(|value| {
                // Locals that double each other (`b = [a, a]`, `c = [b, b]`) grow
                // exponentially while every expression stays small.
                if values::weight_within(&value, MAX_LOCAL_WEIGHT) {
                    Ok(value)
                } else {
                    Err(Failure::Invalid(format!(
                        "the value is larger than {MAX_LOCAL_WEIGHT} elements or nested more than {} deep",
                        values::MAX_NESTING
                    )))
                }
            });
        self.evaluating.borrow_mut().pop();
        self.trace.local_read(key, self.trace.end());
        let expression = match &local.value {
            Value::Unknown(u) => u.expression.as_deref(),
            _ => None,
        };
        let value = self.settle(
            result,
            expression,
            &local.source.file,
            || local.source.lines.map(|l| l.start),
            || format!("local.{name}"),
        );
        self.local_values.borrow_mut().insert(key, value.clone());
        self.trace.note_local(name);
        Ok(value)
    }

    fn path(&self, which: &str) -> Value {
        match which {
            "module" | "root" => {
                Value::String(if self.dir.is_empty() { "." } else { &self.dir }.into())
            }
            _ => unknown_with(
                UnknownCause::Outside(format!(
                    "depends on the directory Terraform runs in (path.{which})"
                )),
                vec![format!("path.{which}")],
            ),
        }
    }

    fn step(&self) -> Result<(), Failure> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > STEP_BUDGET {
            return Err(Failure::Invalid(format!(
                "evaluating this module takes more than {STEP_BUDGET} steps"
            )));
        }
        Ok(())
    }

    fn depth(&self) -> &Cell<usize> {
        &self.depth
    }

    fn data_block(&self, data_type: &str, name: &str) -> Option<DataInstances> {
        self.data.instances(data_type, name)
    }

    fn data_attribute(
        &self,
        data_type: &str,
        name: &str,
        key: Option<&Value>,
        attribute: &str,
    ) -> Eval {
        self.read_data(data_type, name, key, attribute)
    }

    fn module(&self, call: &str) -> Result<Value, String> {
        if let Some(outputs) = self.module_outputs.borrow().get(call) {
            return Ok(outputs.clone());
        }
        Err(self
            .unevaluated
            .borrow()
            .get(call)
            .cloned()
            .unwrap_or_else(|| format!("module \"{call}\" is not evaluated")))
    }

    fn begin_reading(&self) {
        self.trace.begin();
    }

    fn end_reading(&self) -> Vec<provenance::Reference> {
        self.trace.end()
    }

    fn note(&self, read: provenance::Read<'_>) {
        self.trace.note_read(read);
    }
}

/// Resources evaluated so far are kept as they were (a second `evaluate` is a no-op).
fn already_evaluated(resource: &Resource) -> bool {
    resource.address.index.is_some()
}

#[cfg(test)]
mod tests;
