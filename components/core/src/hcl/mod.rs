//! Terraform native syntax (`.tf`, `.tfvars`, `.terraform.lock.hcl`) via `hcl-edit`,
//! which keeps byte spans so every resource and attribute gets its line numbers.
//!
//! Expressions are evaluated statically where Terraform would get the same answer
//! without any state: literals, collections of literals, templates without
//! interpolation, heredocs, unary minus/not, and `jsonencode`/`tolist`/`tomap`/`tostring` of
//! known values. Everything else becomes [`Value::Unknown`] carrying its
//! source text and the references it makes, so rules can say "cannot tell" or follow
//! the reference to another resource; [`Partial`] reads what such an expression still
//! writes out (literal strings, template text, function arguments), so that no rule
//! parses HCL itself.

use std::collections::BTreeMap;
use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::visit::{self, Visit};

use crate::address::{Address, Mode};
use crate::resource::{DynamicBlock, LineRange, Resource, ResourceMeta, SourceSpan, Suppression};
use crate::suppress;
use crate::terraform::{
    ArgumentSource, ConfigError, Local, LockedProvider, ModuleCall, Output, ParsedFile,
    ProviderConfig, Variable, VariableValue,
};
use crate::value::{Value, ValueMap};

mod partial;

/// Objects in an attribute's value get lines per entry this deep.
const MAX_ENTRY_DEPTH: usize = 16;

pub use partial::{Partial, Piece};

/// Parses a `.tf` file.
pub fn parse_terraform(path: &str, source: &str) -> Result<ParsedFile, ConfigError> {
    let body = parse_body(source)?;
    let ctx = Ctx::new(path, source);
    let mut parsed = ParsedFile::default();
    for structure in body.iter() {
        match structure {
            Structure::Block(block) => ctx.top_level_block(block, &mut parsed),
            Structure::Attribute(attr) => parsed.problems.push(ctx.error_at(
                attr.span(),
                format!(
                    "unexpected argument `{}` outside of any block",
                    attr.key.as_str()
                ),
            )),
        }
    }
    parsed.configuration.files.push(path.to_owned());
    Ok(parsed)
}

/// Parses a `.tfvars` file: top-level `name = value` assignments.
pub fn parse_tfvars(path: &str, source: &str) -> Result<ParsedFile, ConfigError> {
    let body = parse_body(source)?;
    let ctx = Ctx::new(path, source);
    let mut parsed = ParsedFile::default();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                parsed.configuration.variable_values.push(VariableValue {
                    name: attr.key.as_str().to_owned(),
                    value: ctx.eval(&attr.value),
                    source: ctx.span(attr.span()),
                    suppressions: ctx.suppressions(attr.span()),
                })
            }
            Structure::Block(block) => parsed.problems.push(ctx.error_at(
                block.span(),
                format!(
                    "blocks are not allowed in a variables file (found `{}`)",
                    block.ident.as_str()
                ),
            )),
        }
    }
    parsed.configuration.files.push(path.to_owned());
    Ok(parsed)
}

/// Parses one value written alone, as Terraform reads `-var NAME=VALUE` and
/// `TF_VAR_NAME` for a variable of a complex type (`["a", "b"]`, `{ k = 1 }`).
/// Whatever is not a literal stays unknown, for the caller to refuse.
pub fn parse_value(source: &str) -> Result<Value, ConfigError> {
    let expression = hcl_edit::parser::parse_expr(source).map_err(|e| ConfigError {
        line: e.location().line(),
        column: e.location().column(),
        message: e.message().to_owned(),
    })?;
    Ok(Ctx::new("", source).eval(&expression))
}

/// Parses `.terraform.lock.hcl`.
pub fn parse_lock_file(path: &str, source: &str) -> Result<ParsedFile, ConfigError> {
    let body = parse_body(source)?;
    let ctx = Ctx::new(path, source);
    let mut parsed = ParsedFile::default();
    for block in body.blocks().filter(|b| b.has_ident("provider")) {
        let Some(provider) = block.labels.first() else {
            parsed.problems.push(ctx.error_at(
                block.span(),
                "provider lock entry without a source address".into(),
            ));
            continue;
        };
        let attrs = ctx.attributes(&block.body);
        parsed.configuration.locked_providers.push(LockedProvider {
            provider: provider.as_str().to_owned(),
            version: attrs
                .get("version")
                .and_then(Value::as_str)
                .map(str::to_owned),
            constraints: attrs
                .get("constraints")
                .and_then(Value::as_str)
                .map(str::to_owned),
            hashes: attrs
                .get("hashes")
                .and_then(Value::as_list)
                .map_or(0, <[Value]>::len),
            source: ctx.span(block.span()),
        });
    }
    parsed.configuration.files.push(path.to_owned());
    Ok(parsed)
}

fn parse_body(source: &str) -> Result<Body, ConfigError> {
    hcl_edit::parser::parse_body(source).map_err(|e| ConfigError {
        line: e.location().line(),
        column: e.location().column(),
        message: e.message().to_owned(),
    })
}

/// Byte offset → line lookup, built once per file.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&start| start <= offset);
        (line, offset - self.starts[line.saturating_sub(1)] + 1)
    }

    /// Lines covered by a span. Spans of blocks include the newline after their
    /// closing brace, so trailing whitespace is left out.
    fn lines(&self, source: &str, span: &Range<usize>) -> LineRange {
        let text = source.get(span.clone()).unwrap_or_default();
        let end_offset = span.start + text.trim_end().len();
        let start = self.position(span.start).0;
        let end = self
            .position(end_offset.saturating_sub(1).max(span.start))
            .0;
        LineRange {
            start: start as u32,
            end: end as u32,
        }
    }
}

struct Ctx<'a> {
    path: &'a str,
    source: &'a str,
    lines: LineIndex,
    /// The source split into lines, for reading suppression comments.
    source_lines: Vec<&'a str>,
}

/// Meta-arguments that are not resource attributes.
const RESOURCE_META_ARGUMENTS: &[&str] = &["count", "for_each", "depends_on", "provider"];
/// Meta-blocks that are not nested configuration blocks of the resource type.
const RESOURCE_META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

impl<'a> Ctx<'a> {
    fn new(path: &'a str, source: &'a str) -> Self {
        Ctx {
            path,
            source,
            lines: LineIndex::new(source),
            source_lines: source.lines().collect(),
        }
    }

    fn span(&self, span: Option<Range<usize>>) -> SourceSpan {
        SourceSpan {
            file: self.path.to_owned(),
            lines: span.map(|s| self.lines.lines(self.source, &s)),
        }
    }

    /// The inline suppressions in and directly above what `span` covers.
    fn suppressions(&self, span: Option<Range<usize>>) -> Vec<Suppression> {
        span.map(|span| suppress::extract(&self.source_lines, self.lines.lines(self.source, &span)))
            .unwrap_or_default()
    }

    fn error_at(&self, span: Option<Range<usize>>, message: String) -> ConfigError {
        let (line, column) = span.map_or((1, 1), |s| self.lines.position(s.start));
        ConfigError {
            line,
            column,
            message,
        }
    }

    fn text(&self, span: Option<Range<usize>>) -> Option<String> {
        span.and_then(|s| self.source.get(s))
            .map(|t| t.trim().to_owned())
    }

    fn top_level_block(&self, block: &Block, parsed: &mut ParsedFile) {
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        let config = &mut parsed.configuration;
        let expect = |n: usize, what: &str| -> Result<(), ConfigError> {
            if labels.len() == n {
                Ok(())
            } else {
                Err(self.error_at(
                    block.span(),
                    format!(
                        "`{}` block needs {n} label{} ({what}), found {}",
                        block.ident.as_str(),
                        if n == 1 { "" } else { "s" },
                        labels.len()
                    ),
                ))
            }
        };
        let result = match block.ident.as_str() {
            kind @ ("resource" | "data") => expect(2, "type and name").map(|()| {
                let mode = if kind == "data" {
                    Mode::Data
                } else {
                    Mode::Managed
                };
                config
                    .resources
                    .push(self.resource(mode, labels[0], labels[1], block));
            }),
            "module" => expect(1, "name").map(|()| {
                let (mut inputs, attribute_lines) = self.attributes_with_lines(&block.body);
                let text = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_owned));
                let arguments = block
                    .body
                    .attributes()
                    .filter_map(|attr| {
                        let span = attr.span()?;
                        let source = ArgumentSource {
                            lines: self.lines.lines(self.source, &span),
                            suppressions: self.suppressions(Some(span)),
                        };
                        Some((attr.key.as_str().to_owned(), source))
                    })
                    .collect();
                config.module_calls.push(ModuleCall {
                    name: labels[0].to_owned(),
                    source_address: text(inputs.remove("source")),
                    version: text(inputs.remove("version")),
                    inputs,
                    source: self.span(block.span()),
                    arguments,
                    attribute_lines,
                });
            }),
            "variable" => expect(1, "name").map(|()| {
                let body = &block.body;
                let attr = |key: &str| body.get_attribute(key);
                config.variables.push(Variable {
                    name: labels[0].to_owned(),
                    default: attr("default").map(|a| self.eval(&a.value)),
                    type_constraint: attr("type").and_then(|a| self.text(a.value.span())),
                    description: attr("description")
                        .and_then(|a| self.eval(&a.value).as_str().map(str::to_owned)),
                    sensitive: attr("sensitive")
                        .and_then(|a| self.eval(&a.value).as_bool())
                        .unwrap_or(false),
                    source: self.span(block.span()),
                    suppressions: self.suppressions(block.span()),
                });
            }),
            "locals" => expect(0, "none").map(|()| {
                for attr in block.body.attributes() {
                    config.locals.push(Local {
                        name: attr.key.as_str().to_owned(),
                        value: self.eval(&attr.value),
                        source: self.span(attr.span()),
                        suppressions: self.suppressions(attr.span()),
                    });
                }
            }),
            "output" => expect(1, "name").map(|()| {
                let body = &block.body;
                config.outputs.push(Output {
                    name: labels[0].to_owned(),
                    value: body.get_attribute("value").map(|a| self.eval(&a.value)),
                    sensitive: body
                        .get_attribute("sensitive")
                        .and_then(|a| self.eval(&a.value).as_bool())
                        .unwrap_or(false),
                    source: self.span(block.span()),
                    suppressions: self.suppressions(block.span()),
                });
            }),
            "provider" => expect(1, "name").map(|()| {
                let (mut attributes, attribute_lines) = self.attributes_with_lines(&block.body);
                let alias = attributes
                    .remove("alias")
                    .and_then(|v| v.as_str().map(str::to_owned));
                config.providers.push(ProviderConfig {
                    name: labels[0].to_owned(),
                    alias,
                    attributes,
                    source: self.span(block.span()),
                    attribute_lines,
                });
            }),
            // terraform, moved, import, removed, check: nothing to review in them yet.
            _ => Ok(()),
        };
        if let Err(problem) = result {
            parsed.problems.push(problem);
        }
    }

    fn resource(&self, mode: Mode, resource_type: &str, name: &str, block: &Block) -> Resource {
        let mut attributes = ValueMap::new();
        let mut attribute_lines = BTreeMap::new();
        let mut meta = ResourceMeta::default();
        let mut provider = None;
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(attr)
                    if RESOURCE_META_ARGUMENTS.contains(&attr.key.as_str()) =>
                {
                    match attr.key.as_str() {
                        "count" => meta.count = Some(self.eval(&attr.value)),
                        "for_each" => meta.for_each = Some(self.eval(&attr.value)),
                        "depends_on" => meta.depends_on = self.reference_list(&attr.value),
                        _ => provider = self.text(attr.value.span()),
                    }
                }
                Structure::Block(b) if RESOURCE_META_BLOCKS.contains(&b.ident.as_str()) => {
                    if b.has_ident("lifecycle") {
                        let lifecycle = self.attributes(&b.body);
                        meta.prevent_destroy = lifecycle.get("prevent_destroy").cloned();
                        meta.create_before_destroy =
                            lifecycle.get("create_before_destroy").cloned();
                        meta.ignore_changes = lifecycle.get("ignore_changes").cloned();
                    }
                }
                _ => self.structure_into(
                    structure,
                    "",
                    &mut attributes,
                    &mut attribute_lines,
                    &mut meta.dynamic_blocks,
                ),
            }
        }
        Resource {
            address: Address::new(mode, resource_type, name),
            provider,
            attributes: attributes.into(),
            source: self.span(block.span()),
            attribute_lines,
            meta,
            suppressions: block
                .span()
                .map(|span| {
                    suppress::extract(&self.source_lines, self.lines.lines(self.source, &span))
                })
                .unwrap_or_default(),
            change: None,
            evaluated: None,
            provenance: Default::default(),
        }
    }

    /// The attributes of a body (nested blocks included), without line bookkeeping.
    fn attributes(&self, body: &Body) -> ValueMap {
        self.attributes_with_lines(body).0
    }

    /// The attributes of a body (nested blocks included) and where each is written,
    /// by dotted path.
    fn attributes_with_lines(&self, body: &Body) -> (ValueMap, BTreeMap<String, LineRange>) {
        let mut map = ValueMap::new();
        let mut lines = BTreeMap::new();
        let mut dynamic = Vec::new();
        for structure in body.iter() {
            self.structure_into(structure, "", &mut map, &mut lines, &mut dynamic);
        }
        (map, lines)
    }

    /// Adds where each entry of the objects written in a value is (`tags.owner`,
    /// `environment.0.value`), so that what is found inside an attribute points at
    /// its own line rather than the attribute's first.
    fn entry_lines(
        &self,
        path: &str,
        value: &Expression,
        lines: &mut BTreeMap<String, LineRange>,
        depth: usize,
    ) {
        // Deeper than anyone writes by hand; the bound keeps the recursion short.
        if depth > MAX_ENTRY_DEPTH {
            return;
        }
        match value {
            Expression::Object(object) => {
                for (key, entry) in object.iter() {
                    let name = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                        ObjectKey::Expression(_) => continue,
                    };
                    let (Some(from), Some(to)) = (key.span(), entry.expr().span()) else {
                        continue;
                    };
                    let entry_path = format!("{path}.{name}");
                    lines.insert(
                        entry_path.clone(),
                        self.lines.lines(self.source, &(from.start..to.end)),
                    );
                    self.entry_lines(&entry_path, entry.expr(), lines, depth + 1);
                }
            }
            Expression::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if !matches!(item, Expression::Object(_) | Expression::Array(_)) {
                        continue;
                    }
                    let Some(span) = item.span() else {
                        continue;
                    };
                    let item_path = format!("{path}.{i}");
                    lines.insert(item_path.clone(), self.lines.lines(self.source, &span));
                    self.entry_lines(&item_path, item, lines, depth + 1);
                }
            }
            Expression::Parenthesis(inner) => {
                self.entry_lines(path, inner.inner(), lines, depth + 1);
            }
            _ => {}
        }
    }

    /// Adds one attribute or nested block to `map`. Nested blocks become lists of maps
    /// (repeated blocks append), the shape plan JSON uses, so rules see one model.
    fn structure_into(
        &self,
        structure: &Structure,
        prefix: &str,
        map: &mut ValueMap,
        lines: &mut BTreeMap<String, LineRange>,
        dynamic: &mut Vec<DynamicBlock>,
    ) {
        match structure {
            Structure::Attribute(attr) => {
                let key = attr.key.as_str();
                let path = format!("{prefix}{key}");
                if let Some(span) = attr.span() {
                    lines.insert(path.clone(), self.lines.lines(self.source, &span));
                }
                self.entry_lines(&path, &attr.value, lines, 0);
                map.insert(key, self.eval(&attr.value));
            }
            Structure::Block(block) if block.has_ident("dynamic") => {
                // `dynamic "ingress" { for_each = …, content { … } }` expands into any
                // number of blocks: "cannot tell" until evaluation (`crate::evaluate`)
                // expands it from its text.
                let Some(label) = block.labels.first() else {
                    return;
                };
                if let Some(source) = self.text(block.span()) {
                    dynamic.push(DynamicBlock {
                        within: prefix.to_owned(),
                        name: label.as_str().to_owned(),
                        source,
                    });
                }
                let key = label.as_str().to_owned();
                if let Some(span) = block.span() {
                    lines.insert(
                        format!("{prefix}{key}"),
                        self.lines.lines(self.source, &span),
                    );
                }
                // Blocks written out beside it stay for evaluation to add to.
                if !matches!(map.get(&key), Some(Value::List(_))) {
                    let for_each = block.body.get_attribute("for_each");
                    map.insert(
                        key.as_str(),
                        Value::unknown(
                            Some(format!("dynamic \"{key}\" block")),
                            for_each.map(|a| references(&a.value)).unwrap_or_default(),
                        ),
                    );
                }
            }
            Structure::Block(block) => {
                let key = block.ident.as_str();
                let slot = map.get_or_insert_with(key, || Value::List(Vec::new()));
                if slot.is_unknown() && dynamic.iter().any(|d| d.within == prefix && d.name == key)
                {
                    // After a `dynamic` block of the same type: evaluation adds its
                    // blocks to these.
                    *slot = Value::List(Vec::new());
                }
                let Value::List(blocks) = slot else {
                    // An attribute and a block of the same name: keep the attribute.
                    return;
                };
                let index = blocks.len();
                let nested_prefix = format!("{prefix}{key}.{index}.");
                if let Some(span) = block.span() {
                    lines.insert(
                        format!("{prefix}{key}.{index}"),
                        self.lines.lines(self.source, &span),
                    );
                }
                let mut nested = ValueMap::new();
                for inner in block.body.iter() {
                    self.structure_into(inner, &nested_prefix, &mut nested, lines, dynamic);
                }
                blocks.push(Value::Map(nested));
            }
        }
    }

    fn reference_list(&self, expr: &Expression) -> Vec<String> {
        match expr {
            Expression::Array(items) => items.iter().filter_map(|e| self.text(e.span())).collect(),
            other => self.text(other.span()).into_iter().collect(),
        }
    }

    fn unknown(&self, expr: &Expression) -> Value {
        Value::unknown(self.text(expr.span()), references(expr))
    }

    /// Static evaluation; see the module documentation for what is evaluated.
    fn eval(&self, expr: &Expression) -> Value {
        match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => {
                number(n.value()).map_or_else(|| self.unknown(expr), Value::Number)
            }
            Expression::String(s) => Value::String(s.value().as_str().into()),
            Expression::Array(items) => Value::List(items.iter().map(|e| self.eval(e)).collect()),
            Expression::Object(object) => {
                let mut map = ValueMap::new();
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => ident.as_str().into(),
                        ObjectKey::Expression(key_expr) => match self.eval(key_expr) {
                            Value::String(s) => s,
                            // A computed key makes the whole object's shape unknown.
                            _ => return self.unknown(expr),
                        },
                    };
                    map.insert(key, self.eval(value.expr()));
                }
                Value::Map(map)
            }
            Expression::StringTemplate(template) => literal_template(template)
                .map_or_else(|| self.unknown(expr), |s| Value::String(s.into())),
            Expression::HeredocTemplate(heredoc) => literal_template(&heredoc.template)
                .map_or_else(|| self.unknown(expr), |s| Value::String(s.into())),
            Expression::Parenthesis(inner) => self.eval(inner.inner()),
            Expression::UnaryOp(op) => match (op.operator.value(), self.eval(&op.expr)) {
                (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                (UnaryOperator::Neg, Value::Number(n)) => {
                    negate(&n).map_or_else(|| self.unknown(expr), Value::Number)
                }
                _ => self.unknown(expr),
            },
            Expression::FuncCall(call)
                if call.name.namespace.is_empty() && call.args.len() == 1 =>
            {
                let Some(arg) = call.args.iter().next() else {
                    return self.unknown(expr);
                };
                let arg = self.eval(arg);
                match (call.name.name.as_str(), arg) {
                    ("jsonencode", value) => value
                        .to_json_string()
                        .map_or_else(|| self.unknown(expr), |s| Value::String(s.into())),
                    ("tolist", list @ Value::List(_)) => list,
                    ("tomap", map @ Value::Map(_)) => map,
                    ("tostring", string @ Value::String(_)) => string,
                    _ => self.unknown(expr),
                }
            }
            _ => self.unknown(expr),
        }
    }
}

pub(crate) fn number(n: &hcl_edit::Number) -> Option<serde_json::Number> {
    if let Some(u) = n.as_u64() {
        Some(u.into())
    } else if let Some(i) = n.as_i64() {
        Some(i.into())
    } else {
        n.as_f64().and_then(serde_json::Number::from_f64)
    }
}

fn negate(n: &serde_json::Number) -> Option<serde_json::Number> {
    if let Some(i) = n.as_i64() {
        i.checked_neg().map(Into::into)
    } else {
        n.as_f64().and_then(|f| serde_json::Number::from_f64(-f))
    }
}

/// The string a template stands for, when it has no interpolation or directive.
fn literal_template(template: &Template) -> Option<String> {
    let mut out = String::new();
    for element in template.iter() {
        match element {
            Element::Literal(text) => out.push_str(text.value()),
            _ => return None,
        }
    }
    Some(out)
}

/// Dotted references in an expression (`aws_s3_bucket.logs.id`, `var.name`), first
/// occurrence order, no duplicates. Index steps end a reference, as in Terraform's
/// own `references` lists for the attribute part.
pub(crate) fn references(expr: &Expression) -> Vec<String> {
    let mut collector = ReferenceCollector::default();
    collector.visit_expr(expr);
    collector.found
}

/// The references made by the interpolations of a template string (`.tf.json` values).
pub(crate) fn template_references(template: &str) -> Vec<String> {
    let Ok(parsed) = hcl_edit::parser::parse_template(template) else {
        return Vec::new();
    };
    let mut collector = ReferenceCollector::default();
    collector.visit_template(&parsed);
    collector.found
}

#[derive(Default)]
struct ReferenceCollector {
    found: Vec<String>,
}

impl ReferenceCollector {
    fn push(&mut self, reference: String) {
        if !self.found.contains(&reference) {
            self.found.push(reference);
        }
    }
}

impl Visit for ReferenceCollector {
    fn visit_traversal(&mut self, node: &hcl_edit::expr::Traversal) {
        if let Expression::Variable(root) = &node.expr {
            let mut reference = root.as_str().to_owned();
            for operator in &node.operators {
                match operator.value() {
                    TraversalOperator::GetAttr(name) => {
                        reference.push('.');
                        reference.push_str(name.as_str());
                    }
                    _ => break,
                }
            }
            self.push(reference);
        }
        // Index expressions can hold references of their own (`x[var.i]`).
        for operator in &node.operators {
            if let TraversalOperator::Index(index) = operator.value() {
                self.visit_expr(index);
            }
        }
        if !matches!(node.expr, Expression::Variable(_)) {
            self.visit_expr(&node.expr);
        }
    }

    fn visit_expr(&mut self, node: &Expression) {
        if let Expression::Variable(var) = node {
            self.push(var.as_str().to_owned());
            return;
        }
        visit::visit_expr(self, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
variable "region" {
  type    = string
  default = "eu-west-1"
}

locals {
  name = "logs"
}

resource "aws_s3_bucket" "logs" {
  bucket   = "${local.name}-bucket"
  count    = 2
  provider = aws.west

  versioning {
    enabled = true
  }

  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        kms_master_key_id = aws_kms_key.k.arn
        sse_algorithm     = "aws:kms"
      }
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
  description = <<-EOT
    line one
      line two
  EOT
  negative = -3
}

data "aws_caller_identity" "me" {}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.1.0"
  cidr    = "10.0.0.0/16"
}

output "arn" {
  value     = aws_s3_bucket.logs[0].arn
  sensitive = true
}
"#;

    fn parse(source: &str) -> ParsedFile {
        parse_terraform("main.tf", source).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn parses_blocks_with_addresses_and_lines() {
        let parsed = parse(SAMPLE);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let c = &parsed.configuration;
        let addresses: Vec<String> = c.resources.iter().map(|r| r.address.to_string()).collect();
        assert_eq!(
            addresses,
            [
                "aws_s3_bucket.logs",
                "aws_iam_policy.p",
                "data.aws_caller_identity.me"
            ]
        );
        let bucket = &c.resources[0];
        assert_eq!(bucket.source.lines, Some(LineRange { start: 11, end: 32 }));
        assert_eq!(
            bucket.lines_of("versioning.0.enabled"),
            Some(LineRange { start: 17, end: 17 })
        );
        assert_eq!(
            bucket.lines_of("server_side_encryption_configuration.0.rule.0.apply_server_side_encryption_by_default.0.sse_algorithm"),
            Some(LineRange { start: 24, end: 24 })
        );
        assert_eq!(
            bucket.attribute("versioning.0.enabled"),
            Some(&Value::Bool(true))
        );
        assert_eq!(bucket.meta.count, Some(Value::Number(2.into())));
        assert_eq!(bucket.meta.prevent_destroy, Some(Value::Bool(true)));
        assert_eq!(bucket.provider.as_deref(), Some("aws.west"));
        assert!(!bucket.attributes.contains_key("lifecycle"));

        let kms = bucket
            .attribute("server_side_encryption_configuration.0.rule.0.apply_server_side_encryption_by_default.0.kms_master_key_id")
            .expect("kms key");
        assert_eq!(
            kms,
            &Value::unknown(
                Some("aws_kms_key.k.arn".into()),
                vec!["aws_kms_key.k.arn".into()]
            )
        );
        match bucket.attribute("bucket") {
            Some(Value::Unknown(u)) => assert_eq!(u.references, ["local.name"]),
            other => panic!("template should be unknown, got {other:?}"),
        }
    }

    #[test]
    fn evaluates_jsonencode_heredoc_and_negation() {
        let parsed = parse(SAMPLE);
        let policy = &parsed.configuration.resources[1];
        assert_eq!(
            policy.attribute("policy").and_then(Value::as_str),
            Some(
                r#"{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}"#
            )
        );
        assert_eq!(
            policy.attribute("description").and_then(Value::as_str),
            Some("line one\n  line two\n")
        );
        assert_eq!(
            policy.attribute("negative").and_then(Value::as_f64),
            Some(-3.0)
        );
    }

    #[test]
    fn parses_variables_locals_modules_outputs() {
        let c = parse(SAMPLE).configuration;
        assert_eq!(c.variables[0].name, "region");
        assert_eq!(
            c.variables[0].default,
            Some(Value::String("eu-west-1".into()))
        );
        assert_eq!(c.variables[0].type_constraint.as_deref(), Some("string"));
        assert_eq!(c.locals[0].value, Value::String("logs".into()));
        assert_eq!(
            c.module_calls[0].source_address.as_deref(),
            Some("terraform-aws-modules/vpc/aws")
        );
        assert_eq!(c.module_calls[0].version.as_deref(), Some("5.1.0"));
        assert!(c.module_calls[0].inputs.contains_key("cidr"));
        assert!(c.outputs[0].sensitive);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err =
            parse_terraform("bad.tf", "resource \"a\" \"b\" {\n  x = \n}\n").expect_err("invalid");
        assert_eq!((err.line, err.column), (2, 7), "{err}");
        assert!(!err.message.is_empty());
        let err =
            parse_terraform("bad.tf", "resource \"a\" \"b\" {\n  x = 1\n").expect_err("unclosed");
        assert!(err.line >= 2, "{err}");
    }

    #[test]
    fn a_malformed_block_is_reported_and_the_rest_still_parses() {
        let parsed = parse("resource \"only_type\" {\n}\n\nresource \"a\" \"b\" {\n  x = 1\n}\n");
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 1);
        assert!(
            parsed.problems[0].message.contains("needs 2 labels"),
            "{}",
            parsed.problems[0]
        );
        assert_eq!(parsed.configuration.resources.len(), 1);
    }

    #[test]
    fn dynamic_blocks_are_unknown() {
        let parsed = parse(
            "resource \"aws_security_group\" \"sg\" {\n  dynamic \"ingress\" {\n    for_each = var.rules\n    content {\n      from_port = ingress.value\n    }\n  }\n}\n",
        );
        match parsed.configuration.resources[0].attribute("ingress") {
            Some(Value::Unknown(u)) => assert_eq!(u.references, ["var.rules"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_tfvars_and_lock_files() {
        let vars = parse_tfvars(
            "prod.tfvars",
            "region = \"eu-west-1\"\ntags = { team = \"x\" }\n",
        )
        .expect("valid");
        assert_eq!(vars.configuration.variable_values.len(), 2);
        assert_eq!(
            vars.configuration.variable_values[1].source.lines,
            Some(LineRange { start: 2, end: 2 })
        );
        let lock = parse_lock_file(
            ".terraform.lock.hcl",
            "provider \"registry.terraform.io/hashicorp/aws\" {\n  version     = \"5.31.0\"\n  constraints = \"~> 5.0\"\n  hashes = [\"h1:a\", \"zh:b\"]\n}\n",
        )
        .expect("valid");
        let p = &lock.configuration.locked_providers[0];
        assert_eq!(
            (p.version.as_deref(), p.constraints.as_deref(), p.hashes),
            (Some("5.31.0"), Some("~> 5.0"), 2)
        );
    }
}
