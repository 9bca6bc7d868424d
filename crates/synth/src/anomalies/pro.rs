//! PRO — procurement and bidding: thin competition, short or unjustified procedures,
//! split and threshold-hugging purchases, suspicious awards and winners. Collusion between
//! bidders is in `bidding`.

use chrono::{Days, Duration};
use rand::Rng;

use super::{fresh_company, n, r};
use crate::procurement::{self, Outcome, Plan};
use crate::records::Sanction;
use crate::suppliers::{self, regular_of};
use crate::truth::RowRef;
use crate::world::{World, d};
use crate::writer::Money;

const CATS: &[&str] = &[
    "it",
    "equipment",
    "furniture",
    "property",
    "consulting",
    "media",
    "security",
];

/// A plan for an open tender of 1.3–3 million with at least five bidders.
pub(super) fn open_plan(w: &World, rng: &mut impl Rng) -> Plan {
    let cat = crate::names::pick(rng, CATS);
    open_plan_of(w, rng, cat)
}

fn open_plan_of(w: &World, rng: &mut impl Rng, cat: &'static str) -> Plan {
    let est = Money::yuan(rng.random_range(13..30) * 100_000);
    let published = w.rand_workday(rng, d(2024, 2, 1), d(2025, 8, 31));
    let mut p = procurement::normal_plan(w, rng, cat, est, published);
    p.method = "open";
    p.period_days = rng.random_range(20..30);
    let mut pool = regular_of(w, cat);
    pool.retain(|c| !p.bidders.contains(c));
    while p.bidders.len() < 5 && !pool.is_empty() {
        p.bidders
            .push(pool.swap_remove(rng.random_range(0..pool.len())));
    }
    p
}

pub(super) fn tender_rows(w: &World, o: &Outcome) -> Vec<RowRef> {
    let mut rows = vec![r(&w.tenders[o.tender])];
    rows.extend(o.bids.iter().map(|&b| r(&w.bids[b])));
    rows
}

pub(super) fn tid(w: &World, o: &Outcome) -> (&'static str, String) {
    ("tender", w.tenders[o.tender].tender_id.clone())
}

pub fn inject(w: &mut World) {
    let mut rng = w.rng("anomaly-pro");
    let rng = &mut rng;
    competition(w, rng);
    super::bidding::fingerprints(w, rng);
    super::bidding::cartels(w, rng);
    awards(w, rng);
    super::bidding::cohesive(w, rng);
}

fn competition(w: &mut World, rng: &mut impl Rng) {
    for _ in 0..n(w, 2) {
        let mut p = open_plan(w, rng);
        p.bidders.truncate(1);
        let o = procurement::run(w, rng, &p);
        w.anomaly(
            "pro_single_bid",
            "公开招标仅收到一份投标仍定标".into(),
            tid(w, &o),
            tender_rows(w, &o),
        );
    }
    {
        let mut p = open_plan(w, rng);
        p.bidders.truncate(1);
        p.award = false;
        let first = procurement::run(w, rng, &p);
        let deadline = w.tenders[first.tender].deadline_at.expect("set").date();
        let mut again = open_plan_of(w, rng, p.category);
        again.title = format!("{}（重新招标）", p.title);
        again.published = w.add_wd(deadline, 8);
        again.unit.clone_from(&p.unit);
        procurement::run(w, rng, &again);
        w.lookalike(
            "pro_single_bid",
            "仅一家投标，依法流标后重新招标（正常）".into(),
            tid(w, &first),
            tender_rows(w, &first),
        );
    }
    for _ in 0..n(w, 2) {
        let mut p = open_plan(w, rng);
        p.method = "invited";
        p.bidders.truncate(2);
        let o = procurement::run(w, rng, &p);
        w.anomaly(
            "pro_few_bidders",
            "邀请招标仅两家投标仍定标".into(),
            tid(w, &o),
            tender_rows(w, &o),
        );
    }
    for _ in 0..n(w, 2) {
        let mut p = open_plan(w, rng);
        p.period_days = rng.random_range(6..12);
        let o = procurement::run(w, rng, &p);
        let desc = format!("公开招标自公告至截止仅{}天，少于法定20天", p.period_days);
        w.anomaly(
            "pro_short_period",
            desc,
            tid(w, &o),
            vec![r(&w.tenders[o.tender])],
        );
    }
    for _ in 0..n(w, 2) {
        let mut p = open_plan(w, rng);
        p.method = "single_source";
        p.bidders.truncate(1);
        let o = procurement::run(w, rng, &p);
        w.anomaly(
            "pro_single_source_unjustified",
            "超过招标限额采用单一来源方式且无理由".into(),
            tid(w, &o),
            vec![r(&w.tenders[o.tender])],
        );
    }
    for k in 0..n(w, 2) {
        let supplier = regular_of(w, "it")[k];
        let mut day = w.rand_workday(rng, d(2024, 3, 1), d(2025, 8, 31));
        let mut rows = Vec::new();
        for _ in 0..3 {
            let est = Money::yuan(rng.random_range(450..520) * 1000);
            let mut p = procurement::normal_plan(w, rng, "it", est, day);
            p.unit = "D13".into();
            p.method = "inquiry";
            p.period_days = 5;
            p.bidders.retain(|&c| c != supplier);
            p.bidders.insert(0, supplier);
            p.bidders.truncate(3);
            let o = procurement::run(w, rng, &p);
            rows.push(r(&w.tenders[o.tender]));
            rows.push(r(&w.contracts[o.contract.expect("awarded")]));
            day = w.add_wd(day, rng.random_range(4..9));
        }
        let desc = format!(
            "信息中心一个月内向同一供应商{}分三次询价采购同类设备，单次低于100万元招标限额，合计超过限额",
            w.companies[supplier].company_id
        );
        w.anomaly(
            "pro_split_purchase",
            desc,
            ("company", w.companies[supplier].company_id.clone()),
            rows,
        );
    }
    // A unit that habitually keeps purchases just under the limit: ten in one unit, so
    // that the cluster itself (not only each purchase) stands out against the band above.
    for _ in 0..n(w, 1) {
        let unit = open_plan(w, rng).unit;
        for _ in 0..10 {
            just_below_threshold(w, rng, &unit);
        }
    }
    emergency(w, rng);
}

/// A purchase negotiated to land just under the 1-million open-tender limit.
fn just_below_threshold(w: &mut World, rng: &mut impl Rng, unit: &str) {
    let mut p = open_plan(w, rng);
    p.unit = unit.to_owned();
    p.method = "competitive_negotiation";
    p.period_days = 5;
    p.estimate = Money::yuan(crate::names::pick(rng, &[998_000, 999_000, 999_500]));
    p.win_ratio = rng.random_range(0.975..0.985);
    p.bidders.truncate(3);
    let o = procurement::run(w, rng, &p);
    let c = o.contract.expect("awarded");
    let desc = format!(
        "{unit}成交金额{}元，紧贴100万元公开招标限额之下（该单位多次如此）",
        w.contracts[c].amount.as_f64()
    );
    w.anomaly(
        "pro_just_below_threshold",
        desc,
        tid(w, &o),
        vec![r(&w.tenders[o.tender]), r(&w.contracts[c])],
    );
}

/// An emergency single-source purchase with a reason, paid on a weekend after a decision.
fn emergency(w: &mut World, rng: &mut impl Rng) {
    let mut p = open_plan_of(w, rng, "equipment");
    p.method = "single_source";
    p.bidders = vec![regular_of(w, "equipment")[0]];
    p.unit = "D11".into();
    p.title = "2024年防汛抢险应急物资采购".into();
    p.reason = "防汛抢险应急采购（市防指紧急调度令），时间紧迫无法采用其他方式".into();
    p.published = d(2024, 6, 17);
    p.period_days = 2;
    p.pay = false;
    let o = procurement::run(w, rng, &p);
    w.lookalike(
        "pro_single_source_unjustified",
        "防汛抢险应急单一来源采购，理由完整（正常）".into(),
        tid(w, &o),
        vec![r(&w.tenders[o.tender])],
    );
    let c = o.contract.expect("awarded");
    let mut day = w.contracts[c].signed_on + Days::new(1);
    while w.cal.is_working_day(day) {
        day = day + Days::new(1);
    }
    let company = p.bidders[0];
    let (cid, amount) = (w.contracts[c].contract_id.clone(), w.contracts[c].amount);
    let k = crate::funds::pay_company(
        w,
        rng,
        "D11",
        day,
        amount,
        company,
        "防汛抢险应急物资款（紧急支付）".into(),
        "31002",
        &cid,
    );
    let mut rows = vec![RowRef::Payment(k)];
    rows.extend(o.decision.map(|x| r(&w.decisions[x])));
    w.lookalike(
        "fun_nonworking_day_payment",
        "防汛应急物资款经党委会决策后于周末紧急支付（正常）".into(),
        ("contract", cid),
        rows,
    );
}

fn awards(w: &mut World, rng: &mut impl Rng) {
    for _ in 0..n(w, 2) {
        let mut p = open_plan(w, rng);
        p.win_ratio = rng.random_range(0.993..0.999);
        let o = procurement::run(w, rng, &p);
        w.anomaly(
            "pro_winner_near_estimate",
            "中标价与控制价相差不到1%".into(),
            tid(w, &o),
            vec![r(&w.tenders[o.tender]), r(&w.bids[o.bids[0]])],
        );
    }
    for _ in 0..n(w, 2) {
        let plan = open_plan(w, rng);
        let o = procurement::run(w, rng, &plan);
        let deadline = w.tenders[o.tender].deadline_at.expect("set");
        w.bids[o.bids[0]].submitted_at =
            Some(deadline + Duration::minutes(rng.random_range(20..150)));
        w.anomaly(
            "pro_late_bid_won",
            "投标截止后才递交的投标文件中标".into(),
            tid(w, &o),
            vec![r(&w.tenders[o.tender]), r(&w.bids[o.bids[0]])],
        );
    }
    for lookalike in [false, false, true] {
        let c = fresh_company(w, rng, "consulting");
        let mut p = open_plan_of(w, rng, "consulting");
        p.bidders[0] = c;
        if lookalike {
            p.published = w.rand_workday(rng, d(2024, 2, 1), d(2024, 6, 30));
        }
        let listed = if lookalike {
            p.published + Days::new(200)
        } else {
            p.published - Days::new(rng.random_range(60..200))
        };
        w.sanctions.push(Sanction {
            name: w.companies[c].name.clone(),
            uscc: w.companies[c].uscc.clone(),
            company_id: w.companies[c].company_id.clone(),
            listed_on: listed,
            until: Some(listed + Days::new(365 * 3)),
            authority: "浙江省财政厅".into(),
        });
        let o = procurement::run(w, rng, &p);
        let rows = vec![
            r(w.sanctions.last().expect("pushed")),
            r(&w.tenders[o.tender]),
        ];
        if lookalike {
            w.lookalike(
                "pro_debarred_winner",
                "中标时尚未被列入失信名单，中标后才被列入（正常）".into(),
                tid(w, &o),
                rows,
            );
        } else {
            w.anomaly(
                "pro_debarred_winner",
                "被列入政府采购严重违法失信名单期间中标".into(),
                tid(w, &o),
                rows,
            );
        }
    }
    for _ in 0..n(w, 2) {
        let mut p = open_plan(w, rng);
        let age_days = rng.random_range(90..200);
        let c = suppliers::new_company(w, rng, p.category, p.published - Days::new(age_days));
        w.cm[c].reserved = true;
        w.companies[c].registered_capital = Some(Money::yuan(100_000));
        w.companies[c].staff_count = Some(rng.random_range(0..3));
        p.bidders[0] = c;
        let o = procurement::run(w, rng, &p);
        let k = o.contract.expect("awarded");
        let desc = format!(
            "成立不足一年、注册资本10万元、参保{}人的企业中标{}元合同",
            w.companies[c].staff_count.unwrap_or(0),
            w.contracts[k].amount.as_f64()
        );
        w.anomaly(
            "pro_shell_winner",
            desc,
            ("company", w.companies[c].company_id.clone()),
            vec![r(&w.companies[c]), r(&w.contracts[k])],
        );
    }
    for _ in 0..n(w, 2) {
        let plan = open_plan(w, rng);
        let o = procurement::run(w, rng, &plan);
        let b = o.bids[1];
        w.bids[b].amount = w.bids[o.bids[0]].amount.scale(rng.random_range(0.88..0.95));
        w.bids[b].disqualified = Some(true);
        w.bids[b].disqualify_reason = "资格审查不合格".into();
        w.anomaly(
            "pro_lowest_disqualified",
            "报价最低的投标被以资格审查为由否决".into(),
            tid(w, &o),
            vec![r(&w.tenders[o.tender]), r(&w.bids[b])],
        );
    }
    for _ in 0..n(w, 1) {
        let plan = open_plan(w, rng);
        let o = procurement::run(w, rng, &plan);
        for &b in &o.bids[1..] {
            w.bids[b].disqualified = Some(true);
            w.bids[b].disqualify_reason = "未按要求提交资格证明文件".into();
        }
        w.anomaly(
            "pro_all_but_winner_disqualified",
            "除中标人外其余投标全部被否决".into(),
            tid(w, &o),
            tender_rows(w, &o),
        );
    }
    for _ in 0..n(w, 2) {
        let mut p = open_plan(w, rng);
        p.win_ratio = rng.random_range(1.04..1.12);
        let o = procurement::run(w, rng, &p);
        w.anomaly(
            "pro_award_above_estimate",
            "中标金额高于预算（最高限价）".into(),
            tid(w, &o),
            vec![r(&w.tenders[o.tender])],
        );
    }
    for _ in 0..n(w, 2) {
        let plan = open_plan(w, rng);
        let o = procurement::run(w, rng, &plan);
        let c = o.contract.expect("awarded");
        let awarded = w.tenders[o.tender].awarded_on.expect("awarded");
        w.contracts[c].start_on =
            Some(w.workday_from(awarded - Days::new(rng.random_range(20..45))));
        w.anomaly(
            "pro_work_before_award",
            "定标前已开始履约（先干后招）".into(),
            tid(w, &o),
            vec![r(&w.tenders[o.tender]), r(&w.contracts[c])],
        );
    }
}
