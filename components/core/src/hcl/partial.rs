//! What an expression the parser could not evaluate still says as written: the
//! literal strings in it, what its templates interpolate, the functions it calls and
//! the references it makes.
//!
//! A value that depends on other values is [`Value::Unknown`](crate::value::Value::Unknown)
//! to rules, but much of it is often written out: a policy in `jsonencode({…})` with a
//! bucket ARN in it, user data in a heredoc with one `${var.region}`. Rules read those
//! parts through [`Partial`] instead of parsing HCL themselves, so that this module
//! stays the only place that parses the expression text again.

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Element, Template};

use super::number;
use crate::value::Unknown;

/// An expression as far as it is written out.
#[derive(Clone, Debug, PartialEq)]
pub enum Partial {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number literal.
    Number(serde_json::Number),
    /// A string, a template or a heredoc: literal text and what is interpolated into it.
    Text(Vec<Piece>),
    /// A tuple, `[…]`.
    List(Vec<Partial>),
    /// An object, `{…}`. A key is an expression too: `name` is the literal text
    /// `"name"`, `(var.k)` a reference.
    Object(Vec<(Partial, Partial)>),
    /// A call of a built-in function (one without a provider namespace).
    Call {
        /// The function's name (`jsonencode`, `base64encode`).
        name: String,
        /// Its arguments.
        args: Vec<Partial>,
    },
    /// A reference, as its root and attribute steps with indexes and splats left out:
    /// `aws_s3_bucket.b[0].arn` is `aws_s3_bucket.b.arn`, `var.x` is `var.x`.
    Reference(String),
    /// Anything else (conditionals, operators, `for` expressions, namespaced
    /// functions, indexes into computed values): nothing about it is written out.
    Opaque,
}

/// One piece of a string template.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// Text written as is.
    Literal(String),
    /// `${…}`.
    Interpolation(Partial),
    /// `%{ if … }`, `%{ for … }`: can repeat or drop any part of the text.
    Directive,
}

impl Partial {
    /// The written-out parts of an unknown value's expression. `None` when the value
    /// has no expression (a plan value known only after apply) or its text does not
    /// parse as an expression or, as `.tf.json` keeps templates unquoted, as a
    /// template.
    pub fn of(unknown: &Unknown) -> Option<Partial> {
        let source = unknown.expression.as_deref()?;
        // A heredoc's source text may lack the newline that ends it.
        let parsed = hcl_edit::parser::parse_expr(source)
            .or_else(|_| hcl_edit::parser::parse_expr(&format!("{source}\n")));
        if let Ok(expr) = parsed {
            return Some(Partial::from_expr(&expr));
        }
        if source.contains("${")
            && let Ok(template) = hcl_edit::parser::parse_template(source)
        {
            return Some(Partial::Text(pieces(&template)));
        }
        None
    }

    /// The text, when this is a string with no interpolation or directive.
    pub fn literal_text(&self) -> Option<String> {
        let Partial::Text(pieces) = self else {
            return None;
        };
        let mut text = String::new();
        for piece in pieces {
            match piece {
                Piece::Literal(literal) => text.push_str(literal),
                Piece::Interpolation(_) | Piece::Directive => return None,
            }
        }
        Some(text)
    }

    fn from_expr(expr: &Expression) -> Partial {
        match expr {
            Expression::Null(_) => Partial::Null,
            Expression::Bool(b) => Partial::Bool(*b.value()),
            Expression::Number(n) => number(n.value()).map_or(Partial::Opaque, Partial::Number),
            Expression::String(s) => Partial::Text(vec![Piece::Literal(s.value().clone())]),
            Expression::StringTemplate(template) => Partial::Text(pieces(template)),
            Expression::HeredocTemplate(heredoc) => Partial::Text(pieces(&heredoc.template)),
            Expression::Array(items) => {
                Partial::List(items.iter().map(Partial::from_expr).collect())
            }
            Expression::Object(object) => Partial::Object(
                object
                    .iter()
                    .map(|(key, value)| {
                        let key = match key {
                            ObjectKey::Ident(ident) => {
                                Partial::Text(vec![Piece::Literal(ident.as_str().to_owned())])
                            }
                            ObjectKey::Expression(key) => Partial::from_expr(key),
                        };
                        (key, Partial::from_expr(value.expr()))
                    })
                    .collect(),
            ),
            Expression::Parenthesis(inner) => Partial::from_expr(inner.inner()),
            Expression::Variable(root) => Partial::Reference(root.as_str().to_owned()),
            Expression::Traversal(traversal) => match &traversal.expr {
                Expression::Variable(root) => {
                    let mut reference = root.as_str().to_owned();
                    for operator in &traversal.operators {
                        if let TraversalOperator::GetAttr(name) = operator.value() {
                            reference.push('.');
                            reference.push_str(name.as_str());
                        }
                    }
                    Partial::Reference(reference)
                }
                _ => Partial::Opaque,
            },
            Expression::FuncCall(call) if call.name.namespace.is_empty() => Partial::Call {
                name: call.name.name.as_str().to_owned(),
                args: call.args.iter().map(Partial::from_expr).collect(),
            },
            _ => Partial::Opaque,
        }
    }
}

fn pieces(template: &Template) -> Vec<Piece> {
    template
        .iter()
        .map(|element| match element {
            Element::Literal(literal) => Piece::Literal(literal.value().clone()),
            Element::Interpolation(interpolation) => {
                Piece::Interpolation(Partial::from_expr(&interpolation.expr))
            }
            Element::Directive(_) => Piece::Directive,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(expression: &str) -> Option<Partial> {
        Partial::of(&Unknown {
            expression: Some(expression.to_owned()),
            references: Vec::new(),
            ..Unknown::default()
        })
    }

    fn literal(text: &str) -> Partial {
        Partial::Text(vec![Piece::Literal(text.to_owned())])
    }

    #[test]
    fn keeps_what_is_written_and_marks_the_rest() {
        assert_eq!(
            of(r#"jsonencode({ Action = "s3:*", (var.k) = [1, true, null], x = var.y ? 1 : 2 })"#),
            Some(Partial::Call {
                name: "jsonencode".into(),
                args: vec![Partial::Object(vec![
                    (literal("Action"), literal("s3:*")),
                    (
                        Partial::Reference("var.k".into()),
                        Partial::List(vec![
                            Partial::Number(1.into()),
                            Partial::Bool(true),
                            Partial::Null,
                        ])
                    ),
                    (literal("x"), Partial::Opaque),
                ])],
            })
        );
        assert_eq!(
            of(r#""${aws_s3_bucket.b[0].arn}/*""#),
            Some(Partial::Text(vec![
                Piece::Interpolation(Partial::Reference("aws_s3_bucket.b.arn".into())),
                Piece::Literal("/*".into()),
            ]))
        );
        assert_eq!(of("provider::aws::arn_parse(var.a)"), Some(Partial::Opaque));
        assert_eq!(literal("a").literal_text().as_deref(), Some("a"));
    }

    #[test]
    fn reads_heredocs_without_their_final_newline_and_json_templates() {
        let Some(Partial::Text(pieces)) =
            of("<<EOF\nexport A=${var.a}\n%{ if var.b }x%{ endif }\nEOF")
        else {
            panic!("heredoc");
        };
        assert!(pieces.contains(&Piece::Directive));
        assert!(pieces.contains(&Piece::Literal("export A=".into())));
        // `.tf.json` keeps a template string as written, without quotes.
        assert_eq!(
            of("${aws_sqs_queue.q.arn}"),
            Some(Partial::Text(vec![Piece::Interpolation(
                Partial::Reference("aws_sqs_queue.q.arn".into())
            )]))
        );
        assert_eq!(of("not an expression ]"), None);
        assert_eq!(Partial::of(&Unknown::after_apply()), None);
    }
}
