//! Property tests: append, prove, verify for random sizes; any single-bit change breaks it.

use proptest::prelude::*;
use qinglian_ledger::tree::{consistency_proof, inclusion_proof};
use qinglian_ledger::{Hash, Log, MemoryTree, leaf_hash, verify_consistency, verify_inclusion};

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut out = *h;
    out.0[bit / 8 % 32] ^= 1 << (bit % 8);
    out
}

fn tree(size: u64) -> MemoryTree {
    MemoryTree::from_leaf_hashes((0..size).map(|i| leaf_hash(format!("leaf {i}").as_bytes())))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn inclusion_proofs_verify_and_any_bit_flip_fails(
        size in 1u64..2100, index_seed in any::<u64>(), pick in any::<usize>(), bit in 0usize..256,
    ) {
        let t = tree(size);
        let index = index_seed % size;
        let root = t.root();
        let leaf = t.leaf(index).unwrap();
        let proof = inclusion_proof(&t, index, size).unwrap();
        prop_assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));
        prop_assert!(verify_inclusion(index, size, &leaf, &proof, &flip(&root, bit)).is_err());
        prop_assert!(verify_inclusion(index, size, &flip(&leaf, bit), &proof, &root).is_err());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let k = pick % bad.len();
            bad[k] = flip(&bad[k], bit);
            prop_assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_any_bit_flip_fails(
        new in 1u64..2100, old_seed in any::<u64>(), pick in any::<usize>(), bit in 0usize..256,
    ) {
        let t = tree(new);
        let old = 1 + old_seed % new;
        let old_root = qinglian_ledger::tree::tree_root(&t, old).unwrap();
        let new_root = t.root();
        let proof = consistency_proof(&t, old, new).unwrap();
        prop_assert_eq!(verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()));
        prop_assert!(verify_consistency(old, new, &flip(&old_root, bit), &new_root, &proof).is_err());
        prop_assert!(verify_consistency(old, new, &old_root, &flip(&new_root, bit), &proof).is_err());
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let k = pick % bad.len();
            bad[k] = flip(&bad[k], bit);
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The on-disk log (block cache, tail, leaf file) gives exactly the in-memory proofs, for
    /// random batchings, across reopen.
    #[test]
    fn disk_log_proofs_equal_memory_proofs(
        batches in proptest::collection::vec(1u64..400, 1..6), probes in proptest::collection::vec(any::<u64>(), 8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::open(dir.path()).unwrap();
        let mut next = 0u64;
        for n in &batches {
            let batch: Vec<Vec<u8>> = (next..next + n).map(|i| format!("leaf {i}").into_bytes()).collect();
            log.append_batch(&batch).unwrap();
            next += n;
        }
        let log = { drop(log); Log::open(dir.path()).unwrap() };
        let size = log.size();
        let mem = tree(size);
        prop_assert_eq!(log.root().unwrap(), mem.root());
        for p in &probes {
            let index = p % size;
            let at = 1 + (p >> 20) % size;
            prop_assert_eq!(log.root_at(at).unwrap(), qinglian_ledger::tree::tree_root(&mem, at).unwrap());
            let proof = log.inclusion_proof(index, size).unwrap();
            prop_assert_eq!(&proof, &inclusion_proof(&mem, index, size).unwrap());
            prop_assert_eq!(verify_inclusion(index, size, &log.leaf_hash(index).unwrap(), &proof, &mem.root()), Ok(()));
            prop_assert_eq!(log.consistency_proof(at, size).unwrap(), consistency_proof(&mem, at, size).unwrap());
        }
    }
}
