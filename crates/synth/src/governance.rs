//! Collective decision-making (三重一大): the meeting calendar of the party committee,
//! the executive meeting and the subsidiaries' boards, decisions taken at them, and the
//! votes with speaking order (the chair, the head of unit, speaks last).

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;

use crate::org::SUBSIDIARIES;
use crate::records::{Decision, Meeting, MeetingVote};
use crate::world::{GROUP, MeetingMeta, World};
use crate::writer::Money;

/// Which body decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    PartyCommittee,
    Executive,
    Board(&'static str),
}

impl Body {
    fn kind(self) -> &'static str {
        match self {
            Self::PartyCommittee => "party_committee",
            Self::Executive => "executive_meeting",
            Self::Board(_) => "board",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Self::Board(u) => u,
            _ => GROUP,
        }
    }
}

/// Schedules the meetings of every body over the period.
pub fn schedule(w: &mut World) {
    let mut rng = w.rng("meetings");
    let weeks: Vec<NaiveDate> = World::start()
        .iter_weeks()
        .take_while(|x| *x <= World::end())
        .collect();
    for (k, monday) in weeks.iter().enumerate() {
        let (body, offset) = if k % 2 == 0 {
            (Body::PartyCommittee, 1)
        } else {
            (Body::Executive, 3)
        };
        let day = w.workday_from(*monday + chrono::Days::new(offset));
        if day <= World::end() {
            add_meeting(w, &mut rng, body, day);
        }
        if k % 4 == 2 {
            for (unit, ..) in SUBSIDIARIES {
                let day = w.workday_from(*monday + chrono::Days::new(2));
                if day <= World::end() {
                    add_meeting(w, &mut rng, Body::Board(unit), day);
                }
            }
        }
    }
}

fn members(w: &World, body: Body) -> (Vec<usize>, usize) {
    match body {
        Body::PartyCommittee => (w.roles.party_committee.clone(), w.roles.head),
        Body::Executive => (w.roles.executive.clone(), w.roles.gm),
        Body::Board(u) => {
            let staff = w.staff_of(u);
            let mut m: Vec<usize> = staff
                .iter()
                .copied()
                .filter(|&i| w.persons[i].grade == "G2")
                .collect();
            m.extend(
                staff
                    .iter()
                    .copied()
                    .filter(|&i| {
                        w.persons[i].grade == "G3"
                            && w.active(i, World::start())
                            && w.persons[i].leave_date.is_none()
                    })
                    .take(2),
            );
            let chair = m[0];
            m.retain(|&x| x != chair);
            m.push(chair);
            (m, chair)
        }
    }
}

/// Adds a meeting of `body` on `day`; returns its index.
pub fn add_meeting(w: &mut World, rng: &mut impl Rng, body: Body, day: NaiveDate) -> usize {
    let (members, chair) = members(w, body);
    let mut present = members.clone();
    if rng.random_bool(0.25) {
        let k = rng.random_range(0..present.len() - 1);
        present.remove(k);
    }
    let id = w.next_id("HY", 5);
    w.meetings.push(Meeting {
        meeting_id: id,
        unit_id: body.unit().into(),
        kind: body.kind(),
        held_on: day,
        members_total: members.len() as i64,
        attendees: present.len() as i64,
        chair_id: w.persons[chair].person_id.clone(),
    });
    w.mm.push(MeetingMeta {
        members,
        present,
        chair,
        ..MeetingMeta::default()
    });
    w.meetings.len() - 1
}

/// The first meeting of `body` held on or after `day` (the last one if none is later).
pub fn meeting_after(w: &World, body: Body, day: NaiveDate) -> usize {
    let unit = body.unit();
    let kind = body.kind();
    let mut last = None;
    for (i, m) in w.meetings.iter().enumerate() {
        if m.unit_id == unit && m.kind == kind {
            if m.held_on >= day {
                return i;
            }
            last = Some(i);
        }
    }
    last.expect("every body meets (this is a bug)")
}

/// What a decision is about.
#[derive(Clone, Debug, Default)]
pub struct Matter {
    pub category: &'static str,
    pub title: String,
    pub amount: Option<Money>,
    pub counterparty: String,
    pub contract_id: String,
    pub project_id: String,
    pub matter_ref: String,
}

/// Takes a decision on `matter` at the first meeting of `body` on or after `day`.
pub fn decide(w: &mut World, body: Body, day: NaiveDate, matter: Matter) -> usize {
    let m = meeting_after(w, body, day);
    let (mid, held, unit) = (
        w.meetings[m].meeting_id.clone(),
        w.meetings[m].held_on,
        w.meetings[m].unit_id.clone(),
    );
    let id = w.next_id("JC", 5);
    w.decisions.push(Decision {
        decision_id: id,
        unit_id: unit,
        category: matter.category,
        title: matter.title,
        amount: matter.amount,
        meeting_id: mid,
        decided_on: held,
        decided_by: "meeting",
        outcome: "approved",
        counterparty_company_id: matter.counterparty,
        contract_id: matter.contract_id,
        project_id: matter.project_id,
        matter_ref: matter.matter_ref,
        ..Decision::default()
    });
    w.decisions.len() - 1
}

/// A decision signed by one person instead of a meeting.
pub fn sign(w: &mut World, signer: usize, unit: &str, day: NaiveDate, matter: Matter) -> usize {
    let id = w.next_id("JC", 5);
    w.decisions.push(Decision {
        decision_id: id,
        unit_id: unit.into(),
        category: matter.category,
        title: matter.title,
        amount: matter.amount,
        decided_on: day,
        decided_by: "individual",
        outcome: "approved",
        signer_id: w.persons[signer].person_id.clone(),
        counterparty_company_id: matter.counterparty,
        contract_id: matter.contract_id,
        project_id: matter.project_id,
        matter_ref: matter.matter_ref,
        ..Decision::default()
    });
    w.decisions.len() - 1
}

const ROUTINE: &[&str] = &[
    "年度工作要点",
    "内部控制制度修订",
    "安全生产责任制调整",
    "年度预算草案",
    "薪酬分配方案",
    "党风廉政建设责任清单",
    "对外投资管理办法修订",
    "年度审计计划",
    "国有资产出租管理办法",
    "采购管理办法修订",
    "巡察整改方案",
    "年度考核办法",
];

/// Routine major matters without money, a few deferred or rejected.
pub fn routine(w: &mut World) {
    let mut rng = w.rng("routine");
    for m in 0..w.meetings.len() {
        if !rng.random_bool(0.6) {
            continue;
        }
        let held = w.meetings[m].held_on;
        let body = match w.meetings[m].kind {
            "party_committee" => Body::PartyCommittee,
            "board" => Body::Board(crate::procurement::unit_static(&w.meetings[m].unit_id)),
            _ => Body::Executive,
        };
        let title = format!(
            "研究{}年{}",
            held.year(),
            ROUTINE[rng.random_range(0..ROUTINE.len())]
        );
        let k = decide(
            w,
            body,
            held,
            Matter {
                category: "major_decision",
                title,
                ..Matter::default()
            },
        );
        if rng.random_bool(0.06) {
            w.decisions[k].outcome = if rng.random_bool(0.5) {
                "deferred"
            } else {
                "rejected"
            };
        }
    }
}

/// Writes the votes of every meeting decision: present members in turn, chair last.
pub fn votes(w: &mut World) {
    let mut rng = w.rng("votes");
    let by_meeting: std::collections::HashMap<String, usize> = w
        .meetings
        .iter()
        .enumerate()
        .map(|(i, m)| (m.meeting_id.clone(), i))
        .collect();
    for k in 0..w.decisions.len() {
        let Some(&m) = by_meeting.get(&w.decisions[k].meeting_id) else {
            continue;
        };
        let meta = &w.mm[m];
        let mut order: Vec<usize> = meta
            .present
            .iter()
            .copied()
            .filter(|&p| p != meta.chair)
            .collect();
        order.shuffle(&mut rng);
        if meta.present.contains(&meta.chair) {
            order.push(meta.chair);
        }
        let outcome = w.decisions[k].outcome;
        let dissent_ok = !meta.unanimous && outcome == "approved";
        for (pos, &p) in order.iter().enumerate() {
            let rate = if w.meetings[m].kind == "board" {
                0.08
            } else {
                0.03
            };
            let vote = match outcome {
                "rejected" => "against",
                "deferred" => "abstain",
                _ if dissent_ok && p != meta.chair && rng.random_bool(rate) => {
                    if rng.random_bool(0.5) {
                        "against"
                    } else {
                        "abstain"
                    }
                }
                _ => "for",
            };
            w.votes.push(MeetingVote {
                meeting_id: w.meetings[m].meeting_id.clone(),
                decision_id: w.decisions[k].decision_id.clone(),
                person_id: w.persons[p].person_id.clone(),
                vote,
                speaking_order: Some(pos as i64 + 1),
                recused: Some(false),
            });
        }
    }
}
