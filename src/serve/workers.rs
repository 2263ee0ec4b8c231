//! The exporter's request workers: a fixed pool of threads that finish
//! probes (certificate analysis, exposition text, the HTTP answer) as the
//! event loop hands their results over. No thread waits for a probe on
//! the wire and none is started per probe; only a request pipelined behind
//! an unanswered one of its connection gets a thread ([`super::pipelined`]).

use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::http::{answer_probe, Driven, ProbeJob};
use super::pipelined::Outstanding;
use super::{respond, Exporter};

/// The most workers started, however many CPUs there are: they only do
/// CPU work, so more would only take turns.
const MAX_WORKERS: usize = 16;

/// A probe the driver is done with, ready to be answered.
struct Finished {
    request: tiny_http::Request,
    job: ProbeJob,
    started: Instant,
    driven: Driven,
}

/// The pool: probes' results go in, HTTP answers come out.
#[derive(Debug)]
pub struct Workers {
    queue: Sender<Finished>,
    /// Requests not answered yet, by connection.
    pub outstanding: Arc<Outstanding>,
}

impl std::fmt::Debug for Finished {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Finished").finish_non_exhaustive()
    }
}

/// One worker per CPU, at least two, at most sixteen.
pub fn default_count() -> usize {
    std::thread::available_parallelism()
        .map_or(2, NonZeroUsize::get)
        .clamp(2, MAX_WORKERS)
}

impl Workers {
    /// Starts `count` worker threads for `exporter`.
    pub fn start(count: usize, exporter: &Arc<Exporter>) -> std::io::Result<Workers> {
        let (queue, received) = mpsc::channel();
        let received = Arc::new(Mutex::new(received));
        let outstanding = Arc::new(Outstanding::default());
        for n in 0..count.max(1) {
            let received = Arc::clone(&received);
            let exporter = Arc::clone(exporter);
            let outstanding = Arc::clone(&outstanding);
            std::thread::Builder::new()
                .name(format!("answer-{n}"))
                .spawn(move || work(&received, &exporter, &outstanding))?;
        }
        Ok(Workers { queue, outstanding })
    }

    /// Starts the probe `job` for `request` (its slot taken, the request
    /// counted in [`Workers::outstanding`]) on the exporter's event loop;
    /// a worker answers when the result is in.
    pub fn probe(&self, exporter: &Exporter, request: tiny_http::Request, job: ProbeJob) {
        let started = Instant::now();
        match job.target() {
            Err(failure) => {
                let finished = Finished {
                    request,
                    job,
                    started,
                    driven: Driven::NotRun(failure),
                };
                // Without workers the dropped request is answered 500.
                let _ = self.queue.send(finished);
            }
            Ok(target) => {
                let queue = self.queue.clone();
                exporter.driver.submit_with(target, move |checked| {
                    let finished = Finished {
                        request,
                        job,
                        started,
                        driven: Driven::Checked(checked),
                    };
                    let _ = queue.send(finished);
                });
            }
        }
    }
}

/// A worker: answers finished probes until the queue ends.
fn work(received: &Mutex<Receiver<Finished>>, exporter: &Exporter, outstanding: &Outstanding) {
    loop {
        let next = match received.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(finished) = next else {
            return;
        };
        let peer = finished.request.remote_addr().copied();
        // A panic answering one probe (its request then dropped, which
        // tiny_http answers 500) must not cost the pool a worker.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            let Finished {
                request,
                job,
                started,
                driven,
            } = finished;
            respond(request, answer_probe(exporter, &job, started, driven));
        }));
        outstanding.close(peer);
    }
}
