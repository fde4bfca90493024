//! Network namespaces joined by veth pairs: two hosts, optionally a stateful
//! firewall between them, and ways to make the server go silent (firewall,
//! link down, host gone) or lossy. Everything runs on the real kernel through
//! `ip` (iproute2) and `nft` (nftables), as root.
//!
//! Addresses exist only inside the namespaces built here:
//!
//! | topology | client | middlebox | server |
//! | --- | --- | --- | --- |
//! | [`Topology::direct`] | 192.0.2.1/24 | – | 192.0.2.2/24 |
//! | [`Topology::with_middlebox`] | 192.0.2.1/24 | 192.0.2.254/24, 198.51.100.254/24 | 198.51.100.1/24 |
//!
//! Names are `ka-<role>-<pid>-<counter>`, unique per process and per call, so
//! parallel tests and parallel runs cannot collide. Each [`Netns`] deletes its
//! namespace on drop, also while a failing test unwinds; namespaces left by a
//! process that was killed are removed by [`available`] (their pid is gone).
//!
//! # A server that vanishes
//!
//! [`Topology::delete_server`] must leave the client facing silence, as when a
//! host loses power. Two things would break that if the namespace were simply
//! deleted: a namespace lives on while any socket in it is open (the test's own
//! server sockets keep it alive), and closing such a socket sends FIN or RST;
//! and destroying the namespace destroys its veth end, whose peer (the
//! client's or the middlebox's link) would vanish too, turning silence into
//! local "no route" errors. So `delete_server` first moves the server's veth
//! end into a *void* namespace, where it stays up with no address and
//! forwarding off: frames sent to the dead host still leave the client's
//! link and are silently dropped there (no ARP reply, no ICMP). Only then is
//! the server namespace deleted. It now has no interface but `lo` and no
//! route anywhere, so whatever the server's sockets do from then on, and
//! closing them, sends nothing to anyone. The void is deleted with the
//! [`Topology`].

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use crate::{is_root, Unavailable};

/// Where `ip netns` keeps the named namespaces (bind mounts of `/proc/<pid>/ns/net`).
const NETNS_RUN_DIR: &str = "/var/run/netns";

/// Name of the veth end in the client and server namespaces.
const LINK: &str = "ka0";
/// The middlebox's veth ends, toward the client and toward the server.
const MB_CLIENT_LINK: &str = "kac";
const MB_SERVER_LINK: &str = "kas";

const DIRECT_CLIENT: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const DIRECT_SERVER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const MB_CLIENT: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const MB_CLIENT_GW: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 254);
const MB_SERVER_GW: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 254);
const MB_SERVER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);

/// Whether namespaces can be built here: root, `ip` and `nft` present, and a
/// namespace can really be created. Also removes namespaces left behind by
/// killed test processes of this crate. The answer is computed once.
pub fn available() -> Result<(), Unavailable> {
    static ANSWER: OnceLock<Result<(), Unavailable>> = OnceLock::new();
    ANSWER
        .get_or_init(|| {
            if !is_root() {
                return Err(Unavailable(
                    "network namespaces need root (uid 0); run the test as root".into(),
                ));
            }
            for (tool, package) in [("ip", "iproute2"), ("nft", "nftables")] {
                let flag = if tool == "ip" { "-V" } else { "--version" };
                match Command::new(tool).arg(flag).output() {
                    Ok(out) if out.status.success() => {}
                    Ok(out) => {
                        return Err(Unavailable(format!(
                            "`{tool} {flag}` failed ({}); install {package}",
                            out.status
                        )))
                    }
                    Err(e) => {
                        return Err(Unavailable(format!(
                            "cannot run `{tool}` ({e}); install {package}"
                        )))
                    }
                }
            }
            remove_stale();
            Netns::new("probe")
                .map(drop)
                .map_err(|e| Unavailable(format!("cannot create a network namespace: {e}")))
        })
        .clone()
}

/// Deletes `ka-*-<pid>-*` namespaces whose process no longer exists (a test
/// run that was killed before its guards ran). Errors are ignored.
fn remove_stale() {
    let Ok(entries) = std::fs::read_dir(NETNS_RUN_DIR) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix("ka-") else {
            continue;
        };
        // ka-<role>-<pid>-<counter>: the pid is the second field from the end.
        let mut fields = rest.rsplit('-');
        let (Some(_counter), Some(pid)) = (fields.next(), fields.next()) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("ip").args(["netns", "del", name]).stderr(Stdio::null()).status();
        }
    }
}

/// Runs `command`; on failure the error holds the command line and its stderr.
fn run_checked(command: &mut Command, stdin: Option<&str>) -> io::Result<String> {
    let line = {
        let mut line = command.get_program().to_string_lossy().into_owned();
        for arg in command.get_args() {
            let _ = write!(line, " {}", arg.to_string_lossy());
        }
        line
    };
    command
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("`{line}`: cannot start: {e}")))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "`{line}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn ip(args: &[&str]) -> io::Result<String> {
    run_checked(Command::new("ip").args(args), None)
}

/// A named network namespace (`ip netns add`), deleted on drop.
///
/// Its `lo` is up. Sockets created by code passed to [`run`](Self::run), or by
/// programs started with [`command`](Self::command), live in it.
#[derive(Debug)]
pub struct Netns {
    name: String,
    deleted: bool,
}

impl Netns {
    /// Creates `ka-<role>-<pid>-<counter>` and brings its `lo` up.
    pub fn new(role: &str) -> io::Result<Netns> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        if role.is_empty() || !role.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("namespace role {role:?} must be non-empty ASCII letters and digits"),
            ));
        }
        let name =
            format!("ka-{role}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        ip(&["netns", "add", &name])?;
        // From here on the guard deletes the namespace if anything fails.
        let netns = Netns { name, deleted: false };
        netns.ip(&["link", "set", "lo", "up"])?;
        Ok(netns)
    }

    /// The namespace's name, as `ip netns` knows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn path(&self) -> PathBuf {
        Path::new(NETNS_RUN_DIR).join(&self.name)
    }

    /// Runs `f` on a fresh thread that entered this namespace (setns); sockets
    /// it creates live there and stay there whichever thread uses them later.
    /// A panic in `f` is resumed on the caller's thread.
    ///
    /// # Panics
    ///
    /// If the thread cannot enter the namespace (it was deleted, or no
    /// privilege), with the reason.
    pub fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = self.path();
        let name = self.name.clone();
        let thread = std::thread::Builder::new()
            .name(format!("in {name}"))
            .spawn(move || {
                if let Err(e) = enter(&path) {
                    panic!("cannot enter network namespace {name}: {e}");
                }
                f()
            })
            .expect("cannot spawn a thread");
        match thread.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// A `Command` running `program` inside this namespace
    /// (`ip netns exec <name> program`).
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name]).arg(program);
        command
    }

    /// Runs `argv` inside the namespace and returns its stdout; the error
    /// holds the command line and its stderr on failure.
    pub fn exec(&self, argv: &[&str]) -> io::Result<String> {
        let (program, args) = argv.split_first().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "exec needs a program name")
        })?;
        run_checked(self.command(program).args(args), None)
    }

    /// `ip -n <name> args…`.
    pub fn ip(&self, args: &[&str]) -> io::Result<String> {
        run_checked(Command::new("ip").args(["-n", &self.name]).args(args), None)
    }

    /// Adds a veth pair: `LINK` here, `peer_name` in `peer`.
    fn add_veth_to(&self, peer: &Netns, peer_name: &str) -> io::Result<()> {
        let args = ["link", "add", LINK, "type", "veth", "peer", "name", peer_name];
        self.ip(&[&args[..], &["netns", peer.name()]].concat()).map(drop)
    }

    /// Loads an nftables ruleset (`nft -f -`) in this namespace.
    pub fn nft(&self, ruleset: &str) -> io::Result<()> {
        run_checked(self.command("nft").args(["-f", "-"]), Some(ruleset)).map(drop)
    }

    /// Writes a sysctl of this namespace (`net.ipv4.ip_forward`, …) and reads
    /// it back, failing if the value did not stick.
    pub fn sysctl(&self, key: &str, value: &str) -> io::Result<()> {
        let path = Path::new("/proc/sys").join(key.replace('.', "/"));
        let value = value.to_owned();
        let key = key.to_owned();
        // /proc/sys/net shows the namespace of the thread that looks, so write from inside.
        self.run(move || {
            std::fs::write(&path, &value)
                .map_err(|e| io::Error::new(e.kind(), format!("sysctl {key}={value}: {e}")))?;
            let read = std::fs::read_to_string(&path)?;
            if read.trim() != value {
                return Err(io::Error::other(format!(
                    "sysctl {key}={value} did not stick: reads {}",
                    read.trim()
                )));
            }
            Ok(())
        })
    }

    /// Deletes the namespace now (`ip netns del`). It disappears for good
    /// once no socket or process holds it any more.
    pub fn delete(&mut self) -> io::Result<()> {
        if self.deleted {
            return Ok(());
        }
        ip(&["netns", "del", &self.name])?;
        self.deleted = true;
        Ok(())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Never panics: a failure here only leaves a stale namespace, which
        // `available()` removes in a later run.
        if !self.deleted {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.name])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Moves the calling thread into the network namespace bound at `path`.
fn enter(path: &Path) -> io::Result<()> {
    let file = File::open(path)?;
    // SAFETY: `file` is an open namespace file for the duration of the call;
    // setns only changes this thread's network namespace.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Two hosts, `client` and `server`, each in its own namespace, joined by a
/// veth pair or through a `middlebox` namespace that routes and firewalls.
///
/// Dropping it deletes every namespace (and so every link) it made.
#[derive(Debug)]
pub struct Topology {
    /// The client host.
    pub client: Netns,
    /// The stateful firewall between them, for [`with_middlebox`](Self::with_middlebox).
    pub middlebox: Option<Netns>,
    /// The server host. After [`delete_server`](Self::delete_server) its
    /// namespace is gone: `run`, `exec` and the fault methods then fail.
    pub server: Netns,
    /// The client's address.
    pub client_addr: IpAddr,
    /// The server's address, which the client connects to.
    pub server_addr: IpAddr,
    /// Where the server's veth end goes when the server is deleted.
    void: Option<Netns>,
}

impl Topology {
    /// `client 192.0.2.1 <-veth-> 192.0.2.2 server`.
    pub fn direct() -> io::Result<Topology> {
        let client = Netns::new("client")?;
        let server = Netns::new("server")?;
        client.add_veth_to(&server, LINK)?;
        for (ns, addr) in [(&client, DIRECT_CLIENT), (&server, DIRECT_SERVER)] {
            ns.ip(&["addr", "add", &format!("{addr}/24"), "dev", LINK])?;
            ns.ip(&["link", "set", LINK, "up"])?;
        }
        Ok(Topology {
            client,
            middlebox: None,
            server,
            client_addr: DIRECT_CLIENT.into(),
            server_addr: DIRECT_SERVER.into(),
            void: None,
        })
    }

    /// `client 192.0.2.1 <-> middlebox <-> 198.51.100.1 server`.
    ///
    /// The middlebox routes between the two and filters with an nftables
    /// forward chain, policy drop, that accepts `ct state established,related`
    /// and new SYNs. In its namespace
    /// `net.netfilter.nf_conntrack_tcp_timeout_established` is
    /// `established_timeout` (rounded up to whole seconds, at least 1) and
    /// `nf_conntrack_tcp_loose` is 0, so it forgets a flow idle for longer than
    /// that and then drops the flow's packets, like a NAT or firewall does.
    /// (Conntrack sysctls are per namespace: these are set in the middlebox's.)
    pub fn with_middlebox(established_timeout: Duration) -> io::Result<Topology> {
        let timeout_secs = (established_timeout.as_secs()
            + u64::from(established_timeout.subsec_nanos() > 0))
        .max(1);
        if timeout_secs > i32::MAX as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("conntrack timeout {established_timeout:?} is too large"),
            ));
        }
        let client = Netns::new("client")?;
        let middlebox = Netns::new("mbox")?;
        let server = Netns::new("server")?;
        client.add_veth_to(&middlebox, MB_CLIENT_LINK)?;
        server.add_veth_to(&middlebox, MB_SERVER_LINK)?;
        for (ns, link, addr) in [
            (&client, LINK, MB_CLIENT),
            (&middlebox, MB_CLIENT_LINK, MB_CLIENT_GW),
            (&middlebox, MB_SERVER_LINK, MB_SERVER_GW),
            (&server, LINK, MB_SERVER),
        ] {
            ns.ip(&["addr", "add", &format!("{addr}/24"), "dev", link])?;
            ns.ip(&["link", "set", link, "up"])?;
        }
        client.ip(&["route", "add", "default", "via", &MB_CLIENT_GW.to_string()])?;
        server.ip(&["route", "add", "default", "via", &MB_SERVER_GW.to_string()])?;
        middlebox.nft(
            "table inet ka_firewall {\n\
             \tchain forward {\n\
             \t\ttype filter hook forward priority 0; policy drop;\n\
             \t\tct state established,related accept\n\
             \t\ttcp flags & (fin | syn | rst | ack) == syn ct state new accept\n\
             \t}\n\
             }\n",
        )?;
        // The ruleset uses conntrack, so its sysctls now exist in this namespace.
        middlebox.sysctl(
            "net.netfilter.nf_conntrack_tcp_timeout_established",
            &timeout_secs.to_string(),
        )?;
        middlebox.sysctl("net.netfilter.nf_conntrack_tcp_loose", "0")?;
        middlebox.sysctl("net.ipv4.ip_forward", "1")?;
        Ok(Topology {
            client,
            middlebox: Some(middlebox),
            server,
            client_addr: MB_CLIENT.into(),
            server_addr: MB_SERVER.into(),
            void: None,
        })
    }

    /// The server's firewall drops every packet in and out (nftables, in the
    /// server's namespace): the server stays up but answers nothing.
    pub fn server_drop_all(&self) -> io::Result<()> {
        self.server.nft(
            "table inet ka_drop_all {\n\
             \tchain input { type filter hook input priority -300; policy drop; }\n\
             \tchain output { type filter hook output priority -300; policy drop; }\n\
             }\n",
        )
    }

    /// Takes the server's link down (`ip link set ka0 down` in its namespace).
    pub fn server_link_down(&self) -> io::Result<()> {
        self.server.ip(&["link", "set", LINK, "down"]).map(drop)
    }

    /// The server host vanishes: its veth end moves to a void namespace where
    /// frames are silently dropped, then the server namespace is deleted. See
    /// the [module docs](self#a-server-that-vanishes) for why the client sees
    /// silence even while the test still holds (or closes) server sockets.
    pub fn delete_server(&mut self) -> io::Result<()> {
        if self.server.deleted {
            return Ok(());
        }
        let void = Netns::new("void")?;
        // Forwarding is off in a new namespace; make sure, so nothing is routed or answered.
        void.sysctl("net.ipv4.ip_forward", "0")?;
        self.server.ip(&["link", "set", LINK, "netns", void.name()])?;
        void.ip(&["link", "set", LINK, "up"])?;
        self.void = Some(void);
        self.server.delete()
    }

    /// Drops `percent`% of packets at random, in both directions, at the
    /// server (nftables `numgen random` in its input and output hooks). 0
    /// removes the loss; above 100 is `InvalidInput`.
    pub fn set_loss(&self, percent: u32) -> io::Result<()> {
        if percent > 100 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("packet loss {percent}% is above 100%"),
            ));
        }
        // Declaring the table first makes the delete valid whether or not it exists.
        let mut ruleset = String::from("table inet ka_loss {}\ndelete table inet ka_loss\n");
        if percent > 0 {
            let _ = write!(
                ruleset,
                "table inet ka_loss {{\n\
                 \tchain input {{ type filter hook input priority -200; policy accept; numgen random mod 100 < {percent} counter drop; }}\n\
                 \tchain output {{ type filter hook output priority -200; policy accept; numgen random mod 100 < {percent} counter drop; }}\n\
                 }}\n"
            );
        }
        self.server.nft(&ruleset)
    }

    /// How many packets the [`set_loss`](Self::set_loss) rules dropped so far
    /// (their nftables counters, both directions); 0 without loss rules.
    pub fn loss_dropped(&self) -> io::Result<u64> {
        let listing = match self.server.exec(&["nft", "list", "table", "inet", "ka_loss"]) {
            Ok(listing) => listing,
            Err(_) => return Ok(0),
        };
        let mut dropped = 0;
        for line in listing.lines() {
            let mut words = line.split_whitespace();
            while let Some(word) = words.next() {
                if word == "packets" {
                    let n = words.next().and_then(|n| n.parse::<u64>().ok());
                    dropped += n.ok_or_else(|| {
                        io::Error::other(format!("unexpected nft counter line: {line}"))
                    })?;
                }
            }
        }
        Ok(dropped)
    }
}
