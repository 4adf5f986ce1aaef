//! What a rule may know besides the resource it checks: the other resources of the
//! change and how they refer to each other. Reading one value is `values`' job.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use crate::address::{Address, Mode};
use crate::changeset::ChangeSet;
use crate::resource::{ChangeAction, Resource};
use crate::rules::values::{Tri, lookup, plain};
use crate::value::Value;

/// Change-wide facts computed once, by (kind, id).
type Memos = HashMap<(&'static str, usize), Arc<dyn Any + Send + Sync>>;

/// The resources of a change and the links between them.
pub struct Context<'a> {
    resources: Vec<&'a Resource>,
    by_type: HashMap<&'a str, Vec<&'a Resource>>,
    /// Facts about the whole change that rules compute once and reuse for every
    /// resource (see [`Context::memo`]).
    ///
    /// Rules run on several threads (see `rules::evaluate`), so memos sit behind a
    /// lock that is never held while a fact is computed: a fact may then be computed
    /// twice by two threads, which is harmless because computing it is pure.
    memos: Mutex<Memos>,
    reference_indexes: Mutex<Vec<ReferenceIndexEntry<'a>>>,
}

/// A built [`ReferenceIndex`] and the (resource type, attribute) it is for. A review
/// builds a dozen at most, so a list scanned without allocating a key beats a map.
type ReferenceIndexEntry<'a> = ((String, String), Arc<ReferenceIndex<'a>>);

/// Resources of one type by the names their attribute gives (see `Context::referencing`).
#[derive(Default)]
struct ReferenceIndex<'a> {
    /// Keyed by [`reference_key`].
    by_reference: HashMap<String, Vec<(usize, &'a Resource)>>,
    /// Keyed by the literal id, name or ARN.
    by_literal: HashMap<String, Vec<(usize, &'a Resource)>>,
    /// Some resource's attribute is unknown with no reference to go by.
    unresolved: bool,
}

/// An unknown value that names nothing (a plan's "known after apply" with no
/// configuration behind it): it could be any resource.
fn has_unresolved_reference(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Unknown(unknown)) => unknown.references.is_empty(),
        Some(Value::List(items)) => items
            .iter()
            .any(|item| has_unresolved_reference(plain(Some(item)))),
        _ => false,
    }
}

/// Resources that refer to a target through one attribute.
#[derive(Debug, Default)]
pub struct Referencing<'a> {
    /// Resources whose attribute certainly refers to the target.
    pub definite: Vec<&'a Resource>,
    /// True when some resource of the type has an attribute value that might refer
    /// to the target but is not known yet: absence of `definite` then proves nothing.
    pub unresolved: bool,
}

impl<'a> Context<'a> {
    /// Indexes the configuration resources and the plan resources that will exist
    /// after the change (resources being destroyed cannot protect anything).
    pub fn new(change_set: &'a ChangeSet) -> Self {
        let resources: Vec<&Resource> = change_set
            .configuration
            .resources
            .iter()
            .chain(change_set.plans.iter().flat_map(|p| p.resources.iter()))
            .filter(|r| {
                r.change.as_ref().is_none_or(|c| {
                    !matches!(c.action, ChangeAction::Delete | ChangeAction::Forget)
                })
            })
            .collect();
        let mut by_type: HashMap<&str, Vec<&Resource>> = HashMap::new();
        for r in &resources {
            by_type.entry(r.resource_type()).or_default().push(r);
        }
        Context {
            resources,
            by_type,
            memos: Mutex::new(HashMap::new()),
            reference_indexes: Mutex::new(Vec::new()),
        }
    }

    /// Computes a change-wide fact once per review and returns it on every later
    /// call with the same key. Rules use it to avoid rescanning all resources for
    /// each resource they check (which is quadratic on large plans).
    pub fn memo<T: Any + Send + Sync>(
        &self,
        key: &'static str,
        compute: impl FnOnce() -> T,
    ) -> Arc<T> {
        self.memo_for(key, 0, compute)
    }

    /// [`Context::memo`] for a fact about one thing, identified by `id` — for example
    /// the address of an attribute value, which stays put while rules run.
    pub fn memo_for<T: Any + Send + Sync>(
        &self,
        key: &'static str,
        id: usize,
        compute: impl FnOnce() -> T,
    ) -> Arc<T> {
        let found = self.lock_memos().get(&(key, id)).cloned();
        if let Some(found) = found
            && let Ok(typed) = found.downcast::<T>()
        {
            return typed;
        }
        // Computed outside the lock: `compute` may itself ask for other memos.
        let value = Arc::new(compute());
        self.lock_memos().insert((key, id), value.clone());
        value
    }

    fn lock_memos(&self) -> std::sync::MutexGuard<'_, Memos> {
        // A panicking rule cannot leave a half-written memo: inserts are single calls.
        self.memos.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The strings a value names a resource by: its references (relative to
    /// `from`'s module, with that module path) and its literal text.
    pub fn names_in(&self, from: &Resource, value: Option<&Value>) -> Vec<ResourceName> {
        let mut names = Vec::new();
        collect_names(from, plain(value), &mut names);
        names
    }

    /// Whether a resource is named by any of `names` (see [`Context::names_in`]).
    pub fn is_named_by(&self, target: &Resource, names: &HashSet<ResourceName>) -> bool {
        let by_reference = ResourceName::Reference {
            module: scope(target),
            address: relative_address(target),
        };
        names.contains(&by_reference)
            || identities(target).any(|id| names.contains(&ResourceName::Literal(id.to_owned())))
    }

    /// Every resource, in input order.
    pub fn resources(&self) -> &[&'a Resource] {
        &self.resources
    }

    /// Resources of one type (managed and data sources alike).
    pub fn of_type(&self, resource_type: &str) -> &[&'a Resource] {
        self.by_type.get(resource_type).map_or(&[], Vec::as_slice)
    }

    /// Whether `value` refers to `target`: by reference (`aws_s3_bucket.logs.id`,
    /// within the same module) or by a literal equal to the target's `id`, `bucket`,
    /// `name` or `arn`.
    pub fn refers_to(
        &self,
        from: &Resource,
        value: Option<&Value>,
        target: &Resource,
    ) -> Tri<bool> {
        match plain(value) {
            Some(Value::String(literal)) => {
                Tri::Known(identities(target).any(|id| id == literal.as_str()))
            }
            Some(Value::Unknown(unknown)) => {
                if unknown.references.is_empty() {
                    return Tri::Unknown;
                }
                if !same_scope(from, target) {
                    return Tri::Known(false);
                }
                let relative = relative_address(target);
                Tri::Known(unknown.references.iter().any(|r| {
                    r.strip_prefix(relative.as_str()).is_some_and(|rest| {
                        rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')
                    })
                }))
            }
            Some(Value::List(items)) => Tri::any(
                items
                    .iter()
                    .map(|item| self.refers_to(from, Some(item), target)),
            ),
            _ => Tri::Known(false),
        }
    }

    /// Resources of `resource_type` whose `attribute` refers to `target`
    /// (`aws_s3_bucket_versioning.bucket` → an `aws_s3_bucket`).
    pub fn referencing(
        &self,
        target: &Resource,
        resource_type: &str,
        attribute: &str,
    ) -> Referencing<'a> {
        let index = self.reference_index(resource_type, attribute);
        let mut found: Vec<(usize, &'a Resource)> = Vec::new();
        let by_reference = index.by_reference.get(&reference_key_of(target));
        let by_literal = identities(target).filter_map(|id| index.by_literal.get(id));
        for candidates in by_reference.into_iter().chain(by_literal) {
            found.extend(candidates.iter().copied());
        }
        // Input order, each candidate once, as a scan over the type would give.
        found.sort_by_key(|(position, _)| *position);
        found.dedup_by_key(|(position, _)| *position);
        Referencing {
            definite: found.into_iter().map(|(_, r)| r).collect(),
            unresolved: index.unresolved,
        }
    }

    /// For one (type, attribute): which resources name which targets, built once per
    /// review so that `referencing` is a lookup rather than a scan of every
    /// resource of the type for every target (quadratic on large changes).
    fn reference_index(&self, resource_type: &str, attribute: &str) -> Arc<ReferenceIndex<'a>> {
        let built = |indexes: &[ReferenceIndexEntry<'a>]| {
            indexes
                .iter()
                .find(|((t, a), _)| t == resource_type && a == attribute)
                .map(|(_, index)| index.clone())
        };
        let lock = || {
            self.reference_indexes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        if let Some(index) = built(&lock()) {
            return index;
        }
        let mut index = ReferenceIndex::default();
        for (position, candidate) in self.of_type(resource_type).iter().copied().enumerate() {
            let value = lookup(&candidate.attributes, attribute);
            index.unresolved |= has_unresolved_reference(plain(value));
            for name in self.names_in(candidate, value) {
                let entries = match name {
                    ResourceName::Reference { module, address } => {
                        index.by_reference.entry(reference_key(&module, &address))
                    }
                    ResourceName::Literal(literal) => index.by_literal.entry(literal),
                };
                entries.or_default().push((position, candidate));
            }
        }
        let index = Arc::new(index);
        let mut indexes = lock();
        // Another thread may have built the same index meanwhile: keep the first.
        if let Some(index) = built(&indexes) {
            return index;
        }
        let key = (resource_type.to_owned(), attribute.to_owned());
        indexes.push((key, index.clone()));
        index
    }

    /// Whether an optional argument is set: a non-empty string, any other value, or a
    /// reference to a resource or data source of this change
    /// (`aws_wafv2_web_acl.main.arn`), which is a real value even though it is known
    /// only after apply. Any other reference (`var.x`) might be null: unknown.
    pub fn is_set(&self, from: &Resource, value: Option<&Value>) -> Tri<bool> {
        match Tri::value(value) {
            Tri::Missing => Tri::Known(false),
            Tri::Known(Value::String(s)) => Tri::Known(!s.trim().is_empty()),
            Tri::Known(_) => Tri::Known(true),
            Tri::Unknown if self.resolve(from, value).is_some() => Tri::Known(true),
            Tri::Unknown => Tri::Unknown,
        }
    }

    /// The resource a value refers to, if it names one in the same module
    /// (`kms_key_id = aws_kms_key.main.arn` → the `aws_kms_key`). For a data source
    /// with several instances, the one the value reads when it is known, else the
    /// first (see [`Context::data_source`] for all of them).
    pub fn resolve(&self, from: &Resource, value: Option<&Value>) -> Option<&'a Resource> {
        let Some(Value::Unknown(unknown)) = plain(value) else {
            return None;
        };
        unknown.references.iter().find_map(|reference| {
            if reference.starts_with("data.") {
                let data = self.data_source_read(from, reference, &unknown.references)?;
                return data.instances.first().copied();
            }
            let mut parts = reference.split('.');
            let (resource_type, name) = (parts.next()?, parts.next()?);
            self.of_type(resource_type).iter().copied().find(|r| {
                r.address.name == name && r.address.mode == Mode::Managed && same_scope(r, from)
            })
        })
    }

    /// The data source a value reads: a value a data source's provider returns
    /// (`kms_key_id = data.aws_kms_alias.s3.target_key_arn`) stays unknown, but its
    /// first reference names the data source, and rules judge the block's
    /// arguments (its `name = "alias/aws/s3"`). An argument the block writes is
    /// evaluated into the value itself, so a known value reads none. `None` when no
    /// reference names a data block of `from`'s module (the same module instance and
    /// directory, or the same plan module) that the change declares.
    pub fn data_source(&self, from: &Resource, value: Option<&Value>) -> Option<DataSource<'a>> {
        let Some(Value::Unknown(unknown)) = plain(value) else {
            return None;
        };
        unknown
            .references
            .iter()
            .filter(|r| r.starts_with("data."))
            .find_map(|reference| self.data_source_read(from, reference, &unknown.references))
    }

    /// The data source one reference names (`data.aws_kms_alias.s3.arn`,
    /// `data.aws_iam_policy.p[0].arn`), from `from`'s module: see
    /// [`Context::data_source`].
    pub fn data_source_named(&self, from: &Resource, reference: &str) -> Option<DataSource<'a>> {
        self.data_source_read(from, reference, &[])
    }

    /// [`Context::data_source`] for a value that is nothing but an attribute of
    /// that data source (`count.index` / `each.key` select an instance, they do
    /// not count): `None` when another reference could decide the value
    /// (`var.x ? data.a.k.arn : data.b.k.arn`).
    pub fn only_data_source(
        &self,
        from: &Resource,
        value: Option<&Value>,
    ) -> Option<DataSource<'a>> {
        let data = self.data_source(from, value)?;
        let Some(Value::Unknown(unknown)) = plain(value) else {
            return None;
        };
        let selector = |r: &str| r.starts_with("count.") || r.starts_with("each.");
        unknown
            .references
            .iter()
            .all(|r| data.is_named_by(r) || selector(r))
            .then_some(data)
    }

    /// The data source `reference` names, narrowed to the instance one of `beside`
    /// selects (`data.x.y[0]`, which evaluation and plans record beside
    /// `data.x.y.arn`).
    fn data_source_read(
        &self,
        from: &Resource,
        reference: &str,
        beside: &[String],
    ) -> Option<DataSource<'a>> {
        let (address, attribute) = data_reference(reference)?;
        let block: Vec<&'a Resource> = self
            .of_type(&address.resource_type)
            .iter()
            .copied()
            .filter(|r| {
                r.address.mode == Mode::Data
                    && r.address.name == address.name
                    && same_scope(r, from)
            })
            .collect();
        let key = address.index.clone().or_else(|| {
            beside.iter().find_map(|other| match data_reference(other) {
                Some((selected, None))
                    if selected.resource_type == address.resource_type
                        && selected.name == address.name =>
                {
                    selected.index
                }
                _ => None,
            })
        });
        let selected: Vec<&'a Resource> = match &key {
            Some(key) => block
                .iter()
                .copied()
                .filter(|r| r.address.index.as_ref() == Some(key))
                .collect(),
            None => Vec::new(),
        };
        // A key no instance has (the block's `count` is not known, so it stands
        // unexpanded): any instance may be the one.
        let instances = if selected.is_empty() { block } else { selected };
        if instances.is_empty() {
            return None;
        }
        Some(DataSource {
            address: format!("data.{}.{}", address.resource_type, address.name),
            attribute: attribute.map(str::to_owned),
            instances,
        })
    }
}

/// A data source a value reads (see [`Context::data_source`]).
#[derive(Clone, Debug)]
pub struct DataSource<'a> {
    /// The block's address as its module refers to it (`data.aws_kms_alias.s3`).
    pub address: String,
    /// The attribute read (`target_key_arn`), when the reference names one.
    pub attribute: Option<String>,
    /// The instances the value may read, in input order, never empty: the one its
    /// instance key selects when that is known, else every instance of the block
    /// (one for a block without `count` / `for_each`). Each holds the block's
    /// arguments as evaluated for that instance.
    pub instances: Vec<&'a Resource>,
}

impl DataSource<'_> {
    /// The data source's type (`aws_kms_alias`).
    pub fn resource_type(&self) -> &str {
        self.instances[0].resource_type()
    }

    /// Whether a reference reads this data source (`data.x.y.arn`, `data.x.y[0]`).
    pub fn is_named_by(&self, reference: &str) -> bool {
        reference
            .strip_prefix(self.address.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    }
}

/// `data.TYPE.NAME[KEY].ATTRIBUTE…` as the data source's address (with its key when
/// written) and the first attribute step, if any.
fn data_reference(reference: &str) -> Option<(Address, Option<&str>)> {
    if !reference.starts_with("data.") {
        return None;
    }
    let mut head = reference;
    loop {
        if let Ok(address) = head.parse::<Address>() {
            let attribute = reference[head.len()..]
                .strip_prefix('.')
                .and_then(|rest| rest.split(['.', '[']).next())
                .filter(|a| !a.is_empty());
            return Some((address, attribute));
        }
        // A quoted key may hold dots: every cut is tried, rightmost first.
        head = &head[..head.rfind('.')?];
    }
}

/// How a value can name a resource: `Context::names_in`, `Context::is_named_by`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ResourceName {
    /// A reference such as `aws_s3_bucket.logs` from within a module.
    Reference {
        /// Where the reference resolves (see `scope`).
        module: String,
        /// The referenced resource's address relative to that module.
        address: String,
    },
    /// A literal id, name or ARN.
    Literal(String),
}

fn collect_names(from: &Resource, value: Option<&Value>, names: &mut Vec<ResourceName>) {
    match value {
        Some(Value::String(literal)) if !literal.is_empty() => {
            names.push(ResourceName::Literal(literal.to_string()))
        }
        Some(Value::Unknown(unknown)) => {
            for reference in &unknown.references {
                // `aws_s3_bucket.logs.id` and `data.x.y.json` name `aws_s3_bucket.logs` / `data.x.y`.
                let parts = if reference.starts_with("data.") { 3 } else { 2 };
                let address: Vec<&str> = reference.split('.').take(parts).collect();
                if address.len() == parts {
                    names.push(ResourceName::Reference {
                        module: scope(from),
                        address: address.join("."),
                    });
                }
            }
        }
        Some(Value::List(items)) => items
            .iter()
            .for_each(|item| collect_names(from, Some(item), names)),
        Some(Value::Sensitive(s)) => collect_names(from, Some(s.expose()), names),
        _ => {}
    }
}

/// The module a resource's references resolve in. Each directory of configuration
/// is its own Terraform module, so two files' `aws_s3_bucket.logs` are different
/// buckets unless the files share a directory; plan resources resolve within their
/// plan's module path.
fn scope(resource: &Resource) -> String {
    format!("{}|{}", location(resource), resource.address.module_path())
}

/// The file (plans) or directory (configuration) part of a resource's scope.
fn location(resource: &Resource) -> &str {
    let file = resource.source.file.as_str();
    if resource.change.is_some() {
        return file;
    }
    file.rsplit_once(['/', '\\']).map_or("", |(dir, _)| dir)
}

/// `scope(a) == scope(b)` without building either.
fn same_scope(a: &Resource, b: &Resource) -> bool {
    a.address.module == b.address.module && location(a) == location(b)
}

/// The key of a `ResourceName::Reference` in a [`ReferenceIndex`].
fn reference_key(module: &str, address: &str) -> String {
    let mut key = String::with_capacity(module.len() + 1 + address.len());
    key.push_str(module);
    key.push('\0');
    key.push_str(address);
    key
}

/// How a reference to `target` from its own scope is keyed in a [`ReferenceIndex`].
fn reference_key_of(target: &Resource) -> String {
    reference_key(&scope(target), &relative_address(target))
}

/// `aws_s3_bucket.logs` / `data.aws_iam_policy_document.x`: how configuration in the
/// same module refers to a resource.
fn relative_address(target: &Resource) -> String {
    let a = &target.address;
    match a.mode {
        Mode::Managed => format!("{}.{}", a.resource_type, a.name),
        Mode::Data => format!("data.{}.{}", a.resource_type, a.name),
    }
}

/// Known literal identities of a resource: what another resource could name it by.
fn identities(target: &Resource) -> impl Iterator<Item = &str> {
    ["id", "bucket", "name", "arn"]
        .into_iter()
        .filter_map(|key| match plain(target.attributes.get(key)) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::{Document, Origin};

    fn change_set(hcl: &str) -> ChangeSet {
        let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", hcl)]);
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        cs
    }

    #[test]
    fn finds_resources_referencing_a_target_by_reference_or_literal() {
        let cs = change_set(
            r#"
resource "aws_s3_bucket" "a" { bucket = "bucket-a" }
resource "aws_s3_bucket" "b" { bucket = "bucket-b" }
resource "aws_s3_bucket_versioning" "by_ref" { bucket = aws_s3_bucket.a.id }
resource "aws_s3_bucket_versioning" "by_name" { bucket = "bucket-b" }
resource "aws_s3_bucket_versioning" "by_var" { bucket = var.bucket }
"#,
        );
        let ctx = Context::new(&cs);
        let buckets = ctx.of_type("aws_s3_bucket");
        let a = ctx.referencing(buckets[0], "aws_s3_bucket_versioning", "bucket");
        assert_eq!(
            a.definite
                .iter()
                .map(|r| r.address.name.as_str())
                .collect::<Vec<_>>(),
            ["by_ref"]
        );
        let b = ctx.referencing(buckets[1], "aws_s3_bucket_versioning", "bucket");
        assert_eq!(
            b.definite
                .iter()
                .map(|r| r.address.name.as_str())
                .collect::<Vec<_>>(),
            ["by_name"]
        );
        // `var.bucket` names neither bucket: it is a reference, just not to them.
        assert!(!a.unresolved && !b.unresolved);
    }

    #[test]
    fn references_resolve_within_a_directory_only() {
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [
                Document::detect("a/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"),
                Document::detect(
                    "a/versioning.tf",
                    "resource \"aws_s3_bucket_versioning\" \"v\" { bucket = aws_s3_bucket.b.id }\n",
                ),
                Document::detect("b/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n"),
            ],
        );
        let ctx = Context::new(&cs);
        let buckets = ctx.of_type("aws_s3_bucket");
        assert_eq!(
            ctx.referencing(buckets[0], "aws_s3_bucket_versioning", "bucket")
                .definite
                .len(),
            1
        );
        assert!(
            ctx.referencing(buckets[1], "aws_s3_bucket_versioning", "bucket")
                .definite
                .is_empty()
        );
    }

    #[test]
    fn resolves_references_and_reads_three_valued_attributes() {
        let cs = change_set(
            r#"
resource "aws_kms_key" "k" { enable_key_rotation = true }
resource "aws_sns_topic" "t" {
  kms_master_key_id = aws_kms_key.k.arn
  fifo_topic        = "true"
  name              = var.name
}
"#,
        );
        let ctx = Context::new(&cs);
        let topic = ctx.of_type("aws_sns_topic")[0];
        let key = ctx
            .resolve(topic, topic.attributes.get("kms_master_key_id"))
            .expect("resolves");
        assert_eq!(key.address.to_string(), "aws_kms_key.k");
        assert_eq!(
            Tri::bool(topic.attributes.get("fifo_topic")),
            Tri::Known(true)
        );
        assert_eq!(Tri::str(topic.attributes.get("name")), Tri::Unknown);
        assert_eq!(Tri::str(topic.attributes.get("display_name")), Tri::Missing);
        assert_eq!(
            Tri::bool(key.attributes.get("enable_key_rotation")),
            Tri::Known(true)
        );
    }

    /// A value a data source's provider returns names the data block, narrowed
    /// to the instance it reads; the block's instances hold its arguments.
    #[test]
    fn a_value_names_the_data_source_and_instance_it_reads() {
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [
                Document::detect(
                    "main.tf",
                    r#"
data "aws_kms_alias" "s3" { name = "alias/aws/s3" }
data "aws_kms_alias" "numbered" {
  count = 2
  name  = "alias/${count.index}"
}
resource "aws_sns_topic" "t" {
  kms_master_key_id = data.aws_kms_alias.s3.target_key_arn
  name              = data.aws_kms_alias.s3.name
  second            = data.aws_kms_alias.numbered[1].arn
  any               = data.aws_kms_alias.numbered[var.i].arn
  mixed             = var.x ? data.aws_kms_alias.s3.arn : var.y
}
"#,
                ),
                // Another directory's block of the same name is another data source.
                Document::detect(
                    "other/main.tf",
                    "data \"aws_kms_alias\" \"s3\" { name = \"alias/other\" }\n",
                ),
            ],
        );
        assert!(cs.errors.is_empty(), "{:?}", cs.errors);
        let ctx = Context::new(&cs);
        let topic = ctx.of_type("aws_sns_topic")[0];
        let read = |attribute: &str| ctx.data_source(topic, topic.attributes.get(attribute));
        let key = read("kms_master_key_id").expect("reads a data source");
        assert_eq!(key.address, "data.aws_kms_alias.s3");
        assert_eq!(key.resource_type(), "aws_kms_alias");
        assert_eq!(key.attribute.as_deref(), Some("target_key_arn"));
        let names: Vec<String> = key
            .instances
            .iter()
            .map(|r| r.address.to_string())
            .collect();
        assert_eq!(names, ["data.aws_kms_alias.s3"]);
        assert_eq!(
            Tri::str(key.instances[0].attributes.get("name")),
            Tri::Known("alias/aws/s3")
        );
        // An argument the block writes is the value itself: nothing left to read.
        assert!(read("name").is_none());
        let second = read("second").expect("reads a data source");
        let names: Vec<String> = second
            .instances
            .iter()
            .map(|r| r.address.to_string())
            .collect();
        assert_eq!(names, ["data.aws_kms_alias.numbered[1]"]);
        // An instance not known: any of them.
        assert_eq!(read("any").expect("reads a data source").instances.len(), 2);
        assert!(read("mixed").is_some());
        assert!(
            ctx.only_data_source(topic, topic.attributes.get("mixed"))
                .is_none(),
            "`var.y` may be the value"
        );
        assert!(
            ctx.only_data_source(topic, topic.attributes.get("second"))
                .is_some()
        );
        let named = ctx
            .data_source_named(topic, "data.aws_kms_alias.numbered[0].arn")
            .expect("a reference with its key");
        assert_eq!(
            named.instances[0].address.to_string(),
            "data.aws_kms_alias.numbered[0]"
        );
        assert!(named.is_named_by("data.aws_kms_alias.numbered.arn"));
        assert!(!named.is_named_by("data.aws_kms_alias.numbered_two.arn"));
        assert!(
            ctx.data_source_named(topic, "data.aws_kms_alias.elsewhere.arn")
                .is_none()
        );
    }

    /// `is_set` had two copies: data stores' took only a managed resource's reference
    /// as set, the edge rules' any string-valued reference to a resource of the change.
    /// Kept: any value that is not a string, and a reference to a resource or data
    /// source of the change, is set.
    #[test]
    fn an_argument_is_set_by_a_value_or_a_reference_into_the_change() {
        let cs = change_set(
            r#"
data "aws_wafv2_web_acl" "acl" { name = "acl" }
resource "aws_db_subnet_group" "g" { name = "g" }
resource "aws_cloudfront_distribution" "d" {
  web_acl_id    = data.aws_wafv2_web_acl.acl.arn
  subnet_group  = aws_db_subnet_group.g.name
  from_variable = var.acl
  blank         = " "
  count_like    = 3
}
"#,
        );
        let ctx = Context::new(&cs);
        let d = ctx.of_type("aws_cloudfront_distribution")[0];
        let set = |attribute: &str| ctx.is_set(d, d.attributes.get(attribute));
        assert_eq!(set("web_acl_id"), Tri::Known(true));
        assert_eq!(set("subnet_group"), Tri::Known(true));
        assert_eq!(set("from_variable"), Tri::Unknown);
        assert_eq!(set("blank"), Tri::Known(false));
        assert_eq!(set("count_like"), Tri::Known(true));
        assert_eq!(set("absent"), Tri::Known(false));
    }
}
