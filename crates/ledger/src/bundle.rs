//! Export bundles: a directory an outside auditor verifies with the log's public key and
//! nothing else (no workspace, no database, no qinglian install beyond this verifier).
//!
//! Contents: `entries.log` and `leaves.bin` (byte-for-byte prefixes of the live files, up to
//! the last committed entry), `checkpoints.jsonl`, `cosignatures.jsonl` if any,
//! `verifier.key` (the public key as text, for the auditor to compare with the key they were
//! given out of band) and `README.txt` (the formats). Verification never trusts the bundled
//! key or leaf file: the leaf file only helps pinpoint *where* entries were changed.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::Path;

use crate::checkpoint::Checkpoint;
use crate::error::{Error, PathContext};
use crate::hash::HASH_LEN;
use crate::keys::VerifierKey;
use crate::log::{CHECKPOINTS_FILE, COSIGNATURES_FILE, ENTRIES_FILE, LEAVES_FILE, Log};
use crate::verify::{VerifyOptions, VerifyReport, verify_dir};

/// Name of the public key file in a bundle.
pub const KEY_FILE: &str = "verifier.key";
pub const README_FILE: &str = "README.txt";

const README: &str = "\
qinglian ledger export bundle

entries.log         8-byte header \"QLLEDGR1\", then one record per entry:
                    u32 big-endian length | u8 flags (bit 0: last of its batch) |
                    payload | 32-byte SHA-256(0x00 || payload)
leaves.bin          32-byte leaf hash per entry (diagnostics only; recomputed, never trusted)
checkpoints.jsonl   one JSON object per line, {\"note\": signed checkpoint}: C2SP
                    tlog-checkpoint text signed as a C2SP signed note (Ed25519)
cosignatures.jsonl  one JSON object per line, {\"size\": N, \"signature\": witness
                    cosignature line (C2SP tlog-cosignature/v1)} (may be absent)
verifier.key        the log's public key as a C2SP verifier key string

The Merkle tree is RFC 9162: leaf = SHA-256(0x00 || payload), node = SHA-256(0x01 || l || r).
To verify: recompute every leaf from entries.log, check each checkpoint's signature with the
public key you were given (not only the copy in this folder), and check that each checkpoint's
root hash equals the root of the first `size` leaves.
";

impl Log {
    /// Writes an export bundle to `dir` (which must not exist or be empty). `key` must be the
    /// key that verifies this log's checkpoints.
    pub fn export_bundle(&self, dir: &Path, key: &VerifierKey) -> Result<(), Error> {
        if let Some(latest) = self.latest_checkpoint() {
            Checkpoint::from_signed_note(&latest.note, key).map_err(|e| {
                Error::Bundle(format!(
                    "the key does not verify this log's checkpoints: {e}"
                ))
            })?;
        }
        prepare_empty_dir(dir)?;
        let entries_len = self.entries_len();
        copy_prefix(
            &self.dir().join(ENTRIES_FILE),
            &dir.join(ENTRIES_FILE),
            entries_len,
        )?;
        copy_prefix(
            &self.dir().join(LEAVES_FILE),
            &dir.join(LEAVES_FILE),
            self.size() * HASH_LEN as u64,
        )?;
        for name in [CHECKPOINTS_FILE, COSIGNATURES_FILE] {
            let src = self.dir().join(name);
            if src.exists() {
                let complete = crate::log::journal_complete_len(&src)?;
                copy_prefix(&src, &dir.join(name), complete)?;
            }
        }
        write_synced(&dir.join(KEY_FILE), format!("{key}\n").as_bytes())?;
        write_synced(&dir.join(README_FILE), README.as_bytes())?;
        crate::log::sync_dir(dir)
    }
}

/// Verifies an export bundle with the log's public key, needing nothing else.
pub fn verify_bundle(dir: &Path, key: &VerifierKey) -> Result<VerifyReport, Error> {
    verify_bundle_with(dir, key, &VerifyOptions::default())
}

/// [`verify_bundle`] plus remembered checkpoints and witness keys.
pub fn verify_bundle_with(
    dir: &Path,
    key: &VerifierKey,
    opts: &VerifyOptions,
) -> Result<VerifyReport, Error> {
    if !dir.join(ENTRIES_FILE).exists() {
        return Err(Error::Bundle(format!(
            "{} has no {ENTRIES_FILE}: not an export bundle",
            dir.display()
        )));
    }
    verify_dir(dir, key, opts)
}

fn prepare_empty_dir(dir: &Path) -> Result<(), Error> {
    if dir.exists() && fs::read_dir(dir).at(dir)?.next().is_some() {
        return Err(Error::Bundle(format!(
            "{} is not empty; export into a new directory",
            dir.display()
        )));
    }
    fs::create_dir_all(dir).at(dir)
}

fn copy_prefix(src: &Path, dst: &Path, len: u64) -> Result<(), Error> {
    let mut input = File::open(src).at(src)?.take(len);
    let mut output = File::create(dst).at(dst)?;
    let copied = std::io::copy(&mut input, &mut output).at(dst)?;
    if copied != len {
        return Err(Error::Bundle(format!(
            "{} is shorter than expected while exporting",
            src.display()
        )));
    }
    output.sync_all().at(dst)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = File::create(path).at(path)?;
    f.write_all(bytes).at(path)?;
    f.sync_all().at(path)
}
