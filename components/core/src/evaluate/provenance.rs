//! Where an evaluated attribute's value came from: the chain of links from the
//! place the value was set (a `.tfvars` line, `--var`, `TF_VAR_x`, a variable's
//! default, a local, a module call's argument, a module's output) through the
//! variables, locals and outputs it passed through, to the attribute
//! (`Resource::provenance`).
//!
//! Recording is kept off the common path: only an attribute whose expression is
//! not a literal is traced, and a trace is the list of the names its expression
//! read (`var.x`, `local.y`, `module.m.out`), noted as they are resolved. Chains
//! are built from those names afterwards, so no [`Value`](crate::value::Value)
//! carries any of it; each name's chain is built once per module instance and
//! shared (`Arc`) by every attribute that reads it, and the attribute's own link is
//! added only when a finding asks for the chain (`Resource::provenance_of`).
//! When an expression reads several names, the chain follows the first one read
//! that has a chain of its own (`var.enabled ? var.a : var.b` follows
//! `var.enabled`). Chain building cannot loop: a name already on the chain ends
//! it, and chains are at most [`ProvenanceLink::MAX_CHAIN`] links long (cycles
//! between locals are input errors before this runs).
//!
//! Three kinds of name stand for a value read elsewhere:
//! - a module's output (`module.net.vpc_id`) is evaluated in the module instance,
//!   which is gone when the caller's attributes are: the chain of what the
//!   output's expression read is built (or found built) in the instance and kept
//!   in the caller with the `output` block ([`InstanceOutputs`]), under the call's
//!   instance key when the call has `count`/`for_each` and the reader writes the
//!   key literally (`module.db["main"].encrypted`; a computed key has no chain).
//!   The output's own chain is put together only when an expression reads it:
//!   most outputs of most instances never are;
//! - `each.key` / `each.value` stand for what the `for_each` of the resource or
//!   module call being expanded read (`for_each = var.buckets`), and a `dynamic`
//!   block's iterator for what that block's `for_each` read: [`bind`] puts those
//!   names in their place before any chain is built;
//! - `count.index` is not noted: an index is not a value anyone set, and what it
//!   selects is read by the same expression (`var.settings[count.index]`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::Scope;
use super::inputs::Given;
use crate::address::{InstanceKey, ModuleStep};
use crate::resource::{ProvenanceLink, SourceSpan, Suppression};
use crate::terraform::Output;

// Every name an expression reads is noted as one of these: keep it small.
const _: () = assert!(std::mem::size_of::<Reference>() <= 32);

/// Links a chain built here may have: the attribute's own link, which
/// `Resource::provenance_of` adds, makes a finding's chain at most
/// [`ProvenanceLink::MAX_CHAIN`].
const MAX_BUILT: usize = ProvenanceLink::MAX_CHAIN - 1;

/// A name an expression read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Reference {
    /// `var.NAME`.
    Variable(String),
    /// `local.NAME`.
    Local(String),
    /// `module.CALL.OUTPUT`, or `module.CALL[KEY].OUTPUT` with a literal key
    /// (boxed: rare, and every name noted is as large as the largest kind).
    Output(Box<OutputName>),
    /// `each.key` / `each.value`, until [`bind`] replaces it.
    Each,
    /// An iterator: a `dynamic` block's until [`bind`] replaces it; a `for`
    /// expression's stays, with no chain (the expression read its collection).
    Iterator(String),
}

/// A module call's output, as [`Reference::Output`] names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct OutputName {
    call: String,
    key: Option<InstanceKey>,
    output: String,
}

/// A name only the evaluator resolves, as it meets it: borrowed, so that noting
/// it allocates nothing unless a trace is being collected.
pub(crate) enum Read<'a> {
    /// `each.key` / `each.value`.
    Each,
    /// An iterator of a `dynamic` block or a `for` expression.
    Iterator(&'a str),
    /// A module call's output.
    Output {
        call: &'a str,
        key: Option<InstanceKey>,
        output: &'a str,
    },
}

impl Read<'_> {
    fn is(&self, reference: &Reference) -> bool {
        match (self, reference) {
            (Read::Each, Reference::Each) => true,
            (Read::Iterator(name), Reference::Iterator(other)) => name == other,
            (Read::Output { call, key, output }, Reference::Output(name)) => {
                *call == name.call && *key == name.key && *output == name.output
            }
            _ => false,
        }
    }

    fn into_reference(self) -> Reference {
        match self {
            Read::Each => Reference::Each,
            Read::Iterator(name) => Reference::Iterator(name.to_owned()),
            Read::Output { call, key, output } => Reference::Output(Box::new(OutputName {
                call: call.to_owned(),
                key,
                output: output.to_owned(),
            })),
        }
    }
}

/// The outputs of the module calls evaluated from a scope, for provenance: by
/// call, then by instance key.
pub(super) type CallOutputs<'c> = HashMap<&'c str, Vec<(Option<InstanceKey>, InstanceOutputs<'c>)>>;

/// The outputs of one module instance, as its caller keeps them.
pub(super) struct InstanceOutputs<'c> {
    /// The instance's module path, which names its links.
    module: Vec<ModuleStep>,
    /// By output name.
    outputs: HashMap<&'c str, OutputOrigin<'c>>,
}

/// Where one output's value came from inside its module instance.
pub(super) struct OutputOrigin<'c> {
    /// The chain of the first name its value read that has one, built there.
    chain: Option<Arc<[ProvenanceLink]>>,
    output: &'c Output,
}

/// Replaces `bound` in `read` by what it stands for (`each` by what the `for_each`
/// read), keeping each name once, at its first place.
pub(super) fn bind(read: &mut Vec<Reference>, bound: &Reference, to: &[Reference]) {
    if !read.contains(bound) {
        return;
    }
    let mut out: Vec<Reference> = Vec::with_capacity(read.len() + to.len());
    for reference in read.drain(..) {
        let replaced = if reference == *bound {
            to
        } else {
            std::slice::from_ref(&reference)
        };
        for name in replaced {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
    }
    *read = out;
}

/// The names being noted for the expressions under evaluation (innermost last),
/// and the names each local's expression read.
#[derive(Default)]
pub(super) struct Trace {
    collecting: RefCell<Vec<Vec<Reference>>>,
    local_references: RefCell<HashMap<String, Vec<Reference>>>,
    /// Chains built so far, by the name they lead to (`None`: that name has none).
    chains: RefCell<HashMap<Reference, Option<Arc<[ProvenanceLink]>>>>,
}

impl Trace {
    /// Starts noting the names an expression reads.
    pub fn begin(&self) {
        self.collecting.borrow_mut().push(Vec::new());
    }

    /// Stops noting, and returns the names read since the matching `begin`.
    pub fn end(&self) -> Vec<Reference> {
        self.collecting.borrow_mut().pop().unwrap_or_default()
    }

    /// Notes that the expression under evaluation read `var.NAME` (nothing when
    /// no expression is traced, the common case, which allocates nothing).
    pub fn note_variable(&self, name: &str) {
        self.note(name, Reference::Variable);
    }

    /// Notes that the expression under evaluation read `local.NAME`.
    pub fn note_local(&self, name: &str) {
        self.note(name, Reference::Local);
    }

    fn note(&self, name: &str, make: fn(String) -> Reference) {
        let mut collecting = self.collecting.borrow_mut();
        let Some(top) = collecting.last_mut() else {
            return;
        };
        let reference = make(name.to_owned());
        if !top.contains(&reference) {
            top.push(reference);
        }
    }

    /// Notes a name only the evaluator resolves: an iterator, `each`, a module's
    /// output. An iterator is read once per element of a `for` expression, so the
    /// name is compared before anything is allocated.
    pub fn note_read(&self, read: Read<'_>) {
        let mut collecting = self.collecting.borrow_mut();
        let Some(top) = collecting.last_mut() else {
            return;
        };
        if !top.iter().any(|reference| read.is(reference)) {
            top.push(read.into_reference());
        }
    }

    /// Keeps what a local's expression read, for chains through it.
    pub fn local_read(&self, name: &str, references: Vec<Reference>) {
        if !references.is_empty() {
            self.local_references
                .borrow_mut()
                .insert(name.to_owned(), references);
        }
    }
}

/// The expressions of one value traced while it is evaluated: each expression's
/// dotted path and the names it read.
#[derive(Default)]
pub(super) struct Tracing {
    /// The path of the value being evaluated.
    pub path: String,
    /// What each traced expression read, by its path.
    pub read: Vec<(String, Vec<Reference>)>,
}

impl Tracing {
    pub fn at(path: &str) -> Self {
        Tracing {
            path: path.to_owned(),
            read: Vec::new(),
        }
    }
}

/// A link at a source span.
fn link_at(source: &SourceSpan, name: String, suppressions: &[Suppression]) -> ProvenanceLink {
    ProvenanceLink {
        file: source.file.clone(),
        line: source.lines.map(|l| l.start),
        name,
        suppressions: suppressions.to_vec(),
    }
}

impl<'c> Scope<'c> {
    /// The chain of the first of `references` that has one, shared by every
    /// expression of this module instance that reads the same name.
    pub(super) fn chain_of(&self, references: &[Reference]) -> Option<Arc<[ProvenanceLink]>> {
        references.iter().find_map(|reference| {
            if let Some(chain) = self.trace.chains.borrow().get(reference) {
                return chain.clone();
            }
            let chain = self.chain_to(reference, &mut Vec::new());
            let chain = (!chain.is_empty()).then(|| Arc::from(chain));
            self.trace
                .chains
                .borrow_mut()
                .insert(reference.clone(), chain.clone());
            chain
        })
    }

    fn chain_among(
        &self,
        references: &[Reference],
        visiting: &mut Vec<Reference>,
    ) -> Vec<ProvenanceLink> {
        references
            .iter()
            .map(|reference| self.chain_to(reference, visiting))
            .find(|chain| !chain.is_empty())
            .unwrap_or_default()
    }

    fn chain_to(
        &self,
        reference: &Reference,
        visiting: &mut Vec<Reference>,
    ) -> Vec<ProvenanceLink> {
        if visiting.len() >= MAX_BUILT || visiting.contains(reference) {
            return Vec::new();
        }
        match reference {
            Reference::Variable(name) => self.variable_chain(name),
            Reference::Output(name) => self.output_chain(name).unwrap_or_default(),
            // Bound before chains are built; a `for` iterator has none.
            Reference::Each | Reference::Iterator(_) => Vec::new(),
            Reference::Local(name) => {
                let Some(local) = self.locals.get(name.as_str()) else {
                    return Vec::new();
                };
                let read = self
                    .trace
                    .local_references
                    .borrow()
                    .get(name)
                    .cloned()
                    .unwrap_or_default();
                visiting.push(reference.clone());
                let mut chain = self.chain_among(&read, visiting);
                visiting.pop();
                chain.push(link_at(
                    &local.source,
                    self.qualified(&format!("local.{name}")),
                    &local.suppressions,
                ));
                chain.truncate(MAX_BUILT);
                chain
            }
        }
    }

    /// A variable's chain: where its value was given (a module call's argument and
    /// what led to it, a tfvars line, `--var`, `TF_VAR_`), then its declaration,
    /// which is also where a default is written.
    fn variable_chain(&self, name: &str) -> Vec<ProvenanceLink> {
        let Some(variable) = self.variables.get(name) else {
            return Vec::new();
        };
        let mut chain = if self.inputs.is_some() {
            self.input_chains.get(name).cloned().unwrap_or_default()
        } else {
            self.root_origin(name).into_iter().collect()
        };
        chain.push(link_at(
            &variable.source,
            self.qualified(&format!("var.{name}")),
            &variable.suppressions,
        ));
        chain.truncate(MAX_BUILT);
        chain
    }

    /// What one of this module instance's outputs needs for its chain, for the
    /// caller ([`Scope::keep_outputs`]): the chain of the first name its value
    /// read (`read`) that has one.
    pub(super) fn output_origin(&self, output: &'c Output, read: &[Reference]) -> OutputOrigin<'c> {
        OutputOrigin {
            chain: self.chain_of(read),
            output,
        }
    }

    /// Keeps in the calling scope the outputs of the call `call`'s instance `key`
    /// (at module path `module`), each with [`Scope::output_origin`].
    pub(super) fn keep_outputs(
        &self,
        call: &'c str,
        key: Option<InstanceKey>,
        module: Vec<ModuleStep>,
        outputs: HashMap<&'c str, OutputOrigin<'c>>,
    ) {
        self.instance_outputs
            .borrow_mut()
            .entry(call)
            .or_default()
            .push((key, InstanceOutputs { module, outputs }));
    }

    /// An output's chain, put together when an expression here reads it: what its
    /// value read inside the instance, then the `output` block, where a value
    /// written literally there was set.
    fn output_chain(&self, name: &OutputName) -> Option<Vec<ProvenanceLink>> {
        let instances = self.instance_outputs.borrow();
        let (_, instance) = instances
            .get(name.call.as_str())?
            .iter()
            .find(|(key, _)| *key == name.key)?;
        let OutputOrigin {
            chain: origin,
            output,
        } = instance.outputs.get(name.output.as_str())?;
        let mut chain = origin.as_deref().map_or_else(Vec::new, <[_]>::to_vec);
        chain.push(link_at(
            &output.source,
            qualified_in(&instance.module, &format!("output.{}", output.name)),
            &output.suppressions,
        ));
        chain.truncate(MAX_BUILT);
        Some(chain)
    }

    /// Where a root module's variable got its value, by the precedence
    /// `Scope::given` follows; `None` for its default.
    fn root_origin(&self, name: &str) -> Option<ProvenanceLink> {
        let reference = format!("var.{name}");
        let outside = |given: &Given| given.link(&reference);
        if let Some(given) = self.root_inputs.and_then(|r| r.command_line(name)) {
            return Some(outside(given));
        }
        if let Some((_, _, assignment)) = self.tfvars.iter().rev().find(|(_, _, v)| v.name == name)
        {
            return Some(link_at(
                &assignment.source,
                reference,
                &assignment.suppressions,
            ));
        }
        self.root_inputs
            .and_then(|r| r.environment(name))
            .map(outside)
    }

    /// A name as seen from outside the module instance (`module.db.var.encrypted`).
    pub(super) fn qualified(&self, name: &str) -> String {
        qualified_in(&self.module, name)
    }
}

/// A name in the module instance at `module`, as seen from outside it.
fn qualified_in(module: &[ModuleStep], name: &str) -> String {
    let mut out = String::new();
    for step in module {
        out.push_str("module.");
        out.push_str(&step.name);
        if let Some(key) = &step.key {
            out.push_str(&key.to_string());
        }
        out.push('.');
    }
    out.push_str(name);
    out
}
