//! Receipts: everything needed to show, offline, that one entry is in the signed log — its
//! index, its leaf hash, a signed (optionally cosigned) checkpoint, and the inclusion proof.

use crate::checkpoint::Checkpoint;
use crate::error::Error;
use crate::hash::{Hash, leaf_hash};
use crate::keys::VerifierKey;
use crate::log::Log;
use crate::proof::verify_inclusion;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Receipt {
    pub index: u64,
    pub leaf_hash: Hash,
    /// The signed checkpoint note the proof leads to.
    pub checkpoint: String,
    /// Inclusion proof, leaf to root.
    pub proof: Vec<Hash>,
}

impl Receipt {
    /// Checks the checkpoint signature with `key`, the inclusion proof, and, if given, that
    /// `entry` is the recorded bytes. Returns the checkpoint.
    pub fn verify(&self, key: &VerifierKey, entry: Option<&[u8]>) -> Result<Checkpoint, Error> {
        let checkpoint = Checkpoint::from_signed_note(&self.checkpoint, key)?;
        if let Some(bytes) = entry
            && leaf_hash(bytes) != self.leaf_hash
        {
            return Err(Error::OutOfRange(
                "these bytes are not the recorded entry (leaf hash differs)".into(),
            ));
        }
        verify_inclusion(
            self.index,
            checkpoint.size,
            &self.leaf_hash,
            &self.proof,
            &checkpoint.root,
        )?;
        Ok(checkpoint)
    }
}

impl Log {
    /// A receipt for entry `index` against the latest signed checkpoint (with its stored
    /// cosignatures). The entry must be covered by that checkpoint: sign first.
    pub fn receipt(&self, index: u64) -> Result<Receipt, Error> {
        let latest = self
            .latest_checkpoint()
            .ok_or_else(|| Error::OutOfRange("no checkpoint has been signed yet".into()))?;
        let size = latest.checkpoint.size;
        if index >= size {
            return Err(Error::OutOfRange(format!(
                "entry {index} is not covered by the latest checkpoint (size {size}); sign a checkpoint first"
            )));
        }
        Ok(Receipt {
            index,
            leaf_hash: self.leaf_hash(index)?,
            checkpoint: self
                .cosigned_checkpoint()?
                .unwrap_or_else(|| latest.note.clone()),
            proof: self.inclusion_proof(index, size)?,
        })
    }
}
