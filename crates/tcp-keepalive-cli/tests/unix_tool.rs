//! The command as a Unix tool: a closed stdout, a full disk, Ctrl-C with and
//! without a terminal. Linux only (signals, /dev/full, a pseudo-terminal).
#![cfg(target_os = "linux")]

mod support;

use std::io::{BufRead, BufReader, Read};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{closing_server, json_lines, BIN};

/// Waits for `child` at most `within`; kills it and panics after that.
fn wait(child: &mut std::process::Child, within: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > within {
            let _ = child.kill();
            panic!("still running after {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_closed_stdout_ends_watch_quietly_and_promptly() {
    let addr = closing_server(None).to_string();
    for json in [false, true] {
        let mut command = Command::new(BIN);
        command.args(["watch", &addr]).stdout(Stdio::piped()).stderr(Stdio::piped());
        if json {
            command.arg("--json");
        }
        let mut child = command.spawn().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        drop(stdout); // like `| head -1`
        let status = wait(&mut child, Duration::from_secs(3));
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        assert_eq!(status.code(), Some(0), "json {json}: {err}");
        assert_eq!(err, "", "a closed pipe is not worth a message");
    }
}

#[test]
fn a_full_stdout_is_an_error() {
    for json in [false, true] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let mut command = Command::new(BIN);
        command.arg("defaults").stdout(full);
        if json {
            command.arg("--json");
        }
        let out = command.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "json {json}: {err}");
        assert!(err.contains("stdout"), "json {json}: {err}");
    }
}

fn interrupt(child: &std::process::Child) {
    signal(child, libc::SIGINT);
}

fn signal(child: &std::process::Child, signal: libc::c_int) {
    // SAFETY: kill takes plain integers; the child is ours and not yet reaped.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
}

#[test]
fn ctrl_c_sigterm_and_sighup_end_with_a_final_event_and_the_documented_exit_code() {
    let addr = closing_server(None).to_string();
    let signals = [("SIGINT", libc::SIGINT), ("SIGTERM", libc::SIGTERM), ("SIGHUP", libc::SIGHUP)];
    for (name, number) in signals {
        let mut child = Command::new(BIN)
            .args(["watch", &addr, "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        signal(&child, number);
        let status = wait(&mut child, Duration::from_secs(3));
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).unwrap();
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let events = json_lines(&rest);
        assert_eq!(status.code(), Some(130), "{name}: {status:?} {err}");
        assert_eq!(events.len(), 1, "{name}: {events:?}");
        assert_eq!(events[0]["event"], "interrupted", "{name}: {events:?}");
        assert_eq!(events[0]["exit_code"], 130, "{name}: {events:?}");
        assert!(err.contains("interrupted"), "{name}: {err:?}");
    }
    let help = support::run(&["--help"]);
    assert!(support::stdout(&help).contains("130"), "the exit code table lacks 130");
}

/// A pseudo-terminal: (controller, the terminal's fd for the child).
fn pty() -> (OwnedFd, OwnedFd) {
    // SAFETY: posix_openpt, grantpt, unlockpt and ptsname_r take plain values and a
    // buffer that lives for the call; each fd is owned right after it is returned.
    unsafe {
        let controller = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(controller >= 0);
        let controller = OwnedFd::from_raw_fd(controller);
        use std::os::fd::AsRawFd;
        assert_eq!(libc::grantpt(controller.as_raw_fd()), 0);
        assert_eq!(libc::unlockpt(controller.as_raw_fd()), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(controller.as_raw_fd(), name.as_mut_ptr(), name.len()), 0);
        let terminal = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
        assert!(terminal >= 0);
        (controller, OwnedFd::from_raw_fd(terminal))
    }
}

#[test]
fn ctrl_c_removes_the_progress_line() {
    let addr = closing_server(None).to_string();
    let (controller, terminal) = pty();
    let mut child = Command::new(BIN)
        .args(["watch", &addr])
        .stdout(Stdio::from(terminal.try_clone().unwrap()))
        .stderr(Stdio::from(terminal))
        .spawn()
        .unwrap();
    let mut screen = std::fs::File::from(controller);
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Ends with EIO once the child (the terminal's last user) is gone.
        while let Ok(n @ 1..) = screen.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&seen).into_owned()
    });
    std::thread::sleep(Duration::from_millis(1500)); // the progress line is up
    interrupt(&child);
    let status = wait(&mut child, Duration::from_secs(3));
    let screen = reader.join().unwrap();
    assert_eq!(status.code(), Some(130), "{screen:?}");
    let last_progress = screen.rfind("watching").or_else(|| screen.rfind("idle ")).unwrap();
    assert!(
        screen[last_progress..].contains("\x1b[2K"),
        "the progress line was left on the screen: {screen:?}"
    );
}
