//! DEC — major-matter decisions (三重一大): missing, late, split, one-person or exceeded
//! decisions, a threshold set far too high, and the conflicted member whose vote
//! `meetings` labels once the votes exist.

use chrono::Days;
use rand::Rng;

use super::{fresh_company, n, r};
use crate::governance::{self, Matter};
use crate::procurement::{self, Outcome};
use crate::truth::RowRef;
use crate::world::{LARGE_FUND, World, d};
use crate::writer::Money;
use crate::{funds, org, suppliers};

/// A large goods or services purchase (2.5–4 million), optionally without its decision.
pub(super) fn large_purchase(w: &mut World, rng: &mut impl Rng, decide: bool) -> Outcome {
    let cat = crate::names::pick(rng, &["it", "equipment"]);
    let est = Money::yuan(rng.random_range(25..40) * 100_000);
    let published = w.rand_workday(rng, d(2024, 2, 1), d(2025, 5, 31));
    let mut plan = procurement::normal_plan(w, rng, cat, est, published);
    plan.unit = if cat == "it" {
        "D13".into()
    } else {
        "D10".into()
    };
    plan.decide = decide;
    procurement::run(w, rng, &plan)
}

pub fn structure(w: &mut World) {
    let mut rng = w.rng("anomaly-dec");
    let rng = &mut rng;
    for _ in 0..n(w, 2) {
        let out = large_purchase(w, rng, false);
        let c = out.contract.expect("awarded");
        let mut rows = vec![r(&w.contracts[c])];
        rows.extend(
            out.payments
                .iter()
                .filter(|&&p| w.payments[p].amount >= Money::yuan(LARGE_FUND))
                .map(|&p| RowRef::Payment(p)),
        );
        let desc = format!(
            "合同{}金额{}元，支付达到大额资金标准，但无任何集体决策记录",
            w.contracts[c].contract_id,
            w.contracts[c].amount.as_f64()
        );
        w.anomaly(
            "dec_large_payment_no_decision",
            desc,
            ("contract", w.contracts[c].contract_id.clone()),
            rows,
        );
    }
    for _ in 0..n(w, 2) {
        let out = large_purchase(w, rng, true);
        let (c, k) = (out.contract.expect("awarded"), out.decision.expect("large"));
        let first = out.payments[0];
        let m = governance::meeting_after(
            w,
            governance::Body::PartyCommittee,
            w.payments[first].paid_on + Days::new(3),
        );
        w.decisions[k].meeting_id = w.meetings[m].meeting_id.clone();
        w.decisions[k].decided_on = w.meetings[m].held_on;
        let desc = format!(
            "合同{}已于{}签订并付款，{}才上会决策",
            w.contracts[c].contract_id, w.contracts[c].signed_on, w.decisions[k].decided_on
        );
        let rows = vec![
            r(&w.decisions[k]),
            r(&w.contracts[c]),
            RowRef::Payment(first),
        ];
        w.anomaly(
            "dec_decision_after_fact",
            desc,
            ("decision", w.decisions[k].decision_id.clone()),
            rows,
        );
        let early: Vec<RowRef> = out
            .payments
            .iter()
            .filter(|&&p| {
                w.payments[p].paid_on < w.decisions[k].decided_on
                    && w.payments[p].amount >= Money::yuan(LARGE_FUND)
            })
            .map(|&p| RowRef::Payment(p))
            .collect();
        if !early.is_empty() {
            let desc = format!(
                "合同{}的大额付款早于其集体决策，付款时尚无决策",
                w.contracts[c].contract_id
            );
            w.anomaly(
                "dec_large_payment_no_decision",
                desc,
                ("contract", w.contracts[c].contract_id.clone()),
                early,
            );
        }
    }
    for i in 0..n(w, 2) {
        split(w, rng, i);
    }
    for _ in 0..n(w, 2) {
        let signer = if rng.random_bool(0.5) {
            w.roles.head
        } else {
            w.roles.gm
        };
        let amount = Money::yuan(rng.random_range(10..60) * 1_000_000);
        let day = w.rand_workday(rng, d(2024, 3, 1), d(2025, 10, 31));
        let title = format!(
            "关于为江州城发置业有限公司提供{}万元借款担保的事项",
            amount.0 / 1_000_000
        );
        let k = governance::sign(
            w,
            signer,
            crate::world::GROUP,
            day,
            Matter {
                category: "major_decision",
                title,
                amount: Some(amount),
                ..Matter::default()
            },
        );
        let desc = format!(
            "{}万元对外担保属重大事项，由{}个人签批，未经集体决策",
            amount.0 / 1_000_000,
            w.persons[signer].name
        );
        w.anomaly(
            "dec_individual_major",
            desc,
            ("decision", w.decisions[k].decision_id.clone()),
            vec![r(&w.decisions[k])],
        );
    }
    for _ in 0..n(w, 2) {
        let out = large_purchase(w, rng, true);
        let (c, k) = (out.contract.expect("awarded"), out.decision.expect("large"));
        let approved = w.contracts[c]
            .amount
            .scale(1.0 / rng.random_range(1.2..1.45));
        let approved = Money::yuan(approved.0 / 100_000 * 1000);
        w.decisions[k].amount = Some(approved);
        let desc = format!(
            "决策批准金额{}元，合同实际签订{}元，超出{:.0}%",
            approved.as_f64(),
            w.contracts[c].amount.as_f64(),
            (w.contracts[c].amount.as_f64() / approved.as_f64() - 1.0) * 100.0
        );
        w.anomaly(
            "dec_execution_exceeds",
            desc,
            ("decision", w.decisions[k].decision_id.clone()),
            vec![r(&w.decisions[k]), r(&w.contracts[c])],
        );
    }
    for _ in 0..n(w, 2) {
        conflicted(w, rng, false);
    }
    conflicted(w, rng, true);
    let s3 = w
        .units
        .iter()
        .position(|u| u.unit_id == "S03")
        .expect("S03 exists");
    w.units[s3].large_fund_threshold = Some(Money::yuan(20_000_000));
    let desc =
        "下属企业大额资金标准设为2000万元，远高于集团（50万元）及其他下属企业（30万元）".to_owned();
    w.anomaly(
        "dec_threshold_too_high",
        desc,
        ("unit", "S03".into()),
        vec![r(&w.units[s3])],
    );
}

/// Three individually signed decisions on one matter, each under the threshold.
fn split(w: &mut World, rng: &mut impl Rng, i: usize) {
    let company = fresh_company(w, rng, "decoration");
    let matter_ref = format!("SX{:04}", i + 1);
    let mut day = w.rand_workday(rng, d(2024, 3, 1), d(2025, 6, 30));
    let mut rows = Vec::new();
    let mut total = Money(0);
    let name = format!(
        "{}办公区改造",
        crate::names::pick(rng, &["东区", "西区", "北楼", "南楼"])
    );
    for part in ["一期", "二期", "三期"] {
        let amount = Money::yuan(rng.random_range(280..330) * 1000);
        total = total + amount;
        let cid = w.next_id("HT", 5);
        let title = format!("{name}{part}");
        let matter = Matter {
            category: "large_fund",
            title: format!("关于{title}工程款的审批"),
            amount: Some(amount),
            counterparty: w.companies[company].company_id.clone(),
            contract_id: cid.clone(),
            matter_ref: matter_ref.clone(),
            ..Matter::default()
        };
        let k = governance::decide(w, governance::Body::Executive, day, matter);
        rows.push(r(&w.decisions[k]));
        let signed = w.add_wd(w.decisions[k].decided_on, 3);
        w.contracts.push(crate::records::Contract {
            contract_id: cid.clone(),
            unit_id: "D10".into(),
            supplier_company_id: w.companies[company].company_id.clone(),
            title: title.clone(),
            kind: "works",
            amount,
            signed_on: signed,
            start_on: Some(w.add_wd(signed, 2)),
            planned_end_on: Some(signed + Days::new(60)),
            completed_on: Some(w.add_wd(signed, 35)),
            ..Default::default()
        });
        let pay_day = w.add_wd(signed, 45);
        funds::pay_company(
            w,
            rng,
            "D10",
            pay_day,
            amount,
            company,
            format!("{title}工程款"),
            "31005",
            &cid,
        );
        day = w.add_wd(w.decisions[k].decided_on, rng.random_range(3..6));
    }
    let desc = format!(
        "同一事项（{name}）拆成三次提交总经理办公会，每次低于50万元大额资金标准、绕开党委会，合计{}元",
        total.as_f64()
    );
    w.anomaly("dec_split_decision", desc, ("matter", matter_ref), rows);
}

/// A party-committee member whose relative runs the counterparty; recused only in the look-alike.
fn conflicted(w: &mut World, rng: &mut impl Rng, recused: bool) {
    let member = w.roles.deputies[rng.random_range(0..w.roles.deputies.len())];
    let born = w.pm[member].birth_year + rng.random_range(-4..5);
    let rel = org::add_relative(w, rng, member, "sibling", born, true);
    let company = fresh_company(w, rng, "equipment");
    let (rname, rid) = (
        w.relations[rel].relative_name.clone(),
        w.relations[rel].relative_resident_id.clone(),
    );
    let link = suppliers::set_legal_rep(w, company, &rname, &rid);
    w.relations[rel].relative_employer = w.companies[company].name.clone();
    let est = Money::yuan(rng.random_range(15..30) * 100_000);
    let published = w.rand_workday(rng, d(2024, 3, 1), d(2025, 6, 30));
    let mut plan = procurement::normal_plan(w, rng, "equipment", est, published);
    plan.unit = "D10".into();
    plan.bidders.insert(0, company);
    let out = procurement::run(w, rng, &plan);
    let k = out.decision.expect("large contract decided");
    let m = w
        .meetings
        .iter()
        .position(|x| x.meeting_id == w.decisions[k].meeting_id)
        .expect("meeting exists");
    if !w.mm[m].present.contains(&member) {
        w.mm[m].present.insert(0, member);
        w.meetings[m].attendees += 1;
    }
    w.mm[m].reserved = true;
    w.notes
        .push((if recused { "recused" } else { "conflicted" }, k, member));
    let c = out.contract.expect("awarded");
    let mut rows = vec![
        r(&w.relations[rel]),
        r(&w.links[link - 1]),
        r(&w.links[link]),
        r(&w.contracts[c]),
    ];
    rows.extend(out.payments.iter().map(|&p| RowRef::Payment(p)));
    let desc = format!(
        "{}的兄弟{}任法定代表人的企业成为供应商",
        w.persons[member].name, rname
    );
    w.anomaly(
        "coi_relative_company_supplier",
        desc,
        ("company", w.companies[company].company_id.clone()),
        rows,
    );
}
