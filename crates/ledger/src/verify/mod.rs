//! Verification of a whole stored log or export bundle, trusting nothing but the verifier key
//! (and any checkpoints the caller remembers from elsewhere).
//!
//! One streaming pass over `entries.log` (reading and hashing on a second thread) recomputes every leaf hash and the root at every
//! checkpoint size, and compares as it goes with the record checksums, the leaf-hash file and
//! (in a live log) the offset and subtree index files. Then every checkpoint is checked: its
//! signature verifies with the key, sizes never decrease, and its root equals the recomputed
//! root at its size. That last check also makes every pair of checkpoints consistent (both
//! are prefixes of one recomputed tree), so no separate consistency proofs are needed.
//!
//! The report names the *first* problem, in this order, because an earlier kind explains the
//! later ones (a removed entry makes every later checkpoint fail too):
//! 1. entries: a record that fails its checksum or cannot be read, an entry that differs from
//!    the leaf-hash file (classified as altered, removed, inserted or reordered) unless the
//!    checkpoints show the entries are right and the leaf file is what changed, or a log
//!    shorter than its leaf file or checkpoints (truncated). Exception: when a checkpoint
//!    that ends before that entry already fails, the change is earlier and the checkpoint is
//!    reported (this is how a forger who also rewrote the leaf file is located, to the range
//!    between the last good checkpoint and the failing one);
//! 2. checkpoints in file order: malformed, forged signature, size going back, root mismatch;
//! 3. cosignatures from witness keys the caller supplied;
//! 4. checkpoints remembered outside the log: a log smaller than one (rollback) or with a
//!    different root at its size (fork);
//! 5. damage to the derived index files (leaf hashes the checkpoints contradict, offsets,
//!    subtree cache), which a rebuild repairs.
//!
//! Memory use is constant in the number of entries.

mod diff;
mod problem;
mod scan;

use std::path::Path;

pub use problem::Problem;

use crate::checkpoint::Checkpoint;
use crate::error::Error;
use crate::hash::Hash;
use crate::keys::VerifierKey;
use crate::log::{LEAVES_FILE, read_checkpoint_lines, read_cosignature_lines};
use crate::note::{Note, NoteError, verify_note};
use scan::{Scan, scan_entries};

/// What to check beyond the directory itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Checkpoints of this log known from outside it (an auditor's copy, a witness's state).
    /// The log must contain each one's tree: smaller is a rollback, another root a fork.
    pub remembered: Vec<Checkpoint>,
    /// Witness keys whose cosignatures stored with the log must verify.
    pub witnesses: Vec<VerifierKey>,
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// Entries read from the entries file.
    pub entries: u64,
    /// Root recomputed from those entries.
    pub root: Hash,
    /// Checkpoint lines stored with the log.
    pub checkpoints: usize,
    /// Cosignatures that verified with the supplied witness keys.
    pub cosignatures: usize,
    /// The latest checkpoint whose signature verified.
    pub latest: Option<Checkpoint>,
    /// The first problem found, `None` if the log verified.
    pub problem: Option<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Verifies a log directory (live or exported) with the log's public key.
pub fn verify_dir(
    dir: &Path,
    key: &VerifierKey,
    opts: &VerifyOptions,
) -> Result<VerifyReport, Error> {
    let checkpoints = load_checkpoints(dir, key)?;
    let mut targets: Vec<u64> = checkpoints
        .iter()
        .filter_map(|(_, c)| c.as_ref().ok().map(|c| c.size))
        .collect();
    targets.extend(opts.remembered.iter().map(|c| c.size));
    let scan = scan_entries(dir, targets)?;
    let mut v = Verdict::new();
    let (entry_problem, leaf_file_problem) = entry_problems(&scan, &checkpoints);
    let checkpoint_problem = checkpoint_problems(&scan, &checkpoints);
    // An entry problem explains a later checkpoint mismatch, but a mismatch at a checkpoint
    // that ends before the entry problem points at an earlier change.
    let mismatch_first = matches!(
        (&entry_problem, &checkpoint_problem),
        (Some(e), Some(Problem::CheckpointMismatch { size, .. })) if e.entry_index().is_some_and(|i| *size <= i)
    );
    if mismatch_first {
        v.offer(checkpoint_problem.clone().expect("matched above"));
    }
    for p in entry_problem.into_iter().chain(checkpoint_problem) {
        v.offer(p);
    }
    let cosignatures = cosignature_problems(dir, &checkpoints, &opts.witnesses, &mut v)?;
    remembered_problems(&scan, key, &opts.remembered, &mut v)?;
    for p in leaf_file_problem.iter().chain(&scan.index_problem) {
        v.offer(p.clone());
    }
    Ok(VerifyReport {
        entries: scan.count,
        root: scan.root,
        checkpoints: checkpoints.len(),
        cosignatures,
        latest: checkpoints
            .iter()
            .rev()
            .find_map(|(_, c)| c.as_ref().ok().cloned()),
        problem: v.first,
    })
}

/// Keeps the first problem offered.
struct Verdict {
    first: Option<Problem>,
}

impl Verdict {
    fn new() -> Verdict {
        Verdict { first: None }
    }

    fn offer(&mut self, p: Problem) {
        if self.first.is_none() {
            self.first = Some(p);
        }
    }
}

type CheckpointStatus = (usize, Result<Checkpoint, Problem>);

/// Every stored checkpoint, verified with `key`, or the problem with it.
fn load_checkpoints(dir: &Path, key: &VerifierKey) -> Result<Vec<CheckpointStatus>, Error> {
    Ok(read_checkpoint_lines(dir)?
        .into_iter()
        .enumerate()
        .map(|(seq, line)| {
            let checked = line
                .map_err(|detail| Problem::MalformedCheckpoint { seq, detail })
                .and_then(|l| check_checkpoint(seq, &l.note, key));
            (seq, checked)
        })
        .collect())
}

fn check_checkpoint(seq: usize, note: &str, key: &VerifierKey) -> Result<Checkpoint, Problem> {
    let malformed = |detail: String| Problem::MalformedCheckpoint { seq, detail };
    let claimed_size = Note::parse(note)
        .ok()
        .and_then(|n| Checkpoint::parse_text(&n.text).ok())
        .map(|c| c.size);
    let verified = verify_note(note, std::slice::from_ref(key)).map_err(|e| match e {
        NoteError::InvalidSignature { .. } | NoteError::NoTrustedSignature => {
            Problem::ForgedCheckpoint {
                seq,
                size: claimed_size,
                detail: e.to_string(),
            }
        }
        other => malformed(other.to_string()),
    })?;
    let checkpoint =
        Checkpoint::parse_text(&verified.text).map_err(|e| malformed(e.to_string()))?;
    if checkpoint.origin != key.name() {
        return Err(malformed(format!(
            "origin {:?} is not the key name {:?}",
            checkpoint.origin,
            key.name()
        )));
    }
    Ok(checkpoint)
}

/// Step 1 of the module doc: the first problem located at an entry, and a leaf-file problem
/// to report late (step 5) when the checkpoints vouch for the entries.
fn entry_problems(
    scan: &Scan,
    checkpoints: &[CheckpointStatus],
) -> (Option<Problem>, Option<Problem>) {
    let mut found: Vec<Problem> = Vec::new();
    let mut late = None;
    if let Some(i) = scan.first_bad_checksum {
        found.push(Problem::AlteredEntry { index: i });
    }
    if let Some(p) = &scan.stop {
        found.push(p.clone());
    }
    // A short entries file is reported once below, against the largest expected size.
    if let Some(p) = scan
        .diff
        .as_ref()
        .filter(|p| !matches!(p, Problem::Truncated { .. }))
    {
        match p
            .entry_index()
            .filter(|&i| leaf_file_is_wrong(scan, checkpoints, i))
        {
            Some(i) => {
                late = Some(Problem::IndexMismatch {
                    file: LEAVES_FILE.to_owned(),
                    index: i,
                })
            }
            None => found.push(p.clone()),
        }
    }
    let expected = checkpoints
        .iter()
        .filter_map(|(_, c)| c.as_ref().ok().map(|c| c.size))
        .chain(scan.leaf_count)
        .max()
        .unwrap_or(0);
    if scan.torn || expected > scan.count {
        let expected = expected.max(scan.count + u64::from(scan.torn));
        found.push(Problem::Truncated {
            entries: scan.count,
            expected,
        });
    }
    let first = found
        .into_iter()
        .min_by_key(|p| p.entry_index().unwrap_or(u64::MAX));
    (first, late)
}

/// True when entry `i` differs from the leaf file but the first checkpoint covering `i`
/// matches the entries: the signed tree vouches for the entries, so the leaf file changed.
fn leaf_file_is_wrong(scan: &Scan, checkpoints: &[CheckpointStatus], i: u64) -> bool {
    if scan.first_bad_checksum.is_some_and(|b| b <= i) {
        return false;
    }
    let covering = checkpoints
        .iter()
        .filter_map(|(_, c)| c.as_ref().ok())
        .filter(|c| c.size > i)
        .min_by_key(|c| c.size);
    covering.is_some_and(|c| scan.root_at(c.size) == Some(c.root))
}

/// Step 2: the first bad checkpoint in file order.
fn checkpoint_problems(scan: &Scan, checkpoints: &[CheckpointStatus]) -> Option<Problem> {
    let mut largest: Option<u64> = None;
    let mut last_good = 0;
    for (seq, status) in checkpoints {
        let c = match status {
            Ok(c) => c,
            Err(p) => return Some(p.clone()),
        };
        if let Some(prev) = largest
            && c.size < prev
        {
            return Some(Problem::CheckpointRollback {
                seq: *seq,
                size: c.size,
                previous: prev,
            });
        }
        largest = Some(c.size);
        match scan.root_at(c.size) {
            None => {} // beyond the entries: reported as truncation in step 1
            Some(root) if root == c.root => last_good = last_good.max(c.size),
            Some(_) => {
                return Some(Problem::CheckpointMismatch {
                    seq: *seq,
                    size: c.size,
                    intact_before: last_good,
                });
            }
        }
    }
    None
}

/// Step 3: stored cosignatures from known witnesses must verify on a stored checkpoint.
fn cosignature_problems(
    dir: &Path,
    checkpoints: &[CheckpointStatus],
    witnesses: &[VerifierKey],
    v: &mut Verdict,
) -> Result<usize, Error> {
    let mut ok = 0;
    for (seq, line) in read_cosignature_lines(dir)?.into_iter().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(detail) => {
                v.offer(Problem::ForgedCosignature {
                    seq,
                    size: None,
                    witness: String::new(),
                    detail,
                });
                continue;
            }
        };
        let Ok(sig) = crate::note::NoteSignature::parse_line(&line.signature) else {
            v.offer(Problem::ForgedCosignature {
                seq,
                size: Some(line.size),
                witness: String::new(),
                detail: "unreadable signature line".into(),
            });
            continue;
        };
        let Some(key) = witnesses
            .iter()
            .find(|k| k.name() == sig.name && k.key_id() == sig.key_id)
        else {
            continue;
        };
        let body = checkpoints
            .iter()
            .filter_map(|(_, c)| c.as_ref().ok())
            .find(|c| c.size == line.size)
            .map(Checkpoint::to_text);
        match body.map(|b| crate::cosignature::verify_cosignature(&b, &line.signature, key)) {
            Some(Ok(_)) => ok += 1,
            other => v.offer(Problem::ForgedCosignature {
                seq,
                size: Some(line.size),
                witness: key.name().to_owned(),
                detail: match other {
                    Some(Err(e)) => e.to_string(),
                    _ => "no valid stored checkpoint of that size".into(),
                },
            }),
        }
    }
    Ok(ok)
}

/// Step 4: checkpoints remembered elsewhere.
fn remembered_problems(
    scan: &Scan,
    key: &VerifierKey,
    remembered: &[Checkpoint],
    v: &mut Verdict,
) -> Result<(), Error> {
    for c in remembered {
        if c.origin != key.name() {
            return Err(Error::OutOfRange(format!(
                "a remembered checkpoint is for log {:?}, not {:?}",
                c.origin,
                key.name()
            )));
        }
        match scan.root_at(c.size) {
            None => v.offer(Problem::Rollback {
                entries: scan.count,
                remembered: c.size,
            }),
            Some(root) if root != c.root => v.offer(Problem::Fork { size: c.size }),
            Some(_) => {}
        }
    }
    Ok(())
}
