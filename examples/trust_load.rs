//! Measures loading the operating system's trust store the way a check does
//! (`starttls_cert::trust::load`), in this process: `cargo run --release
//! --example trust_load [RUNS]`. Cross-built for Windows (`cargo build
//! --release --target x86_64-pc-windows-gnu --example trust_load`, with the
//! mingw settings of tests/windows/build.sh) and run under Wine next to the
//! `bcryptprimitives.dll` shim, it measures the Windows store.

use std::time::{Duration, Instant};

use starttls_cert::trust::{load, TrustSources};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let sources = TrustSources {
        system: true,
        extra_file: None,
    };
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut anchors = 0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        match load(&sources) {
            Ok(store) => anchors = store.anchors().len(),
            Err(e) => {
                eprintln!("trust_load: {e}");
                std::process::exit(1);
            }
        }
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "system trust store: {anchors} anchors, median load {:.2} ms over {} runs (min {:.2}, max {:.2})",
        median.as_secs_f64() * 1e3,
        times.len(),
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
