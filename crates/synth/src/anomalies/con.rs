//! CON — construction projects: large or repeated variations, payment ahead of certified
//! progress, projects split to stay under the tender threshold, works started before
//! approval, subcontracts to losing bidders, paper-fast completion, final accounts over
//! budget.

use chrono::Days;
use rand::Rng;
use rand::seq::SliceRandom;

use super::{n, r};
use crate::construction::{self, Built, ProjectPlan, change};
use crate::funds::pay_company;
use crate::governance::{self, Body, Matter};
use crate::procurement;
use crate::records::{Contract, Project};
use crate::truth::RowRef;
use crate::world::{World, d};
use crate::writer::Money;

fn early_plan(w: &World, rng: &mut impl Rng, months: u32) -> ProjectPlan {
    let mut p = construction::normal_plan(w, rng);
    p.proposed = w.rand_workday(rng, d(2024, 1, 15), d(2024, 6, 30));
    p.months = months;
    p
}

fn pid(w: &World, b: &Built) -> (&'static str, String) {
    ("project", w.projects[b.project].project_id.clone())
}

pub fn inject(w: &mut World) {
    let mut rng = w.rng("anomaly-con");
    let rng = &mut rng;
    for _ in 0..n(w, 2) {
        let plan = early_plan(w, rng, 14);
        let b = construction::project(w, rng, &plan);
        let c = b.contract;
        let start = w.contracts[c].start_on.expect("set");
        let amount = w.contracts[c].amount;
        let mut rows = vec![r(&w.contracts[c])];
        for (k, share) in [rng.random_range(0.2..0.3), rng.random_range(0.3..0.45)]
            .into_iter()
            .enumerate()
        {
            let day = w.add_wd(start, 60 + 50 * k as u32);
            let ch = change(w, c, day, amount.scale(share), "设计变更，增加工程内容");
            rows.push(r(&w.changes[ch]));
        }
        w.anomaly(
            "con_large_change_order",
            "两次变更累计增加合同金额50%以上".into(),
            pid(w, &b),
            rows,
        );
    }
    for _ in 0..n(w, 2) {
        let plan = early_plan(w, rng, 14);
        let b = construction::project(w, rng, &plan);
        let c = b.contract;
        let start = w.contracts[c].start_on.expect("set");
        let amount = w.contracts[c].amount;
        let mut rows = vec![r(&w.contracts[c])];
        for k in 0..4 {
            let day = w.add_wd(start, 30 + 35 * k);
            let ch = change(
                w,
                c,
                day,
                amount.scale(rng.random_range(0.02..0.04)),
                "现场签证",
            );
            rows.push(r(&w.changes[ch]));
        }
        w.anomaly(
            "con_many_amendments",
            "同一合同变更签证4次".into(),
            pid(w, &b),
            rows,
        );
    }
    {
        let plan = early_plan(w, rng, 12);
        let b = construction::project(w, rng, &plan);
        let c = b.contract;
        let day = w.add_wd(w.contracts[c].start_on.expect("set"), 80);
        let ch = change(
            w,
            c,
            day,
            w.contracts[c].amount.scale(0.06),
            "设计变更，局部调整",
        );
        w.lookalike(
            "con_large_change_order",
            "单次变更增加6%，在10%以内（正常）".into(),
            pid(w, &b),
            vec![r(&w.changes[ch])],
        );
    }
    for _ in 0..n(w, 2) {
        ahead(w, rng);
    }
    for _ in 0..n(w, 2) {
        split(w, rng);
    }
    for _ in 0..n(w, 2) {
        let plan = early_plan(w, rng, 12);
        let b = construction::project(w, rng, &plan);
        let approved = w.projects[b.project].approved_on.expect("set");
        let start = w.workday_from(approved - Days::new(rng.random_range(30..60)));
        w.projects[b.project].start_on = Some(start);
        w.contracts[b.contract].start_on = Some(start);
        let rows = vec![r(&w.projects[b.project]), r(&w.contracts[b.contract])];
        w.anomaly(
            "con_start_before_approval",
            "项目立项决策前已开工".into(),
            pid(w, &b),
            rows.clone(),
        );
        let tender = b.tender.tender;
        w.anomaly(
            "pro_work_before_award",
            "工程在定标前已开工".into(),
            ("tender", w.tenders[tender].tender_id.clone()),
            vec![r(&w.tenders[tender]), r(&w.contracts[b.contract])],
        );
    }
    for k in 0..=n(w, 2) {
        let lookalike = k == n(w, 2);
        let plan = early_plan(w, rng, 14);
        let b = construction::project(w, rng, &plan);
        let main = w.contracts[b.contract].clone();
        let loser_bid = b.tender.bids[1];
        let sub = if lookalike {
            let pool = crate::suppliers::regular_of(w, "decoration");
            w.companies[pool[0]].company_id.clone()
        } else {
            w.bids[loser_bid].company_id.clone()
        };
        let id = w.next_id("HT", 5);
        let signed = w.add_wd(main.start_on.expect("set"), 45);
        w.contracts.push(Contract {
            contract_id: id,
            unit_id: main.unit_id.clone(),
            supplier_company_id: sub,
            title: format!("{}专业分包", main.title),
            kind: "works",
            amount: main.amount.scale(rng.random_range(0.3..0.45)),
            signed_on: signed,
            start_on: Some(w.add_wd(signed, 5)),
            planned_end_on: main.planned_end_on,
            project_id: main.project_id.clone(),
            parent_contract_id: main.contract_id.clone(),
            ..Contract::default()
        });
        let s = w.contracts.len() - 1;
        if lookalike {
            w.lookalike(
                "con_subcontract_to_loser",
                "分包给未参与投标的专业企业（正常）".into(),
                pid(w, &b),
                vec![r(&w.contracts[s])],
            );
        } else {
            w.anomaly(
                "con_subcontract_to_loser",
                "中标人将工程分包给同一项目的落标人".into(),
                pid(w, &b),
                vec![r(&w.contracts[s]), r(&w.bids[loser_bid])],
            );
        }
    }
    for _ in 0..n(w, 2) {
        let mut plan = early_plan(w, rng, 12);
        plan.done_after_days = Some(rng.random_range(40..70));
        let b = construction::project(w, rng, &plan);
        w.anomaly(
            "con_completion_too_fast",
            "计划工期12个月的工程不到70天即竣工".into(),
            pid(w, &b),
            vec![r(&w.projects[b.project]), r(&w.contracts[b.contract])],
        );
    }
    for _ in 0..n(w, 2) {
        let plan = early_plan(w, rng, 8);
        let b = construction::project(w, rng, &plan);
        let budget = w.projects[b.project].budget.expect("set");
        w.projects[b.project]
            .completed_on
            .get_or_insert(d(2025, 9, 30));
        w.projects[b.project].settlement_amount = Some(budget.scale(rng.random_range(1.18..1.35)));
        w.anomaly(
            "con_settlement_over_budget",
            "竣工结算超出批复概算15%以上".into(),
            pid(w, &b),
            vec![r(&w.projects[b.project])],
        );
    }
}

/// Progress payments that jump to 70 % of the contract at the third certification.
fn ahead(w: &mut World, rng: &mut impl Rng) {
    let mut plan = early_plan(w, rng, 16);
    plan.pay = false;
    let b = construction::project(w, rng, &plan);
    let c = b.contract;
    let (amount, cid, unit) = (
        w.contracts[c].amount,
        w.contracts[c].contract_id.clone(),
        w.contracts[c].unit_id.clone(),
    );
    let company = w
        .company_index(&w.contracts[c].supplier_company_id)
        .expect("exists");
    let mut paid = Money(0);
    for (i, &m) in b.milestones.iter().enumerate() {
        let ms = w.milestones[m].clone();
        let due = if ms.completion_pct >= 100.0 {
            amount.scale(0.97)
        } else {
            amount.scale(0.8 * ms.completion_pct / 100.0)
        };
        let due = if i >= 2 {
            due.max(amount.scale(0.7))
        } else {
            due
        };
        let day = w.add_wd(ms.certified_on, 5);
        if due.0 - paid.0 > 100_000 && day <= World::end() {
            let k = pay_company(
                w,
                rng,
                &unit,
                day,
                due - paid,
                company,
                format!("工程进度款（第{}期）", i + 1),
                "31005",
                &cid,
            );
            paid = due;
            if i == 2 {
                let desc = format!("经确认完成{}%时累计付款已达合同金额70%", ms.completion_pct);
                w.anomaly(
                    "con_payment_ahead_of_progress",
                    desc,
                    pid(w, &b),
                    vec![RowRef::Payment(k), r(&w.milestones[m])],
                );
            }
        }
    }
}

/// One project split into three works lots, each negotiated just under the tender threshold.
fn split(w: &mut World, rng: &mut impl Rng) {
    let budget = Money::yuan(rng.random_range(26..30) * 100_000);
    let proposed = w.rand_workday(rng, d(2024, 2, 1), d(2024, 9, 30));
    let pid = w.next_id("GC", 4);
    let name = format!(
        "{}配套道路工程",
        crate::names::pick(rng, &["城东", "城西", "高新", "湖滨"])
    );
    let unit = "D16";
    let matter = Matter {
        category: "major_project",
        title: format!("关于{name}立项的议题"),
        amount: Some(budget),
        project_id: pid.clone(),
        ..Matter::default()
    };
    let dec = governance::decide(w, Body::PartyCommittee, proposed, matter);
    let approved = w.decisions[dec].decided_on;
    let mut rows = Vec::new();
    let mut first_start = None;
    let mut used = Vec::new();
    for lot in 1..=3 {
        let day = w.add_wd(approved, 10 + 5 * lot);
        let mut p = procurement::normal_plan(w, rng, "works", Money::yuan(950_000), day);
        p.method = "competitive_negotiation";
        p.period_days = 5;
        p.unit = unit.into();
        p.project_id.clone_from(&pid);
        p.title = format!("{name}（标段{lot}）");
        p.win_ratio = rng.random_range(0.85..0.94);
        let mut pool = crate::suppliers::regular_of(w, "works");
        pool.retain(|b| !used.contains(b));
        pool.shuffle(rng);
        p.bidders = pool.into_iter().take(rng.random_range(3..6)).collect();
        used.push(p.bidders[0]);
        let o = procurement::run(w, rng, &p);
        let c = o.contract.expect("awarded");
        first_start = first_start.or(w.contracts[c].start_on);
        rows.push(r(&w.contracts[c]));
    }
    w.projects.push(Project {
        project_id: pid.clone(),
        unit_id: unit.into(),
        name,
        approved_on: Some(approved),
        decision_id: w.decisions[dec].decision_id.clone(),
        budget: Some(budget),
        start_on: first_start,
        planned_completion_on: first_start.map(|s| s + chrono::Months::new(10)),
        ..Project::default()
    });
    rows.insert(0, r(w.projects.last().expect("pushed")));
    w.anomaly(
        "con_split_to_avoid_tender",
        "同一工程拆成三个标段竞争性谈判，单个低于100万元公开招标限额".into(),
        ("project", pid),
        rows,
    );
}
