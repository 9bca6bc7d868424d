//! Construction projects: approval by the party committee, an open works tender, the
//! works contract, monthly certified progress, progress payments kept under certified
//! progress, occasional small variations, completion and the final account.

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::Rng;

use crate::funds;
use crate::governance::{self, Body, Matter};
use crate::procurement::{self, Plan};
use crate::records::{ContractChange, Milestone, Project};
use crate::world::World;
use crate::writer::Money;

const PLACES: &[&str] = &[
    "滨江", "城北", "东湖", "西溪", "江南", "运河", "南屏", "北山", "云栖", "望江",
];
const WORKS: &[&str] = &[
    "安置房建设工程",
    "道路改造提升工程",
    "公园景观工程",
    "综合管廊工程",
    "人才公寓项目",
    "停车楼建设工程",
    "学校新建工程",
    "河道整治工程",
];

/// What a project should look like.
#[derive(Clone, Debug)]
pub struct ProjectPlan {
    pub unit: &'static str,
    pub budget: Money,
    /// The day the project is put to the party committee.
    pub proposed: NaiveDate,
    pub months: u32,
    /// Progress payments follow certified progress.
    pub pay: bool,
    /// Completed this many days after the start, whatever the plan said.
    pub done_after_days: Option<u64>,
}

/// What [`project`] made.
#[derive(Clone, Debug, Default)]
pub struct Built {
    pub project: usize,
    pub tender: procurement::Outcome,
    pub contract: usize,
    pub milestones: Vec<usize>,
    pub payments: Vec<usize>,
}

/// A random ordinary project plan.
pub fn normal_plan(w: &World, rng: &mut impl Rng) -> ProjectPlan {
    ProjectPlan {
        unit: crate::names::pick(rng, &["D08", "D16", "S01"]),
        budget: Money::yuan(rng.random_range(30..400) * 100_000),
        proposed: w.rand_workday(rng, World::start(), crate::world::d(2025, 3, 31)),
        months: rng.random_range(8..18),
        pay: true,
        done_after_days: None,
    }
}

/// Approves, tenders, contracts and builds one project.
pub fn project(w: &mut World, rng: &mut impl Rng, plan: &ProjectPlan) -> Built {
    let pid = w.next_id("GC", 4);
    let name = format!(
        "{}{}",
        crate::names::pick(rng, PLACES),
        crate::names::pick(rng, WORKS)
    );
    let body = if plan.unit.starts_with('S') {
        Body::Board(plan.unit)
    } else {
        Body::PartyCommittee
    };
    let matter = Matter {
        category: "major_project",
        title: format!("关于{name}立项的议题"),
        amount: Some(plan.budget),
        project_id: pid.clone(),
        ..Matter::default()
    };
    let dec = governance::decide(w, body, plan.proposed, matter);
    let approved = w.decisions[dec].decided_on;
    let cat = if rng.random_bool(0.6) {
        "works"
    } else {
        "municipal"
    };
    let estimate = plan.budget.scale(rng.random_range(0.85..0.95));
    let published = w.add_wd(approved, rng.random_range(10..30));
    let mut tp: Plan = procurement::normal_plan(w, rng, cat, estimate, published);
    tp.unit = plan.unit.into();
    tp.method = "open";
    tp.period_days = rng.random_range(20..31);
    tp.title = name.clone();
    tp.project_id = pid.clone();
    tp.pay = false;
    let mut pool = crate::suppliers::regular_of(w, cat);
    pool.retain(|c| !tp.bidders.contains(c));
    while tp.bidders.len() < 5 && !pool.is_empty() {
        tp.bidders
            .push(pool.swap_remove(rng.random_range(0..pool.len())));
    }
    let out = procurement::run(w, rng, &tp);
    let c = out.contract.expect("project tenders are awarded");
    let start = w.contracts[c].start_on.expect("set");
    let planned = start + Months::new(plan.months);
    w.contracts[c].planned_end_on = Some(planned);
    let done = match plan.done_after_days {
        Some(n) => Some(w.workday_from(start + Days::new(n))),
        None => Some(w.workday_from(planned + Days::new(rng.random_range(0..40))))
            .filter(|x| *x < World::end() - Days::new(40)),
    };
    w.contracts[c].completed_on = done;
    w.projects.push(Project {
        project_id: pid,
        unit_id: plan.unit.into(),
        name,
        approved_on: Some(approved),
        decision_id: w.decisions[dec].decision_id.clone(),
        budget: Some(plan.budget),
        start_on: Some(start),
        planned_completion_on: Some(planned),
        completed_on: done,
        settlement_amount: None,
    });
    let mut b = Built {
        project: w.projects.len() - 1,
        tender: out,
        contract: c,
        ..Built::default()
    };
    progress(w, rng, &mut b, plan.pay);
    b
}

/// Monthly certified progress and the progress payments that follow it.
fn progress(w: &mut World, rng: &mut impl Rng, b: &mut Built, pay: bool) {
    let c = w.contracts[b.contract].clone();
    let company = w
        .company_index(&c.supplier_company_id)
        .expect("supplier exists");
    let start = c.start_on.expect("set");
    let planned = c.planned_end_on.expect("set");
    let total_days = (planned - start).num_days().max(30) as f64;
    let mut paid = Money(0);
    let mut month = 1;
    loop {
        let day = w.workday_from(
            start + Months::new(month) - Days::new(start.day0() as u64) + Days::new(24),
        );
        let finished = c.completed_on.is_some_and(|x| day >= x);
        if day > World::end() - Days::new(20) && !finished {
            break;
        }
        let pct = if finished {
            100.0
        } else {
            (((day - start).num_days() as f64 / total_days) * 100.0 * rng.random_range(0.85..1.0))
                .clamp(1.0, 98.0)
        };
        let pct = (pct * 10.0).round() / 10.0;
        w.milestones.push(Milestone {
            contract_id: c.contract_id.clone(),
            certified_on: day,
            completion_pct: pct,
        });
        b.milestones.push(w.milestones.len() - 1);
        if pay {
            let due = if finished {
                c.amount.scale(0.97)
            } else {
                c.amount.scale(0.8 * pct / 100.0)
            };
            let payday = w.add_wd(day, rng.random_range(5..12));
            if due.0 - paid.0 > 100_000 && payday <= World::end() {
                let k = funds::pay_company(
                    w,
                    rng,
                    &c.unit_id,
                    payday,
                    due - paid,
                    company,
                    format!("{}进度款（第{month}期）", c.title),
                    "31005",
                    &c.contract_id,
                );
                b.payments.push(k);
                paid = due;
            }
        }
        if finished {
            let settle = c
                .amount
                .scale(rng.random_range(0.97..1.02))
                .min(w.projects[b.project].budget.expect("set"));
            w.projects[b.project].settlement_amount = Some(settle);
            break;
        }
        month += 1;
    }
}

/// Adds a variation order to a contract.
pub fn change(w: &mut World, contract: usize, day: NaiveDate, delta: Money, reason: &str) -> usize {
    let id = w.next_id("BG", 5);
    w.changes.push(ContractChange {
        change_id: id,
        contract_id: w.contracts[contract].contract_id.clone(),
        changed_on: day,
        amount_delta: delta,
        reason: reason.into(),
        approved_by: w.persons[w.roles.deputies[0]].person_id.clone(),
    });
    w.changes.len() - 1
}

/// Ordinary projects, a few with small variations.
pub fn build(w: &mut World) {
    let mut rng = w.rng("construction");
    for _ in 0..w.p.projects {
        let plan = normal_plan(w, &mut rng);
        let b = project(w, &mut rng, &plan);
        if rng.random_bool(0.3) {
            let c = b.contract;
            let start = w.contracts[c].start_on.expect("set");
            let day = w.add_wd(start, rng.random_range(40..120));
            let delta = w.contracts[c].amount.scale(rng.random_range(0.02..0.07));
            change(w, c, day, delta, "设计变更，增加零星工程量");
        }
    }
}
