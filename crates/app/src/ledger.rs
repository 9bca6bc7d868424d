//! The workspace's evidence ledger (存证): what its entries mean, how the platform appends
//! them, and how they are checked against the records they describe.
//!
//! `qinglian-ledger` keeps an RFC 9162 Merkle log of opaque bytes with signed checkpoints.
//! This module gives the bytes their meaning: every entry is one [`LedgerEntry`], a JSON
//! object with a format version, the time it was recorded and one [`LedgerEvent`] (tagged
//! by `"type"`). Fields are written in declaration order, so the same event always gives
//! the same bytes; the leaf hash covers exactly the stored bytes.
//!
//! ```text
//! DIR/ledger/             the log (entries, leaf hashes, checkpoints, cosignatures)
//! DIR/ledger/app-index.json  which import batches the log holds (derived; rebuilt from it)
//! DIR/ledger.key          the log's Ed25519 signer key (C2SP text, mode 0600)
//! DIR/ledger.pub          its public verifier key, `origin+keyid+key` (give it to auditors)
//! ```
//!
//! **Appending.** [`record`] opens the log (waiting while another process holds it),
//! appends the events as one durable batch, signs a checkpoint and returns a receipt per
//! event. Every committed import batch is recorded right after its commit.
//!
//! **A crash between commit and record.** The batch is committed in the desk but absent
//! from the ledger. [`recover_imports`] (run by `Workspace::open`, so by every command)
//! compares the desk's committed batches with `app-index.json` and appends an
//! `import_batch` event, marked `"recovered": true`, for each one the ledger does not hold.
//! The index is only a cache: it is updated under the log's lock after each append, records
//! how many entries it has seen, and is caught up from the log's tail before it is trusted,
//! so it can lag but never lie; and a batch recorded by recovery is not recorded again by
//! the import that committed it. Recovery cannot tell a crash from a batch row forged into
//! the desk, so `ledger verify` lists the batches recorded by recovery.
//!
//! **Verification** ([`verify`]) first checks the log itself (every leaf recomputed, every
//! checkpoint signature and root, cosignatures of the given witnesses), then each entry
//! against its record: an import batch against its row in the desk and its lake file's
//! SHA-256, an evidence file against the stored file's SHA-256; then the reverse, that every
//! committed batch and every stored evidence file has its entry. It reports the first
//! problem.
//!
//! What this module does not do: speak HTTP (the `web` crate carries witness requests; see
//! [`witness_latest`]), or decide which events matter (each use case emits its own).

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use qinglian_ledger::note::NoteSignature;
use qinglian_ledger::{
    Checkpoint, Error as LedgerError, Hash, KeyKind, Log, Receipt, SignedCheckpoint, SignerKey,
    VerifierKey, VerifyOptions, VerifyReport, Witness, WitnessState,
};
use qinglian_store::{BatchRecord, BatchStatus, BatchStore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::workspace::write_private;
use crate::{AppError, Workspace};

pub const LEDGER_DIR: &str = "ledger";
pub const LEDGER_KEY_FILE: &str = "ledger.key";
pub const LEDGER_PUB_FILE: &str = "ledger.pub";
/// Inside [`LEDGER_DIR`]: import batch id → entry index, a cache rebuilt from the log.
pub const APP_INDEX_FILE: &str = "app-index.json";
/// Evidence files, named by their SHA-256, relative to the workspace.
pub const EVIDENCE_DIR: &str = "evidence";
/// Version of the entry format, the `v` field of every entry.
pub const ENTRY_VERSION: u32 = 1;
/// How long an append waits for another process to release the log.
const LOCK_WAIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------
// Events

/// One ledger entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Entry format version ([`ENTRY_VERSION`]).
    pub v: u32,
    /// When the platform appended it.
    pub recorded_at: DateTime<Utc>,
    #[serde(flatten)]
    pub event: LedgerEvent,
}

impl LedgerEntry {
    pub fn new(event: LedgerEvent) -> LedgerEntry {
        LedgerEntry {
            v: ENTRY_VERSION,
            recorded_at: Utc::now(),
            event,
        }
    }

    /// The exact bytes appended to the log.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("ledger entries always serialise")
    }

    pub fn parse(bytes: &[u8]) -> Result<LedgerEntry, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

/// Every state change that matters, as the ledger records it. Records hold hashes and ids,
/// never personal data in clear: a finding names its subject by pseudonym, a whistleblower
/// report by its id and the hash of its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LedgerEvent {
    /// An import batch was committed.
    ImportBatch(ImportBatchEvent),
    /// An evidence file was registered (`qinglian evidence add`).
    EvidenceFile(EvidenceFileEvent),
    /// A rule or model produced a finding (new, or reopened by later data).
    Finding(FindingEvent),
    /// A rule or model ran again and no longer reports a finding (resolved by data).
    FindingResolved(FindingResolvedEvent),
    /// A warning moved through the three-level workflow (三级预警).
    WarningTransition(WarningTransitionEvent),
    /// Something happened to a whistleblower report (received, assigned, answered, closed).
    ReportEvent(ReportEventRecord),
    /// A decision on a major matter (三重一大) was recorded.
    DecisionRecord(DecisionRecordEvent),
    /// A rule or subject was suppressed from raising warnings, or a suppression was lifted.
    Suppression(SuppressionEvent),
}

impl LedgerEvent {
    /// The `type` tag, e.g. `import_batch`.
    pub fn kind(&self) -> &'static str {
        match self {
            LedgerEvent::ImportBatch(_) => "import_batch",
            LedgerEvent::EvidenceFile(_) => "evidence_file",
            LedgerEvent::Finding(_) => "finding",
            LedgerEvent::FindingResolved(_) => "finding_resolved",
            LedgerEvent::WarningTransition(_) => "warning_transition",
            LedgerEvent::ReportEvent(_) => "report_event",
            LedgerEvent::DecisionRecord(_) => "decision_record",
            LedgerEvent::Suppression(_) => "suppression",
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportBatchEvent {
    pub batch: String,
    pub dataset: String,
    pub source_name: String,
    pub source_sha256: String,
    pub source_bytes: u64,
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_quarantined: u64,
    /// Relative to the workspace.
    pub lake_file: String,
    /// SHA-256 of the lake file as committed.
    pub lake_sha256: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
    /// Appended by crash recovery rather than by the import itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
}

/// What kind of document an evidence file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// 投标文件
    BidDocument,
    /// 评标记录
    EvaluationRecord,
    /// 会议纪要
    Minutes,
    Other,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 4] = [
        EvidenceKind::BidDocument,
        EvidenceKind::EvaluationRecord,
        EvidenceKind::Minutes,
        EvidenceKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::BidDocument => "bid-document",
            EvidenceKind::EvaluationRecord => "evaluation-record",
            EvidenceKind::Minutes => "minutes",
            EvidenceKind::Other => "other",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            EvidenceKind::BidDocument => "投标文件",
            EvidenceKind::EvaluationRecord => "评标记录",
            EvidenceKind::Minutes => "会议纪要",
            EvidenceKind::Other => "其他",
        }
    }
}

impl std::str::FromStr for EvidenceKind {
    type Err = AppError;
    fn from_str(s: &str) -> Result<EvidenceKind, AppError> {
        EvidenceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                AppError::LedgerInput(format!(
                    "unknown evidence kind '{s}'; use one of bid-document, evaluation-record, minutes, other / 证据类型应为 bid-document（投标文件）、evaluation-record（评标记录）、minutes（会议纪要）或 other（其他）"
                ))
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFileEvent {
    pub kind: EvidenceKind,
    pub sha256: String,
    pub size: u64,
    /// The file name it was registered under.
    pub original_name: String,
    /// Where the workspace keeps it, relative to the workspace (`evidence/<sha256>`).
    pub stored_path: String,
    /// What it belongs to (a tender, a case, a meeting), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_id: Option<String>,
    pub registered_by: String,
}

/// A source row a finding cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowRef {
    pub dataset: String,
    pub batch: String,
    /// The row number a person sees in the source file.
    pub row: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingEvent {
    pub finding: String,
    /// Rule or model id, e.g. `PRO-003`.
    pub rule: String,
    pub rule_version: String,
    /// The subject, pseudonymised as in the lake.
    pub subject: String,
    /// Amount at stake in fen, if the finding has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    pub evidence: Vec<RowRef>,
    /// SHA-256 of the finding as stored in the desk (explanation included).
    pub digest: String,
}

/// A finding its source no longer reports: the data changed, nobody decided anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingResolvedEvent {
    pub finding: String,
    /// Rule or model id whose run no longer reports it.
    pub rule: String,
    pub rule_version: String,
    pub resolved_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningTransitionEvent {
    pub warning: String,
    /// State before (`None` when the warning is raised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub to: String,
    /// Level after the transition: department, inspector or committee.
    pub level: String,
    pub actor: String,
    /// SHA-256 of the reason or disposition text, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_sha256: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportEventRecord {
    pub report: String,
    /// e.g. received, acknowledged, assigned, answered, closed.
    pub event: String,
    /// SHA-256 of the report content or message at this step (never the text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sha256: Option<String>,
    pub at: DateTime<Utc>,
}

/// Suppressing a rule or subject hides future findings from the workflow, so who did it, why
/// (as a hash) and until when is kept where nobody can quietly change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionEvent {
    pub suppression: String,
    /// `suppress` or `lift`.
    pub action: String,
    /// The rule or model suppressed, if the suppression names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The subject suppressed (`kind:id`), if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// SHA-256 of the reason given for this action.
    pub reason_sha256: String,
    pub expires_at: DateTime<Utc>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecordEvent {
    pub decision: String,
    /// The matter category, e.g. major decision, key appointment, major project, large fund use.
    pub matter: String,
    /// SHA-256 of the decision record as stored in the desk.
    pub digest: String,
    /// SHA-256 of the attached minutes, if registered as evidence too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_sha256: Option<String>,
    pub decided_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------
// Keys

fn ledger_err(e: LedgerError) -> AppError {
    AppError::Ledger(e)
}

/// `qinglian.local/<organisation-slug>/<random>`: ASCII letters and digits of the name
/// (`org` when it has none, as Chinese names do) and 32 random bits.
pub fn new_origin(organisation: &str) -> Result<String, AppError> {
    let mut slug = String::new();
    for c in organisation.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "org" } else { slug };
    let mut r = [0u8; 4];
    getrandom::fill(&mut r)
        .map_err(|e| AppError::Internal(format!("no system randomness: {e}")))?;
    Ok(format!("qinglian.local/{slug}/{}", hex::encode(r)))
}

/// Creates the workspace's log signer key (`ledger.key`, 0600, and `ledger.pub`), the log,
/// and a signed checkpoint of the empty tree. Returns the public key.
pub(crate) fn create_ledger(root: &Path, organisation: &str) -> Result<VerifierKey, AppError> {
    let origin = new_origin(organisation)?;
    let signer = SignerKey::generate(&origin, KeyKind::Note).map_err(LedgerError::from)?;
    write_key_pair(
        &root.join(LEDGER_KEY_FILE),
        &root.join(LEDGER_PUB_FILE),
        &signer,
    )?;
    let mut log = Log::open(root.join(LEDGER_DIR))?;
    log.sign_checkpoint(&signer)?;
    Ok(signer.verifier())
}

fn write_key_pair(private: &Path, public: &Path, signer: &SignerKey) -> Result<(), AppError> {
    write_private(private, format!("{}\n", signer.to_key_string()).as_bytes())?;
    fs::write(public, format!("{}\n", signer.verifier())).map_err(|e| AppError::io(public, e))
}

fn read_key_file(path: &Path) -> Result<String, AppError> {
    fs::read_to_string(path).map_err(|e| AppError::io(path, e))
}

/// The workspace log's public verifier key (`ledger.pub`).
pub fn verifier_key(ws: &Workspace) -> Result<VerifierKey, AppError> {
    let path = ws.root.join(LEDGER_PUB_FILE);
    parse_verifier_key(read_key_file(&path)?.trim()).map_err(|e| AppError::Config {
        path: path.display().to_string(),
        reason: format!("{e} (damaged?)"),
    })
}

/// Parses a C2SP verifier key given by a person (exit code 2 when it is not one).
pub fn parse_verifier_key(text: &str) -> Result<VerifierKey, AppError> {
    text.trim().parse::<VerifierKey>().map_err(|e| {
        AppError::LedgerInput(format!(
            "'{}' is not a verifier key (name+keyid+base64): {e}",
            text.trim()
        ))
    })
}

/// Reads a verifier key given either as the key text or as a file holding it.
pub fn read_verifier_key_arg(arg: &str) -> Result<VerifierKey, AppError> {
    let path = Path::new(arg);
    if !arg.contains('+') && path.is_file() {
        return parse_verifier_key(&read_key_file(path)?);
    }
    parse_verifier_key(arg)
}

/// The log's signer key. A workspace made before the ledger existed gets one on its first
/// append; a workspace whose log already has checkpoints refuses to sign without its key.
fn signer_key(ws: &Workspace, log: &Log) -> Result<SignerKey, AppError> {
    let path = ws.root.join(LEDGER_KEY_FILE);
    if !path.exists() && log.latest_checkpoint().is_none() && log.size() == 0 {
        let origin = new_origin(&ws.config.organisation.name)?;
        let signer = SignerKey::generate(&origin, KeyKind::Note).map_err(LedgerError::from)?;
        write_key_pair(&path, &ws.root.join(LEDGER_PUB_FILE), &signer)?;
        return Ok(signer);
    }
    let text = read_key_file(&path)?;
    text.trim()
        .parse::<SignerKey>()
        .map_err(|e| AppError::Config {
            path: path.display().to_string(),
            reason: format!("the ledger signer key is not readable: {e} (damaged?)"),
        })
}

// ---------------------------------------------------------------------------------------
// Appending

/// Opens the log for writing, waiting up to [`LOCK_WAIT`] while another process appends.
fn open_log(ws: &Workspace) -> Result<Log, AppError> {
    let dir = ws.root.join(LEDGER_DIR);
    let start = Instant::now();
    loop {
        match Log::open(&dir) {
            Err(LedgerError::Locked { .. }) if start.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(25));
            }
            other => return other.map_err(ledger_err),
        }
    }
}

fn open_log_read_only(ws: &Workspace) -> Result<Log, AppError> {
    Log::open_read_only(ws.root.join(LEDGER_DIR)).map_err(ledger_err)
}

/// Which import batches the log holds, and how many entries that was learnt from.
#[derive(Debug, Default, Serialize, Deserialize)]
struct AppIndex {
    scanned: u64,
    batches: BTreeMap<String, u64>,
}

impl AppIndex {
    fn path(ws: &Workspace) -> PathBuf {
        ws.root.join(LEDGER_DIR).join(APP_INDEX_FILE)
    }

    /// The cached index; empty if missing or unreadable (it is rebuilt from the log).
    fn load(ws: &Workspace) -> AppIndex {
        fs::read(AppIndex::path(ws))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Learns the entries the index has not seen. Needs the log held for writing, so
    /// nothing is appended meanwhile.
    fn catch_up(&mut self, log: &Log) -> Result<(), AppError> {
        if self.scanned > log.size() {
            *self = AppIndex::default(); // the log was replaced: start again
        }
        for i in self.scanned..log.size() {
            let bytes = log.entry(i)?;
            self.learn(i, &bytes);
        }
        self.scanned = log.size();
        Ok(())
    }

    fn learn(&mut self, index: u64, bytes: &[u8]) {
        if !contains(bytes, b"\"import_batch\"") {
            return;
        }
        if let Ok(LedgerEntry {
            event: LedgerEvent::ImportBatch(e),
            ..
        }) = LedgerEntry::parse(bytes)
        {
            self.batches.entry(e.batch).or_insert(index);
        }
    }

    /// Replaces the file atomically; a failure only leaves the cache behind the log.
    fn save(&self, ws: &Workspace) {
        let path = AppIndex::path(ws);
        let tmp = path.with_extension("json.tmp");
        let ok = serde_json::to_vec(self)
            .ok()
            .and_then(|b| fs::write(&tmp, b).ok());
        if ok.is_some() {
            let _ = fs::rename(&tmp, &path);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Appends `events` as one batch and signs a checkpoint covering them; returns a receipt
/// per event (an `import_batch` for a batch the ledger already holds is not appended
/// again: its receipt is the existing entry's).
pub fn record(ws: &Workspace, events: &[LedgerEvent]) -> Result<Vec<Receipt>, AppError> {
    let mut log = open_log(ws)?;
    record_in(ws, &mut log, events)
}

fn record_in(
    ws: &Workspace,
    log: &mut Log,
    events: &[LedgerEvent],
) -> Result<Vec<Receipt>, AppError> {
    let signer = signer_key(ws, log)?;
    let mut index = AppIndex::load(ws);
    index.catch_up(log)?;
    let mut slots = Vec::with_capacity(events.len());
    let mut entries = Vec::new();
    for event in events {
        if let LedgerEvent::ImportBatch(e) = event
            && let Some(&at) = index.batches.get(&e.batch)
        {
            slots.push(Err(at));
            continue;
        }
        slots.push(Ok(entries.len() as u64));
        entries.push(LedgerEntry::new(event.clone()).to_bytes());
    }
    let range = log.append_batch(&entries)?;
    log.sign_checkpoint(&signer)?;
    for (i, bytes) in range.clone().zip(&entries) {
        index.learn(i, bytes);
    }
    index.scanned = log.size();
    index.save(ws);
    slots
        .into_iter()
        .map(|slot| {
            let at = match slot {
                Ok(offset) => range.start + offset,
                Err(existing) => existing,
            };
            log.receipt(at).map_err(ledger_err)
        })
        .collect()
}

/// The `import_batch` event of a committed batch (hashes its lake file).
pub fn import_event(ws: &Workspace, b: &BatchRecord) -> Result<ImportBatchEvent, AppError> {
    let (lake_sha256, _) = sha256_file(&ws.root.join(&b.lake_file))?;
    Ok(ImportBatchEvent {
        batch: b.id.clone(),
        dataset: b.dataset.clone(),
        source_name: b.source_name.clone(),
        source_sha256: b.source_sha256.clone(),
        source_bytes: b.source_bytes,
        rows_read: b.rows_read,
        rows_accepted: b.rows_accepted,
        rows_quarantined: b.rows_quarantined,
        lake_file: b.lake_file.clone(),
        lake_sha256,
        imported_at: b.imported_at,
        imported_by: b.imported_by.clone(),
        recovered: false,
    })
}

/// The `finding` event of a finding the desk keeps as `id`: its rule, subject, amount,
/// evidence rows and the SHA-256 of the finding as stored (explanation included).
pub fn finding_event(id: i64, f: &qinglian_core::Finding) -> FindingEvent {
    FindingEvent {
        finding: id.to_string(),
        rule: f.source.id.clone(),
        rule_version: f.source.version.clone(),
        subject: format!("{}:{}", f.subject.kind, f.subject.id),
        amount_fen: f.amount.map(qinglian_core::Money::fen),
        evidence: f
            .evidence
            .iter()
            .map(|e| RowRef {
                dataset: e.dataset.clone(),
                batch: e.batch.clone(),
                row: u64::try_from(e.row).unwrap_or_default(),
            })
            .collect(),
        digest: crate::ledger_desk::finding_digest(f),
    }
}

/// Records a batch just committed. On failure the batch stays committed and
/// [`recover_imports`] records it the next time the workspace is opened.
pub(crate) fn record_import(ws: &Workspace, b: &BatchRecord) -> Result<u64, AppError> {
    let pending = |e: AppError| AppError::NotYetRecorded {
        batch: b.id.clone(),
        reason: e.to_string(),
    };
    let event = import_event(ws, b).map_err(pending)?;
    let receipts = record(ws, &[LedgerEvent::ImportBatch(event)]).map_err(pending)?;
    Ok(receipts[0].index)
}

/// Appends an `import_batch` event (marked recovered) for every committed batch the
/// ledger does not hold; returns how many. Cheap when there is nothing to do: it reads the
/// cached index and opens the log only if a batch seems missing.
pub async fn recover_imports(ws: &Workspace) -> Result<usize, AppError> {
    let committed = ws.store.batches_in_state(BatchStatus::Committed).await?;
    let cached = AppIndex::load(ws);
    if committed.iter().all(|b| cached.batches.contains_key(&b.id)) {
        return Ok(0);
    }
    let mut log = open_log(ws)?;
    let mut index = AppIndex::load(ws);
    index.catch_up(&log)?;
    let mut missing: Vec<&BatchRecord> = committed
        .iter()
        .filter(|b| !index.batches.contains_key(&b.id))
        .collect();
    if missing.is_empty() {
        index.save(ws);
        return Ok(0);
    }
    missing.sort_by(|a, b| (a.imported_at, &a.id).cmp(&(b.imported_at, &b.id)));
    let mut events = Vec::with_capacity(missing.len());
    for b in &missing {
        // A batch whose lake file is gone cannot be described; `ledger verify` reports it.
        if let Ok(mut e) = import_event(ws, b) {
            e.recovered = true;
            events.push(LedgerEvent::ImportBatch(e));
        }
    }
    record_in(ws, &mut log, &events)?;
    Ok(events.len())
}

// ---------------------------------------------------------------------------------------
// Reading: key, proofs, export

/// A receipt with the entry it proves.
#[derive(Debug, Clone, Serialize)]
pub struct Proven {
    pub receipt: Receipt,
    /// The entry exactly as stored (its leaf hash is SHA-256(0x00 ‖ these bytes)).
    pub entry_text: String,
    /// The same, parsed.
    pub entry: serde_json::Value,
    /// The log's public key the checkpoint verifies with.
    pub verifier_key: String,
}

/// A receipt for entry `index` against the latest checkpoint, checked before it is returned.
pub fn prove(ws: &Workspace, index: u64) -> Result<Proven, AppError> {
    let log = open_log_read_only(ws)?;
    let key = verifier_key(ws)?;
    if index >= log.size() {
        return Err(AppError::LedgerInput(format!(
            "entry {index} does not exist: the ledger has {} entries (0 to {}) / 账本中没有第 {index} 条",
            log.size(),
            log.size().saturating_sub(1)
        )));
    }
    let receipt = log.receipt(index)?;
    let bytes = log.entry(index)?;
    receipt.verify(&key, Some(&bytes))?;
    let entry_text = String::from_utf8_lossy(&bytes).into_owned();
    let entry = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(entry_text.clone()));
    Ok(Proven {
        receipt,
        entry_text,
        entry,
        verifier_key: key.to_string(),
    })
}

/// The bytes of entry `index` as stored, unproven (for reporting on an entry whose proof fails).
pub fn entry_bytes(ws: &Workspace, index: u64) -> Result<Vec<u8>, AppError> {
    Ok(open_log_read_only(ws)?.entry(index)?)
}

/// Entries that mention `needle` as an import batch id, an evidence file's SHA-256 or
/// reference id, or another event's id.
pub fn find_entries(ws: &Workspace, needle: &str) -> Result<Vec<u64>, AppError> {
    let log = open_log_read_only(ws)?;
    let mut found = Vec::new();
    for i in 0..log.size() {
        let bytes = log.entry(i)?;
        if !contains(&bytes, needle.as_bytes()) {
            continue;
        }
        let Ok(entry) = LedgerEntry::parse(&bytes) else {
            continue;
        };
        let hit = match &entry.event {
            LedgerEvent::ImportBatch(e) => e.batch == needle,
            LedgerEvent::EvidenceFile(e) => {
                e.sha256 == needle || e.ref_id.as_deref() == Some(needle)
            }
            LedgerEvent::Finding(e) => e.finding == needle,
            LedgerEvent::FindingResolved(e) => e.finding == needle,
            LedgerEvent::WarningTransition(e) => e.warning == needle,
            LedgerEvent::ReportEvent(e) => e.report == needle,
            LedgerEvent::DecisionRecord(e) => e.decision == needle,
            LedgerEvent::Suppression(e) => e.suppression == needle,
        };
        if hit {
            found.push(i);
        }
    }
    Ok(found)
}

/// A consistency proof from an earlier tree size to the latest checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Consistency {
    pub old_size: u64,
    pub old_root: Hash,
    pub new_size: u64,
    pub new_root: Hash,
    pub proof: Vec<Hash>,
    /// The signed checkpoint for the new size.
    pub checkpoint: String,
}

pub fn consistency(ws: &Workspace, old_size: u64) -> Result<Consistency, AppError> {
    let log = open_log_read_only(ws)?;
    let latest = log
        .latest_checkpoint()
        .ok_or_else(|| AppError::LedgerInput("the ledger has no checkpoint yet".into()))?
        .clone();
    let new_size = latest.checkpoint.size;
    if old_size == 0 || old_size > new_size {
        return Err(AppError::LedgerInput(format!(
            "OLD_SIZE must be between 1 and the latest checkpoint's size {new_size} / 旧规模应在 1 与 {new_size} 之间"
        )));
    }
    let proof = log.consistency_proof(old_size, new_size)?;
    let old_root = log.root_at(old_size)?;
    qinglian_ledger::verify_consistency(
        old_size,
        new_size,
        &old_root,
        &latest.checkpoint.root,
        &proof,
    )
    .map_err(|e| AppError::Internal(format!("a consistency proof just made fails: {e}")))?;
    Ok(Consistency {
        old_size,
        old_root,
        new_size,
        new_root: latest.checkpoint.root,
        proof,
        checkpoint: log.cosigned_checkpoint()?.unwrap_or(latest.note),
    })
}

/// One stored checkpoint as the console lists it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointRow {
    pub size: u64,
    /// Root hash, base64 as in the signed note.
    pub root: String,
    /// The signature verifies with the workspace's public key.
    pub signature_ok: bool,
}

/// Every stored checkpoint, newest first, each signature checked with `ledger.pub`. (A
/// checkpoint carries no time: the C2SP format has none.)
pub fn checkpoints(ws: &Workspace) -> Result<Vec<CheckpointRow>, AppError> {
    let log = open_log_read_only(ws)?;
    let key = verifier_key(ws)?;
    let mut rows: Vec<CheckpointRow> = log
        .checkpoints()?
        .into_iter()
        .map(|c| CheckpointRow {
            size: c.checkpoint.size,
            root: c.checkpoint.root.to_base64(),
            signature_ok: Checkpoint::from_signed_note(&c.note, &key)
                .is_ok_and(|v| v == c.checkpoint),
        })
        .collect();
    rows.reverse();
    Ok(rows)
}

/// Writes an export bundle (entries, checkpoints, cosignatures, public key) to `dir`.
pub fn export(ws: &Workspace, dir: &Path) -> Result<ExportSummary, AppError> {
    let log = open_log_read_only(ws)?;
    let key = verifier_key(ws)?;
    log.export_bundle(dir, &key)?;
    Ok(ExportSummary {
        dir: dir.to_owned(),
        entries: log.size(),
        checkpoint_size: log.latest_checkpoint().map(|c| c.checkpoint.size),
        verifier_key: key.to_string(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub dir: PathBuf,
    pub entries: u64,
    pub checkpoint_size: Option<u64>,
    pub verifier_key: String,
}

// ---------------------------------------------------------------------------------------
// Verification

/// The first problem found, located at an entry where it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerProblem {
    /// `log` (the Merkle log or its checkpoints), `record` (an entry disagrees with what it
    /// describes), `unrecorded` (a record without its entry) or `key`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for LedgerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub ok: bool,
    pub origin: String,
    pub entries: u64,
    pub root: Hash,
    pub checkpoints: usize,
    pub latest_checkpoint_size: Option<u64>,
    /// Cosignatures that verified with the witness keys given.
    pub cosignatures: usize,
    /// Entries per event type.
    pub events: BTreeMap<String, u64>,
    /// Entries checked against the desk, the lake or the evidence store.
    pub records_checked: u64,
    /// Batches the ledger holds only because crash recovery appended them.
    pub recovered_batches: Vec<String>,
    pub problem: Option<LedgerProblem>,
}

fn log_problem(p: &qinglian_ledger::Problem) -> LedgerProblem {
    LedgerProblem {
        kind: "log",
        entry: p.entry_index(),
        message: p.to_string(),
    }
}

fn summary(key: &VerifierKey, report: &VerifyReport) -> Verification {
    Verification {
        ok: report.is_ok(),
        origin: key.name().to_owned(),
        entries: report.entries,
        root: report.root,
        checkpoints: report.checkpoints,
        latest_checkpoint_size: report.latest.as_ref().map(|c| c.size),
        cosignatures: report.cosignatures,
        events: BTreeMap::new(),
        records_checked: 0,
        recovered_batches: Vec::new(),
        problem: report.problem.as_ref().map(log_problem),
    }
}

/// Verifies the workspace's ledger and the records its entries describe. `key` defaults to
/// the workspace's `ledger.pub`; pass the key you hold yourself to trust nothing stored
/// with the workspace. `remembered`: checkpoints kept outside the workspace (an auditor's
/// receipt, see [`read_remembered_checkpoint`]); a log that no longer contains one of them
/// was rolled back or rewritten.
pub async fn verify(
    ws: &Workspace,
    key: Option<&VerifierKey>,
    witnesses: &[VerifierKey],
    remembered: &[Checkpoint],
) -> Result<Verification, AppError> {
    let own = verifier_key(ws)?;
    let key = key.unwrap_or(&own);
    let opts = VerifyOptions {
        witnesses: witnesses.to_vec(),
        remembered: remembered.to_vec(),
    };
    let report = qinglian_ledger::verify_dir(&ws.root.join(LEDGER_DIR), key, &opts)?;
    let mut v = summary(key, &report);
    if v.problem.is_none()
        && let Some(p) = key_pair_problem(ws, key)
    {
        v.problem = Some(p);
    }
    if v.problem.is_some() {
        v.ok = false;
        return Ok(v);
    }
    let batches: HashMap<String, BatchRecord> = ws
        .store
        .list_batches(None)
        .await?
        .into_iter()
        .map(|b| (b.id.clone(), b))
        .collect();
    let log = open_log_read_only(ws)?;
    let mut recorded_batches = std::collections::HashSet::new();
    let mut recorded_evidence = std::collections::HashSet::new();
    let mut first: Option<LedgerProblem> = None;
    let mut desk = crate::ledger_desk::DeskEntries::default();
    for i in 0..log.size().min(report.entries) {
        let bytes = log.entry(i)?;
        let entry = match LedgerEntry::parse(&bytes) {
            Ok(e) => e,
            Err(e) => {
                first.get_or_insert(record_problem(
                    i,
                    format!("entry {i} is not a qinglian ledger event: {e}"),
                ));
                continue;
            }
        };
        *v.events.entry(entry.event.kind().to_owned()).or_default() += 1;
        let problem = match &entry.event {
            LedgerEvent::ImportBatch(e) => {
                recorded_batches.insert(e.batch.clone());
                if e.recovered {
                    v.recovered_batches.push(e.batch.clone());
                }
                v.records_checked += 1;
                check_import(ws, i, e, batches.get(&e.batch))?
            }
            LedgerEvent::EvidenceFile(e) => {
                recorded_evidence.insert(e.stored_path.clone());
                v.records_checked += 1;
                check_evidence(ws, i, e)?
            }
            event => {
                if desk.see(i, event) {
                    v.records_checked += 1;
                }
                None
            }
        };
        if let Some(p) = problem {
            first.get_or_insert(p);
        }
    }
    // Findings and warning histories: the earliest pinned problem of either kind wins.
    let mut desk_problems = desk.check(ws).await?.into_iter();
    let desk_first = desk_problems.next();
    first = match (first, desk_first) {
        (Some(a), Some(b)) if b.entry.is_some_and(|e| a.entry.is_none_or(|a| e < a)) => Some(b),
        (Some(a), _) => Some(a),
        (None, Some(b)) if b.entry.is_some() => Some(b),
        (None, b) => unrecorded(ws, &batches, &recorded_batches, &recorded_evidence)?.or(b),
    };
    v.ok = first.is_none();
    v.problem = first;
    Ok(v)
}

fn record_problem(entry: u64, message: String) -> LedgerProblem {
    LedgerProblem {
        kind: "record",
        entry: Some(entry),
        message,
    }
}

/// `ledger.pub` must be the public half of `ledger.key` (when the private key is here).
fn key_pair_problem(ws: &Workspace, key: &VerifierKey) -> Option<LedgerProblem> {
    let text = fs::read_to_string(ws.root.join(LEDGER_KEY_FILE)).ok()?;
    let signer: SignerKey = text.trim().parse().ok()?;
    (signer.verifier() != *key).then(|| LedgerProblem {
        kind: "key",
        entry: None,
        message: format!(
            "the key checked with ({key}) is not the public half of {LEDGER_KEY_FILE} ({})",
            signer.verifier()
        ),
    })
}

fn check_import(
    ws: &Workspace,
    i: u64,
    e: &ImportBatchEvent,
    row: Option<&BatchRecord>,
) -> Result<Option<LedgerProblem>, AppError> {
    let id = &e.batch;
    let Some(b) = row else {
        return Ok(Some(record_problem(
            i,
            format!(
                "entry {i} records import batch {id}, which is missing from the desk (deleted?)"
            ),
        )));
    };
    if b.status != BatchStatus::Committed {
        return Ok(Some(record_problem(
            i,
            format!(
                "entry {i} records import batch {id} as committed, but the desk says {}",
                b.status.as_str()
            ),
        )));
    }
    let fields: [(&str, String, String); 9] = [
        ("dataset", e.dataset.clone(), b.dataset.clone()),
        ("source_name", e.source_name.clone(), b.source_name.clone()),
        (
            "source_sha256",
            e.source_sha256.clone(),
            b.source_sha256.clone(),
        ),
        (
            "source_bytes",
            e.source_bytes.to_string(),
            b.source_bytes.to_string(),
        ),
        (
            "rows_read",
            e.rows_read.to_string(),
            b.rows_read.to_string(),
        ),
        (
            "rows_accepted",
            e.rows_accepted.to_string(),
            b.rows_accepted.to_string(),
        ),
        (
            "rows_quarantined",
            e.rows_quarantined.to_string(),
            b.rows_quarantined.to_string(),
        ),
        ("lake_file", e.lake_file.clone(), b.lake_file.clone()),
        ("imported_by", e.imported_by.clone(), b.imported_by.clone()),
    ];
    for (name, ledger, desk) in fields {
        if ledger != desk {
            return Ok(Some(record_problem(
                i,
                format!(
                    "entry {i}: import batch {id} was altered in the desk: {name} is '{desk}' there but '{ledger}' in the ledger"
                ),
            )));
        }
    }
    let lake = ws.root.join(&e.lake_file);
    if !lake.is_file() {
        return Ok(Some(record_problem(
            i,
            format!(
                "entry {i}: the lake file {} of import batch {id} is missing",
                e.lake_file
            ),
        )));
    }
    let (sha, _) = sha256_file(&lake)?;
    if sha != e.lake_sha256 {
        return Ok(Some(record_problem(
            i,
            format!(
                "entry {i}: the lake file {} of import batch {id} was altered (SHA-256 {sha}, recorded {})",
                e.lake_file, e.lake_sha256
            ),
        )));
    }
    Ok(None)
}

fn check_evidence(
    ws: &Workspace,
    i: u64,
    e: &EvidenceFileEvent,
) -> Result<Option<LedgerProblem>, AppError> {
    let path = ws.root.join(&e.stored_path);
    if !path.is_file() {
        return Ok(Some(record_problem(
            i,
            format!(
                "entry {i}: evidence file {} ({}) is missing",
                e.stored_path, e.original_name
            ),
        )));
    }
    let (sha, size) = sha256_file(&path)?;
    if sha != e.sha256 || size != e.size {
        return Ok(Some(record_problem(
            i,
            format!(
                "entry {i}: evidence file {} ({}) was altered: SHA-256 {sha}, {size} bytes; recorded {}, {} bytes",
                e.stored_path, e.original_name, e.sha256, e.size
            ),
        )));
    }
    Ok(None)
}

/// Records with no entry: committed batches, stored evidence files.
fn unrecorded(
    ws: &Workspace,
    batches: &HashMap<String, BatchRecord>,
    recorded_batches: &std::collections::HashSet<String>,
    recorded_evidence: &std::collections::HashSet<String>,
) -> Result<Option<LedgerProblem>, AppError> {
    let mut missing: Vec<&BatchRecord> = batches
        .values()
        .filter(|b| b.status == BatchStatus::Committed && !recorded_batches.contains(&b.id))
        .collect();
    missing.sort_by(|a, b| (a.imported_at, &a.id).cmp(&(b.imported_at, &b.id)));
    if let Some(b) = missing.first() {
        return Ok(Some(LedgerProblem {
            kind: "unrecorded",
            entry: None,
            message: format!(
                "import batch {} is committed in the desk but has no ledger entry",
                b.id
            ),
        }));
    }
    let dir = ws.root.join(EVIDENCE_DIR);
    let mut names: Vec<String> = match fs::read_dir(&dir) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    for name in names {
        let rel = format!("{EVIDENCE_DIR}/{name}");
        if !recorded_evidence.contains(&rel) {
            return Ok(Some(LedgerProblem {
                kind: "unrecorded",
                entry: None,
                message: format!("{rel} is in the evidence store but has no ledger entry"),
            }));
        }
    }
    Ok(None)
}

/// Reads a checkpoint kept outside the log: a file holding the signed checkpoint note, or a
/// receipt (`ledger prove --json`, `evidence add --json`) whose `checkpoint` is one. The
/// signature must verify with `key`, so a forged "memory" cannot accuse an honest log.
pub fn read_remembered_checkpoint(path: &Path, key: &VerifierKey) -> Result<Checkpoint, AppError> {
    let text = fs::read_to_string(path).map_err(|e| AppError::io(path, e))?;
    let note = if text.trim_start().starts_with('{') {
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                let cp = v.get("checkpoint").or_else(|| v.pointer("/receipt/checkpoint"))?;
                cp.as_str().map(str::to_owned)
            })
            .ok_or_else(|| {
                AppError::LedgerInput(format!(
                    "{}: JSON without a \"checkpoint\" note; give a receipt or a checkpoint note / 文件中没有检查点",
                    path.display()
                ))
            })?
    } else {
        text
    };
    Checkpoint::from_signed_note(&note, key).map_err(|e| {
        AppError::LedgerInput(format!(
            "{}: not a checkpoint signed by this log's key ({e}) / 检查点签名无效",
            path.display()
        ))
    })
}

/// Verifies an export bundle with the log's public key alone (no workspace, no database):
/// the Merkle log, its checkpoints, and cosignatures of the given witnesses. Records are
/// not available to an outside auditor, so only the entries themselves are checked.
pub fn verify_bundle(
    dir: &Path,
    key: &VerifierKey,
    witnesses: &[VerifierKey],
    remembered: &[Checkpoint],
) -> Result<Verification, AppError> {
    if !dir.is_dir() {
        return Err(AppError::LedgerInput(format!(
            "{} is not a folder; give the folder `qinglian ledger export` wrote / 请指定导出目录",
            dir.display()
        )));
    }
    let opts = VerifyOptions {
        witnesses: witnesses.to_vec(),
        remembered: remembered.to_vec(),
    };
    let report = qinglian_ledger::verify_bundle_with(dir, key, &opts)?;
    let mut v = summary(key, &report);
    if report.is_ok() {
        count_bundle_events(dir, &mut v)?;
    }
    Ok(v)
}

fn count_bundle_events(dir: &Path, v: &mut Verification) -> Result<(), AppError> {
    use qinglian_ledger::record::{HEADER_LEN, RecordReader};
    let path = dir.join(qinglian_ledger::log::ENTRIES_FILE);
    let mut file =
        std::io::BufReader::new(fs::File::open(&path).map_err(|e| AppError::io(&path, e))?);
    let mut head = [0u8; HEADER_LEN as usize];
    file.read_exact(&mut head)
        .map_err(|e| AppError::io(&path, e))?;
    let mut reader = RecordReader::new(file);
    while let Ok(Some(r)) = reader.next_record() {
        let kind = LedgerEntry::parse(&r.payload).map_or("other", |e| e.event.kind());
        *v.events.entry(kind.to_owned()).or_default() += 1;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Witnessing

/// A witness's answer to one add-checkpoint request, as the transport saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessReply {
    /// 200: the cosignature line(s).
    Cosigned(String),
    /// 409 with `text/x.tlog.size`: the witness's latest size for this log.
    SizeConflict(u64),
    /// Any other answer.
    Refused { status: u16, message: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Witnessed {
    pub witness: String,
    pub checkpoint_size: u64,
    /// The old size the accepted request carried.
    pub old_size: u64,
    pub requests: usize,
    pub cosignatures_kept: usize,
    /// The latest checkpoint with every cosignature the log keeps for it.
    pub cosigned_checkpoint: String,
}

/// The largest tree size `witness` has cosigned according to the stored cosignatures.
fn last_witnessed_size(dir: &Path, witness: &VerifierKey, limit: u64) -> Result<u64, AppError> {
    let lines = qinglian_ledger::log::read_cosignature_lines(dir)?;
    Ok(lines
        .into_iter()
        .flatten()
        .filter(|l| {
            NoteSignature::parse_line(&l.signature)
                .is_ok_and(|s| s.name == witness.name() && s.key_id == witness.key_id())
        })
        .map(|l| l.size)
        .filter(|&s| s <= limit)
        .max()
        .unwrap_or(0))
}

/// Asks a witness to cosign the latest checkpoint and keeps its cosignature. `send`
/// carries one add-checkpoint body to the witness (HTTP lives in the `web` crate). The old
/// size starts at the largest size this witness cosigned before; a 409 answer is retried
/// once more with the size the witness reports.
pub fn witness_latest(
    ws: &Workspace,
    witness: &VerifierKey,
    send: &mut dyn FnMut(&str) -> Result<WitnessReply, AppError>,
) -> Result<Witnessed, AppError> {
    if witness.kind() != KeyKind::Cosigner {
        return Err(AppError::LedgerInput(format!(
            "{witness} is not a witness (cosignature) key; use the key `qinglian witness serve` prints"
        )));
    }
    // Read-only while talking to the witness, so imports are not held up by the network.
    let (latest, mut old, size) = {
        let log = open_log_read_only(ws)?;
        let latest: SignedCheckpoint = log
            .latest_checkpoint()
            .ok_or_else(|| AppError::LedgerInput("the ledger has no checkpoint yet".into()))?
            .clone();
        let size = latest.checkpoint.size;
        let old = last_witnessed_size(log.dir(), witness, size)?;
        (latest, old, size)
    };
    let mut requests = 0;
    let response = loop {
        let body = {
            let log = open_log_read_only(ws)?;
            request_for(&log, &latest, old)?
        };
        requests += 1;
        match send(&body)? {
            WitnessReply::Cosigned(r) => break r,
            WitnessReply::SizeConflict(theirs) if requests < 3 && theirs != old => {
                if theirs > size {
                    return Err(AppError::LedgerInput(format!(
                        "the witness has cosigned {theirs} entries of this log but its latest checkpoint has only {size}: this ledger was rolled back or forked / 见证方见过更大的账本，本账本可能被回滚"
                    )));
                }
                old = theirs;
            }
            WitnessReply::SizeConflict(theirs) => {
                return Err(AppError::WitnessRefused {
                    status: 409,
                    message: format!("the witness keeps answering that its size is {theirs}"),
                });
            }
            WitnessReply::Refused { status, message } => {
                return Err(AppError::WitnessRefused { status, message });
            }
        }
    };
    let mut log = open_log(ws)?;
    let kept = log.add_cosignatures(&latest, witness, &response)?;
    let cosigned_checkpoint = cosigned_note(&log, &latest)?;
    Ok(Witnessed {
        witness: witness.to_string(),
        checkpoint_size: size,
        old_size: old,
        requests,
        cosignatures_kept: kept,
        cosigned_checkpoint,
    })
}

/// The add-checkpoint body for `latest` (which may no longer be the log's latest).
fn request_for(log: &Log, latest: &SignedCheckpoint, old: u64) -> Result<String, AppError> {
    let size = latest.checkpoint.size;
    let proof = match old {
        0 => Vec::new(),
        o if o == size => Vec::new(),
        o => log.consistency_proof(o, size)?,
    };
    Ok(qinglian_ledger::add_checkpoint_body(
        old,
        &proof,
        &latest.note,
    ))
}

/// `checkpoint`'s note with every stored cosignature for its size.
fn cosigned_note(log: &Log, checkpoint: &SignedCheckpoint) -> Result<String, AppError> {
    let mut note = checkpoint.note.clone();
    for line in qinglian_ledger::log::read_cosignature_lines(log.dir())?
        .into_iter()
        .flatten()
    {
        if line.size == checkpoint.checkpoint.size && !note.contains(&line.signature) {
            note.push_str(&line.signature);
        }
    }
    Ok(note)
}

/// The files of a witness in its key folder.
pub const WITNESS_KEY_FILE: &str = "witness.key";
pub const WITNESS_PUB_FILE: &str = "witness.pub";
pub const WITNESS_STATE_FILE: &str = "witness-state.json";

/// A witness ready to serve: its signer, trusted logs and saved state.
#[derive(Debug)]
pub struct WitnessSetup {
    pub witness: Witness,
    pub state_file: PathBuf,
    pub verifier_key: VerifierKey,
    /// The key was made by this call.
    pub created: bool,
}

/// Loads (or on first use creates, mode 0600) the witness key in `key_dir`, loads its
/// state and trusts each `(origin, log key)`. `name` names a new key (default
/// `qinglian.local/witness/<random>`).
pub fn open_witness(
    key_dir: &Path,
    name: Option<&str>,
    logs: &[(String, VerifierKey)],
) -> Result<WitnessSetup, AppError> {
    if logs.is_empty() {
        return Err(AppError::LedgerInput(
            "a witness needs at least one --log ORIGIN=VKEY (the log's public key, `qinglian ledger key`)".into(),
        ));
    }
    fs::create_dir_all(key_dir).map_err(|e| AppError::io(key_dir, e))?;
    let key_path = key_dir.join(WITNESS_KEY_FILE);
    let created = !key_path.exists();
    let signer = if created {
        let name = match name {
            Some(n) => n.to_owned(),
            None => {
                let mut r = [0u8; 4];
                getrandom::fill(&mut r)
                    .map_err(|e| AppError::Internal(format!("no system randomness: {e}")))?;
                format!("qinglian.local/witness/{}", hex::encode(r))
            }
        };
        let signer = SignerKey::generate(&name, KeyKind::Cosigner)
            .map_err(|e| AppError::LedgerInput(format!("witness name {name:?}: {e}")))?;
        write_key_pair(&key_path, &key_dir.join(WITNESS_PUB_FILE), &signer)?;
        signer
    } else {
        read_key_file(&key_path)?
            .trim()
            .parse::<SignerKey>()
            .map_err(|e| AppError::Config {
                path: key_path.display().to_string(),
                reason: format!("the witness key is not readable: {e}"),
            })?
    };
    let state_file = key_dir.join(WITNESS_STATE_FILE);
    let state = WitnessState::load(&state_file)?;
    let verifier_key = signer.verifier();
    let mut witness = Witness::new(signer, state).map_err(LedgerError::from)?;
    for (origin, key) in logs {
        witness
            .add_log(origin, key.clone())
            .map_err(|e| AppError::LedgerInput(format!("--log {origin}: {e}")))?;
    }
    Ok(WitnessSetup {
        witness,
        state_file,
        verifier_key,
        created,
    })
}

/// Parses `ORIGIN=VKEY` or a bare `VKEY` (origin = the key's name).
pub fn parse_log_arg(arg: &str) -> Result<(String, VerifierKey), AppError> {
    if let Some((origin, key)) = arg.split_once('=')
        && !origin.contains('+')
        && let Ok(key) = key.trim().parse::<VerifierKey>()
    {
        return Ok((origin.to_owned(), key));
    }
    let key = parse_verifier_key(arg)?;
    Ok((key.name().to_owned(), key))
}

// ---------------------------------------------------------------------------------------

pub(crate) fn sha256_file(path: &Path) -> Result<(String, u64), AppError> {
    let mut f = fs::File::open(path).map_err(|e| AppError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| AppError::io(path, e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex::encode(h.finalize()), total))
}
