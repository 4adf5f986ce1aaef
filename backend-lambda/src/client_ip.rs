//! Who the client is: the address that per-client limits (failed authentications) and
//! every log line use. It is the platform's word, never the first hop of a header the
//! client wrote itself: on Lambda, API Gateway's request context (the connection it
//! accepted); on `reviewgate serve`, the socket's peer — or, when that peer is one of
//! the operator's `trusted_proxies`, the rightmost `X-Forwarded-For` hop that is not a
//! trusted proxy (each proxy appends the address it saw; only the hops our own proxies
//! appended can be believed, and the rightmost untrusted one is the first address no
//! proxy of ours vouches for past).

use std::net::IpAddr;

/// The client address the platform reports (API Gateway's `sourceIp`), put into the
/// request's extensions by the Lambda layer before the router sees the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlatformClientIp(pub IpAddr);

/// One address block, `a.b.c.d/n` or `x::y/n` (a bare address is a block of one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.trim().parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Cidr { network, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let (network, ip, bits) = match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n).into(), u32::from(i).into(), 32),
            (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        // A /0 block shifts every bit out.
        network.checked_shr(shift).unwrap_or(0) == ip.checked_shr(shift).unwrap_or(0)
    }
}

/// The proxies in front of `serve` whose `X-Forwarded-For` is believed
/// (`REVIEWGATE_TRUSTED_PROXIES`, `server.trusted_proxies`). Empty by default: the
/// socket's peer is the client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// Parses a comma- or space-separated list of addresses and CIDR blocks; names
    /// the first entry that is neither.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                Cidr::parse(entry).ok_or_else(|| {
                    format!("`{entry}` is not an IP address or CIDR block (e.g. 10.0.0.0/8)")
                })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(ip))
    }
}

/// The client's address: the platform's when it gave one, else the socket's peer,
/// else (a peer that is a trusted proxy) the rightmost `X-Forwarded-For` hop that is
/// not a trusted proxy. A hop that is no address ends the walk at the last trusted
/// one, so garbage in the header cannot make a client anyone it likes. `None` when
/// nothing says (an in-process call).
pub fn client_ip(
    platform: Option<IpAddr>,
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    if platform.is_some() {
        return platform;
    }
    let peer = peer?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or_default().rsplit(',').map(str::trim) {
        let Ok(address) = hop.parse::<IpAddr>() else {
            break;
        };
        client = address;
        if !trusted.contains(address) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn the_socket_peer_is_the_client_and_a_header_it_writes_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            client_ip(None, Some(ip("198.51.100.7")), Some("1.2.3.4"), &none),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(client_ip(None, None, Some("1.2.3.4"), &none), None);
    }

    #[test]
    fn the_platform_s_word_wins() {
        let trusted = TrustedProxies::parse("0.0.0.0/0").expect("valid");
        assert_eq!(
            client_ip(
                Some(ip("203.0.113.9")),
                Some(ip("10.0.0.1")),
                Some("1.2.3.4"),
                &trusted
            ),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").expect("valid");
        let peer = Some(ip("10.1.2.3"));
        // The client wrote "1.2.3.4" itself; the edge proxy appended what it saw.
        assert_eq!(
            client_ip(
                None,
                peer,
                Some("1.2.3.4, 203.0.113.50, 192.168.1.1"),
                &trusted
            ),
            Some(ip("203.0.113.50"))
        );
        // Every hop trusted: the leftmost one.
        assert_eq!(
            client_ip(None, peer, Some("10.9.9.9, 192.168.1.1"), &trusted),
            Some(ip("10.9.9.9"))
        );
        // No header: the proxy itself.
        assert_eq!(client_ip(None, peer, None, &trusted), peer);
        // Garbage stops the walk at the last trusted address.
        assert_eq!(
            client_ip(
                None,
                peer,
                Some("1.2.3.4, not-an-ip, 192.168.1.1"),
                &trusted
            ),
            Some(ip("192.168.1.1"))
        );
        // A peer that is not a trusted proxy: its header is not read at all.
        assert_eq!(
            client_ip(None, Some(ip("198.51.100.1")), Some("10.0.0.5"), &trusted),
            Some(ip("198.51.100.1"))
        );
    }

    #[test]
    fn blocks_match_by_prefix_in_both_families_and_bad_entries_are_named() {
        let trusted = TrustedProxies::parse("2001:db8::/32 172.16.0.0/12").expect("valid");
        assert!(trusted.contains(ip("2001:db8:1::1")));
        assert!(!trusted.contains(ip("2001:db9::1")));
        assert!(trusted.contains(ip("172.31.255.255")));
        assert!(!trusted.contains(ip("172.32.0.0")));
        assert!(
            !trusted.contains(ip("::ffff:172.16.0.1")),
            "families do not mix"
        );
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .expect("valid")
                .contains(ip("8.8.8.8"))
        );
        let err = TrustedProxies::parse("10.0.0.0/8, 10.0.0.0/33").expect_err("bad prefix");
        assert!(err.contains("10.0.0.0/33"), "{err}");
        assert!(TrustedProxies::parse("proxy.internal").is_err());
    }
}
