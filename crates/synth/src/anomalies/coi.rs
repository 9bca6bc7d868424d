//! COI — conflicts of interest: relatives' and staff's companies among the suppliers,
//! moonlighting directors, phones and addresses shared with suppliers, the revolving
//! door, approvers paying their relatives' firms, and cadres' relatives on the benefit
//! list.

use chrono::Days;
use rand::Rng;

use super::{fresh_company, n, r};
use crate::funds::pay_company;
use crate::procurement::{self, Outcome};
use crate::truth::RowRef;
use crate::world::{World, d};
use crate::writer::Money;
use crate::{org, personnel, suppliers};

/// `company` wins a small purchase (150,000–450,000) and is paid.
fn win_small(
    w: &mut World,
    rng: &mut impl Rng,
    company: usize,
    from: chrono::NaiveDate,
) -> Outcome {
    let cat = w.cm[company].category;
    let est = Money::yuan(rng.random_range(150..450) * 1000);
    let day = w.rand_workday(rng, from.max(d(2024, 2, 1)), d(2025, 8, 31));
    let mut p = procurement::normal_plan(w, rng, cat, est, day);
    p.bidders.insert(0, company);
    procurement::run(w, rng, &p)
}

fn cadre(w: &World, rng: &mut impl Rng, units: &[&str]) -> usize {
    let u = units[rng.random_range(0..units.len())];
    w.roles.unit_head[u]
}

pub fn inject(w: &mut World) {
    let mut rng = w.rng("anomaly-coi");
    let rng = &mut rng;
    for _ in 0..n(w, 2) {
        let p = cadre(w, rng, &["D07", "D08", "D10", "D13"]);
        let rel = org::add_relative(w, rng, p, "spouse", w.pm[p].birth_year + 1, !w.pm[p].male);
        let c = fresh_company(w, rng, "office");
        let (name, rid) = (
            w.relations[rel].relative_name.clone(),
            w.relations[rel].relative_resident_id.clone(),
        );
        let link = suppliers::set_legal_rep(w, c, &name, &rid);
        w.relations[rel].relative_employer = w.companies[c].name.clone();
        let o = win_small(w, rng, c, d(2024, 1, 1));
        let mut rows = vec![
            r(&w.relations[rel]),
            r(&w.links[link - 1]),
            r(&w.links[link]),
            r(&w.contracts[o.contract.expect("awarded")]),
        ];
        rows.extend(o.payments.iter().map(|&k| RowRef::Payment(k)));
        let desc = format!(
            "{}（{}负责人）的配偶{}是供应商的法定代表人和控股股东",
            w.persons[p].name, w.persons[p].unit_id, name
        );
        w.anomaly(
            "coi_relative_company_supplier",
            desc,
            ("company", w.companies[c].company_id.clone()),
            rows,
        );
    }
    {
        let big = (0..w.companies.len())
            .find(|&c| {
                w.companies[c].staff_count.unwrap_or(0) > 100
                    && w.contracts
                        .iter()
                        .any(|x| x.supplier_company_id == w.companies[c].company_id)
            })
            .expect("a large supplier exists");
        let p = cadre(w, rng, &["D03", "D05", "D12"]);
        let rel = org::add_relative(w, rng, p, "child", w.pm[p].birth_year + 27, true);
        w.relations[rel].relative_employer = w.companies[big].name.clone();
        let desc = format!(
            "{}的子女在大型供应商{}任普通职员，不持股、不任职（正常）",
            w.persons[p].name, w.companies[big].company_id
        );
        w.lookalike(
            "coi_relative_company_supplier",
            desc,
            ("company", w.companies[big].company_id.clone()),
            vec![r(&w.relations[rel]), r(&w.companies[big])],
        );
    }
    let g3: Vec<usize> = (0..w.persons.len())
        .filter(|&i| {
            matches!(w.persons[i].grade.as_str(), "G2" | "G3")
                && w.persons[i].leave_date.is_none()
                && !w.pm[i].reserved
                && w.persons[i].unit_id.starts_with('D')
        })
        .collect();
    for _ in 0..n(w, 2) {
        let p = g3[rng.random_range(0..g3.len())];
        let c = fresh_company(w, rng, "media");
        let since = w.companies[c].founded_on.expect("set");
        let (name, rid) = (w.persons[p].name.clone(), w.persons[p].resident_id.clone());
        let l = suppliers::link_person(w, c, "shareholder", &name, &rid, Some(30.0), since);
        let o = win_small(w, rng, c, d(2024, 1, 1));
        let rows = vec![
            r(&w.links[l]),
            r(&w.persons[p]),
            r(&w.contracts[o.contract.expect("awarded")]),
        ];
        w.anomaly(
            "coi_staff_shareholder",
            format!("职工{name}持有供应商30%股权"),
            ("person", w.persons[p].person_id.clone()),
            rows,
        );
    }
    for _ in 0..n(w, 2) {
        let p = g3[rng.random_range(0..g3.len())];
        let c = rng.random_range(0..w.p.suppliers);
        let (name, rid) = (w.persons[p].name.clone(), w.persons[p].resident_id.clone());
        let l = suppliers::link_person(w, c, "director", &name, &rid, None, d(2023, 5, 1));
        w.anomaly(
            "coi_staff_director",
            format!("职工{name}在外部企业兼任董事"),
            ("person", w.persons[p].person_id.clone()),
            vec![r(&w.links[l]), r(&w.persons[p])],
        );
    }
    for (kind, what) in [("coi_shared_phone", "电话"), ("coi_shared_address", "地址")] {
        for _ in 0..n(w, 2) {
            let p = g3[rng.random_range(0..g3.len())];
            let c = fresh_company(w, rng, "catering");
            if kind == "coi_shared_phone" {
                w.companies[c].phone = w.persons[p].phone.clone();
            } else {
                w.companies[c].address = w.persons[p].address.clone();
            }
            for _ in 0..3 {
                let day = w.rand_workday(rng, d(2024, 2, 1), d(2025, 11, 30));
                let amt = rng.random_range(3_000..30_000);
                pay_company(
                    w,
                    rng,
                    "D01",
                    day,
                    Money::yuan(amt),
                    c,
                    "会议餐饮服务费".into(),
                    "30227",
                    "",
                );
            }
            let desc = format!("供应商登记的{what}与职工{}相同", w.persons[p].name);
            w.anomaly(
                kind,
                desc,
                ("company", w.companies[c].company_id.clone()),
                vec![r(&w.companies[c]), r(&w.persons[p])],
            );
        }
    }
    revolving(w, rng);
    for _ in 0..n(w, 2) {
        let p = w.roles.unit_head["D04"];
        let rel = org::add_relative(w, rng, p, "sibling", w.pm[p].birth_year - 2, true);
        let c = fresh_company(w, rng, "office");
        let (name, rid) = (
            w.relations[rel].relative_name.clone(),
            w.relations[rel].relative_resident_id.clone(),
        );
        let link = suppliers::set_legal_rep(w, c, &name, &rid);
        w.relations[rel].relative_employer = w.companies[c].name.clone();
        let mut rows = vec![
            r(&w.relations[rel]),
            r(&w.links[link - 1]),
            r(&w.links[link]),
        ];
        for _ in 0..5 {
            let day = w.rand_workday(rng, d(2024, 2, 1), d(2025, 11, 30));
            let amt = rng.random_range(5_000..40_000);
            rows.push(RowRef::Payment(pay_company(
                w,
                rng,
                "D01",
                day,
                Money::yuan(amt),
                c,
                "办公用品采购".into(),
                "30201",
                "",
            )));
        }
        let desc = format!(
            "财务负责人{}审批的付款流向其兄弟{}控制的企业",
            w.persons[p].name, name
        );
        let subject = ("company", w.companies[c].company_id.clone());
        w.anomaly(
            "coi_approver_related_payee",
            desc.clone(),
            subject.clone(),
            rows.clone(),
        );
        w.anomaly("coi_relative_company_supplier", desc, subject, rows);
    }
}

/// Former staff running suppliers: recently (anomaly) and long ago (look-alike).
fn revolving(w: &mut World, rng: &mut impl Rng) {
    let former: Vec<usize> = (0..w.persons.len())
        .filter(|&i| w.persons[i].leave_date.is_some_and(|l| l < World::start()))
        .collect();
    for (k, &p) in former.iter().take(n(w, 2) + 1).enumerate() {
        let lookalike = k == n(w, 2);
        let left = if lookalike {
            d(2016, 3, 31)
        } else {
            d(2023, 1, 1) + Days::new(rng.random_range(0..240))
        };
        w.persons[p].leave_date = Some(left);
        w.persons[p].leave_reason = "resigned";
        let hire = w.persons[p].hire_date.expect("set");
        if hire >= left {
            w.persons[p].hire_date = Some(left - Days::new(900));
        }
        let days = rng.random_range(40..120);
        let c = suppliers::new_company(w, rng, "consulting", left + Days::new(days));
        w.cm[c].reserved = true;
        let (name, rid) = (w.persons[p].name.clone(), w.persons[p].resident_id.clone());
        let link = suppliers::set_legal_rep(w, c, &name, &rid);
        let o = win_small(w, rng, c, d(2024, 1, 1));
        let subject = ("company", w.companies[c].company_id.clone());
        if lookalike {
            let desc =
                format!("前职工{name}于2016年离职，多年后创办的企业成为供应商（超过回避期，正常）");
            w.lookalike(
                "coi_former_staff_supplier",
                desc,
                subject,
                vec![r(&w.persons[p]), r(&w.links[link - 1]), r(&w.links[link])],
            );
        } else {
            let desc = format!("前职工{name}于{left}离职后创办企业，一年内即成为本单位供应商");
            let rows = vec![
                r(&w.persons[p]),
                r(&w.links[link - 1]),
                r(&w.links[link]),
                r(&w.contracts[o.contract.expect("awarded")]),
            ];
            w.anomaly("coi_former_staff_supplier", desc, subject, rows);
        }
    }
}

/// Cadres' parents and siblings on the minimum-living-allowance list; one namesake.
pub fn benefits(w: &mut World) {
    let mut rng = w.rng("anomaly-coi-benefits");
    let rels: Vec<usize> = (0..w.relations.len())
        .filter(|&i| matches!(w.relations[i].relation, "parent" | "sibling"))
        .collect();
    for k in 0..=n(w, 2) {
        let rel = rels[(k * 7 + rng.random_range(0..3)) % rels.len()];
        let (name, rid) = (
            w.relations[rel].relative_name.clone(),
            w.relations[rel].relative_resident_id.clone(),
        );
        let from = rng.random_range(2..10);
        if k == n(w, 2) {
            let male = rng.random_bool(0.5);
            let birth =
                chrono::NaiveDate::from_yo_opt(rng.random_range(1945..1960), 100).expect("valid");
            let other = w.unique(|| crate::ids::resident_id(&mut rng, "330110", birth, male));
            let rows = personnel::benefit_series(w, &name, &other, from, Money::yuan(980));
            let desc = format!("低保领取人{name}与干部亲属同名，但身份证号不同（正常）");
            w.lookalike(
                "coi_relative_on_benefits",
                desc,
                ("recipient", other.clone()),
                vec![r(&w.benefits[rows[0]])],
            );
        } else {
            let rows = personnel::benefit_series(w, &name, &rid, from, Money::yuan(1080));
            let mut refs = vec![r(&w.relations[rel])];
            refs.extend(rows.iter().map(|&b| r(&w.benefits[b])));
            let desc = format!(
                "{}申报的特定关系人{name}领取城乡低保",
                w.relations[rel].person_id
            );
            w.anomaly(
                "coi_relative_on_benefits",
                desc,
                ("person", w.relations[rel].person_id.clone()),
                refs,
            );
        }
    }
}
