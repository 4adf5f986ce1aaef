//! Compliance mappings shared by the AWS rules: one constant per security
//! objective, each a list of `(framework id, controls)` pairs.
//!
//! A rule file imports the objective its rules check instead of restating the
//! controls, so two rules that check the same objective cannot drift apart. Every
//! control named here must exist in its catalog under `components/core/frameworks/`
//! (a test checks it). A file whose rules need a narrower or wider mapping keeps its
//! own constant and says why next to it.

/// `(framework id, control ids)` pairs a rule maps to, in report order.
pub(super) type Frameworks = &'static [(&'static str, &'static [&'static str])];

/// Data at rest is encrypted: SOC 2 logical access (CC6.1), PCI DSS's protection of
/// stored account data (3.5.1), HIPAA's encryption addressable specification
/// (164.312(a)(2)(iv)), NIST SC-28 and CSF PR.DS-01 (data-at-rest protection).
pub(super) const ENCRYPTION_AT_REST: Frameworks = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["3.5.1"]),
    ("hipaa", &["164.312(a)(2)(iv)"]),
    ("nist-800-53-r5", &["SC-28"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];

/// Data at rest is encrypted under a key the organisation controls: PCI DSS 3.6.1
/// (key-management procedures) and NIST SC-12 (key establishment and management)
/// apply only once the key is the customer's, on top of the at-rest controls.
pub(super) const CUSTOMER_KEY: Frameworks = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["3.6.1"]),
    ("nist-800-53-r5", &["SC-12", "SC-28"]),
    ("nist-csf-2.0", &["PR.DS-01"]),
];

/// Data in transit is encrypted: SOC 2 CC6.7 (transmission), PCI DSS 4.2.1 (strong
/// cryptography over open networks), HIPAA's transmission security (164.312(e)(1)),
/// NIST SC-8 and CSF PR.DS-02 (data-in-transit protection).
pub(super) const IN_TRANSIT: Frameworks = &[
    ("soc2", &["CC6.7"]),
    ("pci-dss-4.0", &["4.2.1"]),
    ("hipaa", &["164.312(e)(1)"]),
    ("nist-800-53-r5", &["SC-8"]),
    ("nist-csf-2.0", &["PR.DS-02"]),
];

/// Data is backed up: SOC 2 availability recovery (A1.2), HIPAA's data backup plan
/// (164.308(a)(7)(ii)(A)), NIST CP-9 and CSF PR.DS-11 (backups are created and kept).
pub(super) const BACKUP: Frameworks = &[
    ("soc2", &["A1.2"]),
    ("hipaa", &["164.308(a)(7)(ii)(A)"]),
    ("nist-800-53-r5", &["CP-9"]),
    ("nist-csf-2.0", &["PR.DS-11"]),
];

/// The service survives the loss of one node or zone: SOC 2 A1.2, NIST CP-10
/// (recovery and reconstitution) and CSF PR.IR-03 (resilience in normal and adverse
/// situations).
pub(super) const RESILIENCE: Frameworks = &[
    ("soc2", &["A1.2"]),
    ("nist-800-53-r5", &["CP-10"]),
    ("nist-csf-2.0", &["PR.IR-03"]),
];

/// A resource stays inside a private network boundary: SOC 2 CC6.6 (threats from
/// outside the boundary), PCI DSS 1.4.1 (controls between trusted and untrusted
/// networks), NIST SC-7 and CSF PR.IR-01 (networks are protected from unauthorised
/// access).
pub(super) const NETWORK_BOUNDARY: Frameworks = &[
    ("soc2", &["CC6.6"]),
    ("pci-dss-4.0", &["1.4.1"]),
    ("nist-800-53-r5", &["SC-7"]),
    ("nist-csf-2.0", &["PR.IR-01"]),
];

/// A compute resource is not reachable from the internet: [`NETWORK_BOUNDARY`] plus
/// NIST AC-4 (information flow enforcement), since the finding is about which traffic
/// may flow in.
pub(super) const PUBLIC_NETWORK: Frameworks = &[
    ("soc2", &["CC6.6"]),
    ("pci-dss-4.0", &["1.4.1"]),
    ("nist-800-53-r5", &["AC-4", "SC-7"]),
    ("nist-csf-2.0", &["PR.IR-01"]),
];

/// A resource policy grants access only to the principals meant to have it: SOC 2
/// CC6.1, PCI DSS 7.2.1 (access defined by need), NIST AC-3 (enforcement) and AC-6
/// (least privilege), CSF PR.AA-05 (access permissions are managed).
pub(super) const RESOURCE_POLICY_ACCESS: Frameworks = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["7.2.1"]),
    ("nist-800-53-r5", &["AC-3", "AC-6"]),
    ("nist-csf-2.0", &["PR.AA-05"]),
];

/// A role or identity holds only the permissions it needs: SOC 2 CC6.3, PCI DSS 7.2.2
/// (privileges by job function), NIST AC-6 and CSF PR.AA-05.
pub(super) const LEAST_PRIVILEGE: Frameworks = &[
    ("soc2", &["CC6.3"]),
    ("pci-dss-4.0", &["7.2.2"]),
    ("nist-800-53-r5", &["AC-6"]),
    ("nist-csf-2.0", &["PR.AA-05"]),
];

/// Users sign in through the organisation's central identity provider rather than
/// local database accounts: SOC 2 CC6.1, PCI DSS 8.3.1 (strong authentication), NIST
/// IA-2 and AC-2 (account management) and CSF PR.AA-01 (identities are managed).
pub(super) const CENTRAL_AUTHENTICATION: Frameworks = &[
    ("soc2", &["CC6.1"]),
    ("pci-dss-4.0", &["8.3.1"]),
    ("nist-800-53-r5", &["IA-2", "AC-2"]),
    ("nist-csf-2.0", &["PR.AA-01"]),
];

/// A database engine's audit log is kept: SOC 2 CC7.2, PCI DSS 10.2.1, HIPAA audit
/// controls (164.312(b)), NIST AU-2 and AU-12, and CSF DE.CM-09, since the log is
/// what lets the data and its runtime be monitored.
pub(super) const AUDIT_LOG: Frameworks = &[
    ("soc2", &["CC7.2"]),
    ("pci-dss-4.0", &["10.2.1"]),
    ("hipaa", &["164.312(b)"]),
    ("nist-800-53-r5", &["AU-2", "AU-12"]),
    ("nist-csf-2.0", &["DE.CM-09"]),
];

/// A service's activity or access log is generated: the same controls as
/// [`AUDIT_LOG`] except CSF PR.PS-04 (log records are generated and made available)
/// in place of DE.CM-09. The two are kept apart because their rules were mapped that
/// way and merging them would change what those rules report.
pub(super) const ACTIVITY_LOG: Frameworks = &[
    ("soc2", &["CC7.2"]),
    ("pci-dss-4.0", &["10.2.1"]),
    ("hipaa", &["164.312(b)"]),
    ("nist-800-53-r5", &["AU-2", "AU-12"]),
    ("nist-csf-2.0", &["PR.PS-04"]),
];

/// The engine gets security patches: SOC 2 CC7.1, PCI DSS 6.3.3 (patches installed),
/// NIST SI-2 (flaw remediation) and CSF PR.PS-02 (software is maintained).
pub(super) const PATCHING: Frameworks = &[
    ("soc2", &["CC7.1"]),
    ("pci-dss-4.0", &["6.3.3"]),
    ("nist-800-53-r5", &["SI-2"]),
    ("nist-csf-2.0", &["PR.PS-02"]),
];
