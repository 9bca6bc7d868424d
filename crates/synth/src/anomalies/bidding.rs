//! PRO — collusion between bidders: shared machines, documents, accounts, phones and
//! owners, identical or patterned prices, cover prices placed a hair above the winner, a
//! bid-rotation ring and a cover bidder, plus the honest look-alike of two bidders
//! registered in one business park.

use chrono::Days;
use rand::Rng;

use super::pro::{open_plan, tender_rows, tid};
use super::{fresh_company, n, r};
use crate::procurement;
use crate::suppliers;
use crate::world::{World, d};
use crate::writer::Money;

pub(super) fn fingerprints(w: &mut World, rng: &mut impl Rng) {
    type Tweak = fn(&mut World, usize, usize);
    let tweaks: [(&'static str, &str, Tweak); 7] = [
        (
            "pro_shared_ip",
            "两家投标人从同一IP地址上传投标文件",
            |w, a, b| w.bids[b].ip = w.bids[a].ip.clone(),
        ),
        (
            "pro_shared_mac",
            "两家投标人的投标文件出自同一台电脑（MAC相同）",
            |w, a, b| w.bids[b].mac = w.bids[a].mac.clone(),
        ),
        (
            "pro_shared_file_hash",
            "两家投标人的投标文件哈希值完全相同",
            |w, a, b| w.bids[b].file_hash = w.bids[a].file_hash.clone(),
        ),
        (
            "pro_shared_author",
            "两家投标人的投标文件作者为同一人",
            |w, a, b| w.bids[b].document_author = w.bids[a].document_author.clone(),
        ),
        (
            "pro_shared_deposit_account",
            "两家投标人的投标保证金从同一账户缴纳",
            |w, a, b| w.bids[b].deposit_account = w.bids[a].deposit_account.clone(),
        ),
        (
            "pro_shared_contact",
            "两家投标人留存的联系电话相同",
            |w, a, b| w.bids[b].phone = w.bids[a].phone.clone(),
        ),
        (
            "pro_identical_prices",
            "两家投标人报价完全相同",
            |w, a, b| w.bids[b].amount = w.bids[a].amount,
        ),
    ];
    for (kind, desc, tweak) in tweaks {
        for i in 0..n(w, 2) {
            let p = open_plan(w, rng);
            let o = procurement::run(w, rng, &p);
            let (a, b) = if i % 2 == 0 && kind != "pro_identical_prices" {
                (o.bids[0], o.bids[1])
            } else {
                (o.bids[1], o.bids[2])
            };
            tweak(w, a, b);
            w.anomaly(
                kind,
                desc.into(),
                tid(w, &o),
                vec![r(&w.bids[a]), r(&w.bids[b])],
            );
        }
    }
    for _ in 0..n(w, 2) {
        let p = open_plan(w, rng);
        let o = procurement::run(w, rng, &p);
        let (holder, rid) = suppliers::natural_person(w, rng);
        let mut rows = Vec::new();
        for &b in &o.bids[..2] {
            let c = w
                .company_index(&w.bids[b].company_id)
                .expect("bidder exists");
            let since = w.companies[c].founded_on.unwrap_or(d(2015, 1, 1));
            let l = suppliers::link_person(w, c, "shareholder", &holder, &rid, Some(20.0), since);
            rows.push(r(&w.links[l]));
            rows.push(r(&w.bids[b]));
        }
        w.anomaly(
            "pro_shared_shareholder",
            format!("两家投标人有共同股东{holder}"),
            tid(w, &o),
            rows,
        );
    }
    for _ in 0..n(w, 1).max(2) {
        let p = open_plan(w, rng);
        let o = procurement::run(w, rng, &p);
        let step = Money((w.bids[o.bids[0]].amount.0 / 50 / 10_000) * 10_000);
        for (k, &b) in o.bids.iter().enumerate() {
            w.bids[b].amount = Money(w.bids[o.bids[0]].amount.0 + step.0 * k as i64);
            w.bids[b].disqualified = Some(false);
        }
        w.anomaly(
            "pro_price_pattern",
            "各投标报价呈等差数列".into(),
            tid(w, &o),
            tender_rows(w, &o),
        );
    }
    let p = open_plan(w, rng);
    let o = procurement::run(w, rng, &p);
    let park = "江州市高新区创业园孵化楼A座";
    let mut rows = Vec::new();
    for &b in &o.bids[1..3] {
        let c = w
            .company_index(&w.bids[b].company_id)
            .expect("bidder exists");
        w.companies[c].address = park.into();
        rows.push(r(&w.companies[c]));
    }
    w.lookalike(
        "pro_shared_contact",
        "两家投标人注册在同一创业园孵化楼（共享注册地址，正常）".into(),
        tid(w, &o),
        rows,
    );
}

pub(super) fn cartels(w: &mut World, rng: &mut impl Rng) {
    // Building works: a line where honest firms bid for the organisation's projects too, so
    // the ring is a cartel within a market, not a market of its own.
    let ring: Vec<usize> = (0..4).map(|_| fresh_company(w, rng, "works")).collect();
    let mut rows = Vec::new();
    for k in 0..8 {
        let est = Money::yuan(rng.random_range(300..800) * 1000);
        let day = w.rand_workday(
            rng,
            d(2024, 1, 1) + Days::new(80 * k),
            d(2024, 1, 1) + Days::new(80 * k + 60),
        );
        let mut p = procurement::normal_plan(w, rng, "works", est, day);
        p.unit = "S03".into();
        p.bidders = (0..4).map(|j| ring[(k as usize + j) % 4]).collect();
        let o = procurement::run(w, rng, &p);
        rows.push(r(&w.tenders[o.tender]));
    }
    let ids: Vec<String> = ring
        .iter()
        .map(|&c| w.companies[c].company_id.clone())
        .collect();
    w.anomaly(
        "pro_bid_rotation",
        format!("{}四家企业反复共同投标并轮流中标", ids.join("、")),
        ("group", ids.join("+")),
        rows,
    );
    // A cover bidder makes up the numbers for one partner, who wins most of their
    // tenders together; now and then it also pads a tender the partner is not in.
    let cover = fresh_company(w, rng, "it");
    let partner = fresh_company(w, rng, "it");
    let mut rows = Vec::new();
    for k in 0..10 {
        let est = Money::yuan(rng.random_range(200..900) * 1000);
        let day = w.rand_workday(rng, d(2024, 1, 15), d(2025, 9, 30));
        let mut p = procurement::normal_plan(w, rng, "it", est, day);
        if k % 4 != 3 {
            p.bidders.insert(0, partner);
        }
        p.bidders.insert(1, cover);
        let o = procurement::run(w, rng, &p);
        rows.push(r(&w.bids[o.bids[1]]));
    }
    let id = w.companies[cover].company_id.clone();
    w.anomaly(
        "pro_cover_bidder",
        format!("{id}两年内投标10次从未中标，疑似陪标"),
        ("company", id),
        rows,
    );
}

/// Cover prices: the losing bids sit 0.2–0.9 % above the designated winner, where
/// independent bids reach several per cent. Nothing else about the tender is odd (no
/// shared trace, no identical price, no pattern), so only the dispersion screens see it.
pub(super) fn cohesive(w: &mut World, rng: &mut impl Rng) {
    for _ in 0..n(w, 3) {
        let p = open_plan(w, rng);
        let o = procurement::run(w, rng, &p);
        let win = w.bids[o.bids[0]].amount;
        let mut used = vec![win];
        for &b in &o.bids[1..] {
            let mut amount = win;
            while used.contains(&amount) {
                amount = Money(
                    (win.0 as f64 * rng.random_range(1.002..1.009) / 100.0).round() as i64 * 100,
                );
            }
            used.push(amount);
            w.bids[b].amount = amount;
        }
        w.anomaly(
            "pro_low_bid_variance",
            format!(
                "{}份落标报价均在中标价之上0.2%–0.9%以内，离散度远低于独立竞争（疑似陪标报价）",
                o.bids.len() - 1
            ),
            tid(w, &o),
            tender_rows(w, &o),
        );
    }
}
