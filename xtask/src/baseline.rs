//! The regression guard of `cargo xtask bench`: the run's medians against the accepted
//! ones committed in `docs/benchmarks.md`.
//!
//! The baseline's one home is a fenced JSON block right after the line [`MARKER`] in
//! `docs/benchmarks.md`: an array with one object per preload size, each holding
//! `preloaded_registrations` and the accepted median of some of the [`FIGURES`], named
//! as the load generator's JSON names them. Per figure the guard prints baseline → now
//! and the change in per cent, and flags a figure more than [`THRESHOLD_PERCENT`] worse
//! ("worse" by the figure's [`Direction`]). A preload size or a figure the block does
//! not hold is "no baseline", not an error; a figure the block names but the guard does
//! not know is an error (a typo would otherwise guard nothing).

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{bail, Context};

/// The line after which `docs/benchmarks.md` holds the baseline block.
pub const MARKER: &str = "<!-- cargo xtask bench: baseline medians -->";

/// A figure more than this many per cent worse than its baseline is a regression. The
/// same binary varies by about ±10 % from run to run on the 2-core machine
/// (docs/benchmarks.md, issue 11), so a smaller threshold would flag noise.
pub const THRESHOLD_PERCENT: f64 = 10.0;

/// Which way a figure gets better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// A yes/no figure that must stay true.
    MustStayTrue,
}

/// A figure of the load generator's report (plus the bench's `server_peak_rss_mb`).
#[derive(Debug, PartialEq, Eq)]
pub struct Figure {
    pub key: &'static str,
    pub direction: Direction,
}

/// The figures the guard compares, in the order it prints them.
pub const FIGURES: &[Figure] = &[
    Figure {
        key: "converged",
        direction: Direction::MustStayTrue,
    },
    Figure {
        key: "records_per_sec",
        direction: Direction::HigherIsBetter,
    },
    Figure {
        key: "up_bytes_per_record",
        direction: Direction::LowerIsBetter,
    },
    Figure {
        key: "pull_ms",
        direction: Direction::LowerIsBetter,
    },
    Figure {
        key: "pull_down_bytes_per_record",
        direction: Direction::LowerIsBetter,
    },
    Figure {
        key: "noop_sync_bytes",
        direction: Direction::LowerIsBetter,
    },
    Figure {
        key: "server_peak_rss_mb",
        direction: Direction::LowerIsBetter,
    },
];

/// A figure's value: a number, or yes/no for [`Direction::MustStayTrue`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reading {
    Number(f64),
    Flag(bool),
}

impl Reading {
    /// `value` read as `figure` expects it; None when it is missing or of another kind.
    fn of(figure: &Figure, value: &serde_json::Value) -> Option<Reading> {
        match figure.direction {
            Direction::MustStayTrue => value.as_bool().map(Reading::Flag),
            _ => value.as_f64().map(Reading::Number),
        }
    }
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reading::Number(n) => write!(f, "{n}"),
            Reading::Flag(b) => write!(f, "{b}"),
        }
    }
}

/// The accepted medians for one preload size.
#[derive(Debug, PartialEq)]
pub struct Baseline {
    pub preloaded_registrations: u64,
    pub readings: BTreeMap<&'static str, Reading>,
}

/// The baseline block of `markdown` (the text of docs/benchmarks.md).
pub fn parse(markdown: &str) -> anyhow::Result<Vec<Baseline>> {
    let mut lines = markdown.lines().skip_while(|l| l.trim() != MARKER);
    if lines.next().is_none() {
        bail!("no line `{MARKER}` followed by the baseline block");
    }
    let mut lines = lines.skip_while(|l| l.trim().is_empty());
    if lines.next().map(str::trim) != Some("```json") {
        bail!("`{MARKER}` must be followed by a ```json block");
    }
    let mut block = String::new();
    let mut closed = false;
    for line in lines {
        if line.trim() == "```" {
            closed = true;
            break;
        }
        block.push_str(line);
        block.push('\n');
    }
    if !closed {
        bail!("the baseline block after `{MARKER}` is not closed with ```");
    }
    let entries: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(&block)
        .context("the baseline block is not a JSON array of objects")?;
    entries.iter().map(baseline_of).collect()
}

fn baseline_of(entry: &serde_json::Map<String, serde_json::Value>) -> anyhow::Result<Baseline> {
    let preloaded_registrations = entry
        .get("preloaded_registrations")
        .and_then(serde_json::Value::as_u64)
        .context("each baseline needs \"preloaded_registrations\": N")?;
    let mut readings = BTreeMap::new();
    for (key, value) in entry {
        if key == "preloaded_registrations" {
            continue;
        }
        let figure = FIGURES
            .iter()
            .find(|f| f.key == key)
            .with_context(|| format!("the baseline names {key:?}, not a figure the guard knows"))?;
        let reading = Reading::of(figure, value).with_context(|| {
            format!(
                "baseline {key}: {value} is not a {:?} figure",
                figure.direction
            )
        })?;
        readings.insert(figure.key, reading);
    }
    Ok(Baseline {
        preloaded_registrations,
        readings,
    })
}

/// What became of one figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    NoBaseline,
    /// The run did not report it.
    NotMeasured,
    /// A number: the change in per cent (signed, now against baseline) and whether it is
    /// more than the threshold worse.
    Changed {
        percent: f64,
        regression: bool,
    },
    /// A yes/no figure: whether it stayed true.
    StayedTrue(bool),
}

#[derive(Debug, PartialEq)]
pub struct Comparison {
    pub figure: &'static Figure,
    pub baseline: Option<Reading>,
    pub now: Option<Reading>,
    pub verdict: Verdict,
}

impl Comparison {
    pub fn is_regression(&self) -> bool {
        matches!(
            self.verdict,
            Verdict::Changed {
                regression: true,
                ..
            } | Verdict::StayedTrue(false)
        )
    }
}

/// Every figure of [`FIGURES`] in `median` (the bench's median JSON) against the
/// baseline for its preload size, if the block has one.
pub fn compare(baseline: Option<&Baseline>, median: &serde_json::Value) -> Vec<Comparison> {
    FIGURES
        .iter()
        .map(|figure| {
            let base = baseline.and_then(|b| b.readings.get(figure.key).copied());
            let now = Reading::of(figure, &median[figure.key]);
            Comparison {
                figure,
                baseline: base,
                now,
                verdict: verdict(figure.direction, base, now),
            }
        })
        .collect()
}

fn verdict(direction: Direction, baseline: Option<Reading>, now: Option<Reading>) -> Verdict {
    match (baseline, now) {
        (None, _) => Verdict::NoBaseline,
        (Some(_), None) => Verdict::NotMeasured,
        (Some(_), Some(Reading::Flag(now))) => Verdict::StayedTrue(now),
        (Some(Reading::Number(base)), Some(Reading::Number(now))) => {
            let percent = if base == 0.0 {
                if now == 0.0 {
                    0.0
                } else {
                    f64::INFINITY.copysign(now)
                }
            } else {
                (now - base) * 100.0 / base.abs()
            };
            let worse = match direction {
                Direction::HigherIsBetter => -percent,
                _ => percent,
            };
            Verdict::Changed {
                percent,
                regression: worse > THRESHOLD_PERCENT,
            }
        }
        // Parsing gives a figure's baseline and its reading the same kind.
        (Some(Reading::Flag(_)), Some(Reading::Number(_))) => Verdict::NotMeasured,
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |r: Option<Reading>| r.map_or("–".to_owned(), |r| r.to_string());
        let (base, now) = (show(self.baseline), show(self.now));
        let key = self.figure.key;
        match self.verdict {
            Verdict::NoBaseline => write!(f, "{key:<28} now {now}: no baseline"),
            Verdict::NotMeasured => write!(f, "{key:<28} {base} → not measured"),
            Verdict::StayedTrue(true) => write!(f, "{key:<28} {base} → {now}"),
            Verdict::StayedTrue(false) => write!(f, "{key:<28} {base} → {now}  REGRESSION"),
            Verdict::Changed {
                percent,
                regression,
            } => {
                let flag = if regression { "  REGRESSION" } else { "" };
                write!(f, "{key:<28} {base} → {now}  {percent:+.1} %{flag}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(block: &str) -> String {
        format!("# Benchmarks\n\nSome text.\n\n{MARKER}\n```json\n{block}\n```\n\nMore text.\n")
    }

    fn figure(key: &str) -> &'static Figure {
        FIGURES.iter().find(|f| f.key == key).unwrap()
    }

    fn baseline(readings: &[(&'static str, Reading)]) -> Baseline {
        Baseline {
            preloaded_registrations: 0,
            readings: readings.iter().copied().collect(),
        }
    }

    fn verdict_of(key: &'static str, base: f64, now: f64) -> Verdict {
        let comparisons = compare(
            Some(&baseline(&[(key, Reading::Number(base))])),
            &json!({ key: now }),
        );
        comparisons
            .into_iter()
            .find(|c| c.figure.key == key)
            .unwrap()
            .verdict
    }

    #[test]
    fn the_block_after_the_marker_gives_one_baseline_per_preload_size() {
        let parsed = parse(&doc(r#"[
            {"preloaded_registrations": 0, "records_per_sec": 4004, "converged": true},
            {"preloaded_registrations": 1000000, "pull_ms": 799.5}
        ]"#))
        .unwrap();
        assert_eq!(
            parsed,
            vec![
                Baseline {
                    preloaded_registrations: 0,
                    readings: [
                        ("records_per_sec", Reading::Number(4004.0)),
                        ("converged", Reading::Flag(true)),
                    ]
                    .into_iter()
                    .collect(),
                },
                Baseline {
                    preloaded_registrations: 1_000_000,
                    readings: [("pull_ms", Reading::Number(799.5))].into_iter().collect(),
                },
            ]
        );
    }

    #[test]
    fn a_document_without_the_marker_or_the_block_is_an_error() {
        assert!(parse("# Benchmarks\n```json\n[]\n```\n").is_err());
        assert!(parse(&format!("{MARKER}\n\nno block here\n")).is_err());
        assert!(parse(&format!("{MARKER}\n```json\n[]\n")).is_err());
    }

    #[test]
    fn an_unknown_figure_or_a_missing_preload_size_in_the_block_is_an_error() {
        let typo = parse(&doc(
            r#"[{"preloaded_registrations": 0, "record_per_sec": 1}]"#,
        ));
        assert!(format!("{:#}", typo.unwrap_err()).contains("record_per_sec"));
        assert!(parse(&doc(r#"[{"records_per_sec": 1}]"#)).is_err());
        assert!(parse(&doc(r#"[{"preloaded_registrations": 0, "converged": 1}]"#)).is_err());
    }

    #[test]
    fn the_committed_baseline_parses_and_covers_the_empty_database() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/benchmarks.md");
        let baselines = parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        let empty = baselines
            .iter()
            .find(|b| b.preloaded_registrations == 0)
            .unwrap();
        for figure in FIGURES {
            assert!(
                empty.readings.contains_key(figure.key),
                "{} has no baseline",
                figure.key
            );
        }
    }

    #[test]
    fn fewer_records_per_second_by_more_than_ten_percent_is_a_regression() {
        assert!(matches!(
            verdict_of("records_per_sec", 4000.0, 3599.0),
            Verdict::Changed {
                regression: true,
                ..
            }
        ));
        assert_eq!(
            verdict_of("records_per_sec", 4000.0, 3600.0),
            Verdict::Changed {
                percent: -10.0,
                regression: false
            }
        );
        // More is better: a large gain is no regression.
        assert_eq!(
            verdict_of("records_per_sec", 4000.0, 6000.0),
            Verdict::Changed {
                percent: 50.0,
                regression: false
            }
        );
    }

    #[test]
    fn times_bytes_and_memory_more_than_ten_percent_higher_are_regressions() {
        for key in [
            "pull_ms",
            "up_bytes_per_record",
            "pull_down_bytes_per_record",
            "noop_sync_bytes",
            "server_peak_rss_mb",
        ] {
            assert_eq!(
                verdict_of(key, 100.0, 110.0),
                Verdict::Changed {
                    percent: 10.0,
                    regression: false
                },
                "{key}"
            );
            assert!(
                verdict_of(key, 100.0, 110.5)
                    == Verdict::Changed {
                        percent: 10.5,
                        regression: true
                    },
                "{key}"
            );
            assert_eq!(
                verdict_of(key, 100.0, 50.0),
                Verdict::Changed {
                    percent: -50.0,
                    regression: false
                },
                "{key}"
            );
        }
    }

    #[test]
    fn converged_must_stay_true() {
        let base = baseline(&[("converged", Reading::Flag(true))]);
        let of = |median| {
            compare(Some(&base), &median)
                .into_iter()
                .find(|c| c.figure == figure("converged"))
                .unwrap()
        };
        assert!(!of(json!({"converged": true})).is_regression());
        let lost = of(json!({"converged": false}));
        assert!(lost.is_regression());
        assert!(lost.to_string().contains("REGRESSION"));
    }

    #[test]
    fn a_missing_baseline_is_reported_not_flagged() {
        let median = json!({"records_per_sec": 10.0, "converged": false});
        for comparison in compare(None, &median) {
            assert_eq!(comparison.verdict, Verdict::NoBaseline);
            assert!(!comparison.is_regression());
        }
        let partial = baseline(&[("pull_ms", Reading::Number(800.0))]);
        let comparisons = compare(Some(&partial), &median);
        let rate = comparisons
            .iter()
            .find(|c| c.figure.key == "records_per_sec")
            .unwrap();
        assert_eq!(rate.verdict, Verdict::NoBaseline);
        assert!(rate.to_string().contains("no baseline"));
        // In the baseline, missing from the run.
        let pull = comparisons
            .iter()
            .find(|c| c.figure.key == "pull_ms")
            .unwrap();
        assert_eq!(pull.verdict, Verdict::NotMeasured);
    }

    #[test]
    fn a_line_shows_baseline_now_and_the_change() {
        let comparison = compare(
            Some(&baseline(&[("pull_ms", Reading::Number(800.0))])),
            &json!({"pull_ms": 1000.0}),
        )
        .into_iter()
        .find(|c| c.figure.key == "pull_ms")
        .unwrap();
        assert_eq!(
            comparison.to_string(),
            format!("{:<28} 800 → 1000  +25.0 %  REGRESSION", "pull_ms")
        );
    }
}
