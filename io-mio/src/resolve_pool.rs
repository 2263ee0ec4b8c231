//! Name lookups off the event-loop thread: a small pool of worker threads
//! takes names from a queue, runs the [`Resolver`]'s lookup (which may
//! block), posts the answer back and wakes the loop through a
//! [`mio::Waker`].
//!
//! Workers start on demand, up to [`Resolver::workers`], and end when the
//! pool is dropped and the queue runs dry. A worker stuck in a lookup that
//! never returns holds only itself: the loop stops waiting for that name
//! at its target's deadline, and a lookup whose target has already given
//! up is skipped rather than started.

use std::net::SocketAddr;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use mio::Waker;

use crate::error::CheckError;
use crate::resolve::Resolver;

/// A name for a worker to look up.
struct Ask {
    /// The job's index and slot token, handed back with the answer.
    index: usize,
    token: usize,
    host: String,
    port: u16,
    /// The target's deadline: a lookup not started by then is skipped.
    give_up: Instant,
}

/// A worker's answer for one job.
pub(crate) struct Answer {
    /// The job the answer belongs to.
    pub(crate) index: usize,
    /// The slot the job waits in.
    pub(crate) token: usize,
    /// The addresses, or why there are none.
    pub(crate) result: Result<Vec<SocketAddr>, CheckError>,
}

/// The pool: the queue to the workers and the answers coming back.
pub(crate) struct Pool {
    resolver: Resolver,
    waker: Arc<Waker>,
    asks: Sender<Ask>,
    queue: Arc<Mutex<Receiver<Ask>>>,
    answers_tx: Sender<Answer>,
    answers: Receiver<Answer>,
    /// Workers started so far.
    started: usize,
}

impl Pool {
    /// A pool running `resolver`'s lookups, waking the loop with `waker`.
    pub(crate) fn new(resolver: Resolver, waker: Arc<Waker>) -> Self {
        let (asks, queue) = mpsc::channel();
        let (answers_tx, answers) = mpsc::channel();
        Pool {
            resolver,
            waker,
            asks,
            queue: Arc::new(Mutex::new(queue)),
            answers_tx,
            answers,
            started: 0,
        }
    }

    /// Queues a lookup of `host` for job `index` in slot `token`. `Err`
    /// when no worker could be started to run it.
    pub(crate) fn ask(
        &mut self,
        index: usize,
        token: usize,
        host: &str,
        port: u16,
        give_up: Instant,
    ) -> Result<(), CheckError> {
        // One more worker per name until the pool is full: names come in
        // bursts when a batch starts, and an idle worker costs a stack.
        if self.started < self.resolver.workers() {
            if let Err(e) = self.spawn_worker() {
                if self.started == 0 {
                    return Err(CheckError::Resolve {
                        host: host.to_owned(),
                        detail: format!("cannot start a resolver thread: {e}"),
                    });
                }
            }
        }
        let ask = Ask {
            index,
            token,
            host: host.to_owned(),
            port,
            give_up,
        };
        self.asks.send(ask).map_err(|_| CheckError::Resolve {
            host: host.to_owned(),
            detail: "the resolver threads have stopped".to_owned(),
        })
    }

    /// The answers that arrived since the last call.
    pub(crate) fn answers(&mut self) -> Vec<Answer> {
        self.answers.try_iter().collect()
    }

    fn spawn_worker(&mut self) -> std::io::Result<()> {
        let queue = self.queue.clone();
        let answers = self.answers_tx.clone();
        let waker = self.waker.clone();
        let resolver = self.resolver.clone();
        std::thread::Builder::new()
            .name("starttls-resolve".into())
            .stack_size(256 * 1024)
            .spawn(move || work(&queue, &answers, &waker, &resolver))?;
        self.started += 1;
        Ok(())
    }
}

/// A worker's life: take a name, look it up, answer, wake the loop; stop
/// when the pool is gone.
fn work(
    queue: &Mutex<Receiver<Ask>>,
    answers: &Sender<Answer>,
    waker: &Waker,
    resolver: &Resolver,
) {
    loop {
        let ask = {
            let Ok(queue) = queue.lock() else { return };
            match queue.recv() {
                Ok(ask) => ask,
                Err(_) => return,
            }
        };
        if Instant::now() >= ask.give_up {
            // The loop has already timed this job out.
            continue;
        }
        let result = resolver.resolve(&ask.host, ask.port);
        let answer = Answer {
            index: ask.index,
            token: ask.token,
            result,
        };
        if answers.send(answer).is_err() {
            return;
        }
        // A loop that is gone cannot be woken; nothing else to do.
        let _ = waker.wake();
    }
}
