//! Tendering and purchasing: tenders by the method the value calls for, three to eight
//! bids from independent firms, awards to the lowest valid bid, contracts, and the
//! collective decision that large contracts need before signing.
//!
//! [`run`] carries one tender from notice to contract; normal activity and the
//! procurement anomalies both use it, the anomalies then bend what it produced.

use chrono::{Days, NaiveDate, NaiveTime};
use rand::Rng;
use rand::seq::SliceRandom;

use crate::funds;
use crate::governance::{self, Body, Matter};
use crate::ids;
use crate::records::{Bid, Contract, Tender};
use crate::suppliers::{CATEGORIES, category_info, regular_of};
use crate::world::{LARGE_FUND, TENDER_LIMIT, World};
use crate::writer::Money;

/// What a tender should look like.
#[derive(Clone, Debug)]
pub struct Plan {
    pub unit: String,
    pub category: &'static str,
    pub method: &'static str,
    pub estimate: Money,
    pub published: NaiveDate,
    pub period_days: u64,
    /// Bidding companies; the first one wins with the lowest price.
    pub bidders: Vec<usize>,
    pub title: String,
    pub reason: String,
    pub project_id: String,
    /// Winning price as a share of the estimate.
    pub win_ratio: f64,
    /// False for a failed tender (no award, no contract).
    pub award: bool,
    /// Whether to pay the contract on its usual schedule.
    pub pay: bool,
    /// Whether a large contract is put to the collective decision it needs.
    pub decide: bool,
}

/// What [`run`] made.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub tender: usize,
    pub bids: Vec<usize>,
    pub contract: Option<usize>,
    pub decision: Option<usize>,
    pub payments: Vec<usize>,
}

const ITEMS: &[(&str, &[&str])] = &[
    (
        "works",
        &["办公楼维修改造工程", "停车场改建工程", "厂区道路修缮工程"],
    ),
    (
        "municipal",
        &["雨污管网改造工程", "道路提升工程", "路灯节能改造工程"],
    ),
    (
        "decoration",
        &["会议中心装修工程", "办公区装饰工程", "展厅布展工程"],
    ),
    (
        "landscape",
        &["园区绿化养护", "景观提升工程", "口袋公园建设工程"],
    ),
    (
        "equipment",
        &["电梯更新采购", "中央空调设备采购", "安防监控设备采购"],
    ),
    (
        "it",
        &[
            "服务器及存储设备采购",
            "财务系统升级",
            "网络安全设备采购",
            "协同办公平台建设",
        ],
    ),
    (
        "office",
        &["年度办公用品采购", "打印耗材采购", "办公电脑采购"],
    ),
    ("furniture", &["办公家具采购", "会议室家具采购"]),
    ("property", &["物业管理服务", "保洁服务"]),
    (
        "consulting",
        &["工程造价咨询服务", "工程监理服务", "项目可行性研究"],
    ),
    ("media", &["宣传片制作", "品牌推广服务", "印刷服务"]),
    ("vehicle_service", &["公务车辆维修保养", "车辆保险服务"]),
    ("catering", &["职工食堂承包服务", "会议餐饮服务"]),
    ("labour", &["劳务派遣服务", "人力资源外包服务"]),
    ("security", &["保安服务", "安保巡逻服务"]),
];
const AGENTS: &[&str] = &[
    "浙江中诚工程管理有限公司",
    "江州市建设工程招标代理有限公司",
    "浙江求是招标代理有限公司",
    "江州公共资源交易咨询有限公司",
];
const DQ_REASONS: &[&str] = &[
    "投标文件未按要求签章",
    "资格证明文件不全",
    "投标有效期不足",
    "未按要求提交投标保证金",
];

/// A title for a purchase of a category.
pub fn title(rng: &mut impl Rng, category: &str, year: i32) -> String {
    let items = ITEMS
        .iter()
        .find(|x| x.0 == category)
        .map_or(&["采购项目"][..], |x| x.1);
    format!("{year}年{}", items[rng.random_range(0..items.len())])
}

/// The usual method and bidder count for an estimate.
pub fn method_for(rng: &mut impl Rng, estimate: Money) -> (&'static str, usize) {
    if estimate >= Money::yuan(TENDER_LIMIT) {
        if rng.random_bool(0.85) {
            ("open", rng.random_range(5..9))
        } else {
            ("invited", rng.random_range(3..6))
        }
    } else if estimate >= Money::yuan(200_000) {
        (
            if rng.random_bool(0.5) {
                "competitive_negotiation"
            } else {
                "competitive_consultation"
            },
            rng.random_range(3..6),
        )
    } else {
        ("inquiry", rng.random_range(3..5))
    }
}

/// A plan with the usual shape for a category and estimate; bidders drawn from the category.
pub fn normal_plan(
    w: &World,
    rng: &mut impl Rng,
    category: &'static str,
    estimate: Money,
    published: NaiveDate,
) -> Plan {
    let (method, n) = method_for(rng, estimate);
    let mut pool = regular_of(w, category);
    pool.retain(|&c| {
        w.companies[c]
            .founded_on
            .is_some_and(|f| f < published - Days::new(400))
    });
    pool.shuffle(rng);
    pool.truncate(n);
    let period = match method {
        "open" => rng.random_range(20..31),
        "invited" => rng.random_range(20..26),
        "competitive_consultation" => rng.random_range(10..16),
        _ => rng.random_range(3..8),
    };
    Plan {
        unit: funds::buyer_of(rng, category).into(),
        category,
        method,
        estimate,
        published,
        period_days: period,
        bidders: pool,
        title: title(rng, category, chrono::Datelike::year(&published)),
        reason: String::new(),
        project_id: String::new(),
        win_ratio: rng.random_range(0.82..0.97),
        award: true,
        pay: true,
        decide: true,
    }
}

/// Carries a plan from notice to contract.
/// How far independent losing bids reach above the winner in one tender: 3 % to 40 %,
/// drawn per tender. In real markets the CV of competitive tenders spreads over about a
/// factor of two either side of its median; one fixed range would make every honest
/// tender look alike and any dispersion screen look sharper than it is.
pub(crate) fn bid_reach(rng: &mut impl Rng) -> f64 {
    rng.random_range(1.03f64.ln()..1.40f64.ln()).exp()
}

/// An independent losing bid against the winning price `win`, to the hundred yuan.
pub(crate) fn losing_bid(rng: &mut impl Rng, win: Money, reach: f64) -> Money {
    Money((win.0 as f64 * rng.random_range(1.008..reach) / 100.0).round() as i64 * 100)
}

pub fn run(w: &mut World, rng: &mut impl Rng, plan: &Plan) -> Outcome {
    let tid = w.next_id("ZB", 5);
    let deadline_day = w.workday_from(plan.published + Days::new(plan.period_days));
    let deadline = deadline_day.and_time(NaiveTime::from_hms_opt(9, 30, 0).expect("valid"));
    let awarded = w.add_wd(deadline_day, rng.random_range(3..10));
    let win = Money(((plan.estimate.0 as f64 * plan.win_ratio) / 100.0).round() as i64 * 100);
    let mut out = Outcome {
        tender: w.tenders.len(),
        ..Outcome::default()
    };
    let (kind, _) = category_info(plan.category);
    w.tenders.push(Tender {
        tender_id: tid.clone(),
        unit_id: plan.unit.clone(),
        title: plan.title.clone(),
        category: plan.category.into(),
        method: plan.method,
        estimate: Some(plan.estimate),
        published_on: Some(plan.published),
        deadline_at: Some(deadline),
        awarded_on: plan.award.then_some(awarded),
        winner_company_id: if plan.award {
            w.companies[plan.bidders[0]].company_id.clone()
        } else {
            String::new()
        },
        award_amount: plan.award.then_some(win),
        agent: if matches!(plan.method, "open" | "invited") {
            (crate::names::pick(rng, AGENTS)).into()
        } else {
            String::new()
        },
        single_source_reason: plan.reason.clone(),
        project_id: plan.project_id.clone(),
    });
    let mut prices = Vec::new();
    let reach = bid_reach(rng);
    for (k, &c) in plan.bidders.iter().enumerate() {
        // Independent bidders never hit the same price to the yuan.
        let mut amount = win;
        while k > 0 && prices.contains(&amount) {
            amount = losing_bid(rng, win, reach);
        }
        prices.push(amount);
        let dq = k > 0 && plan.bidders.len() > 3 && rng.random_bool(0.06);
        let day = w
            .workday_from((deadline_day - Days::new(rng.random_range(0..8))).max(plan.published))
            .min(deadline_day);
        let submitted = if day == deadline_day {
            deadline - chrono::Duration::minutes(rng.random_range(15..60))
        } else {
            World::office_time(rng, day)
        };
        let id = w.next_id("TB", 6);
        let hash = ids::file_hash(rng);
        let m = &w.cm[c];
        w.bids.push(Bid {
            bid_id: id,
            tender_id: tid.clone(),
            company_id: w.companies[c].company_id.clone(),
            amount,
            submitted_at: Some(submitted),
            ip: m.ip.clone(),
            mac: m.mac.clone(),
            file_hash: hash,
            document_author: m.contact.clone(),
            deposit_account: w.companies[c].bank_account.clone(),
            phone: m.contact_phone.clone(),
            contact_person: m.contact.clone(),
            is_winner: Some(plan.award && k == 0),
            disqualified: Some(dq),
            disqualify_reason: if dq {
                (crate::names::pick(rng, DQ_REASONS)).into()
            } else {
                String::new()
            },
        });
        out.bids.push(w.bids.len() - 1);
    }
    if !plan.award {
        return out;
    }
    let cid = w.next_id("HT", 5);
    let body = if plan.unit.starts_with('S') {
        Body::Board(unit_static(&plan.unit))
    } else {
        Body::PartyCommittee
    };
    let threshold = if plan.unit.starts_with('S') {
        300_000
    } else {
        LARGE_FUND
    };
    let signed = if plan.decide && win >= Money::yuan(threshold) {
        let matter = Matter {
            category: if kind == "works" {
                "major_project"
            } else {
                "large_fund"
            },
            title: format!("关于签订{}合同的议题", plan.title),
            amount: Some(win),
            counterparty: w.companies[plan.bidders[0]].company_id.clone(),
            contract_id: cid.clone(),
            project_id: plan.project_id.clone(),
            ..Matter::default()
        };
        let k = governance::decide(w, body, awarded + Days::new(1), matter);
        out.decision = Some(k);
        w.add_wd(w.decisions[k].decided_on, rng.random_range(2..8))
    } else {
        w.add_wd(awarded, rng.random_range(4..12))
    };
    let start = w.workday_from(signed + Days::new(rng.random_range(1..10)));
    let months = match kind {
        "works" => rng.random_range(6..16),
        "services" => 12,
        _ => rng.random_range(1..4),
    };
    let planned = start + chrono::Months::new(months);
    let completed = if kind == "services" {
        None
    } else {
        Some(w.workday_from(planned - Days::new(rng.random_range(0..20))))
            .filter(|d| *d < World::end() - Days::new(30))
    };
    w.contracts.push(Contract {
        contract_id: cid,
        unit_id: plan.unit.clone(),
        tender_id: tid,
        supplier_company_id: w.companies[plan.bidders[0]].company_id.clone(),
        title: plan.title.clone(),
        kind,
        amount: win,
        signed_on: signed,
        start_on: Some(start),
        planned_end_on: Some(planned),
        completed_on: completed,
        project_id: plan.project_id.clone(),
        parent_contract_id: String::new(),
    });
    let c = w.contracts.len() - 1;
    out.contract = Some(c);
    if plan.pay {
        out.payments = funds::contract_schedule(w, rng, c);
    }
    out
}

/// The static id of a subsidiary (bodies carry `&'static str`).
pub fn unit_static(unit: &str) -> &'static str {
    crate::org::SUBSIDIARIES
        .iter()
        .find(|s| s.0 == unit)
        .map_or(crate::world::GROUP, |s| s.0)
}

/// Ordinary purchasing over the period (goods and services; works come with projects).
pub fn build(w: &mut World) {
    let mut rng = w.rng("procurement");
    let n = w.p.tenders_per_year * 2;
    let last = World::end() - Days::new(75);
    for _ in 0..n {
        let cat = CATEGORIES[rng.random_range(4..CATEGORIES.len())].0;
        let estimate = normal_estimate(&mut rng);
        let published = w.rand_workday(&mut rng, World::start(), last);
        let mut plan = normal_plan(w, &mut rng, cat, estimate, published);
        if rng.random_bool(0.02) {
            plan.method = "single_source";
            plan.bidders.truncate(1);
            plan.reason = (crate::names::pick(
                &mut rng,
                &[
                    "原有项目后续扩充，需与原供应商保持一致",
                    "专利产品，只能从唯一供应商处采购",
                ],
            ))
            .into();
        }
        if plan.bidders.len() >= 3 || plan.method == "single_source" {
            run(w, &mut rng, &plan);
        }
    }
}

/// An estimate for ordinary goods and services: 50,000 to 8 million, log-uniform, never
/// within 8 % under the tender threshold nor so close above it that the award lands below.
pub fn normal_estimate(rng: &mut impl Rng) -> Money {
    loop {
        let v = (rng.random_range(50_000f64.ln()..8_000_000f64.ln())).exp();
        let m = Money::yuan((v / 1000.0).round() as i64 * 1000);
        if !(Money::yuan(TENDER_LIMIT * 92 / 100)..Money::yuan(TENDER_LIMIT * 125 / 100))
            .contains(&m)
        {
            return m;
        }
    }
}
