//! Network report → findings: one per group, cover bidder and loyal winner.

use std::collections::BTreeSet;

use qinglian_core::{Category, EvidenceRow, Finding, Severity};

use super::{Bid, MODEL_ID, NetworkReport, Params, VERSION};
use crate::emit::{Scope, evidence_at, fact, finding, model_source, num, sci};
use crate::error::{Result, check_len};

/// Evidence rows attached to one finding at most.
const MAX_ROWS: usize = 500;

/// Findings for a report computed from `bids`. A group's evidence is its members' bids on
/// the tenders they shared, and its facts carry the subgraph (`edges`, JSON). Severity: a
/// rotating group is high, another group medium; cover bidders and loyal winners medium.
pub fn findings(
    report: &NetworkReport,
    bids: &[Bid<'_>],
    evidence: &[EvidenceRow],
    p: &Params,
) -> Result<Vec<Finding>> {
    check_len("cobid evidence", bids.len(), evidence.len())?;
    let source = model_source(MODEL_ID, VERSION, p);
    let mut out = Vec::new();
    for g in &report.groups {
        let members: BTreeSet<&str> = g.members.iter().map(String::as_str).collect();
        let tenders: BTreeSet<&str> = g.tenders.iter().map(String::as_str).collect();
        let rows = (0..bids.len())
            .filter(|&i| members.contains(bids[i].bidder) && tenders.contains(bids[i].tender));
        let strongest = &g.edges[0];
        let wins: Vec<String> = g
            .wins_by_member
            .iter()
            .map(|(m, w)| format!("{m}:{w}"))
            .collect();
        let scope = Scope::new(Category::Pro, "bidder_group", &g.members.join("+"));
        let (zh_rot, en_rot) = if g.rotation {
            (
                format!(
                    "，成员轮流中标（{}，均匀度 {}）",
                    wins.join("、"),
                    num(g.evenness, 2)
                ),
                format!(
                    "; members take turns winning ({}, evenness {})",
                    wins.join(", "),
                    num(g.evenness, 2)
                ),
            )
        } else {
            (String::new(), String::new())
        };
        let mut f = finding(
            &source,
            &scope,
            if g.rotation {
                Severity::High
            } else {
                Severity::Medium
            },
            format!(
                "投标人 {} 共同投标远超随机：{} 与 {} 同场 {} 次，随机期望 {} 次（提升度 {}，p={}）；该组同场的 {} 个标段中组内中标 {} 个{}",
                g.members.join("、"),
                strongest.a,
                strongest.b,
                strongest.together,
                num(strongest.expected, 1),
                num(strongest.lift, 1),
                sci(strongest.p_value),
                g.tenders.len(),
                g.group_wins,
                zh_rot
            ),
            format!(
                "Bidders {} bid together far more than chance: {} and {} met {} times against {} expected (lift {}, p={}); of the {} tenders the group shared, members won {}{}",
                g.members.join(", "),
                strongest.a,
                strongest.b,
                strongest.together,
                num(strongest.expected, 1),
                num(strongest.lift, 1),
                sci(strongest.p_value),
                g.tenders.len(),
                g.group_wins,
                en_rot
            ),
        );
        f.evidence = evidence_at(evidence, rows, MAX_ROWS);
        fact(&mut f.facts, "members", g.members.join(","));
        fact(&mut f.facts, "shared_tenders", g.tenders.len());
        fact(&mut f.facts, "group_wins", g.group_wins);
        fact(&mut f.facts, "evenness", num(g.evenness, 3));
        fact(&mut f.facts, "rotation", g.rotation);
        fact(
            &mut f.facts,
            "edges",
            serde_json::to_string(&g.edges).unwrap_or_default(),
        );
        out.push(f);
    }
    for c in &report.cover_bidders {
        let rows = (0..bids.len()).filter(|&i| bids[i].bidder == c.bidder);
        let scope = Scope::new(Category::Pro, "company", &c.bidder);
        let mut f = finding(
            &source,
            &scope,
            Severity::Medium,
            format!(
                "疑似陪标：{} 投标 {} 次仅中标 {} 次；与其同场最多的 {}（{} 次）在其中中标 {} 次，机会均等时期望 {} 次（p={}）",
                c.bidder,
                c.bids,
                c.wins,
                c.partner,
                c.together,
                c.partner_wins_together,
                num(c.expected_partner_wins, 1),
                sci(c.p_value)
            ),
            format!(
                "Possible cover bidder: {} bid {} times and won {}; its most frequent co-bidder {} ({} tenders together) won {} of them, {} expected if the other bidders were equally likely to win (p={})",
                c.bidder,
                c.bids,
                c.wins,
                c.partner,
                c.together,
                c.partner_wins_together,
                num(c.expected_partner_wins, 1),
                sci(c.p_value)
            ),
        );
        f.evidence = evidence_at(evidence, rows, MAX_ROWS);
        fact(&mut f.facts, "bids", c.bids);
        fact(&mut f.facts, "wins", c.wins);
        fact(&mut f.facts, "partner", &c.partner);
        fact(
            &mut f.facts,
            "partner_wins_together",
            c.partner_wins_together,
        );
        fact(
            &mut f.facts,
            "expected_partner_wins",
            num(c.expected_partner_wins, 2),
        );
        fact(&mut f.facts, "p_value", sci(c.p_value));
        out.push(f);
    }
    for l in &report.loyal_winners {
        let rows = (0..bids.len()).filter(|&i| bids[i].bidder == l.bidder);
        let scope = Scope::new(Category::Pro, "company", &l.bidder);
        let mut f = finding(
            &source,
            &scope,
            Severity::Medium,
            format!(
                "{} 的 {} 次投标中 {} 次投向同一采购人 {}，并中标其中 {} 次；若每场各投标人中标机会均等，期望中标 {} 次，中标至少 {} 次的概率 p={}",
                l.bidder,
                l.bids,
                l.bids_with_buyer,
                l.buyer,
                l.wins_with_buyer,
                num(l.expected_wins, 1),
                l.wins_with_buyer,
                sci(l.p_value)
            ),
            format!(
                "{} placed {} of its {} bids with one buyer, {}, and won {} of them; if every bidder of each tender were equally likely to win, {} wins would be expected and at least {} has probability p={}",
                l.bidder,
                l.bids_with_buyer,
                l.bids,
                l.buyer,
                l.wins_with_buyer,
                num(l.expected_wins, 1),
                l.wins_with_buyer,
                sci(l.p_value)
            ),
        );
        f.evidence = evidence_at(evidence, rows, MAX_ROWS);
        fact(&mut f.facts, "buyer", &l.buyer);
        fact(&mut f.facts, "bids_with_buyer", l.bids_with_buyer);
        fact(&mut f.facts, "wins_with_buyer", l.wins_with_buyer);
        fact(&mut f.facts, "expected_wins", num(l.expected_wins, 2));
        fact(&mut f.facts, "p_value", sci(l.p_value));
        out.push(f);
    }
    Ok(out)
}
