//! Suppliers and bidders: companies with valid USCCs, their legal representatives,
//! shareholders, directors and contacts, plus the public debarment list.

use chrono::NaiveDate;
use rand::Rng;

use crate::ids;
use crate::names;
use crate::records::{Company, CompanyLink, Sanction};
use crate::world::{CompanyMeta, World, d};
use crate::writer::Money;

/// Procurement categories: code, industry word in company names, contract kind, budget line.
pub const CATEGORIES: &[(&str, &str, &str, &str)] = &[
    ("works", "建设工程", "works", "31005"),
    ("municipal", "市政工程", "works", "31005"),
    ("decoration", "装饰工程", "works", "31005"),
    ("landscape", "园林绿化工程", "works", "31005"),
    ("equipment", "机电设备", "goods", "31002"),
    ("it", "信息技术", "goods", "31002"),
    ("office", "办公用品", "goods", "30201"),
    ("furniture", "家具", "goods", "31002"),
    ("property", "物业管理", "services", "30209"),
    ("consulting", "工程咨询", "services", "30227"),
    ("media", "广告传媒", "services", "30227"),
    ("vehicle_service", "汽车服务", "services", "30231"),
    ("catering", "餐饮管理", "services", "30227"),
    ("labour", "人力资源服务", "services", "30227"),
    ("security", "保安服务", "services", "30227"),
];

/// The contract kind and budget line of a category.
pub fn category_info(code: &str) -> (&'static str, &'static str) {
    let c = CATEGORIES
        .iter()
        .find(|c| c.0 == code)
        .expect("known category (this is a bug)");
    (c.2, c.3)
}

/// Companies of a category that take part in ordinary activity.
pub fn regular_of(w: &World, category: &str) -> Vec<usize> {
    (0..w.companies.len())
        .filter(|&i| w.cm[i].category == category && !w.cm[i].reserved)
        .collect()
}

/// Builds the supplier base and the debarment list.
pub fn build(w: &mut World) {
    let mut rng = w.rng("suppliers");
    for i in 0..w.p.suppliers {
        let cat = CATEGORIES[i % CATEGORIES.len()].0;
        let founded =
            NaiveDate::from_yo_opt(rng.random_range(1998..2022), rng.random_range(1..360))
                .expect("valid day");
        new_company(w, &mut rng, cat, founded);
    }
    // Outside firms on the national lists (never our suppliers).
    for _ in 0..(w.p.suppliers / 15).max(10) {
        let cat = names::pick(&mut rng, CATEGORIES).1;
        let region = ids::region(&mut rng);
        let listed = NaiveDate::from_yo_opt(rng.random_range(2021..2026), rng.random_range(1..300))
            .expect("valid day");
        let uscc = w.unique(|| ids::uscc(&mut rng, region));
        w.sanctions.push(Sanction {
            name: names::company(&mut rng, cat),
            uscc,
            listed_on: listed,
            until: Some(listed + chrono::Days::new(365 * 3)),
            authority: (names::pick(
                &mut rng,
                &[
                    "财政部",
                    "浙江省财政厅",
                    "江州市中级人民法院",
                    "江州市财政局",
                ],
            ))
            .into(),
            ..Sanction::default()
        });
    }
}

/// Adds a company with its registry links; returns its index.
pub fn new_company(
    w: &mut World,
    rng: &mut impl Rng,
    category: &'static str,
    founded: NaiveDate,
) -> usize {
    let industry = CATEGORIES
        .iter()
        .find(|c| c.0 == category)
        .map_or("商贸", |c| c.1);
    let kind = category_info(category).0;
    let id = w.next_id("C", 5);
    let region = ids::HOME_REGIONS[rng.random_range(0..ids::HOME_REGIONS.len())];
    let uscc = w.unique(|| ids::uscc(rng, region));
    let name = w.unique(|| names::company(rng, industry));
    let big = kind == "works" || rng.random_bool(0.3);
    let staff = if big {
        rng.random_range(40..600)
    } else {
        rng.random_range(5..80)
    };
    let capital = Money::yuan(
        if big {
            rng.random_range(10..500)
        } else {
            rng.random_range(1..30)
        } * 100_000,
    );
    let (rep, rep_id) = natural_person(w, rng);
    let phone = w.unique(|| ids::landline(rng));
    let account = w.unique(|| ids::corporate_account(rng));
    w.companies.push(Company {
        company_id: id.clone(),
        name,
        uscc,
        legal_rep_name: rep.clone(),
        legal_rep_resident_id: rep_id.clone(),
        registered_capital: Some(capital),
        founded_on: Some(founded),
        address: names::office_address(rng),
        phone,
        email: format!(
            "{}@{}.com",
            id.to_lowercase(),
            names::pick(rng, &["163", "126", "qq", "sina"])
        ),
        bank_account: account,
        staff_count: Some(staff),
    });
    let since = Some(founded);
    let rep_phone = w.unique(|| ids::mobile(rng));
    let link = |role, name: &str, rid: &str, phone: &str, share: Option<f64>| CompanyLink {
        company_id: id.clone(),
        party_name: name.into(),
        role,
        party_resident_id: rid.into(),
        party_phone: phone.into(),
        share_pct: share,
        since,
        ..CompanyLink::default()
    };
    let mut links = vec![link(
        "legal_representative",
        &rep,
        &rep_id,
        &rep_phone,
        None,
    )];
    let holders = rng.random_range(1..4);
    let mut left = 100.0;
    for h in 0..holders {
        let share = if h + 1 == holders {
            left
        } else {
            f64::from(rng.random_range(10..(left as u32 - 10 * (holders - h - 1)).max(11)))
        };
        left -= share;
        if h == 0 {
            links.push(link("shareholder", &rep, &rep_id, &rep_phone, Some(share)));
        } else {
            let (n, r) = natural_person(w, rng);
            links.push(link("shareholder", &n, &r, "", Some(share)));
        }
    }
    if big {
        // A board: the legal representative chairs it, one outside director, a supervisor
        // and a general manager.
        links.push(link("director", &rep, &rep_id, &rep_phone, None));
        for role in ["director", "supervisor", "manager"] {
            let (n, r) = natural_person(w, rng);
            links.push(link(role, &n, &r, "", None));
        }
    }
    // Bid documents carry the contact as author: keep names distinct between firms.
    let male = rng.random_bool(0.5);
    let contact = w.unique(|| names::person(rng, male, 1985));
    let contact_phone = w.unique(|| ids::mobile(rng));
    links.push(link("contact", &contact, "", &contact_phone, None));
    let mut seen = std::collections::HashSet::new();
    links.retain(|l| seen.insert((l.party_name.clone(), l.role)));
    w.links.extend(links);
    let ip = w.unique(|| ids::ip(rng));
    let mac = w.unique(|| ids::mac(rng));
    w.cm.push(CompanyMeta {
        category,
        reserved: false,
        ip,
        mac,
        contact,
        contact_phone,
    });
    w.companies.len() - 1
}

/// A person outside the organisation: name and resident id.
pub fn natural_person(w: &mut World, rng: &mut impl Rng) -> (String, String) {
    let male = rng.random_bool(0.7);
    let born = rng.random_range(1960..1995);
    let birth = NaiveDate::from_yo_opt(born, rng.random_range(1..366)).expect("valid day");
    let region = ids::region(rng);
    let rid = w.unique(|| ids::resident_id(rng, region, birth, male));
    (names::person(rng, male, born), rid)
}

/// Adds a registry link of a natural person to a company.
pub fn link_person(
    w: &mut World,
    company: usize,
    role: &'static str,
    name: &str,
    rid: &str,
    share: Option<f64>,
    since: NaiveDate,
) -> usize {
    w.links.push(CompanyLink {
        company_id: w.companies[company].company_id.clone(),
        party_name: name.into(),
        role,
        party_resident_id: rid.into(),
        share_pct: share,
        since: Some(since),
        ..CompanyLink::default()
    });
    w.links.len() - 1
}

/// Sets a company's legal representative (row and registry links) to a given person, who
/// also takes over the old representative's shares; returns the representative link
/// (the shareholder link is the one before it).
pub fn set_legal_rep(w: &mut World, company: usize, name: &str, rid: &str) -> usize {
    let cid = w.companies[company].company_id.clone();
    let founded = w.companies[company].founded_on.unwrap_or(d(2015, 1, 1));
    let old = w.companies[company].legal_rep_name.clone();
    let share = w
        .links
        .iter()
        .find(|l| l.company_id == cid && l.party_name == old && l.role == "shareholder")
        .and_then(|l| l.share_pct);
    w.links.retain(|l| {
        !(l.company_id == cid
            && (l.party_name == old || l.party_name == name)
            && matches!(l.role, "legal_representative" | "shareholder"))
    });
    w.companies[company].legal_rep_name = name.into();
    w.companies[company].legal_rep_resident_id = rid.into();
    link_person(
        w,
        company,
        "shareholder",
        name,
        rid,
        Some(share.unwrap_or(100.0)),
        founded,
    );
    link_person(w, company, "legal_representative", name, rid, None, founded)
}
