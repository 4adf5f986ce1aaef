//! A variable's value converted to its declared type, as Terraform does before the
//! module sees it: `"true"` to `true` for a `bool`, object attributes the type does
//! not declare dropped, and `optional(type, default)` attributes filled in.

use hcl_edit::expr::{Expression, ObjectKey};

use super::expr::{DataInstances, Eval, Evaluator, Frame, Names};
use super::values::{Failure, to_number};
use crate::value::{Text, Value, ValueMap};

/// A type's default values are literals: they name nothing.
#[derive(Default)]
struct NoNames {
    depth: std::cell::Cell<usize>,
}

impl Names for NoNames {
    fn variable(&self, _: &str) -> Value {
        Value::unknown(None, Vec::new())
    }
    fn local(&self, _: &str) -> Eval {
        Err(Failure::Invalid(
            "a type's default cannot refer to a local value".into(),
        ))
    }
    fn path(&self, _: &str) -> Value {
        Value::unknown(None, Vec::new())
    }
    fn step(&self) -> Result<(), Failure> {
        Ok(())
    }
    fn depth(&self) -> &std::cell::Cell<usize> {
        &self.depth
    }
    fn module(&self, call: &str) -> Result<Value, String> {
        Err(format!("module \"{call}\" is not evaluated"))
    }
    fn data_block(&self, _: &str, _: &str) -> Option<DataInstances> {
        None
    }
    fn data_attribute(&self, data_type: &str, name: &str, _: Option<&Value>, _: &str) -> Eval {
        Err(Failure::Invalid(format!(
            "a type's default cannot refer to data.{data_type}.{name}"
        )))
    }
}

/// Converts a value to the type constraint written as `type_text`. A constraint
/// that does not parse, and any value the conversion cannot apply to, is left as is:
/// Terraform would report the mismatch, and reviewgate is not its type checker.
pub(crate) fn convert(value: Value, type_text: &str) -> Value {
    match hcl_edit::parser::parse_expr(type_text) {
        Ok(ty) => convert_to(value, &ty, 0),
        Err(_) => value,
    }
}

fn convert_to(value: Value, ty: &Expression, depth: usize) -> Value {
    if depth > 32 || matches!(value, Value::Null | Value::Unknown(_) | Value::Sensitive(_)) {
        return value;
    }
    match ty {
        Expression::Variable(name) => match (name.as_str(), value) {
            ("string", Value::Number(n)) => Value::String(n.to_string().into()),
            ("string", Value::Bool(b)) => Value::String(b.to_string().into()),
            ("number", Value::String(s)) => match to_number(&Value::String(s.clone())) {
                Some(_) => serde_json::from_str::<serde_json::Number>(s.trim())
                    .map(Value::Number)
                    .unwrap_or(Value::String(s)),
                None => Value::String(s),
            },
            ("bool", Value::String(s)) if s == "true" || s == "false" => Value::Bool(s == "true"),
            (_, value) => value,
        },
        Expression::FuncCall(call) if call.name.namespace.is_empty() => {
            let args: Vec<&Expression> = call.args.iter().collect();
            match (call.name.name.as_str(), args.as_slice(), value) {
                ("list" | "set", [element], Value::List(items)) => Value::List(
                    items
                        .into_iter()
                        .map(|v| convert_to(v, element, depth + 1))
                        .collect(),
                ),
                ("map", [element], Value::Map(map)) => Value::Map(
                    map.into_iter()
                        .map(|(k, v)| (k, convert_to(v, element, depth + 1)))
                        .collect(),
                ),
                ("tuple", [Expression::Array(elements)], Value::List(items)) => Value::List(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| match elements.get(i) {
                            Some(element) => convert_to(v, element, depth + 1),
                            None => v,
                        })
                        .collect(),
                ),
                ("object", [Expression::Object(attributes)], Value::Map(mut map)) => {
                    let mut out = ValueMap::new();
                    for (key, attribute_type) in attributes.iter() {
                        let name: Text = match key {
                            ObjectKey::Ident(ident) => ident.as_str().into(),
                            ObjectKey::Expression(Expression::String(s)) => {
                                s.value().as_str().into()
                            }
                            ObjectKey::Expression(_) => continue,
                        };
                        let given = map.remove(&name).unwrap_or(Value::Null);
                        out.insert(name, attribute(given, attribute_type.expr(), depth));
                    }
                    Value::Map(out)
                }
                (_, _, value) => value,
            }
        }
        _ => value,
    }
}

/// One attribute of an object type: `optional(type, default)` fills a null.
fn attribute(given: Value, ty: &Expression, depth: usize) -> Value {
    if let Expression::FuncCall(call) = ty
        && call.name.name.as_str() == "optional"
    {
        let mut args = call.args.iter();
        let Some(inner) = args.next() else {
            return given;
        };
        let given = match (given, args.next()) {
            (Value::Null, Some(default)) => {
                let names = NoNames::default();
                let mut evaluator = Evaluator::new(&names, Frame::default(), "");
                evaluator.eval(default).unwrap_or(Value::Null)
            }
            (given, _) => given,
        };
        return convert_to(given, inner, depth + 1);
    }
    convert_to(given, ty, depth + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(json: &str) -> Value {
        serde_json::from_str(json).expect("json")
    }

    #[test]
    fn fills_optional_attributes_and_drops_undeclared_ones() {
        let ty = "list(object({ name = string, enabled = optional(bool, true), days = optional(number) }))";
        let converted = convert(
            value(r#"[{"name":"a","extra":1},{"name":"b","enabled":"false"}]"#),
            ty,
        );
        assert_eq!(
            converted,
            value(
                r#"[{"days":null,"enabled":true,"name":"a"},{"days":null,"enabled":false,"name":"b"}]"#
            )
        );
    }

    #[test]
    fn converts_primitives_and_leaves_mismatches() {
        assert_eq!(convert(value(r#""true""#), "bool"), Value::Bool(true));
        assert_eq!(convert(value(r#""5""#), "number"), value("5"));
        assert_eq!(convert(value("5"), "string"), value(r#""5""#));
        assert_eq!(convert(value(r#""x""#), "number"), value(r#""x""#));
        assert_eq!(
            convert(value(r#"{"a":"1"}"#), "map(number)"),
            value(r#"{"a":1}"#)
        );
        assert_eq!(convert(value("[1]"), "not a type ("), value("[1]"));
    }
}
