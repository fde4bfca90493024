//! What the end-to-end tests share: running the built binary, JSON lines, and
//! loopback servers.
#![allow(dead_code)] // each test file uses a different part

use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_tcp-keepalive");

/// Runs the binary to the end.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("running tcp-keepalive")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every stdout line as JSON; panics on a line that is not.
pub fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
        .collect()
}

/// A loopback server that accepts every connection, never sends data, and
/// closes each one `after` it was accepted (its own idle timeout). `None`:
/// it keeps them open.
pub fn closing_server(after: Option<Duration>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            match after {
                Some(after) => {
                    let accepted = Instant::now();
                    std::thread::spawn(move || {
                        std::thread::sleep(after.saturating_sub(accepted.elapsed()));
                        drop(stream);
                    });
                }
                None => open.push(stream),
            }
        }
    });
    addr
}
