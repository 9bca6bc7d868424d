//! DEC — how meetings decide: meetings without quorum, a board that never dissents, the
//! head of unit speaking first, and the conflicted voter who does or does not recuse.

use rand::Rng;

use super::{n, r};
use crate::world::World;

/// Meetings without quorum, and the rubber-stamp board (before votes are written).
pub fn quorum_and_boards(w: &mut World) {
    let mut rng = w.rng("anomaly-dec-meetings");
    let mut done = 0;
    let with_money: Vec<usize> = (0..w.meetings.len())
        .filter(|&m| {
            w.meetings[m].kind != "board"
                && !w.mm[m].reserved
                && w.decisions
                    .iter()
                    .any(|x| x.meeting_id == w.meetings[m].meeting_id && x.amount.is_some())
        })
        .collect();
    for _ in 0..200 {
        if done >= n(w, 2) || with_money.is_empty() {
            break;
        }
        let m = with_money[rng.random_range(0..with_money.len())];
        if w.mm[m].reserved {
            continue;
        }
        w.mm[m].reserved = true;
        let keep = w.mm[m].members.len() / 2;
        let chair = w.mm[m].chair;
        let mut present: Vec<usize> = w.mm[m]
            .present
            .iter()
            .copied()
            .filter(|&p| p != chair)
            .take(keep - 1)
            .collect();
        present.push(chair);
        w.meetings[m].attendees = present.len() as i64;
        w.mm[m].present = present;
        let mid = w.meetings[m].meeting_id.clone();
        let mut rows = vec![r(&w.meetings[m])];
        rows.extend(w.decisions.iter().filter(|x| x.meeting_id == mid).map(r));
        let desc = format!(
            "会议应到{}人实到{}人，不足三分之二仍作出决策",
            w.meetings[m].members_total, w.meetings[m].attendees
        );
        w.anomaly("dec_no_quorum", desc, ("meeting", mid), rows);
        done += 1;
    }
    let boards: Vec<usize> = (0..w.meetings.len())
        .filter(|&m| w.meetings[m].unit_id == "S02" && w.meetings[m].kind == "board")
        .collect();
    let mut rows = Vec::new();
    for &m in &boards {
        w.mm[m].unanimous = true;
        let mid = w.meetings[m].meeting_id.clone();
        for x in w.decisions.iter_mut().filter(|x| x.meeting_id == mid) {
            x.outcome = "approved";
        }
        rows.extend(w.decisions.iter().filter(|x| x.meeting_id == mid).map(r));
    }
    let desc = format!(
        "江州城发物业服务有限公司董事会{}项决策全部一致通过，从无反对或弃权",
        rows.len()
    );
    w.anomaly("dec_rubber_stamp", desc, ("unit", "S02".into()), rows);
}

/// The head speaking first, and the (non-)recusals noted earlier.
pub fn votes(w: &mut World) {
    let mut rng = w.rng("anomaly-dec-votes");
    let head = w.persons[w.roles.head].person_id.clone();
    let pcs: Vec<usize> = (0..w.meetings.len())
        .filter(|&m| {
            w.meetings[m].kind == "party_committee"
                && !w.mm[m].reserved
                && w.mm[m].present.contains(&w.roles.head)
        })
        .collect();
    let mut done = 0;
    for _ in 0..200 {
        if done >= n(w, 2) || pcs.is_empty() {
            break;
        }
        let m = pcs[rng.random_range(0..pcs.len())];
        let mid = w.meetings[m].meeting_id.clone();
        if w.mm[m].reserved || !w.votes.iter().any(|v| v.meeting_id == mid) {
            continue;
        }
        w.mm[m].reserved = true;
        let mut rows = vec![r(&w.meetings[m])];
        for v in w.votes.iter_mut().filter(|v| v.meeting_id == mid) {
            if v.person_id == head {
                v.speaking_order = Some(1);
            } else {
                v.speaking_order = v.speaking_order.map(|o| o + 1);
            }
        }
        rows.extend(
            w.votes
                .iter()
                .filter(|v| v.meeting_id == mid && v.person_id == head)
                .map(r),
        );
        w.anomaly(
            "dec_head_not_last",
            "党委会上主要负责人首先发言定调，而非末位表态".into(),
            ("meeting", mid),
            rows,
        );
        done += 1;
    }
    for (tag, k, p) in w.notes.clone() {
        let (did, pid) = (
            w.decisions[k].decision_id.clone(),
            w.persons[p].person_id.clone(),
        );
        let Some(v) = w
            .votes
            .iter()
            .position(|v| v.decision_id == did && v.person_id == pid)
        else {
            continue;
        };
        let company = w.decisions[k].counterparty_company_id.clone();
        match tag {
            "conflicted" => {
                let desc = format!(
                    "{}的兄弟是相对方企业{}的法定代表人，表决时未回避",
                    w.persons[p].name, company
                );
                w.anomaly(
                    "dec_conflicted_voter",
                    desc,
                    ("decision", did),
                    vec![r(&w.votes[v]), r(&w.decisions[k])],
                );
            }
            "recused" => {
                w.votes[v].recused = Some(true);
                w.votes[v].vote = "abstain";
                let desc = format!(
                    "{}与相对方企业{}有亲属关系，已按规定回避表决（正常）",
                    w.persons[p].name, company
                );
                w.lookalike(
                    "dec_conflicted_voter",
                    desc,
                    ("decision", did),
                    vec![r(&w.votes[v]), r(&w.decisions[k])],
                );
            }
            _ => {}
        }
    }
}
