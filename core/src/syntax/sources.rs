//! Rule text and where it comes from.
//!
//! A rule set is a set of TOML files keyed by their path relative to the rule
//! set's root. [`Sources`] holds them in path order so that loading and the
//! content hash are independent of how they were read. Reading a folder is the
//! only file-system access in the crate; browsers and bindings hand files in
//! directly with [`Sources::from_files`].

use crate::diagnostic::{Code, Diagnostic, FileTexts};
use sha2::{Digest, Sha256};
use std::path::Path;

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

    /// Reads every `.toml` file under `root`, recursively.
    ///
    /// # Errors
    /// Returns a diagnostic when the folder or a file cannot be read, or when
    /// a file is too large.
    pub fn read_dir(root: &Path) -> Result<Sources, Vec<Diagnostic>> {
        let mut files = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| {
                vec![Diagnostic::new(
                    Code::MissingRuleset,
                    format!("cannot read the rule folder `{}`: {e}", dir.display()),
                )]
            })?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "toml") {
                    let rel = path
                        .strip_prefix(root)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    if size > MAX_FILE_BYTES as u64 {
                        return Err(vec![Diagnostic::new(
                            Code::FileTooLarge,
                            format!("`{rel}` is {size} bytes; rule files may be at most {MAX_FILE_BYTES} bytes"),
                        )
                        .in_file(&rel)]);
                    }
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        vec![Diagnostic::new(
                            Code::TomlSyntax,
                            format!("cannot read `{rel}` as UTF-8 text: {e}"),
                        )
                        .in_file(&rel)]
                    })?;
                    files.push((rel, text));
                }
            }
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
