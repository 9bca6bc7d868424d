//! The transparency-dev/merkle probes and the reference tree, read from the shared data set.

use std::fs;
use std::path::{Path, PathBuf};

use qinglian_ledger::hash::hash_children;
use qinglian_ledger::tree::{consistency_proof, inclusion_proof, tree_root};
use qinglian_ledger::{
    Hash, HashError, MemoryTree, ProofError, empty_root, leaf_hash, root_from_inclusion_proof,
    verify_consistency, verify_inclusion,
};
use serde::Deserialize;

use crate::common::{TLOG, read_vector, tlog_path};

/// The one probe whose roots are 12-byte placeholders (see the data README).
const PLACEHOLDER: &str = "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InclusionProbe {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyProbe {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    #[serde(rename = "wantErr")]
    want_err: bool,
}

/// Every .json file under testdata/<kind>, recursively (subtree* directories are siblings of
/// `kind`, so they are not included).
fn probe_files(kind: &str) -> Vec<PathBuf> {
    let root = tlog_path(&format!("transparency-dev-merkle/testdata/{kind}"));
    let mut out = Vec::new();
    walk(&root, &mut out);
    out.sort();
    assert!(
        !out.is_empty(),
        "no probe files under {}: the shared data set at {TLOG} is missing",
        root.display()
    );
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("probe directory {} is missing ({e})", dir.display()));
    for e in entries {
        let path = e.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
}

fn hashes(list: &Option<Vec<String>>) -> Result<Vec<Hash>, HashError> {
    list.iter()
        .flatten()
        .map(|s| Hash::from_base64(s))
        .collect()
}

fn reference() -> (Vec<Vec<u8>>, Vec<Hash>) {
    let v: serde_json::Value =
        serde_json::from_str(&read_vector(&tlog_path("reference_tree.json"))).unwrap();
    let inputs = v["leaf_inputs_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| hex::decode(x.as_str().unwrap()).unwrap())
        .collect();
    let roots = v["root_by_tree_size_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| Hash::from_hex(x.as_str().unwrap()).unwrap())
        .collect();
    (inputs, roots)
}

fn reference_tree() -> MemoryTree {
    MemoryTree::from_leaf_hashes(reference().0.iter().map(|d| leaf_hash(d)))
}

#[derive(Default, Debug)]
struct Tally {
    verified: usize,
    rejected_by_verifier: usize,
    rejected_at_parse: usize,
    matched_generated: usize,
}

#[test]
fn every_inclusion_probe_is_decided_as_expected() {
    let files = probe_files("inclusion");
    assert_eq!(
        files.len(),
        98,
        "the data README promises 98 inclusion probes"
    );
    let tree = reference_tree();
    let mut t = Tally::default();
    for f in &files {
        let p: InclusionProbe = serde_json::from_str(&read_vector(f)).unwrap();
        let name = format!("{} ({})", f.display(), p.desc);
        let parsed = (|| {
            Ok::<_, HashError>((
                Hash::from_base64(&p.leaf_hash)?,
                Hash::from_base64(&p.root)?,
                hashes(&p.proof)?,
            ))
        })();
        let Ok((leaf, root, proof)) = parsed else {
            assert!(
                p.want_err,
                "{name}: wantErr:false but its hashes are not 32 bytes"
            );
            t.rejected_at_parse += 1;
            continue;
        };
        let result = verify_inclusion(p.leaf_idx, p.tree_size, &leaf, &proof, &root);
        if p.want_err {
            assert!(result.is_err(), "{name}: must be rejected");
            t.rejected_by_verifier += 1;
            continue;
        }
        result.unwrap_or_else(|e| panic!("{name}: must verify: {e}"));
        assert_eq!(
            root_from_inclusion_proof(p.leaf_idx, p.tree_size, &leaf, &proof),
            Ok(root)
        );
        t.verified += 1;
        if p.tree_size <= 8 && tree_root(&tree, p.tree_size).unwrap() == root {
            assert_eq!(
                inclusion_proof(&tree, p.leaf_idx, p.tree_size).unwrap(),
                proof,
                "{name}: generated proof differs"
            );
            t.matched_generated += 1;
        }
    }
    eprintln!("inclusion probes: {t:?}");
    assert_eq!(
        t.verified + t.rejected_by_verifier + t.rejected_at_parse,
        98
    );
    assert!(t.verified >= 5 && t.matched_generated >= 5, "{t:?}");
}

#[test]
fn every_consistency_probe_is_decided_as_expected() {
    let files = probe_files("consistency");
    assert_eq!(
        files.len(),
        98,
        "the data README promises 98 consistency probes"
    );
    let tree = reference_tree();
    let mut t = Tally::default();
    let mut placeholder_seen = false;
    for f in &files {
        let p: ConsistencyProbe = serde_json::from_str(&read_vector(f)).unwrap();
        let name = format!("{} ({})", f.display(), p.desc);
        let parsed = (|| {
            Ok::<_, HashError>((
                Hash::from_base64(&p.root1)?,
                Hash::from_base64(&p.root2)?,
                hashes(&p.proof)?,
            ))
        })();
        let Ok((root1, root2, proof)) = parsed else {
            if !p.want_err {
                assert!(
                    f.ends_with(PLACEHOLDER),
                    "{name}: only the placeholder probe may fail to parse"
                );
                check_placeholder_probe(&p);
                placeholder_seen = true;
            }
            t.rejected_at_parse += 1;
            continue;
        };
        let result = verify_consistency(p.size1, p.size2, &root1, &root2, &proof);
        if p.want_err {
            assert!(result.is_err(), "{name}: must be rejected");
            t.rejected_by_verifier += 1;
            continue;
        }
        result.unwrap_or_else(|e| panic!("{name}: must verify: {e}"));
        t.verified += 1;
        let generated_tree = p.size2 <= 8 && tree_root(&tree, p.size2).unwrap() == root2;
        if generated_tree && p.size1 > 0 {
            assert_eq!(
                consistency_proof(&tree, p.size1, p.size2).unwrap(),
                proof,
                "{name}: generated proof differs"
            );
            t.matched_generated += 1;
        }
    }
    eprintln!("consistency probes: {t:?}");
    assert!(
        placeholder_seen,
        "the placeholder probe {PLACEHOLDER} was not found"
    );
    assert_eq!(
        t.verified + t.rejected_by_verifier + t.rejected_at_parse,
        98
    );
    assert!(t.verified >= 5 && t.matched_generated >= 5, "{t:?}");
}

/// The placeholder probe is rejected at parse time for its 12-byte roots, and its logic (equal
/// sizes, empty proof, equal roots) is accepted once the roots are real hashes.
fn check_placeholder_probe(p: &ConsistencyProbe) {
    assert_eq!(Hash::from_base64(&p.root1), Err(HashError::Length(12)));
    assert!(!p.want_err && p.size1 == 1 && p.size2 == 1 && p.root1 == p.root2);
    let stand_in = leaf_hash(b"stand-in root");
    assert_eq!(verify_consistency(1, 1, &stand_in, &stand_in, &[]), Ok(()));
}

#[test]
fn reference_tree_roots_for_every_size() {
    let (inputs, roots) = reference();
    assert_eq!(roots.len(), 9);
    assert_eq!(roots[0], empty_root());
    for n in 0..=8 {
        let t = MemoryTree::from_leaf_hashes(inputs[..n].iter().map(|d| leaf_hash(d)));
        assert_eq!(t.root(), roots[n], "root of size {n}");
    }
}

#[test]
fn reference_hasher_checks() {
    let v: serde_json::Value =
        serde_json::from_str(&read_vector(&tlog_path("reference_tree.json"))).unwrap();
    let c = &v["hasher_checks"];
    let want = |k: &str| Hash::from_hex(c[k].as_str().unwrap()).unwrap();
    assert_eq!(empty_root(), want("empty_root"));
    assert_eq!(leaf_hash(b""), want("leaf('')"));
    assert_eq!(leaf_hash(b"L123456"), want("leaf('L123456')"));
    assert_eq!(hash_children(b"N123", b"N456"), want("node('N123','N456')"));
}

#[test]
fn every_proof_in_the_reference_tree_verifies() {
    let (inputs, roots) = reference();
    let tree = reference_tree();
    for size in 1..=8u64 {
        for i in 0..size {
            let proof = inclusion_proof(&tree, i, size).unwrap();
            verify_inclusion(
                i,
                size,
                &leaf_hash(&inputs[i as usize]),
                &proof,
                &roots[size as usize],
            )
            .unwrap();
        }
        for old in 1..=size {
            let proof = consistency_proof(&tree, old, size).unwrap();
            verify_consistency(
                old,
                size,
                &roots[old as usize],
                &roots[size as usize],
                &proof,
            )
            .unwrap();
        }
    }
    assert_eq!(
        verify_consistency(0, 8, &roots[0], &roots[8], &[]),
        Err(ProofError::EmptyOldTree)
    );
}
