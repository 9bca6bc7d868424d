//! Assets and official vehicles: the fleet with tank sizes, drivers and fuel cards,
//! approved trips on working days, refuelling that follows the distance driven, and the
//! fixed-asset register with disposals at fair prices.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};
use rand::Rng;

use crate::names;
use crate::records::{Asset, FuelTxn, Trip, Vehicle};
use crate::world::World;
use crate::writer::Money;

pub const BASE: (&str, f64, f64) = ("集团本部", 30.274, 120.155);
const PLACES: &[(&str, f64, f64)] = &[
    ("市政府", 30.246, 120.210),
    ("市住建局", 30.259, 120.168),
    ("滨江项目工地", 30.208, 120.212),
    ("城北安置房工地", 30.330, 120.140),
    ("市财政局", 30.262, 120.180),
    ("东湖路段工地", 30.290, 120.260),
    ("市公共资源交易中心", 30.284, 120.122),
    ("运河片区项目部", 30.317, 120.150),
    ("江州东站", 30.292, 120.213),
];
/// Other cities a car may legitimately drive to: name, lat, lon, one-way km.
pub const AWAY: &[(&str, f64, f64, f64)] = &[
    ("上海", 31.230, 121.473, 180.0),
    ("南京", 32.060, 118.797, 280.0),
    ("黄山", 29.715, 118.338, 210.0),
    ("宁波", 29.868, 121.544, 160.0),
];
pub const STATIONS: &[(&str, f64, f64)] = &[
    ("中石化江州文一路加油站", 30.281, 120.126),
    ("中石油江州滨江加油站", 30.206, 120.205),
    ("中石化江州秋涛路加油站", 30.259, 120.198),
];
const MODELS: &[(&str, f64)] = &[
    ("大众帕萨特", 66.0),
    ("丰田凯美瑞", 60.0),
    ("别克GL8", 65.0),
    ("红旗H5", 55.0),
    ("本田雅阁", 56.0),
];
const PURPOSES: &[&str] = &[
    "送审材料",
    "工地检查",
    "参加会议",
    "接送来访人员",
    "安全巡查",
    "项目现场协调",
];

/// Fuel price per litre (92#) on a day.
pub fn price(day: NaiveDate) -> f64 {
    if day < crate::world::d(2025, 1, 1) {
        7.92
    } else {
        7.68
    }
}

fn at(day: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("valid time"))
}

/// Adds a fuel transaction; returns its index.
#[allow(clippy::too_many_arguments)]
pub fn fill(
    w: &mut World,
    v: usize,
    time: NaiveDateTime,
    liters: f64,
    product: &'static str,
    station: (&str, f64, f64),
    city: &str,
    amount: Option<Money>,
) -> usize {
    let liters = (liters * 100.0).round() / 100.0;
    let id = w.next_id("JY", 7);
    w.fuel.push(FuelTxn {
        txn_id: id,
        vehicle_id: w.vehicles[v].vehicle_id.clone(),
        card_no: w.vehicles[v].fuel_card_no.clone(),
        at: time,
        liters,
        amount: amount.unwrap_or_else(|| Money::from_f64(liters * price(time.date()))),
        product,
        station: station.0.into(),
        city: city.into(),
        lat: Some(station.1),
        lon: Some(station.2),
    });
    w.fuel.len() - 1
}

/// Adds a trip; returns its index.
#[allow(clippy::too_many_arguments)]
pub fn trip(
    w: &mut World,
    v: usize,
    start: NaiveDateTime,
    hours: i64,
    from: &str,
    to: (&str, f64, f64),
    km: f64,
    purpose: &str,
    approved: bool,
) -> usize {
    let id = w.next_id("PC", 6);
    w.trips.push(Trip {
        trip_id: id,
        vehicle_id: w.vehicles[v].vehicle_id.clone(),
        driver_id: w.vehicles[v].driver_id.clone(),
        start_at: start,
        end_at: Some(start + chrono::Duration::minutes(hours * 60 + 17)),
        from_place: from.into(),
        to_place: to.0.into(),
        km: Some((km * 10.0).round() / 10.0),
        purpose: purpose.into(),
        approved: Some(approved),
        to_lat: Some(to.1),
        to_lon: Some(to.2),
    });
    w.trips.len() - 1
}

/// The fleet, its trips and fuel, and the fixed-asset register.
pub fn build(w: &mut World) {
    let mut rng = w.rng("vehicles");
    let drivers: Vec<usize> = w
        .staff_of("D14")
        .into_iter()
        .filter(|&i| w.persons[i].grade == "G4" && w.persons[i].leave_date.is_none())
        .collect();
    for k in 0..w.p.vehicles {
        let (model, tank) = names::pick(&mut rng, MODELS);
        let plate = w.unique(|| {
            format!(
                "浙A{}{:04}",
                char::from(b'A' + rng.random_range(0..26u8)),
                rng.random_range(0..10000)
            )
        });
        let card = w.unique(|| format!("1000113300{:09}", rng.random_range(0..1_000_000_000u64)));
        let id = w.next_id("V", 3);
        w.vehicles.push(Vehicle {
            vehicle_id: id,
            plate,
            unit_id: "D14".into(),
            kind: model.into(),
            tank_liters: Some(tank),
            driver_id: drivers
                .get(k % drivers.len().max(1))
                .map(|&p| w.persons[p].person_id.clone())
                .unwrap_or_default(),
            fuel_card_no: card,
            base_city: "江州".into(),
        });
    }
    for v in 0..w.vehicles.len() {
        drive(w, &mut rng, v);
    }
    register(w, &mut rng);
}

fn drive(w: &mut World, rng: &mut impl Rng, v: usize) {
    let tank = w.vehicles[v].tank_liters.unwrap_or(60.0);
    let mut since_fill = 0.0;
    let days = w.workdays.clone();
    for day in days {
        if !rng.random_bool(0.7) {
            continue;
        }
        let away = rng.random_bool(0.04);
        let (to, km, hours) = if away {
            let a = AWAY[rng.random_range(0..AWAY.len())];
            ((a.0, a.1, a.2), a.3 * 2.0 * rng.random_range(1.0..1.15), 9)
        } else {
            (
                names::pick(rng, PLACES),
                rng.random_range(8.0..45.0),
                rng.random_range(1..4),
            )
        };
        let start = at(day, rng.random_range(8..11), rng.random_range(0..60));
        let purpose = if away {
            format!(
                "赴{}{}",
                to.0,
                names::pick(rng, &["参加会议", "考察学习", "对接项目"])
            )
        } else {
            (names::pick(rng, PURPOSES)).to_owned()
        };
        trip(w, v, start, hours, BASE.0, to, km, &purpose, true);
        since_fill += km;
        // On days away the car is filled back home the next time it goes out.
        if since_fill > 420.0 && !away {
            let liters = (since_fill * rng.random_range(0.085..0.1)).min(tank * 0.92);
            let s = names::pick(rng, STATIONS);
            fill(
                w,
                v,
                at(day, rng.random_range(14..17), rng.random_range(0..60)),
                liters,
                "gasoline",
                s,
                "江州",
                None,
            );
            since_fill = 0.0;
        }
    }
}

fn register(w: &mut World, rng: &mut impl Rng) {
    const KINDS: &[(&str, &str, i64, i64)] = &[
        ("办公设备", "台式计算机", 4_000, 9_000),
        ("办公设备", "激光打印机", 2_000, 6_000),
        ("电子设备", "投影仪", 5_000, 20_000),
        ("家具", "办公桌椅", 1_500, 6_000),
        ("专用设备", "检测仪器", 30_000, 300_000),
        ("电子设备", "服务器", 40_000, 200_000),
    ];
    let n = w.persons.len() * 2;
    for _ in 0..n {
        let (cat, name, lo, hi) = names::pick(rng, KINDS);
        let value = Money::yuan(rng.random_range(lo..hi) / 10 * 10);
        let unit = w.units[rng.random_range(0..w.units.len())].unit_id.clone();
        let r: f64 = rng.random();
        let id = w.next_id("ZC", 6);
        let mut a = Asset {
            asset_id: id,
            unit_id: unit,
            name: name.into(),
            category: cat.into(),
            value: Some(value),
            status: "in_use",
            ..Asset::default()
        };
        if r < 0.05 {
            a.status = "idle";
        } else if r < 0.1 {
            let valuation = value.scale(rng.random_range(0.05..0.3));
            a.status = "disposed";
            a.disposed_on = Some(w.rand_workday(rng, World::start(), World::end() - Days::new(10)));
            a.valuation = Some(valuation);
            a.disposal_price = Some(valuation.scale(rng.random_range(0.92..1.15)));
            a.buyer_name = "江州市再生资源回收有限公司".into();
        }
        w.assets.push(a);
    }
}
