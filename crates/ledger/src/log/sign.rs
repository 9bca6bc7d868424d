//! Signing checkpoints, and keeping witness cosignatures.

use super::files::{
    CHECKPOINTS_FILE, COSIGNATURES_FILE, CheckpointLine, CosignatureLine, append_json_line,
};
use super::{Log, read_checkpoint_lines, read_cosignature_lines};
use crate::checkpoint::{Checkpoint, SignedCheckpoint};
use crate::cosignature::verify_cosignature;
use crate::error::Error;
use crate::hash::{Hash, empty_root};
use crate::keys::{KeyKind, SignerKey, VerifierKey};
use crate::note::{Note, NoteSignature};
use crate::proof::verify_consistency;
use crate::tree::{NodeSource, consistency_proof};

impl Log {
    /// Signs a checkpoint for the current tree (origin = the key's name) and stores it.
    ///
    /// Refuses to sign a tree smaller than the last signed one, or one that a consistency
    /// proof from the stored leaves cannot link to it. If nothing was appended since, the
    /// latest checkpoint is returned unchanged. The stored latest checkpoint must verify with
    /// `signer`'s public key (key rotation is not supported).
    pub fn sign_checkpoint(&mut self, signer: &SignerKey) -> Result<SignedCheckpoint, Error> {
        self.check_writable()?;
        signer.require(KeyKind::Note)?;
        let root = self.root()?;
        if let Some(last) = &self.latest {
            let previous =
                Checkpoint::from_signed_note(&last.note, &signer.verifier()).map_err(|e| {
                    Error::RefuseToSign(format!(
                        "the latest stored checkpoint does not verify with this key: {e}"
                    ))
                })?;
            if previous.origin != signer.name() {
                return Err(Error::RefuseToSign(format!(
                    "the log's origin is {:?}, the key is named {:?}",
                    previous.origin,
                    signer.name()
                )));
            }
            check_extends(&previous, self.size, &root, self)?;
            if previous.size == self.size {
                return Ok(last.clone());
            }
        }
        let checkpoint = Checkpoint::new(signer.name(), self.size, root);
        let note = checkpoint.sign(signer)?;
        let line = CheckpointLine { note: note.clone() };
        self.journal_write(|dir| append_json_line(dir, CHECKPOINTS_FILE, &line))?;
        let signed = SignedCheckpoint { checkpoint, note };
        self.latest = Some(signed.clone());
        Ok(signed)
    }

    /// Every stored checkpoint, oldest first (parsed, not verified).
    pub fn checkpoints(&self) -> Result<Vec<SignedCheckpoint>, Error> {
        read_checkpoint_lines(&self.dir)?
            .into_iter()
            .map(|line| {
                let line = line.map_err(|d| self.corrupt(format!("{CHECKPOINTS_FILE}: {d}")))?;
                let note = Note::parse(&line.note)?;
                Ok(SignedCheckpoint {
                    checkpoint: Checkpoint::parse_text(&note.text)?,
                    note: line.note,
                })
            })
            .collect()
    }

    /// Checks a witness's add-checkpoint response against `checkpoint` (one of this log's
    /// stored checkpoints) and keeps every valid cosignature from `witness`. Returns how many
    /// were kept; lines from other keys are ignored, an invalid line from `witness` is an error.
    pub fn add_cosignatures(
        &mut self,
        checkpoint: &SignedCheckpoint,
        witness: &VerifierKey,
        response: &str,
    ) -> Result<usize, Error> {
        self.check_writable()?;
        if !self
            .checkpoints()?
            .iter()
            .any(|c| c.note == checkpoint.note)
        {
            return Err(Error::OutOfRange(
                "that checkpoint was not signed by this log".into(),
            ));
        }
        let text = checkpoint.checkpoint.to_text();
        let mut kept = 0;
        for line in response.lines().filter(|l| !l.is_empty()) {
            let sig = NoteSignature::parse_line(line)?;
            if sig.name != witness.name() || sig.key_id != witness.key_id() {
                continue;
            }
            verify_cosignature(&text, line, witness)?;
            let entry = CosignatureLine {
                size: checkpoint.checkpoint.size,
                signature: sig.to_line(),
            };
            self.journal_write(|dir| append_json_line(dir, COSIGNATURES_FILE, &entry))?;
            kept += 1;
        }
        if kept == 0 {
            return Err(Error::OutOfRange(format!(
                "the response holds no cosignature from {}",
                witness.name()
            )));
        }
        Ok(kept)
    }

    /// The tlog-witness add-checkpoint body asking a witness whose latest cosigned size for
    /// this log is `witness_size` to cosign the latest checkpoint.
    pub fn witness_request(&self, witness_size: u64) -> Result<String, Error> {
        let latest = self
            .latest
            .as_ref()
            .ok_or_else(|| Error::OutOfRange("no checkpoint has been signed yet".into()))?;
        let size = latest.checkpoint.size;
        let proof = match witness_size {
            0 => Vec::new(),
            old => self.consistency_proof(old, size)?,
        };
        Ok(crate::witness::add_checkpoint_body(
            witness_size,
            &proof,
            &latest.note,
        ))
    }

    /// Verifies this log's files (see [`crate::verify`]).
    pub fn verify(
        &self,
        key: &VerifierKey,
        opts: &crate::verify::VerifyOptions,
    ) -> Result<crate::verify::VerifyReport, Error> {
        crate::verify::verify_dir(&self.dir, key, opts)
    }

    /// The latest checkpoint note with every stored cosignature for it appended: verifiable
    /// with the log key alone, or with the log key and witness keys.
    pub fn cosigned_checkpoint(&self) -> Result<Option<String>, Error> {
        let Some(latest) = &self.latest else {
            return Ok(None);
        };
        let mut note = latest.note.clone();
        for line in read_cosignature_lines(&self.dir)?.into_iter().flatten() {
            if line.size == latest.checkpoint.size && !note.contains(&line.signature) {
                note.push_str(&line.signature);
            }
        }
        Ok(Some(note))
    }
}

/// Refuses unless the tree (`size`, `root`) extends `previous`: never smaller, the same root
/// at the same size, otherwise a consistency proof generated from `src` must link the roots.
pub(crate) fn check_extends<S: NodeSource + ?Sized>(
    previous: &Checkpoint,
    size: u64,
    root: &Hash,
    src: &S,
) -> Result<(), Error> {
    let refuse = |why: String| Err(Error::RefuseToSign(why));
    if size < previous.size {
        return refuse(format!(
            "the log has {size} entries but a checkpoint for {} was already signed; a log never signs a smaller tree",
            previous.size
        ));
    }
    if previous.size == 0 || size == previous.size {
        let expected = if previous.size == 0 {
            empty_root()
        } else {
            *root
        };
        if previous.root != expected {
            return refuse(format!(
                "the stored entries no longer match the checkpoint already signed for size {}",
                previous.size
            ));
        }
        return Ok(());
    }
    let proof = consistency_proof(src, previous.size, size)?;
    verify_consistency(previous.size, size, &previous.root, root, &proof).or_else(|e| {
        refuse(format!(
            "the stored entries are not consistent with the checkpoint signed for size {} ({e}); they were changed after signing",
            previous.size
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::MemoryTree;

    fn tree(n: u64, salt: u8) -> MemoryTree {
        MemoryTree::from_leaf_hashes((0..n).map(|i| leaf_hash(&[salt, i as u8])))
    }

    #[test]
    fn extending_is_allowed_rewriting_and_shrinking_are_not() {
        let t = tree(10, 0);
        let at6 = Checkpoint::new("o", 6, crate::tree::tree_root(&t, 6).unwrap());
        assert!(check_extends(&at6, 10, &t.root(), &t).is_ok());
        assert!(check_extends(&at6, 6, &at6.root, &t).is_ok());
        let forked = tree(10, 1);
        assert!(matches!(
            check_extends(&at6, 10, &forked.root(), &forked),
            Err(Error::RefuseToSign(_))
        ));
        let at10 = Checkpoint::new("o", 10, t.root());
        let small = tree(6, 0);
        assert!(
            matches!(check_extends(&at10, 6, &small.root(), &small), Err(Error::RefuseToSign(m)) if m.contains("smaller"))
        );
        assert!(check_extends(&at10, 10, &forked.root(), &forked).is_err());
    }
}
