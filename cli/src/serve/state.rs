//! What the service holds: the rule sets being served (a [`Catalog`],
//! swapped whole on reload), the reformed rule sets recently asked for, and
//! the limits.
//!
//! A request takes the catalog once, when it starts, and keeps that
//! `Arc` to the end: a reload never changes the rules under a request in
//! flight. A reload reads and checks every rule set (diagnostics and worked
//! examples) before anything is swapped; if one does not check, nothing is,
//! and the old rule sets keep serving.

use super::errors::{Kind, Problem, RefusedRuleSet};
use super::limits::{Gate, Limits};
use super::log;
use super::metrics::Metrics;
use bangfu::{examples, Reform, RuleSet};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

/// The rule sets being served, by id.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Rule sets by id.
    pub sets: BTreeMap<String, Arc<RuleSet>>,
}

impl Catalog {
    /// The rule set with this id.
    ///
    /// # Errors
    /// `unknown_ruleset` (404), naming the ids served.
    pub fn get(&self, id: &str) -> Result<Arc<RuleSet>, Problem> {
        self.sets.get(id).cloned().ok_or_else(|| {
            let ids: Vec<&str> = self.sets.keys().map(String::as_str).collect();
            Problem::new(
                Kind::UnknownRuleset,
                format!("`{id}` is not a rule set served here ({})", ids.join(", ")),
            )
            .at("id")
        })
    }
}

/// The rule-set folders under `dir`: `dir` itself when it holds a
/// `ruleset.toml`, else each folder directly under it that does, by name.
///
/// # Errors
/// A sentence when `dir` cannot be read or holds no rule set.
pub fn rule_set_folders(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if dir.join("ruleset.toml").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut folders: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("ruleset.toml").is_file())
        .collect();
    folders.sort();
    if folders.is_empty() {
        return Err(format!(
            "{}: no rule set here (a folder with ruleset.toml, or folders of them)",
            dir.display()
        ));
    }
    Ok(folders)
}

/// Reads and checks every rule set under `dir`: each must load without
/// diagnostics and pass its worked examples, and ids must differ.
///
/// # Errors
/// Every rule set refused, with its diagnostics.
pub fn load_catalog(dir: &Path) -> Result<Catalog, Vec<RefusedRuleSet>> {
    let refuse = |folder: &Path, message: String| RefusedRuleSet {
        folder: folder.display().to_string(),
        message,
        diagnostics: Vec::new(),
        failed_examples: Vec::new(),
    };
    let folders = rule_set_folders(dir).map_err(|m| vec![refuse(dir, m)])?;
    let mut sets = BTreeMap::new();
    let mut refused = Vec::new();
    for folder in &folders {
        match RuleSet::load_dir(folder) {
            Err(e) => refused.push(RefusedRuleSet {
                folder: folder.display().to_string(),
                message: format!("the rule set does not load\n{}", e.render().trim_end()),
                diagnostics: e.records(),
                failed_examples: Vec::new(),
            }),
            Ok(rules) => {
                let failed: Vec<String> = examples::run_examples(&rules)
                    .iter()
                    .filter(|r| !r.passed())
                    .map(|r| r.id.to_string())
                    .collect();
                if !failed.is_empty() {
                    let mut r = refuse(
                        folder,
                        format!(
                            "worked examples fail: {} (run `bangfu check {}`)",
                            failed.join(", "),
                            folder.display()
                        ),
                    );
                    r.failed_examples = failed;
                    refused.push(r);
                } else if sets.contains_key(rules.id()) {
                    refused.push(refuse(
                        folder,
                        format!("another folder has the rule set id `{}`", rules.id()),
                    ));
                } else {
                    sets.insert(rules.id().to_string(), Arc::new(rules));
                }
            }
        }
    }
    if refused.is_empty() {
        Ok(Catalog { sets })
    } else {
        Err(refused)
    }
}

/// Reformed rule sets recently asked for, by base hash and reform hash: a
/// district that asks the same reform again does not recompile it.
#[derive(Debug, Default)]
pub struct ReformCache {
    entries: Mutex<VecDeque<(String, Arc<RuleSet>)>>,
}

/// How many reformed rule sets are kept.
const REFORMS_KEPT: usize = 16;

impl ReformCache {
    /// `rules` with `reform` applied, from the cache or compiled now (on a
    /// blocking thread: a reform recompiles the rule set).
    ///
    /// # Errors
    /// The reform's problems (400).
    pub async fn apply(
        &self,
        rules: Arc<RuleSet>,
        reform: Reform,
    ) -> Result<Arc<RuleSet>, Problem> {
        if reform.is_empty() {
            return Ok(rules);
        }
        let key = format!("{}\n{}", rules.hash(), reform.hash());
        {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(i) = entries.iter().position(|(k, _)| *k == key) {
                if let Some(hit) = entries.remove(i) {
                    let found = hit.1.clone();
                    entries.push_front(hit);
                    return Ok(found);
                }
            }
        }
        let reformed = tokio::task::spawn_blocking(move || rules.reform(&reform))
            .await
            .map_err(|e| Problem::new(Kind::Internal, format!("reform: {e}")))?
            .map_err(|e| Problem::error("reform", &e))?;
        let reformed = Arc::new(reformed);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.push_front((key, reformed.clone()));
        entries.truncate(REFORMS_KEPT);
        Ok(reformed)
    }
}

/// Everything a request can reach.
#[derive(Debug)]
pub struct AppState {
    catalog: RwLock<Arc<Catalog>>,
    /// Where the rule sets are read from (and read again on reload).
    pub rules_dir: PathBuf,
    /// Limits on bodies, batches and time.
    pub limits: Limits,
    /// Admission to the `/v1` routes.
    pub gate: Gate,
    /// Admission of batches and months of records.
    pub batch_gate: Gate,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// Reformed rule sets recently asked for.
    pub reforms: ReformCache,
    /// SHA-256 of the admin token, when the admin route is on.
    admin_token: Option<[u8; 32]>,
    /// One reload at a time.
    reloading: tokio::sync::Mutex<()>,
    /// Set once shutdown begins: `/readyz` answers 503.
    draining: AtomicBool,
    /// The OpenAPI document, as served (set once the routes are built).
    pub openapi: OnceLock<String>,
}

fn digest(token: &[u8]) -> [u8; 32] {
    Sha256::digest(token).into()
}

impl AppState {
    /// The state for a catalog already loaded.
    pub fn new(
        catalog: Catalog,
        rules_dir: PathBuf,
        limits: Limits,
        admin_token: Option<&str>,
    ) -> AppState {
        AppState {
            catalog: RwLock::new(Arc::new(catalog)),
            rules_dir,
            gate: Gate::new(limits.max_concurrent),
            batch_gate: Gate::new(limits.max_concurrent_batches),
            limits,
            metrics: Metrics::default(),
            reforms: ReformCache::default(),
            admin_token: admin_token.map(|t| digest(t.as_bytes())),
            reloading: tokio::sync::Mutex::new(()),
            draining: AtomicBool::new(false),
            openapi: OnceLock::new(),
        }
    }

    /// The catalog as it is now; a request keeps it to its end.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the admin route is on.
    pub fn admin_enabled(&self) -> bool {
        self.admin_token.is_some()
    }

    /// Whether `token` is the admin token. The tokens are compared as
    /// SHA-256 digests, every byte, so the time taken says nothing about
    /// how much of it was right.
    pub fn admin_token_matches(&self, token: &str) -> bool {
        let Some(want) = &self.admin_token else {
            return false;
        };
        let got = digest(token.as_bytes());
        let diff = want
            .iter()
            .zip(got.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        diff == 0
    }

    /// Starts shutting down: readiness goes false.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether shutdown has begun.
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Reads and checks the rule sets again and swaps them in, all or
    /// nothing. Returns the catalogs before and after.
    ///
    /// # Errors
    /// `rule_set_invalid` (422) with every rule set refused; the old
    /// catalog keeps serving.
    pub async fn reload(&self, trigger: &str) -> Result<(Arc<Catalog>, Arc<Catalog>), Problem> {
        let _one = self.reloading.lock().await;
        let dir = self.rules_dir.clone();
        let loaded = tokio::task::spawn_blocking(move || load_catalog(&dir))
            .await
            .map_err(|e| Problem::new(Kind::Internal, format!("reload: {e}")))?;
        match loaded {
            Ok(catalog) => {
                let new = Arc::new(catalog);
                let old = {
                    let mut slot = self.catalog.write().unwrap_or_else(PoisonError::into_inner);
                    std::mem::replace(&mut *slot, new.clone())
                };
                self.metrics.reloaded(true);
                log::reload(trigger, Some(&new), &[]);
                Ok((old, new))
            }
            Err(refused) => {
                self.metrics.reloaded(false);
                log::reload(trigger, None, &refused);
                let mut p = Problem::new(
                    Kind::RuleSetInvalid,
                    format!(
                        "reload refused; the rule sets loaded before keep serving\n{}",
                        refused
                            .iter()
                            .map(|r| format!("{}: {}", r.folder, r.message))
                            .collect::<Vec<_>>()
                            .join("\n")
                    ),
                );
                p.refused = refused;
                Err(p)
            }
        }
    }
}
