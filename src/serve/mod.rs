//! `starttls-cert serve`: a Prometheus exporter in the manner of
//! blackbox_exporter and ssl_exporter. `/probe?target=host:port&module=NAME`
//! checks one server and answers with its series
//! ([`crate::output::prometheus`]); `/metrics` gives the exporter's own
//! counters.
//!
//! Every probe runs on one shared io-mio event loop ([`Service`]) that
//! takes targets while it runs: the accept loop submits a probe's target,
//! and when the result is in, one of a fixed pool of worker threads
//! ([`workers`]) analyses the certificate with the module's trust store,
//! built once at start and shared, and answers. Each module's options are
//! parsed once at start too. At most `--max-concurrent`
//! probes run at once; more are answered 503 at once. A probe's time
//! limit is the module's, shortened to Prometheus' scrape timeout less
//! half a second. `--allow-targets FILE` restricts what may be probed, so
//! the exporter cannot be used to scan other hosts; it listens on loopback
//! unless told otherwise.
//!
//! With `--targets FILE --interval DUR` it also checks a list on its own
//! ([`interval`]) and serves the last complete run's series on `/metrics`.

pub mod http;
pub mod interval;
pub mod modules;
pub mod pipelined;
pub mod stats;
pub mod target;
pub mod workers;

/// Writes one line to stderr, ignoring a closed or full stderr: an exporter
/// started with stderr closed (`2>&-`, a supervisor that went away) keeps
/// serving instead of panicking in `eprintln!`.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use starttls_io_mio::{DriverOptions, Resolver, Service};

pub use http::{probe_timeout, route, run_probe, Answer, Route, MAX_URL_BYTES};
pub use interval::{parse_interval, ListRuns};
pub use modules::{Module, ModuleError};
pub use stats::Stats;
pub use target::{parse_target, AllowList, TargetAddr};
pub use workers::Workers;

/// The exporter's port by default: ssl_exporter's, which Prometheus'
/// port allocation list gives it.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9219";

/// `starttls-cert serve` options.
#[derive(Parser, Debug)]
#[command(
    name = "starttls-cert serve",
    about = "Serves Prometheus metrics: /probe?target=host:port&module=NAME checks one server, /metrics the exporter's own counters"
)]
pub struct ServeArgs {
    /// Address and port to listen on (loopback by default; give 0.0.0.0:9219 to listen on every interface)
    #[arg(long, value_name = "ADDR:PORT", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// Modules file: lines "name: protocol options", e.g. "smtp: smtp --name-validation cn-san" [default: one module per protocol, named smtp, lmtp, ldap, ...]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The module used when a probe names none [default: the first module]
    #[arg(long, value_name = "NAME")]
    pub default_module: Option<String>,

    /// Only probe targets listed in FILE (one host:port, or host for any port, a line)
    #[arg(long, value_name = "FILE")]
    pub allow_targets: Option<PathBuf>,

    /// Most probes running at once; more are answered 503 (1-10000)
    #[arg(long, value_name = "N", default_value = "100", value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub max_concurrent: u64,

    /// Also check the servers in FILE (the --targets syntax: a server a line, host, then port, protocol and options if needed) every --interval, and serve the last complete run's series on /metrics, labelled by target
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,

    /// How often to check the --targets list: 90, 30s, 5m, 1h (1s to 7d)
    #[arg(long, value_name = "DUR", default_value = "5m", value_parser = parse_interval, requires = "targets")]
    pub interval: std::time::Duration,
}

/// Everything the request threads share.
#[derive(Debug)]
pub struct Exporter {
    /// The modules, by name.
    pub modules: Vec<Module>,
    /// The module for probes that name none.
    pub default_module: String,
    /// Targets allowed, if restricted.
    pub allow: Option<AllowList>,
    /// Most probes at once.
    pub max_concurrent: u64,
    /// Counters for `/metrics`.
    pub stats: Stats,
    /// The one event loop every probe runs on.
    pub driver: Service,
    /// The `--targets` list checked every interval, if one was given.
    pub list: Option<Arc<ListRuns>>,
}

impl Exporter {
    /// Reads the modules and allow list `args` name.
    pub fn from_args(args: &ServeArgs) -> Result<Exporter, String> {
        let modules = match &args.config {
            Some(path) => modules::load(path),
            None => modules::defaults(),
        }
        .map_err(|e| e.to_string())?;
        let default_module = match &args.default_module {
            Some(name) if modules.iter().any(|m| &m.name == name) => name.clone(),
            Some(name) => return Err(format!("--default-module: no module is named \"{name}\"")),
            None => modules.first().map(|m| m.name.clone()).unwrap_or_default(),
        };
        let allow = match &args.allow_targets {
            Some(path) => Some(AllowList::load(path)?),
            None => None,
        };
        let list = match &args.targets {
            Some(path) => Some(Arc::new(ListRuns::load(path, args.interval)?)),
            None => None,
        };
        // The loop's cap matches the exporter's, so no probe ever waits
        // in its queue: the 503 comes first.
        let cap = usize::try_from(args.max_concurrent).unwrap_or(usize::MAX);
        let options = DriverOptions {
            max_in_flight: cap,
            ..DriverOptions::default()
        };
        let driver = Service::start(options, Resolver::system())
            .map_err(|e| format!("cannot start the checking loop: {e}"))?;
        Ok(Exporter {
            modules,
            default_module,
            allow,
            max_concurrent: args.max_concurrent,
            stats: Stats::default(),
            driver,
            list,
        })
    }
}

fn respond(request: tiny_http::Request, answer: Answer) {
    let header =
        tiny_http::Header::from_bytes(&b"Content-Type"[..], answer.content_type.as_bytes());
    let mut response =
        tiny_http::Response::from_string(answer.body).with_status_code(answer.status);
    if let Ok(h) = header {
        response = response.with_header(h);
    }
    // The scraper may have given up; nothing to do about it.
    let _ = request.respond(response);
}

/// Serves until the process is stopped; returns the exit code when the
/// exporter cannot start (bad options, modules or address).
pub fn main(program: &str, args: &[std::ffi::OsString]) -> i32 {
    let mut argv = vec![std::ffi::OsString::from(format!("{program} serve"))];
    argv.extend_from_slice(args);
    let args = match ServeArgs::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let exporter = match Exporter::from_args(&args) {
        Ok(e) => Arc::new(e),
        Err(e) => {
            say!("starttls-cert serve: {e}");
            return 2;
        }
    };
    let server = match tiny_http::Server::http(args.listen) {
        Ok(s) => s,
        Err(e) => {
            say!("starttls-cert serve: cannot listen on {}: {e}", args.listen);
            return 2;
        }
    };
    let workers = match Workers::start(workers::default_count(), &exporter) {
        Ok(w) => w,
        Err(e) => {
            say!("starttls-cert serve: cannot start the request workers: {e}");
            return 2;
        }
    };
    let names: Vec<&str> = exporter.modules.iter().map(|m| m.name.as_str()).collect();
    let listening = server
        .server_addr()
        .to_ip()
        .map_or_else(|| args.listen.to_string(), |a| a.to_string());
    say!(
        "starttls-cert serve: listening on http://{listening}/ (modules: {}; at most {} probes at once{})",
        names.join(", "),
        exporter.max_concurrent,
        if exporter.allow.is_some() {
            "; targets restricted"
        } else {
            ""
        }
    );
    if let Some(list) = &exporter.list {
        say!(
            "starttls-cert serve: checking {} targets every {}s; /metrics serves the last complete run",
            list.len(),
            args.interval.as_secs()
        );
        let list = Arc::clone(list);
        let started = std::thread::Builder::new()
            .name("list".into())
            .spawn(move || list.keep_running());
        if let Err(e) = started {
            say!("starttls-cert serve: cannot start the list's thread: {e}");
            return 2;
        }
    }
    serve(&server, &exporter, &workers);
    0
}

/// The accept loop: answers at once what needs no probe, and hands each
/// probe to the shared loop, whose result a worker answers. A request
/// pipelined behind an unanswered one of its connection is answered on a
/// thread of its own ([`pipelined`]).
pub fn serve(server: &tiny_http::Server, exporter: &Arc<Exporter>, workers: &Workers) {
    for request in server.incoming_requests() {
        let scrape_timeout = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("X-Prometheus-Scrape-Timeout-Seconds"))
            .map(|h| h.value.as_str().to_owned());
        let routed = if *request.method() != tiny_http::Method::Get
            && *request.method() != tiny_http::Method::Head
        {
            Route::Now(Answer {
                status: 405,
                content_type: "text/plain; charset=utf-8",
                body: "only GET is served\n".into(),
            })
        } else {
            route(exporter, request.url(), scrape_timeout.as_deref())
        };
        let peer = request.remote_addr().copied();
        let behind = workers.outstanding.open(peer);
        match routed {
            Route::Now(answer) if !behind => {
                respond(request, answer);
                workers.outstanding.close(peer);
            }
            Route::Probe(job) if !behind => workers.probe(exporter, request, job),
            routed => answer_behind(exporter, workers, request, routed),
        }
    }
}

/// Answers a request pipelined behind an unanswered one on a thread of its
/// own, which may wait for the one before.
fn answer_behind(
    exporter: &Arc<Exporter>,
    workers: &Workers,
    request: tiny_http::Request,
    routed: Route,
) {
    let peer = request.remote_addr().copied();
    let shared = Arc::clone(exporter);
    let outstanding = Arc::clone(&workers.outstanding);
    let is_probe = matches!(routed, Route::Probe(_));
    let spawned = std::thread::Builder::new()
        .name("pipelined".into())
        .spawn(move || {
            let answer = match routed {
                Route::Now(answer) => answer,
                Route::Probe(job) => run_probe(&shared, job),
            };
            respond(request, answer);
            outstanding.close(peer);
        });
    if let Err(e) = spawned {
        if is_probe {
            // The slot was taken for a probe that never ran; the dropped
            // request is answered 500 by tiny_http.
            exporter.stats.finish(false, std::time::Duration::ZERO);
        }
        workers.outstanding.close(peer);
        say!("starttls-cert serve: cannot start a thread for a pipelined request: {e}");
    }
}
