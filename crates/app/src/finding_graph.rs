//! The picture behind a network finding: the relationship path of MOD-RELATION (staff to
//! counterparty, edge by edge) or the co-bidding subgraph of MOD-COBID (who bid with whom,
//! how often, against chance), as plain nodes and labelled links that a page can draw and a
//! person can read as a list.
//!
//! It reads only what the detectors wrote into the finding's facts (`path`, `edges`); a
//! finding without them has no graph. It does not lay the graph out.

use std::collections::BTreeSet;

use qinglian_core::Finding;
use qinglian_detect::cobid::PairEdge;
use qinglian_detect::relations::PathEdge;
use serde::Serialize;

/// One link, labelled in both languages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphLink {
    pub source: String,
    pub target: String,
    pub label_zh: String,
    pub label_en: String,
}

/// Nodes (ids as the data names them) and links.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingGraph {
    /// `relation_path` or `cobid_group`.
    pub kind: &'static str,
    pub nodes: Vec<String>,
    pub links: Vec<GraphLink>,
}

/// The graph a finding carries, if any. Facts that do not parse give no graph rather than an
/// error: the finding itself still stands and shows its explanation and rows.
pub fn finding_graph(f: &Finding) -> Option<FindingGraph> {
    if let Some(path) = f.facts.get("path") {
        let edges: Vec<PathEdge> = serde_json::from_str(path).ok()?;
        let links = edges
            .iter()
            .map(|e| {
                let detail = e.detail.as_deref().unwrap_or("");
                let with = |name: &str| {
                    if detail.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{name} ({detail})")
                    }
                };
                GraphLink {
                    source: e.from.clone(),
                    target: e.to.clone(),
                    label_zh: with(e.kind.name_zh()),
                    label_en: with(e.kind.name_en()),
                }
            })
            .collect();
        return Some(graph("relation_path", links));
    }
    if let Some(edges) = f.facts.get("edges") {
        let edges: Vec<PairEdge> = serde_json::from_str(edges).ok()?;
        let links = edges
            .iter()
            .map(|e| GraphLink {
                source: e.a.clone(),
                target: e.b.clone(),
                label_zh: format!(
                    "共同投标 {} 次（随机预期 {:.1} 次，提升 {:.1} 倍）",
                    e.together, e.expected, e.lift
                ),
                label_en: format!(
                    "bid together {} times (chance {:.1}, lift {:.1}×)",
                    e.together, e.expected, e.lift
                ),
            })
            .collect();
        return Some(graph("cobid_group", links));
    }
    None
}

fn graph(kind: &'static str, links: Vec<GraphLink>) -> FindingGraph {
    // Nodes in the order they first appear, so a path reads from staff to counterparty.
    let mut seen = BTreeSet::new();
    let mut nodes = Vec::new();
    for l in &links {
        for n in [&l.source, &l.target] {
            if seen.insert(n.clone()) {
                nodes.push(n.clone());
            }
        }
    }
    FindingGraph { kind, nodes, links }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use qinglian_core::{Category, FindingSource, Severity, SourceKind, Subject};
    use qinglian_detect::relations::EdgeKind;

    use super::*;

    fn finding(facts: BTreeMap<String, String>) -> Finding {
        Finding {
            source: FindingSource {
                kind: SourceKind::Model,
                id: "MOD-RELATION".into(),
                version: "1.0.0".into(),
                content_hash: "h".into(),
            },
            category: Category::Coi,
            severity: Severity::High,
            subject: Subject {
                kind: "person".into(),
                id: "P1".into(),
                name: None,
            },
            department: None,
            amount: None,
            occurred_on: None,
            explanation_zh: String::new(),
            explanation_en: String::new(),
            evidence: Vec::new(),
            facts,
        }
    }

    #[test]
    fn a_relationship_path_becomes_links_in_order() {
        let path = vec![
            PathEdge {
                from: "P1".into(),
                to: "P2".into(),
                kind: EdgeKind::Family,
                detail: Some("spouse".into()),
                evidence: Vec::new(),
            },
            PathEdge {
                from: "P2".into(),
                to: "C9".into(),
                kind: EdgeKind::Shareholding,
                detail: None,
                evidence: Vec::new(),
            },
        ];
        let mut facts = BTreeMap::new();
        facts.insert("path".into(), serde_json::to_string(&path).unwrap());
        let g = finding_graph(&finding(facts)).unwrap();
        assert_eq!(g.kind, "relation_path");
        assert_eq!(g.nodes, vec!["P1", "P2", "C9"]);
        assert_eq!(g.links[0].label_zh, "亲属 (spouse)");
        assert_eq!(g.links[1].label_en, EdgeKind::Shareholding.name_en());
    }

    #[test]
    fn a_cobidding_group_becomes_weighted_links() {
        let edges = vec![PairEdge {
            a: "C1".into(),
            b: "C2".into(),
            together: 12,
            bids_a: 14,
            bids_b: 13,
            expected: 1.5,
            lift: 8.0,
            p_value: 1e-9,
        }];
        let mut facts = BTreeMap::new();
        facts.insert("edges".into(), serde_json::to_string(&edges).unwrap());
        let g = finding_graph(&finding(facts)).unwrap();
        assert_eq!(g.kind, "cobid_group");
        assert_eq!(g.nodes, vec!["C1", "C2"]);
        assert!(g.links[0].label_zh.contains("12 次"), "{:?}", g.links);
    }

    #[test]
    fn no_facts_or_broken_facts_give_no_graph() {
        assert!(finding_graph(&finding(BTreeMap::new())).is_none());
        let mut facts = BTreeMap::new();
        facts.insert("path".into(), "not json".into());
        assert!(finding_graph(&finding(facts)).is_none());
    }
}
