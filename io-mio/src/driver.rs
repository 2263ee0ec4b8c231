//! The event loop: one mio `Poll` driving any number of probes, each in a
//! slot indexed by its `Token`, with deadlines in a heap.
//!
//! Per wake-up the loop touches only the sockets that reported events and
//! the slots whose deadlines passed, so ten thousand idle probes cost
//! nothing while one of them is busy. One scratch read buffer serves every
//! connection; a connection keeps its own buffer only for bytes the socket
//! did not take yet.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::event::Event;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use starttls_engine::{Config, Input, ProbeError};

use crate::connect::{self, Progress};
use crate::deadlines::Deadlines;
use crate::error::{CheckError, ConnectFailure};
use crate::resolve::{without_dns, Resolver};
use crate::resolve_pool::Pool;
use crate::slot::{
    is_armed, Connecting, Dialing, Limits, Meta, Next, Ready, Resolving, Slot, State,
};
use crate::target::{Checked, DriverOptions, Finished, Target};

/// Size of the one read buffer all connections share: a full TLS record.
const SCRATCH: usize = 16 * 1024 + 256;

/// How many readiness events one `poll` call may return.
pub(crate) const EVENTS: usize = 1024;

/// The token of the one waker: resolver workers and, for a
/// [`Service`](crate::Service), submissions wake the loop through it (slot
/// tokens count up from 0).
pub(crate) const WAKER: Token = Token(usize::MAX);

/// Checks one target: resolves it, connects, runs the probe and returns the
/// report or why it failed.
///
/// DNS resolution uses the system resolver on a worker thread and gives up
/// when the overall time limit runs out; IP literals skip it.
pub fn check(target: Target, options: &DriverOptions) -> Result<Checked, CheckError> {
    let host = target.host.clone();
    let port = target.port;
    check_many(vec![target], options)
        .pop()
        .unwrap_or_else(|| Err(lost(&host, port)))
}

/// Checks many targets at once and returns one result per target, in the
/// order given.
///
/// At most [`DriverOptions::max_in_flight`] connections are open at a time;
/// the others wait and start as slots free up, and each target's overall
/// clock starts when it starts. Names are resolved when their target starts,
/// by the system resolver on a small pool of worker threads that wake the
/// loop when an answer is ready: a slow DNS answer holds up only its own
/// target, which gives up at its overall time limit. IP literals skip DNS.
///
/// Every result is kept until the last target is done; for large batches,
/// [`check_each`] hands each one over as soon as it is ready instead.
pub fn check_many(
    targets: Vec<Target>,
    options: &DriverOptions,
) -> Vec<Result<Checked, CheckError>> {
    run(jobs(targets), options)
}

/// Checks many targets at once like [`check_many`], but calls `on_result`
/// with each target's index in `targets` and its result as soon as that
/// target is done, in the order they finish.
///
/// Nothing is kept once handed over, so a program checking thousands of
/// servers holds only the probes in flight, and a slow straggler does not
/// hold back the results of the others.
///
/// ```no_run
/// use starttls_engine::{Config, Protocol};
/// use starttls_io_mio::{check_each, DriverOptions, Target};
///
/// let config = Config::new(Protocol::Smtp);
/// let targets = (1..=254)
///     .map(|n| Target::new(format!("192.0.2.{n}"), 25, config.clone()))
///     .collect();
/// let mut answered = 0;
/// check_each(targets, &DriverOptions::default(), |index, result| {
///     if let Ok(checked) = result {
///         println!("192.0.2.{}: {} certificates", index + 1, checked.report.chain.len());
///         answered += 1;
///     }
/// });
/// println!("{answered} servers answered");
/// ```
pub fn check_each(
    targets: Vec<Target>,
    options: &DriverOptions,
    mut on_result: impl FnMut(usize, Result<Checked, CheckError>),
) {
    run_each(
        jobs(targets),
        options,
        &Resolver::system(),
        &mut |finished: Finished| on_result(finished.index, finished.result),
    );
}

/// Checks many targets at once like [`check_each`], resolving names with
/// `resolver`, and hands over each target's [`Finished`] result with how
/// long it took, as soon as it is ready.
///
/// ```no_run
/// use starttls_engine::{Config, Protocol};
/// use starttls_io_mio::{check_each_timed, DriverOptions, Resolver, Target};
///
/// let config = Config::new(Protocol::Smtp);
/// let targets = vec![Target::new("mx.example.com", 25, config)];
/// let resolver = Resolver::system().with_workers(4);
/// check_each_timed(targets, &DriverOptions::default(), &resolver, |finished| {
///     println!("#{} after {:?}: {:?}", finished.index, finished.elapsed, finished.result.is_ok());
/// });
/// ```
pub fn check_each_timed(
    targets: Vec<Target>,
    options: &DriverOptions,
    resolver: &Resolver,
    mut on_result: impl FnMut(Finished),
) {
    run_each(jobs(targets), options, resolver, &mut on_result);
}

/// The jobs for `targets`: names resolved when each starts.
fn jobs(targets: Vec<Target>) -> Vec<Job> {
    targets.into_iter().map(Job::from_target).collect()
}

impl Job {
    /// The job for `target`: its name resolved when it starts.
    pub(crate) fn from_target(t: Target) -> Job {
        Job {
            source: Source::Name(t.port),
            host: t.host,
            config: t.config,
            connect: t.connect_timeout,
            overall: t.overall_timeout,
        }
    }
}

/// Where a job's addresses come from.
#[derive(Debug)]
pub(crate) enum Source {
    /// Resolve the job's host for this port when the job starts.
    Name(u16),
    /// Already known, tried in this order.
    #[cfg_attr(not(test), allow(dead_code))]
    Addresses(Vec<SocketAddr>),
}

/// One check waiting to run.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) host: String,
    pub(crate) source: Source,
    pub(crate) config: Config,
    /// The job's own connect limit, if not the driver's.
    pub(crate) connect: Option<Duration>,
    /// The job's own overall limit, if not the driver's.
    pub(crate) overall: Option<Duration>,
}

/// Runs `jobs` to completion; results come back in the jobs' order.
pub(crate) fn run(jobs: Vec<Job>, options: &DriverOptions) -> Vec<Result<Checked, CheckError>> {
    run_counting(jobs, options).0
}

/// [`run`], also returning the most connections that were open at once.
fn run_counting(
    jobs: Vec<Job>,
    options: &DriverOptions,
) -> (Vec<Result<Checked, CheckError>>, usize) {
    let mut results: Vec<Option<Result<Checked, CheckError>>> =
        (0..jobs.len()).map(|_| None).collect();
    let peak = run_each(jobs, options, &Resolver::system(), &mut |f: Finished| {
        if let Some(place) = results.get_mut(f.index) {
            *place = Some(f.result);
        }
    });
    let results = results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(lost("", 0))))
        .collect();
    (results, peak)
}

/// Runs `jobs` to completion, handing each result to `on_result` as soon as
/// it is ready; returns the most connections that were open at once.
fn run_each(
    jobs: Vec<Job>,
    options: &DriverOptions,
    resolver: &Resolver,
    on_result: &mut dyn FnMut(Finished),
) -> usize {
    let mut queue = jobs.into_iter().enumerate();
    let mut driver = match Driver::new(*options, resolver.clone()) {
        Ok(driver) => driver,
        Err(e) => {
            fail_unstarted(
                queue,
                &format!("cannot create the event loop: {e}"),
                on_result,
            );
            return 0;
        }
    };
    let mut events = Events::with_capacity(EVENTS);
    let cap = options.max_in_flight.max(1);
    loop {
        while driver.active < cap {
            let Some((index, job)) = queue.next() else {
                break;
            };
            driver.start(index, job);
        }
        for finished in driver.done.drain(..) {
            on_result(finished);
        }
        if driver.active == 0 {
            break;
        }
        let timeout = driver
            .next_deadline()
            .map(|at| at.saturating_duration_since(Instant::now()));
        if let Err(e) = driver.poll.poll(&mut events, timeout) {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            let detail = format!("event loop failed: {e}");
            driver.fail_all(&detail);
            for finished in driver.done.drain(..) {
                on_result(finished);
            }
            fail_unstarted(queue.by_ref(), &detail, on_result);
            break;
        }
        driver.handle(&events);
    }
    driver.peak
}

/// Fails every job that never started with an I/O error saying `detail`.
fn fail_unstarted(
    jobs: impl Iterator<Item = (usize, Job)>,
    detail: &str,
    on_result: &mut dyn FnMut(Finished),
) {
    for (index, job) in jobs {
        let error = CheckError::Io {
            peer: unspecified(&job),
            detail: detail.to_owned(),
        };
        on_result(Finished {
            index,
            result: Err(error),
            elapsed: Duration::ZERO,
        });
    }
}

/// A result that went missing: cannot happen, but is reported, not panicked.
fn lost(host: &str, port: u16) -> CheckError {
    CheckError::Io {
        peer: SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port),
        detail: format!("internal error: no result for {host}"),
    }
}

/// The address to name in an error about a job that never connected.
pub(crate) fn unspecified(job: &Job) -> SocketAddr {
    match &job.source {
        Source::Name(port) => SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), *port),
        Source::Addresses(addrs) => addrs
            .first()
            .copied()
            .unwrap_or_else(|| SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), 0)),
    }
}

/// `t + d`, or far in the future when that does not fit in an `Instant`.
pub(crate) fn later(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .or_else(|| t.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(t)
}

/// The loop's state: the poll, the slots, the deadlines and the results.
pub(crate) struct Driver {
    pub(crate) poll: Poll,
    pub(crate) options: DriverOptions,
    /// Running checks, indexed by their mio token; `None` when free.
    slots: Vec<Option<Slot>>,
    /// Free slot indexes, reused before the vector grows.
    free: Vec<usize>,
    /// Slots in use.
    pub(crate) active: usize,
    /// The most slots that were running at once.
    peak: usize,
    deadlines: Deadlines,
    /// The one read buffer every connection shares.
    pub(crate) scratch: Box<[u8]>,
    /// Results ready to hand out.
    pub(crate) done: Vec<Finished>,
    /// How names are looked up.
    resolver: Resolver,
    /// The resolver workers, started with the first name to look up.
    pool: Option<Pool>,
    /// The loop's waker, when made before the pool (a [`crate::Service`]
    /// makes it at once; mio allows one per poll).
    waker: Option<Arc<Waker>>,
}

impl Driver {
    pub(crate) fn new(options: DriverOptions, resolver: Resolver) -> std::io::Result<Self> {
        Ok(Driver {
            poll: Poll::new()?,
            options,
            slots: Vec::new(),
            free: Vec::new(),
            active: 0,
            peak: 0,
            deadlines: Deadlines::default(),
            scratch: vec![0; SCRATCH].into_boxed_slice(),
            done: Vec::new(),
            resolver,
            pool: None,
            waker: None,
        })
    }

    /// The loop's waker, made on first use.
    pub(crate) fn waker(&mut self) -> std::io::Result<Arc<Waker>> {
        if let Some(waker) = &self.waker {
            return Ok(Arc::clone(waker));
        }
        let waker = Arc::new(Waker::new(self.poll.registry(), WAKER)?);
        self.waker = Some(Arc::clone(&waker));
        Ok(waker)
    }

    /// Starts job `index`: hands its name to a resolver worker, or begins
    /// connecting to its addresses, or records its result at once when
    /// there is nothing to connect to.
    fn start(&mut self, index: usize, job: Job) {
        self.start_at(index, job, Instant::now());
    }

    /// [`Driver::start`] for a job whose clock started at `started` (when
    /// it was submitted): a job that waited in a queue past its overall
    /// limit ends at once as a timeout.
    pub(crate) fn start_at(&mut self, index: usize, job: Job, started: Instant) {
        let limits = Limits {
            connect: job.connect.unwrap_or(self.options.connect_timeout),
            overall: job.overall.unwrap_or(self.options.overall_timeout),
        };
        let waited = started.elapsed();
        if waited >= limits.overall {
            return self.done.push(Finished {
                index,
                result: Err(CheckError::Timeout {
                    phase: "queue",
                    after: waited,
                }),
                elapsed: waited,
            });
        }
        let addrs = match job.source {
            Source::Name(port) => match without_dns(&job.host, port) {
                Some(found) => found,
                None => return self.start_lookup(index, job, port, started, limits),
            },
            Source::Addresses(addrs) if addrs.is_empty() => Err(CheckError::NoAddresses {
                host: job.host.clone(),
            }),
            Source::Addresses(addrs) => Ok(addrs),
        };
        let addrs = match addrs {
            Ok(addrs) => addrs,
            Err(e) => {
                return self.done.push(Finished {
                    index,
                    result: Err(e),
                    elapsed: started.elapsed(),
                })
            }
        };
        let (token, meta) = self.occupy(index, job.host, started, limits);
        let dial = Dialing {
            rest: addrs.into_iter(),
            attempts: Vec::new(),
            config: Box::new(job.config),
        };
        let next = self.dial(meta, dial, Instant::now());
        self.settle(token, next);
    }

    /// Takes a free slot for job `index`, counting it as running.
    fn occupy(
        &mut self,
        index: usize,
        host: String,
        started: Instant,
        limits: Limits,
    ) -> (usize, Meta) {
        let token = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        self.active += 1;
        self.peak = self.peak.max(self.active);
        let meta = Meta {
            index,
            token,
            host,
            started,
            overall_end: later(started, limits.overall),
            limits,
            armed: None,
        };
        (token, meta)
    }

    /// Queues job `index`'s name for a resolver worker; the job waits in
    /// its slot until the answer or its overall deadline, whichever is first.
    fn start_lookup(
        &mut self,
        index: usize,
        job: Job,
        port: u16,
        started: Instant,
        limits: Limits,
    ) {
        let (token, meta) = self.occupy(index, job.host, started, limits);
        let asked = match self.pool() {
            Ok(pool) => pool.ask(index, token, &meta.host, port, meta.overall_end),
            Err(e) => Err(CheckError::Resolve {
                host: meta.host.clone(),
                detail: format!("cannot wake the event loop from a resolver thread: {e}"),
            }),
        };
        let next = match asked {
            Ok(()) => Next::Keep(Slot {
                meta,
                state: State::Resolving(Resolving {
                    port,
                    config: job.config,
                }),
            }),
            Err(e) => Next::Done(meta.index, Err(e), meta.started),
        };
        self.settle(token, next);
    }

    /// The resolver pool, started on first use.
    fn pool(&mut self) -> std::io::Result<&mut Pool> {
        if self.pool.is_none() {
            let waker = self.waker()?;
            self.pool = Some(Pool::new(self.resolver.clone(), waker));
        }
        self.pool
            .as_mut()
            .ok_or_else(|| std::io::Error::other("no resolver pool"))
    }

    /// Resolver workers answered: jobs still waiting for their names start
    /// connecting (answers for jobs that already gave up are dropped).
    pub(crate) fn on_answers(&mut self, now: Instant) {
        let answers = match &mut self.pool {
            Some(pool) => pool.answers(),
            None => return,
        };
        for answer in answers {
            let Some(slot) = self.slots.get_mut(answer.token).and_then(Option::take) else {
                continue;
            };
            let Slot { meta, state } = slot;
            let next = match state {
                State::Resolving(r) if meta.index == answer.index => match answer.result {
                    Ok(addrs) => {
                        let dial = Dialing {
                            rest: addrs.into_iter(),
                            attempts: Vec::new(),
                            config: Box::new(r.config),
                        };
                        self.dial(meta, dial, now)
                    }
                    Err(e) => Next::Done(meta.index, Err(e), meta.started),
                },
                state => Next::Keep(Slot { meta, state }),
            };
            self.settle(answer.token, next);
        }
    }

    /// Starts a connection attempt to the next address that takes one.
    fn dial(&mut self, meta: Meta, mut dial: Dialing, now: Instant) -> Next {
        while let Some(addr) = dial.rest.next() {
            let mut stream = match connect::start(addr) {
                Ok(stream) => stream,
                Err(failure) => {
                    dial.attempts.push((addr, failure));
                    continue;
                }
            };
            let interest = Interest::READABLE | Interest::WRITABLE;
            if let Err(e) = self
                .poll
                .registry()
                .register(&mut stream, Token(meta.token), interest)
            {
                dial.attempts.push((
                    addr,
                    ConnectFailure::Other(format!("cannot watch the socket: {e}")),
                ));
                continue;
            }
            let give_up = later(now, meta.limits.connect).min(meta.overall_end);
            let connecting = Connecting {
                stream,
                addr,
                since: now,
                give_up,
                dial,
            };
            return Next::Keep(Slot {
                meta,
                state: State::Connecting(Box::new(connecting)),
            });
        }
        let error = CheckError::Connect {
            host: meta.host,
            attempts: dial.attempts,
        };
        Next::Done(meta.index, Err(error), meta.started)
    }

    /// Puts a slot back and re-arms its deadline, or records its result.
    fn settle(&mut self, token: usize, next: Next) {
        match next {
            Next::Keep(mut slot) => {
                let at = slot.deadline();
                if slot.meta.armed.map(|a| a.at) != Some(at) {
                    slot.meta.armed = Some(self.deadlines.arm(token, at));
                }
                if let Some(place) = self.slots.get_mut(token) {
                    *place = Some(slot);
                }
            }
            Next::Done(index, result, started) => {
                self.done.push(Finished {
                    index,
                    result,
                    elapsed: started.elapsed(),
                });
                self.free.push(token);
                self.active = self.active.saturating_sub(1);
            }
        }
    }

    /// The earliest deadline of any running slot.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        let slots = &self.slots;
        self.deadlines
            .next(|token, seq| is_armed(slots, token, seq))
    }

    /// Handles a readiness event for one slot.
    pub(crate) fn on_event(&mut self, event: &Event, now: Instant) {
        let token = event.token().0;
        let Some(slot) = self.slots.get_mut(token).and_then(Option::take) else {
            return;
        };
        let next = match slot.state {
            State::Resolving(_) => Next::Keep(slot),
            State::Connecting(_) => self.on_connect_event(slot, Ready::of(event), now),
            State::Probing(_) => self.on_ready(slot, Ready::of(event), now),
        };
        self.settle(token, next);
    }

    /// Handles one poll's events (resolver answers on the waker, socket
    /// readiness), then every deadline that has passed; returns the time
    /// they were handled at.
    pub(crate) fn handle(&mut self, events: &Events) -> Instant {
        let now = Instant::now();
        for event in events.iter() {
            if event.token() == WAKER {
                self.on_answers(now);
            } else {
                self.on_event(event, now);
            }
        }
        self.expire(now);
        now
    }

    /// Handles every slot whose deadline has passed.
    pub(crate) fn expire(&mut self, now: Instant) {
        loop {
            let slots = &self.slots;
            let Some(token) = self
                .deadlines
                .pop_expired(now, |t, seq| is_armed(slots, t, seq))
            else {
                break;
            };
            let Some(mut slot) = self.slots.get_mut(token).and_then(Option::take) else {
                continue;
            };
            slot.meta.armed = None;
            let next = self.on_deadline(slot, now);
            self.settle(token, next);
        }
        let live = self.active;
        let slots = &self.slots;
        self.deadlines
            .compact(live, |t, seq| is_armed(slots, t, seq));
    }

    /// A slot's deadline passed: a connect attempt ran out, the probe's
    /// wait ended, or the overall limit was reached.
    fn on_deadline(&mut self, slot: Slot, now: Instant) -> Next {
        let Slot { meta, state } = slot;
        match state {
            State::Resolving(r) => {
                if now < meta.overall_end {
                    return Next::Keep(Slot {
                        meta,
                        state: State::Resolving(r),
                    });
                }
                let after = now.saturating_duration_since(meta.started);
                Next::Done(
                    meta.index,
                    Err(CheckError::Timeout {
                        phase: "resolve",
                        after,
                    }),
                    meta.started,
                )
            }
            State::Connecting(mut c) => {
                self.forget(&mut c.stream);
                if now >= meta.overall_end {
                    let after = now.saturating_duration_since(meta.started);
                    return Next::Done(
                        meta.index,
                        Err(CheckError::Timeout {
                            phase: "connect",
                            after,
                        }),
                        meta.started,
                    );
                }
                c.dial.attempts.push((c.addr, ConnectFailure::TimedOut));
                self.dial(meta, c.dial, now)
            }
            State::Probing(mut p) => {
                if now >= p.wait_until {
                    p.probe.handle_input(Input::Timeout, now);
                    return self.drive(meta, p, now);
                }
                if now >= meta.overall_end {
                    // The probe has our overall end as its deadline, so
                    // this is only a safety net.
                    self.forget(&mut p.stream);
                    let error = ProbeError::Timeout {
                        protocol: p.probe.protocol(),
                        phase: p.probe.phase(),
                        limit: meta.limits.overall,
                        overall: true,
                        arrived: p.probe.arrived(),
                    };
                    return Next::Done(
                        meta.index,
                        Err(CheckError::Probe {
                            peer: p.peer,
                            error,
                        }),
                        meta.started,
                    );
                }
                Next::Keep(Slot {
                    meta,
                    state: State::Probing(p),
                })
            }
        }
    }

    /// The connecting socket reported an event: connected, failed, or not yet.
    fn on_connect_event(&mut self, slot: Slot, ready: Ready, now: Instant) -> Next {
        let Slot { meta, state } = slot;
        let State::Connecting(mut c) = state else {
            return Next::Keep(Slot { meta, state });
        };
        match connect::progress(&c.stream) {
            Progress::Pending => Next::Keep(Slot {
                meta,
                state: State::Connecting(c),
            }),
            Progress::Failed(failure) => {
                self.forget(&mut c.stream);
                c.dial.attempts.push((c.addr, failure));
                self.dial(meta, c.dial, now)
            }
            Progress::Connected => self.begin_probe(meta, *c, ready, now),
        }
    }

    /// Stops watching a socket that is about to be dropped (closed).
    ///
    /// With epoll, closing the socket removes it from the poll set (we
    /// never duplicate the descriptor), so the `epoll_ctl` call is saved;
    /// mio keeps no state of its own per socket there. Elsewhere mio asks
    /// for an explicit deregistration.
    pub(crate) fn forget(&self, stream: &mut TcpStream) {
        if cfg!(any(target_os = "linux", target_os = "android")) {
            return;
        }
        // Failing to deregister a socket we are closing changes nothing.
        let _ = self.poll.registry().deregister(stream);
    }

    /// Fails every running job with `detail` (the event loop broke).
    pub(crate) fn fail_all(&mut self, detail: &str) {
        for token in 0..self.slots.len() {
            let Some(slot) = self.slots.get_mut(token).and_then(Option::take) else {
                continue;
            };
            let Slot { meta, mut state } = slot;
            let peer = match &mut state {
                State::Resolving(r) => SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), r.port),
                State::Connecting(c) => {
                    self.forget(&mut c.stream);
                    c.addr
                }
                State::Probing(p) => {
                    self.forget(&mut p.stream);
                    p.peer
                }
            };
            let error = CheckError::Io {
                peer,
                detail: detail.to_owned(),
            };
            self.settle(token, Next::Done(meta.index, Err(error), meta.started));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::TcpListener;
    use std::thread;

    use starttls_engine::smtp::SmtpError;
    use starttls_engine::{Phase, Protocol};

    use super::*;
    use crate::test_servers::busy_server;

    impl Driver {
        fn new_system(options: DriverOptions) -> std::io::Result<Self> {
            Driver::new(options, Resolver::system())
        }
    }

    /// A port nothing listens on (bound, then released).
    fn dead_port() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    }

    fn job(addrs: Vec<SocketAddr>) -> Job {
        Job {
            host: "test.example".into(),
            source: Source::Addresses(addrs),
            config: Config::new(Protocol::Smtp),
            connect: None,
            overall: None,
        }
    }

    fn options(connect: u64, overall: u64) -> DriverOptions {
        DriverOptions {
            connect_timeout: Duration::from_millis(connect),
            overall_timeout: Duration::from_millis(overall),
            max_in_flight: 16,
        }
    }

    #[test]
    fn a_refusing_first_address_falls_through_to_the_next() {
        let live = busy_server();
        let dead = dead_port();
        let results = run(vec![job(vec![dead, live])], &options(5_000, 5_000));
        let [Err(CheckError::Probe { peer, error })] = &results[..] else {
            panic!("{results:?}")
        };
        assert_eq!(*peer, live, "the second address answered");
        assert!(
            matches!(
                error,
                ProbeError::Smtp(SmtpError::Rejected {
                    phase: Phase::Greeting,
                    ..
                })
            ),
            "{error}"
        );
    }

    #[test]
    fn every_address_failing_lists_each_attempt() {
        let (a, b) = (dead_port(), dead_port());
        let results = run(vec![job(vec![a, b])], &options(5_000, 5_000));
        let expected = CheckError::Connect {
            host: "test.example".into(),
            attempts: vec![(a, ConnectFailure::Refused), (b, ConnectFailure::Refused)],
        };
        assert_eq!(results, [Err(expected)]);
    }

    #[test]
    fn connect_timeout_moves_on_to_the_next_address_then_gives_up() {
        // Time is passed in, so the deadline logic is tested without a
        // server that never answers: expire before any event is handled.
        let (a, b) = (busy_server(), busy_server());
        let mut driver = Driver::new_system(options(1_000, 10_000)).unwrap();
        let t0 = Instant::now();
        driver.start(0, job(vec![a, b]));
        assert_eq!(driver.active, 1);
        let first = driver.next_deadline().unwrap();
        assert!(first >= t0 + Duration::from_millis(1_000));
        assert!(
            first < t0 + Duration::from_millis(5_000),
            "connect limit, not overall"
        );
        driver.expire(first);
        assert!(driver.done.is_empty(), "second address tried");
        let second = driver.next_deadline().unwrap();
        assert!(second >= first + Duration::from_millis(1_000));
        driver.expire(second);
        let expected = CheckError::Connect {
            host: "test.example".into(),
            attempts: vec![(a, ConnectFailure::TimedOut), (b, ConnectFailure::TimedOut)],
        };
        let done: Vec<_> = driver.done.iter().map(|f| (f.index, &f.result)).collect();
        assert_eq!(done, [(0, &Err(expected))]);
        assert_eq!(driver.active, 0);
        assert_eq!(driver.next_deadline(), None);
    }

    #[test]
    fn overall_limit_during_connect_is_a_connect_timeout() {
        let a = busy_server();
        let mut driver = Driver::new_system(options(5_000, 1_000)).unwrap();
        driver.start(0, job(vec![a, a]));
        let at = driver.next_deadline().unwrap();
        driver.expire(at);
        let done: Vec<_> = driver.done.iter().map(|f| (f.index, &f.result)).collect();
        let [(0, Err(CheckError::Timeout { phase, after }))] = &done[..] else {
            panic!("{:?}", driver.done)
        };
        assert_eq!(*phase, "connect");
        assert!(*after >= Duration::from_millis(1_000));
    }

    #[test]
    fn max_in_flight_bounds_open_connections() {
        let live = busy_server();
        let jobs = (0..12).map(|_| job(vec![live])).collect();
        let mut opts = options(5_000, 5_000);
        opts.max_in_flight = 3;
        let (results, peak) = run_counting(jobs, &opts);
        assert_eq!(results.len(), 12);
        assert!(peak <= 3 && peak > 0, "peak {peak}");
        for r in results {
            assert!(matches!(r, Err(CheckError::Probe { .. })), "{r:?}");
        }
    }

    #[test]
    fn check_each_hands_over_every_result_once_as_it_finishes() {
        let live = busy_server();
        let dead = dead_port();
        let target = |addr: SocketAddr| {
            Target::new(
                addr.ip().to_string(),
                addr.port(),
                Config::new(Protocol::Smtp),
            )
        };
        let targets = vec![target(live), target(dead), target(live), target(dead)];
        let mut seen = Vec::new();
        check_each(targets, &options(5_000, 5_000), |index, result| {
            seen.push((index, result));
        });
        seen.sort_by_key(|(index, _)| *index);
        let indexes: Vec<usize> = seen.iter().map(|(i, _)| *i).collect();
        assert_eq!(indexes, [0, 1, 2, 3]);
        for (index, result) in &seen {
            if index % 2 == 0 {
                assert!(
                    matches!(result, Err(CheckError::Probe { .. })),
                    "{result:?}"
                );
            } else {
                assert!(
                    matches!(result, Err(CheckError::Connect { .. })),
                    "{result:?}"
                );
            }
        }
    }

    /// A server that writes each of `pieces` to every connection, pausing
    /// between them, and then closes it.
    fn piecewise_server(pieces: &'static [&'static [u8]], pause: Duration) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                thread::spawn(move || {
                    for piece in pieces {
                        let _ = conn.write_all(piece);
                        thread::sleep(pause);
                    }
                });
            }
        });
        addr
    }

    #[test]
    fn bytes_arriving_after_a_short_read_raise_their_own_event() {
        // Reading stops after a read that leaves room in the buffer: the
        // rest of the reply, sent later, must still wake the probe, well
        // before its limit (a lost wake-up would end as a timeout).
        let addr = piecewise_server(
            &[b"421 4.3", b".2 bu", b"sy\r\n"],
            Duration::from_millis(30),
        );
        let results = run(vec![job(vec![addr])], &options(5_000, 5_000));
        let [Err(CheckError::Probe { error, .. })] = &results[..] else {
            panic!("{results:?}")
        };
        let ProbeError::Smtp(SmtpError::Rejected { reply, .. }) = error else {
            panic!("{error}")
        };
        assert_eq!(reply.code, 421);
    }

    #[test]
    fn a_close_that_comes_with_the_last_bytes_is_seen() {
        // Half a greeting and the close together: the short read of the
        // bytes must not end the reading before the close is read.
        let addr = piecewise_server(&[b"220-mx.test ESMTP"], Duration::ZERO);
        let results = run(vec![job(vec![addr])], &options(5_000, 5_000));
        let [Err(CheckError::Probe { error, .. })] = &results[..] else {
            panic!("{results:?}")
        };
        assert!(
            matches!(
                error,
                ProbeError::ConnectionClosed {
                    phase: Phase::Greeting,
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn no_addresses_and_empty_batches_finish() {
        assert_eq!(run(Vec::new(), &options(1, 1)), []);
        let results = run(vec![job(Vec::new())], &options(1_000, 1_000));
        assert_eq!(
            results,
            [Err(CheckError::NoAddresses {
                host: "test.example".into()
            })]
        );
    }

    #[test]
    fn a_hanging_lookup_holds_up_only_its_own_target() {
        use std::sync::mpsc;
        use std::sync::{Arc, Mutex};

        let live = busy_server();
        // "stuck.test" answers only once every other target has its result:
        // if its lookup held up the loop, nothing would ever finish before
        // its one-minute deadline and it would end as a resolve timeout.
        let (release, hold) = mpsc::channel::<()>();
        let hold = Arc::new(Mutex::new(hold));
        let resolver = Resolver::new(move |host, _| {
            if host == "stuck.test" {
                let _ = hold.lock().map(|h| h.recv());
                return Ok(Vec::new());
            }
            Ok(vec![live])
        })
        .with_workers(2);
        let config = || Config::new(Protocol::Smtp);
        let mut targets = vec![Target::new("stuck.test", live.port(), config())];
        for n in 0..6 {
            targets.push(Target::new(format!("mx{n}.test"), live.port(), config()));
        }
        let mut seen = Vec::new();
        check_each_timed(targets, &options(60_000, 60_000), &resolver, |f| {
            seen.push((f.index, f.result));
            if seen.len() == 6 {
                let _ = release.send(());
            }
        });
        let indexes: Vec<usize> = seen.iter().map(|(i, _)| *i).collect();
        assert_eq!(indexes.len(), 7, "every target has one result: {indexes:?}");
        assert_eq!(indexes[6], 0, "the stuck name finished last");
        for (index, result) in &seen {
            if *index == 0 {
                let expected = CheckError::NoAddresses {
                    host: "stuck.test".into(),
                };
                assert_eq!(result, &Err(expected), "answered once released");
            } else {
                assert!(
                    matches!(result, Err(CheckError::Probe { .. })),
                    "{result:?}"
                );
            }
        }
    }

    #[test]
    fn a_lookup_past_its_deadline_is_a_resolve_timeout() {
        use std::sync::mpsc;
        use std::sync::{Arc, Mutex};

        let (release, hold) = mpsc::channel::<()>();
        let hold = Arc::new(Mutex::new(hold));
        let resolver = Resolver::new(move |_, _| {
            let _ = hold.lock().map(|h| h.recv());
            Ok(Vec::new())
        });
        let target = Target::new("stuck.test", 25, Config::new(Protocol::Smtp))
            .with_timeouts(Duration::from_millis(50), Duration::from_millis(50));
        let mut seen = Vec::new();
        check_each_timed(vec![target], &options(60_000, 60_000), &resolver, |f| {
            seen.push(f);
        });
        drop(release);
        let [finished] = &seen[..] else {
            panic!("{seen:?}")
        };
        assert!(
            matches!(
                finished.result,
                Err(CheckError::Timeout {
                    phase: "resolve",
                    ..
                })
            ),
            "{:?}",
            finished.result
        );
        assert!(finished.elapsed >= Duration::from_millis(50));
    }

    #[test]
    fn a_failed_lookup_is_a_resolve_error_with_the_resolver_text() {
        let resolver = Resolver::new(|_, _| Err(std::io::Error::other("SERVFAIL")));
        let mut seen = Vec::new();
        let target = Target::new("mx.test", 25, Config::new(Protocol::Smtp));
        check_each_timed(vec![target], &options(1_000, 1_000), &resolver, |f| {
            seen.push(f.result);
        });
        assert_eq!(
            seen,
            [Err(CheckError::Resolve {
                host: "mx.test".into(),
                detail: "SERVFAIL".into()
            })]
        );
    }
}
