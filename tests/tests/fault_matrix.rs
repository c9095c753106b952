//! The fault matrix's representative slice (docs/fault-matrix.md; the whole
//! matrix is `cargo bench -p uketsuke-tests --bench fault_matrix`): both
//! journeys through the real kiosk runtime, each fault at the first APDU,
//! every VERIFY, every signature, the first read, the last APDU and past
//! it. Prints the table; fails on any cell that broke a rule.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use uketsuke_tests::fault_matrix::{Fault, Journey, Results, Row, representative};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_at_the_key_apdus_ends_cleanly_and_costs_no_try() {
    let mut failures = Vec::new();
    for journey in Journey::ALL {
        let mut row = Row::start(journey).await.unwrap_or_else(|e| panic!("{journey:?}: {e:#}"));
        let indices = representative(&row.clean_run);
        let mut results = Results::default();
        for fault in Fault::ALL {
            for &n in &indices {
                let cell = row.cell(Some((fault, n))).await.unwrap_or_else(|e| panic!("{e:#}"));
                results.put(n, fault, cell);
            }
        }
        println!("\n{}\n\n{}", journey.name(), results.markdown(&row.clean_run));
        failures.extend(results.failures().into_iter().map(|f| format!("{journey:?}: {f}")));
    }
    assert!(failures.is_empty(), "cells that broke a rule:\n{}", failures.join("\n"));
}
