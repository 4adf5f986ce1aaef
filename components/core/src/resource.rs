//! The normalized Terraform resource, shared by HCL configuration and plan JSON, so
//! that one rule implementation evaluates both.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::address::Address;
use crate::plan_values::PlanValues;
use crate::value::{Text, Value, ValueMap};

/// One-based, inclusive line range in a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LineRange {
    /// First line (1-based).
    pub start: u32,
    /// Last line (1-based, inclusive).
    pub end: u32,
}

/// Where something came from: a file and, where known, its lines.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SourceSpan {
    /// Path of the file as given to the parser.
    pub file: String,
    /// Lines in that file; `None` for inputs without line information (plan JSON).
    pub lines: Option<LineRange>,
}

/// A resource or data source, from configuration or from a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Resource {
    /// Full address, with module path and (for plan instances) index.
    pub address: Address,
    /// The provider that manages it, when known (`registry.terraform.io/hashicorp/aws`
    /// from a plan, or the `provider` meta-argument from HCL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Attributes and nested blocks. Nested blocks are lists of maps, as in plan JSON.
    /// For plans these are the planned `after` values, with unknown and sensitive
    /// values marked (or the `before` values, for deletions), built on first use.
    pub attributes: Attributes,
    /// Where the block is declared.
    pub source: SourceSpan,
    /// Lines of individual attributes and nested blocks, keyed by dotted path
    /// (`versioning`, `rule.0.apply_server_side_encryption_by_default.sse_algorithm`),
    /// and of the entries of objects written in an attribute (`tags.owner`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attribute_lines: BTreeMap<String, LineRange>,
    /// Meta-arguments (`count`, `for_each`, `depends_on`, `lifecycle`), HCL only.
    #[serde(skip_serializing_if = "ResourceMeta::is_empty")]
    pub meta: ResourceMeta,
    /// Inline suppressions written in or directly above the block (HCL only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
    /// The planned change, for resources that come from a plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<PlannedChange>,
    /// Dotted paths of the values evaluation computed from expressions and
    /// `dynamic` blocks, shared by the instances of one block; `None` for a block
    /// with neither and one instance. The secrets detector skips these values (a
    /// secret is reported where it is written, not everywhere it flows) and reads
    /// one instance per block.
    #[serde(skip)]
    pub evaluated: Option<Arc<Vec<String>>>,
    /// Where evaluated values came from, by dotted attribute path: for each
    /// attribute whose expression read a variable or a local, the links from where
    /// the value was set up to the name the expression read. The chain is shared
    /// by every attribute that reads the same name (the attribute's own link is
    /// added by [`Resource::provenance_of`]). Empty for literal configuration and
    /// for plans, so it costs nothing there.
    /// Sorted by path; a vector rather than a map because most resources have
    /// none or a few, and a map's node is larger than a whole list of them.
    #[serde(skip)]
    pub provenance: Vec<(Text, Arc<[ProvenanceLink]>)>,
}

impl Resource {
    /// The resource type, e.g. `aws_s3_bucket`.
    pub fn resource_type(&self) -> &str {
        &self.address.resource_type
    }

    /// An attribute by dotted path (`versioning.0.enabled`).
    pub fn attribute(&self, path: &str) -> Option<&Value> {
        let mut steps = path.split('.');
        let first = self.attributes.get(steps.next()?)?;
        let rest: Vec<&str> = steps.collect();
        first.pointer(&rest)
    }

    /// The bodies of a nested block type (`versioning`, `ingress`). Native HCL and plan
    /// JSON give a list of maps; `.tf.json` may give a single map. Both are read here.
    pub fn blocks(&self, name: &str) -> Vec<&ValueMap> {
        match self.attributes.get(name) {
            Some(Value::List(items)) => items.iter().filter_map(Value::as_map).collect(),
            Some(Value::Map(map)) => vec![map],
            _ => Vec::new(),
        }
    }

    /// The provenance chain of the value at `path` (an attribute a finding names),
    /// ending with the attribute: its own chain, else its nearest parent's (the
    /// block it sits in), else the first chain inside it (a finding that names a
    /// block whose values were computed). Empty when the values there are literal.
    pub fn provenance_of(&self, path: &str) -> Vec<ProvenanceLink> {
        if self.provenance.is_empty() {
            return Vec::new();
        }
        let chain_at = |key: &str| {
            self.provenance
                .binary_search_by(|(k, _)| k.as_str().cmp(key))
                .ok()
                .map(|i| &self.provenance[i])
        };
        let found = chain_at(path).or_else(|| {
            let mut parent = path;
            while let Some((head, _)) = parent.rsplit_once('.') {
                if let Some(found) = chain_at(head) {
                    return Some(found);
                }
                parent = head;
            }
            // The first path inside it: sorted, so among those after `path` that
            // start with it.
            let after = self.provenance.partition_point(|(k, _)| k.as_str() <= path);
            self.provenance[after..]
                .iter()
                .take_while(|(key, _)| key.starts_with(path))
                .find(|(key, _)| key[path.len()..].starts_with('.'))
        });
        let Some((key, chain)) = found else {
            return Vec::new();
        };
        let mut links = Vec::with_capacity(chain.len() + 1);
        links.extend_from_slice(chain);
        links.push(ProvenanceLink {
            file: self.source.file.clone(),
            line: self.lines_of(key).map(|l| l.start),
            name: format!("{}.{key}", self.address),
            suppressions: Vec::new(),
        });
        links
    }

    /// The line range of an attribute, falling back to the resource's own lines.
    /// A nested block type (`versioning`) resolves to its first block (`versioning.0`).
    pub fn lines_of(&self, path: &str) -> Option<LineRange> {
        // Plan resources have no attribute lines: skip building the `.0` key.
        if self.attribute_lines.is_empty() {
            return self.source.lines;
        }
        self.attribute_lines
            .get(path)
            .or_else(|| self.attribute_lines.get(&format!("{path}.0")))
            .copied()
            .or(self.source.lines)
    }
}

/// A resource's attribute values. Reads as a [`ValueMap`] (it dereferences to one);
/// for plan resources the map is built from the plan's JSON on first use and then
/// kept (see [`PlanValues`]).
#[derive(Clone, Default)]
pub struct Attributes {
    values: OnceLock<ValueMap>,
    deferred: Option<PlanValues>,
}

impl Attributes {
    /// Values from a plan, built when first read.
    pub fn deferred(values: PlanValues) -> Self {
        Attributes {
            values: OnceLock::new(),
            deferred: Some(values),
        }
    }

    /// Builds deferred plan values now (from any thread), so that later reads are
    /// lookups. Does nothing for values that are already built.
    pub fn build(&self) {
        let _ = &**self;
    }

    /// The values, to change in place (configuration evaluation does).
    pub fn values_mut(&mut self) -> &mut ValueMap {
        self.build();
        self.values.get_or_init(ValueMap::new);
        self.values
            .get_mut()
            .unwrap_or_else(|| unreachable!("initialised just above"))
    }
}

impl From<ValueMap> for Attributes {
    fn from(values: ValueMap) -> Self {
        Attributes {
            values: OnceLock::from(values),
            deferred: None,
        }
    }
}

impl Deref for Attributes {
    type Target = ValueMap;
    fn deref(&self) -> &ValueMap {
        self.values.get_or_init(|| {
            self.deferred
                .as_ref()
                .map(PlanValues::values)
                .unwrap_or_default()
        })
    }
}

impl PartialEq for Attributes {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

/// Which tool's syntax a suppression was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionSyntax {
    /// `reviewgate:skip=ID reason`
    Reviewgate,
    /// `checkov:skip=ID:reason`
    Checkov,
    /// `trivy:ignore:ID` (and tfsec's `tfsec:ignore:ID`)
    Trivy,
}

/// One inline suppression comment (`# reviewgate:skip=RG-AWS-S3-004 reason`), read by
/// `suppress::extract`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// The rule id or alias it names, as written.
    pub rule: String,
    /// Why, as written; `None` when the comment gives no reason.
    pub reason: Option<String>,
    /// The line of the comment.
    pub line: u32,
    /// The syntax used.
    pub syntax: SuppressionSyntax,
}

/// One link of a value's provenance: a place the value passed through on its way
/// to an attribute (`terraform.tfvars:12`, `var.encrypted`, `local.flag`,
/// `module.db.var.encrypted`, the attribute itself).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenanceLink {
    /// The file, or where a value given from outside any file came from (`--var`,
    /// `TF_VAR_encrypted`).
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<u32>,
    /// What sits there: `var.encrypted`, `local.flag`, `module.db.var.encrypted`,
    /// `module.db argument encrypted`, `aws_db_instance.this.storage_encrypted`.
    pub name: String,
    /// Inline suppressions written at this link, which cover the findings whose
    /// values pass through it. Not part of any rendering.
    #[serde(skip)]
    pub suppressions: Vec<Suppression>,
}

impl ProvenanceLink {
    /// Links a finding's chain has at most: far beyond real configurations (a
    /// value passed through every module of the deepest nesting evaluation allows
    /// needs a few dozen), a bound for crafted ones. Evaluation cuts a longer
    /// chain after its first links, where the value was set.
    pub const MAX_CHAIN: usize = 64;

    /// How a chain is shown to people: the first link (where the value was set) by
    /// its place, the others by name, joined with arrows —
    /// `terraform.tfvars:12 → var.encrypted → aws_db_instance.this.storage_encrypted`.
    /// `escape` makes each part safe for the rendering.
    pub fn chain_text(chain: &[ProvenanceLink], escape: impl Fn(&str) -> String) -> String {
        let mut text = String::new();
        for (i, link) in chain.iter().enumerate() {
            if i > 0 {
                text.push_str(" → ");
            }
            if i == 0 {
                text.push_str(&escape(&link.place()));
            } else {
                text.push_str(&escape(&link.name));
            }
        }
        text
    }

    /// `file:line`, or the file alone when there is no line (`--var`).
    pub fn place(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

/// Terraform meta-arguments of a `resource` or `data` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResourceMeta {
    /// The `count` expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<Value>,
    /// The `for_each` expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub for_each: Option<Value>,
    /// Addresses in `depends_on`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// `lifecycle { prevent_destroy = … }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prevent_destroy: Option<Value>,
    /// `lifecycle { create_before_destroy = … }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_before_destroy: Option<Value>,
    /// `lifecycle { ignore_changes = … }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_changes: Option<Value>,
    /// `dynamic` blocks as written, for evaluation to expand (HCL only).
    #[serde(skip)]
    pub dynamic_blocks: Vec<DynamicBlock>,
}

/// A `dynamic` block as written. Parsing leaves an unknown value in its place;
/// evaluation expands it when its `for_each` is known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DynamicBlock {
    /// The dotted path of the body that holds it, with a trailing dot (`""` for the
    /// resource's own body, `server_side_encryption_configuration.0.`).
    pub within: String,
    /// The block type it makes (`rule`).
    pub name: String,
    /// Its source text, `dynamic "rule" { … }`.
    pub source: String,
}

impl ResourceMeta {
    /// True when no meta-argument is set.
    pub fn is_empty(&self) -> bool {
        *self == ResourceMeta::default()
    }
}

/// What Terraform plans to do with one resource instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeAction {
    /// `["create"]`.
    Create,
    /// `["update"]`, in place.
    Update,
    /// `["delete"]`.
    Delete,
    /// `["delete","create"]`: destroy first, then create.
    Replace,
    /// `["create","delete"]`: `create_before_destroy` replacement.
    CreateBeforeDestroyReplace,
    /// `["no-op"]`.
    NoOp,
    /// `["read"]`: a data source read during apply.
    Read,
    /// `["forget"]`: removed from state without destroying (Terraform 1.7+).
    Forget,
    /// `["create","forget"]`: a replacement that forgets the old object (Terraform 1.7+).
    CreateThenForget,
}

impl ChangeAction {
    /// Interprets a plan's `actions` array.
    pub fn from_actions(actions: &[&str]) -> Option<ChangeAction> {
        Some(match actions {
            ["create"] => ChangeAction::Create,
            ["update"] => ChangeAction::Update,
            ["delete"] => ChangeAction::Delete,
            ["delete", "create"] => ChangeAction::Replace,
            ["create", "delete"] => ChangeAction::CreateBeforeDestroyReplace,
            ["no-op"] => ChangeAction::NoOp,
            ["read"] => ChangeAction::Read,
            ["forget"] => ChangeAction::Forget,
            ["create", "forget"] => ChangeAction::CreateThenForget,
            _ => return None,
        })
    }

    /// True for both replacement orders.
    pub fn is_replace(self) -> bool {
        matches!(
            self,
            ChangeAction::Replace
                | ChangeAction::CreateBeforeDestroyReplace
                | ChangeAction::CreateThenForget
        )
    }

    /// True when the existing object is destroyed (deleted or replaced).
    pub fn destroys(self) -> bool {
        matches!(
            self,
            ChangeAction::Delete | ChangeAction::Replace | ChangeAction::CreateBeforeDestroyReplace
        )
    }

    /// The stable short name used in summaries and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Create => "create",
            ChangeAction::Update => "update",
            ChangeAction::Delete => "delete",
            ChangeAction::Replace => "replace",
            ChangeAction::CreateBeforeDestroyReplace => "create-before-destroy-replace",
            ChangeAction::NoOp => "no-op",
            ChangeAction::Read => "read",
            ChangeAction::Forget => "forget",
            ChangeAction::CreateThenForget => "create-then-forget",
        }
    }
}

impl fmt::Display for ChangeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource change from plan JSON's `resource_changes`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedChange {
    /// The action.
    pub action: ChangeAction,
    /// Values before the change (`None` on create), with sensitive values wrapped.
    /// The values after the change are the resource's `attributes` (kept once, not
    /// twice: plans are large); for a delete, `attributes` repeat `before`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<PlanValues>,
    /// Attribute paths that force replacement, as the plan's `replace_paths` lists them
    /// (`["engine"]`, `["ebs_block_device", "0", "size"]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replace_paths: Vec<Vec<String>>,
    /// Terraform's reason for the action (`replace_because_tainted`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_reason: Option<String>,
    /// The address before a `moved` block, when the resource moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<String>,
    /// Set for a deposed object (a leftover from a failed create-before-destroy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    /// True when the change is an import.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub importing: bool,
}
