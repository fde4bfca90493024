//! One inspection as metric families (prometheus-client, OpenMetrics text):
//! what `exporter` serves and `inspect --prometheus` prints.
//!
//! Every series is labelled by its owner only: the command, and with every
//! namespace read, the network namespace and the container, pod or systemd
//! unit. So a fleet's series count grows with the programs, containers and
//! namespaces it runs, never with their connections. Each owner seen gets
//! all of its series (zeros included), so a series does not come and go as
//! connections open, close or send data.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use prometheus_client::encoding::{text, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};

use crate::inspect::report::SocketKind;
use crate::inspect::{Connection, Summary};

/// The histogram's finite upper bounds, in seconds: 1 min to 1 day, with
/// Linux's default 2 h 11 min 15 s (7200 + 9 × 75) as a bucket of its own.
const BOUNDS: [f64; 6] = [60.0, 300.0, 900.0, 3600.0, 7875.0, 86_400.0];

/// A series' labels, in order.
type Labels = Vec<(&'static str, String)>;

/// The owner's labels: `command` (`unknown` for a socket whose owner is
/// hidden or gone) and, when `every_namespace`, `netns` (its inode),
/// `netns_name`, `container_runtime`, `container_id`, `pod_uid` and
/// `systemd_unit`, empty (so absent, to Prometheus) where they do not apply.
fn owner(c: &Connection, every_namespace: bool) -> Labels {
    let mut labels = vec![("command", c.command.clone().unwrap_or_else(|| "unknown".into()))];
    if every_namespace {
        let container = c.container.clone().unwrap_or_default();
        labels.extend([
            ("netns", c.netns_inode.map(|i| i.to_string()).unwrap_or_default()),
            ("netns_name", c.netns_name.clone().unwrap_or_default()),
            ("container_runtime", container.runtime.unwrap_or_default()),
            ("container_id", container.id.unwrap_or_default()),
            ("pod_uid", container.pod_uid.unwrap_or_default()),
            ("systemd_unit", container.unit.unwrap_or_default()),
        ]);
    }
    labels
}

/// The counts for one owner.
#[derive(Clone, Debug, Default)]
struct Tally {
    on: i64,
    off: i64,
    unknown: i64,
    never: i64,
    inferred: i64,
    /// With `--path-timeout`: connections that path would drop.
    dropped: i64,
    /// Per bucket (not cumulative); the last is +Inf, where "never" goes.
    buckets: [u64; BOUNDS.len() + 1],
    finite_sum_s: f64,
}

impl Tally {
    fn add(&mut self, c: &Connection) {
        *match c.keepalive {
            Some(true) => &mut self.on,
            Some(false) => &mut self.off,
            None => &mut self.unknown,
        } += 1;
        if !c.exact {
            self.inferred += 1;
        }
        if c.survives_path == Some(false) {
            self.dropped += 1;
        }
        if c.keepalive.is_none() {
            return; // its bound is unknown: in no bucket
        }
        match c.detection_bound_s {
            None => {
                self.never += 1;
                self.buckets[BOUNDS.len()] += 1;
            }
            Some(bound) => {
                let bucket = BOUNDS.iter().position(|&max| bound <= max).unwrap_or(BOUNDS.len());
                self.buckets[bucket] += 1;
                self.finite_sum_s += bound;
            }
        }
    }
}

/// The detection-bound histogram of the connections open at scrape time,
/// one per owner: a snapshot, recomputed each scrape.
#[derive(Debug)]
struct DetectionBounds(Vec<(Labels, Tally)>);

impl EncodeMetric for DetectionBounds {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), fmt::Error> {
        for (owner, tally) in &self.0 {
            let count = tally.buckets.iter().sum();
            let buckets: Vec<(f64, u64)> =
                BOUNDS.iter().chain([&f64::INFINITY]).copied().zip(tally.buckets).collect();
            encoder.encode_family(owner)?.encode_histogram::<NoLabelSet>(
                tally.finite_sum_s,
                count,
                &buckets,
                None,
            )?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// Registers the connection families for `connections`, labelled as
/// [`owner`] says.
pub fn register_connections(
    registry: &mut Registry,
    connections: &[Connection],
    summary: &Summary,
    every_namespace: bool,
) {
    let mut tallies: BTreeMap<Labels, Tally> = BTreeMap::new();
    // Listeners and TIME_WAIT sockets (`inspect --state all`) are not connections.
    for c in connections.iter().filter(|c| c.kind == SocketKind::Connection) {
        tallies.entry(owner(c, every_namespace)).or_default().add(c);
    }
    let by_keepalive = Family::<Labels, Gauge>::default();
    let never = Family::<Labels, Gauge>::default();
    let inferred = Family::<Labels, Gauge>::default();
    let dropped = Family::<Labels, Gauge>::default();
    for (owner, tally) in &tallies {
        // `on`, `off`, or `unknown` (data in flight hides the timer).
        for (keepalive, count) in [("on", tally.on), ("off", tally.off), ("unknown", tally.unknown)]
        {
            let mut labels = owner.clone();
            labels.push(("keepalive", keepalive.into()));
            by_keepalive.get_or_create(&labels).set(count);
        }
        never.get_or_create(owner).set(tally.never);
        inferred.get_or_create(owner).set(tally.inferred);
        dropped.get_or_create(owner).set(tally.dropped);
    }
    let bounds = DetectionBounds(tallies.into_iter().collect());
    registry.register(
        "tcp_keepalive_connections",
        "Established TCP connections by owner and SO_KEEPALIVE: on, off, or unknown (data in flight hides the keepalive timer from sock_diag)",
        by_keepalive,
    );
    registry.register_with_unit(
        "tcp_keepalive_detection_bound",
        "Connections open now by the longest time they would take to notice a dead peer (keepalive, or the user timeout while sending); +Inf holds those that never would; _sum adds the finite bounds only",
        Unit::Seconds,
        bounds,
    );
    registry.register(
        "tcp_keepalive_never_notice_connections",
        "Connections that would never notice a dead peer: keepalive off and no user timeout",
        never,
    );
    registry.register(
        "tcp_keepalive_inferred_connections",
        "Connections whose settings could not be read exactly (no permission, or gone meanwhile) and were inferred from sock_diag: keepalive on means the OS defaults, probably",
        inferred,
    );
    if let Some(path) = summary.path_timeout_s {
        registry.register(
            "tcp_keepalive_dropped_by_path_connections",
            "Connections a path that forgets flows idle for --path-timeout would drop: keepalive off, or its first probe too late",
            dropped,
        );
        let timeout = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        timeout.set(path);
        registry.register_with_unit(
            "tcp_keepalive_path_timeout",
            "The --path-timeout the connections were checked against",
            Unit::Seconds,
            timeout,
        );
    }
    let problems = Gauge::<i64>::default();
    problems.set(i64::try_from(summary.problems).unwrap_or(i64::MAX));
    registry.register(
        "tcp_keepalive_scrape_problems",
        "Connections and processes this scrape could not read exactly",
        problems,
    );
}

/// Registers the exporter's own families: whether this scrape read the
/// connections, how long it took, and failures since the start.
pub fn register_scrape(registry: &mut Registry, success: bool, took: Duration, errors: &Counter) {
    let succeeded = Gauge::<i64>::default();
    succeeded.set(i64::from(success));
    registry.register(
        "tcp_keepalive_scrape_success",
        "1 when this scrape read the connections, 0 when it failed or timed out",
        succeeded,
    );
    let duration = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    duration.set(took.as_secs_f64());
    registry.register_with_unit(
        "tcp_keepalive_scrape_duration",
        "How long this scrape took to read the connections",
        Unit::Seconds,
        duration,
    );
    registry.register(
        "tcp_keepalive_scrape_errors",
        "Scrapes that failed or timed out since the exporter started",
        errors.clone(),
    );
}

/// `inspect --prometheus`: the connection families in the text format 0.0.4,
/// for node_exporter's textfile collector.
pub fn textfile(connections: &[Connection], summary: &Summary, every_namespace: bool) -> String {
    let mut registry = Registry::default();
    register_connections(&mut registry, connections, summary, every_namespace);
    classic_text(&encode(&registry))
}

/// The registry in the OpenMetrics text format, `# EOF` included.
pub fn encode(registry: &Registry) -> String {
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = text::encode(&mut text, registry);
    text
}

/// `openmetrics` (as [`encode`] writes it) in Prometheus's older text format
/// 0.0.4, for clients that do not ask for OpenMetrics (promtool, curl). The
/// two differ only in what [`encode`] writes as: a counter's HELP and TYPE
/// name the family without `_total`, `# UNIT` lines, and the final `# EOF`.
pub fn classic_text(openmetrics: &str) -> String {
    let counters: Vec<&str> = openmetrics
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut text = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        }
        let counter = counters.iter().find_map(|name| {
            ["# HELP ", "# TYPE "]
                .into_iter()
                .find_map(|kind| line.strip_prefix(kind)?.strip_prefix(name)?.strip_prefix(' '))
                .map(|rest| (&line[..7], name, rest))
        });
        match counter {
            Some((kind, name, rest)) => text.push_str(&format!("{kind}{name}_total {rest}")),
            None => text.push_str(line),
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp_info::TcpState;

    fn connection(keepalive: Option<bool>, bound: Option<f64>, exact: bool) -> Connection {
        Connection {
            kind: SocketKind::Connection,
            pid: Some(1),
            command: Some("app".into()),
            uid: 0,
            local: "127.0.0.1:1".into(),
            remote: "127.0.0.1:2".into(),
            state: TcpState::Established,
            keepalive,
            fields: Default::default(),
            assumed: Vec::new(),
            detection_bound_s: bound,
            exact,
            probes_unanswered: None,
            keepalive_timer_s: None,
            zero_window: false,
            last_data_recv_s: None,
            problem: None,
            too_slow: None,
            survives_path: None,
            netns_inode: None,
            netns_name: None,
            container: None,
        }
    }

    #[test]
    fn never_goes_to_inf_only_unknown_to_no_bucket_and_listeners_nowhere() {
        let mut listener = connection(Some(false), None, true);
        listener.kind = SocketKind::Listener;
        let connections = [
            listener,
            connection(Some(true), Some(19.0), true),
            connection(Some(true), Some(7875.0), false),
            connection(Some(false), None, true),
            connection(None, None, false),
        ];
        let text = textfile(&connections, &Summary::default(), false);
        let line = |series: &str| {
            text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("{text}"))
        };
        let bucket = |le: &str| {
            line(&format!(
                "tcp_keepalive_detection_bound_seconds_bucket{{le=\"{le}\",command=\"app\"}} "
            ))
        };
        assert!(bucket("60.0").ends_with(" 1"), "{text}");
        assert!(bucket("7875.0").ends_with(" 2"), "{text}");
        assert!(bucket("86400.0").ends_with(" 2"), "{text}");
        assert!(bucket("+Inf").ends_with(" 3"), "{text}");
        assert!(line("tcp_keepalive_detection_bound_seconds_sum{").ends_with(" 7894.0"), "{text}");
        assert!(line("tcp_keepalive_never_notice_connections{").ends_with(" 1"), "{text}");
        assert!(line("tcp_keepalive_inferred_connections{").ends_with(" 2"), "{text}");
        let unknown = "tcp_keepalive_connections{command=\"app\",keepalive=\"unknown\"} 1";
        assert!(text.contains(unknown), "{text}");
    }

    #[test]
    fn the_classic_text_names_counters_with_total_and_has_no_unit_or_eof() {
        let mut registry = Registry::default();
        register_scrape(&mut registry, true, Duration::from_millis(5), &Counter::default());
        let openmetrics = encode(&registry);
        assert!(openmetrics.contains("# TYPE tcp_keepalive_scrape_errors counter\n"));
        assert!(openmetrics.contains("# UNIT ") && openmetrics.ends_with("# EOF\n"));
        let classic = classic_text(&openmetrics);
        assert!(classic.contains("# HELP tcp_keepalive_scrape_errors_total Scrapes"), "{classic}");
        assert!(classic.contains("# TYPE tcp_keepalive_scrape_errors_total counter\n"));
        assert!(classic.contains("\ntcp_keepalive_scrape_errors_total 0\n"), "{classic}");
        assert!(!classic.contains("# UNIT") && !classic.contains("# EOF"), "{classic}");
        // Everything else as it was.
        assert!(classic.contains("# TYPE tcp_keepalive_scrape_duration_seconds gauge\n"));
    }
}
