//! Secrets written out where only references belong: EC2 user data, Lambda
//! environment variables, ECS container environments. The AWS rules that check those
//! places ask here, so that one detector serves them and the RG-SECRET rules.
//!
//! The matchers run at [`Evidence::Literal`]: besides everything the RG-SECRET rules
//! report, a token of the right shape counts whatever its content, a private key
//! header counts without its body, and a name that suggests a secret makes any
//! written-out value one. A value taken from a variable, a resource or a secret
//! store is not written out, and is not what these checks are about.

use std::fmt;

use super::encodings::decode_base64_text;
use super::line::Evidence;
use super::names::suggests_secret;
use super::secret_match::SecretMatch;
use super::text::{name_context, scan_text};
use super::values::{generic_value_ok, is_literal, strip_auth_scheme};

/// A secret written out where a reference belongs, described without its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HardCodedSecret {
    /// The name the value is assigned to (`DB_PASSWORD`, `--db-password`), when known.
    name: Option<String>,
    /// What the value is, when its format says so (`AWS access key ID`); `None` when
    /// only the name says it is a secret.
    format: Option<&'static str>,
}

impl HardCodedSecret {
    /// A secret found in a script: by its assignment's name when the generic matcher
    /// read one (the name says what it is), else by its format.
    fn in_script(found: &SecretMatch) -> Self {
        HardCodedSecret {
            name: found.name.clone(),
            format: found.name.is_none().then(|| found.kind()),
        }
    }
}

impl fmt::Display for HardCodedSecret {
    /// `` `DB_PASSWORD` ``, `` `API_TOKEN`: GitHub personal access token (classic) ``,
    /// or the format alone: never the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, self.format) {
            (Some(name), Some(format)) => write!(f, "`{name}`: {format}"),
            (Some(name), None) => write!(f, "`{name}`"),
            (None, Some(format)) => f.write_str(format),
            (None, None) => f.write_str("a secret"),
        }
    }
}

/// The first secret written out in a script (user data, cloud-init): in its text, or
/// in the text it decodes to when it is base64 (launch templates require that).
pub fn hard_coded_in_script(script: &str) -> Option<HardCodedSecret> {
    let first = |text: &str| {
        scan_text(text, "", false, Evidence::Literal)
            .first()
            .map(HardCodedSecret::in_script)
    };
    first(script).or_else(|| first(&decode_base64_text(script)?))
}

/// A secret written out as the value of the variable `name` (an environment
/// variable): a credential format in the value, or a name that suggests a secret
/// with a written-out value.
pub fn hard_coded_value(name: &str, value: &str) -> Option<HardCodedSecret> {
    let context = name_context("", name, name);
    if let Some(found) = scan_text(value, &context, false, Evidence::Literal).first() {
        return Some(HardCodedSecret {
            name: Some(name.to_owned()),
            format: Some(found.kind()),
        });
    }
    let (_, candidate) = strip_auth_scheme(value);
    let written_out = is_literal(value) || generic_value_ok(candidate);
    (suggests_secret(name) && written_out).then(|| HardCodedSecret {
        name: Some(name.to_owned()),
        format: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::names::{credential_label, suggests_secret};

    fn script(text: &str) -> Option<String> {
        hard_coded_in_script(text).map(|secret| secret.to_string())
    }

    #[test]
    fn recognises_secret_names_and_literal_values() {
        for name in [
            "DB_PASSWORD",
            "dbPassword",
            "DBPASSWORD",
            "API_KEY",
            "apiKey",
            "GITHUB_TOKEN",
            "client_secret",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "PRIVATE_KEY",
            "authToken",
        ] {
            assert!(suggests_secret(name), "{name}");
        }
        for name in [
            "GREETING",
            "DB_PASSWORD_SECRET_ARN",
            "SECRET_NAME",
            "TOKEN_TTL",
            "PASSWORD_MIN_LENGTH",
            "TOKENIZER_MODEL",
            "KMS_KEY_ID",
            "SSM_PATH",
            "secretary",
            "monkey",
        ] {
            assert!(!suggests_secret(name), "{name}");
        }
        assert!(is_literal("\"hunter2\""));
        for value in [
            "",
            "$(aws ssm get-parameter --name x)",
            "${DB_PASSWORD}",
            "arn:aws:secretsmanager:eu-west-1:123:secret:x",
            "/run/secrets/db",
            "true",
        ] {
            assert!(!is_literal(value), "{value}");
        }
    }

    #[test]
    fn scans_scripts_and_base64() {
        assert_eq!(
            script("#!/bin/bash\nexport DB_PASSWORD='s3cr3t'\n").as_deref(),
            Some("`DB_PASSWORD`")
        );
        assert!(script("mysql --password=s3cr3t -h db").is_some());
        assert!(script("chpasswd:\n  password: s3cr3t\n").is_some());
        assert!(script("export KEY=AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(script("export GREETING=hello\nif [ \"$A\" == b ]; then echo; fi").is_none());
        assert!(script("export DB_PASSWORD=$(aws secretsmanager get-secret-value)").is_none());
        assert_eq!(
            decode_base64_text("ZXhwb3J0IEVESVRPUj12aW1hY3M=").as_deref(),
            Some("export EDITOR=vimacs")
        );
        assert_eq!(decode_base64_text("export A=b"), None);
        assert_eq!(decode_base64_text("####"), None);
    }

    /// Where the two detectors differed, the merged one finds what either found: the
    /// rule checks' names beyond the catalog's, shapes without their randomness, key
    /// headers without their body, and every format of the catalog.
    #[test]
    fn finds_what_either_detector_found() {
        // Names only the rule checks counted, and the catalog's labels still apply.
        for name in [
            "DBPASSWORD",
            "SSH_KEY",
            "ENCRYPTION_KEY",
            "AWS_ACCESS_KEY_ID",
        ] {
            assert!(credential_label(name).is_none(), "{name}");
            assert_eq!(
                hard_coded_value(name, "hunter2").map(|s| s.to_string()),
                Some(format!("`{name}`"))
            );
        }
        // A format the rule checks did not know, under a name that says nothing.
        let token = ["gh", "p_", "Zr8Kq2Lw9Xv4Tn6Bm1Hc3Jd5Fg7Sa0Py2Qe4"].concat();
        assert_eq!(
            hard_coded_value("CONFIG", &token).map(|s| s.to_string()),
            Some("`CONFIG`: GitHub personal access token (classic)".to_owned())
        );
        // A private key header is enough where no key belongs.
        let header = ["-----BEGIN RSA ", "PRIVATE KEY-----"].concat();
        assert_eq!(
            script(&format!("cat > /root/key <<EOF\n{header}\n...\nEOF")).as_deref(),
            Some("RSA private key")
        );
        // Base64 wrapped over lines, as `base64 -w 76` writes it.
        let wrapped = "ZXhwb3J0IERCX1BBU1NXT1JEPWh1\nbnRlcjIy";
        assert_eq!(script(wrapped).as_deref(), Some("`DB_PASSWORD`"));
        // References are still not secrets.
        assert!(hard_coded_value("DB_PASSWORD", "${var.db_password}").is_none());
        assert!(hard_coded_value("DB_PASSWORD", "arn:aws:ssm:eu-west-1:1:parameter/db").is_none());
    }
}
