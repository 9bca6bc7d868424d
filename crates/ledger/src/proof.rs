//! Verification of inclusion and consistency proofs, step by step as RFC 9162 §2.1.3.2 and
//! §2.1.4.2 write them, plus the explicit checks the RFC leaves implicit (proof length, size
//! order, the empty old tree) so that every malformed proof is rejected with its reason.
//!
//! These functions are pure: they never touch storage and trust nothing but their arguments.
//! Proof *generation* lives in [`crate::tree`].

use crate::hash::{Hash, node_hash};

/// Why a proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not below the tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the proof has {got} hashes but must have {want} for these sizes")]
    WrongLength { got: usize, want: usize },
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizesReversed { old: u64, new: u64 },
    #[error("a consistency proof from the empty tree proves nothing and is refused")]
    EmptyOldTree,
    #[error("the sizes differ, so the consistency proof cannot be empty")]
    EmptyProof,
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,
    #[error("the proof does not lead to the expected old root hash")]
    OldRootMismatch,
}

/// Number of hashes in an inclusion proof for `index` in a tree of `size` (`index < size`):
/// the levels below the point where the paths to `index` and `size - 1` part (inner), plus
/// one left-sibling per set bit above it (border).
pub fn inclusion_proof_len(index: u64, size: u64) -> usize {
    debug_assert!(index < size);
    let inner = inner_len(index, size);
    inner + (index >> inner).count_ones() as usize
}

/// Number of hashes in a consistency proof from `old` to `new` (`0 < old < new`).
pub fn consistency_proof_len(old: u64, new: u64) -> usize {
    debug_assert!(0 < old && old < new);
    let inner = inner_len(old - 1, new);
    let border = ((old - 1) >> inner).count_ones() as usize;
    let shift = old.trailing_zeros() as usize;
    // When `old` is a power of two its root is the first path element and is not sent.
    let seed = usize::from(!old.is_power_of_two());
    seed + (inner - shift) + border
}

fn inner_len(index: u64, size: u64) -> usize {
    (64 - (index ^ (size - 1)).leading_zeros()) as usize
}

/// Recomputes the root from a leaf hash and its inclusion proof (RFC 9162 §2.1.3.2 steps 1–5,
/// without the final comparison).
pub fn root_from_inclusion_proof(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let want = inclusion_proof_len(index, size);
    if proof.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want,
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            // Skip the levels where this node is a lone right-border node with no sibling.
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    Ok(r)
}

/// RFC 9162 §2.1.3.2: does `proof` show that `leaf` is entry `index` of the tree of `size`
/// leaves whose root is `root`?
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(index, size, leaf, proof)?;
    if &computed != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: does `proof` show that the tree of `old` leaves with `old_root` is a
/// prefix of the tree of `new` leaves with `new_root`?
///
/// Equal sizes need an empty proof and equal roots. An old size of 0 is refused: every tree
/// extends the empty one, so such a "proof" carries no information (callers that accept
/// "anything after nothing", like a witness seeing a log for the first time, decide that
/// themselves).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    check_consistency_shape(old, new, proof)?;
    if old == new {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let (computed_old, computed_new) = chain_consistency(old, new, old_root, proof)?;
    if &computed_old != old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if &computed_new != new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

fn check_consistency_shape(old: u64, new: u64, proof: &[Hash]) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizesReversed { old, new });
    }
    if old == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if old == new {
        return match proof.len() {
            0 => Ok(()),
            got => Err(ProofError::WrongLength { got, want: 0 }),
        };
    }
    if proof.is_empty() {
        return Err(ProofError::EmptyProof);
    }
    let want = consistency_proof_len(old, new);
    if proof.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2 steps 2–7 for `0 < old < new` with a non-empty proof of the right
/// length: returns the recomputed (old root, new root).
fn chain_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    proof: &[Hash],
) -> Result<(Hash, Hash), ProofError> {
    // Step 2: a power-of-two old tree is itself a complete subtree; its root seeds the path.
    let mut path: Vec<&Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(old_root);
    }
    path.extend(proof.iter());
    let (mut f_n, mut s_n) = (old - 1, new - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (*path[0], *path[0]);
    for c in &path[1..] {
        if s_n == 0 {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: consistency_proof_len(old, new),
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want: consistency_proof_len(old, new),
        });
    }
    Ok((f_r, s_r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn single_leaf_tree_needs_an_empty_proof() {
        let leaf = leaf_hash(b"a");
        assert_eq!(verify_inclusion(0, 1, &leaf, &[], &leaf), Ok(()));
        assert_eq!(
            verify_inclusion(0, 1, &leaf, &[leaf], &leaf),
            Err(ProofError::WrongLength { got: 1, want: 0 })
        );
    }

    #[test]
    fn index_at_or_past_size_is_refused() {
        let leaf = leaf_hash(b"a");
        assert_eq!(
            verify_inclusion(1, 1, &leaf, &[], &leaf),
            Err(ProofError::IndexOutOfRange { index: 1, size: 1 })
        );
        assert!(verify_inclusion(0, 0, &leaf, &[], &leaf).is_err());
    }

    #[test]
    fn consistency_shapes_are_checked_before_hashing() {
        let h = leaf_hash(b"a");
        assert_eq!(
            verify_consistency(2, 1, &h, &h, &[]),
            Err(ProofError::SizesReversed { old: 2, new: 1 })
        );
        assert_eq!(
            verify_consistency(0, 0, &h, &h, &[]),
            Err(ProofError::EmptyOldTree)
        );
        assert_eq!(
            verify_consistency(0, 3, &h, &h, &[]),
            Err(ProofError::EmptyOldTree)
        );
        assert_eq!(
            verify_consistency(1, 2, &h, &h, &[]),
            Err(ProofError::EmptyProof)
        );
        assert_eq!(verify_consistency(3, 3, &h, &h, &[]), Ok(()));
        assert_eq!(
            verify_consistency(3, 3, &h, &h, &[h]),
            Err(ProofError::WrongLength { got: 1, want: 0 })
        );
    }

    #[test]
    fn proof_lengths_match_known_shapes() {
        // 7-leaf tree: leaf 6 is a lone right node, its proof is two hashes.
        assert_eq!(inclusion_proof_len(6, 7), 2);
        assert_eq!(inclusion_proof_len(0, 8), 3);
        assert_eq!(inclusion_proof_len(0, 1), 0);
        // RFC 9162 §2.1.5 examples: PROOF(3, D[7]) has 4 hashes, PROOF(4, D[7]) has 1.
        assert_eq!(consistency_proof_len(3, 7), 4);
        assert_eq!(consistency_proof_len(4, 7), 1);
        assert_eq!(consistency_proof_len(6, 7), 3);
    }
}
