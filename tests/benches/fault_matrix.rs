//! The whole fault matrix (docs/fault-matrix.md): both journeys through the
//! real kiosk runtime with each fault at every APDU index and one past the
//! last. Prints the tables and the time; with `--write FILE`, writes the
//! document. `scripts/test` runs the representative slice
//! (tests/tests/fault_matrix.rs).
//!
//! ```text
//! cargo bench -p uketsuke-tests --bench fault_matrix -- --write docs/fault-matrix.md
//! ```

#![allow(clippy::print_stdout)]

use std::time::Instant;

use anyhow::{Result, bail};
use uketsuke_tests::fault_matrix::{Fault, Journey, Results, Row};

const HEADER: &str = include_str!("fault_matrix_header.md");

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = args.iter().position(|a| a == "--write").and_then(|i| args.get(i + 1)).cloned();
    let started = Instant::now();
    let mut doc = String::from(HEADER);
    let (mut cells, mut failures) = (0, Vec::new());
    for journey in Journey::ALL {
        let mut row = Row::start(journey).await?;
        let mut results = Results::default();
        for n in 1..=row.clean_run.len() + 1 {
            for fault in Fault::ALL {
                let cell = row.cell(Some((fault, n))).await?;
                cells += 1;
                results.put(n, fault, cell);
            }
        }
        let table = results.markdown(&row.clean_run);
        println!("\n{}\n\n{table}", journey.name());
        doc.push_str(&format!("\n## {}\n\n{} APDUs without faults.\n\n{table}", journey.name(), row.clean_run.len()));
        failures.extend(results.failures().into_iter().map(|f| format!("{journey:?}: {f}")));
    }
    let took = started.elapsed();
    let summary = format!(
        "\n{cells} cells, {} passed, {} failed, in {:.0} s.\n",
        cells - failures.len(),
        failures.len(),
        took.as_secs_f64()
    );
    println!("{summary}");
    doc.push_str(&summary);
    if let Some(path) = out {
        // cargo runs benches in the package's directory: a relative path is
        // taken from the repository's root, where the command is typed.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let path = root.join(path);
        std::fs::write(&path, doc)?;
        println!("wrote {}", path.display());
    }
    if !failures.is_empty() {
        bail!("cells that broke a rule:\n{}", failures.join("\n"));
    }
    Ok(())
}
