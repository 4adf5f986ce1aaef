//! Network rules: security groups, network ACLs, VPCs and subnets.
//!
//! A security group rule can be written four ways that mean the same thing to AWS:
//! inline `ingress`/`egress` blocks of `aws_security_group` (or
//! `aws_default_security_group`), an `aws_security_group_rule` with a `type`, and the
//! newer one-rule-per-resource `aws_vpc_security_group_ingress_rule` /
//! `aws_vpc_security_group_egress_rule` (with `ip_protocol`, `cidr_ipv4`,
//! `cidr_ipv6`). Network ACL rules likewise come inline (`aws_network_acl`,
//! `aws_default_network_acl`) or as `aws_network_acl_rule`. Each family is read
//! through one normalized view ([`SgRule`], [`AclRule`]) so every check is written
//! once and sees every shape.
//!
//! Internet exposure is split by what is exposed, so one rule never gets two
//! findings: RG-AWS-EC2-002 (critical) is SSH, RDP or every port open to the
//! internet; RG-AWS-EC2-001 is any other port open to the internet.

use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::blocks;
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};
use crate::value::{Value, ValueMap};

/// Every resource type that holds security group rules.
const SG_RULE_TYPES: &[&str] = &[
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
];

/// Every resource type that holds network ACL rules.
const ACL_RULE_TYPES: &[&str] = &[
    "aws_network_acl",
    "aws_default_network_acl",
    "aws_network_acl_rule",
];

const SSH_PORT: i64 = 22;
const RDP_PORT: i64 = 3389;
const MAX_PORT: i64 = 65535;

/// The description Terraform gives a security group that sets none.
const TERRAFORM_DEFAULT_SG_DESCRIPTION: &str = "Managed by Terraform";

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-001",
            title: "Security group allows ingress from the internet",
            severity: Severity::Medium,
            description: "A security group rule admits traffic from any IPv4 or IPv6 address (0.0.0.0/0, ::/0) to a port that is not SSH or RDP. Anything listening there is reachable by every scanner on the internet; make sure that is intended (a public web endpoint) and not a database, cache or admin interface. SSH, RDP and all-port exposure is RG-AWS-EC2-002.",
            remediation: "Restrict `cidr_blocks` / `ipv6_cidr_blocks` (or `cidr_ipv4` / `cidr_ipv6`) to the networks that need access, or put the service behind a load balancer or VPN; if the exposure is intended (HTTPS on a public load balancer), suppress the finding with a reason.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC6.6"]),
                ("pci-dss-4.0", &["1.4.2"]),
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: SG_RULE_TYPES,
        },
        check: check_sg_public_ingress,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-002",
            title: "Security group allows SSH, RDP or all ports from the internet",
            severity: Severity::Critical,
            description: "A security group rule admits traffic from any IPv4 or IPv6 address to SSH (22), RDP (3389) or every port. Remote administration ports open to the internet are brute-forced within minutes of exposure and are a leading cause of instance compromise.",
            remediation: "Remove the rule or restrict its source to known administrative networks; prefer AWS Systems Manager Session Manager or a bastion/VPN over exposing SSH or RDP.",
            aliases: &["AWS-0107", "AVD-AWS-0107"],
            frameworks: &[
                ("cis-aws-3.0", &["5.2", "5.3"]),
                ("soc2", &["CC6.6"]),
                ("pci-dss-4.0", &["1.3.1", "1.4.2"]),
                ("nist-800-53-r5", &["AC-17", "SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: SG_RULE_TYPES,
        },
        check: check_sg_admin_ingress,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-003",
            title: "Security group allows egress to the internet",
            severity: Severity::Critical,
            description: "A security group rule allows outbound traffic to any IPv4 or IPv6 address. Unrestricted egress lets a compromised workload download tooling and exfiltrate data anywhere; outbound access should be limited to the destinations the workload needs.",
            remediation: "Restrict egress `cidr_blocks` / `ipv6_cidr_blocks` (or `cidr_ipv4` / `cidr_ipv6`) to the required destinations, or route internet-bound traffic through a proxy or centralized egress VPC.",
            aliases: &["AWS-0104", "AVD-AWS-0104"],
            frameworks: &[
                ("pci-dss-4.0", &["1.3.2"]),
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: SG_RULE_TYPES,
        },
        check: check_sg_public_egress,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-004",
            title: "Security group has no description",
            severity: Severity::Low,
            description: "A security group without a meaningful description (empty, or Terraform's default \"Managed by Terraform\") makes audits and incident response slower: nobody can tell what the group is for without tracing its attachments.",
            remediation: "Set `description` to what the group protects and why. Note that changing a security group's description replaces the group.",
            aliases: &["AWS-0099", "AVD-AWS-0099", "CKV_AWS_23"],
            frameworks: &[],
            resource_types: &["aws_security_group"],
        },
        check: check_sg_description,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EC2-005",
            title: "Security group rule has no description",
            severity: Severity::Low,
            description: "Security group rules without a description cannot be audited: a reviewer cannot tell why a port or source range is open, so stale rules are never removed.",
            remediation: "Set `description` on every inline `ingress`/`egress` block, `aws_security_group_rule` and `aws_vpc_security_group_*_rule`.",
            aliases: &["AWS-0124", "AVD-AWS-0124", "CKV_AWS_23"],
            frameworks: &[],
            resource_types: SG_RULE_TYPES,
        },
        check: check_sg_rule_description,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-VPC-001",
            title: "Default VPC is managed",
            severity: Severity::High,
            description: "`aws_default_vpc` adopts the account's default VPC, whose subnets give every instance a public IP and route to an internet gateway. Workloads should run in purpose-built VPCs with deliberate network boundaries.",
            remediation: "Create an `aws_vpc` with explicit subnets and routing for the workload, and remove the `aws_default_vpc` resource (consider deleting the default VPC in every region).",
            aliases: &["AWS-0101", "AVD-AWS-0101", "CKV_AWS_148"],
            frameworks: &[
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_default_vpc"],
        },
        check: check_default_vpc,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-VPC-002",
            title: "Subnet assigns public IP addresses by default",
            severity: Severity::High,
            description: "With `map_public_ip_on_launch`, every instance launched in the subnet gets a public IPv4 address, so anything placed there is directly reachable from the internet whenever its security group allows it. Default subnets (`aws_default_subnet`) do this unless told otherwise.",
            remediation: "Set `map_public_ip_on_launch = false` and give public addresses only to resources that need them (or front them with a load balancer or NAT gateway).",
            aliases: &["AWS-0164", "AVD-AWS-0164", "CKV_AWS_130"],
            frameworks: &[
                ("pci-dss-4.0", &["1.4.2"]),
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: &["aws_subnet", "aws_default_subnet"],
        },
        check: check_subnet_public_ip,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-VPC-003",
            title: "VPC has no flow logs",
            severity: Severity::Medium,
            description: "VPC flow logs record the traffic accepted and rejected in the VPC. Without them there is no record to detect scanning or exfiltration, or to investigate an incident afterwards.",
            remediation: "Add an `aws_flow_log` with `vpc_id` set to the VPC (for example `traffic_type = \"ALL\"` to CloudWatch Logs or S3).",
            aliases: &["AWS-0178", "AVD-AWS-0178", "CKV2_AWS_11"],
            frameworks: &[
                ("cis-aws-3.0", &["3.7"]),
                ("soc2", &["CC7.2"]),
                ("nist-800-53-r5", &["AU-12", "SI-4"]),
                ("nist-csf-2.0", &["DE.CM-01"]),
            ],
            resource_types: &["aws_vpc", "aws_default_vpc"],
        },
        check: check_vpc_flow_logs,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-VPC-004",
            title: "Network ACL rule allows all ports",
            severity: Severity::Critical,
            description: "A network ACL `allow` rule for all protocols (`-1`/`all`) or for every TCP/UDP port removes the subnet-level filter entirely for the matching addresses. Network ACLs should allow only the ports the subnet serves. Rules are read as AWS evaluates them: in ascending `rule_no`/`rule_number` order, first match wins, so an allow is not reported when lower-numbered `deny` rules of the same ACL and direction cover all its traffic and addresses (Amazon VPC User Guide, \"Network ACL rules\", https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html).",
            remediation: "Replace the rule with rules for the specific protocols and port ranges needed (remember return traffic on ephemeral ports 1024-65535).",
            aliases: &["AWS-0102", "AVD-AWS-0102"],
            frameworks: &[
                ("pci-dss-4.0", &["1.3.1", "1.3.2"]),
                ("nist-800-53-r5", &["SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: ACL_RULE_TYPES,
        },
        check: check_acl_all_ports,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-VPC-005",
            title: "Network ACL allows SSH or RDP from the internet",
            severity: Severity::Medium,
            description: "A network ACL ingress rule allows SSH (22) or RDP (3389) — or all traffic — from any IPv4 or IPv6 address. The subnet then relies on security groups alone to keep remote administration ports away from the internet. Rules are read as AWS evaluates them: in ascending rule number, first match wins, so an allow whose SSH and RDP traffic from the internet is denied first by lower-numbered `deny` rules is not reported; an allow numbered below the deny still is (Amazon VPC User Guide, \"Network ACL rules\", https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html).",
            remediation: "Restrict the rule's `cidr_block` / `ipv6_cidr_block` to administrative networks, or add a lower-numbered `deny` rule for ports 22 and 3389 from 0.0.0.0/0 and ::/0.",
            aliases: &["AWS-0105", "AVD-AWS-0105"],
            frameworks: &[
                ("cis-aws-3.0", &["5.1"]),
                ("soc2", &["CC6.6"]),
                ("pci-dss-4.0", &["1.4.2"]),
                ("nist-800-53-r5", &["AC-17", "SC-7"]),
                ("nist-csf-2.0", &["PR.IR-01"]),
            ],
            resource_types: ACL_RULE_TYPES,
        },
        check: check_acl_public_admin_ingress,
    },
];

// ---------------------------------------------------------------------------
// Shared reading of protocols, ports and address ranges
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// An IP protocol as security groups and network ACLs name it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Protocol {
    /// `-1` / `all`: every protocol, every port (port ranges are ignored by AWS).
    All,
    Tcp,
    Udp,
    /// Anything else (`icmp`, `58`, `50`…): no ports.
    Other(String),
}

impl Protocol {
    /// Reads a protocol; AWS accepts names and IANA numbers, as strings or numbers,
    /// in any case.
    fn read(value: Option<&Value>) -> Tri<Protocol> {
        let text = match Tri::value(value) {
            Tri::Known(Value::String(s)) => s.as_str().to_ascii_lowercase(),
            Tri::Known(Value::Number(n)) => n.to_string(),
            Tri::Known(_) | Tri::Unknown => return Tri::Unknown,
            Tri::Missing => return Tri::Missing,
        };
        Tri::Known(match text.trim() {
            "-1" | "all" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            other => Protocol::Other(other.to_owned()),
        })
    }

    fn has_ports(&self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

/// What a rule lets through: a protocol and, for TCP/UDP, an inclusive port range.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Traffic {
    protocol: Protocol,
    ports: Option<(i64, i64)>,
}

impl Traffic {
    /// Reads protocol and ports; unknown when either matters and is not known.
    fn read(protocol: Option<&Value>, from: Option<&Value>, to: Option<&Value>) -> Tri<Traffic> {
        let protocol = match Protocol::read(protocol) {
            Tri::Known(p) => p,
            Tri::Unknown => return Tri::Unknown,
            Tri::Missing => return Tri::Missing,
        };
        if !protocol.has_ports() {
            return Tri::Known(Traffic {
                protocol,
                ports: None,
            });
        }
        match (port(from), port(to)) {
            (Tri::Known(from), Tri::Known(to)) => Tri::Known(Traffic {
                protocol,
                ports: Some((from, to)),
            }),
            // TCP/UDP without a port range is rejected by AWS; a missing or unknown
            // range leaves the exposure unknown either way.
            _ => Tri::Unknown,
        }
    }

    fn includes(&self, port: i64) -> bool {
        match (&self.protocol, self.ports) {
            (Protocol::All, _) => true,
            (_, Some((from, to))) => from <= port && port <= to,
            _ => false,
        }
    }

    /// Whether every packet `other` matches, this matches too: all protocols cover
    /// everything; otherwise the same protocol and, for TCP/UDP, a port range that
    /// holds `other`'s.
    fn covers(&self, other: &Traffic) -> bool {
        match (&self.protocol, &other.protocol) {
            (Protocol::All, _) => true,
            (_, Protocol::All) => false,
            (mine, theirs) if mine == theirs => match (self.ports, other.ports) {
                (Some((from, to)), Some((other_from, other_to))) => {
                    from <= other_from && other_to <= to
                }
                (None, None) => true,
                _ => false,
            },
            _ => false,
        }
    }

    /// Every port of the protocol (or every protocol).
    fn is_all_ports(&self) -> bool {
        match (&self.protocol, self.ports) {
            (Protocol::All, _) => true,
            (_, Some((from, to))) => from <= 0 && to >= MAX_PORT,
            _ => false,
        }
    }

    /// SSH, RDP or every port, over TCP or UDP (as Trivy's AWS-0107 counts them).
    fn exposes_admin_ports(&self) -> bool {
        self.is_all_ports() || self.includes(SSH_PORT) || self.includes(RDP_PORT)
    }

    /// "TCP port 22 (SSH)", "TCP ports 0-65535 (all ports)", "all protocols and ports".
    fn describe(&self) -> String {
        let name = match &self.protocol {
            Protocol::All => return "all protocols and ports".to_owned(),
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Other(p) => {
                return match p.as_str() {
                    "icmp" | "1" => "ICMP".to_owned(),
                    "icmpv6" | "58" => "ICMPv6".to_owned(),
                    other => format!("IP protocol {other}"),
                };
            }
        };
        let Some((from, to)) = self.ports else {
            return name.to_owned();
        };
        let range = if from == to {
            format!("{name} port {from}")
        } else {
            format!("{name} ports {from}-{to}")
        };
        let mut services = Vec::new();
        if self.includes(SSH_PORT) {
            services.push("SSH");
        }
        if self.includes(RDP_PORT) {
            services.push("RDP");
        }
        if self.is_all_ports() {
            format!("{range} (all ports)")
        } else if services.is_empty() {
            range
        } else if from == to {
            format!("{range} ({})", services.join(", "))
        } else {
            format!("{range} (includes {})", services.join(" and "))
        }
    }
}

/// A port number (Terraform accepts numbers and numeric strings).
fn port(value: Option<&Value>) -> Tri<i64> {
    match Tri::number(value) {
        // Ports are small integers; anything fractional is not a real port.
        Tri::Known(n) if n.fract() == 0.0 => Tri::Known(n as i64),
        Tri::Known(_) | Tri::Unknown => Tri::Unknown,
        Tri::Missing => Tri::Missing,
    }
}

/// True for a CIDR block covering every address: any IPv4 or IPv6 address with a
/// `/0` prefix (AWS normalizes them all to `0.0.0.0/0` / `::/0`).
fn is_whole_internet(cidr: &str) -> bool {
    match cidr.trim().rsplit_once('/') {
        Some((address, "0")) => address.parse::<std::net::IpAddr>().is_ok(),
        _ => false,
    }
}

/// The internet-wide ranges a rule names, with the attribute path of the first one.
#[derive(Debug, Default)]
struct Sources {
    public: Vec<String>,
    first_path: Option<String>,
    /// Some range is not known statically.
    unknown: bool,
    /// The attribute of the first range not known statically, which messages
    /// name so that the undetermined check says why (`cidr_blocks`).
    unknown_path: Option<String>,
}

impl Sources {
    /// Adds a list attribute (`cidr_blocks`) or a single range (`cidr_ipv4`).
    fn add(&mut self, body: &ValueMap, prefix: &str, key: &str) {
        let value = body.get(key);
        let items: Vec<&Value> = match Tri::value(value) {
            Tri::Known(Value::List(items)) => items.iter().collect(),
            Tri::Known(single) => vec![single],
            Tri::Unknown => {
                self.note_unknown(prefix, key);
                return;
            }
            Tri::Missing => return,
        };
        for item in items {
            match Tri::str(Some(item)) {
                Tri::Known(cidr) if is_whole_internet(cidr) => {
                    if !self.public.iter().any(|c| c == cidr) {
                        self.public.push(cidr.to_owned());
                    }
                    self.first_path
                        .get_or_insert_with(|| format!("{prefix}{key}"));
                }
                Tri::Unknown => self.note_unknown(prefix, key),
                _ => {}
            }
        }
    }

    fn note_unknown(&mut self, prefix: &str, key: &str) {
        self.unknown = true;
        self.unknown_path
            .get_or_insert_with(|| format!("{prefix}{key}"));
    }

    /// The attribute not known statically, as messages quote it.
    fn unknown_attribute(&self) -> &str {
        self.unknown_path.as_deref().unwrap_or_default()
    }

    fn joined(&self) -> String {
        self.public.join(" and ")
    }
}

/// The first of `keys` in `body` whose value is not known statically, as a path
/// under `prefix` (all of them, joined, when none is unknown by itself): what a
/// "not known statically" message names, so that the undetermined check gets the
/// value's own cause.
fn unknown_among_keys(body: &ValueMap, prefix: &str, keys: &[&str]) -> String {
    keys.iter()
        .find(|key| Tri::value(body.get(key)) == Tri::Unknown)
        .map_or_else(
            || {
                keys.iter()
                    .map(|key| format!("{prefix}{key}"))
                    .collect::<Vec<_>>()
                    .join("`, `")
            },
            |key| format!("{prefix}{key}"),
        )
}

// ---------------------------------------------------------------------------
// Security group rules
// ---------------------------------------------------------------------------

/// Field names of the two rule schemas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Schema {
    /// Inline blocks and `aws_security_group_rule`: `protocol`, `cidr_blocks`, `ipv6_cidr_blocks`.
    Classic,
    /// `aws_vpc_security_group_*_rule`: `ip_protocol`, `cidr_ipv4`, `cidr_ipv6`.
    Vpc,
}

/// One security group rule, wherever it is declared.
struct SgRule<'a> {
    /// `None` when an `aws_security_group_rule`'s `type` is not known statically.
    direction: Option<Direction>,
    body: &'a ValueMap,
    /// Path of the body inside the resource with a trailing dot (`ingress.0.`), or
    /// empty when the body is the resource itself.
    prefix: String,
    schema: Schema,
    /// How messages name the rule.
    label: Label<'a>,
}

/// How a message names a rule; written out only when a message is, because most
/// rules pass and building the text for each would dominate large plans.
#[derive(Clone, Copy)]
struct Label<'a> {
    /// `security group`, `security group rule`, `network ACL`, `network ACL rule`.
    kind: &'static str,
    address: &'a crate::address::Address,
    /// For inline rules: the block type and the rule's number.
    block: Option<(&'static str, u64)>,
}

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} `{}`", self.kind, self.address)?;
        if let Some((key, number)) = self.block {
            write!(f, " ({key} rule {number})")?;
        }
        Ok(())
    }
}

impl SgRule<'_> {
    fn traffic(&self) -> Tri<Traffic> {
        let protocol_key = match self.schema {
            Schema::Classic => "protocol",
            Schema::Vpc => "ip_protocol",
        };
        Traffic::read(
            self.body.get(protocol_key),
            self.body.get("from_port"),
            self.body.get("to_port"),
        )
    }

    /// The protocol and port attributes, the unknown one first when there is one.
    fn traffic_attributes(&self) -> String {
        let protocol = match self.schema {
            Schema::Classic => "protocol",
            Schema::Vpc => "ip_protocol",
        };
        unknown_among_keys(self.body, &self.prefix, &[protocol, "from_port", "to_port"])
    }

    fn sources(&self) -> Sources {
        let mut sources = Sources::default();
        let keys: &[&str] = match self.schema {
            Schema::Classic => &["cidr_blocks", "ipv6_cidr_blocks"],
            Schema::Vpc => &["cidr_ipv4", "cidr_ipv6"],
        };
        for key in keys {
            sources.add(self.body, &self.prefix, key);
        }
        sources
    }

    /// The path of the rule itself, for line numbers (`None`: the whole resource).
    fn path(&self) -> Option<&str> {
        self.prefix.strip_suffix('.')
    }
}

/// The rules a resource declares, and the directions whose inline rules are not
/// known statically (a `dynamic` block).
struct SgRules<'a> {
    known: Vec<SgRule<'a>>,
    unknown: Vec<Direction>,
}

impl SgRules<'_> {
    /// The rules that are, or may be, of `direction`.
    fn of(&self, direction: Direction) -> impl Iterator<Item = &SgRule<'_>> {
        self.known
            .iter()
            .filter(move |r| r.direction.is_none_or(|d| d == direction))
    }
}

fn sg_rules(resource: &Resource) -> SgRules<'_> {
    let mut rules = SgRules {
        known: Vec::new(),
        unknown: Vec::new(),
    };
    let address = &resource.address;
    match resource.resource_type() {
        "aws_security_group" | "aws_default_security_group" => {
            for direction in [Direction::Ingress, Direction::Egress] {
                let key = direction.as_str();
                if resource.attributes.get(key).is_some_and(Value::is_unknown) {
                    rules.unknown.push(direction);
                }
                for (i, body) in blocks(resource.attributes.get(key)).into_iter().enumerate() {
                    rules.known.push(SgRule {
                        direction: Some(direction),
                        body,
                        prefix: format!("{key}.{i}."),
                        schema: Schema::Classic,
                        label: Label {
                            kind: "security group",
                            address,
                            block: Some((key, i as u64 + 1)),
                        },
                    });
                }
            }
        }
        "aws_security_group_rule" => {
            let direction = match Tri::str(resource.attributes.get("type")) {
                Tri::Known("ingress") => Some(Direction::Ingress),
                Tri::Known("egress") => Some(Direction::Egress),
                Tri::Unknown => None,
                // `type` is required and only takes these two values: anything else
                // is rejected before a rule exists.
                _ => return rules,
            };
            rules.known.push(SgRule {
                direction,
                body: &resource.attributes,
                prefix: String::new(),
                schema: Schema::Classic,
                label: Label {
                    kind: "security group rule",
                    address,
                    block: None,
                },
            });
        }
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            let direction = if resource.resource_type().contains("ingress") {
                Direction::Ingress
            } else {
                Direction::Egress
            };
            rules.known.push(SgRule {
                direction: Some(direction),
                body: &resource.attributes,
                prefix: String::new(),
                schema: Schema::Vpc,
                label: Label {
                    kind: "security group rule",
                    address,
                    block: None,
                },
            });
        }
        _ => {}
    }
    rules
}

/// Reports "cannot tell" for rules of `direction` that are not known statically.
fn report_unknown_rules(rules: &SgRules<'_>, direction: Direction, out: &mut Verdicts) {
    if rules.unknown.contains(&direction) {
        out.cannot_tell(format!(
            "the `{}` rules are not known statically (dynamic block)",
            direction.as_str()
        ));
    }
}

/// Public ingress whose exposure is SSH, RDP or every port belongs to
/// RG-AWS-EC2-002; every other public ingress to RG-AWS-EC2-001.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IngressClass {
    Admin,
    Other,
}

/// Shared by EC2-001 and EC2-002: each public ingress rule lands in exactly one.
fn check_public_ingress(resource: &Resource, class: IngressClass, out: &mut Verdicts) {
    let rules = sg_rules(resource);
    report_unknown_rules(&rules, Direction::Ingress, out);
    for rule in rules.of(Direction::Ingress) {
        let sources = rule.sources();
        if sources.public.is_empty() {
            if sources.unknown {
                out.cannot_tell(format!(
                    "the source ranges of {} (`{}`) are not known statically",
                    rule.label,
                    sources.unknown_attribute()
                ));
            }
            continue;
        }
        if rule.direction.is_none() {
            out.cannot_tell(format!(
                "{} names {}, but whether it is an ingress rule (`type`) is not known statically",
                rule.label,
                sources.joined()
            ));
            continue;
        }
        let path = sources.first_path.as_deref().or(rule.path());
        match (rule.traffic(), class) {
            (Tri::Known(traffic), IngressClass::Admin) if traffic.exposes_admin_ports() => {
                out.fail(
                    format!(
                        "{} allows ingress from {} to {}",
                        rule.label,
                        sources.joined(),
                        traffic.describe()
                    ),
                    path,
                );
            }
            (Tri::Known(traffic), IngressClass::Other) if !traffic.exposes_admin_ports() => {
                out.fail(
                    format!(
                        "{} allows ingress from {} to {}",
                        rule.label,
                        sources.joined(),
                        traffic.describe()
                    ),
                    path,
                );
            }
            (Tri::Known(_), _) => {}
            // The source is certainly the whole internet; only which ports is open.
            (_, IngressClass::Admin) => out.cannot_tell(format!(
                "{} allows ingress from {}, but its protocol or ports (`{}`) are not known statically",
                rule.label,
                sources.joined(),
                rule.traffic_attributes()
            )),
            (_, IngressClass::Other) => out.fail(
                format!(
                    "{} allows ingress from {} to ports that are not known statically",
                    rule.label,
                    sources.joined()
                ),
                path,
            ),
        }
    }
}

/// Internet ingress to ports other than SSH/RDP: worth a look, often intended.
fn check_sg_public_ingress(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_public_ingress(resource, IngressClass::Other, out);
}

/// Internet ingress to SSH, RDP or every port: the classic brute-force exposure.
fn check_sg_admin_ingress(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    check_public_ingress(resource, IngressClass::Admin, out);
}

/// Egress to the whole internet, on any port.
fn check_sg_public_egress(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let rules = sg_rules(resource);
    report_unknown_rules(&rules, Direction::Egress, out);
    for rule in rules.of(Direction::Egress) {
        let sources = rule.sources();
        if sources.public.is_empty() {
            if sources.unknown {
                out.cannot_tell(format!(
                    "the destination ranges of {} (`{}`) are not known statically",
                    rule.label,
                    sources.unknown_attribute()
                ));
            }
            continue;
        }
        if rule.direction.is_none() {
            out.cannot_tell(format!(
                "{} names {}, but whether it is an egress rule (`type`) is not known statically",
                rule.label,
                sources.joined()
            ));
            continue;
        }
        let what = match rule.traffic() {
            Tri::Known(traffic) => format!(" on {}", traffic.describe()),
            _ => String::new(),
        };
        out.fail(
            format!("{} allows egress to {}{what}", rule.label, sources.joined()),
            sources.first_path.as_deref().or(rule.path()),
        );
    }
}

/// A group's description is required by AWS but Terraform fills in "Managed by
/// Terraform" when none is given, which says nothing.
fn check_sg_description(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let address = &group.address;
    match Tri::str(group.attributes.get("description")) {
        Tri::Known(d) if d.trim() == TERRAFORM_DEFAULT_SG_DESCRIPTION => out.fail(
            format!(
                "security group `{address}` uses Terraform's default description \"{TERRAFORM_DEFAULT_SG_DESCRIPTION}\""
            ),
            Some("description"),
        ),
        Tri::Known(d) if !d.trim().is_empty() => {}
        Tri::Known(_) => out.fail(
            format!("security group `{address}` has an empty description"),
            Some("description"),
        ),
        Tri::Missing => out.fail(
            format!(
                "security group `{address}` has no description (Terraform sets \"{TERRAFORM_DEFAULT_SG_DESCRIPTION}\")"
            ),
            None,
        ),
        Tri::Unknown => out.cannot_tell("the security group description is not known statically"),
    }
}

/// Every rule, in every shape, should say why it exists.
fn check_sg_rule_description(resource: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let rules = sg_rules(resource);
    for direction in &rules.unknown {
        out.cannot_tell(format!(
            "the `{}` rules are not known statically (dynamic block)",
            direction.as_str()
        ));
    }
    for rule in &rules.known {
        match Tri::str(rule.body.get("description")) {
            Tri::Known(d) if !d.trim().is_empty() => {}
            Tri::Unknown => out.cannot_tell(format!(
                "the description of {} is not known statically",
                rule.label
            )),
            Tri::Known(_) | Tri::Missing => {
                let what = match rule.traffic() {
                    Tri::Known(traffic) => format!(" ({})", traffic.describe()),
                    _ => String::new(),
                };
                let description_path = format!("{}description", rule.prefix);
                let path = if rule.body.contains_key("description") {
                    Some(description_path.as_str())
                } else {
                    rule.path()
                };
                out.fail(format!("{}{what} has no description", rule.label), path);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Network ACL rules
// ---------------------------------------------------------------------------

/// One network ACL rule, inline or standalone.
struct AclRule<'a> {
    /// `None` when `egress` is not known statically.
    direction: Option<Direction>,
    body: &'a ValueMap,
    prefix: String,
    /// `rule_action` on `aws_network_acl_rule`, `action` in inline blocks.
    action_key: &'static str,
    /// `rule_number` on `aws_network_acl_rule`, `rule_no` in inline blocks: AWS
    /// evaluates an ACL's rules in ascending order and the first match decides.
    number: Tri<u64>,
    label: Label<'a>,
}

impl AclRule<'_> {
    fn traffic(&self) -> Tri<Traffic> {
        Traffic::read(
            self.body.get("protocol"),
            self.body.get("from_port"),
            self.body.get("to_port"),
        )
    }

    /// Whether the rule allows (rather than denies) traffic.
    fn allows(&self) -> Tri<bool> {
        match Tri::str(self.body.get(self.action_key)) {
            Tri::Known(action) => Tri::Known(action.eq_ignore_ascii_case("allow")),
            Tri::Unknown => Tri::Unknown,
            // The action is required; without one there is no rule.
            Tri::Missing => Tri::Known(false),
        }
    }

    fn path_of(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The protocol and port attributes, the unknown one first when there is one.
    fn traffic_attributes(&self) -> String {
        unknown_among_keys(
            self.body,
            &self.prefix,
            &["protocol", "from_port", "to_port"],
        )
    }

    /// The address range the rule matches: `cidr_block` or `ipv6_cidr_block` (AWS
    /// takes exactly one). `Missing` when neither is set, `Unknown` when not known.
    fn range(&self) -> Tri<Cidr> {
        let v4 = Tri::str(self.body.get("cidr_block"));
        let v6 = Tri::str(self.body.get("ipv6_cidr_block"));
        match (v4, v6) {
            (Tri::Known(c), _) | (Tri::Missing, Tri::Known(c)) if !c.is_empty() => {
                Cidr::parse(c).map_or(Tri::Unknown, Tri::Known)
            }
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::Missing,
        }
    }

    /// Whether the rule certainly denies. An unknown action counts as not denying,
    /// so that a finding it might shadow is kept rather than dropped.
    fn denies(&self) -> bool {
        self.allows() == Tri::Known(false)
            && Tri::str(self.body.get(self.action_key))
                .known()
                .is_some_and(|a| a.eq_ignore_ascii_case("deny"))
    }
}

/// A rule number: a non-negative integer.
fn rule_number(value: Option<&Value>) -> Tri<u64> {
    match Tri::number(value) {
        Tri::Known(n) if n >= 0.0 && n.fract() == 0.0 => Tri::Known(n as u64),
        Tri::Known(_) | Tri::Unknown => Tri::Unknown,
        Tri::Missing => Tri::Missing,
    }
}

/// An IPv4 or IPv6 CIDR block as a range of addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    v6: bool,
    /// The network address, host bits cleared, IPv4 in the low 32 bits.
    network: u128,
    prefix: u8,
}

impl Cidr {
    /// `10.0.0.0/8`, `::/0`; AWS rejects anything else, so does this.
    fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = text.trim().split_once('/')?;
        let prefix: u8 = prefix.parse().ok()?;
        let (v6, bits, width) = match address.parse::<std::net::IpAddr>().ok()? {
            std::net::IpAddr::V4(a) => (false, u128::from(u32::from(a)), 32),
            std::net::IpAddr::V6(a) => (true, u128::from(a), 128),
        };
        (prefix <= width).then(|| Cidr {
            v6,
            network: bits & Cidr::mask(width, prefix),
            prefix,
        })
    }

    fn width(self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }

    /// The network mask of `prefix` bits in an address of `width` bits.
    fn mask(width: u8, prefix: u8) -> u128 {
        let host_bits = u32::from(width - prefix);
        let all = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        if host_bits >= 128 {
            0
        } else {
            all & !((1u128 << host_bits) - 1)
        }
    }

    /// Whether every address of `other` is in this block.
    fn contains(self, other: Cidr) -> bool {
        self.v6 == other.v6
            && self.prefix <= other.prefix
            && other.network & Cidr::mask(self.width(), self.prefix) == self.network
    }

    /// The two halves of the block, `None` for a single address.
    fn halves(self) -> Option<(Cidr, Cidr)> {
        if self.prefix >= self.width() {
            return None;
        }
        let prefix = self.prefix + 1;
        let upper_bit = 1u128 << u32::from(self.width() - prefix);
        let half = |network| Cidr {
            v6: self.v6,
            network,
            prefix,
        };
        Some((half(self.network), half(self.network | upper_bit)))
    }

    /// Whether the union of `blocks` holds every address of this block. Splits only
    /// where a block lies strictly inside, so the work is bounded by the number of
    /// blocks times the address width.
    fn is_covered_by(self, blocks: &[Cidr]) -> bool {
        if blocks.iter().any(|b| b.contains(self)) {
            return true;
        }
        if !blocks.iter().any(|b| self.contains(*b)) {
            return false;
        }
        self.halves()
            .is_some_and(|(low, high)| low.is_covered_by(blocks) && high.is_covered_by(blocks))
    }
}

/// The rules of an ACL resource; `Err` names the block whose rules are unknown.
fn acl_rules(resource: &Resource) -> (Vec<AclRule<'_>>, Vec<&'static str>) {
    let mut rules = Vec::new();
    let mut unknown = Vec::new();
    let address = &resource.address;
    match resource.resource_type() {
        "aws_network_acl" | "aws_default_network_acl" => {
            for direction in [Direction::Ingress, Direction::Egress] {
                let key = direction.as_str();
                if resource.attributes.get(key).is_some_and(Value::is_unknown) {
                    unknown.push(key);
                }
                for (i, body) in blocks(resource.attributes.get(key)).into_iter().enumerate() {
                    let number = rule_number(body.get("rule_no"));
                    rules.push(AclRule {
                        direction: Some(direction),
                        body,
                        prefix: format!("{key}.{i}."),
                        action_key: "action",
                        number,
                        label: Label {
                            kind: "network ACL",
                            address,
                            block: Some((key, number.known().unwrap_or(i as u64 + 1))),
                        },
                    });
                }
            }
        }
        "aws_network_acl_rule" => {
            // `egress` defaults to false: an ingress rule.
            let direction =
                match Tri::bool(resource.attributes.get("egress")).or_default_value(false) {
                    Tri::Known(true) => Some(Direction::Egress),
                    Tri::Known(false) => Some(Direction::Ingress),
                    _ => None,
                };
            rules.push(AclRule {
                direction,
                body: &resource.attributes,
                prefix: String::new(),
                action_key: "rule_action",
                number: rule_number(resource.attributes.get("rule_number")),
                label: Label {
                    kind: "network ACL rule",
                    address,
                    block: None,
                },
            });
        }
        _ => {}
    }
    (rules, unknown)
}

/// Every rule of the ACL (or ACLs) a resource's rules belong to: an ACL's inline
/// rules and the `aws_network_acl_rule`s that name it; for a standalone rule, those of
/// the ACL its `network_acl_id` names (by reference, or the rules sharing its literal
/// id). Rules on an ACL outside the change are not seen: they can only add findings
/// back, never hide one, because only a seen deny shadows.
fn acl_siblings<'r, 'a: 'r>(resource: &'r Resource, ctx: &Context<'a>) -> Vec<AclRule<'r>> {
    let of_acl = |acl: &'r Resource| {
        let mut rules = acl_rules(acl).0;
        for standalone in ctx
            .referencing(acl, "aws_network_acl_rule", "network_acl_id")
            .definite
        {
            rules.extend(acl_rules(standalone).0);
        }
        rules
    };
    if resource.resource_type() != "aws_network_acl_rule" {
        return of_acl(resource);
    }
    let acl_id = resource.attributes.get("network_acl_id");
    if let Some(acl) = ctx.resolve(resource, acl_id) {
        return of_acl(acl);
    }
    match Tri::str(acl_id) {
        Tri::Known(literal) => ctx
            .of_type("aws_network_acl_rule")
            .iter()
            .copied()
            .filter(|other| Tri::str(other.attributes.get("network_acl_id")) == Tri::Known(literal))
            .flat_map(|other| acl_rules(other).0)
            .collect(),
        _ => acl_rules(resource).0,
    }
}

/// Whether `traffic` on every address of `range` that `rule` would match is denied
/// first by a lower-numbered deny of the same ACL and direction: AWS evaluates
/// network ACL rules "starting with the lowest numbered rule", and "as soon as a
/// rule matches traffic, it's applied regardless of any higher-numbered rule that
/// might contradict it" (Amazon VPC User Guide, "Network ACL rules",
/// <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>). A lower
/// `allow` shadows nothing here: that rule is then the one reported.
fn denied_first(
    rule: &AclRule<'_>,
    traffic: &Traffic,
    range: Cidr,
    siblings: &[AclRule<'_>],
) -> bool {
    let (Some(direction), Tri::Known(number)) = (rule.direction, rule.number) else {
        return false;
    };
    let denying: Vec<Cidr> = siblings
        .iter()
        .filter(|other| other.direction == Some(direction) && other.denies())
        .filter(|other| other.number.known().is_some_and(|n| n < number))
        .filter(|other| other.traffic().known().is_some_and(|t| t.covers(traffic)))
        .filter_map(|other| other.range().known())
        .collect();
    range.is_covered_by(&denying)
}

/// An allow rule for every protocol or every port leaves the subnet unfiltered.
fn check_acl_all_ports(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let (rules, unknown) = acl_rules(resource);
    // Read only when an allow could be shadowed: most ACL rules pass.
    let mut siblings = None;
    for key in unknown {
        out.cannot_tell(format!("the `{key}` rules are not known statically"));
    }
    for rule in &rules {
        match rule.allows() {
            Tri::Known(true) => {}
            Tri::Known(false) | Tri::Missing => continue,
            Tri::Unknown => {
                out.cannot_tell(format!(
                    "the action of {} (`{}`) is not known statically",
                    rule.label,
                    rule.path_of(rule.action_key)
                ));
                continue;
            }
        }
        match rule.traffic() {
            Tri::Known(traffic) if traffic.is_all_ports() => {
                if let Tri::Known(range) = rule.range()
                    && denied_first(
                        rule,
                        &traffic,
                        range,
                        siblings.get_or_insert_with(|| acl_siblings(resource, ctx)),
                    )
                {
                    continue;
                }
                let direction = rule.direction.map_or("traffic", Direction::as_str);
                out.fail(
                    format!(
                        "{} allows {direction} on {}",
                        rule.label,
                        traffic.describe()
                    ),
                    Some(&rule.path_of("protocol")),
                );
            }
            Tri::Known(_) | Tri::Missing => {}
            Tri::Unknown => out.cannot_tell(format!(
                "the protocol or ports of {} (`{}`) are not known statically",
                rule.label,
                rule.traffic_attributes()
            )),
        }
    }
}

/// Ingress from the whole internet to SSH/RDP over TCP (or all traffic), as CIS 5.1
/// and Trivy's AWS-0105 define it.
fn check_acl_public_admin_ingress(resource: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let (rules, unknown) = acl_rules(resource);
    // Read only when an allow could be shadowed: most ACL rules pass.
    let mut siblings = None;
    if unknown.contains(&"ingress") {
        out.cannot_tell("the `ingress` rules are not known statically");
    }
    for rule in &rules {
        match rule.direction {
            Some(Direction::Ingress) => {}
            Some(Direction::Egress) => continue,
            None => {
                out.cannot_tell(format!(
                    "whether {} is an ingress rule (`egress`) is not known statically",
                    rule.label
                ));
                continue;
            }
        }
        match rule.allows() {
            Tri::Known(true) => {}
            Tri::Known(false) | Tri::Missing => continue,
            Tri::Unknown => {
                out.cannot_tell(format!(
                    "the action of {} (`{}`) is not known statically",
                    rule.label,
                    rule.path_of(rule.action_key)
                ));
                continue;
            }
        }
        let mut sources = Sources::default();
        sources.add(rule.body, &rule.prefix, "cidr_block");
        sources.add(rule.body, &rule.prefix, "ipv6_cidr_block");
        if sources.public.is_empty() {
            if sources.unknown {
                out.cannot_tell(format!(
                    "the source range of {} (`{}`) is not known statically",
                    rule.label,
                    sources.unknown_attribute()
                ));
            }
            continue;
        }
        match rule.traffic() {
            Tri::Known(traffic)
                if matches!(traffic.protocol, Protocol::All | Protocol::Tcp)
                    && traffic.exposes_admin_ports() =>
            {
                // Each admin port from each internet range must be denied first for
                // the rule to expose nothing.
                let siblings = siblings.get_or_insert_with(|| acl_siblings(resource, ctx));
                let exposed = [SSH_PORT, RDP_PORT]
                    .into_iter()
                    .filter(|port| traffic.includes(*port))
                    .any(|port| {
                        let admin = Traffic {
                            protocol: Protocol::Tcp,
                            ports: Some((port, port)),
                        };
                        sources.public.iter().any(|cidr| {
                            Cidr::parse(cidr)
                                .is_none_or(|range| !denied_first(rule, &admin, range, siblings))
                        })
                    });
                if !exposed {
                    continue;
                }
                out.fail(
                    format!(
                        "{} allows ingress from {} to {}",
                        rule.label,
                        sources.joined(),
                        traffic.describe()
                    ),
                    sources.first_path.as_deref(),
                );
            }
            Tri::Known(_) | Tri::Missing => {}
            Tri::Unknown => out.cannot_tell(format!(
                "{} allows ingress from {}, but its protocol or ports (`{}`) are not known statically",
                rule.label,
                sources.joined(),
                rule.traffic_attributes()
            )),
        }
    }
}

// ---------------------------------------------------------------------------
// VPCs and subnets
// ---------------------------------------------------------------------------

/// Managing the default VPC at all means workloads are meant to run in it.
fn check_default_vpc(vpc: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    out.fail(
        format!(
            "`{}` manages the account's default VPC; run workloads in a dedicated `aws_vpc`",
            vpc.address
        ),
        None,
    );
}

/// `map_public_ip_on_launch` defaults to false for `aws_subnet`, but a default
/// subnet (`aws_default_subnet`) keeps AWS's setting, which is true.
fn check_subnet_public_ip(subnet: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let default = subnet.resource_type() == "aws_default_subnet";
    match Tri::bool(subnet.attributes.get("map_public_ip_on_launch")).or_default_value(default) {
        Tri::Known(true) if subnet.attributes.contains_key("map_public_ip_on_launch") => out
            .fail(
                format!(
                    "subnet `{}` gives every instance launched in it a public IP address",
                    subnet.address
                ),
                Some("map_public_ip_on_launch"),
            ),
        Tri::Known(true) => out.fail(
            format!(
                "default subnet `{}` keeps AWS's default of giving every instance a public IP address",
                subnet.address
            ),
            None,
        ),
        Tri::Known(false) | Tri::Missing => {}
        Tri::Unknown => out.cannot_tell("`map_public_ip_on_launch` is not known statically"),
    }
}

/// A VPC is covered when some `aws_flow_log` names it in `vpc_id`.
fn check_vpc_flow_logs(vpc: &Resource, ctx: &Context<'_>, out: &mut Verdicts) {
    let logs = ctx.referencing(vpc, "aws_flow_log", "vpc_id");
    if !logs.definite.is_empty() {
        return;
    }
    if logs.unresolved {
        out.cannot_tell("an `aws_flow_log` names a VPC that is not known statically");
    } else {
        out.fail(
            format!(
                "VPC `{}` has no `aws_flow_log` capturing its traffic",
                vpc.address
            ),
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::review::Review;
    use crate::rules::test_support::*;

    fn undetermined(review: &Review, rule: &str) -> usize {
        review
            .undetermined
            .iter()
            .filter(|u| u.rule_id == rule)
            .count()
    }

    #[test]
    fn ssh_rdp_and_all_ports_are_critical_and_name_the_ports() {
        let r = hcl(r#"
resource "aws_security_group" "admin" {
  description = "admin"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    description      = "rdp"
    from_port        = 3389
    to_port          = 3389
    protocol         = "6"
    ipv6_cidr_blocks = ["::/0"]
  }
  ingress {
    description = "everything"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
  }
  ingress {
    description = "a range that covers ssh"
    from_port   = 20
    to_port     = 25
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#);
        let admin = messages(&r, "RG-AWS-EC2-002");
        assert_eq!(admin.len(), 4, "{admin:?}");
        assert!(
            admin[0].contains("from 0.0.0.0/0 to TCP port 22 (SSH)"),
            "{}",
            admin[0]
        );
        assert!(
            admin[1].contains("from ::/0 to TCP port 3389 (RDP)"),
            "{}",
            admin[1]
        );
        assert!(admin[2].contains("all protocols and ports"), "{}", admin[2]);
        assert!(
            admin[3].contains("TCP ports 20-25 (includes SSH)"),
            "{}",
            admin[3]
        );
        // Each exposure is reported once: none of these are EC2-001 findings.
        assert!(messages(&r, "RG-AWS-EC2-001").is_empty());
        // The finding points at the offending source range.
        let first = r
            .findings
            .iter()
            .find(|f| f.rule_id == "RG-AWS-EC2-002")
            .expect("finding");
        assert_eq!(first.line, Some(9));
    }

    #[test]
    fn other_public_ports_are_reported_separately_and_private_ranges_pass() {
        let r = hcl(r#"
resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.web.id
  description       = "public https"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
resource "aws_vpc_security_group_ingress_rule" "all" {
  security_group_id = aws_security_group.web.id
  description       = "everything"
  ip_protocol       = "-1"
  cidr_ipv6         = "::/0"
}
resource "aws_security_group_rule" "internal_ssh" {
  type        = "ingress"
  description = "ssh from the office"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = ["203.0.113.0/24"]
}
resource "aws_security_group_rule" "all_tcp" {
  type        = "ingress"
  description = "all tcp"
  from_port   = 0
  to_port     = 65535
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}
"#);
        assert_eq!(
            messages(&r, "RG-AWS-EC2-001"),
            [
                "security group rule `aws_vpc_security_group_ingress_rule.https` allows ingress from 0.0.0.0/0 to TCP port 443"
            ]
        );
        assert_eq!(
            messages(&r, "RG-AWS-EC2-002"),
            [
                "security group rule `aws_vpc_security_group_ingress_rule.all` allows ingress from ::/0 to all protocols and ports",
                "security group rule `aws_security_group_rule.all_tcp` allows ingress from 0.0.0.0/0 to TCP ports 0-65535 (all ports)",
            ]
        );
    }

    #[test]
    fn unknown_ports_or_sources_are_not_guessed() {
        let r = hcl(r#"
resource "aws_security_group_rule" "port_var" {
  type        = "ingress"
  description = "x"
  from_port   = var.port
  to_port     = var.port
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}
resource "aws_security_group_rule" "cidr_var" {
  type        = "ingress"
  description = "x"
  from_port   = 22
  to_port     = 22
  protocol    = "tcp"
  cidr_blocks = [var.cidr]
}
resource "aws_security_group_rule" "type_var" {
  type        = var.direction
  from_port   = 443
  to_port     = 443
  protocol    = "tcp"
  cidr_blocks = ["0.0.0.0/0"]
}
resource "aws_security_group" "dynamic" {
  description = "x"
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port = ingress.value
    }
  }
}
"#);
        // The source is certainly public; which port is not: EC2-001 reports the
        // exposure, EC2-002 cannot tell whether it is SSH/RDP.
        assert_eq!(messages(&r, "RG-AWS-EC2-001").len(), 1);
        assert!(messages(&r, "RG-AWS-EC2-002").is_empty());
        // port_var (ports), cidr_var (source), type_var (direction) and the
        // dynamic block.
        assert_eq!(undetermined(&r, "RG-AWS-EC2-002"), 4);
        assert_eq!(undetermined(&r, "RG-AWS-EC2-003"), 1);
        assert_eq!(undetermined(&r, "RG-AWS-EC2-005"), 1);
        // The description does not depend on the direction.
        assert_eq!(
            messages(&r, "RG-AWS-EC2-005"),
            [
                "security group rule `aws_security_group_rule.type_var` (TCP port 443) has no description"
            ]
        );
    }

    #[test]
    fn egress_and_descriptions_cover_every_rule_shape() {
        let r = hcl(r#"
resource "aws_security_group" "default_description" {
  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "explicit_default" {
  description = "Managed by Terraform"
}
resource "aws_vpc_security_group_egress_rule" "out" {
  security_group_id = "sg-1"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
resource "aws_security_group_rule" "vpc_only" {
  type        = "egress"
  description = "to the vpc"
  from_port   = 0
  to_port     = 0
  protocol    = "-1"
  cidr_blocks = ["10.0.0.0/16"]
}
"#);
        assert_eq!(
            messages(&r, "RG-AWS-EC2-003"),
            [
                "security group `aws_security_group.default_description` (egress rule 1) allows egress to 0.0.0.0/0 on TCP port 443",
                "security group rule `aws_vpc_security_group_egress_rule.out` allows egress to 0.0.0.0/0 on all protocols and ports",
            ]
        );
        assert_eq!(messages(&r, "RG-AWS-EC2-004").len(), 2);
        assert_eq!(
            messages(&r, "RG-AWS-EC2-005"),
            [
                "security group `aws_security_group.default_description` (egress rule 1) (TCP port 443) has no description",
                "security group rule `aws_vpc_security_group_egress_rule.out` (all protocols and ports) has no description",
            ]
        );
    }

    #[test]
    fn network_acls_inline_and_standalone() {
        let r = hcl(r#"
resource "aws_network_acl" "main" {
  vpc_id = aws_vpc.main.id
  ingress {
    rule_no    = 100
    protocol   = "tcp"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 3389
    to_port    = 3389
  }
  ingress {
    rule_no    = 200
    protocol   = "tcp"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 1024
    to_port    = 65535
  }
  egress {
    rule_no    = 100
    protocol   = -1
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
}
resource "aws_network_acl_rule" "deny_ssh" {
  network_acl_id = aws_network_acl.main.id
  rule_number    = 50
  protocol       = "tcp"
  rule_action    = "deny"
  cidr_block     = "0.0.0.0/0"
  from_port      = 22
  to_port        = 22
}
resource "aws_network_acl_rule" "ipv6_all" {
  network_acl_id  = aws_network_acl.main.id
  rule_number     = 60
  protocol        = "-1"
  rule_action     = "allow"
  ipv6_cidr_block = "::/0"
}
"#);
        assert_eq!(
            messages(&r, "RG-AWS-VPC-004"),
            [
                "network ACL `aws_network_acl.main` (egress rule 100) allows egress on all protocols and ports",
                "network ACL rule `aws_network_acl_rule.ipv6_all` allows ingress on all protocols and ports",
            ]
        );
        assert_eq!(
            messages(&r, "RG-AWS-VPC-005"),
            [
                "network ACL `aws_network_acl.main` (ingress rule 100) allows ingress from 0.0.0.0/0 to TCP port 3389 (RDP)",
                // Stateless ACLs: an "ephemeral" range from the internet still lets
                // new connections reach RDP (CIS 5.1 and Security Hub EC2.21 agree).
                "network ACL `aws_network_acl.main` (ingress rule 200) allows ingress from 0.0.0.0/0 to TCP ports 1024-65535 (includes RDP)",
                "network ACL rule `aws_network_acl_rule.ipv6_all` allows ingress from ::/0 to all protocols and ports",
            ]
        );
    }

    /// AWS evaluates an ACL's rules by number, first match wins: a lower deny
    /// shadows a later allow; an allow below the deny (or a deny that covers only
    /// part of the ports, addresses or protocols) does not.
    #[test]
    fn network_acl_rules_are_evaluated_in_rule_number_order() {
        let r = hcl(r#"
resource "aws_network_acl" "shadowed" {
  vpc_id = "vpc-1"
  ingress {
    rule_no    = 200
    protocol   = "-1"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
  # Two halves of the internet, all protocols, before the allow: nothing reaches it.
  ingress {
    rule_no    = 100
    protocol   = "all"
    action     = "deny"
    cidr_block = "0.0.0.0/1"
    from_port  = 0
    to_port    = 0
  }
  ingress {
    rule_no    = 110
    protocol   = "-1"
    action     = "deny"
    cidr_block = "128.0.0.0/1"
    from_port  = 0
    to_port    = 0
  }
}
resource "aws_network_acl" "allow_first" {
  vpc_id = "vpc-1"
  ingress {
    rule_no    = 100
    protocol   = "6"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 22
    to_port    = 22
  }
  ingress {
    rule_no    = 200
    protocol   = "tcp"
    action     = "deny"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 65535
  }
}
resource "aws_network_acl" "admin_denied" {
  vpc_id = "vpc-1"
  ingress {
    rule_no    = 10
    protocol   = "tcp"
    action     = "deny"
    cidr_block = "0.0.0.0/0"
    from_port  = 20
    to_port    = 3400
  }
  ingress {
    rule_no         = 11
    protocol        = "tcp"
    action          = "deny"
    ipv6_cidr_block = "::/0"
    from_port       = 22
    to_port         = 22
  }
  ingress {
    rule_no    = 100
    protocol   = "tcp"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 65535
  }
  # IPv6: SSH is denied first, RDP is not.
  ingress {
    rule_no         = 101
    protocol        = "tcp"
    action          = "allow"
    ipv6_cidr_block = "::/0"
    from_port       = 22
    to_port         = 3389
  }
}
resource "aws_network_acl" "partial" {
  vpc_id = "vpc-1"
  # Denies UDP and part of the internet only.
  ingress {
    rule_no    = 10
    protocol   = "udp"
    action     = "deny"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 65535
  }
  ingress {
    rule_no    = 20
    protocol   = "-1"
    action     = "deny"
    cidr_block = "10.0.0.0/8"
  }
  ingress {
    rule_no    = 100
    protocol   = "-1"
    action     = "allow"
    cidr_block = "0.0.0.0/0"
  }
}
resource "aws_network_acl" "standalone" {
  vpc_id = "vpc-1"
}
resource "aws_network_acl_rule" "deny_all_v6" {
  network_acl_id  = aws_network_acl.standalone.id
  rule_number     = 1
  protocol        = -1
  rule_action     = "deny"
  ipv6_cidr_block = "::/0"
}
resource "aws_network_acl_rule" "allow_all_v6" {
  network_acl_id  = aws_network_acl.standalone.id
  rule_number     = 2
  protocol        = -1
  rule_action     = "allow"
  ipv6_cidr_block = "::/0"
}
"#);
        assert_eq!(
            flagged(&r, "RG-AWS-VPC-004"),
            ["aws_network_acl.admin_denied", "aws_network_acl.partial"]
        );
        assert_eq!(
            messages(&r, "RG-AWS-VPC-005"),
            [
                "network ACL `aws_network_acl.allow_first` (ingress rule 100) allows ingress from 0.0.0.0/0 to TCP port 22 (SSH)",
                "network ACL `aws_network_acl.admin_denied` (ingress rule 101) allows ingress from ::/0 to TCP ports 22-3389 (includes SSH and RDP)",
                "network ACL `aws_network_acl.partial` (ingress rule 100) allows ingress from 0.0.0.0/0 to all protocols and ports",
            ]
        );
    }

    #[test]
    fn cidr_unions_cover_exactly() {
        use super::Cidr;
        let c = |s: &str| Cidr::parse(s).expect("CIDR");
        assert!(c("0.0.0.0/0").is_covered_by(&[c("0.0.0.0/1"), c("128.0.0.0/1")]));
        assert!(!c("0.0.0.0/0").is_covered_by(&[c("0.0.0.0/1"), c("128.0.0.0/2")]));
        assert!(c("10.1.2.0/24").is_covered_by(&[c("10.0.0.0/8")]));
        assert!(!c("::/0").is_covered_by(&[c("0.0.0.0/0")]));
        assert!(c("2001:db8::/32").is_covered_by(&[c("::/0")]));
        // Host bits are cleared, as AWS normalizes them.
        assert_eq!(c("10.1.2.3/8"), c("10.0.0.0/8"));
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("nonsense"), None);
    }

    #[test]
    fn subnets_and_flow_logs_across_resources() {
        let r = hcl(r#"
resource "aws_default_subnet" "a" {
  availability_zone = "eu-west-1a"
}
resource "aws_default_subnet" "b" {
  availability_zone       = "eu-west-1b"
  map_public_ip_on_launch = false
}
resource "aws_subnet" "c" {
  vpc_id                  = aws_vpc.logged[0].id
  map_public_ip_on_launch = var.public
}
resource "aws_vpc" "logged" {
  count      = 1
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "unlogged" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_flow_log" "logged" {
  vpc_id       = aws_vpc.logged[0].id
  traffic_type = "REJECT"
}
resource "aws_flow_log" "other" {
  vpc_id       = var.other_vpc
  traffic_type = "ALL"
}
"#);
        assert_eq!(
            messages(&r, "RG-AWS-VPC-002"),
            [
                "default subnet `aws_default_subnet.a` keeps AWS's default of giving every instance a public IP address"
            ]
        );
        assert_eq!(undetermined(&r, "RG-AWS-VPC-002"), 1);
        assert_eq!(
            messages(&r, "RG-AWS-VPC-003"),
            ["VPC `aws_vpc.unlogged` has no `aws_flow_log` capturing its traffic"]
        );
    }

    #[test]
    fn plan_json_security_groups_and_unknown_after_apply() {
        let plan = r#"{
  "format_version": "1.2",
  "resource_changes": [
    {
      "address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
      "change": {
        "actions": ["create"], "before": null,
        "after": {
          "description": "Managed by Terraform",
          "ingress": [
            {"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 22, "ipv6_cidr_blocks": [],
             "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": false, "to_port": 22}
          ],
          "egress": []
        },
        "after_unknown": {"id": true, "arn": true, "ingress": [{"cidr_blocks": [false], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": []}]}
      }
    },
    {
      "address": "aws_security_group_rule.later", "mode": "managed", "type": "aws_security_group_rule", "name": "later",
      "change": {
        "actions": ["create"], "before": null,
        "after": {"type": "ingress", "from_port": 22, "to_port": 22, "protocol": "tcp", "description": "x"},
        "after_unknown": {"cidr_blocks": true, "security_group_id": true}
      }
    },
    {
      "address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
      "change": {"actions": ["create"], "before": null, "after": {"cidr_block": "10.0.0.0/16"}, "after_unknown": {"id": true}}
    },
    {
      "address": "aws_flow_log.main", "mode": "managed", "type": "aws_flow_log", "name": "main",
      "change": {"actions": ["create"], "before": null, "after": {"traffic_type": "ALL"}, "after_unknown": {"vpc_id": true}}
    }
  ],
  "configuration": {"root_module": {"resources": [
    {"address": "aws_flow_log.main", "mode": "managed", "type": "aws_flow_log", "name": "main",
     "expressions": {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}}
  ]}}
}"#;
        let r = review_of("plan.json", plan);
        assert_eq!(
            messages(&r, "RG-AWS-EC2-002"),
            [
                "security group `aws_security_group.web` (ingress rule 1) allows ingress from 0.0.0.0/0 to TCP port 22 (SSH)"
            ]
        );
        assert_eq!(messages(&r, "RG-AWS-EC2-004").len(), 1);
        assert_eq!(messages(&r, "RG-AWS-EC2-005").len(), 1);
        // `cidr_blocks` known only after apply: cannot tell, not a pass.
        assert!(r.undetermined.iter().any(
            |u| u.rule_id == "RG-AWS-EC2-002" && u.resource == "aws_security_group_rule.later"
        ));
        // The flow log's `vpc_id` is unknown but its expression names the VPC.
        assert!(messages(&r, "RG-AWS-VPC-003").is_empty());
        assert_eq!(undetermined(&r, "RG-AWS-VPC-003"), 0);
    }

    #[test]
    fn cidr_and_traffic_helpers() {
        use super::{Traffic, is_whole_internet};
        use crate::value::Value;
        assert!(is_whole_internet("0.0.0.0/0"));
        assert!(is_whole_internet("::/0"));
        assert!(is_whole_internet(" 10.0.0.0/0"));
        assert!(!is_whole_internet("0.0.0.0/1"));
        assert!(!is_whole_internet("10.0.0.0/8"));
        assert!(!is_whole_internet("garbage/0"));
        let t = |p: Value, from: i64, to: i64| {
            Traffic::read(
                Some(&p),
                Some(&Value::Number(from.into())),
                Some(&Value::Number(to.into())),
            )
            .known()
            .expect("known")
        };
        let udp = t(Value::String("UDP".into()), 3000, 4000);
        assert!(udp.exposes_admin_ports());
        assert_eq!(udp.describe(), "UDP ports 3000-4000 (includes RDP)");
        let icmp = t(Value::String("icmp".into()), -1, -1);
        assert!(!icmp.exposes_admin_ports());
        assert_eq!(icmp.describe(), "ICMP");
        let all = t(Value::Number((-1).into()), 0, 0);
        assert!(all.exposes_admin_ports() && all.is_all_ports());
    }
}
