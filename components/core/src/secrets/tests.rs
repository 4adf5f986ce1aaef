//! The detector's tests, through its public API: every rule has a true positive,
//! documentation values and ordinary Terraform stay quiet, and no output shows more
//! of a secret than its mask.

use std::collections::HashSet;

use super::catalog::{Kind, RULES};
use super::encodings::base64_decode_bytes;
use super::*;
use crate::changeset::{ChangeSet, Document, Origin};
use crate::finding::Severity;
use crate::resource::{LineRange, Resource};
use crate::value::Value;

mod vendors;

// Test secrets are generated at run time from a fixed seed, and vendor prefixes are
// split, so this file holds nothing that looks like a live credential to a scanner.
const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &str = "0123456789abcdef";
const DIGITS: &str = "0123456789";
const BECH32: &str = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

fn b64_alphabet() -> String {
    format!("{ALNUM}+/")
}

fn b64url_alphabet() -> String {
    format!("{ALNUM}-_")
}

/// Deterministic pseudo-random string (xorshift64).
fn fake(alphabet: &str, len: usize, seed: u64) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    let mut state = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407)
        | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chars[(state % chars.len() as u64) as usize]
        })
        .collect()
}

fn cat(parts: &[&str]) -> String {
    parts.concat()
}

fn encode_base64(data: &[u8], url: bool) -> String {
    let alphabet: Vec<char> = if url {
        b64url_alphabet()
    } else {
        b64_alphabet()
    }
    .chars()
    .collect();
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize]);
        }
        if !url {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

fn jwt(header: &str, payload: &str, seed: u64) -> String {
    format!(
        "{}.{}.{}",
        encode_base64(header.as_bytes(), true),
        encode_base64(payload.as_bytes(), true),
        fake(&b64url_alphabet(), 43, seed)
    )
}

fn uuid(seed: u64) -> String {
    let h = fake(HEX, 32, seed);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The 36 characters after `ghp_` / `npm_`: 30 random ones and their checksum.
fn checksummed_body(seed: u64) -> String {
    let random = fake(ALNUM, 30, seed);
    let checksum =
        super::checksums::base62(u64::from(super::checksums::crc32(random.as_bytes())), 6);
    cat(&[&random, &checksum])
}

fn generic_password() -> String {
    cat(&["S3cr3t", "!v4lue", "-long"])
}

fn aws_key_id(seed: u64) -> String {
    cat(&["AK", "IA", &fake(UPPER, 16, seed)])
}

fn aws_secret(seed: u64) -> String {
    fake(&b64_alphabet(), 40, seed)
}

fn private_key_header() -> String {
    cat(&["-----BEGIN RSA ", "PRIVATE KEY-----"])
}

/// (rule id, line, the secret in it) for one true positive of every rule.
fn samples() -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut add = |id: &'static str, line: String, secret: String| {
        out.push((id, line, secret));
    };
    let s = aws_key_id(1);
    add("RG-SECRET-001", format!("x = \"{s}\""), s);
    let s = aws_secret(2);
    add(
        "RG-SECRET-002",
        format!("aws_secret_access_key = \"{s}\""),
        s,
    );
    let s = cat(&["gh", "p_", &checksummed_body(3)]);
    add("RG-SECRET-003", format!("GITHUB_TOKEN={s}"), s);
    let s = cat(&[
        "github",
        "_pat_",
        &fake(ALNUM, 22, 4),
        "_",
        &fake(ALNUM, 59, 5),
    ]);
    add("RG-SECRET-004", format!("x: {s}"), s);
    let s = cat(&["gh", "o_", &checksummed_body(6)]);
    add("RG-SECRET-005", format!("x = '{s}'"), s);
    let s = cat(&["gh", "s_", &checksummed_body(7)]);
    add("RG-SECRET-006", format!("x = \"{s}\""), s);
    let s = cat(&["gh", "u_", &checksummed_body(8)]);
    add("RG-SECRET-006", format!("x = \"{s}\""), s);
    let s = cat(&["gh", "r_", &checksummed_body(9)]);
    add("RG-SECRET-007", format!("x = \"{s}\""), s);
    let s = cat(&["gl", "pat-", &fake(&b64url_alphabet(), 20, 10)]);
    add("RG-SECRET-008", format!("x = \"{s}\""), s);
    let s = cat(&["gl", "dt-", &fake(ALNUM, 20, 11)]);
    add("RG-SECRET-009", format!("x = \"{s}\""), s);
    let s = cat(&[
        "xo",
        "xb-",
        &fake(DIGITS, 11, 12),
        "-",
        &fake(DIGITS, 12, 13),
        "-",
        &fake(ALNUM, 24, 14),
    ]);
    add("RG-SECRET-010", format!("slack_token: \"{s}\""), s);
    let s = cat(&[
        "xa",
        "pp-1-A",
        &fake(UPPER, 10, 15),
        "-",
        &fake(DIGITS, 13, 16),
        "-",
        &fake(HEX, 64, 17),
    ]);
    add("RG-SECRET-011", format!("x = \"{s}\""), s);
    let s = cat(&[
        "T",
        &fake(UPPER, 10, 18),
        "/B",
        &fake(UPPER, 10, 19),
        "/",
        &fake(ALNUM, 24, 20),
    ]);
    add(
        "RG-SECRET-012",
        format!("url = \"https://hooks.slack.com/services/{s}\""),
        s,
    );
    let s = cat(&["sk", "_live_", &fake(ALNUM, 24, 21)]);
    add("RG-SECRET-013", format!("x = \"{s}\""), s);
    let s = cat(&["rk", "_live_", &fake(ALNUM, 24, 22)]);
    add("RG-SECRET-013", format!("x = \"{s}\""), s);
    let s = cat(&["sk", "_test_", &fake(ALNUM, 24, 23)]);
    add("RG-SECRET-014", format!("x = \"{s}\""), s);
    let s = cat(&["pk", "_live_", &fake(ALNUM, 24, 24)]);
    add("RG-SECRET-015", format!("x = \"{s}\""), s);
    let s = cat(&["AI", "za", &fake(&b64url_alphabet(), 35, 25)]);
    add("RG-SECRET-016", format!("x = \"{s}\""), s);
    let s = cat(&[
        &encode_base64(br#"{"alg":"HS256","typ":"JWT"}"#, true),
        ".",
        &encode_base64(br#"{"sub":"svc-deployer","iat":1700000000}"#, true),
        ".",
        &fake(&b64url_alphabet(), 43, 26),
    ]);
    add("RG-SECRET-018", format!("Authorization: Bearer {s}"), s);
    let s = cat(&[&fake(&b64_alphabet(), 86, 27), "=="]);
    add(
        "RG-SECRET-019",
        format!(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={s};EndpointSuffix=core.windows.net"
        ),
        s,
    );
    let s = cat(&["np", "m_", &checksummed_body(28)]);
    add(
        "RG-SECRET-020",
        format!("//registry.npmjs.org/:_authToken={s}"),
        s,
    );
    let s = cat(&[
        "py",
        "pi-AgEIcHlwaS5vcmc",
        &fake(&b64url_alphabet(), 60, 29),
    ]);
    add("RG-SECRET-021", format!("x = \"{s}\""), s);
    let s = cat(&[
        "S",
        "G.",
        &fake(&b64url_alphabet(), 22, 30),
        ".",
        &fake(&b64url_alphabet(), 43, 31),
    ]);
    add("RG-SECRET-022", format!("x = \"{s}\""), s);
    let s = cat(&["S", "K", &fake(HEX, 32, 32)]);
    add("RG-SECRET-023", format!("x = \"{s}\""), s);
    let s = cat(&["shp", "at_", &fake(HEX, 32, 33)]);
    add("RG-SECRET-024", format!("x = \"{s}\""), s);
    let s = cat(&["HR", "KU-AA", &fake(&b64url_alphabet(), 58, 34)]);
    add("RG-SECRET-025", format!("x = \"{s}\""), s);
    let s = uuid(35);
    add("RG-SECRET-025", format!("heroku_api_key = \"{s}\""), s);
    let s = fake(HEX, 32, 36);
    add("RG-SECRET-026", format!("DD_API_KEY={s}"), s);
    let s = fake(HEX, 40, 37);
    add("RG-SECRET-026", format!("datadog_app_key = \"{s}\""), s);
    let s = cat(&[&fake(ALNUM, 14, 38), ".atlas", "v1.", &fake(ALNUM, 67, 39)]);
    add("RG-SECRET-027", format!("x = \"{s}\""), s);
    let s = cat(&["hv", "s.", &fake(&b64url_alphabet(), 90, 40)]);
    add("RG-SECRET-028", format!("x = \"{s}\""), s);
    let s = cat(&["do", "p_v1_", &fake(HEX, 64, 41)]);
    add("RG-SECRET-029", format!("x = \"{s}\""), s);
    let s = cat(&[
        "sk-",
        "proj-",
        &fake(ALNUM, 20, 42),
        "T3Blbk",
        "FJ",
        &fake(ALNUM, 20, 43),
    ]);
    add("RG-SECRET-030", format!("x = \"{s}\""), s);
    let s = cat(&["sk-", "ant-api03-", &fake(&b64url_alphabet(), 93, 44), "AA"]);
    add("RG-SECRET-031", format!("x = \"{s}\""), s);
    let s = cat(&["gl", "sa_", &fake(ALNUM, 32, 45), "_", &fake(HEX, 8, 46)]);
    add("RG-SECRET-032", format!("x = \"{s}\""), s);
    let s = cat(&["NR", "AK-", &fake(UPPER, 27, 47)]);
    add("RG-SECRET-033", format!("x = \"{s}\""), s);
    let s = cat(&["LT", "AI", &fake(ALNUM, 20, 48)]);
    add("RG-SECRET-034", format!("x = \"{s}\""), s);
    let s = cat(&["AGE-", "SECRET-KEY-1", &fake(BECH32, 58, 49)]);
    add("RG-SECRET-035", format!("identity: {s}"), s);
    let s = fake(ALNUM, 16, 50);
    add(
        "RG-SECRET-036",
        format!("DATABASE_URL=\"postgres://app:{s}@db.internal:5432/app\""),
        s,
    );
    let s = generic_password();
    add("RG-SECRET-037", format!("password = \"{s}\""), s);
    let s = fake(&format!("{ALNUM}!#%"), 20, 51);
    add("RG-SECRET-037", format!("\"client_secret\": \"{s}\","), s);
    let s = fake(ALNUM, 24, 52);
    add("RG-SECRET-037", format!("export DB_PASSWORD={s}"), s);
    let s = fake(ALNUM, 24, 53);
    add("RG-SECRET-037", format!("  apiKey: {s}"), s);
    out
}

fn ids(matches: &[SecretMatch]) -> Vec<&'static str> {
    matches.iter().map(SecretMatch::rule_id).collect()
}

#[test]
fn every_rule_has_a_true_positive() {
    let samples = samples();
    for (id, line, secret) in &samples {
        let found = find_secrets(line);
        assert_eq!(ids(&found), [*id], "{id}: {found:?}");
        let m = &found[0];
        assert_eq!(&line[m.span()], secret.as_str(), "{id}: span");
        assert_eq!(m.masked(), mask(secret), "{id}");
        assert_eq!(m.rule().id, *id);
    }
    let mut covered: HashSet<&str> = samples.iter().map(|(id, _, _)| *id).collect();
    covered.extend(vendors::samples().iter().map(|sample| sample.id));
    for rule in rules() {
        let private_key = rule.id == "RG-SECRET-017"; // multi-line: own test
        assert!(
            covered.contains(rule.id) || private_key,
            "{} has no true positive",
            rule.id
        );
    }
}

#[test]
fn private_key_blocks_need_key_material() {
    let body = fake(&b64_alphabet(), 64, 60);
    let pem = format!(
        "{}\n{body}\n{}\n-----END RSA PRIVATE KEY-----\n",
        private_key_header(),
        fake(&b64_alphabet(), 64, 61)
    );
    let found = find_secrets(&pem);
    assert_eq!(ids(&found), ["RG-SECRET-017"], "{found:?}");
    assert_eq!(found[0].kind(), "RSA private key");
    assert_eq!(found[0].line_index(), 0);

    // JSON-escaped on one line, as in a service account key file.
    let json = format!(
        r#"  "private_key": "{}\n{body}\n""#,
        cat(&["-----BEGIN ", "PRIVATE KEY-----"])
    );
    assert_eq!(ids(&find_secrets(&json)), ["RG-SECRET-017"]);

    // OpenSSH and PGP variants, with armour headers before the body.
    let openssh = format!(
        "{}\n{body}\n",
        cat(&["-----BEGIN OPENSSH ", "PRIVATE KEY-----"])
    );
    assert_eq!(find_secrets(&openssh)[0].kind(), "OpenSSH private key");
    let pgp = format!(
        "{}\nVersion: GnuPG v2\n\n{body}\n",
        cat(&["-----BEGIN PGP ", "PRIVATE KEY BLOCK-----"])
    );
    assert_eq!(find_secrets(&pgp)[0].kind(), "PGP private key block");

    // Headers alone (code that looks for keys), truncated or elided bodies, and
    // public keys are not reported.
    for text in [
        format!("if line.starts_with(\"{}\") {{", private_key_header()),
        format!("{}\nMIIEowIBAAKCAQEA...\n", private_key_header()),
        format!(
            "{}\n...\n-----END RSA PRIVATE KEY-----",
            private_key_header()
        ),
        format!("{}\n<your key here>\n", private_key_header()),
        format!("-----BEGIN PUBLIC KEY-----\n{body}\n"),
        format!("-----BEGIN CERTIFICATE-----\n{body}\n"),
    ] {
        assert!(find_secrets(&text).is_empty(), "{text}");
    }
}

#[test]
fn placeholders_and_documentation_values_are_not_reported() {
    let x36 = "x".repeat(36);
    let lines = [
        "aws_access_key_id = \"AKIAIOSFODNN7EXAMPLE\"".to_owned(),
        "aws_secret_access_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"".to_owned(),
        "access_key = \"AKIAIOSFODNN7EXAMPLE\"".to_owned(),
        "password = \"changeme\"".to_owned(),
        "password = \"password\"".to_owned(),
        "password = \"example\"".to_owned(),
        "password = \"\"".to_owned(),
        "password = \"xxxxxxxxxxxx\"".to_owned(),
        "token = \"XXXXXXXXXXXXXXXXXXXXXXXX\"".to_owned(),
        "api_key = \"<your-api-key>\"".to_owned(),
        "api_key = \"<API_KEY>\"".to_owned(),
        "password = \"${var.db_password}\"".to_owned(),
        "password = \"${data.aws_ssm_parameter.db.value}\"".to_owned(),
        "password = var.db_password".to_owned(),
        "password = local.db_password".to_owned(),
        "password = random_password.db.result".to_owned(),
        "secret = \"aaaaaaaaaaaaaaaa\"".to_owned(),
        "secret = \"abcdefghijklmnop\"".to_owned(),
        "password = \"12345678\"".to_owned(),
        "secret = \"my-Dummy-S3cret-1\"".to_owned(),
        "password = \"Placeholder_Pass1\"".to_owned(),
        "api_key = \"REDACTED-KEY-9\"".to_owned(),
        "password = \"****Abc1****\"".to_owned(),
        "client_secret = \"ExampleSecret#2024\"".to_owned(),
        "token: {{ .Values.token }}".to_owned(),
        "password: ${DB_PASSWORD}".to_owned(),
        "password: $DB_PASSWORD".to_owned(),
        "DB_PASSWORD=$(cat /run/secrets/db)".to_owned(),
        "\"password\": \"{{resolve:secretsmanager:prod/db:SecretString:password}}\"".to_owned(),
        "if password == \"hunter2hunter2\" {".to_owned(),
        "password = \"hunter22\"".to_owned(),
        format!("token = \"{}\"", cat(&["gh", "p_", &x36])),
        format!(
            "token = \"{}\"",
            cat(&["gh", "p_", "0123456789abcdefghijklmnopqrstuvwxyz"])
        ),
        format!(
            "key = \"{}\"",
            cat(&["sk", "_live_", "EXAMPLEKEY000000000000000"])
        ),
        format!("key = \"{}\"", cat(&["pk", "_test_", &fake(ALNUM, 24, 70)])),
        format!("token = \"{}\"", cat(&["xo", "xb-your-token-here"])),
        "webhook = \"https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX\""
            .to_owned(),
        "url = \"postgres://user:password@localhost:5432/db\"".to_owned(),
        "url = \"postgres://postgres:postgres@localhost/db\"".to_owned(),
        "url = \"mysql://app:${DB_PASSWORD}@db/app\"".to_owned(),
        "url = \"https://user:<password>@example.com\"".to_owned(),
        "password = os.environ[\"DB_PASSWORD\"]".to_owned(),
        "password = getpass.getpass()".to_owned(),
        "token := os.Getenv(\"GITHUB_TOKEN\")".to_owned(),
        "const password = process.env.DB_PASSWORD;".to_owned(),
        "token = \"Authorization\"".to_owned(),
        "secret = \"MySecretName\"".to_owned(),
        "secret = \"My-Secret-Name_Prod\"".to_owned(),
        "password = \"$2b$12$abcdefghijklmnopqrstuv\"".to_owned(),
        "password_file = \"/run/secrets/db-Pass1\"".to_owned(),
        "private_key = file(\"~/.ssh/id_rsa\")".to_owned(),
        "private_key = \"keys/deploy-2024.pem\"".to_owned(),
        "  credentials: yegor256/home#assets/crates-credentials".to_owned(),
    ];
    for line in &lines {
        let found = find_secrets(line);
        assert!(found.is_empty(), "{line}: {found:?}");
    }
    for (name, value) in [
        ("password", "changeme"),
        ("password", "example-password-123"),
        ("db_password", ""),
        ("api_token", "${var.token}"),
        ("secret", "var.secret_value"),
        ("password", "************"),
        (
            "secret_string",
            "{\"username\":\"admin\",\"engine\":\"mysql\"}",
        ),
        (
            "aws_secret_access_key",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
    ] {
        let found = find_secrets_in_value(name, value);
        assert!(found.is_empty(), "{name} = {value}: {found:?}");
    }
}

#[test]
fn stripe_test_keys_are_low_and_publishable_keys_are_not_authenticators() {
    let test = cat(&["sk", "_test_", &fake(ALNUM, 24, 80)]);
    let found = find_secrets(&test);
    assert_eq!(found[0].rule().severity, Severity::Low);
    let live = cat(&["sk", "_live_", &fake(ALNUM, 24, 81)]);
    assert_eq!(find_secrets(&live)[0].rule().severity, Severity::Critical);
    let publishable = RULES[Kind::StripePublishable as usize].info();
    assert!(publishable.frameworks.is_empty());
    assert_eq!(publishable.severity, Severity::Low);
}

#[test]
fn jwts_must_decode_and_be_signed() {
    let signed = jwt(
        r#"{"alg":"RS256","typ":"JWT"}"#,
        r#"{"iss":"ci","role":"deployer"}"#,
        90,
    );
    assert_eq!(ids(&find_secrets(&signed)), ["RG-SECRET-018"]);
    // alg none, no signature.
    let unsigned = format!(
        "{}.{}.",
        encode_base64(br#"{"alg":"none","typ":"JWT"}"#, true),
        encode_base64(br#"{"sub":"1234"}"#, true)
    );
    assert!(find_secrets(&unsigned).is_empty());
    // The jwt.io sample.
    let sample = jwt(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#,
        91,
    );
    assert!(find_secrets(&sample).is_empty());
    // Header that is not JSON, and a header without alg.
    let not_json = format!(
        "eyJ{}.eyJ{}.{}",
        fake(ALNUM, 20, 92),
        fake(ALNUM, 20, 93),
        fake(ALNUM, 43, 94)
    );
    assert!(find_secrets(&not_json).is_empty());
    let no_alg = jwt(r#"{"typ":"JWT"}"#, r#"{"sub":"x"}"#, 95);
    assert!(find_secrets(&no_alg).is_empty());
}

#[test]
fn generic_rule_uses_the_name_and_the_entropy_threshold() {
    let value = generic_password();
    assert_eq!(
        ids(&find_secrets_in_value("password", &value)),
        ["RG-SECRET-037"]
    );
    assert_eq!(
        find_secrets_in_value("master_password", &value)[0].kind(),
        "Hard-coded password"
    );
    assert_eq!(
        find_secrets_in_value("auth_token", &value)[0].kind(),
        "Hard-coded token"
    );
    assert_eq!(
        find_secrets_in_value("clientSecret", &value)[0].kind(),
        "Hard-coded secret"
    );
    // Without a name it is just a string.
    assert!(find_secrets(&value).is_empty());
    // Names that are about a secret, not the secret.
    for name in [
        "secret_name",
        "secret_arn",
        "kms_key_id",
        "token_type",
        "password_length",
        "min_password_length",
        "password_policy",
        "secret_version",
        "token_endpoint",
        "name",
        "description",
    ] {
        assert!(
            find_secrets_in_value(name, &value).is_empty(),
            "{name} is not a secret name"
        );
    }
    // Entropy and length gates.
    assert!(find_secrets_in_value("password", "Ab1!").is_empty());
    assert!(find_secrets_in_value("password", "hunter22").is_empty());
    assert!(find_secrets_in_value("password", "my-secret-name").is_empty());
    assert!(shannon_entropy("aaaaaaaa") < f64::EPSILON);
    assert!((shannon_entropy("abcdefgh") - 3.0).abs() < 1e-9);
    assert!(shannon_entropy(&value) >= GENERIC_MIN_ENTROPY);
    // Bearer prefixes are not part of the secret.
    let bearer = format!("Bearer {}", fake(ALNUM, 24, 100));
    let found = find_secrets_in_value("authorization", &bearer);
    assert_eq!(ids(&found), ["RG-SECRET-037"]);
    assert_eq!(found[0].span(), 7..bearer.len());
}

#[test]
fn ordinary_terraform_values_are_not_secrets() {
    let script = "#!/bin/bash\nyum install -y nginx\nsystemctl enable --now nginx\n";
    let user_data = encode_base64(script.as_bytes(), false);
    let sha256 = fake(HEX, 64, 110);
    let md5 = fake(HEX, 32, 111);
    let id = uuid(112);
    let hcl = format!(
        r#"terraform {{
  required_providers {{
aws = {{ source = "hashicorp/aws", version = "~> 5.0" }}
  }}
}}

provider "aws" {{
  region = "eu-west-1"
}}

provider "azurerm" {{
  features {{}}
  tenant_id       = "{id}"
  subscription_id = "{}"
}}

resource "aws_instance" "web" {{
  ami           = "ami-0c55b159cbfe678d0"
  instance_type = "t3.micro"
  user_data     = "{user_data}"
  iam_instance_profile = "arn:aws:iam::123456789012:instance-profile/web"
  tags = {{
Name      = "web"
CommitSha = "{}"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "b" {{
  bucket = "my-bucket"
  rule {{
apply_server_side_encryption_by_default {{
  sse_algorithm     = "aws:kms"
  kms_master_key_id = "arn:aws:kms:eu-west-1:123456789012:key/{id}"
}}
  }}
}}

resource "aws_lambda_function" "f" {{
  function_name    = "f"
  source_code_hash = "{sha256}"
  kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/{}"
  environment {{
variables = {{
  SECRET_ARN  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"
  TOKEN_URL   = "https://auth.example.org/oauth2/token"
  LOG_LEVEL   = "info"
}}
  }}
}}

resource "aws_db_instance" "db" {{
  engine                      = "postgres"
  username                    = "app"
  manage_master_user_password = true
  password                    = random_password.db.result
  kms_key_id                  = "{id}"
}}

resource "aws_secretsmanager_secret" "s" {{
  name       = "prod/db/master-password"
  kms_key_id = "alias/aws/secretsmanager"
}}

resource "aws_iam_user_login_profile" "u" {{
  user                    = "alice"
  password_length         = 20
  password_reset_required = true
}}

resource "aws_s3_object" "o" {{
  bucket = "b"
  key    = "config.json"
  etag   = "{md5}"
}}

resource "datadog_integration_aws" "dd" {{
  account_id  = "123456789012"
  role_name   = "DatadogIntegrationRole"
  external_id = "{}"
}}

variable "db_password" {{
  type      = string
  sensitive = true
}}

locals {{
  token_ttl = 3600
  secret_id = "prod/api"
}}
"#,
        uuid(113),
        fake(HEX, 40, 114),
        uuid(115),
        fake(HEX, 32, 116),
    );
    let lock = r#"provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.31.0"
  constraints = "~> 5.0"
  hashes = [
"h1:Hb0kj0eMNYFhQuM6b6rK8JQS0iZK3yC+DvWSMxeMPQ0=",
"zh:0cdb9c2083bf0902442384f7309367791e4640581652dda456f2d6d7abf0de8d",
  ]
}
"#;
    let cs = ChangeSet::from_documents(
        Origin::Local,
        [
            Document::detect("main.tf", hcl.as_str()),
            Document::detect(".terraform.lock.hcl", lock),
        ],
    );
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let findings = scan(&cs);
    assert!(findings.is_empty(), "{findings:#?}");
    // The same text as an added diff is quiet too.
    let diff = diff_adding("main.tf", &hcl);
    let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("pr.diff", diff)]);
    assert_eq!(cs.changed_files.len(), 1);
    let findings = scan(&cs);
    assert!(findings.is_empty(), "{findings:#?}");
}

/// A diff that creates `path` with `content`.
fn diff_adding(path: &str, content: &str) -> String {
    let lines: Vec<&str> = content.lines().collect();
    let mut diff = format!(
        "diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{} @@\n",
        lines.len()
    );
    for line in lines {
        diff.push('+');
        diff.push_str(line);
        diff.push('\n');
    }
    diff
}

/// A diff that rewrites `path` to `content` (a modified file: only its added lines
/// are read, unlike a file the diff adds whole).
fn diff_rewriting(path: &str, content: &str) -> String {
    diff_adding(path, content).replacen(
        "new file mode 100644\n--- /dev/null",
        &format!("--- a/{path}"),
        1,
    )
}

fn config_fixture() -> (ChangeSet, Vec<String>) {
    let key_id = aws_key_id(120);
    let secret = aws_secret(121);
    let password = generic_password();
    let github = cat(&["gh", "p_", &checksummed_body(122)]);
    let webhook_path = cat(&[
        "T",
        &fake(UPPER, 10, 123),
        "/B",
        &fake(UPPER, 10, 124),
        "/",
        &fake(ALNUM, 24, 125),
    ]);
    let default_password = fake(&format!("{ALNUM}#!"), 18, 126);
    let npm = cat(&["np", "m_", &checksummed_body(127)]);
    let datadog = fake(HEX, 32, 128);
    let tfvars_secret = fake(ALNUM, 30, 129);
    let user_data_secret = aws_secret(130);
    let user_data = encode_base64(
        format!("#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY={user_data_secret}\n").as_bytes(),
        false,
    );
    let hcl = format!(
        r#"provider "aws" {{
  region     = "eu-west-1"
  access_key = "{key_id}"
  secret_key = "{secret}"
}}

resource "aws_db_instance" "db" {{
  engine   = "postgres"
  username = "app"
  password = "{password}"
}}

resource "aws_lambda_function" "fn" {{
  function_name = "f"
  environment {{
variables = {{
  DB_HOST   = "db.internal"
  API_TOKEN = "{github}"
}}
  }}
}}

locals {{
  alerts_webhook = "https://hooks.slack.com/services/{webhook_path}"
}}

variable "db_password" {{
  type      = string
  sensitive = true
  default   = "{default_password}"
}}

module "app" {{
  source    = "./app"
  npm_token = "{npm}"
}}

resource "aws_instance" "web" {{
  ami       = "ami-0c55b159cbfe678d0"
  user_data = "{user_data}"
}}
"#
    );
    let tfvars = format!(
        "region          = \"eu-west-1\"\ndatadog_api_key = \"{datadog}\"\nservice = {{\n  name          = \"api\"\n  client_secret = \"{tfvars_secret}\"\n}}\n"
    );
    let cs = ChangeSet::from_documents(
        Origin::Local,
        [
            Document::detect("main.tf", hcl),
            Document::detect("prod.tfvars", tfvars),
        ],
    );
    let secrets = vec![
        key_id,
        secret,
        password,
        github,
        webhook_path,
        default_password,
        npm,
        datadog,
        tfvars_secret,
        user_data_secret,
    ];
    (cs, secrets)
}

#[test]
fn configuration_values_are_scanned_with_lines_and_addresses() {
    let (cs, _) = config_fixture();
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let findings = scan(&cs);
    let got: Vec<(&str, Option<u32>, &str, Option<&str>)> = findings
        .iter()
        .map(|f| {
            (
                f.file.as_deref().unwrap_or_default(),
                f.line,
                f.rule_id.as_ref(),
                f.resource.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // Provider arguments and module inputs point at their own line.
            ("main.tf", Some(3), "RG-SECRET-001", None),
            ("main.tf", Some(4), "RG-SECRET-002", None),
            (
                "main.tf",
                Some(10),
                "RG-SECRET-037",
                Some("aws_db_instance.db")
            ),
            // The entry of an object inside a nested block, not the object's first line.
            (
                "main.tf",
                Some(18),
                "RG-SECRET-003",
                Some("aws_lambda_function.fn")
            ),
            ("main.tf", Some(24), "RG-SECRET-012", None),
            ("main.tf", Some(27), "RG-SECRET-037", None),
            ("main.tf", Some(35), "RG-SECRET-020", Some("module.app")),
            (
                "main.tf",
                Some(40),
                "RG-SECRET-002",
                Some("aws_instance.web")
            ),
            ("prod.tfvars", Some(2), "RG-SECRET-026", None),
            ("prod.tfvars", Some(3), "RG-SECRET-037", None),
        ],
        "{findings:#?}"
    );
    let by_rule_line = |id: &str, line: u32| {
        findings
            .iter()
            .find(|f| f.rule_id == id && f.line == Some(line))
            .map(|f| f.message.as_str())
            .unwrap_or_default()
    };
    assert!(
        by_rule_line("RG-SECRET-037", 10).contains("attribute `password` of `aws_db_instance.db`")
    );
    assert!(
        by_rule_line("RG-SECRET-003", 18).contains("attribute `environment.0.variables.API_TOKEN`")
    );
    assert!(by_rule_line("RG-SECRET-037", 27).contains("default of variable `db_password`"));
    assert!(by_rule_line("RG-SECRET-012", 24).contains("local `alerts_webhook`"));
    assert!(by_rule_line("RG-SECRET-002", 4).contains("provider `aws`"));
    assert!(by_rule_line("RG-SECRET-002", 40).contains("(base64-decoded)"));
    assert!(
        by_rule_line("RG-SECRET-037", 3)
            .contains("the value of variable `service` (`client_secret`)")
    );
    for f in &findings {
        assert!(f.aliases.is_empty());
        assert!(!f.suppressed);
        assert!(
            f.remediation
                .as_deref()
                .is_some_and(|r| r.contains("rotate"))
        );
        assert_eq!(f.frameworks.get("soc2"), Some(&vec!["CC6.1".to_owned()]));
        assert_eq!(f.end_line.is_some(), f.line.is_some());
    }
}

#[test]
fn sensitive_values_are_scanned_and_stay_masked() {
    let secret = fake(ALNUM, 24, 140);
    let mut attributes = crate::value::ValueMap::new();
    attributes.insert(
        "password",
        Value::Sensitive(crate::value::Sensitive::new(Value::String(
            secret.as_str().into(),
        ))),
    );
    attributes.insert(
        "master_password",
        Value::unknown(Some("var.pw".into()), vec!["var.pw".into()]),
    );
    let resource = Resource {
        address: crate::address::Address::new(
            crate::address::Mode::Managed,
            "aws_rds_cluster",
            "c",
        ),
        provider: None,
        attributes: attributes.into(),
        source: crate::resource::SourceSpan {
            file: "db.tf".into(),
            lines: Some(LineRange { start: 4, end: 9 }),
        },
        attribute_lines: std::collections::BTreeMap::from([(
            "password".to_owned(),
            LineRange { start: 6, end: 6 },
        )]),
        meta: Default::default(),
        suppressions: Vec::new(),
        change: None,
        evaluated: None,
        provenance: Default::default(),
    };
    let mut cs = ChangeSet::default();
    cs.configuration.resources.push(resource);
    let findings = scan(&cs);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].line, Some(6));
    assert!(findings[0].message.contains("marked sensitive"));
    assert!(!findings[0].message.contains(&secret[4..]));
}

#[test]
fn diff_findings_carry_new_file_line_numbers() {
    let stripe = cat(&["sk", "_live_", &fake(ALNUM, 24, 150)]);
    let slack = cat(&[
        "xo",
        "xb-",
        &fake(DIGITS, 11, 151),
        "-",
        &fake(DIGITS, 12, 152),
        "-",
        &fake(ALNUM, 24, 153),
    ]);
    let gitlab = cat(&["gl", "pat-", &fake(ALNUM, 20, 154)]);
    let key_body = fake(&b64_alphabet(), 64, 155);
    let diff = format!(
        "diff --git a/app/config.env b/app/config.env\nnew file mode 100644\n--- /dev/null\n+++ b/app/config.env\n@@ -0,0 +1,4 @@\n+# service config\n+LOG_LEVEL=info\n+STRIPE_KEY={stripe}\n+SLACK_TOKEN={slack}\n\
diff --git a/main.tf b/main.tf\n--- a/main.tf\n+++ b/main.tf\n@@ -10,3 +10,4 @@ resource \"x\" \"y\" {{\n   a = 1\n-  b = 2\n+  b = 3\n+  token = \"{gitlab}\"\n   c = 4\n\
@@ -40,2 +41,4 @@\n   d = 5\n+  e = 6\n+  password = var.db_password\n   f = 7\n\
diff --git a/keys/deploy b/keys/deploy\nnew file mode 100600\n--- /dev/null\n+++ b/keys/deploy\n@@ -0,0 +1,3 @@\n+{}\n+{key_body}\n+-----END RSA PRIVATE KEY-----\n\
diff --git a/old.env b/old.env\ndeleted file mode 100644\n--- a/old.env\n+++ /dev/null\n@@ -1 +0,0 @@\n-STRIPE_KEY={stripe}\n",
        private_key_header()
    );
    let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("pr.diff", diff)]);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let findings = scan(&cs);
    let got: Vec<(&str, Option<u32>, &str)> = findings
        .iter()
        .map(|f| {
            (
                f.file.as_deref().unwrap_or_default(),
                f.line,
                f.rule_id.as_ref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("app/config.env", Some(3), "RG-SECRET-013"),
            ("app/config.env", Some(4), "RG-SECRET-010"),
            ("keys/deploy", Some(1), "RG-SECRET-017"),
            ("main.tf", Some(12), "RG-SECRET-008"),
        ],
        "{findings:#?}"
    );
    assert_eq!(
        findings[0].message,
        format!(
            "Stripe live secret key `{}` on added line 3 of `app/config.env`.",
            mask(&stripe)
        )
    );
    assert!(findings.iter().all(|f| f.resource.is_none()));
}

#[test]
fn configuration_files_take_unquoted_values_only_from_shell_lines() {
    let secret = fake(ALNUM, 24, 180);
    let tf = format!(
        "resource \"aws_instance\" \"w\" {{\n  password = some_{secret}\n  user_data = <<-EOT\n    export DB_PASSWORD={secret}\n  EOT\n}}\n"
    );
    let cs = ChangeSet::from_documents(
        Origin::Local,
        [Document::detect("pr.diff", diff_rewriting("main.tf", &tf))],
    );
    let found: Vec<(Option<u32>, String)> = scan(&cs)
        .into_iter()
        .map(|f| (f.line, f.rule_id.into_owned()))
        .collect();
    assert_eq!(found, [(Some(4), "RG-SECRET-037".to_owned())]);
    // The same heredoc from the parsed configuration, given whole or added whole by
    // a diff: reported once, from the configuration.
    for document in [
        Document::detect("main.tf", tf.clone()),
        Document::detect("pr.diff", diff_adding("main.tf", &tf)),
    ] {
        let cs = ChangeSet::from_documents(Origin::Local, [document]);
        let findings = scan(&cs);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].line, Some(3));
        assert!(findings[0].message.contains("attribute `user_data`"));
    }
}

#[test]
fn name_value_pairs_and_embedded_json_name_their_values() {
    let helm = fake(ALNUM, 20, 200);
    let ecs = fake(ALNUM, 20, 201);
    let hcl = format!(
        r#"resource "helm_release" "app" {{
  name  = "app"
  chart = "app"
  set {{
name  = "image.tag"
value = "v1.2.3-{}"
  }}
  set {{
name  = "auth.password"
value = "{helm}"
  }}
}}

resource "aws_ecs_task_definition" "t" {{
  family = "t"
  container_definitions = jsonencode([
{{
  name  = "app"
  image = "nginx"
  environment = [
    {{ name = "LOG_LEVEL", value = "info" }},
    {{ name = "DB_PASSWORD", value = "{ecs}" }},
  ]
}}
  ])
}}
"#,
        fake(ALNUM, 12, 202)
    );
    let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("app.tf", hcl)]);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let findings = scan(&cs);
    let got: Vec<(Option<u32>, &str, Option<&str>)> = findings
        .iter()
        .map(|f| (f.line, f.rule_id.as_ref(), f.resource.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (Some(10), "RG-SECRET-037", Some("helm_release.app")),
            (Some(16), "RG-SECRET-037", Some("aws_ecs_task_definition.t")),
        ],
        "{findings:#?}"
    );
    assert!(
        findings[1]
            .message
            .contains("`container_definitions.0.environment.1.value`")
    );
}

/// A secret in a provider or a module call points at the argument that holds it
/// — inside a nested block, an object, or a heredoc over several lines — not at
/// the whole block.
#[test]
fn secrets_in_provider_and_module_blocks_point_at_their_argument() {
    let github = cat(&["gh", "p_", &checksummed_body(200)]);
    let secret = aws_secret(201);
    let npm = cat(&["np", "m_", &checksummed_body(202)]);
    let password = generic_password();
    let hcl = format!(
        r#"provider "aws" {{
  region = "eu-west-1"
  assume_role {{
    role_arn = "arn:aws:iam::111122223333:role/deploy"
  }}
  default_tags {{
    tags = {{
      team  = "platform"
      token = "{github}"
    }}
  }}
  secret_key = <<-EOT
    {secret}
  EOT
}}

module "app" {{
  source = "./app"
  settings = {{
    name = "app"
    credentials = {{
      npm_token = "{npm}"
    }}
  }}
  db_password = "{password}"
}}
"#
    );
    let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf", hcl.clone())]);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let findings = scan(&cs);
    let got: Vec<(&str, Option<u32>, Option<u32>)> = findings
        .iter()
        .map(|f| (f.rule_id.as_ref(), f.line, f.end_line))
        .collect();
    assert_eq!(
        got,
        [
            ("RG-SECRET-003", Some(9), Some(9)),
            ("RG-SECRET-002", Some(12), Some(14)),
            ("RG-SECRET-020", Some(22), Some(22)),
            ("RG-SECRET-037", Some(25), Some(25)),
        ],
        "{findings:#?}"
    );
    // The same lines when a diff adds the file: one finding per secret, from the
    // configuration, which a diff line inside the argument does not repeat.
    let cs = ChangeSet::from_documents(
        Origin::Local,
        [
            Document::detect("main.tf", hcl.clone()),
            Document::detect("pr.diff", diff_adding("main.tf", &hcl)),
        ],
    );
    assert_eq!(scan(&cs).len(), 4, "{:#?}", scan(&cs));
}

/// The same in Terraform's JSON syntax: a secret in a provider block or a module
/// call points at its key's lines, nested objects included.
#[test]
fn secrets_in_json_provider_and_module_blocks_point_at_their_argument() {
    let github = cat(&["gh", "p_", &checksummed_body(203)]);
    let password = generic_password();
    let json = format!(
        r#"{{
  "provider": {{
    "aws": {{
      "region": "eu-west-1",
      "default_tags": {{
        "tags": {{
          "token": "{github}"
        }}
      }}
    }}
  }},
  "module": {{
    "app": {{
      "source": "./app",
      "db_password": "{password}"
    }}
  }}
}}
"#
    );
    let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("main.tf.json", json)]);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let findings = scan(&cs);
    let got: Vec<(&str, Option<u32>)> = findings
        .iter()
        .map(|f| (f.rule_id.as_ref(), f.line))
        .collect();
    assert_eq!(
        got,
        [("RG-SECRET-003", Some(7)), ("RG-SECRET-037", Some(15))],
        "{findings:#?}"
    );
}

#[test]
fn provider_blocks_give_context_to_prefixless_keys() {
    let api_key = fake(HEX, 32, 190);
    let app_key = fake(HEX, 40, 191);
    let heroku = uuid(192);
    let org = uuid(193);
    let hcl = format!(
        "provider \"datadog\" {{\n  api_key = \"{api_key}\"\n  app_key = \"{app_key}\"\n}}\n\nprovider \"heroku\" {{\n  email   = \"ops@corp.test\"\n  api_key = \"{heroku}\"\n}}\n\nresource \"heroku_space\" \"s\" {{\n  name         = \"prod\"\n  organization = \"{org}\"\n}}\n"
    );
    let cs = ChangeSet::from_documents(Origin::Local, [Document::detect("providers.tf", hcl)]);
    let findings = scan(&cs);
    let got: Vec<(&str, Option<u32>)> = findings
        .iter()
        .map(|f| (f.rule_id.as_ref(), f.line))
        .collect();
    assert_eq!(
        got,
        [
            ("RG-SECRET-026", Some(2)),
            ("RG-SECRET-026", Some(3)),
            ("RG-SECRET-025", Some(8)),
        ],
        "{findings:#?}"
    );
}

#[test]
fn a_secret_in_both_the_diff_and_the_configuration_is_reported_once() {
    let password = generic_password();
    let hcl = format!(
        "resource \"aws_db_instance\" \"db\" {{\n  engine   = \"postgres\"\n  password = \"{password}\"\n}}\n"
    );
    let cs = ChangeSet::from_documents(
        Origin::Local,
        [
            Document::detect("main.tf", hcl.clone()),
            Document::detect("pr.diff", diff_adding("main.tf", &hcl)),
        ],
    );
    let findings = scan(&cs);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].resource.as_deref(), Some("aws_db_instance.db"));
    assert_eq!(findings[0].line, Some(3));
}

/// No field of a finding, no serialized finding and no `Debug` output contains
/// any eight consecutive characters of a secret past the four a mask shows (the
/// first windows of `AGE-SECRET-KEY-1…` would match rule ids).
#[test]
fn nothing_exposes_more_than_the_masked_prefix() {
    let (cs, mut secrets) = config_fixture();
    let mut findings = scan(&cs);
    let mut debug = Vec::new();
    for (_, line, secret) in samples() {
        let found = find_secrets(&line);
        debug.push(format!("{found:?} {found:#?}"));
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [Document::detect("pr.diff", diff_adding("app/.env", &line))],
        );
        findings.extend(scan(&cs));
        secrets.push(secret);
    }
    debug.push(format!("{findings:?}"));
    let rendered: Vec<String> = findings
        .iter()
        .flat_map(|f| {
            [
                f.message.clone(),
                f.title.to_string(),
                f.remediation.clone().unwrap_or_default().into_owned(),
                f.resource.clone().unwrap_or_default(),
                f.file.clone().unwrap_or_default(),
                serde_json::to_string(f).unwrap_or_default(),
            ]
        })
        .chain(debug)
        .collect();
    assert!(findings.len() > 40);
    for secret in &secrets {
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.get(4..).unwrap_or_default().windows(8) {
            let window: String = window.iter().collect();
            for text in &rendered {
                assert!(
                    !text.contains(&window),
                    "`{window}` of a secret leaked into: {text}"
                );
            }
        }
    }
}

#[test]
fn masks_keep_at_most_four_characters() {
    let key = aws_key_id(160);
    assert_eq!(mask(&key), "AKIA…(20 chars)");
    assert_eq!(mask("abcdefgh"), "ab…(8 chars)");
    assert_eq!(mask("abc"), "…(3 chars)");
    assert_eq!(mask(""), "…(0 chars)");
    assert_eq!(mask("pässwörd-pässwörd"), "päss…(17 chars)");
    assert_eq!(mask("a\nb`cdefgh"), "a?…(10 chars)");
    let long = "Z".repeat(1000);
    assert!(mask(&long).starts_with("ZZZZ…"));
    assert_eq!(mask(&long).matches('Z').count(), 4);
}

#[test]
fn catalog_lists_every_rule_with_stable_ids() {
    let catalog = catalog();
    assert!(catalog.len() >= 20);
    assert_eq!(catalog.len(), RULES.len());
    for (i, info) in catalog.iter().enumerate() {
        assert_eq!(info.id, format!("RG-SECRET-{:03}", i + 1));
        assert!(info.aliases.is_empty());
        assert!(!info.title.is_empty());
        let rule = &RULES[i];
        assert!(!rule.description.is_empty() && !rule.remediation.is_empty());
        assert_eq!(info.frameworks.is_empty(), info.id == "RG-SECRET-015");
    }
    // Kind order matches rule order.
    assert_eq!(Kind::Generic.rule().id, "RG-SECRET-037");
    assert_eq!(Kind::UrlCredentials.rule().id, "RG-SECRET-036");
    assert_eq!(Kind::PrivateKey.rule().id, "RG-SECRET-017");
    assert_eq!(Kind::Jwt.rule().id, "RG-SECRET-018");
}

#[test]
fn long_and_hostile_lines_scan_in_linear_time() {
    // A megabyte of base64 (a minified bundle, an embedded archive), prefixes
    // repeated thousands of times, and a long run of name characters.
    let blob = fake(&b64_alphabet(), 1 << 20, 170);
    let repeated = cat(&["AK", "IA"]).repeat(50_000);
    let jwts = "eyJ.".repeat(50_000);
    let names = "password_password_".repeat(20_000);
    let assignments = "password=\"".repeat(20_000);
    let started = std::time::Instant::now();
    for text in [&blob, &repeated, &jwts, &names, &assignments] {
        assert!(find_secrets(text).is_empty());
    }
    // Generous for unoptimised builds on a shared machine; quadratic behaviour
    // would take minutes.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

use proptest::prelude::*;

proptest! {
    /// Arbitrary text, including multi-byte characters next to every anchor the
    /// matchers look for, never makes a matcher slice inside a character.
    #[test]
    fn arbitrary_text_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                proptest::string::string_regex(".{0,12}").expect("regex"),
                proptest::sample::select(vec![
                    "AKIA", "ghp_", "eyJ", "://", "@", ":", "=", "\"", "password",
                    "-----BEGIN ", "PRIVATE KEY-----", ".atlasv1.", "hooks.slack.com/services/",
                    "datadog ", "heroku ", "AccountKey=", "aws_secret ", "é", "日本", "\n",
                    "Bearer ", "export ", ";", "sk-", "T3BlbkFJ",
                ]).prop_map(str::to_owned),
            ],
            0..40,
        )
    ) {
        let text = parts.concat();
        let _ = find_secrets(&text);
        let _ = find_secrets_in_value("password", &text);
        let _ = find_secrets_in_value("user_data", &text);
        let _ = mask(&text);
    }
}

/// Where the catalog's reader and the one the AWS rule checks had differed, the merged
/// reader keeps what either read: unquoted command-line options, the shell prefixes
/// the rule checks knew, values in escaped quotes (`X=\"…\"` in a heredoc), and base64
/// user data wrapped over lines.
#[test]
fn assignments_and_user_data_read_as_either_detector_did() {
    let password = generic_password();
    for line in [
        format!("mysql --password={password} -h db"),
        format!("readonly DB_PASSWORD={password}"),
        format!("declare -x DB_PASSWORD={password}"),
        format!("$env:DB_PASSWORD={password}"),
        format!("export DB_PASSWORD=\\\"{password}\\\""),
    ] {
        let found = find_secrets(&line);
        assert_eq!(ids(&found), ["RG-SECRET-037"], "{line}");
        assert_eq!(&line[found[0].span()], password.as_str(), "{line}");
    }
    // An option is a name only after a space, not in the middle of a word.
    assert!(find_secrets(&format!("echo x--password={password}")).is_empty());
    let secret = aws_secret(131);
    let encoded = encode_base64(
        format!("#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY={secret}\n").as_bytes(),
        false,
    );
    let wrapped: Vec<String> = encoded
        .as_bytes()
        .chunks(20)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect();
    let found = find_secrets_in_value("user_data", &wrapped.join("\n"));
    assert_eq!(ids(&found), ["RG-SECRET-002"], "{found:?}");
    assert!(found[0].decoded);
}

#[test]
fn base64_round_trips() {
    for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", b"\xff\x00\x10"] {
        for url in [false, true] {
            let text = encode_base64(data, url);
            assert_eq!(
                base64_decode_bytes(text.as_bytes()).as_deref(),
                Some(data),
                "{text}"
            );
        }
    }
    assert!(base64_decode_bytes(b"a").is_none());
    assert!(base64_decode_bytes(b"ab!d").is_none());
}

// Every scan is linear in its input. These inputs are the shapes that were not:
// a scan that is quadratic on them takes minutes here, a linear one well under a
// second (speed targets themselves belong to the benchmarks).

#[test]
fn a_line_of_key_headers_above_a_long_line_is_read_once() {
    // The line below was read again for every header on the line above.
    let k = 20_000;
    let text = format!(
        "{}\n{}\n",
        "-----BEGIN PRIVATE KEY-----".repeat(k),
        "x".repeat(40 * k)
    );
    assert!(find_secrets(&text).is_empty());
}

#[test]
fn a_deeply_indented_line_of_assignments_is_read_once() {
    // Everything left of each name was trimmed again for every name.
    let k = 20_000;
    let text = format!(
        "{}{}\n",
        " ".repeat(40 * k),
        "x password=abcdefgh12345 ".repeat(k)
    );
    assert!(find_secrets(&text).is_empty());
    // Statements are still told apart at the start of a line, however indented.
    let line = format!(
        "{}export DB_PASSWORD={}\n",
        " ".repeat(40 * k),
        generic_password()
    );
    assert_eq!(find_secrets(&line).len(), 1);
}

#[test]
fn a_secret_repeated_through_a_file_is_reported_once_per_place_and_not_again_from_the_diff() {
    // Each place was compared with every earlier place of the same secret, and each
    // diff line with every place.
    let n = 5_000;
    let secret = generic_password();
    let hcl: String = (0..n)
        .map(|i| format!("variable \"db_password_{i}\" {{\n  default = \"{secret}\"\n}}\n"))
        .collect();
    let added: String = hcl.lines().map(|l| format!("+{l}\n")).collect();
    let diff = format!(
        "diff --git a/main.tf b/main.tf\n--- /dev/null\n+++ b/main.tf\n@@ -0,0 +1,{} @@\n{added}",
        3 * n
    );
    let change_set = ChangeSet::from_documents(
        Origin::Local,
        [
            Document::detect("main.tf", hcl),
            Document::detect("pr.diff", diff),
        ],
    );
    let findings = scan(&change_set);
    assert_eq!(
        findings.len(),
        n,
        "one per variable, none again from the diff"
    );
    assert!(findings.iter().all(|f| f.message.contains("variable")));
}

/// Found by the `diff` fuzz target: a file path, resource label or attribute the
/// change's author chose can hold the secret itself, and the finding's message names
/// them; the secret is masked wherever the message would show it.
#[test]
fn a_secret_is_masked_wherever_the_message_would_show_it() {
    let token = cat(&["gh", "p_", &checksummed_body(41)]);
    // The path holds the secret and another one: neither shows.
    let other = cat(&["gh", "p_", &checksummed_body(42)]);
    let path = format!("leak-{token}-{other}.tf");
    let tf = format!("resource \"aws_instance\" \"i_{token}\" {{\n  user_data = \"{token}\"\n}}\n");
    let from_diff = ChangeSet::from_documents(
        Origin::Local,
        [Document::detect("pr.diff", diff_adding(&path, &tf))],
    );
    let from_config = ChangeSet::from_documents(Origin::Local, [Document::detect(&path, &tf)]);
    for cs in [from_diff, from_config] {
        let findings = scan(&cs);
        assert!(!findings.is_empty(), "the token is found");
        for finding in &findings {
            assert!(!finding.message.contains(&token), "{}", finding.message);
            assert!(!finding.message.contains(&other), "{}", finding.message);
            assert!(
                finding.message.contains(&mask(&token)),
                "{}",
                finding.message
            );
        }
    }
}
