//! One HCL expression evaluated against a module's names, the way Terraform does
//! during plan: what is known becomes a value, what is not stays
//! [`Value::Unknown`] with the references that led to it and its true cause.

use hcl_edit::Span;
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator,
    UnaryOperator,
};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Directive, Element, Template};

use super::functions;
use super::provenance::{Read, Reference, Tracing, bind};
use super::values::{
    self, Failure, as_bool, as_index, equal, number_from_f64, to_number, to_template_string,
    unknown_among, unknown_with,
};
use crate::address::InstanceKey;
use crate::value::{Sensitive, Text, Unknown, UnknownCause, Value, ValueMap};

pub(crate) use super::values::Eval;

/// Expressions, with the locals they use, nest at most this deep: evaluation
/// recurses, and a crafted input must not exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 128;

/// What names outside an expression resolve to: implemented by a module's scope.
pub(crate) trait Names {
    /// `var.NAME`.
    fn variable(&self, name: &str) -> Value;
    /// `local.NAME`: evaluated on first use; a cycle is a [`Failure::Invalid`].
    fn local(&self, name: &str) -> Eval;
    /// `path.module`, `path.root`, `path.cwd`.
    fn path(&self, which: &str) -> Value;
    /// Counts one step of evaluation; fails when the module's budget is spent, which
    /// bounds the time any input can take.
    fn step(&self) -> Result<(), Failure>;
    /// How deep evaluation is nested now.
    fn depth(&self) -> &std::cell::Cell<usize>;
    /// `module.NAME`: the call's outputs, or why they are not known.
    fn module(&self, call: &str) -> Result<Value, String>;
    /// How the module's data block `data.TYPE.NAME` is instanced; `None` when the
    /// module declares no such block (the reference then stays unknown).
    fn data_block(&self, data_type: &str, name: &str) -> Option<DataInstances>;
    /// `data.TYPE.NAME[KEY].ATTRIBUTE` of a block [`Names::data_block`] knows: the
    /// argument's value when the block writes it, else an unknown value naming
    /// the data source. `key` is `None` for a block without `count`/`for_each`.
    fn data_attribute(
        &self,
        data_type: &str,
        name: &str,
        key: Option<&Value>,
        attribute: &str,
    ) -> Eval;
    /// Starts noting the names expressions read, for provenance
    /// (`provenance.rs`); nothing for names that have none.
    fn begin_reading(&self) {}
    /// Stops noting, and returns the names read since the matching
    /// `begin_reading`.
    fn end_reading(&self) -> Vec<Reference> {
        Vec::new()
    }
    /// Notes a name only the evaluator resolves (an iterator, `each`, a module's
    /// output) when names are being noted.
    fn note(&self, _read: Read<'_>) {}
}

/// How references select an instance of a data block ([`Names::data_block`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DataInstances {
    /// No `count` or `for_each`: `data.x.y.attribute`.
    Single,
    /// `count` or `for_each`: `data.x.y[KEY].attribute`.
    Keyed,
}

/// Values bound while evaluating: `count.index`, `each.*`, `for` and `dynamic`
/// iterators (innermost last).
#[derive(Clone, Default)]
pub(crate) struct Frame {
    /// `count.index`, when the resource has `count`.
    pub count_index: Option<Value>,
    /// `each.key` and `each.value`, when the resource has `for_each`.
    pub each: Option<(Value, Value)>,
    /// Iterator variables.
    pub iterators: Vec<(String, Value)>,
}

/// Evaluates expressions in one frame of one module.
pub(crate) struct Evaluator<'a> {
    pub names: &'a dyn Names,
    pub frame: Frame,
    /// The text the expressions were parsed from, for the expression of unknown parts.
    pub source: &'a str,
    /// When set, what each attribute of a `dynamic` block's content read, by its
    /// path (`instances.rs` sets it, with the path of the block's name).
    pub tracing: Option<Tracing>,
    /// What the `for_each` of each enclosing traced `dynamic` block read, by its
    /// iterator's name (innermost last).
    iterator_reads: Vec<(String, Vec<Reference>)>,
}

impl<'a> Evaluator<'a> {
    pub fn new(names: &'a dyn Names, frame: Frame, source: &'a str) -> Self {
        Evaluator {
            names,
            frame,
            source,
            tracing: None,
            iterator_reads: Vec::new(),
        }
    }

    fn text(&self, expr: &Expression) -> Option<String> {
        expr.span()
            .and_then(|span| self.source.get(span))
            .map(|t| t.trim().to_owned())
    }

    /// Evaluates, and names an unknown result by the expression's own text.
    pub fn eval_named(&mut self, expr: &Expression) -> Eval {
        let mut value = self.eval(expr)?;
        if let Value::Unknown(unknown) = &mut value {
            unknown.expression = self.text(expr);
        }
        Ok(value)
    }

    pub fn eval(&mut self, expr: &Expression) -> Eval {
        self.names.step()?;
        // Shared by every evaluator of the module: locals evaluated inside an
        // expression nest in the same stack.
        let depth = self.names.depth();
        if depth.get() >= MAX_DEPTH {
            return Err(Failure::Invalid(format!(
                "expressions and the locals they use nest more than {MAX_DEPTH} levels deep"
            )));
        }
        depth.set(depth.get() + 1);
        let result = self.eval_inner(expr);
        depth.set(depth.get() - 1);
        result
    }

    fn eval_inner(&mut self, expr: &Expression) -> Eval {
        Ok(match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(
                crate::hcl::number(n.value())
                    .ok_or_else(|| Failure::Invalid("number out of range".into()))?,
            ),
            Expression::String(s) => Value::String(s.value().as_str().into()),
            Expression::Array(items) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items.iter() {
                    list.push(self.eval_named(item)?);
                }
                Value::List(list)
            }
            Expression::Object(object) => {
                let mut entries = Vec::with_capacity(object.len());
                let mut unknown_key = None;
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => Text::from(ident.as_str()),
                        ObjectKey::Expression(key_expr) => match self.eval(key_expr)? {
                            Value::String(s) => s,
                            Value::Number(n) => n.to_string().into(),
                            Value::Bool(b) => b.to_string().into(),
                            unknown @ Value::Unknown(_) => {
                                unknown_key = Some(unknown);
                                continue;
                            }
                            other => {
                                return Err(Failure::Error(format!(
                                    "an object key must be a string, not {}",
                                    values::type_name(&other)
                                )));
                            }
                        },
                    };
                    entries.push((key, self.eval_named(value.expr())?));
                }
                // A computed key makes the whole object's shape unknown.
                if let Some(unknown) = unknown_key {
                    return Ok(unknown);
                }
                Value::Map(ValueMap::from_entries(entries))
            }
            Expression::StringTemplate(template) => self.template(template)?,
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template)?,
            Expression::Parenthesis(inner) => self.eval(inner.inner())?,
            Expression::Variable(name) => self.root(name.as_str(), &[])?.0,
            Expression::Traversal(traversal) => self.traversal(traversal)?,
            Expression::Conditional(c) => {
                let condition = self.eval(&c.cond_expr)?;
                match values::unmark(condition) {
                    (Value::Unknown(u), _) => {
                        // Either branch may be taken: the result names what both do.
                        let mut parts = vec![Value::Unknown(u)];
                        parts.extend(self.eval(&c.true_expr).ok());
                        parts.extend(self.eval(&c.false_expr).ok());
                        unknown_among(&parts).unwrap_or_else(Value::unknown_after_apply)
                    }
                    (condition, marked) => {
                        let branch = match as_bool(&condition) {
                            Some(true) => &c.true_expr,
                            Some(false) => &c.false_expr,
                            None => {
                                return Err(Failure::Error(format!(
                                    "a condition must be a bool, not {}",
                                    values::type_name(&condition)
                                )));
                            }
                        };
                        values::mark(self.eval(branch)?, marked)
                    }
                }
            }
            Expression::UnaryOp(op) => {
                let (operand, marked) = values::unmark(self.eval(&op.expr)?);
                if let Value::Unknown(_) = operand {
                    return Ok(operand);
                }
                let result = match op.operator.value() {
                    UnaryOperator::Not => Value::Bool(
                        !as_bool(&operand)
                            .ok_or_else(|| Failure::Error("`!` needs a bool".into()))?,
                    ),
                    UnaryOperator::Neg => {
                        let n = to_number(&operand)
                            .ok_or_else(|| Failure::Error("`-` needs a number".into()))?;
                        number_from_f64(-n)?
                    }
                };
                values::mark(result, marked)
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr)?;
                let rhs = self.eval(&op.rhs_expr)?;
                binary(*op.operator.value(), lhs, rhs)?
            }
            Expression::ForExpr(for_expr) => self.for_expr(for_expr)?,
            Expression::FuncCall(call) => self.call(call)?,
        })
    }

    /// A reference written as a plain dotted name (`var.x`, `aws_kms_key.k.arn`):
    /// the most common unevaluated expression, evaluated without parsing it again.
    /// `None` when the text is anything else.
    pub fn plain_reference(&mut self, text: &str) -> Option<Eval> {
        let mut segments = text.split('.');
        let root = segments.next()?;
        if matches!(root, "true" | "false" | "null") || hcl_edit::Ident::try_new(root).is_err() {
            return None;
        }
        let mut operators = Vec::new();
        for segment in segments {
            let ident = hcl_edit::Ident::try_new(segment).ok()?;
            operators.push(TraversalOperator::GetAttr(ident.into()));
        }
        let operators: Vec<&TraversalOperator> = operators.iter().collect();
        Some(self.names.step().and_then(|()| {
            let (value, used) = self.root(root, &operators)?;
            self.apply(value, &operators[used..])
        }))
    }

    /// A traversal: its root, then each operator, splats included.
    fn traversal(&mut self, traversal: &Traversal) -> Eval {
        let operators: Vec<&TraversalOperator> =
            traversal.operators.iter().map(|o| o.value()).collect();
        let (value, used) = match &traversal.expr {
            Expression::Variable(name) => self.root(name.as_str(), &operators)?,
            other => (self.eval(other)?, 0),
        };
        self.apply(value, &operators[used..])
    }

    fn apply(&mut self, mut value: Value, operators: &[&TraversalOperator]) -> Eval {
        let mut i = 0;
        while i < operators.len() {
            let operator = operators[i];
            i += 1;
            if let Value::Unknown(_) = value {
                // Every step of an unknown value is unknown for the same reason.
                return Ok(value);
            }
            value = match operator {
                TraversalOperator::GetAttr(name) => get_attr(value, name.as_str())?,
                TraversalOperator::Index(index) => {
                    let index = self.eval(index)?;
                    get_index(value, index)?
                }
                TraversalOperator::LegacyIndex(n) => {
                    get_index(value, Value::Number((*n.value()).into()))?
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    // `x.*.a.b` applies the attribute steps after it to each element;
                    // `x[*].a[0]` applies every step after it.
                    let full = matches!(operator, TraversalOperator::FullSplat(_));
                    let rest_end = if full {
                        operators.len()
                    } else {
                        i + operators[i..]
                            .iter()
                            .take_while(|o| matches!(o, TraversalOperator::GetAttr(_)))
                            .count()
                    };
                    let rest = &operators[i..rest_end];
                    i = rest_end;
                    let (value, marked) = values::unmark(value);
                    let items = match value {
                        Value::Null => Vec::new(),
                        Value::List(items) => items,
                        other => vec![other],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(self.apply(item, rest)?);
                    }
                    values::mark(Value::List(out), marked)
                }
            };
        }
        Ok(value)
    }

    /// The value a root name stands for, and how many of the following operators
    /// naming it took (`var.x` takes `.x`; `aws_s3_bucket.b` takes `.b`).
    fn root(
        &mut self,
        name: &str,
        operators: &[&TraversalOperator],
    ) -> Result<(Value, usize), Failure> {
        if let Some((_, value)) = self.frame.iterators.iter().rev().find(|(n, _)| n == name) {
            self.names.note(Read::Iterator(name));
            return Ok((value.clone(), 0));
        }
        let attr = |i: usize| match operators.get(i) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        let needs_attr =
            |what: &str| Failure::Invalid(format!("`{name}` must be followed by {what}"));
        Ok(match name {
            "var" => {
                let var = attr(0).ok_or_else(|| needs_attr("a variable name"))?;
                (self.names.variable(var), 1)
            }
            "local" => {
                let local = attr(0).ok_or_else(|| needs_attr("a local value's name"))?;
                let value = self.names.local(local)?;
                (with_reference(value, format!("local.{local}")), 1)
            }
            "count" => match (attr(0), &self.frame.count_index) {
                (Some("index"), Some(index)) => (index.clone(), 1),
                (Some("index"), None) => {
                    return Err(Failure::Invalid(
                        "`count.index` is only available in a resource or module with `count`"
                            .into(),
                    ));
                }
                _ => return Err(needs_attr("`.index`")),
            },
            "each" => match (attr(0), &self.frame.each) {
                (Some("key"), Some((key, _))) => {
                    self.names.note(Read::Each);
                    (key.clone(), 1)
                }
                (Some("value"), Some((_, value))) => {
                    self.names.note(Read::Each);
                    (value.clone(), 1)
                }
                (Some("key" | "value"), None) => {
                    return Err(Failure::Invalid(
                        "`each` is only available in a resource or module with `for_each`".into(),
                    ));
                }
                _ => return Err(needs_attr("`.key` or `.value`")),
            },
            "path" => {
                let which = attr(0).ok_or_else(|| needs_attr("`.module`, `.root` or `.cwd`"))?;
                (self.names.path(which), 1)
            }
            "terraform" => (
                unknown_with(
                    UnknownCause::Outside("depends on the selected Terraform workspace".into()),
                    vec![format!("terraform.{}", attr(0).unwrap_or(""))],
                ),
                1,
            ),
            "self" => (
                unknown_with(UnknownCause::AfterApply, vec!["self".into()]),
                operators.len(),
            ),
            "module" => {
                let call = attr(0).ok_or_else(|| needs_attr("a module call's name"))?;
                match self.names.module(call) {
                    Ok(outputs) => {
                        if let Some((key, output)) = output_read(operators) {
                            self.names.note(Read::Output { call, key, output });
                        }
                        (outputs, 1)
                    }
                    Err(why) => {
                        let mut reference = format!("module.{call}");
                        if let Some(output) = attr(1) {
                            reference.push('.');
                            reference.push_str(output);
                        }
                        (
                            unknown_with(UnknownCause::Outside(why), vec![reference]),
                            operators.len().min(2),
                        )
                    }
                }
            }
            "data" => {
                let (Some(data_type), Some(data_name)) = (attr(0), attr(1)) else {
                    return Err(needs_attr("a data source's type and name"));
                };
                let (value, used) = self.data_reference(data_type, data_name, &operators[2..])?;
                (value, 2 + used)
            }
            _ => {
                let Some(resource_name) = attr(0) else {
                    let hint = match name {
                        "True" | "TRUE" => " (did you mean `true`?)",
                        "False" | "FALSE" => " (did you mean `false`?)",
                        "Null" | "NULL" | "nil" | "None" => " (did you mean `null`?)",
                        _ => "",
                    };
                    return Err(Failure::Invalid(format!(
                        "unknown name `{name}`{hint}: a reference to a resource needs its type and name"
                    )));
                };
                let reference = reference_text(&format!("{name}.{resource_name}"), &operators[1..]);
                (unknown_with(UnknownCause::AfterApply, vec![reference]), 1)
            }
        })
    }

    /// `data.TYPE.NAME` followed by `operators`: one attribute of one instance read
    /// through [`Names::data_attribute`], and how many operators that took. A data
    /// source the module does not declare, a splat over its instances or the whole
    /// object stays unknown, read by the provider.
    fn data_reference(
        &mut self,
        data_type: &str,
        name: &str,
        operators: &[&TraversalOperator],
    ) -> Result<(Value, usize), Failure> {
        let base = format!("data.{data_type}.{name}");
        let unread = |operators: &[&TraversalOperator]| {
            let reference = reference_text(&base, operators);
            Ok((unknown_with(UnknownCause::AfterApply, vec![reference]), 0))
        };
        let Some(instances) = self.names.data_block(data_type, name) else {
            return unread(operators);
        };
        let (key, used) = match (instances, operators.first()) {
            (DataInstances::Single, _) => (None, 0),
            (DataInstances::Keyed, Some(TraversalOperator::Index(index))) => {
                (Some(values::unmark(self.eval(index)?).0), 1)
            }
            (DataInstances::Keyed, Some(TraversalOperator::LegacyIndex(n))) => {
                (Some(Value::Number((*n.value()).into())), 1)
            }
            _ => return unread(operators),
        };
        let Some(TraversalOperator::GetAttr(attribute)) = operators.get(used) else {
            return unread(operators);
        };
        let attribute = attribute.as_str();
        if let Some(unknown @ Value::Unknown(_)) = key {
            // Which instance is not known: nor is its attribute.
            let read = unknown_with(
                UnknownCause::AfterApply,
                vec![format!("{base}.{attribute}")],
            );
            let value = unknown_among(&[unknown, read]).unwrap_or_else(Value::unknown_after_apply);
            return Ok((value, used + 1));
        }
        let value = self
            .names
            .data_attribute(data_type, name, key.as_ref(), attribute)?;
        Ok((value, used + 1))
    }

    pub fn template(&mut self, template: &Template) -> Eval {
        let mut out = String::new();
        let mut parts = Vec::new();
        let mut marked = false;
        self.template_into(template, &mut out, &mut parts, &mut marked)?;
        if let Some(unknown) = unknown_among(&parts) {
            return Ok(values::mark(unknown, marked));
        }
        Ok(values::mark(Value::String(out.into()), marked))
    }

    /// Appends a template's text to `out`; unknown interpolations go to `unknown`.
    fn template_into(
        &mut self,
        template: &Template,
        out: &mut String,
        unknown: &mut Vec<Value>,
        marked: &mut bool,
    ) -> Result<(), Failure> {
        for element in template.iter() {
            if out.len() > values::MAX_STRING {
                return Err(Failure::Invalid(format!(
                    "a template makes a string longer than {} bytes",
                    values::MAX_STRING
                )));
            }
            match element {
                Element::Literal(text) => out.push_str(text.value()),
                Element::Interpolation(interpolation) => {
                    let (value, m) = values::unmark(self.eval(&interpolation.expr)?);
                    *marked |= m;
                    match value {
                        Value::Unknown(_) => unknown.push(value),
                        value => out.push_str(&to_template_string(&value)?),
                    }
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        let (condition, m) =
                            values::unmark(self.eval(&if_directive.if_expr.cond_expr)?);
                        *marked |= m;
                        if let Value::Unknown(_) = condition {
                            unknown.push(condition);
                            continue;
                        }
                        let condition = as_bool(&condition)
                            .ok_or_else(|| Failure::Error("`%{if}` needs a bool".into()))?;
                        if condition {
                            self.template_into(
                                &if_directive.if_expr.template,
                                out,
                                unknown,
                                marked,
                            )?;
                        } else if let Some(else_expr) = &if_directive.else_expr {
                            self.template_into(&else_expr.template, out, unknown, marked)?;
                        }
                    }
                    Directive::For(for_directive) => {
                        let f = &for_directive.for_expr;
                        let (collection, m) = values::unmark(self.eval(&f.collection_expr)?);
                        *marked |= m;
                        if let Value::Unknown(_) = collection {
                            unknown.push(collection);
                            continue;
                        }
                        for (key, value) in iterate(collection)? {
                            let pushed = self.bind(
                                f.key_var.as_ref().map(|k| k.as_str()),
                                f.value_var.as_str(),
                                key,
                                value,
                            );
                            let result = self.template_into(&f.template, out, unknown, marked);
                            self.frame
                                .iterators
                                .truncate(self.frame.iterators.len() - pushed);
                            result?;
                        }
                    }
                },
            }
        }
        Ok(())
    }

    fn bind(&mut self, key_var: Option<&str>, value_var: &str, key: Value, value: Value) -> usize {
        let mut pushed = 1;
        if let Some(key_var) = key_var {
            self.frame.iterators.push((key_var.to_owned(), key));
            pushed += 1;
        }
        self.frame.iterators.push((value_var.to_owned(), value));
        pushed
    }

    fn for_expr(&mut self, for_expr: &ForExpr) -> Eval {
        let intro = &for_expr.intro;
        let (collection, marked) = values::unmark(self.eval(&intro.collection_expr)?);
        if let Value::Unknown(_) = collection {
            return Ok(collection);
        }
        let key_var = intro.key_var.as_ref().map(|k| k.as_str());
        let value_var = intro.value_var.as_str();
        let mut list = Vec::new();
        let mut entries: Vec<(Text, Value)> = Vec::new();
        let mut unknown = Vec::new();
        for (key, value) in iterate(collection)? {
            let pushed = self.bind(key_var, value_var, key, value);
            let result = self.for_item(for_expr, &mut list, &mut entries, &mut unknown);
            self.frame
                .iterators
                .truncate(self.frame.iterators.len() - pushed);
            result?;
        }
        if let Some(unknown) = unknown_among(&unknown) {
            return Ok(unknown);
        }
        let result = if for_expr.key_expr.is_some() {
            if for_expr.grouping {
                let mut grouped: Vec<(Text, Value)> = Vec::new();
                for (key, value) in entries {
                    match grouped.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, Value::List(items))) => items.push(value),
                        _ => grouped.push((key, Value::List(vec![value]))),
                    }
                }
                Value::Map(ValueMap::from_entries(grouped))
            } else {
                let mut seen = std::collections::HashSet::new();
                for (key, _) in &entries {
                    if !seen.insert(key.clone()) {
                        return Err(Failure::Error(format!(
                            "duplicate key \"{key}\" in a `for` expression (use `...` to group)"
                        )));
                    }
                }
                Value::Map(ValueMap::from_entries(entries))
            }
        } else {
            Value::List(list)
        };
        Ok(values::mark(result, marked))
    }

    fn for_item(
        &mut self,
        for_expr: &ForExpr,
        list: &mut Vec<Value>,
        entries: &mut Vec<(Text, Value)>,
        unknown: &mut Vec<Value>,
    ) -> Result<(), Failure> {
        if let Some(cond) = &for_expr.cond {
            match values::unmark(self.eval(&cond.expr)?).0 {
                u @ Value::Unknown(_) => {
                    unknown.push(u);
                    return Ok(());
                }
                condition => {
                    if !as_bool(&condition)
                        .ok_or_else(|| Failure::Error("a `for` condition must be a bool".into()))?
                    {
                        return Ok(());
                    }
                }
            }
        }
        let value = self.eval_named(&for_expr.value_expr)?;
        match &for_expr.key_expr {
            Some(key_expr) => match values::unmark(self.eval(key_expr)?).0 {
                u @ Value::Unknown(_) => unknown.push(u),
                key => entries.push((to_template_string(&key)?.into(), value)),
            },
            None => list.push(value),
        }
        if list.len() + entries.len() > values::MAX_COLLECTION {
            return Err(Failure::Invalid(format!(
                "a `for` expression makes more than {} elements",
                values::MAX_COLLECTION
            )));
        }
        Ok(())
    }

    fn call(&mut self, call: &FuncCall) -> Eval {
        let name = call.name.name.as_str();
        if !call.name.namespace.is_empty() {
            let namespace: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
            return Ok(unknown_with(
                UnknownCause::Outside(format!(
                    "calls the provider function `{}::{name}`",
                    namespace.join("::")
                )),
                Vec::new(),
            ));
        }
        let args: Vec<&Expression> = call.args.iter().collect();
        match name {
            // `try` and `can` catch evaluation errors, so their arguments are
            // evaluated one at a time; invalid references are not caught.
            "try" => {
                let mut last = None;
                for arg in &args {
                    match self.eval(arg) {
                        Ok(value) => return Ok(value),
                        Err(Failure::Error(message)) => last = Some(message),
                        Err(invalid) => return Err(invalid),
                    }
                }
                return Err(Failure::Error(
                    last.unwrap_or_else(|| "`try` needs at least one argument".to_owned()),
                ));
            }
            "can" => {
                let [arg] = args.as_slice() else {
                    return Err(Failure::Invalid("`can` takes one argument".into()));
                };
                return match self.eval(arg) {
                    Ok(value) if value.contains_unknown() => {
                        Ok(unknown_among(std::slice::from_ref(&value)).unwrap_or(value))
                    }
                    Ok(_) => Ok(Value::Bool(true)),
                    Err(Failure::Error(_)) => Ok(Value::Bool(false)),
                    Err(invalid) => Err(invalid),
                };
            }
            _ => {}
        }
        let mut values = Vec::with_capacity(args.len());
        for arg in &args {
            values.push(self.eval(arg)?);
        }
        if call.args.expand_final() {
            match values.pop().map(values::unmark) {
                Some((Value::List(items), false)) => values.extend(items),
                Some((unknown @ Value::Unknown(_), _)) => return Ok(unknown),
                _ => {
                    return Err(Failure::Error(
                        "only a list can be expanded into arguments with `...`".into(),
                    ));
                }
            }
        }
        functions::call(name, values)
    }

    /// A block body as a resource sees it: attributes evaluated, nested blocks as
    /// lists of maps, `dynamic` blocks expanded when their `for_each` is known.
    pub fn body(&mut self, body: &Body) -> Result<ValueMap, Failure> {
        let mut map = ValueMap::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let key = attr.key.as_str();
                    let value = if self.tracing.is_some() {
                        let len = self.enter(key);
                        let value = self.eval_traced(&attr.value);
                        self.leave(len);
                        value?
                    } else {
                        self.eval_named(&attr.value)?
                    };
                    map.insert(key, value);
                }
                Structure::Block(block) if block.has_ident("dynamic") => {
                    let Some(label) = block.labels.first() else {
                        continue;
                    };
                    let label = label.as_str();
                    let len = self.enter(label);
                    let expanded = self.dynamic(block, blocks_in(&map, label));
                    self.leave(len);
                    append_blocks(&mut map, label, expanded?);
                }
                Structure::Block(block) => {
                    let ident = block.ident.as_str();
                    let len = if self.tracing.is_some() {
                        self.enter(&format!("{ident}.{}", blocks_in(&map, ident)))
                    } else {
                        0
                    };
                    let nested = self.body(&block.body);
                    self.leave(len);
                    append_blocks(&mut map, ident, Value::List(vec![Value::Map(nested?)]));
                }
            }
        }
        Ok(map)
    }

    /// Adds a segment to the traced path, returning the length to cut it back to.
    fn enter(&mut self, segment: &str) -> usize {
        let Some(tracing) = &mut self.tracing else {
            return 0;
        };
        let len = tracing.path.len();
        tracing.path.push('.');
        tracing.path.push_str(segment);
        len
    }

    fn leave(&mut self, len: usize) {
        if let Some(tracing) = &mut self.tracing {
            tracing.path.truncate(len);
        }
    }

    /// Evaluates a traced expression: the names it read, with the iterators of
    /// the enclosing `dynamic` blocks bound, are kept under the current path.
    fn eval_traced(&mut self, expr: &Expression) -> Eval {
        let (result, read) = self.reading(|evaluator| evaluator.eval_named(expr));
        if let Some(tracing) = &mut self.tracing
            && !read.is_empty()
        {
            tracing.read.push((tracing.path.clone(), read));
        }
        result
    }

    /// Runs `f`, noting the names it reads (begin and end always pair up, whatever
    /// `f` returns).
    fn reading<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> (T, Vec<Reference>) {
        self.names.begin_reading();
        let result = f(self);
        let mut read = self.names.end_reading();
        for (iterator, iterated) in self.iterator_reads.iter().rev() {
            bind(&mut read, &Reference::Iterator(iterator.clone()), iterated);
        }
        (result, read)
    }

    /// `dynamic "NAME" { for_each = …, iterator = …, content { … } }`: the blocks it
    /// makes (a list of maps), or an unknown value when `for_each` is not known.
    /// `first` is the index its first block takes among the blocks of its type
    /// written before it, for the traced paths.
    pub fn dynamic(&mut self, block: &Block, first: usize) -> Eval {
        let label = block.labels.first().map_or("", |l| l.as_str()).to_owned();
        let Some(for_each) = block.body.get_attribute("for_each") else {
            return Err(Failure::Invalid(format!(
                "dynamic \"{label}\" block needs `for_each`"
            )));
        };
        let iterator = match block.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(name)) => name.as_str().to_owned(),
            Some(_) => {
                return Err(Failure::Invalid(
                    "a dynamic block's `iterator` must be a plain name".into(),
                ));
            }
            None => label.clone(),
        };
        let Some(content) = block.body.blocks().find(|b| b.has_ident("content")) else {
            return Err(Failure::Invalid(format!(
                "dynamic \"{label}\" block needs a `content` block"
            )));
        };
        let (collection, for_each_read) = if self.tracing.is_some() {
            self.reading(|evaluator| evaluator.eval(&for_each.value))
        } else {
            (self.eval(&for_each.value), Vec::new())
        };
        let (collection, marked) = values::unmark(collection?);
        if let Value::Unknown(mut unknown) = collection {
            unknown.expression = Some(format!("dynamic \"{label}\" block"));
            return Ok(Value::Unknown(unknown));
        }
        let items = iterate_for_each(collection)?;
        // The content's reads of the iterator stand for what `for_each` read.
        self.iterator_reads.push((iterator.clone(), for_each_read));
        let mut blocks = Vec::with_capacity(items.len());
        let mut result = Ok(());
        for (i, (key, value)) in items.into_iter().enumerate() {
            let object = Value::Map(ValueMap::from_entries(vec![
                ("key".into(), key),
                ("value".into(), value),
            ]));
            self.frame
                .iterators
                .push((iterator.clone(), values::mark(object, marked)));
            let len = self.enter(&(first + i).to_string());
            let body = self.body(&content.body);
            self.leave(len);
            self.frame.iterators.pop();
            match body {
                Ok(body) => blocks.push(Value::Map(body)),
                Err(failure) => {
                    result = Err(failure);
                    break;
                }
            }
        }
        self.iterator_reads.pop();
        result.map(|()| Value::List(blocks))
    }
}

/// Adds blocks (a list of maps, or an unknown) under `name`, after any already there.
/// No blocks at all leave the name absent, as in a configuration that writes none.
pub(crate) fn append_blocks(map: &mut ValueMap, name: &str, blocks: Value) {
    match (map.get_mut(name), blocks) {
        (Some(Value::List(existing)), Value::List(more)) => existing.extend(more),
        (Some(_), _) => {}
        (None, Value::List(more)) if more.is_empty() => {}
        (None, blocks) => {
            map.insert(name, blocks);
        }
    }
}

/// How many blocks named `name` a body being built holds already.
fn blocks_in(map: &ValueMap, name: &str) -> usize {
    map.get(name)
        .and_then(Value::as_list)
        .map_or(0, <[Value]>::len)
}

/// The output a `module.CALL…` traversal reads, for provenance: `module.CALL.OUT`,
/// or `module.CALL[KEY].OUT` with the key written literally (the instance of a call
/// with `count`/`for_each`); `None` for anything else (the whole object, a splat, a
/// computed key).
fn output_read<'o>(operators: &[&'o TraversalOperator]) -> Option<(Option<InstanceKey>, &'o str)> {
    let attr = |i: usize| match operators.get(i) {
        Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
        _ => None,
    };
    let key = match operators.get(1)? {
        TraversalOperator::GetAttr(output) => return Some((None, output.as_str())),
        TraversalOperator::LegacyIndex(n) => InstanceKey::Int(i64::try_from(*n.value()).ok()?),
        TraversalOperator::Index(Expression::Number(n)) => InstanceKey::Int(n.value().as_i64()?),
        TraversalOperator::Index(Expression::String(s)) => {
            InstanceKey::Str(s.value().as_str().to_owned())
        }
        _ => return None,
    };
    Some((Some(key), attr(2)?))
}

/// `aws_s3_bucket.b` followed by attribute steps, as `ReferenceCollector` writes
/// references: the attribute steps up to the first index or splat.
fn reference_text(base: &str, operators: &[&TraversalOperator]) -> String {
    let mut reference = base.to_owned();
    for operator in operators {
        match operator {
            TraversalOperator::GetAttr(name) => {
                reference.push('.');
                reference.push_str(name.as_str());
            }
            _ => break,
        }
    }
    reference
}

/// An unknown value that also names the local or variable it came through.
fn with_reference(mut value: Value, reference: String) -> Value {
    if let Value::Unknown(unknown) = &mut value
        && !unknown.references.contains(&reference)
    {
        unknown.references.insert(0, reference);
    }
    value
}

fn get_attr(value: Value, name: &str) -> Eval {
    match value {
        Value::Map(mut map) => map
            .remove(name)
            .ok_or_else(|| Failure::Error(format!("the object has no attribute \"{name}\""))),
        Value::Sensitive(inner) => Ok(Value::Sensitive(Sensitive::new(get_attr(
            inner.expose().clone(),
            name,
        )?))),
        Value::Null => Err(Failure::Error(format!(
            "cannot read attribute \"{name}\" of null"
        ))),
        other => Err(Failure::Error(format!(
            "cannot read attribute \"{name}\" of a {}",
            values::type_name(&other)
        ))),
    }
}

fn get_index(value: Value, index: Value) -> Eval {
    let (index, index_marked) = values::unmark(index);
    if let Value::Unknown(_) = index {
        return Ok(index);
    }
    let result = match value {
        Value::List(mut items) => {
            let i = as_index(&index)?;
            if i >= items.len() {
                return Err(Failure::Error(format!(
                    "index {i} is out of range for a list of {}",
                    items.len()
                )));
            }
            items.swap_remove(i)
        }
        Value::Map(mut map) => {
            let key = to_template_string(&index)?;
            map.remove(&key)
                .ok_or_else(|| Failure::Error(format!("the map has no key \"{key}\"")))?
        }
        Value::Sensitive(inner) => {
            Value::Sensitive(Sensitive::new(get_index(inner.expose().clone(), index)?))
        }
        Value::Null => return Err(Failure::Error("cannot index null".into())),
        other => {
            return Err(Failure::Error(format!(
                "cannot index a {}",
                values::type_name(&other)
            )));
        }
    };
    Ok(values::mark(result, index_marked))
}

/// The (key, value) pairs of a collection a `for` iterates: list indexes or map keys.
fn iterate(collection: Value) -> Result<Vec<(Value, Value)>, Failure> {
    match collection {
        Value::List(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::Number((i as u64).into()), v))
            .collect()),
        Value::Map(map) => Ok(map
            .into_iter()
            .map(|(k, v)| (Value::String(k), v))
            .collect()),
        Value::Null => Err(Failure::Error("cannot iterate over null".into())),
        other => Err(Failure::Error(format!(
            "cannot iterate over a {}",
            values::type_name(&other)
        ))),
    }
}

/// The (key, value) pairs `for_each` makes: a map's entries, or a set's elements as
/// both key and value. Terraform's dynamic blocks also take lists (index keys).
pub(crate) fn iterate_for_each(collection: Value) -> Result<Vec<(Value, Value)>, Failure> {
    let items = iterate(collection)?;
    if items.len() > values::MAX_INSTANCES {
        return Err(Failure::Invalid(format!(
            "`for_each` makes {} blocks; reviewgate expands at most {}",
            items.len(),
            values::MAX_INSTANCES
        )));
    }
    Ok(items)
}

fn binary(operator: BinaryOperator, lhs: Value, rhs: Value) -> Eval {
    let (lhs, lhs_marked) = values::unmark(lhs);
    let (rhs, rhs_marked) = values::unmark(rhs);
    let marked = lhs_marked || rhs_marked;
    // `false && x` and `true || x` are known whatever x is, as in HCL.
    match operator {
        BinaryOperator::And if as_bool(&lhs) == Some(false) || as_bool(&rhs) == Some(false) => {
            return Ok(values::mark(Value::Bool(false), marked));
        }
        BinaryOperator::Or if as_bool(&lhs) == Some(true) || as_bool(&rhs) == Some(true) => {
            return Ok(values::mark(Value::Bool(true), marked));
        }
        _ => {}
    }
    if let Some(unknown) = unknown_among(&[lhs.clone(), rhs.clone()]) {
        return Ok(unknown);
    }
    let number = |v: &Value| {
        to_number(v).ok_or_else(|| {
            Failure::Error(format!(
                "an arithmetic or comparison operator needs numbers, not {}",
                values::type_name(v)
            ))
        })
    };
    let boolean = |v: &Value| {
        as_bool(v).ok_or_else(|| {
            Failure::Error(format!(
                "`&&` and `||` need bools, not {}",
                values::type_name(v)
            ))
        })
    };
    let result = match operator {
        BinaryOperator::Eq => Value::Bool(equal(&lhs, &rhs)),
        BinaryOperator::NotEq => Value::Bool(!equal(&lhs, &rhs)),
        BinaryOperator::And => Value::Bool(boolean(&lhs)? && boolean(&rhs)?),
        BinaryOperator::Or => Value::Bool(boolean(&lhs)? || boolean(&rhs)?),
        BinaryOperator::Less => Value::Bool(number(&lhs)? < number(&rhs)?),
        BinaryOperator::LessEq => Value::Bool(number(&lhs)? <= number(&rhs)?),
        BinaryOperator::Greater => Value::Bool(number(&lhs)? > number(&rhs)?),
        BinaryOperator::GreaterEq => Value::Bool(number(&lhs)? >= number(&rhs)?),
        BinaryOperator::Plus => number_from_f64(number(&lhs)? + number(&rhs)?)?,
        BinaryOperator::Minus => number_from_f64(number(&lhs)? - number(&rhs)?)?,
        BinaryOperator::Mul => number_from_f64(number(&lhs)? * number(&rhs)?)?,
        BinaryOperator::Div => {
            let divisor = number(&rhs)?;
            if divisor == 0.0 {
                return Err(Failure::Error("division by zero".into()));
            }
            number_from_f64(number(&lhs)? / divisor)?
        }
        BinaryOperator::Mod => {
            let divisor = number(&rhs)?;
            if divisor == 0.0 {
                return Err(Failure::Error("modulo by zero".into()));
            }
            number_from_f64(number(&lhs)? % divisor)?
        }
    };
    Ok(values::mark(result, marked))
}

/// An unknown value whose cause is an invalid expression.
pub(crate) fn invalid(message: &str, expression: Option<String>) -> Value {
    Value::Unknown(Box::new(Unknown {
        expression,
        references: Vec::new(),
        cause: UnknownCause::Invalid(message.to_owned()),
    }))
}
