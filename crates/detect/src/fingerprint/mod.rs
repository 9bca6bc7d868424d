//! Bid fingerprint collisions (MOD-FINGERPRINT): competing bidders on one tender whose bids
//! share a machine or an account — the same IP or MAC address, the same file hash, the same
//! document author, the same deposit account or phone — or whose bid documents are near
//! copies (MinHash over character shingles, see [`minhash`]).
//!
//! Independent firms prepare their bids on their own computers and pay deposits from their
//! own accounts; one person preparing several "competing" bids leaves the same traces in all
//! of them. Values that many unrelated bids share by default (`127.0.0.1`, `Administrator`,
//! an empty author) are ignored through `ignore_values`.

pub mod minhash;

use std::collections::{BTreeMap, HashMap};

use qinglian_core::{Category, EvidenceRow, Finding, Severity};
use serde::{Deserialize, Serialize};

use crate::emit::{Scope, evidence_at, fact, finding, model_source, num};
use crate::error::{Result, check_len};

pub const MODEL_ID: &str = "MOD-FINGERPRINT";
pub const VERSION: &str = "1.0.0";

/// The traces compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trace {
    Ip,
    Mac,
    FileHash,
    Author,
    DepositAccount,
    Phone,
}

impl Trace {
    pub const ALL: [Trace; 6] = [
        Self::Ip,
        Self::Mac,
        Self::FileHash,
        Self::Author,
        Self::DepositAccount,
        Self::Phone,
    ];

    /// Snake-case key, as serialised.
    pub fn key(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Mac => "mac",
            Self::FileHash => "file_hash",
            Self::Author => "author",
            Self::DepositAccount => "deposit_account",
            Self::Phone => "phone",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Ip => "IP 地址",
            Self::Mac => "MAC 地址",
            Self::FileHash => "文件哈希",
            Self::Author => "文档作者",
            Self::DepositAccount => "保证金账户",
            Self::Phone => "联系电话",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::Ip => "IP address",
            Self::Mac => "MAC address",
            Self::FileHash => "file hash",
            Self::Author => "document author",
            Self::DepositAccount => "deposit account",
            Self::Phone => "phone",
        }
    }
}

/// One bid (or one bid file) with its traces; accounts and phones as the lake holds them
/// (keyed hashes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BidTraces<'a> {
    pub tender: &'a str,
    pub bidder: &'a str,
    pub ip: Option<&'a str>,
    pub mac: Option<&'a str>,
    pub file_hash: Option<&'a str>,
    pub author: Option<&'a str>,
    pub deposit_account: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// Text of the bid document (technical proposal), where given.
    pub text: Option<&'a str>,
}

impl BidTraces<'_> {
    fn get(&self, t: Trace) -> Option<&str> {
        match t {
            Trace::Ip => self.ip,
            Trace::Mac => self.mac,
            Trace::FileHash => self.file_hash,
            Trace::Author => self.author,
            Trace::DepositAccount => self.deposit_account,
            Trace::Phone => self.phone,
        }
    }
}

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Values never counted as shared (compared after normalisation: trimmed, lower case,
    /// MAC separators removed).
    pub ignore_values: Vec<String>,
    /// Texts with estimated Jaccard similarity at least this are near copies. Default 0.8.
    pub text_similarity: f64,
    /// Shingle length in characters. Default 5.
    pub shingle: usize,
    /// MinHash slots. Default 128.
    pub slots: usize,
    /// Texts shorter than this many characters are not compared. Default 50.
    pub min_text_chars: usize,
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            ignore_values: [
                "",
                "0.0.0.0",
                "127.0.0.1",
                "::1",
                "000000000000",
                "ffffffffffff",
                "unknown",
                "none",
                "null",
                "admin",
                "administrator",
                "user",
                "微软用户",
                "微软中国",
                "sky123.org",
                "wps",
            ]
            .map(String::from)
            .to_vec(),
            text_similarity: 0.8,
            shingle: 5,
            slots: 128,
            min_text_chars: 50,
            seed: 0x5eed,
        }
    }
}

/// Two bidders on one tender whose bids share traces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collision {
    pub tender: String,
    /// The two bidders, sorted.
    pub bidders: (String, String),
    /// Each shared trace with the shared value.
    pub shared: Vec<(Trace, String)>,
    /// Estimated text similarity, when the texts are near copies.
    pub text_similarity: Option<f64>,
    /// Input positions of the bids involved.
    pub rows: Vec<usize>,
}

fn norm(t: Trace, v: &str) -> String {
    let v = qinglian_core::fold_width(v).trim().to_lowercase();
    match t {
        Trace::Mac => v.chars().filter(char::is_ascii_hexdigit).collect(),
        _ => v,
    }
}

/// The pair record for the bidders of bids `a` and `b`.
fn entry<'m, 'a>(
    pairs: &'m mut BTreeMap<(&'a str, &'a str), Collision>,
    bids: &[BidTraces<'a>],
    tender: &str,
    a: usize,
    b: usize,
) -> &'m mut Collision {
    let (x, y) = (
        bids[a].bidder.min(bids[b].bidder),
        bids[a].bidder.max(bids[b].bidder),
    );
    pairs.entry((x, y)).or_insert_with(|| Collision {
        tender: tender.to_owned(),
        bidders: (x.to_owned(), y.to_owned()),
        shared: Vec::new(),
        text_similarity: None,
        rows: Vec::new(),
    })
}

/// Finds the collisions, ordered by tender then bidders.
pub fn find(bids: &[BidTraces<'_>], p: &Params) -> Vec<Collision> {
    let mut by_tender: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, b) in bids.iter().enumerate() {
        by_tender.entry(b.tender).or_default().push(i);
    }
    let mut out = Vec::new();
    for (tender, rows) in by_tender {
        let mut pairs: BTreeMap<(&str, &str), Collision> = BTreeMap::new();
        for t in Trace::ALL {
            let mut by_value: HashMap<String, Vec<usize>> = HashMap::new();
            for &i in &rows {
                if let Some(v) = bids[i]
                    .get(t)
                    .map(|v| norm(t, v))
                    .filter(|v| !p.ignore_values.contains(v))
                {
                    by_value.entry(v).or_default().push(i);
                }
            }
            let mut values: Vec<_> = by_value.into_iter().collect();
            values.sort();
            for (v, idx) in values {
                for (k, &a) in idx.iter().enumerate() {
                    for &b in &idx[k + 1..] {
                        if bids[a].bidder != bids[b].bidder {
                            let c = entry(&mut pairs, bids, tender, a, b);
                            if !c.shared.contains(&(t, v.clone())) {
                                c.shared.push((t, v.clone()));
                            }
                            c.rows.extend([a, b]);
                        }
                    }
                }
            }
        }
        let sigs: Vec<(usize, Vec<u64>)> = rows
            .iter()
            .filter_map(|&i| {
                let text = bids[i].text?;
                (minhash::normalise(text).len() >= p.min_text_chars).then(|| {
                    (
                        i,
                        minhash::signature(&minhash::shingles(text, p.shingle), p.slots, p.seed),
                    )
                })
            })
            .collect();
        for (k, (a, sa)) in sigs.iter().enumerate() {
            for (b, sb) in &sigs[k + 1..] {
                let sim = minhash::estimate(sa, sb);
                if bids[*a].bidder != bids[*b].bidder && sim >= p.text_similarity {
                    let c = entry(&mut pairs, bids, tender, *a, *b);
                    c.text_similarity = Some(c.text_similarity.map_or(sim, |s: f64| s.max(sim)));
                    c.rows.extend([*a, *b]);
                }
            }
        }
        for mut c in pairs.into_values() {
            c.rows.sort_unstable();
            c.rows.dedup();
            out.push(c);
        }
    }
    out
}

/// One finding per colliding pair, about the tender. Severity high for a shared deposit
/// account, file hash or MAC address, or near-copy documents; medium otherwise.
pub fn findings(
    collisions: &[Collision],
    bids: &[BidTraces<'_>],
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("fingerprint evidence", bids.len(), evidence.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    Ok(collisions
        .iter()
        .map(|c| {
            let strong = c.text_similarity.is_some()
                || c.shared.iter().any(|(t, _)| {
                    matches!(t, Trace::DepositAccount | Trace::FileHash | Trace::Mac)
                });
            let mut zh: Vec<String> = c
                .shared
                .iter()
                .map(|(t, _)| t.name_zh().to_owned())
                .collect();
            let mut en: Vec<String> = c
                .shared
                .iter()
                .map(|(t, _)| t.name_en().to_owned())
                .collect();
            if let Some(s) = c.text_similarity {
                zh.push(format!("投标文件文本相似度 {}", num(s, 2)));
                en.push(format!("bid documents {} similar (MinHash)", num(s, 2)));
            }
            zh.dedup();
            en.dedup();
            let scope = Scope::new(Category::Pro, "tender", &c.tender);
            let mut f = finding(
                &source,
                &scope,
                if strong {
                    Severity::High
                } else {
                    Severity::Medium
                },
                format!(
                    "同一标段的竞争投标人 {} 与 {} 存在相同{}",
                    c.bidders.0,
                    c.bidders.1,
                    zh.join("、")
                ),
                format!(
                    "Competing bidders {} and {} on this tender share: {}",
                    c.bidders.0,
                    c.bidders.1,
                    en.join(", ")
                ),
            );
            f.evidence = evidence_at(evidence, c.rows.iter().copied(), usize::MAX);
            fact(&mut f.facts, "bidder_a", &c.bidders.0);
            fact(&mut f.facts, "bidder_b", &c.bidders.1);
            for (t, v) in &c.shared {
                fact(&mut f.facts, &format!("shared.{}", t.key()), v);
            }
            if let Some(s) = c.text_similarity {
                fact(&mut f.facts, "text_similarity", num(s, 3));
            }
            f
        })
        .collect())
}

#[cfg(test)]
mod tests;
