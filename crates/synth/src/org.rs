//! The organisation: a municipal state-owned group (江州市城市发展集团有限公司) with its
//! leadership, sixteen departments and three subsidiaries, its staff (current, new and
//! departed) and the specially-related persons its cadres declare.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use crate::ids;
use crate::names;
use crate::records::{OrgUnit, Person, PersonRelation};
use crate::world::{GROUP, LARGE_FUND, PersonMeta, TENDER_LIMIT, World, d};
use crate::writer::Money;

/// Departments: id, name, function, relative size.
pub const DEPARTMENTS: &[(&str, &str, &str, usize)] = &[
    ("D01", "综合办公室", "other", 10),
    ("D02", "党群工作部", "other", 6),
    ("D03", "人力资源部", "hr", 8),
    ("D04", "财务管理部", "finance", 12),
    ("D05", "审计部", "audit", 6),
    ("D06", "纪检监察室", "discipline", 5),
    ("D07", "招标采购中心", "procurement", 8),
    ("D08", "工程管理部", "construction", 14),
    ("D09", "投资发展部", "business", 8),
    ("D10", "资产管理部", "logistics", 8),
    ("D11", "安全生产部", "other", 7),
    ("D12", "法务合规部", "other", 5),
    ("D13", "信息中心", "other", 8),
    ("D14", "后勤保障中心", "logistics", 12),
    ("D15", "市场经营部", "business", 10),
    ("D16", "项目建设部", "construction", 14),
];

/// Subsidiaries: id, name, function, relative size.
pub const SUBSIDIARIES: &[(&str, &str, &str, usize)] = &[
    ("S01", "江州城发建设工程有限公司", "construction", 14),
    ("S02", "江州城发物业服务有限公司", "logistics", 12),
    ("S03", "江州城发置业有限公司", "business", 10),
];

const LEADERS: &[&str] = &[
    "党委书记、董事长",
    "党委副书记、总经理",
    "党委委员、副总经理",
    "党委委员、副总经理",
    "党委委员、副总经理",
    "党委委员、纪委书记",
    "党委委员、总会计师",
    "工会主席",
];

const EMPLOYERS: &[&str] = &[
    "江州市第一人民医院",
    "江州市实验小学",
    "江州市教育局",
    "中国工商银行江州分行",
    "江州市税务局",
    "浙江大学",
    "江州电力公司",
    "个体经营",
    "自由职业",
    "江州市中医院",
    "江州日报社",
    "江州市城管局",
];

/// Builds units, staff and declared relatives.
pub fn build(w: &mut World) {
    let mut rng = w.rng("org");
    let head_placeholder = String::new();
    w.units.push(OrgUnit {
        unit_id: GROUP.into(),
        name: "江州市城市发展集团有限公司".into(),
        kind: "unit",
        function: "leadership",
        head_person_id: head_placeholder,
        large_fund_threshold: Some(Money::yuan(LARGE_FUND)),
        tender_threshold: Some(Money::yuan(TENDER_LIMIT)),
        ..OrgUnit::default()
    });
    for (i, title) in LEADERS.iter().enumerate() {
        let born = rng.random_range(1966..1976);
        let p = new_person(w, &mut rng, GROUP, title, "G1", born);
        match i {
            0 => {
                w.roles.head = p;
                w.persons[p].is_head = Some(true);
            }
            1 => w.roles.gm = p,
            2..=4 => w.roles.deputies.push(p),
            5 => w.roles.discipline = p,
            6 => w.roles.cfo = p,
            _ => w.roles.union_chair = p,
        }
    }
    w.units[0].head_person_id = w.persons[w.roles.head].person_id.clone();
    let r = w.roles.clone();
    w.roles.party_committee = vec![
        r.gm,
        r.deputies[0],
        r.deputies[1],
        r.deputies[2],
        r.discipline,
        r.cfo,
        r.head,
    ];
    w.roles.executive = vec![r.deputies[0], r.deputies[1], r.deputies[2], r.cfo, r.gm];

    let per = w.p.staff_per_dept;
    for (id, name, func, size) in DEPARTMENTS.iter().chain(SUBSIDIARIES) {
        let sub = id.starts_with('S');
        w.units.push(OrgUnit {
            unit_id: (*id).into(),
            name: (*name).into(),
            parent_id: GROUP.into(),
            kind: if sub { "subsidiary" } else { "department" },
            function: func,
            large_fund_threshold: sub.then_some(Money::yuan(300_000)),
            tender_threshold: sub.then_some(Money::yuan(TENDER_LIMIT)),
            ..OrgUnit::default()
        });
        let n = (size * per / 10).max(4);
        let titles: &[&str] = if sub {
            &["董事长", "总经理", "副总经理"]
        } else {
            &["部门负责人", "副部长"]
        };
        for k in 0..n {
            let (title, grade, born) = match titles.get(k) {
                Some(t) => (*t, "G2", rng.random_range(1968..1986)),
                None if rng.random_bool(0.3) => ("主管", "G3", rng.random_range(1964..1995)),
                None => (
                    names::pick(
                        &mut rng,
                        &["科员", "专员", "会计", "工程师", "办事员", "业务经理"],
                    ),
                    "G4",
                    rng.random_range(1975..2001),
                ),
            };
            let title = if func == &"finance" && grade == "G4" {
                "会计"
            } else {
                title
            };
            let p = new_person(w, &mut rng, id, title, grade, born);
            if k == 0 {
                w.roles.unit_head.insert((*id).into(), p);
                let u = w.units.len() - 1;
                w.units[u].head_person_id = w.persons[p].person_id.clone();
            }
        }
    }
    staff_turnover(w, &mut rng);
    relatives(w, &mut rng);
}

pub fn new_person(
    w: &mut World,
    rng: &mut impl Rng,
    unit: &str,
    title: &str,
    grade: &str,
    born: i32,
) -> usize {
    let male = rng.random_bool(if grade == "G1" { 0.85 } else { 0.55 });
    let birth = NaiveDate::from_yo_opt(born, rng.random_range(1..366)).expect("valid day");
    let region = ids::region(rng);
    let rid = w.unique(|| ids::resident_id(rng, region, birth, male));
    let id = w.next_id("E", 5);
    let earliest_hire = (born + 22).max(1990);
    let latest = (born + 30).min(2024).max(earliest_hire + 1);
    let hire = NaiveDate::from_yo_opt(
        rng.random_range(earliest_hire..latest),
        rng.random_range(1..360),
    )
    .expect("valid day");
    let phone = w.unique(|| ids::mobile(rng));
    let card = w.unique(|| ids::bank_card(rng));
    w.persons.push(Person {
        person_id: id.clone(),
        name: names::person(rng, male, born),
        resident_id: rid,
        gender: if male { "male" } else { "female" },
        birth_date: Some(birth),
        unit_id: unit.into(),
        position: title.into(),
        grade: grade.into(),
        is_head: Some(false),
        hire_date: Some(hire),
        phone,
        bank_account: card,
        address: names::home_address(rng),
        email: format!("{}@jzcf.com.cn", id.to_lowercase()),
        ..Person::default()
    });
    w.pm.push(PersonMeta {
        male,
        birth_year: born,
        ..PersonMeta::default()
    });
    w.persons.len() - 1
}

/// Some staff join or leave during the period; some left before it (former staff).
fn staff_turnover(w: &mut World, rng: &mut impl Rng) {
    let n = w.persons.len();
    for i in 0..n {
        if w.persons[i].grade == "G1" || w.persons[i].grade == "G2" {
            continue;
        }
        let x: f64 = rng.random();
        let p = &mut w.persons[i];
        if x < 0.05 {
            p.hire_date = Some(w.workdays[rng.random_range(0..w.workdays.len() - 60)]);
        } else if x < 0.09 {
            let born = p.birth_date.expect("set").year();
            let leave = w.workdays[rng.random_range(40..w.workdays.len() - 20)];
            p.leave_date = Some(leave);
            p.leave_reason = if born < 1967 {
                "retired"
            } else {
                names::pick(rng, &["resigned", "resigned", "transferred"])
            };
        }
    }
    // Former staff: left between 2016 and 2023, still in the HR export.
    let former = (n / 25).max(4);
    for _ in 0..former {
        let (id, ..) = DEPARTMENTS[rng.random_range(0..DEPARTMENTS.len())];
        let born = rng.random_range(1965..1992);
        let p = new_person(w, rng, id, "科员", "G4", born);
        let left = NaiveDate::from_yo_opt(rng.random_range(2016..2024), rng.random_range(1..360))
            .expect("valid day");
        let hire = w.persons[p]
            .hire_date
            .expect("set")
            .min(left - chrono::Days::new(400));
        w.persons[p].hire_date = Some(hire);
        w.persons[p].leave_date = Some(left);
        w.persons[p].leave_reason =
            names::pick(rng, &["resigned", "resigned", "dismissed", "transferred"]);
        w.pm[p].reserved = true;
    }
}

/// Relatives declared by cadres (G1, G2) in their personal-matters reports.
fn relatives(w: &mut World, rng: &mut impl Rng) {
    for i in 0..w.persons.len() {
        let g = w.persons[i].grade.as_str();
        if (g != "G1" && g != "G2") || w.persons[i].leave_date.is_some() {
            continue;
        }
        let born = w.pm[i].birth_year;
        let male = w.pm[i].male;
        if rng.random_bool(0.92) {
            let offset = rng.random_range(-3..4);
            add_relative(w, rng, i, "spouse", born + offset, !male);
        }
        if born < 1992 {
            for _ in 0..rng.random_range(1..3) {
                let cb = born + rng.random_range(24..33);
                if cb <= 2016 {
                    let male = rng.random_bool(0.5);
                    add_relative(w, rng, i, "child", cb, male);
                }
            }
        }
        if rng.random_bool(0.3) {
            let offset = rng.random_range(24..32);
            let male = rng.random_bool(0.5);
            add_relative(w, rng, i, "parent", born - offset, male);
        }
        if rng.random_bool(0.3) {
            let offset = rng.random_range(-6..7);
            let male = rng.random_bool(0.5);
            add_relative(w, rng, i, "sibling", born + offset, male);
        }
    }
}

/// Adds one declared relative of person `i`; returns the relation row index.
pub fn add_relative(
    w: &mut World,
    rng: &mut impl Rng,
    i: usize,
    relation: &'static str,
    born: i32,
    male: bool,
) -> usize {
    let own = w.persons[i].name.clone();
    let shares_surname = matches!(relation, "child" | "sibling") || (relation == "parent" && male);
    let surname: String = if shares_surname {
        own.chars().take(1).collect()
    } else {
        names::surname(rng).to_owned()
    };
    let pid = w.persons[i].person_id.clone();
    let name = loop {
        let n = names::person_with_surname(rng, &surname, male, born);
        if n != own
            && !w
                .relations
                .iter()
                .any(|r| r.person_id == pid && r.relative_name == n)
        {
            break n;
        }
    };
    let birth = NaiveDate::from_yo_opt(born, rng.random_range(1..366)).expect("valid day");
    let region = ids::region(rng);
    let rid = w.unique(|| ids::resident_id(rng, region, birth, male));
    let adult = birth < d(2006, 1, 1);
    let working = adult && born > 1962;
    let phone = if adult {
        w.unique(|| ids::mobile(rng))
    } else {
        String::new()
    };
    let account = if working && rng.random_bool(0.5) {
        w.unique(|| ids::bank_card(rng))
    } else {
        String::new()
    };
    w.relations.push(PersonRelation {
        person_id: pid,
        relative_name: name,
        relation,
        relative_resident_id: rid,
        relative_phone: phone,
        relative_bank_account: account,
        relative_employer: if working {
            (names::pick(rng, EMPLOYERS)).into()
        } else {
            String::new()
        },
        ..PersonRelation::default()
    });
    w.relations.len() - 1
}
