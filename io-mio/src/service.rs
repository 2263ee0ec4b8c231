//! A driver that keeps running: one event-loop thread that takes new
//! targets while it runs, for programs that learn what to check one request
//! at a time (an exporter answering scrapes).
//!
//! [`Service::start`] starts the loop thread; [`Service::submit`] queues a
//! [`Target`] from any thread (a channel, then the loop's `mio::Waker`) and
//! returns a [`Pending`] whose [`Pending::wait`] blocks until that target's
//! result comes back. The loop is the one [`check_each`](crate::check_each)
//! runs: names resolve on worker threads, every target has its own time
//! limits, at most [`DriverOptions::max_in_flight`] run at once and the rest
//! queue, their clocks already running (a target that waits past its
//! overall limit ends as a `queue` timeout without a connection).

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::{Events, Waker};

use crate::driver::{later, unspecified, Driver, Job, EVENTS};
use crate::error::CheckError;
use crate::resolve::Resolver;
use crate::target::{Checked, DriverOptions, Target};

/// What the loop thread is told.
enum Command {
    /// Check this.
    Check(Box<Submitted>),
    /// Fail everything still running or queued and end.
    Stop,
}

/// A target handed to the loop, with where its result goes.
struct Submitted {
    job: Job,
    reply: Reply,
    /// When its clock started.
    at: Instant,
}

/// A submitter's function that takes a result.
type Callback = Box<dyn FnOnce(Result<Checked, CheckError>) + Send>;

/// What to do with one target's result, called exactly once: with the
/// result, or, if the loop drops it without one (a loop thread that
/// panicked), with the "stopped" error.
struct Reply {
    call: Option<Callback>,
    /// For the error when the loop is gone.
    peer: SocketAddr,
}

impl Reply {
    fn send(mut self, result: Result<Checked, CheckError>) {
        if let Some(call) = self.call.take() {
            call(result);
        }
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        if let Some(call) = self.call.take() {
            call(Err(stopped(self.peer)));
        }
    }
}

/// A running event loop that checks targets as they are submitted.
///
/// Cloning gives another handle to the same loop; the loop stops when
/// [`Service::shutdown`] is called or the last handle is dropped, and every
/// check still running or queued then ends with [`CheckError::Io`].
///
/// ```no_run
/// use starttls_engine::{Config, Protocol};
/// use starttls_io_mio::{DriverOptions, Resolver, Service, Target};
///
/// let service = Service::start(DriverOptions::default(), Resolver::system())?;
/// // From any number of threads:
/// let pending = service.submit(Target::new("192.0.2.25", 25, Config::new(Protocol::Smtp)));
/// match pending.wait() {
///     Ok(checked) => println!("{} certificates", checked.report.chain.len()),
///     Err(error) => println!("{error}"),
/// }
/// service.shutdown();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

/// What every handle shares; dropping the last one stops the loop.
struct Inner {
    commands: Mutex<Sender<Command>>,
    waker: Arc<Waker>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Inner {
    fn stop(&self) {
        if let Ok(commands) = self.commands.lock() {
            // A loop that has already ended needs no telling.
            let _ = commands.send(Command::Stop);
        }
        let _ = self.waker.wake();
        let handle = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(handle) = handle {
            // A loop thread that panicked has nothing left to hand over.
            let _ = handle.join();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Service {
    /// Starts the loop thread with `options` (the default time limits and
    /// the cap on targets in flight) and `resolver` for names.
    pub fn start(options: DriverOptions, resolver: Resolver) -> std::io::Result<Service> {
        let mut driver = Driver::new(options, resolver)?;
        let waker = driver.waker()?;
        let (commands, received) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("starttls-driver".into())
            .spawn(move || run(driver, &received))?;
        Ok(Service {
            inner: Arc::new(Inner {
                commands: Mutex::new(commands),
                waker,
                thread: Mutex::new(Some(thread)),
            }),
        })
    }

    /// Hands `target` to the loop; its clock (the overall limit) starts
    /// now. The result comes back through the [`Pending`].
    pub fn submit(&self, target: Target) -> Pending {
        let (reply, result) = mpsc::channel();
        let peer = SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), target.port);
        self.submit_with(target, move |checked| {
            // The submitter may have stopped waiting.
            let _ = reply.send(checked);
        });
        Pending { result, peer }
    }

    /// Hands `target` to the loop like [`Service::submit`], and calls
    /// `on_result` with its result instead of keeping it for a waiting
    /// thread: a program need not hold a thread per target in flight.
    ///
    /// `on_result` is called exactly once, on the loop thread, so it
    /// should only hand the result on (a channel to worker threads); when
    /// the loop has already stopped, at once on the caller's thread with
    /// [`CheckError::Io`].
    pub fn submit_with(
        &self,
        target: Target,
        on_result: impl FnOnce(Result<Checked, CheckError>) + Send + 'static,
    ) {
        let peer = SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), target.port);
        let submitted = Submitted {
            job: Job::from_target(target),
            reply: Reply {
                call: Some(Box::new(on_result)),
                peer,
            },
            at: Instant::now(),
        };
        let command = Command::Check(Box::new(submitted));
        let sent = match self.inner.commands.lock() {
            Ok(commands) => commands.send(command).map_err(|e| e.0),
            Err(_) => Err(command),
        };
        match sent {
            Ok(()) => {
                // A failed wake-up leaves the target for the next one.
                let _ = self.inner.waker.wake();
            }
            // Dropping the reply calls it with the "stopped" error.
            Err(command) => drop(command),
        }
    }

    /// Stops the loop: every check still running or queued ends with
    /// [`CheckError::Io`], later submissions too. Waits for the loop
    /// thread to end.
    pub fn shutdown(self) {
        self.inner.stop();
    }
}

/// A submitted target's result, on its way.
#[derive(Debug)]
pub struct Pending {
    result: Receiver<Result<Checked, CheckError>>,
    /// For the error when the loop is gone.
    peer: SocketAddr,
}

impl Pending {
    /// Blocks until the target's result is ready: within its overall time
    /// limit, or at once when the loop has stopped.
    pub fn wait(self) -> Result<Checked, CheckError> {
        self.result
            .recv()
            .unwrap_or_else(|_| Err(stopped(self.peer)))
    }

    /// The result if it is ready, without blocking.
    pub fn try_wait(&self) -> Option<Result<Checked, CheckError>> {
        match self.result.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(stopped(self.peer))),
        }
    }
}

/// The error of a check the loop could not finish because it stopped.
fn stopped(peer: SocketAddr) -> CheckError {
    CheckError::Io {
        peer,
        detail: "the checking loop has stopped".to_owned(),
    }
}

/// Targets waiting for a free place, oldest first.
#[derive(Default)]
struct Queue {
    waiting: VecDeque<(usize, Job, Instant)>,
}

impl Queue {
    /// The earliest overall deadline of a waiting target.
    fn next_deadline(&self, options: &DriverOptions) -> Option<Instant> {
        self.waiting
            .iter()
            .map(|(_, job, at)| later(*at, job.overall.unwrap_or(options.overall_timeout)))
            .min()
    }

    /// Takes out the targets whose overall limit passed while they waited.
    fn expired(&mut self, now: Instant, options: &DriverOptions) -> Vec<(usize, Duration)> {
        let mut gone = Vec::new();
        self.waiting.retain(|(index, job, at)| {
            let end = later(*at, job.overall.unwrap_or(options.overall_timeout));
            if now >= end {
                gone.push((*index, now.saturating_duration_since(*at)));
                false
            } else {
                true
            }
        });
        gone
    }
}

/// The loop thread: take submissions, start what the cap allows, hand
/// results back, wait for sockets, answers and deadlines.
fn run(mut driver: Driver, commands: &Receiver<Command>) {
    let mut events = Events::with_capacity(EVENTS);
    let mut replies: HashMap<usize, Reply> = HashMap::new();
    let mut queue = Queue::default();
    let mut next_index = 0usize;
    let options = driver.options;
    let cap = options.max_in_flight.max(1);
    loop {
        let stop = loop {
            match commands.try_recv() {
                Ok(Command::Check(submitted)) => {
                    let Submitted { job, reply, at } = *submitted;
                    replies.insert(next_index, reply);
                    queue.waiting.push_back((next_index, job, at));
                    next_index = next_index.wrapping_add(1);
                }
                Ok(Command::Stop) | Err(TryRecvError::Disconnected) => break true,
                Err(TryRecvError::Empty) => break false,
            }
        };
        if stop {
            return end(
                driver,
                queue,
                &mut replies,
                "the checking loop was shut down",
            );
        }
        while driver.active < cap {
            let Some((index, job, at)) = queue.waiting.pop_front() else {
                break;
            };
            driver.start_at(index, job, at);
        }
        deliver(&mut driver, &mut replies);
        let next = match (driver.next_deadline(), queue.next_deadline(&options)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let timeout = next.map(|at| at.saturating_duration_since(Instant::now()));
        if let Err(e) = driver.poll.poll(&mut events, timeout) {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return end(
                driver,
                queue,
                &mut replies,
                &format!("event loop failed: {e}"),
            );
        }
        let now = driver.handle(&events);
        for (index, after) in queue.expired(now, &options) {
            if let Some(reply) = replies.remove(&index) {
                reply.send(Err(CheckError::Timeout {
                    phase: "queue",
                    after,
                }));
            }
        }
    }
}

/// Hands every finished result to its submitter (who may have gone).
fn deliver(driver: &mut Driver, replies: &mut HashMap<usize, Reply>) {
    for finished in driver.done.drain(..) {
        if let Some(reply) = replies.remove(&finished.index) {
            reply.send(finished.result);
        }
    }
}

/// Fails everything running or queued with `detail`.
fn end(mut driver: Driver, queue: Queue, replies: &mut HashMap<usize, Reply>, detail: &str) {
    driver.fail_all(detail);
    deliver(&mut driver, replies);
    for (index, job, _) in queue.waiting {
        if let Some(reply) = replies.remove(&index) {
            reply.send(Err(CheckError::Io {
                peer: unspecified(&job),
                detail: detail.to_owned(),
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;

    use starttls_engine::{Config, Protocol};

    use super::*;
    use crate::test_servers::busy_server;

    /// A server that accepts, counts and holds connections without a word.
    fn silent_server() -> (SocketAddr, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                held.push(conn);
            }
        });
        (addr, accepted)
    }

    fn target(addr: SocketAddr) -> Target {
        Target::new(
            addr.ip().to_string(),
            addr.port(),
            Config::new(Protocol::Smtp),
        )
    }

    fn options(max_in_flight: usize) -> DriverOptions {
        DriverOptions {
            connect_timeout: Duration::from_secs(10),
            overall_timeout: Duration::from_secs(60),
            max_in_flight,
        }
    }

    fn is_busy_reply(result: &Result<Checked, CheckError>) -> bool {
        matches!(
            result,
            Err(CheckError::Probe {
                error: starttls_engine::ProbeError::Smtp(_),
                ..
            })
        )
    }

    #[test]
    fn targets_submitted_while_others_run_finish_first() {
        let (silent, _) = silent_server();
        let busy = busy_server();
        let service = Service::start(options(16), Resolver::system()).unwrap();
        let slow = service.submit(target(silent));
        // Submitted after the silent one and from another thread, answered
        // while the silent one still waits for its greeting.
        let other = service.clone();
        let quick = thread::spawn(move || other.submit(target(busy)).wait())
            .join()
            .unwrap();
        assert!(is_busy_reply(&quick), "{quick:?}");
        assert!(
            slow.try_wait().is_none(),
            "the silent server still holds it"
        );
        let again = service.submit(target(busy)).wait();
        assert!(is_busy_reply(&again), "{again:?}");
        service.shutdown();
        let ended = slow.wait();
        assert!(
            matches!(&ended, Err(CheckError::Io { detail, .. }) if detail.contains("shut down")),
            "{ended:?}"
        );
    }

    #[test]
    fn each_target_keeps_its_own_deadline() {
        let (silent, _) = silent_server();
        let service = Service::start(options(16), Resolver::system()).unwrap();
        let patient = service.submit(target(silent));
        let hasty = service.submit(
            target(silent).with_timeouts(Duration::from_secs(10), Duration::from_millis(300)),
        );
        let result = hasty.wait();
        // Waiting for the greeting, or (on a very busy machine) still
        // connecting: either way its own 300 ms ended it.
        assert!(
            matches!(
                &result,
                Err(CheckError::Probe {
                    error: starttls_engine::ProbeError::Timeout { overall: true, .. },
                    ..
                }) | Err(CheckError::Timeout {
                    phase: "connect",
                    ..
                })
            ),
            "{result:?}"
        );
        assert!(patient.try_wait().is_none(), "60 s limit, not 300 ms");
        drop(service);
        assert!(matches!(patient.wait(), Err(CheckError::Io { .. })));
    }

    #[test]
    fn the_cap_holds_the_rest_in_a_queue_whose_clock_runs() {
        let (silent, accepted) = silent_server();
        let service = Service::start(options(2), Resolver::system()).unwrap();
        let held: Vec<Pending> = (0..2).map(|_| service.submit(target(silent))).collect();
        let queued = service.submit(
            target(silent).with_timeouts(Duration::from_secs(10), Duration::from_millis(200)),
        );
        // The third never gets a connection: both places are held, and its
        // overall limit runs out while it waits.
        let result = queued.wait();
        let start = Instant::now();
        while accepted.load(Ordering::SeqCst) < 2 && start.elapsed() < Duration::from_secs(10) {
            thread::sleep(Duration::from_millis(10));
        }
        assert!(
            matches!(result, Err(CheckError::Timeout { phase: "queue", after }) if after >= Duration::from_millis(200)),
            "{result:?}"
        );
        assert_eq!(accepted.load(Ordering::SeqCst), 2);
        service.shutdown();
        for pending in held {
            assert!(matches!(pending.wait(), Err(CheckError::Io { .. })));
        }
    }

    #[test]
    fn submissions_after_shutdown_fail_at_once() {
        let busy = busy_server();
        let service = Service::start(options(4), Resolver::system()).unwrap();
        let other = service.clone();
        service.shutdown();
        let result = other.submit(target(busy)).wait();
        assert!(
            matches!(&result, Err(CheckError::Io { detail, .. }) if detail.contains("stopped")),
            "{result:?}"
        );
    }

    #[test]
    fn a_result_handed_to_a_callback_arrives_once_even_after_shutdown() {
        let busy = busy_server();
        let service = Service::start(options(4), Resolver::system()).unwrap();
        let (tx, rx) = mpsc::channel();
        let first = tx.clone();
        service.submit_with(target(busy), move |result| first.send(result).unwrap());
        let result = rx.recv().unwrap();
        assert!(is_busy_reply(&result), "{result:?}");
        let other = service.clone();
        service.shutdown();
        other.submit_with(target(busy), move |result| tx.send(result).unwrap());
        let result = rx.recv().unwrap();
        assert!(
            matches!(&result, Err(CheckError::Io { detail, .. }) if detail.contains("stopped")),
            "{result:?}"
        );
        assert!(
            rx.recv().is_err(),
            "each callback called once, then dropped"
        );
    }

    #[test]
    fn names_resolve_off_the_loop_through_the_shared_waker() {
        let busy = busy_server();
        let resolver = Resolver::new(move |_, _| Ok(vec![busy]));
        let service = Service::start(options(4), resolver).unwrap();
        let result = service
            .submit(Target::new(
                "mx.test",
                busy.port(),
                Config::new(Protocol::Smtp),
            ))
            .wait();
        assert!(is_busy_reply(&result), "{result:?}");
    }
}
