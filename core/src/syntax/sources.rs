//! Rule text and where it comes from.
//!
//! A rule set is a set of TOML files keyed by their path relative to the rule
//! set's root. [`Sources`] holds them in path order so that loading and the
//! content hash are independent of how they were read. Reading a folder is the
//! only file-system access in the crate; browsers and bindings hand files in
//! directly with [`Sources::from_files`].

use crate::diagnostic::{Code, Diagnostic, FileTexts};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Reads a file as UTF-8 text, at most [`MAX_FILE_BYTES`] of it: `None`
/// when it is larger, the reason when it cannot be read.
fn read_capped(path: &Path) -> Result<String, Option<String>> {
    let file = std::fs::File::open(path).map_err(|e| Some(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Some(e.to_string()))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(None);
    }
    String::from_utf8(bytes).map_err(|e| {
        Some(format!(
            "it is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The largest rule file the loader accepts, in bytes.
pub const MAX_FILE_BYTES: usize = 1 << 20;
/// The largest rule set the loader accepts, in bytes over all files.
pub const MAX_TOTAL_BYTES: usize = 8 << 20;
/// The most files a rule set may have.
pub const MAX_FILES: usize = 1000;

/// The text of a rule set's files, in path order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    files: Vec<(String, String)>,
}

impl Sources {
    /// Builds sources from `(path, text)` pairs. Only `.toml` files are kept.
    /// Files over [`MAX_FILE_BYTES`] are refused with a diagnostic.
    ///
    /// # Errors
    /// Returns the diagnostics for files that are too large or too many.
    pub fn from_files<P: Into<String>, T: Into<String>>(
        files: impl IntoIterator<Item = (P, T)>,
    ) -> Result<Sources, Vec<Diagnostic>> {
        let mut kept = Vec::new();
        let mut problems = Vec::new();
        let mut total = 0usize;
        for (path, text) in files {
            let path = path.into().replace('\\', "/");
            if !path.ends_with(".toml") {
                continue;
            }
            let text = text.into();
            total = total.saturating_add(text.len());
            if text.len() > MAX_FILE_BYTES {
                problems.push(
                    Diagnostic::new(
                        Code::FileTooLarge,
                        format!("`{path}` is {} bytes; rule files may be at most {MAX_FILE_BYTES} bytes", text.len()),
                    )
                    .in_file(&path)
                    .help("split the file, or check that it is the file you meant"),
                );
                continue;
            }
            kept.push((path, text));
        }
        if kept.len() > MAX_FILES || total > MAX_TOTAL_BYTES {
            problems.push(Diagnostic::new(
                Code::FileTooLarge,
                format!(
                    "the rule set has {} files and {total} bytes; at most {MAX_FILES} files and {MAX_TOTAL_BYTES} bytes are accepted",
                    kept.len()
                ),
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Sources { files: kept })
    }

    /// Reads every `.toml` file under `root`, recursively. Only regular
    /// files are read, each only up to the size limit (a link to a device
    /// is not read for ever); links are followed only when they stay inside
    /// the folder, and a folder reached twice is read once.
    ///
    /// # Errors
    /// Returns a diagnostic when the folder or a file cannot be read, when a
    /// `.toml` path is not a regular file inside the folder (a pipe, a
    /// device, a link leading out of it), or when a file is too large.
    pub fn read_dir(root: &Path) -> Result<Sources, Vec<Diagnostic>> {
        let cannot = |dir: &Path, e: std::io::Error| {
            vec![Diagnostic::new(
                Code::MissingRuleset,
                format!("cannot read the rule folder `{}`: {e}", dir.display()),
            )]
        };
        let home = std::fs::canonicalize(root).map_err(|e| cannot(root, e))?;
        let mut seen = std::collections::HashSet::from([home.clone()]);
        let mut files = Vec::new();
        let mut problems = Vec::new();
        let mut total = 0usize;
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| cannot(&dir, e))?;
            for entry in entries.flatten() {
                let path = entry.path();
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                let toml = path.extension().is_some_and(|e| e == "toml");
                let unreadable = |why: &str| {
                    Diagnostic::new(Code::UnreadableFile, format!("`{rel}` {why}"))
                        .in_file(&rel)
                        .help("a rule folder holds regular files and folders, or links to them inside the folder")
                };
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                // Where the entry leads, and what is there.
                let (target, meta) = if kind.is_symlink() {
                    match std::fs::canonicalize(&path)
                        .and_then(|t| Ok((t.clone(), std::fs::metadata(&t)?)))
                    {
                        Ok((t, m)) if t.starts_with(&home) => (t, m),
                        Ok(_) => {
                            problems
                                .push(unreadable("is a link that leads out of the rule folder"));
                            continue;
                        }
                        Err(_) if toml => {
                            problems.push(unreadable("is a link to nothing"));
                            continue;
                        }
                        Err(_) => continue,
                    }
                } else {
                    match entry.metadata() {
                        Ok(m) => (path.clone(), m),
                        Err(_) => continue,
                    }
                };
                if meta.is_dir() {
                    let canonical = std::fs::canonicalize(&target).unwrap_or(target);
                    if seen.insert(canonical) {
                        stack.push(path);
                    }
                    continue;
                }
                if !toml {
                    continue;
                }
                if !meta.is_file() {
                    problems.push(unreadable(
                        "is not a regular file (a pipe, a socket or a device)",
                    ));
                    continue;
                }
                match read_capped(&path) {
                    Ok(text) => {
                        total = total.saturating_add(text.len());
                        files.push((rel, text));
                    }
                    Err(Some(message)) => problems.push(
                        Diagnostic::new(Code::UnreadableFile, format!("cannot read `{rel}`: {message}"))
                            .in_file(&rel),
                    ),
                    Err(None) => problems.push(
                        Diagnostic::new(
                            Code::FileTooLarge,
                            format!("`{rel}` is larger than {MAX_FILE_BYTES} bytes, the most a rule file may have"),
                        )
                        .in_file(&rel)
                        .help("split the file, or check that it is the file you meant"),
                    ),
                }
                if files.len() > MAX_FILES || total > MAX_TOTAL_BYTES {
                    problems.push(Diagnostic::new(
                        Code::FileTooLarge,
                        format!("the rule folder has more than {MAX_FILES} files or {MAX_TOTAL_BYTES} bytes"),
                    ));
                    return Err(problems);
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Sources::from_files(files)
    }

    /// The files, in path order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(p, t)| (p.as_str(), t.as_str()))
    }

    /// The text of one file.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_str())
    }

    /// Adds or replaces files (an overlay). Later files win by path.
    ///
    /// # Errors
    /// Returns diagnostics when the overlay's files are too large.
    pub fn overlay<P: Into<String>, T: Into<String>>(
        &self,
        files: impl IntoIterator<Item = (P, T)>,
    ) -> Result<Sources, Vec<Diagnostic>> {
        let extra = Sources::from_files(files)?;
        let mut merged = self.files.clone();
        for (path, text) in extra.files {
            match merged.iter_mut().find(|(p, _)| *p == path) {
                Some(slot) => slot.1 = text,
                None => merged.push((path, text)),
            }
        }
        Sources::from_files(merged)
    }

    /// SHA-256 of the files (paths and contents, in path order), as
    /// `sha256:` and hex. Two rule sets with the same hash decide every case
    /// the same way.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, text) in &self.files {
            hasher.update((path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        }
        let digest = hasher.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    }
}

impl FileTexts for Sources {
    fn text(&self, path: &str) -> Option<&str> {
        Sources::text(self, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endless file is read only up to the limit.
    #[test]
    #[cfg(unix)]
    fn reading_stops_at_the_size_limit() {
        assert_eq!(read_capped(Path::new("/dev/zero")), Err(None));
    }
}
