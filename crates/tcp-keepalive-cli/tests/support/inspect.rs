//! What the `inspect` tests share: a network namespace, Python processes
//! holding connections with known keepalive settings (keepalive_peers.py),
//! and running `inspect` in that namespace as root or as `nobody`.
#![allow(dead_code)] // each test file uses a different part

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::sync::OnceLock;

use keepalive_faults::netns::{self, Netns};
use keepalive_faults::Unavailable;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_tcp-keepalive");
const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/keepalive_peers.py");

/// A fresh namespace, or `None` after printing why there cannot be one here.
pub fn namespace(test: &str) -> Option<Netns> {
    if let Err(why) = netns::available() {
        keepalive_faults::skip(test, &why);
        return None;
    }
    if Command::new("python3").arg("-V").output().is_err() {
        keepalive_faults::skip(test, &Unavailable("python3 is not installed".into()));
        return None;
    }
    Some(Netns::new("inspect").expect("creating a network namespace"))
}

/// A Python process (root, not the test) holding connections; killed on drop.
pub struct Peers {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    pub pid: u32,
    pub listen: u16,
    /// Connection name -> the client side's local port.
    pub clients: BTreeMap<String, u16>,
}

impl Peers {
    /// The connections of keepalive_peers.py; `count`: that many plain ones instead.
    pub fn start(netns: &Netns, count: Option<usize>) -> Peers {
        let mut command = netns.command("python3");
        command.arg(PEERS).stdin(Stdio::piped()).stdout(Stdio::piped());
        if let Some(count) = count {
            command.arg(count.to_string());
        }
        let mut child = command.spawn().expect("running python3");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let hello: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        let clients = hello["clients"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, port)| (name.clone(), port.as_u64().unwrap() as u16))
            .collect();
        Peers {
            child,
            stdin,
            stdout,
            pid: hello["pid"].as_u64().unwrap() as u32,
            listen: hello["listen"].as_u64().unwrap() as u16,
            clients,
        }
    }

    /// Sends `command` and returns the answer line.
    pub fn ask(&mut self, command: &str) -> String {
        writeln!(self.stdin, "{command}").unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim().to_string()
    }

    /// Kills the process and waits until it is gone.
    pub fn kill(&mut self) {
        let _ = (self.child.kill(), self.child.wait());
    }

    pub fn port(&self, name: &str) -> u16 {
        self.clients[name]
    }
}

impl Drop for Peers {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `inspect ARGS --json` in `netns`, as root or (`as_nobody`) as uid 65534.
pub fn inspect(netns: &Netns, as_nobody: bool, args: &[&str]) -> Output {
    let mut command = match as_nobody {
        true => {
            let mut c = netns.command("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(bin_for_nobody());
            c
        }
        false => netns.command(BIN),
    };
    command.arg("inspect").args(args).output().expect("running tcp-keepalive inspect")
}

/// A copy of the binary that `nobody` may run: the build directory may sit
/// under a home only root can enter (/root).
pub fn bin_for_nobody() -> &'static Path {
    static COPY: OnceLock<PathBuf> = OnceLock::new();
    COPY.get_or_init(|| {
        // One fixed place, replaced atomically, so runs leave one copy behind, not one each.
        let dir = std::env::temp_dir().join("tcp-keepalive-inspect-tests");
        std::fs::create_dir_all(&dir).unwrap();
        let partial = dir.join(format!("tcp-keepalive.{}", std::process::id()));
        std::fs::copy(BIN, &partial).unwrap();
        for path in [&dir, &partial] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let copy = dir.join("tcp-keepalive");
        std::fs::rename(&partial, &copy).unwrap();
        copy
    })
}

/// Every stdout line of `out` as JSON.
pub fn json_lines(out: &Output) -> Vec<Value> {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}"))).collect()
}

/// The JSON events of `out`; the last one must be the summary.
pub fn events(out: &Output) -> (Vec<Value>, Value) {
    let mut events = json_lines(out);
    let summary = events.pop().unwrap_or_else(|| panic!("no output: {out:?}"));
    assert_eq!(summary["event"], "summary", "{summary}");
    (events, summary)
}

/// The connection event whose local port is `port`.
pub fn by_local_port(events: &[Value], port: u16) -> &Value {
    events
        .iter()
        .find(|e| {
            e["event"] == "connection"
                && e["local"].as_str().unwrap().ends_with(&format!(":{port}"))
        })
        .unwrap_or_else(|| panic!("no connection from port {port} in {events:#?}"))
}
