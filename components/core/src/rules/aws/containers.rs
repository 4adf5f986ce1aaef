//! Containers beyond secrets, insights and EFS (`compute.rs`): ECS task privileges
//! and service exposure, EKS versions and node group access.
//!
//! ECS container definitions are a JSON document (`container_definitions`, usually
//! `jsonencode([...])`). Parts the configuration does not know (a variable, a
//! reference) read as placeholder strings, which the rules here treat as unknown
//! rather than as a value.

use super::compute::json_document;
use super::controls::PUBLIC_NETWORK;
use crate::finding::Severity;
use crate::resource::Resource;
use crate::rules::values::single_block;
use crate::rules::{Context, ResourceRule, RuleMeta, Tri, Verdicts};

// Not `controls::LEAST_PRIVILEGE`: container hardening (privileged mode, a writable root
// filesystem) adds NIST CM-7 and maps SOC 2 CC6.1 rather than an IAM grant's CC6.3.
const LEAST_PRIVILEGE: &[(&str, &[&str])] = &[
    ("soc2", &["CC6.1"]),
    ("nist-800-53-r5", &["AC-6", "CM-7"]),
    ("nist-csf-2.0", &["PR.AA-05"]),
];

const TASK_DEFINITION: &[&str] = &["aws_ecs_task_definition"];

pub(super) const RULES: &[ResourceRule] = &[
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-004",
            title: "ECS task definition runs a privileged container",
            severity: Severity::High,
            description: "A container with `\"privileged\": true` gets every Linux capability and access to the host's devices: a compromise of that container is a compromise of the container instance and of every other task on it.",
            remediation: "Remove `privileged` (it defaults to false) and add only the specific capabilities the container needs under `linuxParameters.capabilities.add`.",
            aliases: &[],
            frameworks: LEAST_PRIVILEGE,
            resource_types: TASK_DEFINITION,
        },
        check: check_privileged_containers,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-005",
            title: "ECS container root filesystem is writable",
            severity: Severity::Low,
            description: "`readonlyRootFilesystem` defaults to false: an attacker who gets code execution in the container can replace its binaries and libraries or drop tools onto its filesystem, and the change persists for the life of the task.",
            remediation: "Set `\"readonlyRootFilesystem\": true` on each container and mount volumes only where it must write.",
            aliases: &["CKV_AWS_336"],
            frameworks: LEAST_PRIVILEGE,
            resource_types: TASK_DEFINITION,
        },
        check: check_readonly_root,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-006",
            title: "ECS task definition uses host networking",
            severity: Severity::Medium,
            description: "`network_mode = \"host\"` puts the containers in the host's network namespace: they can bind the host's ports, reach services listening on localhost (including the ECS agent's introspection port) and sniff the host's traffic when they hold NET_RAW.",
            remediation: "Use `network_mode = \"awsvpc\"` (per-task network interfaces and security groups) or `\"bridge\"`.",
            aliases: &[],
            frameworks: LEAST_PRIVILEGE,
            resource_types: TASK_DEFINITION,
        },
        check: check_host_network,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-007",
            title: "ECS container runs as root",
            severity: Severity::Medium,
            description: "A container whose `user` is `root` or uid 0 runs its process as root: any escape through the kernel or a mounted host path happens with root's privileges on the host. Containers that set no `user` run as the image's user, which is not visible here and is not judged.",
            remediation: "Set `\"user\"` to a non-root uid (for example `\"1000:1000\"`) and build the image to run as that user.",
            aliases: &[],
            frameworks: LEAST_PRIVILEGE,
            resource_types: TASK_DEFINITION,
        },
        check: check_root_user,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-008",
            title: "ECS container adds a dangerous Linux capability",
            severity: Severity::High,
            description: "`linuxParameters.capabilities.add` with ALL, SYS_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO, DAC_READ_SEARCH, NET_ADMIN or BPF gives the container powers that are known routes out of a container: mounting filesystems, loading kernel modules, attaching to other processes, reading any file.",
            remediation: "Remove the capability, or drop to the narrowest one the workload needs (and `drop = [\"ALL\"]` for everything else).",
            aliases: &[],
            frameworks: LEAST_PRIVILEGE,
            resource_types: TASK_DEFINITION,
        },
        check: check_dangerous_capabilities,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-009",
            title: "ECS task shares the host's process or IPC namespace",
            severity: Severity::High,
            description: "`pid_mode = \"host\"` lets the containers see and signal every process on the host (and, with SYS_PTRACE, read their memory); `ipc_mode = \"host\"` lets them read and write the host's shared memory. Either breaks the isolation between the task and everything else on the instance.",
            remediation: "Remove `pid_mode`/`ipc_mode`, or set them to `\"task\"` to share only within the task.",
            aliases: &[],
            frameworks: LEAST_PRIVILEGE,
            resource_types: TASK_DEFINITION,
        },
        check: check_host_namespaces,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-ECS-010",
            title: "ECS service assigns public IP addresses to its tasks",
            severity: Severity::High,
            description: "`network_configuration.assign_public_ip = true` gives every task of the service a public address: the containers are reachable from the internet directly, without a load balancer in front, protected only by their security groups.",
            remediation: "Set `assign_public_ip = false` (the default), run the tasks in private subnets, and put a load balancer in front of them.",
            aliases: &["CKV_AWS_333"],
            frameworks: PUBLIC_NETWORK,
            resource_types: &["aws_ecs_service"],
        },
        check: check_service_public_ip,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EKS-005",
            title: "EKS cluster runs a Kubernetes version past the end of support",
            severity: Severity::High,
            description: "Amazon EKS supports a Kubernetes minor version for 14 months of standard support and 12 more of extended support; after that the control plane gets no security patches and AWS upgrades it on its own schedule. Judged against the EKS release calendar as recorded on 2026-12-06 (1.31 and older are past extended support), not against the current date, so results are reproducible; versions newer than the recorded calendar pass. An unset `version` takes the latest default.",
            remediation: "Set `version` to a supported release (1.32 or later as of 2026-12-06) and upgrade one minor version at a time.",
            aliases: &[],
            frameworks: &[
                ("soc2", &["CC7.1"]),
                ("pci-dss-4.0", &["6.3.3"]),
                ("nist-800-53-r5", &["SI-2", "SA-22"]),
                ("nist-csf-2.0", &["PR.PS-02"]),
            ],
            resource_types: &["aws_eks_cluster"],
        },
        check: check_eks_version,
    },
    ResourceRule {
        meta: RuleMeta {
            id: "RG-AWS-EKS-006",
            title: "EKS node group allows SSH from the whole internet",
            severity: Severity::High,
            description: "A node group with `remote_access.ec2_ssh_key` and no `source_security_group_ids` gets port 22 opened to 0.0.0.0/0 on its nodes by EKS: every worker node accepts SSH attempts from anywhere.",
            remediation: "Set `source_security_group_ids` to the bastion's or VPN's security group, or remove `remote_access` and use Session Manager.",
            aliases: &["CKV_AWS_100"],
            frameworks: PUBLIC_NETWORK,
            resource_types: &["aws_eks_node_group"],
        },
        check: check_node_group_remote_access,
    },
];

// ----- ECS task definitions -----

/// The containers of a task definition; `Unknown` when the document is not known.
fn containers(task: &Resource) -> Tri<Vec<serde_json::Value>> {
    let value = task.attributes.get("container_definitions");
    let document = match json_document(value) {
        Tri::Known(json) => json,
        Tri::Missing => return Tri::Missing,
        Tri::Unknown => return Tri::Unknown,
    };
    match document {
        serde_json::Value::Array(items) => Tri::Known(items),
        single @ serde_json::Value::Object(_) => Tri::Known(vec![single]),
        _ => Tri::Unknown,
    }
}

/// A placeholder the partial JSON reader wrote for a part not known statically.
fn is_placeholder(value: &serde_json::Value) -> bool {
    value.as_str().is_some_and(|s| s.contains("${"))
}

/// A boolean field of a container; placeholders and other types are unknown.
fn container_flag(container: &serde_json::Value, field: &str) -> Tri<bool> {
    match container.get(field) {
        None | Some(serde_json::Value::Null) => Tri::Missing,
        Some(serde_json::Value::Bool(b)) => Tri::Known(*b),
        Some(_) => Tri::Unknown,
    }
}

fn container_name(container: &serde_json::Value) -> &str {
    container
        .get("name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("?")
}

/// Runs `test` on every container and reports the names it found, or "cannot tell"
/// when the definitions (or some container's field) are not known.
fn report_containers(
    task: &Resource,
    out: &mut Verdicts,
    test: impl Fn(&serde_json::Value) -> Tri<bool>,
    problem: &str,
) {
    let containers = match containers(task) {
        Tri::Known(containers) => containers,
        Tri::Missing => return,
        Tri::Unknown => return out.cannot_tell("`container_definitions` is not known statically"),
    };
    let mut found = Vec::new();
    let mut unknown = false;
    for container in &containers {
        match test(container) {
            Tri::Known(true) => found.push(format!("`{}`", container_name(container))),
            Tri::Unknown => unknown = true,
            _ => {}
        }
    }
    if !found.is_empty() {
        out.fail(
            format!(
                "task definition `{}`: {problem}: {}",
                task.address,
                found.join(", ")
            ),
            Some("container_definitions"),
        );
    } else if unknown {
        out.cannot_tell("some container settings are not known statically");
    }
}

fn check_privileged_containers(task: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    report_containers(
        task,
        out,
        |c| container_flag(c, "privileged"),
        "privileged containers",
    );
}

fn check_readonly_root(task: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    report_containers(
        task,
        out,
        |c| !container_flag(c, "readonlyRootFilesystem"),
        "containers with a writable root filesystem (`readonlyRootFilesystem` defaults to false)",
    );
}

/// A `user` that is root: `root`, uid 0, with or without a group.
fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or_default().trim();
    name == "root" || name == "0"
}

fn check_root_user(task: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    report_containers(
        task,
        out,
        |c| match c.get("user") {
            None | Some(serde_json::Value::Null) => Tri::Known(false),
            Some(user) if is_placeholder(user) => Tri::Unknown,
            Some(serde_json::Value::String(user)) => Tri::Known(is_root_user(user)),
            Some(_) => Tri::Unknown,
        },
        "containers running as root",
    );
}

/// Capabilities that are known ways out of a container.
const DANGEROUS_CAPABILITIES: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "NET_ADMIN",
    "BPF",
];

fn adds_dangerous_capability(container: &serde_json::Value) -> Tri<bool> {
    let Some(added) = container.pointer("/linuxParameters/capabilities/add") else {
        return Tri::Known(false);
    };
    let Some(added) = added.as_array() else {
        return if added.is_null() {
            Tri::Known(false)
        } else {
            Tri::Unknown
        };
    };
    Tri::any(added.iter().map(|capability| match capability.as_str() {
        Some(name) if name.contains("${") => Tri::Unknown,
        Some(name) => {
            let name = name.trim().to_ascii_uppercase();
            let name = name.strip_prefix("CAP_").unwrap_or(&name);
            Tri::Known(DANGEROUS_CAPABILITIES.contains(&name))
        }
        None => Tri::Unknown,
    }))
}

fn check_dangerous_capabilities(task: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    report_containers(
        task,
        out,
        adds_dangerous_capability,
        "containers adding dangerous capabilities",
    );
}

fn check_host_network(task: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::str(task.attributes.get("network_mode")) {
        Tri::Known("host") => out.fail(
            format!(
                "task definition `{}` uses the host's network (`network_mode = \"host\"`)",
                task.address
            ),
            Some("network_mode"),
        ),
        Tri::Unknown => out.cannot_tell("`network_mode` is known only after apply"),
        _ => {}
    }
}

fn check_host_namespaces(task: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    for attribute in ["pid_mode", "ipc_mode"] {
        match Tri::str(task.attributes.get(attribute)) {
            Tri::Known("host") => out.fail(
                format!(
                    "task definition `{}` shares the host's namespace (`{attribute} = \"host\"`)",
                    task.address
                ),
                Some(attribute),
            ),
            Tri::Unknown => out.cannot_tell(format!("`{attribute}` is known only after apply")),
            _ => {}
        }
    }
}

fn check_service_public_ip(service: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let public = single_block(service.attributes.get("network_configuration"))
        .and_then(|n| Tri::bool(n.get("assign_public_ip")));
    match public {
        Tri::Known(true) => out.fail(
            format!(
                "ECS service `{}` assigns public IP addresses to its tasks",
                service.address
            ),
            Some("network_configuration.0.assign_public_ip"),
        ),
        Tri::Unknown => out.cannot_tell("`assign_public_ip` is known only after apply"),
        _ => {}
    }
}

// ----- EKS -----

/// The day the table below was last checked against the EKS Kubernetes release
/// calendar (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html).
/// The rule judges versions as of this date, never the wall clock.
const EKS_CALENDAR_AS_OF: &str = "2026-12-06";

/// End of extended support per Kubernetes minor version, from the EKS calendar
/// (standard support ends 14 months after release, extended support 12 months
/// later). Versions older than the first row ended before it; versions newer than
/// the last row are supported.
const EKS_END_OF_EXTENDED_SUPPORT: &[(u32, &str)] = &[
    (23, "2024-10-11"),
    (24, "2025-01-31"),
    (25, "2025-05-01"),
    (26, "2025-06-11"),
    (27, "2025-07-24"),
    (28, "2025-11-26"),
    (29, "2026-03-23"),
    (30, "2026-07-23"),
    (31, "2026-11-26"),
    (32, "2027-03-23"),
    (33, "2027-07-29"),
    (34, "2027-12-02"),
    (35, "2028-03-27"),
];

/// The Kubernetes minor version of `1.xx` (an optional patch or `-eks` suffix is
/// ignored); `None` when the text is not a version.
fn kubernetes_minor(version: &str) -> Option<u32> {
    let rest = version.trim().strip_prefix("1.")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// When support for `minor` ended, if it had ended by [`EKS_CALENDAR_AS_OF`]
/// (ISO dates compare as text).
fn eks_support_ended(minor: u32) -> Option<&'static str> {
    let (first, first_end) = EKS_END_OF_EXTENDED_SUPPORT[0];
    if minor < first {
        return Some(first_end);
    }
    EKS_END_OF_EXTENDED_SUPPORT
        .iter()
        .find(|(m, _)| *m == minor)
        .map(|(_, end)| *end)
        .filter(|end| *end < EKS_CALENDAR_AS_OF)
}

fn check_eks_version(cluster: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    match Tri::non_empty_str(cluster.attributes.get("version")) {
        Tri::Known(version) => match kubernetes_minor(version) {
            Some(minor) => {
                if let Some(ended) = eks_support_ended(minor) {
                    out.fail(
                        format!(
                            "EKS cluster `{}` runs Kubernetes {version}, whose support ended on or before {ended}",
                            cluster.address
                        ),
                        Some("version"),
                    );
                }
            }
            None => out.cannot_tell(format!(
                "`version` \"{version}\" is not a Kubernetes 1.x version"
            )),
        },
        Tri::Unknown => out.cannot_tell("`version` is known only after apply"),
        Tri::Missing => {}
    }
}

fn check_node_group_remote_access(group: &Resource, _ctx: &Context<'_>, out: &mut Verdicts) {
    let access = match single_block(group.attributes.get("remote_access")) {
        Tri::Known(access) => access,
        Tri::Missing => return,
        Tri::Unknown => return out.cannot_tell("`remote_access` is known only after apply"),
    };
    let key = Tri::non_empty_str(access.get("ec2_ssh_key"));
    let sources = match Tri::list(access.get("source_security_group_ids")) {
        Tri::Known(ids) => Tri::Known(!ids.is_empty()),
        Tri::Missing => Tri::Known(false),
        Tri::Unknown => Tri::Unknown,
    };
    match key.map(|_| true).and(|| !sources) {
        Tri::Known(true) => out.fail(
            format!(
                "node group `{}` allows SSH from 0.0.0.0/0: `remote_access` sets a key but no `source_security_group_ids`",
                group.address
            ),
            Some("remote_access"),
        ),
        Tri::Unknown => out.cannot_tell("the node group's remote access is known only after apply"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{flagged, hcl, undecided};

    #[test]
    fn container_privileges() {
        let r = hcl(r#"
resource "aws_ecs_task_definition" "risky" {
  family       = "risky"
  network_mode = "host"
  pid_mode     = "host"
  container_definitions = jsonencode([
    {
      name       = "app"
      image      = "app:1"
      privileged = true
      user       = "root"
      linuxParameters = { capabilities = { add = ["SYS_ADMIN"] } }
    },
    {
      name                   = "sidecar"
      image                  = "sidecar:1"
      user                   = "0:0"
      readonlyRootFilesystem = true
    }
  ])
}
resource "aws_ecs_task_definition" "hardened" {
  family       = "hardened"
  network_mode = "awsvpc"
  container_definitions = jsonencode([{
    name                   = "app"
    image                  = "app:1"
    user                   = "1000:1000"
    readonlyRootFilesystem = true
    linuxParameters        = { capabilities = { add = ["NET_BIND_SERVICE"], drop = ["ALL"] } }
  }])
}
resource "aws_ecs_task_definition" "chosen" {
  family   = "chosen"
  ipc_mode = var.ipc
  container_definitions = jsonencode([{
    name                   = "app"
    image                  = "app:1"
    privileged             = var.privileged
    user                   = var.user
    readonlyRootFilesystem = var.readonly
    linuxParameters        = { capabilities = { add = [var.capability] } }
  }])
}"#);
        let risky = ["aws_ecs_task_definition.risky"];
        let chosen = ["aws_ecs_task_definition.chosen"];
        assert_eq!(flagged(&r, "RG-AWS-ECS-004"), risky);
        assert_eq!(undecided(&r, "RG-AWS-ECS-004"), chosen);
        assert_eq!(flagged(&r, "RG-AWS-ECS-005"), risky);
        assert_eq!(undecided(&r, "RG-AWS-ECS-005"), chosen);
        assert_eq!(flagged(&r, "RG-AWS-ECS-006"), risky);
        assert_eq!(flagged(&r, "RG-AWS-ECS-007"), risky);
        assert_eq!(undecided(&r, "RG-AWS-ECS-007"), chosen);
        assert_eq!(flagged(&r, "RG-AWS-ECS-008"), risky);
        assert_eq!(undecided(&r, "RG-AWS-ECS-008"), chosen);
        assert_eq!(flagged(&r, "RG-AWS-ECS-009"), risky);
        assert_eq!(undecided(&r, "RG-AWS-ECS-009"), chosen);
    }

    #[test]
    fn root_users_and_capabilities_are_read_as_docker_does() {
        assert!(is_root_user("root") && is_root_user("0") && is_root_user("0:1000"));
        assert!(!is_root_user("1000") && !is_root_user("rooted"));
        let cap = |name: &str| {
            adds_dangerous_capability(&serde_json::json!({
                "linuxParameters": {"capabilities": {"add": [name]}}
            }))
        };
        assert_eq!(cap("cap_sys_admin"), Tri::Known(true));
        assert_eq!(cap("CHOWN"), Tri::Known(false));
    }

    #[test]
    fn service_public_ip() {
        let r = hcl(r#"
resource "aws_ecs_service" "public" {
  name = "a"
  network_configuration {
    subnets          = var.subnets
    assign_public_ip = true
  }
}
resource "aws_ecs_service" "private" {
  name = "b"
  network_configuration {
    subnets = var.subnets
  }
}
resource "aws_ecs_service" "chosen" {
  name = "c"
  network_configuration {
    subnets          = var.subnets
    assign_public_ip = var.public
  }
}"#);
        assert_eq!(flagged(&r, "RG-AWS-ECS-010"), ["aws_ecs_service.public"]);
        assert_eq!(undecided(&r, "RG-AWS-ECS-010"), ["aws_ecs_service.chosen"]);
    }

    #[test]
    fn eks_versions_against_the_calendar() {
        let r = hcl(r#"
resource "aws_eks_cluster" "ancient" {
  name    = "a"
  version = "1.21"
}
resource "aws_eks_cluster" "ended" {
  name    = "b"
  version = "1.31"
}
resource "aws_eks_cluster" "extended" {
  name    = "c"
  version = "1.32"
}
resource "aws_eks_cluster" "future" {
  name    = "d"
  version = "1.40"
}
resource "aws_eks_cluster" "latest" {
  name = "e"
}
resource "aws_eks_cluster" "chosen" {
  name    = "f"
  version = var.k8s
}"#);
        assert_eq!(
            flagged(&r, "RG-AWS-EKS-005"),
            ["aws_eks_cluster.ancient", "aws_eks_cluster.ended"]
        );
        assert_eq!(undecided(&r, "RG-AWS-EKS-005"), ["aws_eks_cluster.chosen"]);
        // The table is ordered and ends in the future of its own date.
        assert!(EKS_END_OF_EXTENDED_SUPPORT.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(kubernetes_minor("1.29.3"), Some(29));
        assert_eq!(kubernetes_minor("latest"), None);
    }

    #[test]
    fn node_group_remote_access() {
        let r = hcl(r#"
resource "aws_eks_node_group" "open" {
  cluster_name = "c"
  remote_access {
    ec2_ssh_key = "ops"
  }
}
resource "aws_eks_node_group" "bastion" {
  cluster_name = "c"
  remote_access {
    ec2_ssh_key               = "ops"
    source_security_group_ids = [aws_security_group.bastion.id]
  }
}
resource "aws_eks_node_group" "none" {
  cluster_name = "c"
}
resource "aws_eks_node_group" "chosen" {
  cluster_name = "c"
  remote_access {
    ec2_ssh_key               = "ops"
    source_security_group_ids = var.sources
  }
}"#);
        assert_eq!(flagged(&r, "RG-AWS-EKS-006"), ["aws_eks_node_group.open"]);
        assert_eq!(
            undecided(&r, "RG-AWS-EKS-006"),
            ["aws_eks_node_group.chosen"]
        );
    }
}
