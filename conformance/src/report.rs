//! A qualification report: one line per check, with its outcome and the
//! figure it measured, as Markdown (attached to a vendor's qualification)
//! or JSON (for a fleet's records).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The reader did what the kiosk needs.
    Pass,
    /// It did not: the detail says what went wrong.
    Fail,
    /// The check does not apply here (the card never used the feature,
    /// no credential was given, or an earlier failure made it moot).
    NotApplicable,
}

impl Outcome {
    fn shown(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "**FAIL**",
            Self::NotApplicable => "n/a",
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable id (`read_extended`), for scripts.
    pub id: String,
    /// What was checked, in words.
    pub title: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The measured figure (`41.2 kB/s`), if any.
    pub figure: Option<String>,
    /// What the kiosk needs, as the threshold the figure is held to.
    pub requirement: String,
    /// Why it ended so.
    pub detail: String,
}

/// A whole run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// The tool and its version.
    pub tool: String,
    /// When the run started (UTC, RFC 3339).
    pub started: String,
    /// The PC/SC reader name.
    pub reader: String,
    /// The card's ATR (hex), if one was read.
    pub atr: Option<String>,
    /// Every check, in the order run.
    pub checks: Vec<CheckResult>,
}

impl Report {
    /// Whether no check failed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != Outcome::Fail)
    }

    /// Counts of (pass, fail, n/a).
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |o| self.checks.iter().filter(|c| c.outcome == o).count();
        (n(Outcome::Pass), n(Outcome::Fail), n(Outcome::NotApplicable))
    }

    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let (pass, fail, na) = self.counts();
        let mut md = String::new();
        let _ = writeln!(md, "# Reader conformance: {}\n", escape(&self.reader));
        let _ = writeln!(md, "| | |\n|---|---|");
        let _ = writeln!(md, "| tool | {} |", escape(&self.tool));
        let _ = writeln!(md, "| run | {} |", self.started);
        let _ = writeln!(md, "| ATR | `{}` |", self.atr.as_deref().unwrap_or("none"));
        let verdict = if self.passed() { "**qualified**" } else { "**not qualified**" };
        let _ = writeln!(md, "| result | {verdict}: {pass} passed, {fail} failed, {na} not applicable |\n");
        let _ = writeln!(md, "| check | result | measured | the kiosk needs | detail |\n|---|---|---|---|---|");
        for c in &self.checks {
            let _ = writeln!(
                md,
                "| {} (`{}`) | {} | {} | {} | {} |",
                c.title,
                c.id,
                c.outcome.shown(),
                c.figure.as_deref().map(escape).unwrap_or_default(),
                c.requirement,
                escape(&c.detail)
            );
        }
        md
    }
}

/// Keeps a value on one table row.
fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcomes: &[Outcome]) -> Report {
        Report {
            tool: "t".into(),
            started: "2026-12-02T00:00:00Z".into(),
            reader: "R | 00".into(),
            atr: None,
            checks: outcomes
                .iter()
                .map(|&outcome| CheckResult {
                    id: "x".into(),
                    title: "X".into(),
                    outcome,
                    figure: None,
                    requirement: String::new(),
                    detail: "a|b".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn one_failed_check_fails_the_whole_qualification() {
        assert!(report(&[Outcome::Pass, Outcome::NotApplicable]).passed());
        let r = report(&[Outcome::Pass, Outcome::Fail]);
        assert!(!r.passed());
        assert!(r.to_markdown().contains("**not qualified**: 1 passed, 1 failed"));
    }

    #[test]
    fn a_reader_name_or_detail_with_a_bar_stays_on_its_row() {
        let md = report(&[Outcome::Pass]).to_markdown();
        assert!(md.contains("R \\| 00") && md.contains("a\\|b"), "{md}");
    }
}
