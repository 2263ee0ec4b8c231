//! Memory held per concurrent probe, measured with a counting allocator on
//! the driver's thread only (the loopback servers run on other threads).

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use starttls_engine::{Config, Protocol};
use starttls_io_mio::{check_many, DriverOptions, Target};
use support::{start, Behavior};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}

fn tracked() -> bool {
    TRACKED.try_with(Cell::get).unwrap_or(false)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if tracked() {
            let live =
                LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed) + layout.size() as isize;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if tracked() {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_concurrent_probe_costs_well_under_64_kib() {
    const PROBES: usize = 200;
    let servers: Vec<_> = (0..4).map(|_| start(Behavior::Smtp)).collect();
    support::pki();
    let targets: Vec<Target> = (0..PROBES)
        .map(|i| {
            let addr = servers[i % servers.len()];
            let config = Config::new(Protocol::Smtp)
                .with_server_name("mail.example.com")
                .unwrap();
            Target::new(addr.ip().to_string(), addr.port(), config)
        })
        .collect();
    let options = DriverOptions {
        connect_timeout: Duration::from_secs(5),
        overall_timeout: Duration::from_secs(20),
        max_in_flight: PROBES,
    };
    TRACKED.with(|t| t.set(true));
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let results = check_many(targets, &options);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    TRACKED.with(|t| t.set(false));
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    let per_probe = peak as usize / PROBES;
    eprintln!("peak {peak} bytes for {PROBES} probes: {per_probe} bytes each");
    assert!(per_probe < 64 * 1024, "{per_probe} bytes per probe");
}
