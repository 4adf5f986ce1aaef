//! Findings grouped by what they are about, for the renderings people read (the
//! CLI's text and the PR comment): one group per resource, so a bucket that fails
//! six rules is one heading with six lines, not six entries scattered by severity.
//! Findings about no resource (a secret on a diff line, a plan-wide rule) are
//! grouped by file, and those about no file fall in one group of their own.

use crate::finding::{Finding, Severity};

/// What a group of findings is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject<'a> {
    /// One resource, by address and the file it is declared in (two root modules
    /// may each declare `aws_s3_bucket.logs`).
    Resource {
        /// The resource address.
        address: &'a str,
        /// Its file, when known.
        file: Option<&'a str>,
    },
    /// Findings about no resource, in one file.
    File(&'a str),
    /// Findings about neither a resource nor a file.
    Change,
}

/// The findings about one subject.
#[derive(Clone, Debug, PartialEq)]
pub struct FindingGroup<'a> {
    /// What they are about.
    pub subject: Subject<'a>,
    /// The first line any of them points at: where a reader starts looking.
    pub line: Option<u32>,
    /// The findings, most severe first (in the order given among equals).
    pub findings: Vec<&'a Finding>,
}

impl<'a> FindingGroup<'a> {
    /// The most severe of the group's findings.
    pub fn severity(&self) -> Severity {
        self.findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Info)
    }

    /// The file the group is in, when known.
    pub fn file(&self) -> Option<&'a str> {
        match self.subject {
            Subject::Resource { file, .. } => file,
            Subject::File(file) => Some(file),
            Subject::Change => None,
        }
    }
}

/// Groups findings by subject. Groups come in the order of their first finding, so
/// findings sorted as a review sorts them (most severe first, then by file and
/// line) give the group with the most severe finding first.
pub fn by_subject<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<FindingGroup<'a>> {
    let mut groups: Vec<FindingGroup<'a>> = Vec::new();
    let mut index: std::collections::HashMap<Subject<'a>, usize> = std::collections::HashMap::new();
    for finding in findings {
        let subject = match (finding.resource.as_deref(), finding.file.as_deref()) {
            (Some(address), file) => Subject::Resource { address, file },
            (None, Some(file)) => Subject::File(file),
            (None, None) => Subject::Change,
        };
        let at = *index.entry(subject).or_insert_with(|| {
            groups.push(FindingGroup {
                subject,
                line: None,
                findings: Vec::new(),
            });
            groups.len() - 1
        });
        let group = &mut groups[at];
        group.line = match (group.line, finding.line) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        group.findings.push(finding);
    }
    for group in &mut groups {
        // Stable: equals keep the order they were given in.
        group
            .findings
            .sort_by_key(|f| std::cmp::Reverse(f.severity));
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changeset::{ChangeSet, Document, Origin};

    #[test]
    fn findings_group_by_resource_then_file_most_severe_first() {
        let hcl = "resource \"aws_s3_bucket\" \"a\" {}\n\nresource \"aws_security_group\" \"web\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n";
        // Built at run time so the repository holds no string that looks live.
        let key = ["AKIA", "Q7RZ2M4KXW9PLT3B"].concat();
        let diff =
            format!("--- a/app.env\n+++ b/app.env\n@@ -1 +1 @@\n-x\n+AWS_ACCESS_KEY_ID={key}\n");
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [
                Document::detect("main.tf", hcl),
                Document::detect("pr.diff", diff),
            ],
        );
        let review = crate::review::review(&cs);
        let groups = by_subject(&review.findings);
        // Every finding is in exactly one group.
        let grouped: usize = groups.iter().map(|g| g.findings.len()).sum();
        assert_eq!(grouped, review.findings.len());
        let bucket = groups
            .iter()
            .find(|g| {
                g.subject
                    == Subject::Resource {
                        address: "aws_s3_bucket.a",
                        file: Some("main.tf"),
                    }
            })
            .expect("the bucket's group");
        assert!(bucket.findings.len() > 1, "{bucket:?}");
        assert!(
            bucket
                .findings
                .windows(2)
                .all(|w| w[0].severity >= w[1].severity)
        );
        assert_eq!(bucket.line, Some(1));
        let secret = groups
            .iter()
            .find(|g| g.subject == Subject::File("app.env"))
            .expect("the diff's secret, by file");
        assert_eq!((secret.line, secret.file()), (Some(1), Some("app.env")));
        // Groups come most severe first.
        assert!(
            groups
                .windows(2)
                .all(|w| w[0].severity() >= w[1].severity())
        );
    }

    #[test]
    fn the_same_address_in_two_files_is_two_groups() {
        let hcl = "resource \"aws_s3_bucket\" \"logs\" {}\n";
        let cs = ChangeSet::from_documents(
            Origin::Local,
            [
                Document::detect("prod/main.tf", hcl),
                Document::detect("staging/main.tf", hcl),
            ],
        );
        let review = crate::review::review(&cs);
        let files: Vec<Option<&str>> = by_subject(&review.findings)
            .iter()
            .map(FindingGroup::file)
            .collect();
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(files.contains(&Some("prod/main.tf")) && files.contains(&Some("staging/main.tf")));
    }
}
