//! Helper functions registered in every rule session, so that rule SQL stays short and
//! the domain knowledge (the working-day calendar, identifier checks) lives in one place.
//!
//! | function | returns | meaning |
//! |---|---|---|
//! | `is_working_day(date)` | BOOLEAN | a mainland working day (weekends, holidays and swapped working days 调休 applied) |
//! | `day_kind(date)` | TEXT | `workday`, `weekend`, `holiday` or `swapped_workday` |
//! | `holiday_name(date)` | TEXT | the holiday's name (春节…), NULL on other days |
//! | `days_between(a, b)` | BIGINT | calendar days from date `a` to date `b` (negative if `b` is earlier) |
//! | `add_days(d, n)` | DATE | the date `n` days after `d` (before, if `n` is negative) |
//! | `working_days_between(a, b)` | BIGINT | working days after `a` up to and including `b` |
//! | `valid_resident_id(text)` | BOOLEAN | GB 11643 check digit |
//! | `valid_uscc(text)` | BOOLEAN | GB 32100 check character |
//! | `haversine_km(lat1, lon1, lat2, lon2)` | DOUBLE | great-circle distance in km |
//! | `amount_band(amount)` | TEXT | `<1千`, `1千-1万`, `1万-5万`, `5万-10万`, `10万-50万`, `50万-100万`, `100万-500万`, `≥500万` |
//! | `ev(dataset, _batch, _row)` | TEXT | an evidence reference `dataset:batch:row` |
//!
//! Dates are DATE values: cast a datetime first (`CAST(at AS DATE)`). NULL in, NULL out.

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray,
};
use datafusion::arrow::datatypes::DataType;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};
use datafusion::prelude::SessionContext;
use qinglian_core::calendar::{Calendar, DayKind};

const EPOCH_DAYS_CE: i32 = 719_163; // days from 0001-01-01 to 1970-01-01

fn date_of(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS_CE)?)
}

fn arrays(args: &[ColumnarValue]) -> DfResult<Vec<ArrayRef>> {
    ColumnarValue::values_to_arrays(args)
}

fn downcast<'a, T: 'static>(a: &'a ArrayRef, fname: &str) -> DfResult<&'a T> {
    a.as_any().downcast_ref::<T>().ok_or_else(|| {
        DataFusionError::Execution(format!(
            "{fname}: unexpected argument type {} (this is a bug)",
            a.data_type()
        ))
    })
}

fn date_fn<T, F>(name: &'static str, ret: DataType, f: F) -> ScalarUDF
where
    F: Fn(&Date32Array) -> T + Send + Sync + 'static,
    T: Array + 'static,
{
    create_udf(
        name,
        vec![DataType::Date32],
        ret,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let d = downcast::<Date32Array>(&a[0], name)?;
            Ok(ColumnarValue::Array(Arc::new(f(d))))
        }),
    )
}

fn text_check(name: &'static str, check: fn(&str) -> bool) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let s = downcast::<StringArray>(&a[0], name)?;
            let out: BooleanArray = s.iter().map(|v| v.map(check)).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    )
}

/// Great-circle distance between two points, in kilometres.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().asin()
}

/// The band an amount (yuan) falls in.
pub fn amount_band(yuan: f64) -> &'static str {
    match yuan {
        v if v < 1_000.0 => "<1千",
        v if v < 10_000.0 => "1千-1万",
        v if v < 50_000.0 => "1万-5万",
        v if v < 100_000.0 => "5万-10万",
        v if v < 500_000.0 => "10万-50万",
        v if v < 1_000_000.0 => "50万-100万",
        v if v < 5_000_000.0 => "100万-500万",
        _ => "≥500万",
    }
}

fn kind_name(k: &DayKind) -> &'static str {
    match k {
        DayKind::Workday => "workday",
        DayKind::Weekend => "weekend",
        DayKind::Holiday(_) => "holiday",
        DayKind::SwappedWorkday(_) => "swapped_workday",
    }
}

/// Registers every helper in `ctx`, the calendar ones over `calendar`.
pub fn register(ctx: &SessionContext, calendar: &Arc<Calendar>) {
    let cal = Arc::clone(calendar);
    ctx.register_udf(date_fn("is_working_day", DataType::Boolean, move |d| {
        d.iter()
            .map(|v| v.and_then(date_of).map(|x| cal.is_working_day(x)))
            .collect::<BooleanArray>()
    }));
    let cal = Arc::clone(calendar);
    ctx.register_udf(date_fn("day_kind", DataType::Utf8, move |d| {
        d.iter()
            .map(|v| v.and_then(date_of).map(|x| kind_name(&cal.day_kind(x))))
            .collect::<StringArray>()
    }));
    let cal = Arc::clone(calendar);
    ctx.register_udf(date_fn("holiday_name", DataType::Utf8, move |d| {
        d.iter()
            .map(|v| {
                v.and_then(date_of).and_then(|x| match cal.day_kind(x) {
                    DayKind::Holiday(n) => Some(n),
                    _ => None,
                })
            })
            .collect::<StringArray>()
    }));
    ctx.register_udf(create_udf(
        "days_between",
        vec![DataType::Date32, DataType::Date32],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let x = downcast::<Date32Array>(&a[0], "days_between")?;
            let y = downcast::<Date32Array>(&a[1], "days_between")?;
            let out: Int64Array = x
                .iter()
                .zip(y.iter())
                .map(|(x, y)| Some(i64::from(y?) - i64::from(x?)))
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    ctx.register_udf(create_udf(
        "add_days",
        vec![DataType::Date32, DataType::Int64],
        DataType::Date32,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let x = downcast::<Date32Array>(&a[0], "add_days")?;
            let n = downcast::<Int64Array>(&a[1], "add_days")?;
            let out: Date32Array = x
                .iter()
                .zip(n.iter())
                .map(|(x, n)| i32::try_from(i64::from(x?) + n?).ok())
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    let cal = Arc::clone(calendar);
    ctx.register_udf(create_udf(
        "working_days_between",
        vec![DataType::Date32, DataType::Date32],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let x = downcast::<Date32Array>(&a[0], "working_days_between")?;
            let y = downcast::<Date32Array>(&a[1], "working_days_between")?;
            let out: Int64Array = x
                .iter()
                .zip(y.iter())
                .map(|(x, y)| {
                    let (x, y) = (x?, y?);
                    let (lo, hi, sign) = if x <= y { (x, y, 1) } else { (y, x, -1) };
                    // Bounded: ten years of days at most, so a bad date cannot stall a query.
                    let n = ((lo + 1)..=hi.min(lo + 3660))
                        .filter(|&d| date_of(d).is_some_and(|d| cal.is_working_day(d)))
                        .count();
                    Some(sign * i64::try_from(n).unwrap_or(i64::MAX))
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    ctx.register_udf(text_check("valid_resident_id", |s| {
        qinglian_core::ResidentId::parse(s).is_ok()
    }));
    ctx.register_udf(text_check("valid_uscc", |s| {
        qinglian_core::Uscc::parse(s).is_ok()
    }));
    ctx.register_udf(create_udf(
        "haversine_km",
        vec![DataType::Float64; 4],
        DataType::Float64,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let c: Vec<&Float64Array> = a
                .iter()
                .map(|x| downcast::<Float64Array>(x, "haversine_km"))
                .collect::<DfResult<_>>()?;
            let out: Float64Array = (0..c[0].len())
                .map(|i| {
                    if c.iter().any(|x| x.is_null(i)) {
                        None
                    } else {
                        Some(haversine_km(
                            c[0].value(i),
                            c[1].value(i),
                            c[2].value(i),
                            c[3].value(i),
                        ))
                    }
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    ctx.register_udf(create_udf(
        "amount_band",
        vec![DataType::Float64],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let x = downcast::<Float64Array>(&a[0], "amount_band")?;
            let out: StringArray = x.iter().map(|v| v.map(amount_band)).collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
    ctx.register_udf(create_udf(
        "ev",
        vec![DataType::Utf8, DataType::Utf8, DataType::Int64],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let a = arrays(args)?;
            let d = downcast::<StringArray>(&a[0], "ev")?;
            let b = downcast::<StringArray>(&a[1], "ev")?;
            let r = downcast::<Int64Array>(&a[2], "ev")?;
            let out: StringArray = (0..d.len())
                .map(|i| {
                    if d.is_null(i) || b.is_null(i) || r.is_null(i) {
                        None
                    } else {
                        Some(format!("{}:{}:{}", d.value(i), b.value(i), r.value(i)))
                    }
                })
                .collect();
            Ok(ColumnarValue::Array(Arc::new(out)))
        }),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_bands() {
        // Beijing to Shanghai, about 1,068 km.
        let d = haversine_km(39.9042, 116.4074, 31.2304, 121.4737);
        assert!((d - 1068.0).abs() < 5.0, "{d}");
        assert_eq!(amount_band(999.99), "<1千");
        assert_eq!(amount_band(50_000.0), "5万-10万");
        assert_eq!(amount_band(6_000_000.0), "≥500万");
        assert_eq!(date_of(0), NaiveDate::from_ymd_opt(1970, 1, 1));
    }
}
