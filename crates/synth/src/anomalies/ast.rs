//! AST — assets and official vehicles: cars out on holidays, fills above the tank,
//! repeated or non-fuel purchases, fuel bought away from home or away from the car, a
//! fixed private route, assets sold cheap or to a relative.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use qinglian_core::calendar::DayKind;
use rand::Rng;

use super::{n, r};
use crate::assets::{AWAY, BASE, STATIONS, fill, trip};
use crate::truth::RowRef;
use crate::world::World;
use crate::writer::Money;

fn at(day: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("valid time"))
}

/// A working day on which vehicle `v` neither drove nor filled up; it is then taken.
fn idle_day(
    w: &World,
    busy: &mut HashSet<(String, NaiveDate)>,
    rng: &mut impl Rng,
    v: usize,
) -> NaiveDate {
    loop {
        let day = w.workdays[rng.random_range(5..w.workdays.len() - 5)];
        if busy.insert((w.vehicles[v].vehicle_id.clone(), day)) {
            return day;
        }
    }
}

fn veh(w: &World, v: usize) -> (&'static str, String) {
    ("vehicle", w.vehicles[v].vehicle_id.clone())
}

pub fn inject(w: &mut World) {
    let mut rng = w.rng("anomaly-ast");
    let rng = &mut rng;
    let nv = w.vehicles.len();
    let mut busy: HashSet<(String, NaiveDate)> = w
        .trips
        .iter()
        .map(|t| (t.vehicle_id.clone(), t.start_at.date()))
        .collect();
    busy.extend(w.fuel.iter().map(|f| (f.vehicle_id.clone(), f.at.date())));
    let busy = &mut busy;
    let days: Vec<(NaiveDate, DayKind)> = World::start()
        .iter_days()
        .take_while(|x| *x < World::end())
        .map(|x| (x, w.cal.day_kind(x)))
        .collect();
    let off: Vec<NaiveDate> = days
        .iter()
        .filter(|x| matches!(x.1, DayKind::Holiday(_) | DayKind::Weekend))
        .map(|x| x.0)
        .collect();
    const SCENIC: &[(&str, f64, f64)] = &[
        ("千岛湖景区", 29.605, 119.042),
        ("莫干山风景区", 30.610, 119.870),
        ("安吉竹博园", 30.633, 119.680),
    ];
    for i in 0..n(w, 3) {
        let v = rng.random_range(0..nv);
        let day = off[rng.random_range(0..off.len())];
        let home = crate::names::estate(rng);
        let t = trip(
            w,
            v,
            at(day, 9, rng.random_range(0..50)),
            10,
            home,
            SCENIC[i % 3],
            rng.random_range(180.0..320.0),
            "",
            false,
        );
        w.anomaly(
            "ast_holiday_car_use",
            format!("{day}（非工作日）公车前往{}，无派车审批", SCENIC[i % 3].0),
            veh(w, v),
            vec![r(&w.trips[t])],
        );
    }
    {
        let v = rng.random_range(0..nv);
        let day = off[rng.random_range(0..off.len())];
        let t = trip(
            w,
            v,
            at(day, 8, 30),
            6,
            BASE.0,
            ("运河片区项目部", 30.317, 120.150),
            46.0,
            "防汛值班巡查（应急）",
            true,
        );
        w.lookalike(
            "ast_holiday_car_use",
            "休息日经审批的防汛值班用车（正常）".into(),
            veh(w, v),
            vec![r(&w.trips[t])],
        );
    }
    for _ in 0..n(w, 2) {
        let v = rng.random_range(0..nv);
        let day = idle_day(w, busy, rng, v);
        let tank = w.vehicles[v].tank_liters.unwrap_or(60.0);
        let f = fill(
            w,
            v,
            at(day, 15, 12),
            tank * rng.random_range(1.3..1.6),
            "gasoline",
            STATIONS[0],
            "江州",
            None,
        );
        w.anomaly(
            "ast_fuel_above_tank",
            format!("单次加油{}升，超过油箱容积{tank}升", w.fuel[f].liters),
            veh(w, v),
            vec![r(&w.fuel[f])],
        );
    }
    for _ in 0..n(w, 2) {
        let v = rng.random_range(0..nv);
        let day = idle_day(w, busy, rng, v);
        let rows: Vec<RowRef> = [(9, 10), (12, 40), (16, 20)]
            .iter()
            .map(|&(h, m)| {
                let f = fill(
                    w,
                    v,
                    at(day, h, m),
                    rng.random_range(12.0..17.0),
                    "gasoline",
                    STATIONS[rng.random_range(0..STATIONS.len())],
                    "江州",
                    None,
                );
                r(&w.fuel[f])
            })
            .collect();
        w.anomaly(
            "ast_repeated_fills",
            "同一油卡一天内加油3次".into(),
            veh(w, v),
            rows,
        );
    }
    if let Some(t) = w.trips.iter().position(|t| t.km.unwrap_or(0.0) > 300.0) {
        let v = w
            .vehicles
            .iter()
            .position(|x| x.vehicle_id == w.trips[t].vehicle_id)
            .expect("exists");
        let day = w.trips[t].start_at.date();
        let city = w.trips[t].to_place.clone();
        let away = AWAY.iter().find(|a| a.0 == city).expect("away city");
        let a = fill(
            w,
            v,
            at(day, 7, 50),
            30.0,
            "gasoline",
            STATIONS[0],
            "江州",
            None,
        );
        let b = fill(
            w,
            v,
            at(day, 15, 30),
            38.0,
            "gasoline",
            (&format!("中石化{}服务区加油站", away.0), away.1, away.2),
            away.0,
            None,
        );
        let rows = vec![r(&w.fuel[a]), r(&w.fuel[b]), r(&w.trips[t])];
        w.lookalike(
            "ast_repeated_fills",
            format!("经审批赴{city}长途公务，当天往返途中加油两次（正常）"),
            veh(w, v),
            rows,
        );
        w.lookalike(
            "ast_fuel_outside_area",
            format!("经审批赴{city}公务，在当地加油（正常）"),
            veh(w, v),
            vec![r(&w.fuel[b]), r(&w.trips[t])],
        );
    }
    for _ in 0..n(w, 2) {
        let v = rng.random_range(0..nv);
        let day = idle_day(w, busy, rng, v);
        let f = fill(
            w,
            v,
            at(day, 11, 5),
            0.0,
            "non_fuel",
            STATIONS[1],
            "江州",
            Some(Money::yuan(rng.random_range(600..2_000))),
        );
        w.anomaly(
            "ast_non_fuel_goods",
            "油卡在加油站便利店购买非油品".into(),
            veh(w, v),
            vec![r(&w.fuel[f])],
        );
    }
    const FAR: &[(&str, &str, f64, f64)] = &[
        ("黄山", "中石油黄山屯溪加油站", 29.715, 118.338),
        ("苏州", "中石化苏州工业园区加油站", 31.300, 120.585),
    ];
    for i in 0..n(w, 2) {
        let v = rng.random_range(0..nv);
        let day = idle_day(w, busy, rng, v);
        let (city, st, lat, lon) = FAR[i % 2];
        let f = fill(
            w,
            v,
            at(day, 16, 40),
            rng.random_range(35.0..50.0),
            "gasoline",
            (st, lat, lon),
            city,
            None,
        );
        w.anomaly(
            "ast_fuel_outside_area",
            format!("车辆当天无出车记录，油卡却在{city}加油"),
            veh(w, v),
            vec![r(&w.fuel[f])],
        );
    }
    for _ in 0..n(w, 2) {
        let v = rng.random_range(0..nv);
        let day = idle_day(w, busy, rng, v);
        let t = trip(
            w,
            v,
            at(day, 8, 0),
            10,
            BASE.0,
            (AWAY[1].0, AWAY[1].1, AWAY[1].2),
            570.0,
            "赴南京对接项目",
            true,
        );
        let f = fill(
            w,
            v,
            at(day, 13, 0),
            42.0,
            "gasoline",
            STATIONS[2],
            "江州",
            None,
        );
        w.anomaly(
            "ast_card_car_apart",
            "车辆当天在南京，油卡却在江州加油".into(),
            veh(w, v),
            vec![r(&w.fuel[f]), r(&w.trips[t])],
        );
    }
    for _ in 0..n(w, 1) {
        let v = rng.random_range(0..nv);
        let home = crate::names::estate(rng);
        let mut rows = Vec::new();
        for _ in 0..12 {
            let day = idle_day(w, busy, rng, v);
            let t = trip(
                w,
                v,
                at(day, 19, rng.random_range(20..50)),
                2,
                home,
                ("云栖高尔夫俱乐部", 30.183, 120.082),
                rng.random_range(22.0..26.0),
                "公务接待",
                true,
            );
            rows.push(r(&w.trips[t]));
        }
        w.anomaly(
            "ast_fixed_private_route",
            format!("12次晚间往返{home}与高尔夫俱乐部"),
            veh(w, v),
            rows,
        );
    }
    disposals(w, rng);
}

fn disposals(w: &mut World, rng: &mut impl Rng) {
    let big: Vec<usize> = (0..w.assets.len())
        .filter(|&a| {
            w.assets[a].status == "in_use"
                && w.assets[a].value.is_some_and(|v| v > Money::yuan(30_000))
        })
        .collect();
    for k in 0..=n(w, 2) {
        let a = big[(k * 5 + 1) % big.len()];
        let value = w.assets[a].value.expect("set");
        let valuation = value.scale(0.4);
        let day = w.workdays[rng.random_range(100..w.workdays.len() - 5)];
        let anomaly = k < n(w, 2);
        let asset = &mut w.assets[a];
        asset.status = "disposed";
        asset.disposed_on = Some(day);
        asset.valuation = Some(valuation);
        if anomaly {
            asset.disposal_price = Some(valuation.scale(rng.random_range(0.08..0.15)));
            asset.buyer_name = "江州市旺达贸易商行".into();
            let desc = format!("评估价{}元的资产以不到两成的价格处置", valuation.as_f64());
            w.anomaly(
                "ast_disposal_cheap",
                desc,
                ("asset", w.assets[a].asset_id.clone()),
                vec![r(&w.assets[a])],
            );
        } else {
            let rel = (day.ordinal() as usize) % w.relations.len();
            asset.disposal_price = Some(valuation.scale(0.98));
            asset.buyer_name = w.relations[rel].relative_name.clone();
            let desc = format!(
                "资产处置给职工{}的特定关系人{}",
                w.relations[rel].person_id, w.relations[rel].relative_name
            );
            w.anomaly(
                "ast_disposal_to_related",
                desc,
                ("asset", w.assets[a].asset_id.clone()),
                vec![r(&w.assets[a]), r(&w.relations[rel])],
            );
        }
    }
}
