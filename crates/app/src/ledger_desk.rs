//! `ledger verify`'s cross-check of findings and warning histories: every `finding`,
//! `finding_resolved` and `warning_transition` entry against what the desk holds now, and
//! every desk record against its entries. Imports and evidence files are checked in
//! [`crate::ledger`]; this module only knows the two record kinds people argue about.
//!
//! A finding's last `finding` entry carries the SHA-256 of the finding as stored, so any
//! later edit of its text, amount, subject or evidence in the desk shows. A warning's
//! history is re-derived entry by entry (states, level, actor, time, reason hash) and must
//! equal the ledger's sequence for that warning, no more and no less.

use std::collections::HashMap;

use qinglian_store::{FindingFilter, FindingStatus, FindingStore, WarningStore};
use sha2::{Digest, Sha256};

use crate::ledger::{LedgerEvent, LedgerProblem, WarningTransitionEvent};
use crate::{AppError, Workspace};

/// What the ledger last said about a finding.
#[derive(Debug, Clone)]
enum FindingMark {
    Open { digest: String },
    Resolved,
}

/// The ledger's finding and warning entries, gathered while the log is read.
#[derive(Debug, Default)]
pub(crate) struct DeskEntries {
    findings: HashMap<i64, (u64, FindingMark)>,
    transitions: HashMap<i64, Vec<(u64, WarningTransitionEvent)>>,
    /// Entries naming a record id that is not a number (cannot come from this desk).
    malformed: Option<LedgerProblem>,
}

fn record_problem(entry: u64, message: String) -> LedgerProblem {
    LedgerProblem {
        kind: "record",
        entry: Some(entry),
        message,
    }
}

fn unrecorded(message: String) -> LedgerProblem {
    LedgerProblem {
        kind: "unrecorded",
        entry: None,
        message,
    }
}

/// SHA-256 of a finding as the desk stores it (what `finding` entries carry).
pub(crate) fn finding_digest(f: &qinglian_core::Finding) -> String {
    let stored = serde_json::to_vec(f).expect("findings always serialise");
    hex::encode(Sha256::digest(&stored))
}

impl DeskEntries {
    /// Notes entry `i`; returns whether it was one this module checks.
    pub(crate) fn see(&mut self, i: u64, event: &LedgerEvent) -> bool {
        let id = |s: &str| s.parse::<i64>().ok();
        match event {
            LedgerEvent::Finding(e) => match id(&e.finding) {
                Some(f) => {
                    let mark = FindingMark::Open {
                        digest: e.digest.clone(),
                    };
                    self.findings.insert(f, (i, mark));
                }
                None => self.malformed(i, format!("finding id '{}'", e.finding)),
            },
            LedgerEvent::FindingResolved(e) => match id(&e.finding) {
                Some(f) => {
                    self.findings.insert(f, (i, FindingMark::Resolved));
                }
                None => self.malformed(i, format!("finding id '{}'", e.finding)),
            },
            LedgerEvent::WarningTransition(e) => match id(&e.warning) {
                Some(w) => self.transitions.entry(w).or_default().push((i, e.clone())),
                None => self.malformed(i, format!("warning id '{}'", e.warning)),
            },
            _ => return false,
        }
        true
    }

    fn malformed(&mut self, i: u64, what: String) {
        self.malformed.get_or_insert_with(|| {
            record_problem(
                i,
                format!("entry {i} names {what}, which no desk record can have"),
            )
        });
    }

    /// Compares the gathered entries with the desk; the problem at the earliest entry
    /// first, then records that have no entry.
    pub(crate) async fn check(self, ws: &Workspace) -> Result<Vec<LedgerProblem>, AppError> {
        let mut problems: Vec<LedgerProblem> = self.malformed.into_iter().collect();
        problems.extend(check_findings(ws, &self.findings).await?);
        problems.extend(check_warnings(ws, self.transitions).await?);
        // Entry-pinned problems by entry, then the unrecorded ones.
        problems.sort_by_key(|p| p.entry.unwrap_or(u64::MAX));
        Ok(problems)
    }
}

async fn check_findings(
    ws: &Workspace,
    marks: &HashMap<i64, (u64, FindingMark)>,
) -> Result<Vec<LedgerProblem>, AppError> {
    let mut out = Vec::new();
    let desk = ws.store.list_findings(&FindingFilter::default()).await?;
    let mut seen = std::collections::HashSet::with_capacity(desk.len());
    for f in &desk {
        seen.insert(f.id);
        let Some((i, mark)) = marks.get(&f.id) else {
            out.push(unrecorded(format!(
                "finding {} ({} on {}:{}) is in the desk but has no ledger entry",
                f.id, f.finding.source.id, f.finding.subject.kind, f.finding.subject.id
            )));
            continue;
        };
        let i = *i;
        match (mark, f.status) {
            (FindingMark::Open { digest }, FindingStatus::Open) => {
                let now = finding_digest(&f.finding);
                if &now != digest {
                    out.push(record_problem(
                        i,
                        format!(
                            "entry {i}: finding {} ({}) was altered in the desk: its SHA-256 is {now}, recorded {digest}",
                            f.id, f.finding.source.id
                        ),
                    ));
                }
            }
            (FindingMark::Resolved, FindingStatus::ResolvedByData) => {}
            (FindingMark::Open { .. }, status) | (FindingMark::Resolved, status) => {
                let said = match mark {
                    FindingMark::Open { .. } => "open",
                    FindingMark::Resolved => "resolved",
                };
                out.push(record_problem(
                    i,
                    format!(
                        "entry {i}: finding {} is {said} in the ledger but {} in the desk",
                        f.id,
                        status.as_str()
                    ),
                ));
            }
        }
    }
    for (id, (i, _)) in marks {
        if !seen.contains(id) {
            out.push(record_problem(
                *i,
                format!(
                    "entry {i} records finding {id}, which is missing from the desk (deleted?)"
                ),
            ));
        }
    }
    Ok(out)
}

/// Field by field, what differs between the desk's re-derived event and the ledger's.
fn difference(desk: &WarningTransitionEvent, ledger: &WarningTransitionEvent) -> Option<String> {
    let fields = [
        (
            "from",
            format!("{:?}", desk.from),
            format!("{:?}", ledger.from),
        ),
        ("to", desk.to.clone(), ledger.to.clone()),
        ("level", desk.level.clone(), ledger.level.clone()),
        ("actor", desk.actor.clone(), ledger.actor.clone()),
        ("at", desk.at.to_rfc3339(), ledger.at.to_rfc3339()),
        (
            "reason",
            format!("{:?}", desk.reason_sha256),
            format!("{:?}", ledger.reason_sha256),
        ),
    ];
    fields
        .into_iter()
        .find(|(_, d, l)| d != l)
        .map(|(name, d, l)| format!("{name} is {d} there but {l} in the ledger"))
}

async fn check_warnings(
    ws: &Workspace,
    mut ledger: HashMap<i64, Vec<(u64, WarningTransitionEvent)>>,
) -> Result<Vec<LedgerProblem>, AppError> {
    const PAGE: u32 = 10_000;
    let mut out = Vec::new();
    let mut after = None;
    // Position in each warning's ledger sequence reached so far.
    let mut reached: HashMap<i64, usize> = HashMap::new();
    loop {
        let page = ws.store.history_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some((last.warning_id, last.seq));
        for t in &page {
            let crate::ledger::LedgerEvent::WarningTransition(desk) =
                crate::warnings::ledger_event(&qinglian_workflow::TransitionEvent::of(t))
            else {
                unreachable!("ledger_event makes warning transitions")
            };
            let k = reached.entry(t.warning_id).or_default();
            let recorded = ledger.get(&t.warning_id).and_then(|v| v.get(*k));
            *k += 1;
            match recorded {
                None => out.push(unrecorded(format!(
                    "change {} ({}) of warning {} is in the desk but has no ledger entry",
                    t.seq, t.action, t.warning_id
                ))),
                Some((i, event)) => {
                    if let Some(what) = difference(&desk, event) {
                        out.push(record_problem(
                            *i,
                            format!(
                                "entry {i}: change {} ({}) of warning {} was altered in the desk: {what}",
                                t.seq, t.action, t.warning_id
                            ),
                        ));
                    }
                }
            }
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    for (w, events) in &mut ledger {
        let k = reached.get(w).copied().unwrap_or(0);
        if let Some((i, e)) = events.get(k) {
            out.push(record_problem(
                *i,
                format!(
                    "entry {i} records a change of warning {w} (to {}) that is missing from the desk (deleted?)",
                    e.to
                ),
            ));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// One warning: its receipts, on demand (the console's "verify" button)

/// One ledger entry about a warning or its finding, with what checking it found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WarningEntryCheck {
    pub index: u64,
    /// `finding`, `finding_resolved`, or the warning's new state (`assigned`, `closed`, …).
    pub what: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// The inclusion proof and the checkpoint's signature hold.
    pub proven: bool,
    /// What differs from the desk; `None` when the entry and the desk agree.
    pub difference: Option<String>,
}

/// The ledger's account of one warning, checked against the signed checkpoint and the desk.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WarningLedgerCheck {
    /// The signed checkpoint note the proofs lead to (origin, size, root, signatures).
    pub checkpoint: Option<String>,
    pub verifier_key: Option<String>,
    pub entries: Vec<WarningEntryCheck>,
    /// Everything that is not as it should be, in words; empty = verified.
    pub problems: Vec<String>,
}

impl WarningLedgerCheck {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Finds the entries about `view`'s warning and finding (a scan of the log), proves each
/// against the latest signed checkpoint, and compares them with the desk: the history must be
/// the ledger's sequence of transitions, change by change, and an open finding must have the
/// digest its last `finding` entry recorded.
pub fn check_warning(
    ws: &Workspace,
    view: &crate::warnings::WarningView,
) -> Result<WarningLedgerCheck, AppError> {
    let warning = view.warning.id.to_string();
    let finding = view.finding.as_ref().map(|f| f.id.to_string());
    let mut indices = crate::ledger::find_entries(ws, &warning)?;
    if let Some(f) = &finding {
        indices.extend(crate::ledger::find_entries(ws, f)?);
    }
    indices.sort_unstable();
    indices.dedup();

    let mut check = WarningLedgerCheck {
        checkpoint: None,
        verifier_key: None,
        entries: Vec::new(),
        problems: Vec::new(),
    };
    let mut transitions: Vec<(usize, WarningTransitionEvent)> = Vec::new();
    let mut last_digest: Option<(usize, String)> = None;
    for i in indices {
        let proven = crate::ledger::prove(ws, i);
        let (entry, proven_ok) = match &proven {
            Ok(p) => (
                crate::ledger::LedgerEntry::parse(p.entry_text.as_bytes())
                    .map_err(AppError::LedgerInput),
                true,
            ),
            Err(e) => {
                check.problems.push(format!(
                    "entry {i} cannot be proven / 第 {i} 条无法证明: {e}"
                ));
                (
                    crate::ledger::entry_bytes(ws, i).and_then(|b| {
                        crate::ledger::LedgerEntry::parse(&b).map_err(AppError::LedgerInput)
                    }),
                    false,
                )
            }
        };
        if let Ok(p) = &proven {
            check.checkpoint = Some(p.receipt.checkpoint.clone());
            check.verifier_key = Some(p.verifier_key.clone());
        }
        let Ok(entry) = entry else { continue };
        let what = match &entry.event {
            LedgerEvent::WarningTransition(e) if e.warning == warning => {
                transitions.push((check.entries.len(), e.clone()));
                e.to.clone()
            }
            LedgerEvent::Finding(e) if Some(&e.finding) == finding.as_ref() => {
                last_digest = Some((check.entries.len(), e.digest.clone()));
                "finding".to_owned()
            }
            LedgerEvent::FindingResolved(e) if Some(&e.finding) == finding.as_ref() => {
                "finding_resolved".to_owned()
            }
            // Another kind of record that happens to carry the same number.
            _ => continue,
        };
        check.entries.push(WarningEntryCheck {
            index: i,
            what,
            recorded_at: entry.recorded_at,
            proven: proven_ok,
            difference: None,
        });
    }

    // The history, change by change, against the ledger's transitions in order.
    for (k, t) in view.history.iter().enumerate() {
        let LedgerEvent::WarningTransition(desk) =
            crate::warnings::ledger_event(&qinglian_workflow::TransitionEvent::of(t))
        else {
            unreachable!("ledger_event makes warning transitions")
        };
        match transitions.get(k) {
            None => check.problems.push(format!(
                "change {} ({}) is in the desk but not in the ledger / 第 {} 次处置未存证",
                t.seq, t.action, t.seq
            )),
            Some((at, recorded)) => {
                if let Some(what) = difference(&desk, recorded) {
                    let message = format!("change {} ({}): {what}", t.seq, t.action);
                    check.entries[*at].difference = Some(message.clone());
                    check.problems.push(message);
                }
            }
        }
    }
    for (at, recorded) in transitions.iter().skip(view.history.len()) {
        let message = format!(
            "entry {} records a change (to {}) that the desk does not have (deleted?) / 账本有而系统中缺失",
            check.entries[*at].index, recorded.to
        );
        check.entries[*at].difference = Some(message.clone());
        check.problems.push(message);
    }
    if let Some(f) = &view.finding
        && f.status == FindingStatus::Open
    {
        match last_digest {
            None => check
                .problems
                .push(format!("finding {} has no ledger entry / 发现未存证", f.id)),
            Some((at, digest)) if digest != finding_digest(&f.finding) => {
                let message = format!(
                    "finding {} was altered in the desk after it was recorded / 发现在存证后被改动",
                    f.id
                );
                check.entries[at].difference = Some(message.clone());
                check.problems.push(message);
            }
            Some(_) => {}
        }
    }
    Ok(check)
}
