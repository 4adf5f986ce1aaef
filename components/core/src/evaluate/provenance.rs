//! Where an evaluated attribute's value came from: the chain of links from the
//! place the value was set (a `.tfvars` line, `--var`, `TF_VAR_x`, a variable's
//! default, a local, a module call's argument) through the variables and locals it
//! passed through, to the attribute (`Resource::provenance`).
//!
//! Recording is kept off the common path: only an attribute whose expression is
//! not a literal is traced, and a trace is the list of the names its expression
//! read (`var.x`, `local.y`), noted as they are resolved. Chains are built from
//! those names afterwards, so no [`Value`](crate::value::Value) carries any of it;
//! each name's chain is built once per module instance and shared (`Arc`) by every
//! attribute that reads it, and the attribute's own link is added only when a
//! finding asks for the chain (`Resource::provenance_of`).
//! When an expression reads several names, the chain follows the first one read
//! that has a chain of its own (`var.enabled ? var.a : var.b` follows
//! `var.enabled`). Chain building cannot loop: a name already on the chain ends
//! it, and chains are at most [`MAX_CHAIN`] links long (cycles between locals are
//! input errors before this runs).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::Scope;
use super::inputs::Given;
use crate::resource::{ProvenanceLink, SourceSpan, Suppression};

/// Links a chain may have: far beyond real configurations, a bound for crafted ones.
const MAX_CHAIN: usize = 64;

/// A name an expression read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Reference {
    /// `var.NAME`.
    Variable(String),
    /// `local.NAME`.
    Local(String),
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

impl Scope<'_> {
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
        if visiting.len() >= MAX_CHAIN || visiting.contains(reference) {
            return Vec::new();
        }
        match reference {
            Reference::Variable(name) => self.variable_chain(name),
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
                chain.truncate(MAX_CHAIN);
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
        chain.truncate(MAX_CHAIN);
        chain
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
        let mut out = String::new();
        for step in &self.module {
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
}
