//! The whole benchmark: what to run (a [`Plan`]), running the parts in
//! order (floor first, since part 2 is judged against it), and the tables
//! and the verdict on the targets.

use std::path::PathBuf;
use std::time::Duration;

use starttls_engine::Protocol;

use crate::dialogue::Kind;
use crate::floor::{self, Floor};
use crate::machine;
use crate::many::{self, Point, HANDSHAKES};
use crate::pki::BenchCert;
use crate::placement::Placement;
use crate::rusage::raise_open_files;
use crate::server_process::ServerProcess;
use crate::single::{self, Comparison, Server, Trust};
use crate::stats::{median, median_ms};
use crate::table::Table;

/// Target: a check's wall time over openssl s_client's (issue 18: at most
/// half, against every real server).
const SINGLE_RATIO_TARGET: f64 = 0.5;
/// Target: peak RSS of one `starttls-cert` check, bytes.
const SINGLE_RSS_TARGET: u64 = 5 * 1024 * 1024;
/// Target: client CPU per check over the bare handshake's.
const CPU_RATIO_TARGET: f64 = 1.5;
/// Target: bytes per concurrent probe.
const BYTES_PER_PROBE_TARGET: f64 = 64.0 * 1024.0;
/// Target: CPU time of one `--targets` run over 10,000 targets (issue 17).
const FLEET_CPU_TARGET: Duration = Duration::from_secs(5);
/// `--concurrency` of the part 4 run (the command's default).
const FLEET_CONCURRENCY: usize = 256;

/// What to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Smoke-run sizes.
    pub quick: bool,
    /// Parts 1, 2, 3, 4 wanted.
    pub parts: [bool; 4],
    /// Part 2 concurrency levels.
    pub concurrency: Vec<usize>,
    /// Part 1 runs per server.
    pub single_runs: usize,
    /// Part 2 repetitions per point.
    pub many_runs: usize,
    /// Part 3: handshakes per run, and runs.
    pub floor_size: (usize, usize),
    /// Protocols for parts 1 and 2.
    pub protocols: Vec<Protocol>,
    /// Part 2 process placements.
    pub placements: Vec<Placement>,
    /// The starttls-cert binary.
    pub cli: Option<PathBuf>,
    /// The `tests/interop` instance whose real servers part 1 also checks.
    pub interop: PathBuf,
}

impl Plan {
    /// The plan for the command-line flags.
    pub fn new(
        quick: bool,
        parts: &[u8],
        concurrency: &[usize],
        runs: Option<usize>,
        protocols: Vec<Protocol>,
        placements: Vec<Placement>,
        cli: Option<PathBuf>,
    ) -> Plan {
        let concurrency = if !concurrency.is_empty() {
            concurrency.to_vec()
        } else if quick {
            vec![1, 100, 1000]
        } else {
            vec![1, 100, 1000, 10000]
        };
        Plan {
            quick,
            parts: [1, 2, 3, 4].map(|p| parts.contains(&p)),
            concurrency,
            single_runs: runs.unwrap_or(if quick { 5 } else { 20 }),
            many_runs: runs.unwrap_or(if quick { 1 } else { 3 }),
            floor_size: if quick { (200, 3) } else { (1000, 5) },
            protocols,
            placements,
            cli: cli.or_else(single::default_cli),
            interop: single::interop_dir(None),
        }
    }

    /// Checks in one part 2 batch at `concurrency`: enough for several
    /// waves, so start-up and the last stragglers weigh little.
    pub fn checks(&self, concurrency: usize) -> usize {
        match (self.quick, concurrency) {
            (true, 1) => 50,
            (true, c) => (c * 2).max(500),
            (false, 1) => 300,
            (false, c) => (c * 2).max(3000),
        }
    }
}

fn us(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e6)
}

fn med_duration(values: &[Duration]) -> Duration {
    Duration::from_secs_f64(median_ms(values) / 1e3)
}

/// Runs the plan and prints everything.
pub fn run(plan: &Plan) -> Result<(), String> {
    let open_files = raise_open_files(1 << 20);
    println!("starttls-bench{}", if plan.quick { " --quick" } else { "" });
    println!("machine: {}", machine::describe());
    println!(
        "loopback: net.core.somaxconn={} tcp_max_syn_backlog={} ip_local_port_range={} tcp_tw_reuse={}; open-files limit {}",
        machine::sysctl("net/core/somaxconn"),
        machine::sysctl("net/ipv4/tcp_max_syn_backlog"),
        machine::sysctl("net/ipv4/ip_local_port_range"),
        machine::sysctl("net/ipv4/tcp_tw_reuse"),
        open_files
    );
    println!("every figure is the median of several runs on a shared machine: expect noise\n");

    let cert = BenchCert::generate()?;
    let server_config = cert.server_config()?;
    let mut server = if plan.parts[0] || plan.parts[1] || plan.parts[3] {
        let smtp = floor::transcript(Kind::Smtp, &server_config)?;
        let ldap = floor::transcript(Kind::Ldap, &server_config)?;
        Some(ServerProcess::start(&cert, smtp, ldap)?)
    } else {
        None
    };

    let floor = if plan.parts[1] || plan.parts[2] {
        eprintln!("part 3: bare handshakes in memory ...");
        let (per_run, runs) = plan.floor_size;
        Some(floor::measure(&server_config, per_run, runs)?)
    } else {
        None
    };

    let mut verdicts = Table::new("Targets", &["target", "measured", "met"]);

    if plan.parts[0] {
        if let Some(cli) = &plan.cli {
            eprintln!("part 1: start-up ...");
            println!("{}", startup_table(&single::startup(cli, plan.single_runs)));
        }
        let comparisons = part1(plan, server.as_ref());
        let table = single_table(plan, &comparisons);
        println!("{table}");
        let ratios: Vec<f64> = comparisons.iter().filter_map(Comparison::ratio).collect();
        if let Some(worst) = ratios.iter().copied().reduce(f64::max) {
            verdicts.row(vec![
                format!("single check / openssl s_client <= {SINGLE_RATIO_TARGET:.1}"),
                format!("worst {worst:.2}x over {} server set-ups", ratios.len()),
                yes(worst <= SINGLE_RATIO_TARGET),
            ]);
        }
        if let Some(rss) = comparisons.iter().filter_map(Comparison::max_rss).max() {
            verdicts.row(vec![
                "single check peak RSS <= 5 MiB".into(),
                format!("largest {:.1} MiB", rss as f64 / (1024.0 * 1024.0)),
                yes(rss <= SINGLE_RSS_TARGET),
            ]);
        }
    }

    if let (true, Some(server), Some(floor)) = (plan.parts[1], server.as_mut(), floor.as_ref()) {
        let mut points = Vec::new();
        for &protocol in &plan.protocols {
            for &placement in &plan.placements {
                for &c in &plan.concurrency {
                    let checks = plan.checks(c);
                    eprintln!(
                        "part 2: {protocol}, {c} in flight, {placement}, {checks} checks ..."
                    );
                    points.push(many::measure(
                        server,
                        protocol,
                        placement,
                        c,
                        checks,
                        plan.many_runs,
                    )?);
                }
            }
        }
        println!("{}", many_table(plan, &points, server.backlog));
        println!("{}", cpu_table(&points, floor, server));
        if let Some(note) = floors_note(&points, floor) {
            verdicts.note(note);
        }
        for &placement in &plan.placements {
            let ratios: Vec<f64> = points
                .iter()
                .filter(|p| p.placement == placement)
                .map(|p| us_per_check(&p.batches) / handshake_us(p, floor))
                .collect();
            if let Some(worst) = ratios.iter().copied().reduce(f64::max) {
                let best = ratios.iter().copied().fold(f64::INFINITY, f64::min);
                verdicts.row(vec![
                    format!(
                        "client CPU per check / bare handshake <= {CPU_RATIO_TARGET:.1}, {}",
                        placement_words(placement)
                    ),
                    format!("{best:.2}x to {worst:.2}x"),
                    yes(worst <= CPU_RATIO_TARGET),
                ]);
            }
        }
        // The share only means something with many probes in flight.
        let shares: Vec<f64> = points
            .iter()
            .filter(|p| p.concurrency >= 100)
            .map(bytes_per_probe)
            .collect();
        if let Some(worst) = shares.iter().copied().reduce(f64::max) {
            verdicts.row(vec![
                "memory per concurrent probe < 64 KiB (100+ in flight)".into(),
                format!("worst {:.1} KiB", worst / 1024.0),
                yes(worst < BYTES_PER_PROBE_TARGET),
            ]);
        }
    }

    if let (true, Some(floor)) = (plan.parts[2], floor.as_ref()) {
        println!("{}", floor_table(floor));
    }
    if let (true, Some(server)) = (plan.parts[3], server.as_ref()) {
        part4(plan, &cert, server, &mut verdicts)?;
    }
    println!("{verdicts}");
    Ok(())
}

/// Part 4: `--targets` over a list of loopback targets, in one process.
fn part4(
    plan: &Plan,
    cert: &BenchCert,
    server: &ServerProcess,
    verdicts: &mut Table,
) -> Result<(), String> {
    let Some(cli) = &plan.cli else {
        eprintln!("part 4 skipped: no starttls-cert binary; build it or pass --cli");
        return Ok(());
    };
    let targets = if plan.quick { 1_000 } else { 10_000 };
    let addr = server.endpoint(Protocol::Smtp).checks;
    let mut runs = Vec::new();
    for run in 0..plan.many_runs {
        eprintln!(
            "part 4: --targets with {targets} SMTP targets, run {} ...",
            run + 1
        );
        runs.push(crate::fleet::measure(
            cli,
            cert,
            addr,
            targets,
            FLEET_CONCURRENCY,
        )?);
    }
    let mut t = Table::new(
        "Part 4: starttls-cert --targets, one process (median of runs)",
        &[
            "targets",
            "in flight",
            "ok",
            "wall s",
            "user s",
            "sys s",
            "CPU s",
            "CPU us/target",
        ],
    );
    let cpu = med_duration(&runs.iter().map(|r| r.cpu.total()).collect::<Vec<_>>());
    let wall = med_duration(&runs.iter().map(|r| r.wall).collect::<Vec<_>>());
    let user = med_duration(&runs.iter().map(|r| r.cpu.user).collect::<Vec<_>>());
    let sys = med_duration(&runs.iter().map(|r| r.cpu.system).collect::<Vec<_>>());
    let ok = runs.iter().map(|r| r.ok).min().unwrap_or(0);
    t.row(vec![
        targets.to_string(),
        FLEET_CONCURRENCY.to_string(),
        ok.to_string(),
        format!("{:.2}", wall.as_secs_f64()),
        format!("{:.2}", user.as_secs_f64()),
        format!("{:.2}", sys.as_secs_f64()),
        format!("{:.2}", cpu.as_secs_f64()),
        us(cpu / targets.max(1) as u32),
    ]);
    if let Some(first) = runs.first() {
        t.note(format!("summary line: {}", first.summary));
    }
    t.note("CPU = user + system time of the starttls-cert process (getrusage RUSAGE_CHILDREN around waiting for it), list parsing, trust store and output included");
    println!("{t}");
    // Scaled to 10,000 targets for a --quick run of 1,000.
    let per_10k = cpu.as_secs_f64() * 10_000.0 / targets as f64;
    verdicts.row(vec![
        "10,000 targets in one --targets run < 5 s CPU".into(),
        format!(
            "{per_10k:.2} s{}",
            if targets == 10_000 {
                ""
            } else {
                " (scaled from the quick run)"
            }
        ),
        yes(per_10k < FLEET_CPU_TARGET.as_secs_f64() && ok == targets),
    ]);
    Ok(())
}

fn yes(met: bool) -> String {
    if met { "yes" } else { "NO" }.into()
}

fn part1(plan: &Plan, server: Option<&ServerProcess>) -> Vec<Comparison> {
    let Some(cli) = &plan.cli else {
        eprintln!(
            "part 1 skipped: no starttls-cert binary; run `cargo build --release -p starttls-cert` or pass --cli"
        );
        return Vec::new();
    };
    let mut servers: Vec<Server> = Vec::new();
    if let Some(server) = server {
        for &protocol in &plan.protocols {
            let addr = server.endpoint(protocol).checks;
            servers.push(Server {
                label: "bench server (P-256)".into(),
                protocol,
                addr,
                trust: Trust::System,
            });
        }
    }
    // The sim's scripted Postfix and OpenLDAP over loopback, in this process.
    let sims: Vec<_> = plan
        .protocols
        .iter()
        .filter_map(|&protocol| {
            use starttls_sim::certs::{CertKind, KeyKind};
            use starttls_sim::personality::Personality;
            let personality = match protocol {
                Protocol::Ldap => Personality::OpenLdap,
                _ => Personality::Postfix,
            };
            let sim = starttls_sim::loopback::LoopbackServer::start(
                personality,
                CertKind::Good,
                KeyKind::EcdsaP256,
            )
            .ok()?;
            servers.push(Server {
                label: format!("sim {} (P-256)", personality.name()),
                protocol,
                addr: sim.addr(),
                trust: Trust::System,
            });
            Some(sim)
        })
        .collect();
    let real = single::interop_servers(&plan.interop);
    if real.is_empty() {
        eprintln!(
            "part 1: no interop servers answer (from {}/servers.env); start them with tests/interop/servers.sh start",
            plan.interop.display()
        );
    }
    // Every real server: LMTP too, whatever --protocols says (it limits the
    // simulated and bench servers).
    servers.extend(real);
    let comparisons = servers
        .iter()
        .map(|s| {
            eprintln!("part 1: {} {} {} ...", s.label, s.protocol, s.trust.label());
            single::compare(cli, s, plan.single_runs)
        })
        .collect();
    drop(sims);
    comparisons
}

fn single_table(plan: &Plan, comparisons: &[Comparison]) -> Table {
    let mut t = Table::new(
        "Part 1: one check end to end (process start to exit), loopback",
        &[
            "server",
            "protocol",
            "trust",
            "starttls-cert ms",
            "openssl s_client ms",
            "ratio",
            "peak RSS KiB (GNU time)",
            "runs",
        ],
    );
    for c in comparisons {
        t.row(vec![
            format!("{} {}", c.server.label, c.server.addr),
            c.server.protocol.name().into(),
            c.server.trust.label().into(),
            format!("{:.1}", median_ms(&c.ours)),
            if c.openssl.is_empty() {
                "-".into()
            } else {
                format!("{:.1}", median_ms(&c.openssl))
            },
            c.ratio().map_or("-".into(), |r| format!("{r:.2}")),
            c.max_rss().map_or("-".into(), |b| (b / 1024).to_string()),
            c.ours.len().to_string(),
        ]);
        for p in &c.problems {
            t.note(format!("{}: {p}", c.server.label));
        }
    }
    t.note(format!(
        "medians of {} alternating runs; starttls-cert HOST PORT PROTO --format nagios, with the trust shown (interop: --ca-trust root.pem);",
        plan.single_runs
    ));
    t.note("openssl s_client -starttls PROTO -connect HOST:PORT </dev/null; ratio = starttls-cert / openssl");
    t
}

fn startup_table(s: &single::Startup) -> Table {
    let mut t = Table::new(
        "Part 1: start-up with nothing to do (exec to exit)",
        &["process", "ms", "peak RSS KiB (GNU time)"],
    );
    t.row(vec![
        "starttls-cert --version".into(),
        format!("{:.2}", median_ms(&s.ours)),
        if s.ours_rss == 0 {
            "-".into()
        } else {
            (s.ours_rss / 1024).to_string()
        },
    ]);
    t.row(vec![
        "/bin/true (exec alone)".into(),
        format!("{:.2}", median_ms(&s.exec_only)),
        "-".into(),
    ]);
    t.row(vec![
        "openssl version".into(),
        format!("{:.2}", median_ms(&s.openssl)),
        "-".into(),
    ]);
    t.note(format!("medians of {} alternating runs", s.ours.len()));
    t
}

fn bytes_per_probe(p: &Point) -> f64 {
    let shares: Vec<f64> = p
        .batches
        .iter()
        .map(|b| b.bytes_per_probe(p.concurrency as u64))
        .collect();
    median(&shares)
}

/// Microseconds of client CPU per check, median over repetitions.
fn us_per_check(batches: &[many::Batch]) -> f64 {
    med_of(batches, |b| b.cpu_per_check().as_secs_f64() * 1e6)
}

/// The point's denominator: the median of the handshakes timed beside its
/// batches, in microseconds (part 3's figure if there are none).
fn handshake_us(p: &Point, floor: &Floor) -> f64 {
    if p.handshake.is_empty() {
        floor.handshake.as_secs_f64() * 1e6
    } else {
        med_duration(&p.handshake).as_secs_f64() * 1e6
    }
}

/// `lo` and `hi` of `values`.
fn range(values: &[f64]) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

/// What the floors leave for the engine and the driver, for the verdict:
/// the two floors' sum and the bare rustls client as multiples of the
/// handshake, and what a check adds over the bare client, as ranges over
/// every point.
fn floors_note(points: &[Point], floor: &Floor) -> Option<String> {
    if points.is_empty() {
        return None;
    }
    let sums: Vec<f64> = points
        .iter()
        .map(|p| {
            let handshake = handshake_us(p, floor);
            (handshake + us_per_check(&p.wire)) / handshake
        })
        .collect();
    let bare: Vec<f64> = points
        .iter()
        .map(|p| us_per_check(&p.bare) / handshake_us(p, floor))
        .collect();
    let ours: Vec<f64> = points
        .iter()
        .map(|p| us_per_check(&p.batches) - us_per_check(&p.bare))
        .collect();
    let ((s_lo, s_hi), (b_lo, b_hi), (o_lo, o_hi)) = (range(&sums), range(&bare), range(&ours));
    Some(format!(
        "handshake + wire floor alone: {s_lo:.2}x to {s_hi:.2}x; a bare rustls client with nothing of ours: {b_lo:.2}x to {b_hi:.2}x; a check costs {o_lo:+.0} to {o_hi:+.0} us more than the bare client"
    ))
}

/// How a placement reads in a sentence.
fn placement_words(placement: Placement) -> &'static str {
    match placement {
        Placement::Free => "client and server free on every core",
        Placement::OneCore => "client and server pinned to one core",
    }
}

/// Medians of one figure over a point's repetitions.
fn med_of(batches: &[many::Batch], f: impl Fn(&many::Batch) -> f64) -> f64 {
    median(&batches.iter().map(f).collect::<Vec<_>>())
}

fn many_table(plan: &Plan, points: &[Point], backlog: u32) -> Table {
    let mut t = Table::new(
        "Part 2: many checks in one process (io-mio), server in its own process",
        &[
            "protocol",
            "in flight",
            "placement",
            "checks",
            "failed",
            "checks/s",
            "server CPU us/check",
            "peak RSS MiB",
            "KiB/probe",
            "server peak conns",
        ],
    );
    for p in points {
        let b = &p.batches;
        let rate = med_of(b, |b| b.checks as f64 / b.wall.as_secs_f64().max(1e-9));
        let failed = med_of(b, |b| (b.checks - b.ok) as f64);
        let grown = med_of(b, |b| {
            b.peak_rss.saturating_sub(b.base_rss) as f64 / (1 << 20) as f64
        });
        let peak_conns = median(&p.server_peak.iter().map(|&n| n as f64).collect::<Vec<_>>());
        t.row(vec![
            p.protocol.name().into(),
            p.concurrency.to_string(),
            p.placement.name().into(),
            b.first().map_or(0, |b| b.checks).to_string(),
            format!("{failed:.0}"),
            format!("{rate:.0}"),
            us(med_duration(&p.server_cpu_per_check)),
            format!("{grown:.1}"),
            format!("{:.1}", bytes_per_probe(p) / 1024.0),
            format!("{peak_conns:.0}"),
        ]);
        if p.accept_errors > 0 {
            t.note(format!(
                "{} x{} {}: {} failed accept calls in the server",
                p.protocol, p.concurrency, p.placement, p.accept_errors
            ));
        }
        for batch in b.iter().chain(&p.bare).chain(&p.wire) {
            if let Some(e) = &batch.first_error {
                t.note(format!(
                    "{} x{} {} {}: {} failed, first: {e}",
                    p.protocol,
                    p.concurrency,
                    p.placement,
                    if batch.negotiated == "no TLS" {
                        "wire floor"
                    } else {
                        "checks"
                    },
                    batch.checks - batch.ok
                ));
            }
        }
    }
    let negotiated = points
        .iter()
        .flat_map(|p| &p.batches)
        .map(|b| b.negotiated.clone())
        .find(|n| !n.is_empty())
        .unwrap_or_default();
    t.note(format!(
        "medians of {} runs, each in a fresh client process; negotiated {negotiated}",
        plan.many_runs
    ));
    t.note("placement: free = no pinning (two cores); one-core = client and server pinned to the same CPU");
    t.note("peak RSS = VmHWM - VmRSS before the batch; KiB/probe = that / in flight (check_each hands results over as they finish, so only probes in flight are held)");
    t.note(format!(
        "server: one mio thread, listen backlog {backlog} (capped by somaxconn); connects beyond the backlog wait for SYN retries (1 s+)"
    ));
    t
}

fn cpu_table(points: &[Point], floor: &Floor, server: &ServerProcess) -> Table {
    let mut t = Table::new(
        "Part 2: client CPU per check, against a bare rustls client and the floors",
        &[
            "protocol",
            "in flight",
            "placement",
            "check us",
            "x handshake",
            "bare rustls us",
            "x handshake",
            "check - bare us",
            "wire floor us",
            "handshake + wire x",
            "handshake us",
        ],
    );
    let mut handshakes = Vec::new();
    for p in points {
        let handshake = handshake_us(p, floor);
        handshakes.push(handshake);
        let check = us_per_check(&p.batches);
        let bare = us_per_check(&p.bare);
        let wire = us_per_check(&p.wire);
        t.row(vec![
            p.protocol.name().into(),
            p.concurrency.to_string(),
            p.placement.name().into(),
            format!("{check:.0}"),
            format!("{:.2}", check / handshake),
            format!("{bare:.0}"),
            format!("{:.2}", bare / handshake),
            format!("{:+.0}", check - bare),
            format!("{wire:.0}"),
            format!("{:.2}", (handshake + wire) / handshake),
            format!("{handshake:.0}"),
        ]);
    }
    t.note("CPU per check = getrusage(RUSAGE_SELF) user + system of the client process over its batch / checks (the user/system split is sampled by the kernel, so only the sum is given)");
    let (lo, hi) = range(&handshakes);
    t.note(format!(
        "x handshake = over the client CPU of a bare in-memory rustls handshake, timed ({HANDSHAKES} handshakes) in a fresh process on the same CPUs right after each batch: {lo:.0} to {hi:.0} us over the points"
    ));
    t.note("bare rustls = a minimal client in the same kind of mio loop talking to the same server: the engine's plaintext commands sent blind, one shared rustls ClientConfig, QUIT/unbind with the Finished; no parsing, engine, driver, deadlines or report");
    t.note(format!(
        "wire floor = the same loop moving a check's bytes with no TLS at all: SMTP {}; LDAP {}",
        server.smtp.transcript, server.ldap.transcript
    ));
    t
}

fn floor_table(floor: &Floor) -> Table {
    let mut t = Table::new(
        "Part 3: the floor, client-side CPU in memory (no sockets)",
        &["what", "client CPU us", "x handshake"],
    );
    let hs = floor.handshake.as_secs_f64();
    for (what, d) in [
        ("bare rustls handshake (config built once)", floor.handshake),
        ("engine Probe, SMTP script, whole check", floor.probe_smtp),
        ("engine Probe, LDAP script, whole check", floor.probe_ldap),
        (
            "of which: ClientConfig + ring provider (built per probe)",
            floor.config_build,
        ),
    ] {
        t.row(vec![
            what.into(),
            format!("{:.1}", d.as_secs_f64() * 1e6),
            format!("{:.2}", d.as_secs_f64() / hs),
        ]);
    }
    t.note(format!(
        "negotiated {}; self-signed ECDSA P-256 certificate (rcgen), ring provider, handshake signature verified",
        floor.negotiated
    ));
    t.note(format!(
        "medians of {} runs x {} handshakes; thread CPU clock around the client's calls only",
        floor.runs, floor.per_run
    ));
    t
}
