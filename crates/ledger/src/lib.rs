//! qinglian's tamper-evident ledger (存证): an append-only RFC 9162 Merkle log on local disk,
//! with C2SP signed checkpoints, witness cosignatures, and offline verification.
//!
//! What it does:
//! - [`hash`], [`proof`], [`tree`]: RFC 9162 leaf/node hashing, tree roots, inclusion and
//!   consistency proofs (generation over any [`tree::NodeSource`], verification exactly as
//!   RFC 9162 §2.1.3.2 / §2.1.4.2 with every malformed case rejected).
//! - [`log`]: the durable [`Log`]: batched appends that are fsynced before they are
//!   acknowledged, crash recovery to the last complete batch, proofs in microseconds at ten
//!   million entries, and [`Log::sign_checkpoint`], which never signs a tree that is smaller
//!   than or inconsistent with the last signed one.
//! - [`keys`], [`note`], [`checkpoint`], [`cosignature`]: Ed25519 keys in C2SP text form,
//!   C2SP signed notes, tlog-checkpoint bodies and tlog-cosignature/v1.
//! - [`witness`]: the state logic of a C2SP tlog-witness `add-checkpoint` endpoint, with the
//!   HTTP status each outcome maps to.
//! - [`verify`], [`bundle`], [`receipt`]: whole-log verification that pinpoints the first
//!   altered, removed, inserted or reordered entry and any forged, inconsistent or rolled-back
//!   checkpoint; self-contained export bundles an auditor verifies with the public key alone;
//!   per-entry receipts.
//!
//! What it deliberately does not do: it knows nothing of warnings, cases, evidence files or
//! any other qinglian type (entries are opaque bytes), imports no other qinglian crate, speaks
//! no HTTP, reads no environment or configuration, and writes no key files (callers store the
//! strings from [`SignerKey::to_key_string`] with mode 0600). It is not a blockchain: there is
//! no consensus, only one writer whose honesty signed checkpoints and witnesses make checkable.

pub mod bundle;
pub mod checkpoint;
pub mod cosignature;
pub mod error;
pub mod hash;
pub mod keys;
pub mod log;
pub mod note;
pub mod proof;
pub mod receipt;
pub mod record;
pub mod tree;
pub mod verify;
pub mod witness;

pub use bundle::{verify_bundle, verify_bundle_with};
pub use checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
pub use cosignature::{cosign, verify_cosignature};
pub use error::Error;
pub use hash::{Hash, HashError, empty_root, leaf_hash, node_hash};
pub use keys::{KeyError, KeyKind, SignerKey, VerifierKey};
pub use log::Log;
pub use note::{NoteError, sign_note, verify_note};
pub use proof::{ProofError, root_from_inclusion_proof, verify_consistency, verify_inclusion};
pub use receipt::Receipt;
pub use tree::{MemoryTree, NodeSource};
pub use verify::{Problem, VerifyOptions, VerifyReport, verify_dir};
pub use witness::{Witness, WitnessError, WitnessState, add_checkpoint_body};
