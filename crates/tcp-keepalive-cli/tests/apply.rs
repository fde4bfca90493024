//! `apply` on the real kernel, against Python processes whose code never
//! touches keepalive, in network namespaces the tests create (entered by
//! `apply` itself: it runs in the test's namespace). After `apply`, `ss -tno`
//! shows the keepalive timer, and when the peer is silenced (a BPF drop
//! filter, keepalive-faults) Python's own blocking recv() fails with
//! ETIMEDOUT within the bound + 1.5 s. `--dry-run` leaves no timer; a missing
//! pid, a bad value, a listener without `--listeners`, no permission and a
//! process exiting midway each get their line and exit code. Needs root;
//! skipped with the reason otherwise.
#![cfg(target_os = "linux")]

#[path = "support/inspect.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use keepalive_faults::netns::Netns;
use serde_json::Value;
use support::{bin_for_nobody, json_lines as events, namespace, Peers, BIN};

/// Connects to the test's listener, says who it is, then blocks in recv()
/// and prints how it ended. A line on stdin first: report the listener's
/// and the connection's SO_KEEPALIVE instead. Never sets a socket option.
const HOLDER: &str = r#"
import errno, json, os, socket, sys
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen()
conn = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print(json.dumps({"pid": os.getpid(), "local": conn.getsockname()[1], "listen": listener.getsockname()[1]}), flush=True)
if sys.argv[2:] == ["options"]:
    for line in sys.stdin:
        flags = [s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) for s in (listener, conn)]
        print(json.dumps(flags), flush=True)
try:
    conn.recv(1)
    print("returned", flush=True)
except OSError as e:
    print(errno.errorcode[e.errno], flush=True)
"#;

/// The Python holder, its connection's server side (held by the test) and its stdio.
struct Holder {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    pid: u32,
    local: u16,
    listen: u16,
    server: std::net::TcpStream,
}

impl Holder {
    fn start(netns: &Netns, options: bool) -> Holder {
        let listener = netns.run(|| TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port().to_string();
        let mut command = netns.command("python3");
        command.args(["-c", HOLDER, &port]).stdin(Stdio::piped()).stdout(Stdio::piped());
        if options {
            command.arg("options");
        }
        let mut child = command.spawn().expect("python3");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let hello: Value = serde_json::from_str(&line(&mut stdout)).unwrap();
        let (server, _) = listener.accept().unwrap();
        let pid = hello["pid"].as_u64().unwrap() as u32;
        let local = hello["local"].as_u64().unwrap() as u16;
        let listen = hello["listen"].as_u64().unwrap() as u16;
        Holder { child, stdin, stdout, pid, local, listen, server }
    }

    /// SO_KEEPALIVE of the listener and the connection, as Python reads them.
    fn keepalive_flags(&mut self) -> String {
        writeln!(self.stdin, "?").unwrap();
        line(&mut self.stdout)
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = (self.child.kill(), self.child.wait());
    }
}

fn line(reader: &mut impl BufRead) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line.trim().to_string()
}

fn apply(args: &[&str]) -> Output {
    Command::new(BIN).arg("apply").args(args).output().expect("running tcp-keepalive apply")
}

/// The one event named `name`.
fn only<'a>(events: &'a [Value], name: &str) -> &'a Value {
    let mut found = events.iter().filter(|e| e["event"] == name);
    let event = found.next().unwrap_or_else(|| panic!("no {name} in {events:#?}"));
    assert!(found.next().is_none(), "more than one {name} in {events:#?}");
    event
}

/// `ss -tno` in `netns` for the connection from `port`.
fn ss(netns: &Netns, port: u16) -> String {
    netns.exec(&["ss", "-tno", &format!("sport = :{port}")]).unwrap()
}

#[test]
fn pythons_blocking_recv_fails_with_etimedout_within_the_bound() {
    let test = "pythons_blocking_recv_fails_with_etimedout_within_the_bound";
    let Some(netns) = namespace(test) else { return };
    let mut holder = Holder::start(&netns, false);
    let pid = holder.pid.to_string();
    let settings = ["--idle", "1s", "--interval", "1s", "--retries", "2"];
    assert!(!ss(&netns, holder.local).contains("keepalive"), "{}", ss(&netns, holder.local));

    let dry = apply(&[&["--pid", &pid, "--dry-run", "--json"][..], &settings].concat());
    assert_eq!(dry.status.code(), Some(0), "{dry:?}");
    let dry = events(&dry);
    let dry = only(&dry, "applied");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["before"]["keepalive"], false);
    assert_eq!(dry["after"]["detection_bound_s"], 3.0);
    assert!(!ss(&netns, holder.local).contains("keepalive"), "dry run left a timer");

    let out = apply(&[&["--pid", &pid, "--json"][..], &settings].concat());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let events = events(&out);
    let applied = only(&events, "applied");
    assert_eq!(applied["local"], format!("127.0.0.1:{}", holder.local), "{applied}");
    assert_eq!(applied["netns_name"], netns.name(), "{applied}");
    assert_eq!(applied["dry_run"], false);
    assert_eq!(applied["before"]["keepalive"], false, "{applied}");
    let after = &applied["after"];
    assert_eq!(
        (after["keepalive"].clone(), after["idle_s"].clone(), after["retries"].clone()),
        (Value::Bool(true), 1.0.into(), 2.into()),
        "read back from the socket: {applied}"
    );
    assert_eq!(events.last().unwrap()["applied"], 1, "{events:?}");
    let seen = ss(&netns, holder.local);
    assert!(seen.contains("timer:(keepalive"), "ss -tno shows the keepalive timer:\n{seen}");

    // The peer goes silent: Python's own recv() must end, with ETIMEDOUT.
    keepalive_faults::silence(&holder.server).unwrap();
    let silenced = Instant::now();
    let how = line(&mut holder.stdout);
    let took = silenced.elapsed();
    assert_eq!(how, "ETIMEDOUT");
    let limit = Duration::from_secs(3) + Duration::from_millis(1500);
    assert!(took <= limit, "recv() failed after {took:?}, more than the 3 s bound + 1.5 s");
    eprintln!("{test}: Python's recv() failed with {how} {took:?} after the peer went silent");
}

#[test]
fn errors_are_told_and_nothing_else_is_touched() {
    let test = "errors_are_told_and_nothing_else_is_touched";
    let Some(netns) = namespace(test) else { return };
    let mut holder = Holder::start(&netns, true);
    let pid = holder.pid.to_string();
    let settings = ["--idle", "10s", "--interval", "2s", "--retries", "3"];

    // Bad values: exit 2 before the process is touched.
    for (flag, value, says) in [
        ("--idle", "0s", "below the minimum of 1s"),
        ("--retries", "200", "above the maximum of 127"),
    ] {
        let mut args = vec!["--pid", &pid, "--idle", "10s", "--interval", "2s", "--retries", "3"];
        let at = args.iter().position(|a| *a == flag).unwrap();
        args[at + 1] = value;
        let out = apply(&args);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("{flag} {value}: ")) && stderr.contains(says), "{stderr}");
        assert!(out.stdout.is_empty(), "{out:?}");
    }
    assert_eq!(holder.keepalive_flags(), "[0, 0]", "untouched by bad values");

    // A listener is left alone without --listeners, and told so.
    let out = apply(&[&["--pid", &pid, "--json"][..], &settings].concat());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let events = events(&out);
    let mut names: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, ["applied", "listener_left_alone", "summary"], "{events:#?}");
    let listener = only(&events, "listener_left_alone");
    assert_eq!(listener["state"], "LISTEN");
    assert_eq!(listener["local"], format!("127.0.0.1:{}", holder.listen));
    assert_eq!(only(&events, "summary")["listeners_left_alone"], 1);
    assert_eq!(holder.keepalive_flags(), "[0, 1]", "only the connection");
    let out = apply(&[&["--pid", &pid, "--listeners"][..], &settings].concat());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(holder.keepalive_flags(), "[1, 1]", "--listeners: the listener too");

    // A missing pid: its own line, exit 7.
    let out = apply(&[&["--pid", "4194305"][..], &settings].concat());
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("pid 4194305: no process 4194305"), "{text}");

    // No ptrace access (nobody, a root process): explained, exit 9.
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin_for_nobody())
        .args([&["apply", "--pid", &pid][..], &settings].concat())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ptrace access") && text.contains("CAP_SYS_PTRACE"), "{text}");
}

#[test]
fn a_process_exiting_midway_is_told_and_the_others_still_configured() {
    let test = "a_process_exiting_midway_is_told_and_the_others_still_configured";
    let Some(netns) = namespace(test) else { return };
    // Started first, so its pid is lower and its sockets come first.
    let mut doomed = Peers::start(&netns, Some(1500));
    let mut survivor = Peers::start(&netns, None);
    assert!(doomed.pid < survivor.pid, "pids wrapped around; rerun");
    let mut run = Command::new(BIN)
        .args(["apply", "--json", "--idle", "10s", "--interval", "2s", "--retries", "3"])
        .args(["--pid", &doomed.pid.to_string(), "--pid", &survivor.pid.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(run.stdout.take().unwrap());
    // The pipe holds at most a few hundred lines: apply waits for us to read.
    // Its listener may come first (by address): read up to its first change.
    let first = loop {
        let event: Value = serde_json::from_str(&line(&mut stdout)).unwrap();
        assert_eq!(event["pid"], doomed.pid, "{event}");
        if event["event"] != "listener_left_alone" {
            break event;
        }
    };
    assert_eq!(first["event"], "applied", "{first}");
    doomed.kill();
    let events: Vec<Value> =
        stdout.lines().map(|l| serde_json::from_str(&l.unwrap()).unwrap()).collect();
    let status = run.wait().unwrap();
    let summary = events.last().unwrap();
    assert_eq!(status.code(), Some(7), "{summary}");
    let of = |pid: u32, event: &str| {
        events.iter().filter(|e| e["pid"] == pid && e["event"] == event).count()
    };
    let lost = events.iter().filter(|e| e["event"] == "not_applied");
    assert!(lost.clone().count() > 0, "{summary}");
    for event in lost {
        assert_eq!(event["pid"], doomed.pid, "{event}");
        assert!(event["problem"].as_str().unwrap().contains("meanwhile"), "{event}");
    }
    assert_eq!(of(survivor.pid, "applied"), 10, "the other process still gets its config");
    assert_eq!(summary["not_applied"], of(doomed.pid, "not_applied"), "{summary}");
    let options = survivor.ask("options");
    assert!(options.contains("\"off/client\": [1, 10, 2, 3, 0]"), "{options}");
    eprintln!(
        "{test}: {} of the exiting process's sockets configured, {} told as gone",
        of(doomed.pid, "applied") + 1,
        summary["not_applied"]
    );
}
