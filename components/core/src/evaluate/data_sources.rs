//! `data.TYPE.NAME.ATTRIBUTE` as a module's expressions read it. An argument the
//! data block writes (`data.aws_kms_alias.s3.name`) is a fact of the configuration:
//! it evaluates to what the block sets, for the instance the reference selects
//! (`data.x.y[0].name`, `data.x.y["a"].name`). Any other attribute is what the
//! provider returns: unknown, naming the data source (`data.aws_kms_alias.s3.arn`)
//! so that rules can look at the block; read during plan, or only after apply when
//! one of the block's own arguments waits for a managed resource (Terraform then
//! defers the read, and the value names that resource).
//!
//! Data blocks of a module refer to each other, to locals and to variables like any
//! expression; blocks that refer to each other in a cycle are an input error, as in
//! Terraform. What the arguments read is not traced for provenance: a chain ends at
//! the data source.

use std::cell::RefCell;
use std::collections::HashMap;

use super::Scope;
use super::expr::{DataInstances, Evaluator, Frame};
use super::instances::{count_instances, for_each_instances};
use super::values::{Failure, as_index, to_template_string, unknown_with};
use crate::address::InstanceKey;
use crate::resource::Resource;
use crate::value::{Awaited, Unknown, UnknownCause, Value};

/// The data blocks of one module directory, and what has been read from them.
#[derive(Default)]
pub(super) struct DataBlocks<'c> {
    /// The blocks as parsed, by (type, name).
    blocks: HashMap<(&'c str, &'c str), &'c Resource>,
    /// Attributes read so far, by `TYPE.NAME[KEY].ATTRIBUTE`: the same argument is
    /// read for every resource that refers to it.
    read: RefCell<HashMap<String, Value>>,
    /// Blocks being read, outermost first: a block met again is a cycle.
    reading: RefCell<Vec<String>>,
}

impl<'c> DataBlocks<'c> {
    /// Adds a data block of this directory.
    pub(super) fn declare(&mut self, block: &'c Resource) {
        self.blocks.insert(
            (
                block.address.resource_type.as_str(),
                block.address.name.as_str(),
            ),
            block,
        );
    }

    /// The same blocks for another instance of the module, with nothing read yet:
    /// each instance's arguments come from its own variables.
    pub(super) fn for_instance(&self) -> Self {
        DataBlocks {
            blocks: self.blocks.clone(),
            ..DataBlocks::default()
        }
    }

    /// How the block `data.TYPE.NAME` is instanced; `None` when the directory
    /// declares no such block.
    pub(super) fn instances(&self, data_type: &str, name: &str) -> Option<DataInstances> {
        let block = self.blocks.get(&(data_type, name))?;
        Some(
            if block.meta.count.is_some() || block.meta.for_each.is_some() {
                DataInstances::Keyed
            } else {
                DataInstances::Single
            },
        )
    }
}

impl Scope<'_> {
    /// `data.TYPE.NAME[KEY].ATTRIBUTE`: the argument's value when the block writes
    /// it, else an unknown value naming the data source (see the module docs).
    /// `key` is `None` for a block without `count` / `for_each`.
    pub(super) fn read_data(
        &self,
        data_type: &str,
        name: &str,
        key: Option<&Value>,
        attribute: &str,
    ) -> Result<Value, Failure> {
        let Some(&block) = self.data.blocks.get(&(data_type, name)) else {
            return Err(Failure::Invalid(format!(
                "data.{data_type}.{name} is not declared in this module"
            )));
        };
        let address = format!("data.{data_type}.{name}");
        let json = block.source.file.ends_with(".json");
        {
            let reading = self.data.reading.borrow();
            if let Some(start) = reading.iter().position(|r| *r == address) {
                let cycle: Vec<&str> = reading[start..]
                    .iter()
                    .map(String::as_str)
                    .chain(std::iter::once(address.as_str()))
                    .collect();
                return Err(Failure::Invalid(format!(
                    "data sources refer to each other in a cycle: {}",
                    cycle.join(" → ")
                )));
            }
        }
        self.data.reading.borrow_mut().push(address.clone());
        // Reads inside a traced expression are not the attribute's provenance.
        self.trace.begin();
        let result = self.read_data_instance(block, &address, key, attribute, json);
        self.trace.end();
        self.data.reading.borrow_mut().pop();
        result
    }

    fn read_data_instance(
        &self,
        block: &Resource,
        address: &str,
        key: Option<&Value>,
        attribute: &str,
        json: bool,
    ) -> Result<Value, Failure> {
        let (frame, instance) = self.data_instance(block, address, key, json)?;
        let memo = format!("{address}{instance}.{attribute}");
        if let Some(value) = self.data.read.borrow().get(&memo) {
            return Ok(value.clone());
        }
        // What an unknown value names: the attribute of the data source, then the
        // instance read (`data.x.y[0]`, as a plan's references name it), so that
        // rules look at that instance rather than at every one of the block.
        let mut references = vec![format!("{address}.{attribute}")];
        if !instance.is_empty() {
            references.push(format!("{address}{instance}"));
        }
        let instance_address = format!("{address}{instance}");
        let value = match argument(block, attribute) {
            Some(parsed) => {
                let mut value = self.settle_data(
                    block,
                    &instance_address,
                    attribute,
                    parsed,
                    self.evaluate_parsed(parsed, &frame, json),
                );
                if let Value::Unknown(unknown) = &mut value {
                    for (at, reference) in references.into_iter().enumerate() {
                        if !unknown.references.contains(&reference) {
                            unknown.references.insert(at, reference);
                        }
                    }
                }
                value
            }
            None => {
                references.extend(self.data_read_waits_for(block, &instance_address, &frame, json));
                unknown_with(UnknownCause::AfterApply, references)
            }
        };
        self.data.read.borrow_mut().insert(memo, value.clone());
        Ok(value)
    }

    /// The frame the block's expressions see for the instance `key` selects, and the
    /// instance key as Terraform writes it (`[0]`, `["a"]`, empty for no key).
    fn data_instance(
        &self,
        block: &Resource,
        address: &str,
        key: Option<&Value>,
        json: bool,
    ) -> Result<(Frame, String), Failure> {
        let Some(key) = key else {
            return Ok((Frame::default(), String::new()));
        };
        if let Some(count) = &block.meta.count {
            let index = as_index(key).map_err(|_| {
                Failure::Error(format!(
                    "{address} has `count`: an instance is selected by a whole number, not {key}"
                ))
            })?;
            let count = self.evaluate_parsed(count, &Frame::default(), json)?;
            // An invalid `count` is reported where the block is expanded.
            if let Ok(instances) = count_instances(&count)
                && !count.is_unknown()
                && index >= instances.len()
            {
                return Err(Failure::Error(format!(
                    "{address}[{index}] does not exist: `count` is {count}"
                )));
            }
            let frame = Frame {
                count_index: Some(Value::Number((index as u64).into())),
                ..Frame::default()
            };
            return Ok((frame, InstanceKey::Int(index as i64).to_string()));
        }
        let Some(for_each) = &block.meta.for_each else {
            return Err(Failure::Error(format!(
                "{address} has neither `count` nor `for_each`: it has no instance keys"
            )));
        };
        let name = to_template_string(key)?;
        let instance = InstanceKey::Str(name.clone());
        let for_each = self.evaluate_parsed(for_each, &Frame::default(), json)?;
        // An invalid `for_each` is reported where the block is expanded.
        let instances = for_each_instances(&for_each).unwrap_or_default();
        if let Some((_, frame)) = instances
            .iter()
            .find(|(k, _)| k.as_ref() == Some(&instance))
        {
            return Ok((frame.clone(), instance.to_string()));
        }
        // `for_each` not known: the key is the reference's, the value is not known.
        match instances.into_iter().next() {
            Some((None, mut frame)) => {
                if let Some((each_key, _)) = &mut frame.each {
                    *each_key = Value::String(name.as_str().into());
                }
                Ok((frame, instance.to_string()))
            }
            _ => Err(Failure::Error(format!(
                "{address}{instance} does not exist: `for_each` has no key \"{name}\""
            ))),
        }
    }

    /// The managed resource a data source's read waits for, when one of its
    /// arguments (or of the blocks its `dynamic` blocks make) is known only after
    /// apply: Terraform then reads it during apply, not during plan.
    fn data_read_waits_for(
        &self,
        block: &Resource,
        instance_address: &str,
        frame: &Frame,
        json: bool,
    ) -> Option<String> {
        for (name, parsed) in block.attributes.iter() {
            if argument(block, name).is_none() {
                continue;
            }
            let result = self.evaluate_parsed(parsed, frame, json);
            let value = self.settle_data(block, instance_address, name, parsed, result);
            if let Some(resource) = awaited_resource(&value) {
                return Some(resource);
            }
        }
        // `dynamic` blocks (a policy document's statements, most often) wait for
        // what their contents read.
        for dynamic in &block.meta.dynamic_blocks {
            let Ok(body) = hcl_edit::parser::parse_body(&dynamic.source) else {
                continue;
            };
            let Some(parsed) = body.blocks().next() else {
                continue;
            };
            let mut evaluator = Evaluator::new(self, frame.clone(), &dynamic.source);
            let expression = format!("dynamic \"{}\" block", dynamic.name);
            // Only whether the contents wait for a resource matters here, not the
            // blocks' positions among others of their type (`first`, for traces).
            let value = self.settle(
                evaluator.dynamic(parsed, 0),
                Some(&expression),
                &block.source.file,
                || {
                    block
                        .lines_of(&format!("{}{}", dynamic.within, dynamic.name))
                        .map(|l| l.start)
                },
                || format!("{instance_address}: {expression}"),
            );
            if let Some(resource) = awaited_resource(&value) {
                return Some(resource);
            }
        }
        None
    }

    /// An argument of a data block as read from elsewhere: an invalid one is
    /// reported as where the block itself is expanded reports it (the same file,
    /// line and words, so it is listed once) and read as an unknown value saying
    /// so, as a local's is.
    fn settle_data(
        &self,
        block: &Resource,
        instance_address: &str,
        attribute: &str,
        parsed: &Value,
        result: Result<Value, Failure>,
    ) -> Value {
        let expression = match parsed {
            Value::Unknown(unknown) => unknown.expression.as_deref(),
            _ => None,
        };
        self.settle(
            result,
            expression,
            &block.source.file,
            || block.lines_of(attribute).map(|l| l.start),
            || format!("{instance_address}: {attribute}"),
        )
    }
}

/// The parsed value of an argument the block writes. A `dynamic` block is not an
/// argument one can read, and is not expanded here.
fn argument<'r>(block: &'r Resource, attribute: &str) -> Option<&'r Value> {
    let dynamic = block
        .meta
        .dynamic_blocks
        .iter()
        .any(|d| d.within.is_empty() && d.name == attribute);
    if dynamic {
        return None;
    }
    block.attributes.get(attribute)
}

/// The first managed resource an unknown part of `value` waits for.
fn awaited_resource(value: &Value) -> Option<String> {
    match value {
        Value::Unknown(unknown) => match unknown_awaits(unknown) {
            Some(Awaited::Resource(resource)) => Some(resource.to_owned()),
            _ => None,
        },
        Value::List(items) => items.iter().find_map(awaited_resource),
        Value::Map(map) => map.values().find_map(awaited_resource),
        Value::Sensitive(inner) => awaited_resource(inner.expose()),
        _ => None,
    }
}

fn unknown_awaits(unknown: &Unknown) -> Option<Awaited<'_>> {
    match unknown.cause {
        UnknownCause::AfterApply => unknown.awaited(),
        _ => None,
    }
}
