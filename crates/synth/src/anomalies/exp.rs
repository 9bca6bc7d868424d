//! EXP — official spending: hotels over the standard, luxury venues, tobacco and liquor,
//! split, duplicate and consecutive invoices, two cities on one day, claims while on
//! leave, an office-supplies spike, receptions over the per-guest standard.

use rand::Rng;

use super::{n, r};
use crate::expenses::{CITIES, HOME_CITY, claim, hotel_standard, trip};
use crate::truth::RowRef;
use crate::world::World;
use crate::writer::Money;

fn staff(w: &World, grades: &[&str]) -> Vec<usize> {
    (0..w.persons.len())
        .filter(|&i| {
            grades.contains(&w.persons[i].grade.as_str())
                && !w.pm[i].reserved
                && !w.pm[i].ghost
                && w.persons[i].leave_date.is_none()
                && w.active(i, World::start())
        })
        .collect()
}

/// A working day (index) on which `p` is simply present.
fn free_day(w: &World, rng: &mut impl Rng, p: usize) -> usize {
    loop {
        let k = rng.random_range(0..w.workdays.len() - 5);
        if w.status[p][k] == 0 && w.active(p, w.workdays[k]) {
            return k;
        }
    }
}

fn attendance(w: &World, p: usize, k: usize) -> RowRef {
    RowRef::Key {
        dataset: "attendance",
        key: format!("{}|{}", w.persons[p].person_id, w.workdays[k]),
    }
}

fn who(w: &World, p: usize) -> (&'static str, String) {
    ("person", w.persons[p].person_id.clone())
}

pub fn inject(w: &mut World) {
    let mut rng = w.rng("anomaly-exp");
    let rng = &mut rng;
    let juniors = staff(w, &["G3", "G4"]);
    let heads = staff(w, &["G2"]);
    let mut done = 0;
    while done < n(w, 3) {
        let p = juniors[rng.random_range(0..juniors.len())];
        let city = rng.random_range(0..CITIES.len());
        let first = free_day(w, rng, p);
        let claims = trip(w, rng, p, first, 3, city);
        let Some(&h) = claims.get(1) else { continue };
        let nights = w.claims[h].nights.unwrap_or(1);
        let rate =
            hotel_standard(&w.persons[p].grade, CITIES[city].1) as f64 * rng.random_range(1.6..2.5);
        w.claims[h].amount = Money::yuan((rate.round() as i64) * nights);
        let desc = format!(
            "住宿费每晚约{:.0}元，超过其职级在{}的标准{}元",
            rate,
            CITIES[city].0,
            hotel_standard(&w.persons[p].grade, CITIES[city].1)
        );
        w.anomaly(
            "exp_over_standard_hotel",
            desc,
            who(w, p),
            vec![r(&w.claims[h])],
        );
        done += 1;
    }
    for i in 0..n(w, 3) {
        let p = heads[rng.random_range(0..heads.len())];
        let k = free_day(w, rng, p);
        let (merchant, cat) = [
            ("江州御景私人会所", "club"),
            ("西湖国宾府餐厅", "luxury_restaurant"),
            ("云栖山庄度假酒店", "resort"),
        ][i % 3];
        let amt = rng.random_range(8_000..20_000);
        let c = claim(
            w,
            rng,
            p,
            w.workdays[k],
            "reception",
            Money::yuan(amt),
            merchant,
            cat,
            HOME_CITY,
        );
        w.claims[c].guests = Some(6);
        w.claims[c].description = "接待考察团".into();
        w.anomaly(
            "exp_luxury_venue",
            format!("在高档场所“{merchant}”公务接待"),
            who(w, p),
            vec![r(&w.claims[c])],
        );
        w.anomaly(
            "exp_reception_over_standard",
            "6人接待人均超过1000元，远超每人150元标准".into(),
            who(w, p),
            vec![r(&w.claims[c])],
        );
    }
    for _ in 0..n(w, 3) {
        let p = heads[rng.random_range(0..heads.len())];
        let k = free_day(w, rng, p);
        let amt = rng.random_range(3_000..9_000);
        let c = claim(
            w,
            rng,
            p,
            w.workdays[k],
            "office_supplies",
            Money::yuan(amt),
            "江州市名烟名酒商行",
            "tobacco_liquor",
            HOME_CITY,
        );
        w.claims[c].description = "购买办公用品".into();
        w.anomaly(
            "exp_tobacco_liquor",
            "以办公用品名义报销烟酒店发票".into(),
            who(w, p),
            vec![r(&w.claims[c])],
        );
    }
    for _ in 0..n(w, 2) {
        let p = juniors[rng.random_range(0..juniors.len())];
        let k = free_day(w, rng, p);
        let rows: Vec<RowRef> = (0..4)
            .map(|_| {
                let amt = rng.random_range(950..1_000);
                let c = claim(
                    w,
                    rng,
                    p,
                    w.workdays[k],
                    "office_supplies",
                    Money::yuan(amt),
                    "江州晨光文具店",
                    "office",
                    HOME_CITY,
                );
                r(&w.claims[c])
            })
            .collect();
        w.anomaly(
            "exp_split_invoices",
            "同日同商户4张发票，每张都略低于1000元审批限额".into(),
            who(w, p),
            rows,
        );
    }
    let mut done = 0;
    while done < n(w, 2) {
        let p = heads[rng.random_range(0..heads.len())];
        let first = free_day(w, rng, p);
        let claims = trip(w, rng, p, first, 2, 0);
        let Some(&h) = claims.get(1) else { continue };
        let c = claim(
            w,
            rng,
            p,
            w.workdays[first],
            "hotel",
            Money::yuan(420),
            "广州白云宾馆",
            "hotel",
            "广州",
        );
        w.claims[c].nights = Some(1);
        w.anomaly(
            "exp_impossible_travel",
            "同一天在北京和广州均有交通、住宿报销".into(),
            who(w, p),
            vec![r(&w.claims[claims[0]]), r(&w.claims[h]), r(&w.claims[c])],
        );
        done += 1;
    }
    on_leave(w, rng, &juniors);
    let all: Vec<usize> = (0..w.claims.len())
        .filter(|&c| w.claims[c].kind == "office_supplies")
        .collect();
    let mut done = 0;
    while done < n(w, 2) {
        let src = w.claims[all[rng.random_range(0..all.len())]].clone();
        let p = w.person_index(&src.person_id).expect("claimant exists");
        let from = w.add_wd(src.expense_date, 20);
        let Some(k) = (0..w.workdays.len())
            .find(|&k| w.workdays[k] >= from && w.status[p][k] == 0 && w.active(p, w.workdays[k]))
        else {
            continue;
        };
        let day = w.workdays[k];
        let c = claim(
            w,
            rng,
            p,
            day,
            "office_supplies",
            src.amount,
            &src.merchant,
            &src.merchant_category,
            &src.city,
        );
        w.claims[c].invoice_no.clone_from(&src.invoice_no);
        w.anomaly(
            "exp_duplicate_invoice",
            "同一张发票报销两次".into(),
            who(w, p),
            vec![r(&src), r(&w.claims[c])],
        );
        done += 1;
    }
    for _ in 0..n(w, 1) {
        let p = juniors[rng.random_range(0..juniors.len())];
        let base: u64 = rng.random_range(100_000_000_000_000..900_000_000_000_000);
        let mut rows = Vec::new();
        for j in 0..5u64 {
            let k = free_day(w, rng, p);
            let amt = rng.random_range(300..800);
            let c = claim(
                w,
                rng,
                p,
                w.workdays[k],
                "meal",
                Money::yuan(amt),
                "江州市鸿发餐饮店",
                "restaurant",
                HOME_CITY,
            );
            w.claims[c].invoice_no = format!("25334{:015}", base + j);
            rows.push(r(&w.claims[c]));
        }
        w.anomaly(
            "exp_consecutive_invoices",
            "5张不同日期的餐费发票号码连号".into(),
            who(w, p),
            rows,
        );
    }
    for _ in 0..n(w, 2) {
        let p = heads[rng.random_range(0..heads.len())];
        let k = free_day(w, rng, p);
        let amt = rng.random_range(38_000..65_000);
        let c = claim(
            w,
            rng,
            p,
            w.workdays[k],
            "office_supplies",
            Money::yuan(amt),
            "得力办公江州专营店",
            "office",
            HOME_CITY,
        );
        w.anomaly(
            "exp_office_supplies_spike",
            "一次报销办公用品数万元".into(),
            who(w, p),
            vec![r(&w.claims[c])],
        );
    }
    for _ in 0..n(w, 2) {
        let p = heads[rng.random_range(0..heads.len())];
        let k = free_day(w, rng, p);
        let guests = rng.random_range(4..7);
        let amt = rng.random_range(350..500);
        let c = claim(
            w,
            rng,
            p,
            w.workdays[k],
            "reception",
            Money::yuan(guests * amt),
            "江州人家",
            "restaurant",
            HOME_CITY,
        );
        w.claims[c].guests = Some(guests);
        w.anomaly(
            "exp_reception_over_standard",
            "公务接待人均超过350元，超过每人150元标准".into(),
            who(w, p),
            vec![r(&w.claims[c])],
        );
    }
}

/// Claims dated on days of leave (anomaly) and on days of a business trip (look-alike).
fn on_leave(w: &mut World, rng: &mut impl Rng, juniors: &[usize]) {
    let (mut bad, mut ok) = (0, 0);
    for _ in 0..100_000 {
        if bad >= n(w, 3) && ok >= 2 {
            break;
        }
        let p = juniors[rng.random_range(0..juniors.len())];
        let k = rng.random_range(0..w.workdays.len());
        let day = w.workdays[k];
        if w.status[p][k] == 1 && bad < n(w, 3) {
            let amt = rng.random_range(200..600);
            let c = claim(
                w,
                rng,
                p,
                day,
                "meal",
                Money::yuan(amt),
                "知味馆",
                "restaurant",
                HOME_CITY,
            );
            w.anomaly(
                "exp_claim_on_leave",
                format!("{day}请假期间报销在江州发生的工作餐费"),
                who(w, p),
                vec![r(&w.claims[c]), attendance(w, p, k)],
            );
            bad += 1;
        } else if w.status[p][k] == 2 && ok < 2 {
            let pid = w.persons[p].person_id.clone();
            let trip = w
                .claims
                .iter()
                .filter(|c| c.person_id == pid && c.kind == "travel" && c.expense_date <= day)
                .max_by_key(|c| c.expense_date);
            let Some(city) = trip.map(|c| c.city.clone()) else {
                continue;
            };
            let amt = rng.random_range(30..90);
            let c = claim(
                w,
                rng,
                p,
                day,
                "transport",
                Money::yuan(amt),
                "出租车",
                "transport",
                &city,
            );
            w.lookalike(
                "exp_claim_on_leave",
                format!("{day}为出差日（非请假），在出差地{city}报销交通费（正常）"),
                who(w, p),
                vec![r(&w.claims[c]), attendance(w, p, k)],
            );
            ok += 1;
        }
    }
}
