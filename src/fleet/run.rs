//! Checking a whole list through one io-mio event loop: trust stores
//! loaded once per distinct source, every target's own time limits, each
//! result analysed and handed over as soon as its turn comes.

use std::time::Duration;

use starttls_engine::analysis::TrustStore;
use starttls_io_mio::{check_each_timed, DriverOptions, Finished, Resolver};

use super::order::Sequencer;
use super::targets::{LineError, ListError};
use crate::args::Order;
use crate::request::Request;
use crate::run::{conclude, driver_options, target, Failure, Success};
use crate::trust::TrustSources;

/// The default `--concurrency`.
pub const DEFAULT_CONCURRENCY: usize = 256;

/// A list ready to check: the requests and their trust stores, loaded.
#[derive(Debug)]
pub struct Fleet {
    requests: Vec<Request>,
    /// Each distinct trust source with its store.
    stores: Vec<(TrustSources, TrustStore)>,
    /// For each request, its store's position in `stores`.
    store_of: Vec<usize>,
}

impl Fleet {
    /// Loads the trust store of every distinct trust source in `requests`
    /// (once each). A store that cannot be built refuses the whole list,
    /// naming the first line (by position in `lines`, the list's line
    /// numbers; pass an empty slice to number targets from 1).
    pub fn new(requests: Vec<Request>, lines: &[usize]) -> Result<Fleet, ListError> {
        let mut stores: Vec<(TrustSources, TrustStore)> = Vec::new();
        let mut store_of = Vec::with_capacity(requests.len());
        let mut errors = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            if let Some(at) = stores.iter().position(|(s, _)| *s == request.trust) {
                store_of.push(at);
                continue;
            }
            match crate::trust::load(&request.trust) {
                Ok(store) => {
                    store_of.push(stores.len());
                    stores.push((request.trust.clone(), store));
                }
                Err(e) => {
                    errors.push(LineError {
                        line: lines.get(i).copied().unwrap_or(i + 1),
                        message: e.to_string(),
                    });
                    // Later lines with the same source share this error.
                    stores.push((request.trust.clone(), TrustStore::new()));
                    store_of.push(stores.len() - 1);
                }
            }
        }
        if !errors.is_empty() {
            return Err(ListError(errors));
        }
        Ok(Fleet {
            requests,
            stores,
            store_of,
        })
    }

    /// The targets, in the order of the list.
    pub fn requests(&self) -> &[Request] {
        &self.requests
    }

    fn store(&self, index: usize) -> &TrustStore {
        static EMPTY: std::sync::OnceLock<TrustStore> = std::sync::OnceLock::new();
        self.store_of
            .get(index)
            .and_then(|&at| self.stores.get(at))
            .map(|(_, store)| store)
            .unwrap_or_else(|| EMPTY.get_or_init(TrustStore::new))
    }
}

/// How a list is checked.
#[derive(Clone, Debug)]
pub struct FleetOptions {
    /// Most targets in flight at once (at least 1).
    pub concurrency: usize,
    /// Results in the order of the list or as they finish.
    pub order: Order,
    /// How names are looked up.
    pub resolver: Resolver,
}

impl Default for FleetOptions {
    /// 256 at once, in the order of the list, the system resolver.
    fn default() -> Self {
        FleetOptions {
            concurrency: DEFAULT_CONCURRENCY,
            order: Order::Input,
            resolver: Resolver::system(),
        }
    }
}

/// One target's result: the same value a single check produces.
#[derive(Debug)]
pub struct TargetResult<'a> {
    /// The target's position in the list (from 0).
    pub index: usize,
    /// What was asked for.
    pub request: &'a Request,
    /// The report, or why there is none.
    pub result: Result<Success, Failure>,
    /// From the target's start (before DNS) to its result.
    pub duration: Duration,
}

/// Checks every target of `fleet`, at most `options.concurrency` at once,
/// and calls `on_result` once per target, as soon as its turn comes in
/// `options.order`. Returns when every target has its result.
pub fn run(fleet: &Fleet, options: &FleetOptions, mut on_result: impl FnMut(TargetResult<'_>)) {
    let requests = fleet.requests();
    let mut sequencer: Sequencer<(Result<Success, Failure>, Duration)> =
        Sequencer::new(options.order);
    let mut emit = |index: usize, (result, duration): (Result<Success, Failure>, Duration)| {
        if let Some(request) = requests.get(index) {
            on_result(TargetResult {
                index,
                request,
                result,
                duration,
            });
        }
    };
    let mut targets = Vec::with_capacity(requests.len());
    // Position in the batch -> position in the list.
    let mut list_index = Vec::with_capacity(requests.len());
    let mut early = Vec::new();
    for (i, request) in requests.iter().enumerate() {
        match target(request) {
            Ok(t) => {
                let limits = driver_options(request, 1);
                targets.push(t.with_timeouts(limits.connect_timeout, limits.overall_timeout));
                list_index.push(i);
            }
            Err(failure) => early.push((i, failure)),
        }
    }
    for (i, failure) in early {
        sequencer.push(i, (Err(failure), Duration::ZERO), &mut emit);
    }
    let driver = DriverOptions {
        max_in_flight: options.concurrency.max(1),
        ..DriverOptions::default()
    };
    check_each_timed(targets, &driver, &options.resolver, |finished: Finished| {
        let Some(&i) = list_index.get(finished.index) else {
            return;
        };
        let Some(request) = requests.get(i) else {
            return;
        };
        let result = conclude(request, fleet.store(i), finished.result);
        sequencer.push(i, (result, finished.elapsed), &mut emit);
    });
}
