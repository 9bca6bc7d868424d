use qinglian_core::{EvidenceRow, Severity};

use super::*;

/// A market of 60 tenders: a ring of three firms (R1–R3) that bid together on 12 tenders
/// and take turns winning, R3 never winning outside; 20 honest firms bidding at random.
fn market() -> Vec<(String, String, Option<String>, bool)> {
    let mut rows = Vec::new();
    let mut x: u64 = 3;
    let mut next = move |m: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    for t in 0..60 {
        let tender = format!("T{t:02}");
        let mut bidders: Vec<String> = Vec::new();
        while bidders.len() < 4 {
            let b = format!("H{:02}", next(20));
            if !bidders.contains(&b) {
                bidders.push(b);
            }
        }
        if t < 12 {
            bidders.truncate(1);
            bidders.extend(["R1", "R2", "R3"].map(String::from));
        }
        let winner = if t < 12 {
            ["R1", "R2", "R3"][t % 3].to_owned()
        } else {
            bidders[0].clone()
        };
        for b in bidders {
            let won = b == winner;
            rows.push((tender.clone(), b, Some(format!("B{}", t % 5)), won));
        }
    }
    rows
}

fn ev(n: usize) -> Vec<EvidenceRow> {
    crate::emit::test_evidence("bids", n)
}

fn bids(rows: &[(String, String, Option<String>, bool)]) -> Vec<Bid<'_>> {
    rows.iter()
        .map(|(t, b, buyer, won)| Bid {
            tender: t,
            bidder: b,
            buyer: buyer.as_deref(),
            won: *won,
        })
        .collect()
}

#[test]
fn a_rotating_ring_is_found_with_its_subgraph() {
    let rows = market();
    let b = bids(&rows);
    let r = analyse(&b, &Params::default());
    assert_eq!(r.n_tenders, 60);
    let ring: Vec<&PairEdge> = r
        .pairs
        .iter()
        .filter(|e| e.a.starts_with('R') && e.b.starts_with('R'))
        .collect();
    assert_eq!(ring.len(), 3, "{:?}", r.pairs);
    assert_eq!(ring[0].together, 12);
    // R1 and R2 bid only in the ring's 12 tenders: expected 12·12/60 = 2.4, lift 5.
    assert!((ring[0].expected - 2.4).abs() < 1e-9);
    assert_eq!(r.groups.len(), 1, "{:?}", r.groups);
    let g = &r.groups[0];
    assert_eq!(g.members, vec!["R1", "R2", "R3"]);
    assert!(g.rotation);
    assert_eq!(g.group_wins, 12);
    assert!((g.evenness - 1.0).abs() < 1e-9);
    let f = findings(&r, &b, &ev(b.len()), &Params::default()).unwrap();
    let gf = f.iter().find(|f| f.subject.kind == "bidder_group").unwrap();
    assert_eq!(gf.severity, Severity::High);
    assert_eq!(gf.evidence.len(), 36, "three members on twelve tenders");
    assert!(
        gf.explanation_zh.contains("同场 12 次，随机期望 2.4 次"),
        "{}",
        gf.explanation_zh
    );
    let edges: Vec<PairEdge> = serde_json::from_str(&gf.facts["edges"]).unwrap();
    assert_eq!(edges.len(), 3);
}

#[test]
fn honest_market_stays_silent() {
    let rows: Vec<_> = market()
        .into_iter()
        .filter(|r| !r.1.starts_with('R'))
        .collect();
    let r = analyse(&bids(&rows), &Params::default());
    assert!(r.pairs.is_empty(), "{:?}", r.pairs);
    assert!(r.groups.is_empty());
    assert!(r.cover_bidders.is_empty(), "{:?}", r.cover_bidders);
    assert!(r.loyal_winners.is_empty(), "{:?}", r.loyal_winners);
}

#[test]
fn cover_bidder_and_loyal_winner() {
    let mut rows = Vec::new();
    for t in 0..10 {
        let tender = format!("T{t}");
        rows.push((
            tender.clone(),
            "W".to_owned(),
            Some("Hospital".to_owned()),
            true,
        ));
        rows.push((
            tender.clone(),
            "C".to_owned(),
            Some("Hospital".to_owned()),
            false,
        ));
        rows.push((
            tender.clone(),
            format!("X{t}"),
            Some("Hospital".to_owned()),
            false,
        ));
    }
    let r = analyse(&bids(&rows), &Params::default());
    assert_eq!(r.cover_bidders.len(), 1);
    assert_eq!(r.cover_bidders[0].bidder, "C");
    assert_eq!(r.cover_bidders[0].partner, "W");
    assert_eq!(r.cover_bidders[0].partner_wins_together, 10);
    assert_eq!(r.loyal_winners.len(), 1);
    assert_eq!(r.loyal_winners[0].bidder, "W");
}

#[test]
fn a_loyal_winner_must_win_more_than_luck_explains() {
    // Two firms bid only for the hospital, each in tenders of four: "L" wins all 8 of its
    // tenders ((¼)⁸ ≈ 1.5e-5), "G" wins 4 of its 5 (p ≈ 0.016, a good firm). Thirty small
    // firms bid once each and lose (they are not tested: fewer than five bids).
    let mut rows = Vec::new();
    let mut filler = 0;
    let mut tender = |rows: &mut Vec<_>, t: String, firm: &str, won: bool| {
        rows.push((t.clone(), firm.to_owned(), Some("Hospital".to_owned()), won));
        for _ in 0..3 {
            filler += 1;
            rows.push((
                t.clone(),
                format!("F{filler}"),
                Some("Hospital".to_owned()),
                !won && filler % 3 == 0,
            ));
        }
    };
    for t in 0..8 {
        tender(&mut rows, format!("L{t}"), "L", true);
    }
    for t in 0..5 {
        tender(&mut rows, format!("G{t}"), "G", t < 4);
    }
    let r = analyse(&bids(&rows), &Params::default());
    let names: Vec<&str> = r.loyal_winners.iter().map(|l| l.bidder.as_str()).collect();
    assert_eq!(names, vec!["L"], "{:?}", r.loyal_winners);
    let l = &r.loyal_winners[0];
    assert_eq!(l.wins_with_buyer, 8);
    assert!((l.expected_wins - 2.0).abs() < 1e-9);
    assert!((l.p_value - 0.25f64.powi(8)).abs() < 1e-12);
    // Without the chance model (alpha 1 keeps every candidate) "G" would be called too.
    let loose = Params {
        alpha: f64::INFINITY,
        ..Params::default()
    };
    let all = analyse(&bids(&rows), &loose);
    assert_eq!(all.loyal_winners.len(), 2);
    let f = findings(&r, &bids(&rows), &ev(rows.len()), &Params::default()).unwrap();
    let loyal = f.iter().find(|f| f.subject.id == "L").unwrap();
    assert!(
        loyal.explanation_zh.contains("期望中标 2.0 次"),
        "{}",
        loyal.explanation_zh
    );
}

#[test]
fn markets_analysed_apart_share_one_bonferroni_correction() {
    // "A" and "B" meet in 4 of 12 tenders that others bid in too: significant when their
    // market is the only one tested, not when the run tests a thousand pairs elsewhere.
    let mut rows = Vec::new();
    for t in 0..12 {
        let tender = format!("T{t}");
        let buyer = Some("Hospital".to_owned());
        if t < 4 {
            rows.push((tender.clone(), "A".to_owned(), buyer.clone(), t % 2 == 0));
            rows.push((tender.clone(), "B".to_owned(), buyer.clone(), t % 2 == 1));
        }
        for k in 0..3 {
            rows.push((
                tender.clone(),
                format!("X{t}_{k}"),
                buyer.clone(),
                t >= 4 && k == 0,
            ));
        }
    }
    let b = bids(&rows);
    let p = Params::default();
    let alone = analyse(&b, &p);
    assert_eq!(alone.pairs_tested, 1);
    assert_eq!(alone.pairs.len(), 1, "{:?}", alone.pairs);
    assert!(alone.pairs[0].p_value < p.alpha && alone.pairs[0].p_value * 1000.0 > p.alpha);
    let family = Family {
        pairs: 1000,
        firms: alone.firms_tested,
        covers: alone.covers_tested,
    };
    let within = analyse_within(&b, &p, Some(family));
    assert!(within.pairs.is_empty(), "{:?}", within.pairs);
    assert!(within.groups.is_empty());
    // A family smaller than the market's own count cannot loosen the test.
    let small = analyse_within(&b, &p, Some(Family::default()));
    assert_eq!(small.pairs, alone.pairs);
}

#[test]
fn a_firm_that_often_loses_is_no_cover_bidder_unless_its_partner_wins_beyond_luck() {
    // "L" bids in 9 tenders of four and wins none; "P" bids in 4 of them and wins 2 — half,
    // as the old share rule wanted, but about what luck gives (p ≈ 0.26).
    let mut rows = Vec::new();
    for t in 0..9 {
        let tender = format!("T{t}");
        let buyer = Some("School".to_owned());
        rows.push((tender.clone(), "L".to_owned(), buyer.clone(), false));
        let with_p = t < 4;
        if with_p {
            rows.push((tender.clone(), "P".to_owned(), buyer.clone(), t < 2));
        }
        for k in 0..(3 - usize::from(with_p)) {
            let won = k == 0 && !(with_p && t < 2);
            rows.push((tender.clone(), format!("X{t}_{k}"), buyer.clone(), won));
        }
    }
    let r = analyse(&bids(&rows), &Params::default());
    assert_eq!(r.covers_tested, 1);
    assert!(r.cover_bidders.is_empty(), "{:?}", r.cover_bidders);
    let loose = Params {
        alpha: f64::INFINITY,
        ..Params::default()
    };
    let all = analyse(&bids(&rows), &loose);
    assert_eq!(
        all.cover_bidders.len(),
        1,
        "the share rule alone would call it"
    );
    let c = &all.cover_bidders[0];
    assert_eq!(
        (c.partner.as_str(), c.together, c.partner_wins_together),
        ("P", 4, 2)
    );
    assert!((c.expected_partner_wins - 4.0 / 3.0).abs() < 1e-9);
    assert!(c.p_value > 0.2, "{c:?}");
}
