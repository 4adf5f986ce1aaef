//! Module sources as Terraform and go-getter read them: registry addresses, the
//! kind of any other source, and the archive an `X-Terraform-Get` names.

use super::archive::ArchiveFormat;
use super::http::Url;

/// Terraform's default registry host.
const DEFAULT_REGISTRY_HOST: &str = "registry.terraform.io";

/// A registry module's address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct RegistryAddress {
    pub(super) host: String,
    pub(super) namespace: String,
    pub(super) name: String,
    pub(super) provider: String,
    /// `//SUBDIR` of the source: a module inside the package.
    pub(super) subdir: String,
}

impl RegistryAddress {
    pub(super) fn path(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.name, self.provider)
    }
}

pub(super) fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

/// `[HOST/]NAMESPACE/NAME/PROVIDER[//SUBDIR]` as Terraform reads a module
/// registry source (`internal/addrs/module_source.go`); `None` for any other.
pub(super) fn parse_registry_address(source: &str) -> Option<RegistryAddress> {
    if source.contains("::") || source.contains("://") || is_local(source) {
        return None;
    }
    let (address, subdir) = match source.split_once("//") {
        Some((address, subdir)) => (address, subdir.trim_matches('/')),
        None => (source, ""),
    };
    if subdir.split('/').any(|s| s == "..") {
        return None;
    }
    let parts: Vec<&str> = address.split('/').collect();
    let (host, rest) = match parts.as_slice() {
        [namespace, name, provider] => (
            DEFAULT_REGISTRY_HOST.to_owned(),
            [*namespace, *name, *provider],
        ),
        [host, namespace, name, provider] => {
            let host = host.to_ascii_lowercase();
            if !valid_host(&host) || host == "github.com" || host == "bitbucket.org" {
                return None;
            }
            (host, [*namespace, *name, *provider])
        }
        _ => return None,
    };
    let [namespace, name, provider] = rest;
    let label = |s: &str| {
        (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
    };
    let provider_ok = (1..=64).contains(&provider.len())
        && provider
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (label(namespace) && label(name) && provider_ok).then(|| RegistryAddress {
        host,
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        provider: provider.to_owned(),
        subdir: subdir.to_owned(),
    })
}

/// A host name, optionally with a port: letters, digits, dots and hyphens.
fn valid_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    !name.is_empty()
        && name.len() <= 253
        && (name.contains('.') || name == "localhost")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !name.starts_with(['.', '-'])
        && port.is_none_or(|p| p.parse::<u16>().is_ok())
}

/// What kind of source a non-registry, non-local address is, as go-getter
/// would detect it.
pub(super) fn source_type(source: &str) -> String {
    if let Some((forced, _)) = source.split_once("::")
        && !forced.is_empty()
        && forced.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return match forced {
            "https" => "http".to_owned(),
            other => other.to_ascii_lowercase(),
        };
    }
    let lower = source.to_ascii_lowercase();
    if lower.starts_with("github.com/")
        || lower.starts_with("bitbucket.org/")
        || lower.starts_with("git@")
        || lower.ends_with(".git")
        || lower.contains(".git?")
        || lower.contains(".git//")
    {
        "git".to_owned()
    } else if lower.contains(".amazonaws.com/") {
        "s3".to_owned()
    } else if lower.starts_with("www.googleapis.com/storage") {
        "gcs".to_owned()
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        "http".to_owned()
    } else {
        "unknown".to_owned()
    }
}

/// An `X-Terraform-Get` value as go-getter reads it: the archive's URL (relative
/// ones against the download URL, `archive` taken out of the query), the
/// `//subdir` within it, and the format.
pub(super) fn archive_location(
    location: &str,
    base: &Url,
) -> Result<(Url, String, ArchiveFormat), String> {
    let forced = location
        .split_once("::")
        .filter(|(f, _)| f.bytes().all(|b| b.is_ascii_alphanumeric()));
    let location = match forced {
        Some(("http" | "https", rest)) => rest,
        Some(_) => {
            return Err(format!(
                "source type not downloaded: {} (the registry points to {location})",
                source_type(location)
            ));
        }
        None => location,
    };
    let kind = source_type(location);
    if kind != "http" && kind != "unknown" {
        return Err(format!(
            "source type not downloaded: {kind} (the registry points to {location})"
        ));
    }
    // `//` after the scheme's starts the subdirectory, up to the query.
    let after_scheme = location.find("://").map_or(0, |i| i + 3);
    let (url_text, subdir) = match location[after_scheme..].find("//") {
        Some(i) => {
            let split = after_scheme + i;
            let (path_part, rest) = location.split_at(split);
            let rest = &rest[2..];
            let (subdir, query) = match rest.split_once('?') {
                Some((subdir, query)) => (subdir, format!("?{query}")),
                None => (rest, String::new()),
            };
            (
                format!("{path_part}{query}"),
                subdir.trim_matches('/').to_owned(),
            )
        }
        None => (location.to_owned(), String::new()),
    };
    let mut url = base
        .join(&url_text)
        .map_err(|e| format!("the registry's X-Terraform-Get is not a URL: {e}"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "source type not downloaded: {} (the registry points to {url})",
            url.scheme()
        ));
    }
    let archive = url
        .query_pairs()
        .find(|(k, _)| k == "archive")
        .map(|(_, v)| v.into_owned());
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "archive")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let format = archive
        .as_deref()
        .and_then(ArchiveFormat::from_name)
        .or_else(|| ArchiveFormat::from_name(url.path()))
        .ok_or_else(|| {
            format!("source type not downloaded: http (not a .tar.gz or .zip archive: {url})")
        })?;
    Ok((url, subdir, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_registry_addresses_as_terraform_does() {
        let address =
            parse_registry_address("terraform-aws-modules/s3-bucket/aws").expect("3 parts");
        assert_eq!(address.host, "registry.terraform.io");
        assert_eq!(address.path(), "terraform-aws-modules/s3-bucket/aws");
        let address =
            parse_registry_address("app.terraform.io/acme/vpc/aws//modules/subnets").expect("host");
        assert_eq!(address.host, "app.terraform.io");
        assert_eq!(address.subdir, "modules/subnets");
        assert_eq!(
            parse_registry_address("127.0.0.1:8080/acme/bucket/aws").map(|a| a.host),
            Some("127.0.0.1:8080".to_owned())
        );
        for other in [
            "github.com/acme/module",
            "git::https://example.com/x.git",
            "./modules/x",
            "acme/bucket/AWS",
            "a/b/c/d/e",
            "s3::https://s3.amazonaws.com/bucket/x.zip",
            "acme/bucket/aws//../x",
        ] {
            assert!(parse_registry_address(other).is_none(), "{other}");
        }
    }

    #[test]
    fn names_source_types() {
        assert_eq!(source_type("git::https://example.com/x.git"), "git");
        assert_eq!(source_type("github.com/acme/module"), "git");
        assert_eq!(source_type("git@github.com:acme/module.git"), "git");
        assert_eq!(source_type("s3::https://s3.amazonaws.com/b/x.zip"), "s3");
        assert_eq!(source_type("bucket.s3.amazonaws.com/x.zip"), "s3");
        assert_eq!(
            source_type("gcs::https://www.googleapis.com/storage/v1/b/x"),
            "gcs"
        );
        assert_eq!(source_type("https://example.com/x.zip"), "http");
    }

    #[test]
    fn reads_x_terraform_get_like_go_getter() {
        let base = Url::parse("https://registry.example.com/v1/modules/a/b/c/1.0.0/download")
            .expect("url");
        let (url, subdir, format) =
            archive_location("https://cdn.example.com/m.tar.gz//sub/dir?sig=1", &base)
                .expect("archive");
        assert_eq!(url.as_str(), "https://cdn.example.com/m.tar.gz?sig=1");
        assert_eq!(subdir, "sub/dir");
        assert_eq!(format, ArchiveFormat::TarGz);
        let (url, subdir, format) =
            archive_location("/archives/m?archive=zip", &base).expect("relative");
        assert_eq!(url.as_str(), "https://registry.example.com/archives/m");
        assert_eq!(subdir, "");
        assert_eq!(format, ArchiveFormat::Zip);
        let error =
            archive_location("git::https://example.com/x.git?ref=v1", &base).expect_err("git");
        assert!(
            error.starts_with("source type not downloaded: git"),
            "{error}"
        );
        assert!(archive_location("https://example.com/x", &base).is_err());
    }
}
