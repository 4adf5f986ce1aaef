use crate::changeset::{ChangeSet, Document, Origin};
use crate::resource::Resource;
use crate::review::review;
use crate::value::{UnknownCause, Value};

fn change_set(files: &[(&str, &str)]) -> ChangeSet {
    ChangeSet::from_documents(
        Origin::Local,
        files
            .iter()
            .map(|(path, text)| Document::detect(*path, *text)),
    )
}

fn one(files: &[(&str, &str)]) -> ChangeSet {
    let cs = change_set(files);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    cs
}

fn resource<'a>(cs: &'a ChangeSet, address: &str) -> &'a Resource {
    cs.configuration
        .resources
        .iter()
        .find(|r| r.address.to_string() == address)
        .unwrap_or_else(|| {
            let all: Vec<String> = cs
                .configuration
                .resources
                .iter()
                .map(|r| r.address.to_string())
                .collect();
            panic!("no {address} among {all:?}")
        })
}

fn addresses(cs: &ChangeSet) -> Vec<String> {
    cs.configuration
        .resources
        .iter()
        .map(|r| r.address.to_string())
        .collect()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn attr<'a>(r: &'a Resource, path: &str) -> &'a Value {
    r.attribute(path)
        .unwrap_or_else(|| panic!("{} has no {path}: {:?}", r.address, r.attributes))
}

fn cause(value: &Value) -> &UnknownCause {
    match value {
        Value::Unknown(u) => &u.cause,
        other => panic!("expected an unknown value, got {other}"),
    }
}

fn rule_hits(cs: &ChangeSet, rule: &str) -> Vec<String> {
    review(cs)
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| f.resource.clone().unwrap_or_default())
        .collect()
}

// Values.

#[test]
fn variables_take_defaults_then_terraform_tfvars_then_auto_tfvars() {
    let cs = one(&[
        (
            "m/variables.tf",
            r#"
variable "a" { default = "default-a" }
variable "b" { default = "default-b" }
variable "c" { default = "default-c" }
variable "d" { default = "default-d" }
variable "flag" { type = bool }
"#,
        ),
        (
            "m/terraform.tfvars",
            "b = \"tfvars-b\"\nc = \"tfvars-c\"\nflag = \"true\"\n",
        ),
        ("m/z.auto.tfvars", "c = \"auto-c\"\n"),
        // Only loaded with -var-file: not by Terraform's own rules.
        ("m/prod.tfvars", "d = \"prod-d\"\n"),
        (
            "m/main.tf",
            r#"resource "x_thing" "t" {
  a = var.a
  b = var.b
  c = var.c
  d = var.d
  flag = var.flag
}"#,
        ),
    ]);
    let t = resource(&cs, "x_thing.t");
    assert_eq!(attr(t, "a"), &json(r#""default-a""#));
    assert_eq!(attr(t, "b"), &json(r#""tfvars-b""#));
    assert_eq!(attr(t, "c"), &json(r#""auto-c""#));
    assert_eq!(attr(t, "d"), &json(r#""default-d""#));
    // Converted to the declared type.
    assert_eq!(attr(t, "flag"), &Value::Bool(true));
}

fn with_inputs(files: &[(&str, &str)], inputs: &crate::VariableInputs) -> ChangeSet {
    ChangeSet::from_documents_with_inputs(
        Origin::Local,
        files
            .iter()
            .map(|(path, text)| Document::detect(*path, *text)),
        inputs,
    )
}

fn var(name: &str, value: &str) -> crate::CommandLineVariable {
    crate::CommandLineVariable::Var {
        name: name.into(),
        value: value.into(),
    }
}

fn var_file(path: &str, text: &str) -> crate::CommandLineVariable {
    crate::CommandLineVariable::File(Document::detect(path, text))
}

/// One variable per precedence step, each set by every step up to its own: the
/// value seen is the step's.
const PRECEDENCE_FILES: &[(&str, &str)] = &[
    (
        "variables.tf",
        r#"
variable "default" { default = "default" }
variable "env" { default = "default" }
variable "tfvars" { default = "default" }
variable "tfvars_json" { default = "default" }
variable "auto" { default = "default" }
variable "auto_json" { default = "default" }
variable "cli" { default = "default" }
"#,
    ),
    (
        "terraform.tfvars",
        "tfvars = \"tfvars\"\ntfvars_json = \"tfvars\"\nauto = \"tfvars\"\nauto_json = \"tfvars\"\ncli = \"tfvars\"\n",
    ),
    (
        "terraform.tfvars.json",
        r#"{"tfvars_json": "tfvars.json", "auto": "tfvars.json", "auto_json": "tfvars.json", "cli": "tfvars.json"}"#,
    ),
    // Lexical order: a.auto.tfvars, then b.auto.tfvars.json.
    (
        "b.auto.tfvars.json",
        r#"{"auto_json": "b.auto.tfvars.json", "cli": "b.auto"}"#,
    ),
    (
        "a.auto.tfvars",
        "auto = \"a.auto\"\nauto_json = \"a.auto\"\ncli = \"a.auto\"\n",
    ),
    (
        "main.tf",
        r#"resource "x_thing" "t" {
  default     = var.default
  env         = var.env
  tfvars      = var.tfvars
  tfvars_json = var.tfvars_json
  auto        = var.auto
  auto_json   = var.auto_json
  cli         = var.cli
}"#,
    ),
];

#[test]
fn outside_values_take_terraforms_precedence() {
    let everywhere = ["env", "tfvars", "tfvars_json", "auto", "auto_json", "cli"];
    let inputs = crate::VariableInputs {
        environment: everywhere
            .iter()
            .map(|n| ((*n).to_owned(), "env".to_owned()))
            .collect(),
        command_line: vec![
            var("cli", "first"),
            var_file("prod.tfvars", "cli = \"file\"\n"),
            var("cli", "cli"),
        ],
    };
    let cs = with_inputs(PRECEDENCE_FILES, &inputs);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let t = resource(&cs, "x_thing.t");
    for (name, expected) in [
        ("default", "default"),
        ("env", "env"),
        ("tfvars", "tfvars"),
        ("tfvars_json", "tfvars.json"),
        ("auto", "a.auto"),
        ("auto_json", "b.auto.tfvars.json"),
        ("cli", "cli"),
    ] {
        assert_eq!(attr(t, name), &Value::String(expected.into()), "{name}");
    }
}

#[test]
fn a_later_var_file_beats_an_earlier_var() {
    let inputs = crate::VariableInputs {
        environment: Vec::new(),
        command_line: vec![
            var("cli", "var"),
            var_file("late.tfvars.json", r#"{"cli": "late file"}"#),
        ],
    };
    let cs = with_inputs(PRECEDENCE_FILES, &inputs);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    assert_eq!(
        attr(resource(&cs, "x_thing.t"), "cli"),
        &Value::String("late file".into())
    );
}

#[test]
fn var_values_are_raw_strings_for_primitive_types_and_expressions_otherwise() {
    let files = [
        (
            "variables.tf",
            r#"
variable "untyped" {}
variable "name" { type = string }
variable "port" { type = number }
variable "public" { type = bool }
variable "cidrs" { type = list(string) }
variable "tags" { type = map(string) }
"#,
        ),
        (
            "main.tf",
            r#"resource "x_thing" "t" {
  untyped = var.untyped
  name    = var.name
  port    = var.port
  public  = var.public
  cidrs   = var.cidrs
  tags    = var.tags
}"#,
        ),
    ];
    let inputs = crate::VariableInputs {
        environment: vec![("tags".into(), r#"{ team = "a", env = "prod" }"#.into())],
        command_line: vec![
            var("untyped", r#"["not", "a", "list"]"#),
            var("name", r#""quoted""#),
            var("port", "443"),
            var("public", "true"),
            var("cidrs", r#"["0.0.0.0/0"]"#),
        ],
    };
    let cs = with_inputs(&files, &inputs);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let t = resource(&cs, "x_thing.t");
    assert_eq!(
        attr(t, "untyped"),
        &Value::String(r#"["not", "a", "list"]"#.into())
    );
    assert_eq!(attr(t, "name"), &Value::String(r#""quoted""#.into()));
    assert_eq!(attr(t, "port"), &json("443"));
    assert_eq!(attr(t, "public"), &Value::Bool(true));
    assert_eq!(attr(t, "cidrs"), &json(r#"["0.0.0.0/0"]"#));
    assert_eq!(attr(t, "tags"), &json(r#"{"env": "prod", "team": "a"}"#));
}

#[test]
fn bad_outside_values_are_input_errors() {
    let files = [
        (
            "variables.tf",
            "variable \"cidrs\" { type = list(string) }\nvariable \"tags\" { type = map(string) }\n",
        ),
        (
            "main.tf",
            "resource \"x_thing\" \"t\" {\n  cidrs = var.cidrs\n  tags = var.tags\n}\n",
        ),
    ];
    let inputs = crate::VariableInputs {
        environment: vec![("tags".into(), "{ team = ".into())],
        command_line: vec![
            var("cidrs", "[var.other]"),
            var("undeclared", "x"),
            var_file("broken.tfvars", "cidrs = [\n"),
        ],
    };
    let cs = with_inputs(&files, &inputs);
    let errors: Vec<(String, String)> = cs
        .errors
        .iter()
        .map(|e| (e.file.clone(), e.message.clone()))
        .collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors[0].0 == "broken.tfvars" && errors[0].1.starts_with("variables file:"),
        "{errors:?}"
    );
    assert!(
        errors[1].0 == "-var undeclared" && errors[1].1.contains("no root module"),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(f, m)| f == "-var cidrs" && m.contains("must be a literal")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(f, m)| f == "TF_VAR_tags" && m.contains("not a valid expression")),
        "{errors:?}"
    );
    // A value that cannot be read leaves the attribute unknown, never a pass.
    let t = resource(&cs, "x_thing.t");
    assert!(attr(t, "cidrs").is_unknown());
    assert!(attr(t, "tags").is_unknown());
}

#[test]
fn outside_values_reach_root_modules_only() {
    let files = [
        ("variables.tf", "variable \"name\" { default = \"root\" }\n"),
        (
            "main.tf",
            "module \"child\" {\n  source = \"./child\"\n}\nresource \"x_thing\" \"t\" { name = var.name }\n",
        ),
        (
            "child/variables.tf",
            "variable \"name\" { default = \"child\" }\n",
        ),
        (
            "child/main.tf",
            "resource \"x_thing\" \"c\" { name = var.name }\n",
        ),
    ];
    let inputs = crate::VariableInputs {
        environment: Vec::new(),
        command_line: vec![var("name", "given")],
    };
    let cs = with_inputs(&files, &inputs);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    assert_eq!(
        attr(resource(&cs, "x_thing.t"), "name"),
        &json(r#""given""#)
    );
    assert_eq!(
        attr(resource(&cs, "module.child.x_thing.c"), "name"),
        &json(r#""child""#)
    );
}

#[test]
fn variables_and_locals_belong_to_their_directory() {
    let cs = one(&[
        ("a/vars.tf", "variable \"name\" { default = \"from-a\" }\n"),
        ("b/vars.tf", "variable \"name\" { default = \"from-b\" }\n"),
        (
            "a/main.tf",
            "resource \"x_thing\" \"t\" { name = var.name }\n",
        ),
        (
            "b/main.tf",
            "resource \"x_thing\" \"u\" { name = var.name }\n",
        ),
    ]);
    assert_eq!(
        attr(resource(&cs, "x_thing.t"), "name"),
        &json(r#""from-a""#)
    );
    assert_eq!(
        attr(resource(&cs, "x_thing.u"), "name"),
        &json(r#""from-b""#)
    );
}

#[test]
fn optional_attributes_of_object_types_take_their_defaults() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "settings" {
  type = object({
    encrypted = optional(bool, true)
    name      = string
  })
  default = { name = "db" }
}
resource "x_thing" "t" {
  encrypted = var.settings.encrypted
  name      = var.settings.name
}"#,
    )]);
    let t = resource(&cs, "x_thing.t");
    assert_eq!(attr(t, "encrypted"), &Value::Bool(true));
    assert_eq!(attr(t, "name"), &json(r#""db""#));
}

#[test]
fn evaluates_locals_conditionals_for_expressions_splats_and_templates() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "env" { default = "prod" }
variable "subnets" { default = { a = "10.0.1.0/24", b = "10.0.2.0/24" } }
locals {
  name     = "${var.env}-logs"
  is_prod  = var.env == "prod"
  cidrs    = [for k, v in var.subnets : v if k != "b"]
  by_name  = { for k, v in var.subnets : upper(k) => v }
  grouped  = { for v in ["x", "y", "x"] : v => v... }
  objects  = [{ id = 1 }, { id = 2 }]
  ids      = local.objects[*].id
  legacy   = local.objects.*.id
  heredoc  = <<-EOT
    name=${local.name}
    %{ if local.is_prod }prod%{ else }dev%{ endif }
    %{ for c in local.cidrs }${c};%{ endfor }
  EOT
}
resource "x_thing" "t" {
  name     = local.name
  size     = local.is_prod ? 3 * 2 + 1 : 1
  cidrs    = local.cidrs
  by_name  = local.by_name
  grouped  = local.grouped
  ids      = local.ids
  legacy   = local.legacy
  heredoc  = local.heredoc
  negative = -local.objects[1].id
  nested   = { inner = [local.name, !local.is_prod] }
}"#,
    )]);
    let t = resource(&cs, "x_thing.t");
    assert_eq!(attr(t, "name"), &json(r#""prod-logs""#));
    assert_eq!(attr(t, "size"), &json("7"));
    assert_eq!(attr(t, "cidrs"), &json(r#"["10.0.1.0/24"]"#));
    assert_eq!(
        attr(t, "by_name"),
        &json(r#"{"A":"10.0.1.0/24","B":"10.0.2.0/24"}"#)
    );
    assert_eq!(attr(t, "grouped"), &json(r#"{"x":["x","x"],"y":["y"]}"#));
    assert_eq!(attr(t, "ids"), &json("[1,2]"));
    assert_eq!(attr(t, "legacy"), &json("[1,2]"));
    assert_eq!(
        attr(t, "heredoc"),
        &json(r#""name=prod-logs\nprod\n10.0.1.0/24;\n""#)
    );
    assert_eq!(attr(t, "negative"), &json("-2"));
    assert_eq!(attr(t, "nested"), &json(r#"{"inner":["prod-logs",false]}"#));
}

#[test]
fn evaluates_the_functions_modules_use_most() {
    let cases: &[(&str, &str)] = &[
        (
            r#"merge({ a = 1, b = 2 }, null, { b = 3 })"#,
            r#"{"a":1,"b":3}"#,
        ),
        (r#"lookup({ a = 1 }, "b", "fallback")"#, r#""fallback""#),
        (
            r#"try(jsondecode("not json"), { x = 1 }.y, "caught")"#,
            r#""caught""#,
        ),
        (r#"[can({ a = 1 }.a), can({ a = 1 }.b)]"#, "[true,false]"),
        (r#"coalesce(null, "", "first")"#, r#""first""#),
        (r#"concat(["a"], [], ["b", "c"])"#, r#"["a","b","c"]"#),
        (r#"join("-", ["a", "b"], ["c"])"#, r#""a-b-c""#),
        (r#"split(",", "a,b,,c")"#, r#"["a","b","","c"]"#),
        (
            r#"format("%s-%03d-%v-%.2f-%%", "x", 7, true, 1.5)"#,
            r#""x-007-true-1.50-%""#,
        ),
        (
            r#"[length("héllo"), length([1, 2]), length({ a = 1 })]"#,
            "[5,2,1]",
        ),
        (r#"element(["a", "b", "c"], 4)"#, r#""b""#),
        (r#"keys({ b = 1, a = 2 })"#, r#"["a","b"]"#),
        (r#"values({ b = 1, a = 2 })"#, "[2,1]"),
        (
            r#"[contains(["a"], "a"), contains(["a"], "b")]"#,
            "[true,false]",
        ),
        (r#"flatten([["a"], [["b"], []], "c"])"#, r#"["a","b","c"]"#),
        (r#"distinct(["b", "a", "b"])"#, r#"["b","a"]"#),
        (r#"toset(["b", "a", "b"])"#, r#"["a","b"]"#),
        (r#"tolist(["a"])"#, r#"["a"]"#),
        (r#"tomap({ a = "x" })"#, r#"{"a":"x"}"#),
        (
            r#"jsonencode({ b = [1, "x"], a = null })"#,
            r#""{\"a\":null,\"b\":[1,\"x\"]}""#,
        ),
        (r#"jsondecode("{\"a\": [true]}")"#, r#"{"a":[true]}"#),
        (
            r#"[lower("AbC"), upper("AbC"), title("hello world")]"#,
            r#"["abc","ABC","Hello World"]"#,
        ),
        (r#"replace("a-b-c", "-", "_")"#, r#""a_b_c""#),
        (r#"cidrsubnet("10.0.0.0/16", 8, 2)"#, r#""10.0.2.0/24""#),
        (
            r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#,
            r#""fd00:fd12:3456:7800:a200::/72""#,
        ),
        (
            r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#,
            r#"["10.1.0.0/20","10.1.16.0/20","10.1.32.0/24","10.1.48.0/20"]"#,
        ),
        (r#"cidrhost("10.12.112.0/20", 16)"#, r#""10.12.112.16""#),
        (r#"[for i in range(3) : i * 2]"#, "[0,2,4]"),
        (r#"zipmap(["a", "b"], [1, 2])"#, r#"{"a":1,"b":2}"#),
        (
            r#"[min(3, 1, 2), max(3, 1, 2), ceil(1.2), floor(1.8), abs(-2)]"#,
            "[1,3,2,1,2]",
        ),
        (r#"compact(["a", "", null, "b"])"#, r#"["a","b"]"#),
        (
            r#"[trimprefix("s3://b", "s3://"), trimsuffix("a.json", ".json"), trimspace("  x ")]"#,
            r#"["b","a","x"]"#,
        ),
        (
            r#"[startswith("arn:aws", "arn:"), endswith("x.tf", ".tf")]"#,
            "[true,true]",
        ),
        (r#"substr("hello", 1, 3)"#, r#""ell""#),
        (r#"one([])"#, "null"),
        (
            r#"[alltrue([true, true]), anytrue([false])]"#,
            "[true,false]",
        ),
        (r#"base64encode("hello")"#, r#""aGVsbG8=""#),
        (r#"tostring(5)"#, r#""5""#),
        (r#"tonumber("42")"#, "42"),
        (r#"setunion(["a"], ["b", "a"])"#, r#"["a","b"]"#),
        (r#"sort(["b", "c", "a"])"#, r#"["a","b","c"]"#),
        (r#"reverse([1, 2])"#, "[2,1]"),
        (r#"slice(["a", "b", "c"], 1, 3)"#, r#"["b","c"]"#),
        (
            r#"formatlist("%s.example", ["a", "b"])"#,
            r#"["a.example","b.example"]"#,
        ),
        (r#"join(",", [["a"], ["b"]]...)"#, r#""a,b""#),
    ];
    let mut body = String::new();
    for (i, (expression, _)) in cases.iter().enumerate() {
        body.push_str(&format!("  a{i} = {expression}\n"));
    }
    let cs = one(&[(
        "main.tf",
        &format!("resource \"x_thing\" \"t\" {{\n{body}}}\n"),
    )]);
    let t = resource(&cs, "x_thing.t");
    for (i, (expression, expected)) in cases.iter().enumerate() {
        assert_eq!(attr(t, &format!("a{i}")), &json(expected), "{expression}");
    }
}

/// `slice` past a list's end fails in Terraform, so a slice of a list not known
/// statically (the zones a data source returns) that evaluates has exactly its
/// length: what is counted by it, or indexed by its keys, is known.
#[test]
fn a_slice_of_an_unknown_list_has_a_known_length() {
    let cs = one(&[(
        "main.tf",
        r#"
data "aws_availability_zones" "available" {}
variable "end" {}
locals {
  azs     = slice(data.aws_availability_zones.available.names, 0, 3)
  subnets = [for k, v in local.azs : cidrsubnet("10.0.0.0/16", 8, k)]
}
resource "aws_subnet" "s" {
  count             = length(local.subnets)
  cidr_block        = local.subnets[count.index]
  availability_zone = local.azs[count.index]
}
resource "x_thing" "t" {
  open_end = slice(data.aws_availability_zones.available.names, 0, var.end)
  backward = try(slice(data.aws_availability_zones.available.names, 2, 1), "failed")
}"#,
    )]);
    let subnets: Vec<String> = addresses(&cs)
        .into_iter()
        .filter(|a| a.starts_with("aws_subnet"))
        .collect();
    assert_eq!(
        subnets,
        ["aws_subnet.s[0]", "aws_subnet.s[1]", "aws_subnet.s[2]"]
    );
    let last = resource(&cs, "aws_subnet.s[2]");
    assert_eq!(attr(last, "cidr_block"), &json(r#""10.0.2.0/24""#));
    assert_eq!(
        unknown_of(attr(last, "availability_zone")).reason(),
        "read by the provider during plan (data source data.aws_availability_zones.available)"
    );
    let t = resource(&cs, "x_thing.t");
    assert_eq!(
        cause(attr(t, "open_end")),
        &UnknownCause::NoValue("end".into())
    );
    assert_eq!(attr(t, "backward"), &json(r#""failed""#));
}

#[test]
fn unknown_values_say_why_they_are_unknown() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "region" {}
resource "aws_kms_key" "k" {}
resource "x_thing" "t" {
  region     = var.region
  key        = aws_kms_key.k.arn
  both       = "${var.region}/${aws_kms_key.k.arn}"
  data_value = data.aws_caller_identity.me.account_id
  from_mod   = module.network.vpc_id
  regexed    = regex("a+", "caaa")
  workspace  = terraform.workspace
}"#,
    )]);
    let t = resource(&cs, "x_thing.t");
    assert_eq!(
        cause(attr(t, "region")),
        &UnknownCause::NoValue("region".into())
    );
    let Value::Unknown(region) = attr(t, "region") else {
        unreachable!()
    };
    assert_eq!(region.reason(), "no value given for variable \"region\"");
    let Value::Unknown(key) = attr(t, "key") else {
        panic!("the key is unknown")
    };
    assert_eq!(key.cause, UnknownCause::AfterApply);
    assert_eq!(key.reason(), "known only after apply (aws_kms_key.k.arn)");
    assert_eq!(key.expression.as_deref(), Some("aws_kms_key.k.arn"));
    // A template of both names both; the missing variable is the better reason.
    let Value::Unknown(both) = attr(t, "both") else {
        panic!("unknown")
    };
    assert_eq!(both.references, ["var.region", "aws_kms_key.k.arn"]);
    assert_eq!(both.cause, UnknownCause::NoValue("region".into()));
    let Value::Unknown(data) = attr(t, "data_value") else {
        panic!("unknown")
    };
    assert_eq!(
        data.reason(),
        "read by the provider during plan (data source data.aws_caller_identity.me)"
    );
    assert!(
        matches!(cause(attr(t, "from_mod")), UnknownCause::Outside(m) if m.contains("module \"network\""))
    );
    assert!(matches!(cause(attr(t, "regexed")), UnknownCause::Outside(m) if m.contains("`regex`")));
    assert!(matches!(
        cause(attr(t, "workspace")),
        UnknownCause::Outside(_)
    ));
}

// Data sources.

fn unknown_of(value: &Value) -> &crate::value::Unknown {
    match value {
        Value::Unknown(u) => u,
        other => panic!("expected an unknown value, got {other}"),
    }
}

#[test]
fn a_data_sources_arguments_are_facts_and_its_other_attributes_name_it() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "service" { default = "s3" }
data "aws_kms_alias" "s3" { name = "alias/aws/${var.service}" }
data "aws_iam_policy" "admin" { arn = "arn:aws:iam::aws:policy/AdministratorAccess" }
resource "x_thing" "t" {
  alias_name = data.aws_kms_alias.s3.name
  shouted    = upper(data.aws_kms_alias.s3.name)
  key_arn    = data.aws_kms_alias.s3.target_key_arn
  policy_arn = data.aws_iam_policy.admin.arn
  policy_id  = data.aws_iam_policy.admin.id
}"#,
    )]);
    let t = resource(&cs, "x_thing.t");
    assert_eq!(attr(t, "alias_name"), &json(r#""alias/aws/s3""#));
    assert_eq!(attr(t, "shouted"), &json(r#""ALIAS/AWS/S3""#));
    assert_eq!(
        attr(t, "policy_arn"),
        &json(r#""arn:aws:iam::aws:policy/AdministratorAccess""#)
    );
    let key = unknown_of(attr(t, "key_arn"));
    assert_eq!(key.cause, UnknownCause::AfterApply);
    assert_eq!(key.references, ["data.aws_kms_alias.s3.target_key_arn"]);
    assert_eq!(
        key.reason(),
        "read by the provider during plan (data source data.aws_kms_alias.s3)"
    );
    assert_eq!(
        unknown_of(attr(t, "policy_id")).references,
        ["data.aws_iam_policy.admin.id"]
    );
    // The data block itself is evaluated like a resource.
    let alias = resource(&cs, "data.aws_kms_alias.s3");
    assert_eq!(attr(alias, "name"), &json(r#""alias/aws/s3""#));
}

#[test]
fn data_sources_with_count_or_for_each_are_read_per_instance() {
    let cs = one(&[(
        "main.tf",
        r#"
data "aws_kms_alias" "numbered" {
  count = 2
  name  = count.index == 0 ? "alias/aws/s3" : "alias/mine"
}
data "aws_kms_alias" "keyed" {
  for_each = { s3 = "aws/s3", app = "app" }
  name     = "alias/${each.value}"
}
resource "x_thing" "t" {
  first   = data.aws_kms_alias.numbered[0].name
  second  = data.aws_kms_alias.numbered[1].name
  app     = data.aws_kms_alias.keyed["app"].name
  arn     = data.aws_kms_alias.keyed["s3"].arn
  missing = try(data.aws_kms_alias.numbered[5].name, "none")
  nokey   = try(data.aws_kms_alias.keyed["db"].name, "none")
  names   = data.aws_kms_alias.numbered[*].name
}
resource "x_thing" "each" {
  count = 2
  name  = data.aws_kms_alias.numbered[count.index].name
}"#,
    )]);
    let t = resource(&cs, "x_thing.t");
    assert_eq!(attr(t, "first"), &json(r#""alias/aws/s3""#));
    assert_eq!(attr(t, "second"), &json(r#""alias/mine""#));
    assert_eq!(attr(t, "app"), &json(r#""alias/app""#));
    // An attribute the provider returns names the instance read, as a plan does.
    assert_eq!(
        unknown_of(attr(t, "arn")).references,
        [
            "data.aws_kms_alias.keyed.arn",
            "data.aws_kms_alias.keyed[\"s3\"]"
        ]
    );
    assert_eq!(attr(t, "missing"), &json(r#""none""#));
    assert_eq!(attr(t, "nokey"), &json(r#""none""#));
    // A splat over the instances is left to the provider.
    assert_eq!(
        unknown_of(attr(t, "names")).references,
        ["data.aws_kms_alias.numbered"]
    );
    assert_eq!(
        attr(resource(&cs, "x_thing.each[1]"), "name"),
        &json(r#""alias/mine""#)
    );
    assert_eq!(
        attr(resource(&cs, "data.aws_kms_alias.keyed[\"app\"]"), "name"),
        &json(r#""alias/app""#)
    );
}

#[test]
fn an_unknown_instance_key_leaves_the_attribute_unknown_for_the_keys_reason() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "which" {}
data "aws_kms_alias" "numbered" {
  count = 2
  name  = "alias/${count.index}"
}
resource "x_thing" "t" {
  name = data.aws_kms_alias.numbered[var.which].name
}"#,
    )]);
    let name = unknown_of(attr(resource(&cs, "x_thing.t"), "name"));
    assert_eq!(name.cause, UnknownCause::NoValue("which".into()));
    assert!(
        name.references
            .contains(&"data.aws_kms_alias.numbered.name".to_owned()),
        "{:?}",
        name.references
    );
}

#[test]
fn a_data_source_that_waits_for_a_resource_is_known_only_after_apply() {
    let cs = one(&[(
        "main.tf",
        r#"
resource "aws_kms_key" "k" {}
data "aws_kms_key" "by_id" { key_id = aws_kms_key.k.key_id }
resource "aws_s3_bucket" "b" {}
data "aws_iam_policy_document" "read" {
  dynamic "statement" {
    for_each = ["s3:GetObject"]
    content {
      actions   = [statement.value]
      resources = ["${aws_s3_bucket.b.arn}/*"]
    }
  }
}
resource "x_thing" "t" {
  arn    = data.aws_kms_key.by_id.arn
  key_id = data.aws_kms_key.by_id.key_id
  policy = data.aws_iam_policy_document.read.json
}"#,
    )]);
    let t = resource(&cs, "x_thing.t");
    // What a `dynamic` block makes counts too.
    assert_eq!(
        unknown_of(attr(t, "policy")).reason(),
        "known only after apply (aws_s3_bucket.b.arn)"
    );
    let arn = unknown_of(attr(t, "arn"));
    // Terraform reads the data source during apply, once the key exists.
    assert_eq!(
        arn.reason(),
        "known only after apply (aws_kms_key.k.key_id)"
    );
    assert_eq!(arn.references[0], "data.aws_kms_key.by_id.arn");
    let key_id = unknown_of(attr(t, "key_id"));
    assert_eq!(
        key_id.references,
        ["data.aws_kms_key.by_id.key_id", "aws_kms_key.k.key_id"]
    );
    assert_eq!(
        key_id.reason(),
        "known only after apply (aws_kms_key.k.key_id)"
    );
}

#[test]
fn a_modules_data_sources_read_each_instances_variables() {
    let cs = one(&[
        (
            "main.tf",
            r#"
module "aws_managed" {
  source = "./key"
  alias  = "alias/aws/s3"
}
module "own" {
  source = "./key"
  alias  = "alias/own"
}"#,
        ),
        (
            "key/main.tf",
            r#"
variable "alias" {}
data "aws_kms_alias" "this" { name = var.alias }
resource "x_thing" "t" { name = data.aws_kms_alias.this.name }"#,
        ),
    ]);
    for (address, expected) in [
        ("module.aws_managed.x_thing.t", r#""alias/aws/s3""#),
        ("module.own.x_thing.t", r#""alias/own""#),
    ] {
        assert_eq!(attr(resource(&cs, address), "name"), &json(expected));
    }
}

#[test]
fn an_invalid_data_source_argument_is_one_input_error_wherever_it_is_read() {
    let cs = change_set(&[(
        "main.tf",
        r#"
data "aws_kms_alias" "bad" {
  name = True
}
resource "x_thing" "t" {
  name = data.aws_kms_alias.bad.name
  arn  = data.aws_kms_alias.bad.arn
}"#,
    )]);
    assert_eq!(cs.errors.len(), 1, "{:?}", cs.errors);
    assert_eq!(cs.errors[0].line, Some(3));
    assert!(
        cs.errors[0].message.contains("unknown name `True`"),
        "{:?}",
        cs.errors
    );
    let t = resource(&cs, "x_thing.t");
    assert!(matches!(cause(attr(t, "name")), UnknownCause::Invalid(_)));
}

#[test]
fn data_sources_that_refer_to_each_other_in_a_cycle_are_an_input_error() {
    let cs = change_set(&[(
        "main.tf",
        r#"
data "x_a" "a" { v = data.x_b.b.v }
data "x_b" "b" { v = data.x_a.a.v }
resource "x_thing" "t" { v = data.x_a.a.v }"#,
    )]);
    assert_eq!(cs.errors.len(), 1, "{:?}", cs.errors);
    for error in &cs.errors {
        assert!(
            error
                .message
                .contains("data sources refer to each other in a cycle"),
            "{:?}",
            cs.errors
        );
    }
    assert!(matches!(
        cause(attr(resource(&cs, "x_thing.t"), "v")),
        UnknownCause::Invalid(_)
    ));
}

#[test]
fn an_unknown_name_is_an_input_error_not_a_value_known_after_apply() {
    let cs = change_set(&[(
        "main.tf",
        "resource \"aws_db_instance\" \"db\" {\n  storage_encrypted = True\n}\n",
    )]);
    assert_eq!(cs.errors.len(), 1, "{:?}", cs.errors);
    let error = &cs.errors[0];
    assert_eq!((error.file.as_str(), error.line), ("main.tf", Some(2)));
    assert!(
        error.message.contains("unknown name `True`"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("did you mean `true`"),
        "{}",
        error.message
    );
    let db = resource(&cs, "aws_db_instance.db");
    assert!(matches!(
        cause(attr(db, "storage_encrypted")),
        UnknownCause::Invalid(_)
    ));
}

#[test]
fn a_failing_expression_is_unknown_as_invalid_without_stopping_the_rest() {
    let cs = one(&[(
        "main.tf",
        "resource \"x_thing\" \"t\" {\n  bad  = { a = 1 }.b\n  good = 1 + 1\n}\n",
    )]);
    let t = resource(&cs, "x_thing.t");
    let Value::Unknown(bad) = attr(t, "bad") else {
        panic!("unknown")
    };
    assert!(
        bad.reason().contains("no attribute \"b\""),
        "{}",
        bad.reason()
    );
    assert_eq!(attr(t, "good"), &json("2"));
}

#[test]
fn a_cycle_between_locals_is_one_input_error_naming_it() {
    let cs = change_set(&[(
        "main.tf",
        "locals {\n  a = local.b\n  b = \"${local.c}-x\"\n  c = local.a\n  ok = 1\n}\nresource \"x_thing\" \"t\" {\n  v = local.a\n  w = local.ok\n}\n",
    )]);
    assert_eq!(cs.errors.len(), 1, "{:?}", cs.errors);
    let message = &cs.errors[0].message;
    assert!(message.contains("cycle"), "{message}");
    for local in ["local.a", "local.b", "local.c"] {
        assert!(message.contains(local), "{message}");
    }
    let t = resource(&cs, "x_thing.t");
    assert!(matches!(cause(attr(t, "v")), UnknownCause::Invalid(_)));
    assert_eq!(attr(t, "w"), &json("1"));
}

#[test]
fn runaway_inputs_stop_quickly_with_an_input_error() {
    let started = std::time::Instant::now();
    // Each local doubles the one before: 2^40 elements if nothing stopped it.
    let mut doubling = String::from("locals {\n  l0 = [\"x\"]\n");
    for i in 1..=40 {
        doubling.push_str(&format!("  l{i} = [local.l{}, local.l{}]\n", i - 1, i - 1));
    }
    doubling.push_str("}\nresource \"x_thing\" \"t\" { v = local.l40 }\n");
    let strings = "locals {\n  s0 = \"xxxxxxxxxxxxxxxx\"\n".to_owned()
        + &(1..=40)
            .map(|i| format!("  s{i} = \"${{local.s{}}}${{local.s{}}}\"\n", i - 1, i - 1))
            .collect::<String>()
        + "}\n";
    // 60 locals, each nesting 60 deep: too deep together, though each parses.
    let mut nested = String::from("locals {\n  n0 = 1\n");
    for i in 1..60 {
        nested.push_str(&format!(
            "  n{i} = {}local.n{}{}\n",
            "[".repeat(60),
            i - 1,
            "]".repeat(60)
        ));
    }
    nested.push_str("}\nresource \"x_thing\" \"n\" { v = local.n59 }\n");
    let cs = change_set(&[
        ("double/main.tf", &doubling),
        ("strings/main.tf", &strings),
        (
            "runaway/main.tf",
            "resource \"x_thing\" \"many\" {\n  count = 100000\n}\nresource \"x_thing\" \"each\" {\n  for_each = toset([for i in range(20000) : tostring(i)])\n}\nresource \"x_thing\" \"range\" { v = range(10000000) }\n",
        ),
        ("nested/main.tf", &nested),
    ]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let messages: Vec<&str> = cs.errors.iter().map(|e| e.message.as_str()).collect();
    let has = |file: &str, text: &str| {
        cs.errors
            .iter()
            .any(|e| e.file == file && e.message.contains(text))
    };
    assert!(has("double/main.tf", "larger than"), "{messages:?}");
    assert!(has("strings/main.tf", "longer than"), "{messages:?}");
    assert!(has("runaway/main.tf", "`count` is 100000"), "{messages:?}");
    assert!(
        has("runaway/main.tf", "makes 20000 instances"),
        "{messages:?}"
    );
    assert!(
        has("runaway/main.tf", "`range` makes more than"),
        "{messages:?}"
    );
    assert!(has("nested/main.tf", "nest more than"), "{messages:?}");
    // A resource whose expansion was refused is kept once, not dropped.
    assert!(
        addresses(&cs).contains(&"x_thing.many".to_owned()),
        "{:?}",
        addresses(&cs)
    );
}

// Instances.

#[test]
fn count_makes_exactly_its_instances_and_zero_makes_none() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "create" { default = false }
variable "names" { default = ["a", "b"] }
resource "aws_s3_bucket" "off" {
  count  = var.create ? 1 : 0
  bucket = "never"
}
resource "x_thing" "t" {
  count = length(var.names)
  name  = "${var.names[count.index]}-${count.index}"
}"#,
    )]);
    assert_eq!(addresses(&cs), ["x_thing.t[0]", "x_thing.t[1]"]);
    assert_eq!(
        attr(resource(&cs, "x_thing.t[1]"), "name"),
        &json(r#""b-1""#)
    );
    assert!(
        review(&cs)
            .findings
            .iter()
            .all(|f| !f.message.contains("never"))
    );
    assert!(rule_hits(&cs, "RG-AWS-S3-004").is_empty());
}

#[test]
fn for_each_makes_one_instance_per_key_with_each_key_and_value() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "queues" { default = { orders = 30, emails = 60 } }
resource "x_queue" "q" {
  for_each = var.queues
  name     = "${each.key}-queue"
  timeout  = each.value
}
resource "x_thing" "s" {
  for_each = toset(["b", "a"])
  name     = each.value
}
resource "x_thing" "none" {
  for_each = {}
}"#,
    )]);
    assert_eq!(
        addresses(&cs),
        [
            r#"x_queue.q["emails"]"#,
            r#"x_queue.q["orders"]"#,
            r#"x_thing.s["a"]"#,
            r#"x_thing.s["b"]"#
        ]
    );
    let q = resource(&cs, r#"x_queue.q["orders"]"#);
    assert_eq!(attr(q, "name"), &json(r#""orders-queue""#));
    assert_eq!(attr(q, "timeout"), &json("30"));
}

#[test]
fn an_unknown_count_keeps_one_instance_whose_index_is_unknown_for_that_reason() {
    let cs = one(&[(
        "main.tf",
        "variable \"n\" {}\nresource \"x_thing\" \"t\" {\n  count = var.n\n  name  = \"x-${count.index}\"\n}\n",
    )]);
    assert_eq!(addresses(&cs), ["x_thing.t"]);
    let t = resource(&cs, "x_thing.t");
    assert_eq!(cause(attr(t, "name")), &UnknownCause::NoValue("n".into()));
}

#[test]
fn known_dynamic_blocks_expand_and_unknown_ones_stay_unknown() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "rules" {
  default = [{ port = 443, cidrs = ["10.0.0.0/8"] }, { port = 80, cidrs = [] }]
}
variable "unset" {}
resource "aws_security_group" "sg" {
  ingress {
    from_port = 22
  }
  dynamic "ingress" {
    for_each = var.rules
    iterator = rule
    content {
      from_port = rule.value.port
      to_port   = rule.value.port
      dynamic "note" {
        for_each = rule.value.cidrs
        content {
          cidr = note.value
          n    = note.key
        }
      }
    }
  }
  dynamic "egress" {
    for_each = var.unset
    content {
      from_port = egress.value
    }
  }
}"#,
    )]);
    let sg = resource(&cs, "aws_security_group.sg");
    assert_eq!(
        attr(sg, "ingress"),
        &json(
            r#"[{"from_port":22},
                {"from_port":443,"to_port":443,"note":[{"cidr":"10.0.0.0/8","n":0}]},
                {"from_port":80,"to_port":80}]"#
        )
    );
    assert_eq!(
        cause(attr(sg, "egress")),
        &UnknownCause::NoValue("unset".into())
    );
}

#[test]
fn a_dynamic_encryption_rule_reads_as_encryption_present() {
    let bucket = r#"
variable "sse" {
  default = { rule = { apply_server_side_encryption_by_default = { sse_algorithm = "aws:kms" } } }
}
resource "aws_s3_bucket" "b" { bucket = "b" }
resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  bucket = aws_s3_bucket.b.id
  dynamic "rule" {
    for_each = try(flatten([var.sse["rule"]]), [])
    content {
      dynamic "apply_server_side_encryption_by_default" {
        for_each = try([rule.value.apply_server_side_encryption_by_default], [])
        content {
          sse_algorithm = apply_server_side_encryption_by_default.value.sse_algorithm
        }
      }
    }
  }
}"#;
    let cs = one(&[("main.tf", bucket)]);
    let config = resource(&cs, "aws_s3_bucket_server_side_encryption_configuration.b");
    assert_eq!(
        attr(
            config,
            "rule.0.apply_server_side_encryption_by_default.0.sse_algorithm"
        ),
        &json(r#""aws:kms""#)
    );
    assert!(rule_hits(&cs, "RG-AWS-S3-003").is_empty());
}

// References.

#[test]
fn resources_linked_through_locals_and_splats_stay_linked() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "create" { default = true }
locals {
  bucket_id = aws_s3_bucket.this[0].id
  joined    = join("", aws_s3_bucket.other[*].id)
}
resource "aws_s3_bucket" "this" {
  count  = var.create ? 1 : 0
  bucket = "this"
}
resource "aws_s3_bucket" "other" {
  count  = 1
  bucket = "other"
}
resource "aws_s3_bucket_public_access_block" "this" {
  count                   = var.create ? 1 : 0
  bucket                  = local.bucket_id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
resource "aws_s3_bucket_versioning" "this" {
  bucket = local.bucket_id
  versioning_configuration { status = "Enabled" }
}
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = local.bucket_id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "AES256" }
  }
}
resource "aws_s3_bucket_public_access_block" "other" {
  bucket                  = local.joined
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
resource "aws_s3_bucket_versioning" "other" {
  bucket = local.joined
  versioning_configuration { status = "Enabled" }
}
resource "aws_s3_bucket_server_side_encryption_configuration" "other" {
  bucket = local.joined
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "AES256" }
  }
}"#,
    )]);
    let Value::Unknown(link) = attr(resource(&cs, "aws_s3_bucket_versioning.this"), "bucket")
    else {
        panic!("a bucket id is known only after apply")
    };
    assert_eq!(link.references, ["local.bucket_id", "aws_s3_bucket.this"]);
    assert_eq!(link.expression.as_deref(), Some("local.bucket_id"));
    for rule in ["RG-AWS-S3-001", "RG-AWS-S3-003", "RG-AWS-S3-004"] {
        assert_eq!(rule_hits(&cs, rule), Vec::<String>::new(), "{rule}");
    }
}

#[test]
fn a_variable_default_decides_a_rule() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "encrypted" { default = false }
resource "aws_db_instance" "db" {
  storage_encrypted = var.encrypted
}"#,
    )]);
    assert_eq!(rule_hits(&cs, "RG-AWS-RDS-001"), ["aws_db_instance.db"]);
}

#[test]
fn a_secret_in_a_variable_default_is_reported_where_it_is_written() {
    let cs = one(&[(
        "main.tf",
        "variable \"key\" {\n  default = \"AKIAIOSFODNN7REALKEY\"\n}\nresource \"aws_instance\" \"a\" {\n  count     = 2\n  user_data = \"export AWS_ACCESS_KEY_ID=${var.key}\"\n}\n",
    )]);
    let lines: Vec<(String, Option<u32>)> = review(&cs)
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("RG-SECRET"))
        .map(|f| (f.rule_id.to_string(), f.line))
        .collect();
    assert_eq!(lines, [("RG-SECRET-001".to_owned(), Some(1))]);
}

#[test]
fn undetermined_checks_give_the_true_cause() {
    let cs = one(&[(
        "main.tf",
        r#"
variable "encrypted" {}
resource "aws_db_instance" "db" {
  storage_encrypted = var.encrypted
}
resource "aws_kms_key" "k" {}
resource "aws_db_instance" "after_apply" {
  storage_encrypted = aws_kms_key.k.enable_key_rotation
}"#,
    )]);
    let review = review(&cs);
    let reason = |resource: &str| {
        review
            .undetermined
            .iter()
            .find(|u| u.rule_id == "RG-AWS-RDS-001" && u.resource == resource)
            .map(|u| u.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        reason("aws_db_instance.db").contains("no value given for variable \"encrypted\""),
        "{}",
        reason("aws_db_instance.db")
    );
    assert!(
        !reason("aws_db_instance.after_apply").contains("variable"),
        "{}",
        reason("aws_db_instance.after_apply")
    );
}

#[test]
fn terraform_json_templates_are_evaluated_too() {
    let cs = one(&[(
        "main.tf.json",
        r#"{
  "variable": { "env": { "default": "prod" } },
  "locals": { "prefix": "${var.env}-data" },
  "resource": {
    "aws_s3_bucket": { "b": { "bucket": "${local.prefix}-${upper(var.env)}", "count": 2 } }
  }
}"#,
    )]);
    assert_eq!(addresses(&cs), ["aws_s3_bucket.b[0]", "aws_s3_bucket.b[1]"]);
    assert_eq!(
        attr(resource(&cs, "aws_s3_bucket.b[1]"), "bucket"),
        &json(r#""prod-data-PROD""#)
    );
}

#[test]
fn invalid_locals_are_reported_in_the_order_they_are_written_even_when_unused() {
    let cs = change_set(&[(
        "main.tf",
        "locals {\n  z = True\n  a = Null\n  m = False\n}\n",
    )]);
    let messages: Vec<&str> = cs.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    for (message, local) in messages.iter().zip(["local.z", "local.a", "local.m"]) {
        assert!(message.starts_with(local), "{messages:?}");
    }
    assert_eq!(cs.errors[1].line, Some(3));
}

// Modules.

const BUCKET_MODULE: &str = r#"
variable "name" {}
variable "versioned" { default = false }
resource "aws_s3_bucket" "this" {
  bucket = var.name
}
resource "aws_s3_bucket_versioning" "this" {
  count  = var.versioned ? 1 : 0
  bucket = aws_s3_bucket.this.id
  versioning_configuration { status = "Enabled" }
}
output "bucket_name" { value = aws_s3_bucket.this.bucket }
output "given" { value = var.name }
"#;

#[test]
fn a_local_module_is_evaluated_once_per_call_with_the_calls_inputs() {
    let cs = one(&[
        (
            "root/main.tf",
            r#"
module "logs" {
  source    = "../modules/bucket"
  name      = "logs-bucket"
  versioned = true
}
module "many" {
  source = "../modules/bucket"
  count  = 2
  name   = "many-${count.index}"
}
resource "x_thing" "t" {
  name = module.logs.given
  ids  = module.many[*].given
}"#,
        ),
        ("modules/bucket/main.tf", BUCKET_MODULE),
    ]);
    assert_eq!(
        addresses(&cs),
        [
            "module.logs.aws_s3_bucket.this",
            "module.logs.aws_s3_bucket_versioning.this[0]",
            "module.many[0].aws_s3_bucket.this",
            "module.many[1].aws_s3_bucket.this",
            "x_thing.t",
        ]
    );
    let bucket = resource(&cs, "module.many[1].aws_s3_bucket.this");
    assert_eq!(bucket.source.file, "modules/bucket/main.tf");
    assert_eq!(attr(bucket, "bucket"), &json(r#""many-1""#));
    let t = resource(&cs, "x_thing.t");
    assert_eq!(attr(t, "name"), &json(r#""logs-bucket""#));
    assert_eq!(attr(t, "ids"), &json(r#"["many-0","many-1"]"#));
    // Findings point into the module and name the call.
    let review = review(&cs);
    let versioning: Vec<(String, String)> = review
        .findings
        .iter()
        .filter(|f| f.rule_id == "RG-AWS-S3-004")
        .map(|f| {
            (
                f.resource.clone().unwrap_or_default(),
                f.file.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        versioning,
        [
            (
                "module.many[0].aws_s3_bucket.this".to_owned(),
                "modules/bucket/main.tf".to_owned()
            ),
            (
                "module.many[1].aws_s3_bucket.this".to_owned(),
                "modules/bucket/main.tf".to_owned()
            ),
        ]
    );
}

#[test]
fn a_module_that_is_not_reviewed_says_so_where_its_outputs_are_used() {
    let cs = one(&[(
        "main.tf",
        r#"
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
module "missing" {
  source = "./modules/not-here"
}
resource "x_thing" "t" {
  vpc   = module.vpc.vpc_id
  other = module.missing.id
}"#,
    )]);
    let t = resource(&cs, "x_thing.t");
    let Value::Unknown(vpc) = attr(t, "vpc") else {
        panic!("unknown")
    };
    assert_eq!(
        vpc.reason(),
        "module \"vpc\" (terraform-aws-modules/vpc/aws) is not evaluated"
    );
    assert_eq!(vpc.references, ["module.vpc.vpc_id"]);
    let Value::Unknown(other) = attr(t, "other") else {
        panic!("unknown")
    };
    assert!(
        other.reason().contains("./modules/not-here"),
        "{}",
        other.reason()
    );
}

#[test]
fn a_module_of_outputs_alone_is_evaluated() {
    let cs = one(&[
        (
            "main.tf",
            "module \"naming\" {\n  source = \"./modules/naming\"\n}\nresource \"x_thing\" \"t\" {\n  name = module.naming.prefix\n}\n",
        ),
        (
            "modules/naming/outputs.tf",
            "output \"prefix\" {\n  value = \"acme\"\n}\n",
        ),
    ]);
    assert_eq!(attr(resource(&cs, "x_thing.t"), "name"), &json(r#""acme""#));
    assert!(review(&cs).not_evaluated.is_empty());
}

#[test]
fn modules_that_call_each_other_are_an_input_error() {
    let cs = change_set(&[
        (
            "a/main.tf",
            "module \"b\" {\n  source = \"../b\"\n}\nresource \"x_thing\" \"a\" {}\n",
        ),
        (
            "b/main.tf",
            "module \"a\" {\n  source = \"../a\"\n}\nresource \"x_thing\" \"b\" {}\n",
        ),
        ("root/main.tf", "module \"a\" {\n  source = \"../a\"\n}\n"),
    ]);
    let messages: Vec<&str> = cs.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("cycle: root → a → b → a"),
        "{messages:?}"
    );
    assert_eq!(
        addresses(&cs),
        ["module.a.module.b.x_thing.b", "module.a.x_thing.a"]
    );
}

mod arbitrary {
    use super::change_set;
    use proptest::prelude::*;

    /// Expressions that parse, built from any function, operator and value, with
    /// any arguments: most fail to evaluate, none may panic or hang.
    fn expression() -> impl Strategy<Value = String> {
        let leaf = proptest::sample::select(vec![
            "local.a",
            "local.b",
            "var.v",
            "var.m",
            "count.index",
            "x.y.z",
            "1",
            "-1",
            "1e300",
            "0.5",
            "4294967296",
            "128",
            "\"s\"",
            "\"10.0.0.0/8\"",
            "\"::/0\"",
            "\"%5.2f %-3s %d %q %v\"",
            "\"${var.v}\"",
            "null",
            "true",
            "[]",
            "{}",
            "[1, \"a\", null]",
            "{ k = [1, 2] }",
            "True",
        ])
        .prop_map(str::to_owned);
        leaf.prop_recursive(4, 24, 3, |inner| {
            let function = proptest::sample::select(vec![
                "merge",
                "lookup",
                "element",
                "slice",
                "range",
                "substr",
                "cidrsubnet",
                "cidrhost",
                "cidrsubnets",
                "cidrnetmask",
                "format",
                "formatlist",
                "split",
                "join",
                "flatten",
                "jsondecode",
                "jsonencode",
                "try",
                "can",
                "coalesce",
                "length",
                "zipmap",
                "chunklist",
                "parseint",
                "tolist",
                "toset",
                "tomap",
                "sum",
                "min",
                "max",
                "keys",
                "values",
                "contains",
                "distinct",
                "concat",
                "replace",
                "title",
                "one",
                "index",
                "setunion",
                "sort",
                "reverse",
                "pow",
                "regex",
                "file",
            ]);
            prop_oneof![
                (function, proptest::collection::vec(inner.clone(), 0..4))
                    .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|items| format!("[{}]", items.join(", "))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{ k = {a}, j = {b} }}")),
                (
                    inner.clone(),
                    proptest::sample::select(vec!["+", "-", "*", "/", "%", "==", "&&", "||", "<"]),
                    inner.clone()
                )
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("[for x in {a} : {b}]")),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| format!("{{ for k, x in {a} : tostring(k) => {b}... }}")),
                inner
                    .clone()
                    .prop_map(|a| format!("\"p-${{{a}}}-%{{ for x in [1] }}${{x}}%{{ endfor }}\"")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a})[{b}]")),
                inner.clone().prop_map(|a| format!("({a})[*].k")),
                inner.prop_map(|a| format!("({a}).k")),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn arbitrary_expressions_never_panic_or_hang(a in expression(), b in expression()) {
            let source = format!(
                "variable \"v\" {{ default = \"10.1.0.0/16\" }}\nvariable \"m\" {{ default = {{ k = [1, 2] }} }}\nlocals {{\n  a = {a}\n  b = {b}\n}}\nresource \"x_thing\" \"t\" {{\n  count = 2\n  v = {a}\n  w = {b}\n}}\n"
            );
            let started = std::time::Instant::now();
            let _ = change_set(&[("main.tf", &source)]);
            prop_assert!(started.elapsed() < std::time::Duration::from_secs(2));
        }
    }
}

// Modules installed by `terraform init`, and calls that are not evaluated.

const MANIFEST: &str = r#"{"Modules":[
  {"Key":"","Source":"","Dir":"."},
  {"Key":"db","Source":"registry.terraform.io/acme/db/aws","Version":"1.2.0","Dir":".terraform/modules/db"},
  {"Key":"db.sg","Source":"git::https://example.com/sg.git?ref=v1","Dir":".terraform/modules/db.sg"}
]}"#;

fn installed_files() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "infra/main.tf",
            r#"
module "db" {
  source  = "acme/db/aws"
  version = "~> 1.0"
  count   = 2
  name    = "orders"
}
module "cache" {
  source  = "acme/cache/aws"
  version = "2.0.0"
}
resource "x_thing" "t" {
  endpoint = module.db[0].endpoint
}
"#,
        ),
        ("infra/.terraform/modules/modules.json", MANIFEST),
        (
            "infra/.terraform/modules/db/main.tf",
            r#"variable "name" {}
module "sg" {
  source = "git::https://example.com/sg.git?ref=v1"
  open   = true
}
resource "aws_db_instance" "this" {
  identifier          = var.name
  publicly_accessible = true
}
output "endpoint" { value = "${var.name}.db.example.com" }
"#,
        ),
        (
            "infra/.terraform/modules/db.sg/main.tf",
            "variable \"open\" {}\nresource \"x_rule\" \"r\" {\n  open = var.open\n}\n",
        ),
    ]
}

#[test]
fn installed_registry_and_git_modules_are_evaluated_per_call_instance() {
    let cs = one(&installed_files());
    let db = resource(&cs, "module.db[1].aws_db_instance.this");
    assert_eq!(db.source.file, "infra/.terraform/modules/db/main.tf");
    assert_eq!(db.source.lines.map(|l| l.start), Some(6));
    assert_eq!(attr(db, "identifier"), &json(r#""orders""#));
    assert_eq!(
        attr(resource(&cs, "module.db[0].module.sg.x_rule.r"), "open"),
        &Value::Bool(true)
    );
    assert_eq!(
        attr(resource(&cs, "x_thing.t"), "endpoint"),
        &json(r#""orders.db.example.com""#)
    );
    // The installed directories are modules, never roots of their own.
    assert!(
        !addresses(&cs)
            .iter()
            .any(|a| a.starts_with("aws_db_instance")),
        "{:?}",
        addresses(&cs)
    );
    // Findings point into the module and name the call.
    let public: Vec<_> = review(&cs)
        .findings
        .into_iter()
        .filter(|f| f.resource.as_deref() == Some("module.db[0].aws_db_instance.this"))
        .collect();
    assert!(
        public
            .iter()
            .any(|f| f.file.as_deref() == Some("infra/.terraform/modules/db/main.tf")),
        "{public:?}"
    );
}

#[test]
fn a_module_that_is_not_present_is_recorded_once_naming_its_source() {
    let cs = one(&installed_files());
    assert_eq!(
        cs.unevaluated_modules.len(),
        1,
        "{:?}",
        cs.unevaluated_modules
    );
    let cache = &cs.unevaluated_modules[0];
    assert_eq!(cache.module, "module.cache");
    assert_eq!(cache.source.as_deref(), Some("acme/cache/aws"));
    assert_eq!(cache.version.as_deref(), Some("2.0.0"));
    assert_eq!(
        (cache.file.as_str(), cache.line),
        ("infra/main.tf", Some(8))
    );
    assert!(cache.reason.contains("not installed"), "{}", cache.reason);

    // Without `terraform init` nothing is installed: each call is recorded once,
    // the nested one never reached, however many instances the caller has.
    let files: Vec<_> = installed_files()
        .into_iter()
        .filter(|(path, _)| !path.contains(".terraform/"))
        .collect();
    let cs = change_set(&files);
    let modules: Vec<&str> = cs
        .unevaluated_modules
        .iter()
        .map(|m| m.module.as_str())
        .collect();
    assert_eq!(modules, ["module.db", "module.cache"]);
    assert_eq!(review(&cs).not_evaluated, cs.unevaluated_modules);
}

#[test]
fn a_nested_call_not_present_is_recorded_under_its_caller() {
    let files: Vec<_> = installed_files()
        .into_iter()
        .filter(|(path, _)| !path.contains("db.sg"))
        .collect();
    let cs = one(&files);
    let modules: Vec<(&str, Option<&str>)> = cs
        .unevaluated_modules
        .iter()
        .map(|m| (m.module.as_str(), m.source.as_deref()))
        .collect();
    assert_eq!(
        modules,
        [
            (
                "module.db.module.sg",
                Some("git::https://example.com/sg.git?ref=v1")
            ),
            ("module.cache", Some("acme/cache/aws")),
        ]
    );
}

#[test]
fn a_root_of_module_calls_only_still_reports_them() {
    let cs = one(&[(
        "main.tf",
        "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n",
    )]);
    assert_eq!(cs.unevaluated_modules.len(), 1);
    assert_eq!(cs.unevaluated_modules[0].module, "module.vpc");
}

#[test]
fn a_module_calling_itself_or_a_cycle_of_modules_is_an_input_error_not_silence() {
    let cs = change_set(&[
        (
            "self/main.tf",
            "module \"me\" {\n  source = \"./\"\n}\nresource \"aws_s3_bucket\" \"kept\" {\n  bucket = \"kept\"\n}\n",
        ),
        (
            "a/main.tf",
            "module \"b\" {\n  source = \"../b\"\n}\nresource \"aws_s3_bucket\" \"in_a\" {\n  bucket = \"a\"\n}\n",
        ),
        ("b/main.tf", "module \"a\" {\n  source = \"../a\"\n}\n"),
    ]);
    let errors: Vec<String> = cs
        .errors
        .iter()
        .map(|e| format!("{}:{}: {}", e.file, e.line.unwrap_or(0), e.message))
        .collect();
    assert!(
        errors.contains(
            &"self/main.tf:1: module \"me\": modules call each other in a cycle: self → self"
                .to_owned()
        ),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("a/main.tf:1: module \"b\"") && e.ends_with("b → a → b")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("b/main.tf:1: module \"a\"") && e.ends_with("a → b → a")),
        "{errors:?}"
    );
    // Each directory is still reviewed as a root: nothing goes silent.
    let addresses = addresses(&cs);
    assert!(
        addresses.contains(&"aws_s3_bucket.kept".to_owned()),
        "{addresses:?}"
    );
    assert!(
        addresses.contains(&"aws_s3_bucket.in_a".to_owned()),
        "{addresses:?}"
    );
    // Not also reported as a module that is missing.
    assert!(
        cs.unevaluated_modules.is_empty(),
        "{:?}",
        cs.unevaluated_modules
    );
}

#[test]
fn modules_nested_deeper_than_the_limit_are_an_input_error() {
    let mut files: Vec<(String, String)> = (0..12)
        .map(|i| {
            (
                format!("m{i}/main.tf"),
                format!(
                    "module \"next\" {{\n  source = \"../m{}\"\n}}\nresource \"aws_sqs_queue\" \"q\" {{}}\n",
                    i + 1
                ),
            )
        })
        .collect();
    files.push((
        "m12/main.tf".into(),
        "resource \"aws_sqs_queue\" \"q\" {}\n".into(),
    ));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let cs = change_set(&borrowed);
    assert!(
        cs.errors
            .iter()
            .any(|e| e.message.contains("modules nest more than 8 deep")),
        "{:?}",
        cs.errors
    );
    // The levels within the limit are evaluated.
    let addresses = addresses(&cs);
    assert!(
        addresses.contains(&"aws_sqs_queue.q".to_owned()),
        "{addresses:?}"
    );
    assert!(
        addresses.contains(&"module.next.module.next.aws_sqs_queue.q".to_owned()),
        "{addresses:?}"
    );
}

// Provenance.

/// A provenance link as (file, line, name), to compare whole chains at a glance.
type Link = (String, Option<u32>, String);

/// The findings of `rule`, each with its chain.
fn provenance_of(cs: &ChangeSet, rule: &str) -> Vec<(crate::Finding, Vec<Link>)> {
    review(cs)
        .findings
        .into_iter()
        .filter(|f| f.rule_id == rule)
        .map(|f| {
            let chain = f
                .provenance
                .iter()
                .map(|l| (l.file.clone(), l.line, l.name.clone()))
                .collect();
            (f, chain)
        })
        .collect()
}

fn link(file: &str, line: Option<u32>, name: &str) -> Link {
    (file.to_owned(), line, name.to_owned())
}

const UNENCRYPTED_DB: &str =
    "resource \"aws_db_instance\" \"this\" {\n  storage_encrypted = var.encrypted\n}\n";

#[test]
fn provenance_runs_from_a_tfvars_line_through_the_variable_to_the_attribute() {
    let cs = one(&[
        (
            "variables.tf",
            "variable \"encrypted\" {\n  type = bool\n}\n",
        ),
        (
            "terraform.tfvars",
            "# production values\nencrypted = false\n",
        ),
        ("main.tf", UNENCRYPTED_DB),
    ]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].1,
        [
            link("terraform.tfvars", Some(2), "var.encrypted"),
            link("variables.tf", Some(1), "var.encrypted"),
            link("main.tf", Some(2), "aws_db_instance.this.storage_encrypted"),
        ]
    );
    assert_eq!(
        crate::resource::ProvenanceLink::chain_text(&found[0].0.provenance, str::to_owned),
        "terraform.tfvars:2 → var.encrypted → aws_db_instance.this.storage_encrypted"
    );
}

#[test]
fn provenance_runs_through_a_module_call_into_the_modules_variable() {
    let cs = one(&[
        ("variables.tf", "variable \"encrypted\" {}\n"),
        ("terraform.tfvars", "encrypted = false\n"),
        (
            "main.tf",
            "module \"db\" {\n  source    = \"./modules/x\"\n  encrypted = var.encrypted\n}\n",
        ),
        (
            "modules/x/variables.tf",
            "variable \"encrypted\" {\n  type = bool\n}\n",
        ),
        ("modules/x/main.tf", UNENCRYPTED_DB),
    ]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].1,
        [
            link("terraform.tfvars", Some(1), "var.encrypted"),
            link("variables.tf", Some(1), "var.encrypted"),
            link("main.tf", Some(3), "module.db argument encrypted"),
            link("modules/x/variables.tf", Some(1), "module.db.var.encrypted"),
            link(
                "modules/x/main.tf",
                Some(2),
                "module.db.aws_db_instance.this.storage_encrypted"
            ),
        ]
    );
}

#[test]
fn provenance_runs_through_a_local() {
    let cs = one(&[(
        "main.tf",
        "variable \"encrypted\" {\n  default = false\n}\n\nlocals {\n  encrypt = var.encrypted\n}\n\nresource \"aws_db_instance\" \"this\" {\n  storage_encrypted = local.encrypt\n}\n",
    )]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    // The default is where the value is written: the declaration is the origin.
    assert_eq!(
        found[0].1,
        [
            link("main.tf", Some(1), "var.encrypted"),
            link("main.tf", Some(6), "local.encrypt"),
            link(
                "main.tf",
                Some(10),
                "aws_db_instance.this.storage_encrypted"
            ),
        ]
    );
}

#[test]
fn a_value_given_with_var_says_so_in_its_provenance() {
    let inputs = crate::VariableInputs {
        environment: vec![("encrypted".into(), "true".into())],
        command_line: vec![var("encrypted", "false")],
    };
    let cs = with_inputs(
        &[
            (
                "variables.tf",
                "variable \"encrypted\" {\n  type = bool\n}\n",
            ),
            ("main.tf", UNENCRYPTED_DB),
        ],
        &inputs,
    );
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1[0], link("--var", None, "var.encrypted"));
    assert_eq!(found[0].1.len(), 3);
}

#[test]
fn a_value_from_a_var_file_names_the_file_and_line() {
    let inputs = crate::VariableInputs {
        environment: Vec::new(),
        command_line: vec![var_file("env/prod.tfvars", "\nencrypted = false\n")],
    };
    let cs = with_inputs(
        &[
            (
                "variables.tf",
                "variable \"encrypted\" {\n  type = bool\n}\n",
            ),
            ("main.tf", UNENCRYPTED_DB),
        ],
        &inputs,
    );
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(
        found[0].1[0],
        link("env/prod.tfvars", Some(2), "var.encrypted")
    );
}

#[test]
fn a_suppression_at_the_tfvars_line_suppresses_the_finding_and_says_where() {
    let cs = one(&[
        (
            "variables.tf",
            "variable \"encrypted\" {\n  type = bool\n}\n",
        ),
        (
            "terraform.tfvars",
            "# reviewgate:skip=RG-AWS-RDS-001 scratch database, no data\nencrypted = false\n",
        ),
        ("main.tf", UNENCRYPTED_DB),
    ]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    let finding = &found[0].0;
    assert!(finding.suppressed);
    assert_eq!(
        finding.suppression_reason.as_deref(),
        Some("scratch database, no data")
    );
    let at = finding.suppressed_at.as_ref().expect("the link it sat at");
    assert_eq!(
        (at.file.as_str(), at.line, at.name.as_str()),
        ("terraform.tfvars", Some(2), "var.encrypted")
    );
    assert!(
        at.suppressions.is_empty(),
        "renderings carry no suppressions"
    );
}

#[test]
fn a_suppression_in_a_variable_block_without_a_reason_is_reported() {
    let cs = one(&[
        (
            "variables.tf",
            "# checkov:skip=CKV_AWS_16\nvariable \"encrypted\" {\n  default = false\n}\n",
        ),
        ("main.tf", UNENCRYPTED_DB),
    ]);
    let findings = review(&cs).findings;
    let rds = findings
        .iter()
        .find(|f| f.rule_id == "RG-AWS-RDS-001")
        .expect("finding");
    assert!(rds.suppressed);
    assert_eq!(rds.suppressed_at.as_ref().map(|l| l.line), Some(Some(2)));
    assert!(
        findings
            .iter()
            .any(|f| f.rule_id == crate::suppress::MISSING_REASON_RULE
                && f.file.as_deref() == Some("variables.tf")
                && f.line == Some(1)),
        "{findings:?}"
    );
}

#[test]
fn a_literal_value_has_no_provenance() {
    let cs = one(&[(
        "main.tf",
        "variable \"unused\" {\n  default = true\n}\n\nresource \"aws_db_instance\" \"this\" {\n  storage_encrypted = false\n}\n",
    )]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    assert!(found[0].1.is_empty());
    assert!(resource(&cs, "aws_db_instance.this").provenance.is_empty());
}

#[test]
fn a_cycle_between_locals_ends_as_an_input_error_with_no_loop_in_provenance() {
    let cs = change_set(&[(
        "main.tf",
        "locals {\n  a = local.b\n  b = local.a\n}\n\nresource \"aws_db_instance\" \"this\" {\n  storage_encrypted = local.a\n}\n",
    )]);
    assert!(
        cs.errors.iter().any(|e| e.message.contains("cycle")),
        "{:?}",
        cs.errors
    );
    for chain in resource(&cs, "aws_db_instance.this")
        .provenance
        .iter()
        .map(|(_, c)| c)
    {
        assert!(chain.len() <= 4, "{chain:?}");
    }
    let _ = review(&cs);
}

#[test]
fn a_finding_on_a_block_takes_the_chain_of_a_value_inside_it() {
    let cs = one(&[(
        "main.tf",
        "variable \"enabled\" {\n  default = \"Suspended\"\n}\n\nresource \"aws_s3_bucket_versioning\" \"v\" {\n  bucket = \"b\"\n  versioning_configuration {\n    status = var.enabled\n  }\n}\n",
    )]);
    let r = resource(&cs, "aws_s3_bucket_versioning.v");
    let own = r.provenance_of("versioning_configuration.0.status");
    assert_eq!(own.len(), 2, "{:?}", r.provenance);
    assert_eq!(r.provenance_of("versioning_configuration"), own);
    assert_eq!(r.provenance_of("versioning_configuration.0.status.x"), own);
    assert!(r.provenance_of("bucket").is_empty());
}

// Provenance through module outputs.

/// A module whose output passes its input through a local.
const PASS_THROUGH_MODULE: [(&str, &str); 3] = [
    (
        "modules/x/variables.tf",
        "variable \"encrypted\" {\n  type = bool\n}\n",
    ),
    ("modules/x/main.tf", "locals {\n  flag = var.encrypted\n}\n"),
    (
        "modules/x/outputs.tf",
        "# what the caller's databases use\n\n\noutput \"encrypted\" {\n  value = local.flag\n}\n",
    ),
];

#[test]
fn provenance_runs_into_a_module_through_its_output_and_back_to_the_callers_tfvars() {
    let mut files = vec![
        ("variables.tf", "variable \"encrypted\" {}\n"),
        ("terraform.tfvars", "encrypted = false\n"),
        (
            "main.tf",
            "module \"db\" {\n  source    = \"./modules/x\"\n  encrypted = var.encrypted\n}\n\nresource \"aws_db_instance\" \"this\" {\n  storage_encrypted = module.db.encrypted\n}\n",
        ),
    ];
    files.extend(PASS_THROUGH_MODULE);
    let cs = one(&files);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].1,
        [
            link("terraform.tfvars", Some(1), "var.encrypted"),
            link("variables.tf", Some(1), "var.encrypted"),
            link("main.tf", Some(3), "module.db argument encrypted"),
            link("modules/x/variables.tf", Some(1), "module.db.var.encrypted"),
            link("modules/x/main.tf", Some(2), "module.db.local.flag"),
            link(
                "modules/x/outputs.tf",
                Some(4),
                "module.db.output.encrypted"
            ),
            link("main.tf", Some(7), "aws_db_instance.this.storage_encrypted"),
        ]
    );
}

#[test]
fn an_output_written_literally_is_where_the_value_was_set() {
    let cs = one(&[
        (
            "main.tf",
            "module \"defaults\" {\n  source = \"./modules/defaults\"\n}\n\nresource \"aws_db_instance\" \"this\" {\n  storage_encrypted = module.defaults.encrypted\n}\n",
        ),
        (
            "modules/defaults/outputs.tf",
            "output \"encrypted\" {\n  value = false\n}\n",
        ),
    ]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(
        found[0].1,
        [
            link(
                "modules/defaults/outputs.tf",
                Some(1),
                "module.defaults.output.encrypted"
            ),
            link("main.tf", Some(6), "aws_db_instance.this.storage_encrypted"),
        ]
    );
}

#[test]
fn an_output_of_one_instance_read_by_its_key_leads_into_that_instance() {
    let mut files = vec![
        (
            "variables.tf",
            "variable \"dbs\" {\n  type = map(bool)\n}\n",
        ),
        (
            "terraform.tfvars",
            "dbs = {\n  main    = false\n  replica = true\n}\n",
        ),
        (
            "main.tf",
            "module \"db\" {\n  source    = \"./modules/x\"\n  for_each  = var.dbs\n  encrypted = each.value\n}\n\nresource \"aws_db_instance\" \"copy\" {\n  storage_encrypted = module.db[\"main\"].encrypted\n}\n\nresource \"aws_db_instance\" \"any\" {\n  storage_encrypted = module.db[local.which].encrypted\n}\n\nlocals {\n  which = \"main\"\n}\n",
        ),
    ];
    files.extend(PASS_THROUGH_MODULE);
    let cs = one(&files);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    let copy = found
        .iter()
        .find(|(f, _)| f.resource.as_deref() == Some("aws_db_instance.copy"))
        .expect("the copy's finding");
    assert_eq!(
        copy.1,
        [
            link("terraform.tfvars", Some(1), "var.dbs"),
            link("variables.tf", Some(1), "var.dbs"),
            link("main.tf", Some(4), "module.db argument encrypted"),
            link(
                "modules/x/variables.tf",
                Some(1),
                "module.db[\"main\"].var.encrypted"
            ),
            link(
                "modules/x/main.tf",
                Some(2),
                "module.db[\"main\"].local.flag"
            ),
            link(
                "modules/x/outputs.tf",
                Some(4),
                "module.db[\"main\"].output.encrypted"
            ),
            link("main.tf", Some(8), "aws_db_instance.copy.storage_encrypted"),
        ]
    );
    // A computed key names no instance before evaluation: the chain then starts
    // at the local that chose it, not inside some instance of the module.
    let any = found
        .iter()
        .find(|(f, _)| f.resource.as_deref() == Some("aws_db_instance.any"))
        .expect("the other finding");
    assert_eq!(
        any.1,
        [
            link("main.tf", Some(16), "local.which"),
            link("main.tf", Some(12), "aws_db_instance.any.storage_encrypted"),
        ]
    );
}

#[test]
fn a_suppression_at_a_modules_output_suppresses_what_reads_it_and_nothing_inside() {
    let module_db =
        "resource \"aws_db_instance\" \"inner\" {\n  storage_encrypted = var.encrypted\n}\n";
    let mut files = vec![
        (
            "main.tf",
            "module \"db\" {\n  source    = \"./modules/x\"\n  encrypted = false\n}\n\nresource \"aws_db_instance\" \"this\" {\n  storage_encrypted = module.db.encrypted\n}\n",
        ),
        ("modules/x/db.tf", module_db),
    ];
    files.extend(PASS_THROUGH_MODULE);
    files.retain(|(path, _)| *path != "modules/x/outputs.tf");
    files.push((
        "modules/x/outputs.tf",
        "# reviewgate:skip=RG-AWS-RDS-001 the caller's copies are scratch data\noutput \"encrypted\" {\n  value = local.flag\n}\n",
    ));
    let cs = one(&files);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 2);
    let outer = found
        .iter()
        .find(|(f, _)| f.resource.as_deref() == Some("aws_db_instance.this"))
        .expect("the caller's database");
    assert!(outer.0.suppressed);
    assert_eq!(
        outer.0.suppression_reason.as_deref(),
        Some("the caller's copies are scratch data")
    );
    let at = outer.0.suppressed_at.as_ref().expect("the link it sat at");
    assert_eq!(
        (at.file.as_str(), at.line, at.name.as_str()),
        (
            "modules/x/outputs.tf",
            Some(2),
            "module.db.output.encrypted"
        )
    );
    // The module's own database reads the variable, not the output.
    let inner = found
        .iter()
        .find(|(f, _)| f.resource.as_deref() == Some("module.db.aws_db_instance.inner"))
        .expect("the module's database");
    assert!(!inner.0.suppressed);
    assert_eq!(
        inner.1.first(),
        Some(&link("main.tf", Some(3), "module.db argument encrypted"))
    );
}

#[test]
fn a_suppression_at_an_output_without_a_reason_is_reported_there() {
    let mut files = vec![(
        "main.tf",
        "module \"db\" {\n  source    = \"./modules/x\"\n  encrypted = false\n}\n\nresource \"aws_db_instance\" \"this\" {\n  storage_encrypted = module.db.encrypted\n}\n",
    )];
    files.extend(PASS_THROUGH_MODULE);
    files.retain(|(path, _)| *path != "modules/x/outputs.tf");
    files.push((
        "modules/x/outputs.tf",
        "output \"encrypted\" {\n  # checkov:skip=CKV_AWS_16\n  value = local.flag\n}\n",
    ));
    let findings = review(&one(&files)).findings;
    assert!(
        findings
            .iter()
            .any(|f| f.rule_id == crate::suppress::MISSING_REASON_RULE
                && f.file.as_deref() == Some("modules/x/outputs.tf")
                && f.line == Some(2)
                && f.message.contains("at `module.db.output.encrypted`")),
        "{findings:?}"
    );
}

// Provenance through `count`, `for_each` and `dynamic` blocks.

#[test]
fn each_value_leads_to_what_for_each_read() {
    let cs = one(&[
        ("variables.tf", "variable \"dbs\" {}\n"),
        (
            "terraform.tfvars",
            "dbs = {\n  main = { encrypted = false }\n}\n",
        ),
        (
            "main.tf",
            "locals {\n  dbs = var.dbs\n}\n\nresource \"aws_db_instance\" \"this\" {\n  for_each          = local.dbs\n  identifier        = each.key\n  storage_encrypted = each.value.encrypted\n}\n",
        ),
    ]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].1,
        [
            link("terraform.tfvars", Some(1), "var.dbs"),
            link("variables.tf", Some(1), "var.dbs"),
            link("main.tf", Some(2), "local.dbs"),
            link(
                "main.tf",
                Some(8),
                "aws_db_instance.this[\"main\"].storage_encrypted"
            ),
        ]
    );
    let db = resource(&cs, "aws_db_instance.this[\"main\"]");
    assert_eq!(db.provenance_of("identifier").len(), 4, "each.key too");
}

#[test]
fn an_element_chosen_by_count_index_leads_to_the_list_and_the_index_alone_to_nothing() {
    let cs = one(&[(
        "main.tf",
        "variable \"settings\" {\n  default = [false, true]\n}\n\nresource \"aws_db_instance\" \"this\" {\n  count             = length(var.settings)\n  identifier        = \"db-${count.index}\"\n  storage_encrypted = var.settings[count.index]\n}\n",
    )]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].1,
        [
            link("main.tf", Some(1), "var.settings"),
            link(
                "main.tf",
                Some(8),
                "aws_db_instance.this[0].storage_encrypted"
            ),
        ]
    );
    assert!(
        resource(&cs, "aws_db_instance.this[0]")
            .provenance_of("identifier")
            .is_empty()
    );
}

#[test]
fn each_in_a_module_calls_arguments_leads_to_what_its_for_each_read() {
    let cs = one(&[
        (
            "main.tf",
            "variable \"flags\" {\n  default = { a = false }\n}\n\nmodule \"db\" {\n  source    = \"./modules/x\"\n  for_each  = var.flags\n  encrypted = each.value\n}\n",
        ),
        ("modules/x/variables.tf", "variable \"encrypted\" {}\n"),
        ("modules/x/main.tf", UNENCRYPTED_DB),
    ]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(
        found[0].1,
        [
            link("main.tf", Some(1), "var.flags"),
            link("main.tf", Some(8), "module.db argument encrypted"),
            link(
                "modules/x/variables.tf",
                Some(1),
                "module.db[\"a\"].var.encrypted"
            ),
            link(
                "modules/x/main.tf",
                Some(2),
                "module.db[\"a\"].aws_db_instance.this.storage_encrypted"
            ),
        ]
    );
}

#[test]
fn a_dynamic_blocks_iterator_leads_to_what_its_for_each_read() {
    let cs = one(&[
        (
            "variables.tf",
            "variable \"rules\" {}\nvariable \"key\" {}\n",
        ),
        (
            "terraform.tfvars",
            "key = \"arn:aws:kms:eu-west-1:111122223333:key/k\"\nrules = [\n  { sse_algorithm = \"AES256\" },\n]\n",
        ),
        (
            "main.tf",
            r#"resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = "b"
  rule {
    bucket_key_enabled = true
  }
  dynamic "rule" {
    for_each = var.rules
    content {
      apply_server_side_encryption_by_default {
        sse_algorithm     = rule.value.sse_algorithm
        kms_master_key_id = var.key
      }
    }
  }
}
"#,
        ),
    ]);
    let r = resource(
        &cs,
        "aws_s3_bucket_server_side_encryption_configuration.this",
    );
    let chain = |path: &str| -> Vec<Link> {
        r.provenance_of(path)
            .into_iter()
            .map(|l| (l.file, l.line, l.name))
            .collect()
    };
    // The dynamic block's first block follows the one written out before it.
    assert_eq!(
        attr(
            r,
            "rule.1.apply_server_side_encryption_by_default.0.sse_algorithm"
        ),
        &json(r#""AES256""#)
    );
    assert_eq!(
        chain("rule.1.apply_server_side_encryption_by_default.0.sse_algorithm"),
        [
            link("terraform.tfvars", Some(2), "var.rules"),
            link("variables.tf", Some(1), "var.rules"),
            link(
                "main.tf",
                Some(1),
                "aws_s3_bucket_server_side_encryption_configuration.this.rule.1.apply_server_side_encryption_by_default.0.sse_algorithm"
            ),
        ]
    );
    // Another attribute of the same content follows what it read itself.
    assert_eq!(
        chain("rule.1.apply_server_side_encryption_by_default.0.kms_master_key_id")[0],
        link("terraform.tfvars", Some(1), "var.key")
    );
    assert!(chain("rule.0.bucket_key_enabled").is_empty());
}

#[test]
fn nested_dynamic_blocks_lead_through_both_iterators() {
    let cs = one(&[(
        "main.tf",
        r#"variable "groups" {
  default = { web = { ports = [22] } }
}

resource "aws_security_group" "this" {
  description = "x"
  dynamic "ingress" {
    for_each = var.groups
    content {
      description = ingress.key
      dynamic "cidr" {
        for_each = ingress.value.ports
        iterator = port
        content {
          port = port.value
        }
      }
    }
  }
}
"#,
    )]);
    let r = resource(&cs, "aws_security_group.this");
    for path in ["ingress.0.description", "ingress.0.cidr.0.port"] {
        let names: Vec<String> = r.provenance_of(path).into_iter().map(|l| l.name).collect();
        assert_eq!(
            names,
            [
                "var.groups".to_owned(),
                format!("aws_security_group.this.{path}")
            ],
            "{path}"
        );
    }
}

#[test]
fn provenance_into_terraform_json_has_the_lines_of_its_keys() {
    let cs = one(&[
        ("terraform.tfvars.json", "{\n  \"encrypted\": false\n}\n"),
        (
            "main.tf.json",
            r#"{
  "variable": {
    "encrypted": {"type": "bool"}
  },
  "locals": {
    "flag": "${var.encrypted}"
  },
  "module": {
    "db": {
      "source": "./modules/x",
      "encrypted": "${local.flag}"
    }
  },
  "resource": {
    "aws_db_instance": {
      "this": {
        "storage_encrypted": "${module.db.encrypted}"
      }
    }
  }
}
"#,
        ),
        (
            "modules/x/main.tf.json",
            r#"{
  "variable": {"encrypted": {}},
  "output": {
    "encrypted": {
      "value": "${var.encrypted}"
    }
  }
}
"#,
        ),
    ]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].1,
        [
            link("terraform.tfvars.json", Some(2), "var.encrypted"),
            link("main.tf.json", Some(3), "var.encrypted"),
            link("main.tf.json", Some(6), "local.flag"),
            link("main.tf.json", Some(11), "module.db argument encrypted"),
            link("modules/x/main.tf.json", Some(2), "module.db.var.encrypted"),
            link(
                "modules/x/main.tf.json",
                Some(4),
                "module.db.output.encrypted"
            ),
            link(
                "main.tf.json",
                Some(17),
                "aws_db_instance.this.storage_encrypted"
            ),
        ]
    );
    // The finding itself points at the attribute too.
    assert_eq!(found[0].0.line, Some(17));
}

#[test]
fn a_chain_longer_than_the_cap_keeps_where_the_value_was_set() {
    // 62 locals (nesting stays under the locals' own depth limit), then a module
    // argument, the module's variable and its output: 66 links before the
    // attribute's.
    let mut root = String::from("variable \"x\" {\n  default = false\n}\nlocals {\n  l0 = var.x\n");
    for i in 1..62 {
        root.push_str(&format!("  l{i} = local.l{}\n", i - 1));
    }
    root.push_str("}\nmodule \"m\" {\n  source = \"./m\"\n  x      = local.l61\n}\nresource \"aws_db_instance\" \"this\" {\n  storage_encrypted = module.m.x\n}\n");
    let cs = one(&[
        ("main.tf", root.as_str()),
        (
            "m/main.tf",
            "variable \"x\" {}\noutput \"x\" {\n  value = var.x\n}\n",
        ),
    ]);
    let found = provenance_of(&cs, "RG-AWS-RDS-001");
    let chain = &found[0].1;
    assert_eq!(chain.len(), crate::resource::ProvenanceLink::MAX_CHAIN);
    assert_eq!(chain[0], link("main.tf", Some(1), "var.x"));
    assert_eq!(chain[1], link("main.tf", Some(5), "local.l0"));
    assert_eq!(
        chain.last(),
        Some(&link(
            "main.tf",
            Some(73),
            "aws_db_instance.this.storage_encrypted"
        ))
    );
}
