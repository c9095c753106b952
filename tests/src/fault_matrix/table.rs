//! The matrix as a Markdown table: one row per APDU index (named from the
//! session without faults), one column per fault.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::cell::Cell;
use super::reader::Fault;

/// A readable name for a command APDU (no data shown: some carry secrets).
pub fn apdu_name(command: &[u8]) -> String {
    let aid_name = |data: &[u8]| match data {
        d if d == uketsuke_driver::ap::jpki::AID => "JPKI AP",
        d if d == uketsuke_driver::ap::text::AID => "text AP",
        d if d == uketsuke_driver::ap::face::AID => "card-face AP",
        _ => "another AP",
    };
    let data = command.get(5..5 + usize::from(*command.get(4).unwrap_or(&0))).unwrap_or_default();
    let ef = || data.iter().map(|b| format!("{b:02X}")).collect::<String>();
    match (command.get(1), command.get(2)) {
        (Some(0xA4), Some(0x04)) => format!("SELECT {}", aid_name(data)),
        (Some(0xA4), _) => format!("SELECT EF {}", ef()),
        (Some(0xB0), _) => "READ BINARY".into(),
        (Some(0x20), _) if command.len() > 5 => "VERIFY (secret)".into(),
        (Some(0x20), _) => "VERIFY (retry query)".into(),
        (Some(0x2A), _) => "COMPUTE DIGITAL SIGNATURE".into(),
        (Some(0xC0), _) => "GET RESPONSE".into(),
        (Some(ins), _) => format!("INS {ins:02X}"),
        (None, _) => "empty".into(),
    }
}

/// The results of one journey: the cell for each (fault, index).
#[derive(Default)]
pub struct Results {
    /// Cells by index, then fault.
    pub cells: BTreeMap<usize, BTreeMap<&'static str, Cell>>,
}

impl Results {
    /// Records a cell.
    pub fn put(&mut self, index: usize, fault: Fault, cell: Cell) {
        self.cells.entry(index).or_default().insert(fault.name(), cell);
    }

    /// Cells that failed, with why.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (n, row) in &self.cells {
            for (fault, cell) in row {
                if !cell.passed {
                    out.push(format!("APDU {n}, {fault}: {}", cell.problems.join("; ")));
                }
            }
        }
        out
    }

    /// The table: index, APDU, one column per fault (✓ and the screen the
    /// session ended on, or ✗ and why).
    pub fn markdown(&self, clean_run: &[Vec<u8>]) -> String {
        let mut t = String::from("| # | APDU |");
        for f in Fault::ALL {
            let _ = write!(t, " {} |", f.name());
        }
        t.push_str("\n|---|---|");
        t.push_str(&"---|".repeat(Fault::ALL.len()));
        t.push('\n');
        for (n, row) in &self.cells {
            let name = clean_run.get(n - 1).map_or_else(|| "(after the last)".to_owned(), |c| apdu_name(c));
            let _ = write!(t, "| {n} | {name} |");
            for f in Fault::ALL {
                match row.get(f.name()) {
                    Some(c) if c.passed => {
                        let _ = write!(t, " ✓ {} |", c.ended);
                    }
                    Some(c) => {
                        let _ = write!(t, " ✗ {} |", c.problems.join("; "));
                    }
                    None => t.push_str(" |"),
                }
            }
            t.push('\n');
        }
        t
    }
}
