//! A downloaded module archive (`.tar.gz`, `.tgz`, `.zip`) unpacked into a
//! directory, refusing anything a hostile archive could use: paths that leave
//! the directory (`..`, absolute, drive prefixes), links of any kind, devices,
//! and more bytes or entries than the limits (counted as they are written, so a
//! compression bomb stops at the limit).

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

/// What one archive may unpack to.
#[derive(Clone, Copy, Debug)]
pub struct UnpackLimits {
    /// Bytes of all files together.
    pub max_bytes: u64,
    /// Files and directories.
    pub max_entries: usize,
}

/// The archive formats `X-Terraform-Get` may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveFormat {
    TarGz,
    Zip,
}

impl ArchiveFormat {
    /// The format go-getter would pick: the `archive` query value, else the path's
    /// extension.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        if name == "tar.gz" || name == "tgz" || name.ends_with(".tar.gz") || name.ends_with(".tgz")
        {
            Some(ArchiveFormat::TarGz)
        } else if name == "zip" || name.ends_with(".zip") {
            Some(ArchiveFormat::Zip)
        } else {
            None
        }
    }
}

/// Unpacks `bytes` into `dest` (an empty directory).
pub fn unpack(
    bytes: &[u8],
    format: ArchiveFormat,
    dest: &Path,
    limits: UnpackLimits,
) -> Result<(), String> {
    let mut budget = Budget {
        limits,
        bytes: 0,
        entries: 0,
    };
    match format {
        ArchiveFormat::TarGz => unpack_tar_gz(bytes, dest, &mut budget),
        ArchiveFormat::Zip => unpack_zip(bytes, dest, &mut budget),
    }
}

struct Budget {
    limits: UnpackLimits,
    bytes: u64,
    entries: usize,
}

impl Budget {
    fn entry(&mut self) -> Result<(), String> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(format!(
                "the archive holds more than {} files",
                self.limits.max_entries
            ));
        }
        Ok(())
    }

    /// Copies one file's contents, stopping at the byte limit.
    fn copy(&mut self, reader: &mut dyn Read, path: &Path) -> Result<(), String> {
        let mut file = std::fs::File::create(path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let left = self.limits.max_bytes - self.bytes;
        let written = std::io::copy(&mut reader.take(left + 1), &mut file)
            .map_err(|e| format!("cannot unpack the archive: {e}"))?;
        self.bytes += written;
        if self.bytes > self.limits.max_bytes {
            return Err(format!(
                "the archive unpacks to more than {} bytes",
                self.limits.max_bytes
            ));
        }
        file.flush()
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

/// `name` as a path under `dest`, or why it is refused.
fn contained(dest: &Path, name: &str) -> Result<Option<PathBuf>, String> {
    if name.contains('\\') || name.contains('\0') {
        return Err(format!("the archive holds an unsafe path: {name:?}"));
    }
    let mut path = dest.to_path_buf();
    let mut depth = 0;
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => {
                path.push(part);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "the archive holds a path outside its directory: {name:?}"
                ));
            }
        }
    }
    Ok((depth > 0).then_some(path))
}

fn create_dir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn unpack_tar_gz(bytes: &[u8], dest: &Path, budget: &mut Budget) -> Result<(), String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let entries = archive
        .entries()
        .map_err(|e| format!("not a .tar.gz archive: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("not a .tar.gz archive: {e}"))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        // GNU long names and pax headers are read by `tar` itself; what is left
        // is one of these.
        let Some(path) = contained(dest, &name)? else {
            continue;
        };
        budget.entry()?;
        if kind.is_dir() {
            create_dir(&path)?;
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            if let Some(parent) = path.parent() {
                create_dir(parent)?;
            }
            budget.copy(&mut entry, &path)?;
        } else if kind.is_symlink() || kind.is_hard_link() {
            return Err(format!("the archive holds a link: {name:?}"));
        } else if kind.is_pax_global_extensions() {
            continue;
        } else {
            return Err(format!(
                "the archive holds an entry that is neither a file nor a directory: {name:?}"
            ));
        }
    }
    Ok(())
}

/// A zip archive read from its central directory (stored and deflated entries,
/// no ZIP64: the download limit is far below 4 GiB).
fn unpack_zip(bytes: &[u8], dest: &Path, budget: &mut Budget) -> Result<(), String> {
    const END_SIGNATURE: u32 = 0x0605_4b50;
    const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
    const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
    let bad = || "not a .zip archive".to_owned();
    let u16_at = |at: usize| -> Result<usize, String> {
        bytes
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
            .ok_or_else(bad)
    };
    let u32_at = |at: usize| -> Result<u32, String> {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(bad)
    };
    // The end record is in the last 22 + 65,535 (comment) bytes.
    let search_from = bytes.len().saturating_sub(22 + 65_535);
    let end = (search_from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&at| u32_at(at).is_ok_and(|s| s == END_SIGNATURE))
        .ok_or_else(bad)?;
    let count = u16_at(end + 10)?;
    let mut at = u32_at(end + 16)? as usize;
    for _ in 0..count {
        if u32_at(at)? != CENTRAL_SIGNATURE {
            return Err(bad());
        }
        let method = u16_at(at + 10)?;
        let compressed = u32_at(at + 20)? as usize;
        let name_len = u16_at(at + 28)?;
        let extra_len = u16_at(at + 30)?;
        let comment_len = u16_at(at + 32)?;
        let made_by_unix = u16_at(at + 4)? >> 8 == 3;
        let external = u32_at(at + 38)?;
        let local = u32_at(at + 42)? as usize;
        let name_bytes = bytes.get(at + 46..at + 46 + name_len).ok_or_else(bad)?;
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        at += 46 + name_len + extra_len + comment_len;

        let Some(path) = contained(dest, &name)? else {
            continue;
        };
        budget.entry()?;
        // Unix mode bits live in the high half of the external attributes.
        let mode = external >> 16;
        if made_by_unix && mode & 0o170_000 == 0o120_000 {
            return Err(format!("the archive holds a link: {name:?}"));
        }
        if name.ends_with('/') {
            create_dir(&path)?;
            continue;
        }
        if u32_at(local)? != LOCAL_SIGNATURE {
            return Err(bad());
        }
        let data_start = local + 30 + u16_at(local + 26)? + u16_at(local + 28)?;
        let data = bytes
            .get(data_start..data_start.checked_add(compressed).ok_or_else(bad)?)
            .ok_or_else(bad)?;
        if let Some(parent) = path.parent() {
            create_dir(parent)?;
        }
        match method {
            0 => budget.copy(&mut &data[..], &path)?,
            8 => budget.copy(&mut flate2::read::DeflateDecoder::new(data), &path)?,
            other => {
                return Err(format!(
                    "the archive compresses {name:?} with method {other}, which is not read"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: UnpackLimits = UnpackLimits {
        max_bytes: 1_000,
        max_entries: 10,
    };

    fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            Default::default(),
        ));
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            // `set_path` refuses `..`; an attacker's archive need not.
            let raw = &mut header.as_old_mut().name;
            raw[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).expect("append");
        }
        builder.into_inner().expect("tar").finish().expect("gzip")
    }

    #[test]
    fn unpacks_files_in_directories() {
        let dest = tempfile::tempdir().expect("tempdir");
        let archive = tar_gz(&[("./main.tf", b"# main"), ("modules/x/x.tf", b"# x")]);
        unpack(&archive, ArchiveFormat::TarGz, dest.path(), LIMITS).expect("unpack");
        assert_eq!(
            std::fs::read_to_string(dest.path().join("modules/x/x.tf")).expect("x.tf"),
            "# x"
        );
    }

    #[test]
    fn refuses_paths_that_leave_the_directory() {
        for name in ["../evil.tf", "a/../../evil.tf", "/etc/evil.tf"] {
            let dest = tempfile::tempdir().expect("tempdir");
            let archive = tar_gz(&[(name, b"x")]);
            let error =
                unpack(&archive, ArchiveFormat::TarGz, dest.path(), LIMITS).expect_err(name);
            assert!(error.contains("outside its directory"), "{error}");
        }
    }

    #[test]
    fn refuses_links() {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            Default::default(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder
            .append_link(&mut header, "main.tf", "/etc/passwd")
            .expect("link");
        let archive = builder.into_inner().expect("tar").finish().expect("gzip");
        let dest = tempfile::tempdir().expect("tempdir");
        let error =
            unpack(&archive, ArchiveFormat::TarGz, dest.path(), LIMITS).expect_err("a link");
        assert!(error.contains("link"), "{error}");
    }

    #[test]
    fn stops_at_the_limits() {
        let dest = tempfile::tempdir().expect("tempdir");
        let big = vec![0u8; 5_000];
        let error = unpack(
            &tar_gz(&[("big.tf", &big)]),
            ArchiveFormat::TarGz,
            dest.path(),
            LIMITS,
        )
        .expect_err("too big");
        assert!(error.contains("more than 1000 bytes"), "{error}");
        let many: Vec<(String, &[u8])> = (0..11).map(|i| (format!("f{i}.tf"), &b""[..])).collect();
        let many: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        let dest = tempfile::tempdir().expect("tempdir");
        let error = unpack(&tar_gz(&many), ArchiveFormat::TarGz, dest.path(), LIMITS)
            .expect_err("too many");
        assert!(error.contains("more than 10 files"), "{error}");
    }

    #[test]
    fn reads_stored_and_deflated_zip_entries() {
        let deflated = {
            let mut encoder =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(b"# deflated").expect("deflate");
            encoder.finish().expect("deflate")
        };
        let archive = zip(&[("a.tf", 0, b"# stored"), ("sub/b.tf", 8, &deflated)]);
        let dest = tempfile::tempdir().expect("tempdir");
        unpack(&archive, ArchiveFormat::Zip, dest.path(), LIMITS).expect("unpack");
        assert_eq!(
            std::fs::read_to_string(dest.path().join("a.tf")).expect("a"),
            "# stored"
        );
        assert_eq!(
            std::fs::read_to_string(dest.path().join("sub/b.tf")).expect("b"),
            "# deflated"
        );
        let error = unpack(
            &zip(&[("../x.tf", 0, b"x")]),
            ArchiveFormat::Zip,
            tempfile::tempdir().expect("tempdir").path(),
            LIMITS,
        )
        .expect_err("traversal");
        assert!(error.contains("outside its directory"), "{error}");
    }

    /// A minimal zip writer (no CRCs checked by the reader).
    fn zip(entries: &[(&str, u16, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, method, data) in entries {
            let offset = out.len() as u32;
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 8]);
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
            central.extend_from_slice(&method.to_le_bytes());
            central.extend_from_slice(&[0; 8]);
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&[0; 4]);
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let central_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&central_offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }
}
