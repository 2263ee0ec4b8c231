//! Answering one HTTP request: `/probe`, `/metrics`, `/`; everything else
//! is 404. The HTTP parsing is tiny_http's; this file only routes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use starttls_io_mio::{CheckError, Checked, Target};

use super::stats::Refusal;
use super::target::parse_target;
use super::Exporter;
use crate::output::prometheus::{render_one, Probed};
use crate::run::Failure;

/// The longest request URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// What Prometheus leaves for the answer when it states its scrape
/// timeout: blackbox_exporter's default `timeout_offset` too.
pub const TIMEOUT_OFFSET: Duration = Duration::from_millis(500);

/// The shortest probe time limit a scrape timeout can ask for.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(500);

/// An HTTP answer: status, content type and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

const EXPOSITION: &str = "text/plain; version=0.0.4; charset=utf-8";

fn text(status: u16, body: impl Into<String>) -> Answer {
    Answer {
        status,
        content_type: "text/plain; charset=utf-8",
        body: body.into(),
    }
}

/// A request routed: answered at once, or a probe to run on its own thread.
#[derive(Debug)]
pub enum Route {
    /// The answer.
    Now(Answer),
    /// Run this probe (its slot already taken), then answer.
    Probe(ProbeJob),
}

/// A probe, ready to run.
#[derive(Debug)]
pub struct ProbeJob {
    request: crate::request::Request,
    module: usize,
}

/// Decodes `%XX` and `+` in a query component; `None` for bad escapes or
/// text that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The value of `key` in a query string, decoded.
fn query_value(query: &str, key: &str) -> Result<Option<String>, String> {
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == key {
            return percent_decode(v)
                .map(Some)
                .ok_or_else(|| format!("the {key} parameter is not valid percent-encoded UTF-8"));
        }
    }
    Ok(None)
}

/// The probe's time limit: the module's, shortened to the scrape timeout
/// Prometheus states (`X-Prometheus-Scrape-Timeout-Seconds`) less
/// [`TIMEOUT_OFFSET`].
pub fn probe_timeout(module: Duration, scrape_timeout: Option<&str>) -> Duration {
    let stated = scrape_timeout
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)).saturating_sub(TIMEOUT_OFFSET));
    match stated {
        Some(s) => module.min(s).max(MIN_TIMEOUT),
        None => module,
    }
}

/// Routes a request for `url` (path and query).
pub fn route(exporter: &Exporter, url: &str, scrape_timeout: Option<&str>) -> Route {
    let stats = &exporter.stats;
    if url.len() > MAX_URL_BYTES {
        stats.refused(Refusal::BadRequest);
        return Route::Now(text(414, "the request URL is too long\n"));
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    match path {
        "/metrics" => {
            let mut body = stats.render();
            if let Some(last) = exporter.list.as_ref().and_then(|l| l.last()) {
                body.push_str(&last);
            }
            Route::Now(Answer {
                status: 200,
                content_type: EXPOSITION,
                body,
            })
        }
        "/" => Route::Now(text(
            200,
            "starttls-cert exporter: /probe?target=host:port&module=NAME, /metrics\n",
        )),
        "/probe" => match probe_job(exporter, query, scrape_timeout) {
            Ok(job) => Route::Probe(job),
            Err(answer) => Route::Now(answer),
        },
        _ => {
            stats.refused(Refusal::BadRequest);
            Route::Now(text(404, "not found: use /probe or /metrics\n"))
        }
    }
}

fn probe_job(
    exporter: &Exporter,
    query: &str,
    scrape_timeout: Option<&str>,
) -> Result<ProbeJob, Answer> {
    let stats = &exporter.stats;
    let bad = |message: String| {
        stats.refused(Refusal::BadRequest);
        text(
            400,
            format!("{}\n", crate::output::sanitize::escape(&message)),
        )
    };
    let target = query_value(query, "target")
        .map_err(bad)?
        .ok_or_else(|| bad("the target parameter is missing".into()))?;
    let module_name = query_value(query, "module")
        .map_err(bad)?
        .unwrap_or_else(|| exporter.default_module.clone());
    let module = exporter
        .modules
        .iter()
        .position(|m| m.name == module_name)
        .ok_or_else(|| bad(format!("unknown module \"{module_name}\"")))?;
    let addr = parse_target(&target).map_err(bad)?;
    let m = &exporter.modules[module];
    let port = match addr.port.or(m.protocol.default_port()) {
        Some(port) => port,
        None => {
            return Err(bad(format!(
                "the {} module needs a port in the target (host:port)",
                m.name
            )))
        }
    };
    if let Some(allow) = &exporter.allow {
        if !allow.allows(&addr.host, port) {
            stats.refused(Refusal::NotAllowed);
            return Err(text(
                403,
                "the target is not on the exporter's allow list\n",
            ));
        }
    }
    let mut request = m.request(&addr.host, Some(port)).map_err(bad)?;
    request.timeout = probe_timeout(m.timeout, scrape_timeout);
    if !stats.try_start(exporter.max_concurrent) {
        return Err(text(503, "too many probes in flight, try again later\n"));
    }
    Ok(ProbeJob { request, module })
}

/// What the driver made of a probe.
#[derive(Debug)]
pub enum Driven {
    /// The driver's result.
    Checked(Result<Checked, CheckError>),
    /// The probe never reached the driver, and why.
    NotRun(Failure),
}

/// Runs a probe whose slot is taken and gives the exposition, on the
/// calling thread (which waits for the driver).
pub fn run_probe(exporter: &Arc<Exporter>, job: ProbeJob) -> Answer {
    let started = Instant::now();
    let driven = match job.target() {
        Ok(target) => Driven::Checked(exporter.driver.submit(target).wait()),
        Err(failure) => Driven::NotRun(failure),
    };
    answer_probe(exporter, &job, started, driven)
}

impl ProbeJob {
    /// The target to hand the driver, with the request's time limits.
    pub fn target(&self) -> Result<Target, Failure> {
        let request = &self.request;
        let target = crate::run::target(request)?;
        let limits = crate::run::driver_options(request, 1);
        Ok(target.with_timeouts(limits.connect_timeout, limits.overall_timeout))
    }
}

/// The second half of a probe started at `started`: analyses what the
/// driver returned, counts the probe as finished (freeing its slot) and
/// gives the exposition.
pub fn answer_probe(
    exporter: &Exporter,
    job: &ProbeJob,
    started: Instant,
    driven: Driven,
) -> Answer {
    let module = &exporter.modules[job.module];
    let request = &job.request;
    let result = match driven {
        Driven::Checked(checked) => crate::run::conclude(request, &module.trust, checked),
        Driven::NotRun(failure) => Err(failure),
    };
    let duration = started.elapsed();
    exporter.stats.finish(result.is_ok(), duration);
    Answer {
        status: 200,
        content_type: EXPOSITION,
        body: render_one(&Probed {
            request,
            result: &result,
            duration,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_decoded() {
        assert_eq!(
            query_value("module=smtp&target=%5B%3A%3A1%5D%3A25", "target"),
            Ok(Some("[::1]:25".into()))
        );
        assert_eq!(query_value("a=b+c", "a"), Ok(Some("b c".into())));
        assert_eq!(query_value("a=b", "target"), Ok(None));
        assert!(query_value("target=%zz", "target").is_err());
        assert!(query_value("target=%ff", "target").is_err());
        assert!(query_value("target=%4", "target").is_err());
    }

    #[test]
    fn the_scrape_timeout_shortens_the_probe() {
        let module = Duration::from_secs(20);
        assert_eq!(probe_timeout(module, None), module);
        assert_eq!(
            probe_timeout(module, Some("10")),
            Duration::from_millis(9500)
        );
        assert_eq!(probe_timeout(module, Some("60")), module);
        assert_eq!(probe_timeout(module, Some("0.2")), MIN_TIMEOUT);
        assert_eq!(probe_timeout(module, Some("nan")), module);
        assert_eq!(probe_timeout(module, Some("-3")), module);
        assert_eq!(probe_timeout(module, Some("1e300")), module);
    }
}
