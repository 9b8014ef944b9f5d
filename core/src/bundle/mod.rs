//! Precompiled rule bundles: a checked, compiled rule set in one file.
//!
//! `bangfu bundle DIR -o FILE` writes what evaluation, explanations,
//! schemas and field checks need — the compiled plan with its texts in
//! both languages, citations, input rules and messages — so that a browser
//! evaluates without parsing TOML or compiling rules. The layout:
//!
//! | bytes | what |
//! |---|---|
//! | 0–7 | magic `\x89BANGFU\n` |
//! | 8–9 | format version, little-endian ([`FORMAT_VERSION`]) |
//! | 10–41 | the rule set's content hash (SHA-256, as in `sha256:…`) |
//! | 42–45 | payload length, little-endian |
//! | 46–77 | SHA-256 of the payload |
//! | 78– | payload: the base hash, then the plan (`plan_codec.rs`) |
//!
//! [`RuleSet::from_bundle`] checks each in turn and refuses anything else
//! with a [`BundleError`] (a code and a message in Chinese and English). A
//! bundle is untrusted input: decoding bounds every length by the bytes
//! that remain and every nesting by a depth, and the decoded plan's every
//! index is checked against what it points into (`validate.rs`) before it is
//! evaluated.

pub(crate) mod codec;
mod plan_codec;
mod validate;

use crate::plan::{Lang, Plan};
use crate::RuleSet;
use codec::{Encode, Reader, Writer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

/// The first eight bytes of every bundle.
pub const MAGIC: [u8; 8] = *b"\x89BANGFU\n";
/// The format version this engine writes and reads. It goes up whenever
/// the encoding of a plan type changes.
pub const FORMAT_VERSION: u16 = 2;
/// Bytes before the payload.
pub const HEADER_BYTES: usize = 78;

/// What is wrong with a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleProblem {
    /// The file does not start with the magic bytes.
    NotABundle,
    /// Written in a format version this engine does not read.
    Version(u16),
    /// Shorter (or longer) than its header says.
    Length,
    /// The payload's checksum does not match.
    Checksum,
    /// The rule set's content hash does not match the header's.
    Hash,
    /// The payload does not decode to a consistent plan.
    Corrupt,
}

/// Why a bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleError {
    /// The kind of problem.
    pub problem: BundleProblem,
    /// What exactly, in English (offsets, names).
    pub detail: String,
}

impl BundleError {
    fn new(problem: BundleProblem, detail: impl Into<String>) -> BundleError {
        BundleError {
            problem,
            detail: detail.into(),
        }
    }

    /// Stable snake-case code.
    pub fn code(&self) -> &'static str {
        match self.problem {
            BundleProblem::NotABundle => "bundle_not_a_bundle",
            BundleProblem::Version(_) => "bundle_version",
            BundleProblem::Length => "bundle_length",
            BundleProblem::Checksum => "bundle_checksum",
            BundleProblem::Hash => "bundle_hash",
            BundleProblem::Corrupt => "bundle_corrupt",
        }
    }

    /// The message for people, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let v = FORMAT_VERSION;
        match (self.problem, lang) {
            (BundleProblem::NotABundle, Lang::Zh) => "该文件不是规则包（文件头不符）".into(),
            (BundleProblem::NotABundle, Lang::En) => {
                "the file is not a rule bundle (its first bytes do not match)".into()
            }
            (BundleProblem::Version(found), Lang::Zh) => {
                format!("规则包格式版本为 {found}，本程序只能读取版本 {v}：请用同一版本的 bangfu 重新生成")
            }
            (BundleProblem::Version(found), Lang::En) => format!(
                "the rule bundle is format version {found}; this engine reads version {v}: write it again with the same version of bangfu"
            ),
            (BundleProblem::Length, Lang::Zh) => "规则包不完整或长度不符（可能下载未完成）".into(),
            (BundleProblem::Length, Lang::En) => {
                "the rule bundle is incomplete or of the wrong length (perhaps a download did not finish)".into()
            }
            (BundleProblem::Checksum, Lang::Zh) => "规则包校验和不符：内容已损坏或被改动".into(),
            (BundleProblem::Checksum, Lang::En) => {
                "the rule bundle's checksum does not match: its content is damaged or was changed".into()
            }
            (BundleProblem::Hash, Lang::Zh) => "规则包内的规则与其标明的内容哈希不符".into(),
            (BundleProblem::Hash, Lang::En) => {
                "the rules in the bundle do not match the content hash it names".into()
            }
            (BundleProblem::Corrupt, Lang::Zh) => {
                format!("规则包内容无法读取：{}", self.detail)
            }
            (BundleProblem::Corrupt, Lang::En) => {
                format!("the rule bundle's content cannot be read: {}", self.detail)
            }
        }
    }
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message(Lang::En), self.code())?;
        if self.problem != BundleProblem::Corrupt && !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for BundleError {}

/// `sha256:` and 64 hex digits as 32 bytes.
fn hash_bytes(hash: &str) -> Option<[u8; 32]> {
    let hex = hash.strip_prefix("sha256:")?.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(hex.chunks(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        let (hi, lo) = (digit(*pair.first()?)?, digit(*pair.get(1)?)?);
        *o = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

/// `N` bytes of `bytes` from `at` (zeros past the end).
fn array<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(b) = bytes.get(at..at.saturating_add(N)) {
        out.copy_from_slice(b);
    }
    out
}

fn hash_text(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl RuleSet {
    /// The rule set as a bundle (see the module's documentation): what
    /// [`RuleSet::from_bundle`] reads back into a rule set that evaluates,
    /// explains and describes exactly as this one.
    pub fn to_bundle(&self) -> Vec<u8> {
        let plan = self.plan();
        let mut w = Writer::default();
        self.base_hash().encode(&mut w);
        plan.encode(&mut w);
        let payload = w.bytes;
        let mut out = Vec::with_capacity(HEADER_BYTES + payload.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&hash_bytes(&plan.header.hash).unwrap_or([0; 32]));
        out.extend_from_slice(
            &u32::try_from(payload.len())
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        );
        out.extend_from_slice(&Sha256::digest(&payload));
        out.extend_from_slice(&payload);
        out
    }

    /// Reads a bundle written by [`RuleSet::to_bundle`].
    ///
    /// # Errors
    /// A [`BundleError`] when the magic bytes, the format version, the
    /// length, the checksum or the content hash do not match, or when the
    /// payload does not decode to a consistent plan.
    pub fn from_bundle(bytes: &[u8]) -> Result<RuleSet, BundleError> {
        let (plan, base_hash) = read(bytes)?;
        Ok(RuleSet::from_plan(plan, base_hash))
    }
}

fn read(bytes: &[u8]) -> Result<(Plan, Arc<str>), BundleError> {
    if bytes.get(..8) != Some(&MAGIC[..]) {
        return Err(BundleError::new(BundleProblem::NotABundle, ""));
    }
    let header = bytes.get(..HEADER_BYTES).ok_or_else(|| {
        BundleError::new(
            BundleProblem::Length,
            format!("{} bytes, the header alone is {HEADER_BYTES}", bytes.len()),
        )
    })?;
    let version = u16::from_le_bytes(array(header, 8));
    if version != FORMAT_VERSION {
        return Err(BundleError::new(BundleProblem::Version(version), ""));
    }
    let hash: [u8; 32] = array(header, 10);
    let len = u32::from_le_bytes(array(header, 42));
    let checksum: [u8; 32] = array(header, 46);
    let payload = bytes.get(HEADER_BYTES..).unwrap_or_default();
    if usize::try_from(len).ok() != Some(payload.len()) {
        return Err(BundleError::new(
            BundleProblem::Length,
            format!(
                "the header says {len} bytes of payload, the file has {}",
                payload.len()
            ),
        ));
    }
    if Sha256::digest(payload).as_slice() != checksum {
        return Err(BundleError::new(BundleProblem::Checksum, ""));
    }
    let corrupt = |e: codec::DecodeError| {
        BundleError::new(
            BundleProblem::Corrupt,
            format!("at byte {}: {}", e.offset + HEADER_BYTES, e.message),
        )
    };
    let mut r = Reader::new(payload);
    let (base_hash, plan) = codec::decode::<(Arc<str>, Plan)>(&mut r).map_err(corrupt)?;
    if r.remaining() != 0 {
        return Err(BundleError::new(
            BundleProblem::Corrupt,
            format!("{} bytes follow the rule set", r.remaining()),
        ));
    }
    if *plan.header.hash != hash_text(&hash) || hash_bytes(&base_hash).is_none() {
        return Err(BundleError::new(BundleProblem::Hash, ""));
    }
    validate::plan(&plan).map_err(|detail| BundleError::new(BundleProblem::Corrupt, detail))?;
    Ok((plan, base_hash))
}

#[cfg(test)]
mod tests;
