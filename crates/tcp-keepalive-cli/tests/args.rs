//! Bad input, end to end through the built binary: exit code 2 and a message
//! that names the value. No privileges or namespaces needed.

use std::net::TcpListener;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tcp-keepalive"))
        .args(args)
        .output()
        .expect("running tcp-keepalive")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_duration_is_refused_with_its_text() {
    let out = run(&["watch", "127.0.0.1:9", "--idle", "abc"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("\"abc\" is not a duration"), "{}", stderr(&out));
    assert!(stderr(&out).contains("1m30s"), "{}", stderr(&out));
}

#[test]
fn a_zero_idle_time_is_refused_by_the_library_with_the_os_limit() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let out = run(&["watch", &target, "--idle", "0s", "--json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("keepalive idle time"), "{}", stderr(&out));
    assert!(stderr(&out).contains("minimum"), "{}", stderr(&out));
    // --json: the error is also a JSON line on stdout.
    let line = String::from_utf8(out.stdout).unwrap();
    let event: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(event["event"], "error");
    assert_eq!(event["exit_code"], 2);
    assert!(event["message"].as_str().unwrap().contains("keepalive idle time"));
}

#[test]
fn addresses_without_a_port_or_with_an_unknown_host_are_refused() {
    let out = run(&["idle-timeout", "localhost"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid address \"localhost\": no port"), "{}", stderr(&out));

    let out = run(&["watch", "no-such-host.invalid:80"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot resolve host \"no-such-host.invalid\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn idle_timeout_refuses_a_max_outside_its_range() {
    let out = run(&["idle-timeout", "127.0.0.1:9", "--max", "1s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--max 1s is outside"), "{}", stderr(&out));
}

#[test]
fn help_documents_the_exit_codes_and_json() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in ["demo", "watch", "idle-timeout", "defaults", "Exit codes:", "--json"] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

/// With `--json` anywhere, a failure is exactly one JSON error event on stdout.
fn json_error(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: stdout {stdout:?}, stderr {}", stderr(&out));
    let event: serde_json::Value =
        serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"));
    assert_eq!(event["event"], "error", "{args:?}: {event}");
    assert_eq!(event["exit_code"].as_i64(), out.status.code().map(i64::from), "{args:?}: {event}");
    event
}

#[test]
fn with_json_every_argument_error_is_one_json_error_event() {
    for args in [
        &["watch", "127.0.0.1:9", "--idle", "10x", "--json"][..],
        &["--json", "watch", "127.0.0.1:9", "--retries", "abc"],
        &["watch", "127.0.0.1:9", "--json", "--idle", "-1s"],
        &["--json", "no-such-command"],
        &["--json"],
        &["idle-timeout", "--json"],
    ] {
        let event = json_error(args);
        assert_eq!(event["exit_code"], 2, "{args:?}: {event}");
        assert!(!event["message"].as_str().unwrap().is_empty(), "{args:?}: {event}");
    }
}

/// A listener that must not see a connection: bad input is refused before connecting.
fn untouched_listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let target = listener.local_addr().unwrap().to_string();
    (listener, target)
}

fn assert_untouched(listener: &TcpListener) {
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "bad input reached the network: {accepted:?}"
    );
}

#[test]
fn bad_input_is_exit_2_before_connecting_and_echoes_what_was_typed() {
    let (listener, target) = untouched_listener();
    let cases: [(&[&str], &[&str]); 7] = [
        (&["watch", "127.0.0.1:0"], &["port 0"]),
        (&["idle-timeout", "127.0.0.1:0"], &["port 0"]),
        (&["watch", &target, "--connect-timeout", "0s"], &["--connect-timeout 0s"]),
        (&["idle-timeout", &target, "--connect-timeout", "0s"], &["--connect-timeout 0s"]),
        (&["watch", "[::1:80"], &["\"[::1:80\"", "]"]),
        (&["watch", &target, "--idle", "0s"], &["--idle 0s", "minimum"]),
        (&["watch", &target, "--interval", "-1s"], &["-1s", "negative"]),
    ];
    assert_bad_input(&cases, &["0ns", "-- -1", "resolve"]);
    assert_untouched(&listener);
}

/// Each of `cases` (arguments, what the message must say) exits with code 2,
/// and no message says any of `wrong`.
fn assert_bad_input(cases: &[(&[&str], &[&str])], wrong: &[&str]) {
    for (args, needles) in cases {
        let out = run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for needle in *needles {
            assert!(err.contains(needle), "{args:?}: {needle:?} missing from {err}");
        }
        for wrong in wrong {
            assert!(!err.contains(wrong), "{args:?}: {wrong:?} in {err}");
        }
    }
}

#[test]
fn counts_pids_and_ports_out_of_range_are_named_with_the_option() {
    let (listener, target) = untouched_listener();
    let cases: [(&[&str], &[&str]); 6] = [
        (&["watch", &target, "--retries", "-1"], &["'-1' for '--retries", "negative"]),
        (
            &["idle-timeout", &target, "--connections", "-1"],
            &["'-1' for '--connections", "negative"],
        ),
        (&["inspect", "--pid", "-1"], &["'-1' for '--pid", "negative", "from 1"]),
        (&["inspect", "--pid", "0"], &["'0' for '--pid", "from 1"]),
        (&["inspect", "--port", "0"], &["'0' for '--port", "1 to 65535"]),
        (&["inspect", "--port", "70000"], &["'70000' for '--port", "1 to 65535"]),
    ];
    assert_bad_input(&cases, &["4294967295", "unexpected argument", "is not in"]);
    assert_untouched(&listener);
}

#[test]
fn an_unknown_path_name_is_refused_with_the_known_ones() {
    for command in [&["inspect"][..], &["watch", "127.0.0.1:9"]] {
        let out = run(&[command, &["--path-timeout", "aws-nat", "--json"]].concat());
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let said = stderr(&out);
        assert!(said.contains("\"aws-nat\" is neither a duration nor a known middlebox"), "{said}");
        assert!(said.contains("aws-nat-gateway") && said.contains("gcp-cloud-nat"), "{said}");
        let event: serde_json::Value =
            serde_json::from_str(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
        assert_eq!(
            (event["event"].as_str(), event["exit_code"].as_u64()),
            (Some("error"), Some(2))
        );
    }
}

#[test]
fn a_path_timeout_or_detection_time_no_config_can_meet_is_refused() {
    // Nothing listens on port 9: the refusal comes before any connection.
    let out = run(&["watch", "127.0.0.1:9", "--path-timeout", "1s"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--path-timeout 1s: path idle timeout 1s is too short"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("the shortest it can keep a flow alive through is"),
        "{}",
        stderr(&out)
    );

    let out = run(&["watch", "127.0.0.1:9", "--path-timeout", "aws-nlb", "--detect-within", "1s"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("detection time 1s is too short"), "{}", stderr(&out));
    assert!(stderr(&out).contains("the shortest this OS can meet is"), "{}", stderr(&out));

    let out = run(&["idle-timeout", "127.0.0.1:9", "--detect-within", "100ms"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--detect-within 100ms: detection time 100ms is too short"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_refused_setting_names_the_os_as_people_write_it() {
    let (listener, target) = untouched_listener();
    let out = run(&["watch", &target, "--retries", "100000"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--retries 100000"), "{err}");
    let os = std::env::consts::OS;
    assert!(!err.contains(&format!(" on {os})")), "the OS as Rust spells it: {err}");
    if cfg!(target_os = "linux") {
        assert!(err.contains("(TCP_KEEPCNT on Linux)"), "{err}");
    }
    assert!(!err.contains("retries is"), "grammar: {err}");
    let out = run(&["idle-timeout", &target, "--max", "1s"]);
    assert!(!stderr(&out).contains("..="), "Rust's range syntax: {}", stderr(&out));
    assert_untouched(&listener);
}

#[test]
fn one_is_singular() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tcp-keepalive"))
        .args(["watch", &target, "--retries", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    for _ in 0..2 {
        std::io::BufRead::read_line(&mut stdout, &mut text).unwrap();
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains(", 1 retry;") || text.contains(", 1 retry,"), "{text}");
    assert!(!text.contains("1 retries"), "{text}");
}
