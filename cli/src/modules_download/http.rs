//! The one HTTP client of module downloads, and what it may reach: HTTPS to
//! public addresses (checked for IP literals, at every redirect, and at DNS
//! resolution, so a name cannot point inside), a registry's token to its host
//! only, timeouts, bodies read up to a limit.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

pub use reqwest::Url;

/// A registry's JSON answers (discovery, versions) are small.
const MAX_JSON_BYTES: u64 = 1024 * 1024;
/// Redirects followed per request, each checked like the first URL.
const MAX_REDIRECTS: usize = 5;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

pub(super) fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether an address is one a download may reach: public ones, and loopback
/// when the insecure-localhost switch is on.
fn reachable_ip(ip: IpAddr, allow_loopback: bool) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if ip.is_loopback() {
        return allow_loopback;
    }
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// The one HTTP client: HTTPS to public addresses, no credentials of its own, no cookies,
/// timeouts, every redirect checked.
pub(super) struct Http {
    client: Result<reqwest::blocking::Client, String>,
    pub(super) insecure_localhost: bool,
}

/// Resolves names to public addresses only, so a registry's host name cannot
/// lead a download to an internal service.
struct PublicAddresses {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicAddresses {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = (host.as_str(), 0)
                .to_socket_addrs()?
                .filter(|a| reachable_ip(a.ip(), allow_loopback))
                .collect();
            if addresses.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl Http {
    pub(super) fn new(insecure_localhost: bool) -> Self {
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if let Err(why) = permitted(attempt.url(), insecure_localhost) {
                attempt.error(why)
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::blocking::Client::builder()
            .user_agent(concat!("reviewgate/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(redirects)
            .dns_resolver(Arc::new(PublicAddresses {
                allow_loopback: insecure_localhost,
            }));
        if insecure_localhost {
            // A proxy from the environment must not stand between a test and its
            // fake registry.
            builder = builder.no_proxy();
        }
        Http {
            client: builder.build().map_err(|e| format!("no HTTP client: {e}")),
            insecure_localhost,
        }
    }

    /// A body of at most `limit` bytes from a 200 answer.
    pub(super) fn get(
        &self,
        url: &Url,
        limit: u64,
        token: Option<&RegistryToken>,
    ) -> Result<Vec<u8>, String> {
        let response = self.send(url, token)?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("{url} answered {}", response.status()));
        }
        read_limited(response, url, limit)
    }

    pub(super) fn get_json(
        &self,
        url: &Url,
        token: Option<&RegistryToken>,
    ) -> Result<serde_json::Value, String> {
        let body = self.get(url, MAX_JSON_BYTES, token)?;
        serde_json::from_slice(&body).map_err(|e| format!("{url} answered with bad JSON: {e}"))
    }

    /// The download endpoint's answer: 204 with `X-Terraform-Get`, or 200 with
    /// `{"location": …}` (registries that answer in the body).
    pub(super) fn get_location(
        &self,
        url: &Url,
        token: Option<&RegistryToken>,
    ) -> Result<String, String> {
        let response = self.send(url, token)?;
        let status = response.status();
        if let Some(location) = response
            .headers()
            .get("x-terraform-get")
            .and_then(|v| v.to_str().ok())
            .filter(|_| status.is_success())
        {
            return Ok(location.to_owned());
        }
        if status == reqwest::StatusCode::OK {
            let body = read_limited(response, url, MAX_JSON_BYTES)?;
            let json: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| format!("{url} answered with bad JSON: {e}"))?;
            if let Some(location) = json.get("location").and_then(serde_json::Value::as_str) {
                return Ok(location.to_owned());
            }
        }
        Err(format!("{url} answered {status} without X-Terraform-Get"))
    }

    fn send(
        &self,
        url: &Url,
        token: Option<&RegistryToken>,
    ) -> Result<reqwest::blocking::Response, String> {
        permitted(url, self.insecure_localhost)?;
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let mut request = client.get(url.clone());
        // reqwest drops the header itself on a redirect to another host.
        if let Some(token) = token.filter(|t| t.host == host_and_port(url)) {
            request = request.bearer_auth(&token.token);
        }
        request.send().map_err(|e| {
            // reqwest's chain says why (timeout, TLS, refused address).
            let mut message = format!("{url}: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            message
        })
    }
}

/// A registry's API token, read as Terraform reads it (`TF_TOKEN_` and the host
/// name with `.` as `_` and `-` as `__`): sent to that registry host's API only,
/// never to another host (a `modules.v1` elsewhere, an archive's server).
pub(super) struct RegistryToken {
    /// `HOST[:PORT]` as the module source names it.
    host: String,
    token: String,
}

impl std::fmt::Debug for RegistryToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RegistryToken({}, redacted)", self.host)
    }
}

impl RegistryToken {
    /// The token the environment holds for `host`, if any.
    pub(super) fn from_env(host: &str) -> Option<Self> {
        let name = host.split(':').next().unwrap_or(host);
        let variables = [
            format!("TF_TOKEN_{}", name.replace('.', "_").replace('-', "__")),
            format!("TF_TOKEN_{}", name.replace('.', "_")),
        ];
        let token = variables
            .iter()
            .find_map(|variable| std::env::var(variable).ok())
            .filter(|token| !token.is_empty())?;
        Some(RegistryToken {
            host: host.to_owned(),
            token,
        })
    }
}

/// `HOST[:PORT]` of a URL, the port only when it is written.
fn host_and_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn read_limited(
    response: reqwest::blocking::Response,
    url: &Url,
    limit: u64,
) -> Result<Vec<u8>, String> {
    use std::io::Read;
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(format!("{url} is larger than {limit} bytes"));
    }
    let mut body = Vec::new();
    response
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("{url}: {e}"))?;
    if body.len() as u64 > limit {
        return Err(format!("{url} is larger than {limit} bytes"));
    }
    Ok(body)
}

/// Whether a URL may be fetched at all: HTTPS (HTTP only to loopback with the
/// switch on), no user name or password in it, no IP literal that is not public.
fn permitted(url: &Url, insecure_localhost: bool) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    let loopback_allowed = insecure_localhost && is_loopback_host(host);
    match url.scheme() {
        "https" => {}
        "http" if loopback_allowed => {}
        other => {
            return Err(format!(
                "{url} refused: only https URLs are fetched, not {other}"
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{} refused: it carries credentials",
            url.host_str().unwrap_or_default()
        ));
    }
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    if let Ok(ip) = literal
        && !reachable_ip(ip, insecure_localhost)
    {
        return Err(format!("{url} refused: {ip} is not a public address"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetches_https_public_addresses_only() {
        let url = |s: &str| Url::parse(s).expect("url");
        assert!(permitted(&url("https://registry.terraform.io/x"), false).is_ok());
        assert!(permitted(&url("http://registry.terraform.io/x"), false).is_err());
        assert!(permitted(&url("http://127.0.0.1:8080/x"), false).is_err());
        assert!(permitted(&url("http://127.0.0.1:8080/x"), true).is_ok());
        assert!(permitted(&url("http://10.0.0.1/x"), true).is_err());
        assert!(permitted(&url("https://169.254.169.254/x"), false).is_err());
        assert!(permitted(&url("https://[::ffff:10.0.0.1]/x"), false).is_err());
        assert!(permitted(&url("https://user:pw@example.com/x"), false).is_err());
    }
}
