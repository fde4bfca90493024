//! The exporter's HTTP side (tiny_http): `GET /metrics`, a landing page at
//! `/`, 404 for other paths and 405 for other methods; a few workers, so
//! concurrent scrapes are each answered; each scrape bounded by a timeout;
//! SIGTERM, SIGINT or SIGHUP answer the requests in progress, then end with
//! code 0 (a service stopped as asked, not a failure).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use tiny_http::{Header, Method, Request, Response, Server};

use super::{ExporterArgs, ExporterEvent};
use crate::inspect::{self, Inspection};
use crate::inspect::{InspectArgs, StateFilter};
use crate::metrics;
use crate::output::{Exit, Failure, Outcome, Output};
use crate::path_timeout::PathTimeout;

/// Requests answered at the same time.
const WORKERS: usize = 4;
/// Inspections running at once, timed-out ones still finishing included:
/// beyond this a scrape fails at once instead of starting another.
const MAX_RUNNING: usize = 4;
/// How often idle workers look for a signal.
const POLL: Duration = Duration::from_millis(100);
/// OpenMetrics, what prometheus-client writes (Prometheus asks for it first).
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The older text format, for every other client.
const CLASSIC: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the workers share.
struct Shared {
    out: Output,
    timeout: Duration,
    every_namespace: bool,
    path_timeout: Option<PathTimeout>,
    /// Failed scrapes since the start (tcp_keepalive_scrape_errors_total).
    errors: Counter,
    scrapes: AtomicU64,
    running: AtomicUsize,
}

/// Runs the exporter until SIGTERM, SIGINT or SIGHUP.
pub fn run(args: &ExporterArgs, out: &Output) -> Outcome {
    one_arena();
    let signal = Arc::new(AtomicUsize::new(0));
    for number in [SIGTERM, SIGINT, SIGHUP] {
        signal_hook::flag::register_usize(number, Arc::clone(&signal), number as usize)
            .map_err(|e| Failure::io("cannot handle SIGTERM", e))?;
    }
    let server = Server::http(args.listen)
        .map_err(|e| Failure::new(Exit::Error, format!("cannot listen on {}: {e}", args.listen)))?;
    let address = server.server_addr().to_string();
    out.emit(&ExporterEvent::Listening { url: format!("http://{address}/metrics"), address })?;
    let shared = Arc::new(Shared {
        out: out.clone(),
        timeout: args.scrape_timeout.value,
        every_namespace: !args.own_namespace,
        path_timeout: args.path_timeout.clone(),
        errors: Counter::default(),
        scrapes: AtomicU64::new(0),
        running: AtomicUsize::new(0),
    });
    thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                while signal.load(Ordering::Relaxed) == 0 {
                    // An error is one client's broken connection: serve the next.
                    if let Ok(Some(request)) = server.recv_timeout(POLL) {
                        respond(request, &shared);
                    }
                }
            });
        }
    });
    let signal = match signal.load(Ordering::Relaxed) {
        number if number == SIGINT as usize => "SIGINT",
        number if number == SIGHUP as usize => "SIGHUP",
        _ => "SIGTERM",
    };
    let scrapes = shared.scrapes.load(Ordering::Relaxed);
    out.emit(&ExporterEvent::Stopped { signal: signal.into(), scrapes })?;
    Ok(Exit::Success)
}

fn respond(request: Request, shared: &Arc<Shared>) {
    let path = request.url().split('?').next().unwrap_or_default();
    let readable = matches!(request.method(), Method::Get | Method::Head);
    let response = match (path, readable) {
        ("/metrics", true) => {
            let text = scrape(shared, timeout(&request, shared.timeout));
            match asks_for_openmetrics(&request) {
                true => Response::from_string(text).with_header(header(OPENMETRICS)),
                false => {
                    Response::from_string(metrics::classic_text(&text)).with_header(header(CLASSIC))
                }
            }
        }
        ("/", true) => {
            Response::from_string("tcp-keepalive exporter: the metrics are at /metrics\n")
                .with_header(header("text/plain; charset=utf-8"))
        }
        ("/metrics" | "/", false) => Response::from_string("405 method not allowed: use GET\n")
            .with_status_code(405)
            .with_header(Header::from_bytes("Allow", "GET, HEAD").expect("a valid header")),
        _ => Response::from_string("404 not found: the metrics are at /metrics\n")
            .with_status_code(404),
    };
    // The client may have gone; nothing to do about it.
    let _ = request.respond(response);
}

fn header(content_type: &str) -> Header {
    Header::from_bytes("Content-Type", content_type).expect("a valid header")
}

/// Whether the client accepts OpenMetrics (Prometheus does, promtool not).
fn asks_for_openmetrics(request: &Request) -> bool {
    request.headers().iter().any(|h| {
        h.field.equiv("Accept") && h.value.as_str().contains("application/openmetrics-text")
    })
}

/// `--scrape-timeout`, or less when Prometheus says it waits less (it sends
/// its own timeout); half a second is kept for answering.
fn timeout(request: &Request, ours: Duration) -> Duration {
    let theirs = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("X-Prometheus-Scrape-Timeout-Seconds"))
        .and_then(|h| h.value.as_str().trim().parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    match theirs {
        Some(theirs) => ours.min(theirs.saturating_sub(Duration::from_millis(500)).max(theirs / 2)),
        None => ours,
    }
}

/// One scrape: inspect within `timeout`, then the exposition text.
fn scrape(shared: &Arc<Shared>, timeout: Duration) -> String {
    shared.scrapes.fetch_add(1, Ordering::Relaxed);
    let started = Instant::now();
    let mut registry = Registry::default();
    let success = match inspect_within(shared, timeout) {
        Ok(inspection) => {
            let Inspection { connections, summary, skipped, .. } = &inspection;
            metrics::register_connections(
                &mut registry,
                connections,
                summary,
                shared.every_namespace,
            );
            let namespaces = Gauge::<i64>::default();
            namespaces.set(i64::try_from(skipped.len()).unwrap_or(i64::MAX));
            registry.register(
                "tcp_keepalive_scrape_skipped_namespaces",
                "Network namespaces this scrape could not enter (CAP_SYS_ADMIN is needed), so their connections are missing",
                namespaces,
            );
            true
        }
        Err(message) => {
            shared.errors.inc();
            let _ = shared.out.emit(&ExporterEvent::ScrapeFailed { message });
            false
        }
    };
    metrics::register_scrape(&mut registry, success, started.elapsed(), &shared.errors);
    let text = metrics::encode(&registry);
    drop(registry);
    release_freed_memory();
    text
}

/// Hands the memory a scrape freed back to the OS. glibc keeps freed memory
/// in each thread's arena, so scrapes on different threads would each keep
/// their peak resident (measured: RSS wandering 4 MB over 60 scrapes of
/// 10,000 connections without it).
fn release_freed_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only releases free memory of the allocator's
    // arenas; it takes no pointer and is thread-safe (it locks each arena).
    unsafe {
        libc::malloc_trim(0);
    }
}

/// One malloc arena for all threads: each scrape runs on a new thread, and
/// glibc would otherwise give threads arenas of their own, each keeping its
/// share of a scrape's peak.
fn one_arena() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt takes no pointer; called before the threads start.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// `inspect`'s engine on a thread of its own, waited for `timeout`:
/// the answer never waits longer, even for a read that blocks; the engine
/// also stops itself past the deadline, so a late thread ends soon after.
fn inspect_within(shared: &Arc<Shared>, timeout: Duration) -> Result<Inspection, String> {
    let deadline = Instant::now() + timeout;
    if shared.running.fetch_add(1, Ordering::AcqRel) >= MAX_RUNNING {
        shared.running.fetch_sub(1, Ordering::AcqRel);
        return Err(format!("{MAX_RUNNING} earlier scrapes are still running"));
    }
    let (sender, receiver) = mpsc::channel();
    let running = Arc::clone(shared);
    let args = all_connections(shared.every_namespace, shared.path_timeout.clone());
    let spawned = thread::Builder::new().name("scrape".into()).spawn(move || {
        let inspection = inspect::collect(&args, Some(deadline));
        running.running.fetch_sub(1, Ordering::AcqRel);
        // The scrape may have stopped waiting.
        let _ = sender.send(inspection);
    });
    if let Err(e) = spawned {
        shared.running.fetch_sub(1, Ordering::AcqRel);
        return Err(format!("cannot start a thread for the scrape: {e}"));
    }
    let wait = deadline.saturating_duration_since(Instant::now());
    match receiver.recv_timeout(wait) {
        Ok(Ok(inspection)) => Ok(inspection),
        Ok(Err(failure)) => Err(failure.message),
        Err(_) => Err(format!("timed out after {:.3} s", timeout.as_secs_f64())),
    }
}

/// What the exporter asks `inspect`'s engine for: every established
/// connection, of every namespace unless `--own-namespace`, checked against
/// `--path-timeout` if given.
fn all_connections(every_namespace: bool, path_timeout: Option<PathTimeout>) -> InspectArgs {
    InspectArgs {
        pids: Vec::new(),
        port: None,
        state: StateFilter::Established,
        max_detection: None,
        path_timeout,
        prometheus: false,
        all_namespaces: every_namespace,
    }
}
