//! [`Middlebox`]: known NATs, firewalls and load balancers, and how long each
//! lets a TCP flow sit idle. The same table is in `docs/paths.md`; a test
//! keeps the two equal.

use std::time::Duration;

/// A kind of NAT, firewall or load balancer that forgets an idle TCP flow,
/// with its documented idle timeout: the `path_idle_timeout` for
/// [`Keepalive::for_path`](crate::Keepalive::for_path).
///
/// Each row names where its figure was read, and when. Where the vendor's own
/// documentation could not be read, `source` says that only a secondary source
/// was found. A deployment may be configured otherwise: where it can be,
/// `note` says the range. `tcp-keepalive idle-timeout` measures a real path.
///
/// ```
/// use tcp_keepalive::Middlebox;
///
/// let nat = Middlebox::named("aws-nat-gateway").unwrap();
/// assert_eq!(nat.idle_timeout.as_secs(), 350);
/// assert!(Middlebox::ALL.iter().all(|m| Middlebox::named(m.name) == Some(m)));
/// assert_eq!(Middlebox::named("no-such-box"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Middlebox {
    /// The name the command accepts for it, e.g. `aws-nat-gateway`.
    pub name: &'static str,
    /// What it is, e.g. "AWS NAT gateway".
    pub description: &'static str,
    /// How long it keeps an idle established TCP flow (its default).
    pub idle_timeout: Duration,
    /// What else to know: the configurable range, who uses it.
    pub note: &'static str,
    /// Where the figure was read, and whether that is the vendor's own text.
    pub source: &'static str,
    /// When `source` was read (YYYY-MM-DD).
    pub read_on: &'static str,
}

const fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

impl Middlebox {
    /// Every known middlebox, shortest timeout first.
    pub const ALL: &'static [Middlebox] = &[
        Middlebox {
            name: "azure-load-balancer",
            description: "Azure Load Balancer",
            idle_timeout: minutes(4),
            note: "configurable from 4 to 100 min per rule",
            source: "vendor: https://learn.microsoft.com/azure/load-balancer/load-balancer-tcp-idle-timeout",
            read_on: "2026-11-30",
        },
        Middlebox {
            name: "azure-nat-gateway",
            description: "Azure NAT gateway",
            idle_timeout: minutes(4),
            note: "configurable from 4 to 120 min",
            source: "vendor: MicrosoftDocs/azure-docs articles/nat-gateway/nat-gateway-resource.md (read through a mirror), \
                     and learn.microsoft.com's ManagedClusterNATGatewayProfile (idleTimeoutInMinutes: 4 to 120, default 4)",
            read_on: "2026-11-30",
        },
        Middlebox {
            name: "aws-nlb",
            description: "AWS Network Load Balancer",
            idle_timeout: Duration::from_secs(350),
            note: "TCP listeners configurable from 60 to 6000 s; TLS listeners fixed at 350 s",
            source: "vendor: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html",
            read_on: "2026-11-30",
        },
        Middlebox {
            name: "aws-nat-gateway",
            description: "AWS NAT gateway",
            idle_timeout: Duration::from_secs(350),
            note: "not configurable",
            source: "secondary only: folio-org's wiki and cloudnetworking.pro, both citing \
                     https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html, which could not be read",
            read_on: "2026-11-30",
        },
        Middlebox {
            name: "ipvs",
            description: "Linux IPVS, as used by kube-proxy (IPVS mode) and Docker Swarm",
            idle_timeout: minutes(15),
            note: "the kernel's default; `ipvsadm --set` changes it (kube-proxy: --ipvs-tcp-timeout)",
            source: "kernel source: net/netfilter/ipvs/ip_vs_proto_tcp.c, tcp_timeouts[IP_VS_TCP_S_ESTABLISHED] = 15*60*HZ; \
                     that kube-proxy and Swarm keep it: secondary only (moby#31208, kubelb#539)",
            read_on: "2026-11-30",
        },
        Middlebox {
            name: "gcp-cloud-nat",
            description: "Google Cloud NAT",
            idle_timeout: minutes(20),
            note: "established TCP; configurable (--tcp-established-idle-timeout)",
            source: "secondary only: Google's API description (tcpEstablishedIdleTimeoutSec, \"Defaults to 1200s\") as republished \
                     by pulumi_google_native, and oneuptime.com; Google's gcloud reference names the flag without the default",
            read_on: "2026-11-30",
        },
        Middlebox {
            name: "rfc5382",
            description: "RFC 5382's minimum for a NAT's established-connection idle timeout",
            idle_timeout: minutes(124),
            note: "REQ-5: MUST NOT be less than 2 hours 4 minutes; many NATs do not comply",
            source: "secondary only: REQ-5 quoted verbatim in several public repositories; the RFC text itself was not opened",
            read_on: "2026-11-30",
        },
        Middlebox {
            name: "linux-conntrack",
            description: "Linux conntrack (netfilter), established TCP",
            idle_timeout: Duration::from_secs(432_000),
            note: "5 days; sysctl net.netfilter.nf_conntrack_tcp_timeout_established changes it",
            source: "kernel source: net/netfilter/nf_conntrack_proto_tcp.c, tcp_timeouts[TCP_CONNTRACK_ESTABLISHED] = 5 DAYS",
            read_on: "2026-11-30",
        },
    ];

    /// The known middlebox with this [`name`](Self::name).
    pub fn named(name: &str) -> Option<&'static Middlebox> {
        Middlebox::ALL.iter().find(|m| m.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/paths.md has one row per middlebox, with the same name, timeout
    /// and date; the names are unique and the table is sorted.
    #[test]
    fn the_docs_table_is_the_code_table() {
        let docs = include_str!("../docs/paths.md");
        let rows: Vec<&str> = docs.lines().filter(|l| l.starts_with("| `")).collect();
        assert_eq!(rows.len(), Middlebox::ALL.len(), "{rows:#?}");
        for (row, m) in rows.iter().zip(Middlebox::ALL) {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            assert_eq!(cells[1], format!("`{}`", m.name), "{row}");
            let seconds = format!("{} s", m.idle_timeout.as_secs());
            assert!(cells[3].starts_with(&seconds), "{row}: {seconds}");
            assert!(cells[5].contains(m.read_on), "{row}");
        }
        let mut sorted = Middlebox::ALL.to_vec();
        sorted.sort_by_key(|m| m.idle_timeout);
        assert_eq!(sorted, Middlebox::ALL);
        for m in Middlebox::ALL {
            assert_eq!(Middlebox::ALL.iter().filter(|o| o.name == m.name).count(), 1);
        }
    }
}
