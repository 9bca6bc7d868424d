//! Relationship graph and entity resolution (MOD-RELATION): staff members connected to a
//! counterparty (supplier, payee, bidder) within k hops over typed edges — family,
//! shareholding, directorship, legal representative, and a shared phone, address or
//! account — with the path, edge by edge, as the evidence.
//!
//! **Entity resolution.** Records of one person or firm arrive from several systems under
//! different ids. Two entities are joined by a `same_identity` edge when they share an
//! identity number (a keyed hash, compared exactly), or when they are persons whose names
//! match ([`names`]: Han characters, or Han against pinyin) and they also share a phone,
//! address or account. A name alone joins nothing unless `allow_name_only` is set: 王伟 is
//! the most common name in China.
//!
//! **Shared attributes.** Entities with the same phone, address or account (as the lake holds
//! them: keyed hashes; addresses normalised by the caller) are joined by a shared-attribute
//! edge; a value held by more than `max_shared` entities (a switchboard, a registered-agent
//! address) joins nothing.
//!
//! **Search.** Breadth-first from every staff entity over the edges of the allowed kinds, in
//! both directions, up to `max_hops`; the first (shortest) path to each counterparty is kept.
//! A staff entity that is itself a counterparty is reported with an empty path (0 hops).

mod findings;
pub mod names;
pub mod pinyin;
#[cfg(test)]
mod tests;

pub use findings::findings;

use std::collections::{BTreeMap, HashMap, VecDeque};

use qinglian_core::EvidenceRow;
use serde::{Deserialize, Serialize};

pub const MODEL_ID: &str = "MOD-RELATION";
pub const VERSION: &str = "1.0.0";

/// Person or company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Person,
    Company,
}

/// A node of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity<'a> {
    pub id: &'a str,
    pub kind: EntityKind,
    pub name: &'a str,
    /// A member of staff (start of the search).
    pub staff: bool,
    /// A counterparty (end of the search).
    pub counterparty: bool,
}

/// Edge types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    Family,
    Shareholding,
    Directorship,
    LegalRepresentative,
    SharedPhone,
    SharedAddress,
    SharedAccount,
    SameIdentity,
}

impl EdgeKind {
    pub const ALL: [EdgeKind; 8] = [
        Self::Family,
        Self::Shareholding,
        Self::Directorship,
        Self::LegalRepresentative,
        Self::SharedPhone,
        Self::SharedAddress,
        Self::SharedAccount,
        Self::SameIdentity,
    ];

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Family => "亲属",
            Self::Shareholding => "持股",
            Self::Directorship => "任董监高",
            Self::LegalRepresentative => "法定代表人",
            Self::SharedPhone => "共用电话",
            Self::SharedAddress => "共用地址",
            Self::SharedAccount => "共用账户",
            Self::SameIdentity => "同一主体",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::Family => "family",
            Self::Shareholding => "shareholder of",
            Self::Directorship => "director of",
            Self::LegalRepresentative => "legal representative of",
            Self::SharedPhone => "shares a phone with",
            Self::SharedAddress => "shares an address with",
            Self::SharedAccount => "shares an account with",
            Self::SameIdentity => "same entity as",
        }
    }
}

/// A typed relation from the data (person_relations, company_links …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub kind: EdgeKind,
    /// What the data calls it (e.g. 配偶, 股东 60%), shown instead of the kind's name.
    pub label: Option<&'a str>,
    pub evidence: Option<EvidenceRow>,
}

/// Attribute kinds used for shared-attribute edges and identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrKind {
    IdNumber,
    Phone,
    Address,
    Account,
}

/// An attribute value of an entity (identifiers as keyed hashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'a> {
    pub entity: &'a str,
    pub kind: AttrKind,
    pub value: &'a str,
    pub evidence: Option<EvidenceRow>,
}

/// Parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Default 3.
    pub max_hops: usize,
    /// Attribute values shared by more entities join nothing. Default 5.
    pub max_shared: usize,
    /// Join persons on a matching name alone (names held by more than `max_shared` persons
    /// join nothing). Default false.
    pub allow_name_only: bool,
    /// Edge kinds the search may use. Default all.
    pub edge_kinds: Vec<EdgeKind>,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            max_hops: 3,
            max_shared: 5,
            allow_name_only: false,
            edge_kinds: EdgeKind::ALL.to_vec(),
        }
    }
}

/// One edge of a path, as stored (its direction may be against the walk).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathEdge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// Label from the data, or how an identity or shared attribute was established.
    pub detail: Option<String>,
    pub evidence: Vec<EvidenceRow>,
}

/// A staff member linked to a counterparty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub staff: String,
    pub counterparty: String,
    /// Entity ids along the path, staff first.
    pub nodes: Vec<String>,
    pub path: Vec<PathEdge>,
}

fn norm_attr(kind: AttrKind, v: &str) -> String {
    let v = qinglian_core::fold_width(v);
    match kind {
        AttrKind::Address => v
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect(),
        _ => v.trim().to_owned(),
    }
}

/// Shared-attribute and identity edges derived from attributes and names.
///
/// A name match only counts between persons who also share a phone, address or account,
/// unless `allow_name_only` is set; the cost is then bounded by `max_shared` per name.
pub fn derived_edges(
    entities: &[Entity<'_>],
    attributes: &[Attribute<'_>],
    p: &Params,
) -> Vec<PathEdge> {
    let mut groups: BTreeMap<(AttrKind, String), Vec<&Attribute<'_>>> = BTreeMap::new();
    for a in attributes {
        let v = norm_attr(a.kind, a.value);
        if !v.is_empty() {
            groups.entry((a.kind, v)).or_default().push(a);
        }
    }
    let mut out = Vec::new();
    // entity pair → shared attribute kinds (for name-based identity)
    let mut shared: BTreeMap<(&str, &str), Vec<AttrKind>> = BTreeMap::new();
    for ((kind, _), attrs) in &groups {
        let mut ents: Vec<&str> = attrs.iter().map(|a| a.entity).collect();
        ents.sort_unstable();
        ents.dedup();
        if ents.len() < 2 || ents.len() > p.max_shared {
            continue;
        }
        for (i, a) in ents.iter().enumerate() {
            for b in &ents[i + 1..] {
                shared.entry((a, b)).or_default().push(*kind);
                let evidence: Vec<EvidenceRow> = attrs
                    .iter()
                    .filter(|x| x.entity == *a || x.entity == *b)
                    .filter_map(|x| x.evidence.clone())
                    .collect();
                let (edge, detail) = match kind {
                    AttrKind::IdNumber => (EdgeKind::SameIdentity, "identity number"),
                    AttrKind::Phone => (EdgeKind::SharedPhone, "phone"),
                    AttrKind::Address => (EdgeKind::SharedAddress, "address"),
                    AttrKind::Account => (EdgeKind::SharedAccount, "account"),
                };
                out.push(PathEdge {
                    from: (*a).into(),
                    to: (*b).into(),
                    kind: edge,
                    detail: Some(detail.into()),
                    evidence,
                });
            }
        }
    }
    // Persons with matching names that also share a phone, address or account.
    let person: HashMap<&str, &Entity<'_>> = entities
        .iter()
        .filter(|e| e.kind == EntityKind::Person)
        .map(|e| (e.id, e))
        .collect();
    for ((a, b), kinds) in &shared {
        let kinds: Vec<&AttrKind> = kinds.iter().filter(|k| **k != AttrKind::IdNumber).collect();
        let (Some(ea), Some(eb)) = (person.get(a), person.get(b)) else {
            continue;
        };
        if kinds.is_empty() {
            continue;
        }
        if let Some(how) = names::names_match(ea.name, eb.name) {
            let via: Vec<String> = kinds
                .iter()
                .map(|k| format!("{k:?}").to_lowercase())
                .collect();
            out.push(PathEdge {
                from: (*a).into(),
                to: (*b).into(),
                kind: EdgeKind::SameIdentity,
                detail: Some(format!("name ({how:?}) + {}", via.join(", ")).to_lowercase()),
                evidence: Vec::new(),
            });
        }
    }
    if p.allow_name_only {
        out.extend(name_only_edges(entities, &shared, p));
    }
    out
}

/// Identity edges on a matching name alone. Candidates share a spelling bucket; a name
/// spelled the same by more than `max_shared` persons joins nothing (王伟 is not evidence).
fn name_only_edges(
    entities: &[Entity<'_>],
    shared: &BTreeMap<(&str, &str), Vec<AttrKind>>,
    p: &Params,
) -> Vec<PathEdge> {
    let mut buckets: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, e) in entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EntityKind::Person)
    {
        let han = names::han_key(e.name);
        let mut keys = if han.is_empty() {
            names::latin_keys(e.name)
        } else {
            pinyin::spellings(&han, 16)
        };
        if !han.is_empty() {
            keys.push(han);
        }
        for k in keys {
            buckets.entry(k).or_default().push(i);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let mut keys: Vec<&String> = buckets.keys().collect();
    keys.sort();
    for k in keys {
        let idx = &buckets[k];
        if idx.len() > p.max_shared {
            continue;
        }
        for (x, &i) in idx.iter().enumerate() {
            for &j in &idx[x + 1..] {
                let (a, b) = (
                    entities[i].id.min(entities[j].id),
                    entities[i].id.max(entities[j].id),
                );
                if a == b || shared.contains_key(&(a, b)) || !seen.insert((a, b)) {
                    continue;
                }
                if names::names_match(entities[i].name, entities[j].name).is_some() {
                    out.push(PathEdge {
                        from: a.into(),
                        to: b.into(),
                        kind: EdgeKind::SameIdentity,
                        detail: Some("name only".into()),
                        evidence: Vec::new(),
                    });
                }
            }
        }
    }
    out
}

/// Staff-to-counterparty connections within `max_hops`, ordered by staff, then hops, then
/// counterparty.
pub fn connections(
    entities: &[Entity<'_>],
    links: &[Link<'_>],
    attributes: &[Attribute<'_>],
    p: &Params,
) -> Vec<Connection> {
    let id: HashMap<&str, usize> = entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id, i))
        .collect();
    let mut edges: Vec<PathEdge> = links
        .iter()
        .map(|l| PathEdge {
            from: l.from.into(),
            to: l.to.into(),
            kind: l.kind,
            detail: l.label.map(String::from),
            evidence: l.evidence.iter().cloned().collect(),
        })
        .collect();
    edges.extend(derived_edges(entities, attributes, p));
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); entities.len()];
    for (k, e) in edges.iter().enumerate() {
        if !p.edge_kinds.contains(&e.kind) {
            continue;
        }
        if let (Some(&a), Some(&b)) = (id.get(e.from.as_str()), id.get(e.to.as_str()))
            && a != b
        {
            adj[a].push((b, k));
            adj[b].push((a, k));
        }
    }
    let mut out = Vec::new();
    for (s, start) in entities.iter().enumerate().filter(|(_, e)| e.staff) {
        let mut prev: HashMap<usize, (usize, usize)> = HashMap::new();
        let mut depth: HashMap<usize, usize> = HashMap::from([(s, 0)]);
        let mut queue = VecDeque::from([s]);
        let mut found = Vec::new();
        while let Some(v) = queue.pop_front() {
            if entities[v].counterparty {
                found.push(v);
            }
            let d = depth[&v];
            if d == p.max_hops {
                continue;
            }
            for &(u, k) in &adj[v] {
                if let std::collections::hash_map::Entry::Vacant(e) = depth.entry(u) {
                    e.insert(d + 1);
                    prev.insert(u, (v, k));
                    queue.push_back(u);
                }
            }
        }
        for c in found {
            let (mut nodes, mut path) = (vec![c], Vec::new());
            let mut at = c;
            while let Some(&(v, k)) = prev.get(&at) {
                path.push(edges[k].clone());
                nodes.push(v);
                at = v;
            }
            nodes.reverse();
            path.reverse();
            out.push(Connection {
                staff: start.id.into(),
                counterparty: entities[c].id.into(),
                nodes: nodes.iter().map(|&i| entities[i].id.to_owned()).collect(),
                path,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.staff, a.path.len(), &a.counterparty).cmp(&(&b.staff, b.path.len(), &b.counterparty))
    });
    out
}
