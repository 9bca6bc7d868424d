//! Structured logs for the long-running servers (`serve`, `demo`'s console, `witness serve`):
//! one line per event on stderr, `key=value` fields, UTC timestamps, no colours. The level
//! comes from `QINGLIAN_LOG` (`error`, `warn`, `info` — the default —, `debug`, `trace`, or
//! `off`). What the events carry is decided where they are emitted: the console logs method,
//! path without query, status and time, never a cookie, token, form field, identifier or who
//! asked (crates/web/src/console/security.rs).

use tracing_subscriber::filter::LevelFilter;

/// The level `QINGLIAN_LOG` asks for; an unknown value falls back to `info` with a warning.
fn level(value: Option<&str>) -> Result<LevelFilter, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(LevelFilter::INFO),
        Some(v) => v.parse::<LevelFilter>().map_err(|_| {
            format!(
                "QINGLIAN_LOG={v}: 未知的日志级别 / unknown log level \
                 (error, warn, info, debug, trace, off); using info"
            )
        }),
    }
}

/// Installs the subscriber once; later calls (a test or `demo` calling twice) are no-ops.
pub fn init() {
    let wanted = std::env::var("QINGLIAN_LOG").ok();
    let level = level(wanted.as_deref()).unwrap_or_else(|warning| {
        eprintln!("{warning}");
        LevelFilter::INFO
    });
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_bad_ones_are_refused() {
        assert_eq!(level(None).unwrap(), LevelFilter::INFO);
        assert_eq!(level(Some(" ")).unwrap(), LevelFilter::INFO);
        assert_eq!(level(Some("debug")).unwrap(), LevelFilter::DEBUG);
        assert_eq!(level(Some("off")).unwrap(), LevelFilter::OFF);
        let err = level(Some("loud")).unwrap_err();
        assert!(err.contains("QINGLIAN_LOG=loud"), "{err}");
    }
}
