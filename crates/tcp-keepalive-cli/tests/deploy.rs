//! The exporter's deployment files (deploy/): the systemd unit passes
//! `systemd-analyze verify`, the Kubernetes DaemonSet passes checkov with
//! only the skips it justifies, the Prometheus config and alert rules pass
//! `promtool check config`. Skipped with the reason where a tool is missing
//! (scripts/setup installs them).
#![cfg(target_os = "linux")]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use keepalive_faults::Unavailable;
use serde_json::Value;
use support::BIN;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const INSTALLED: &str = "ExecStart=/usr/local/bin/tcp-keepalive exporter";

/// A file of the repository's deploy/; `None` (the test skipped) outside the
/// repository, e.g. in the packaged crate.
fn read(test: &str, path: &str) -> Option<String> {
    let text = std::fs::read_to_string(Path::new(REPO).join(path));
    if text.is_err() {
        let why = format!("{path} is not here (not in the repository)");
        keepalive_faults::skip(test, &Unavailable(why));
    }
    text.ok()
}

/// A fresh directory under the system's temporary one.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tcp-keepalive-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether `program` runs here; if not, `test` is skipped, naming `package`.
fn installed(test: &str, program: &str, package: &str) -> bool {
    if Command::new(program).arg("--version").output().is_ok() {
        return true;
    }
    let why = format!("{program} is not installed (apt-get install {package})");
    keepalive_faults::skip(test, &Unavailable(why));
    false
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let test = "the_systemd_unit_passes_systemd_analyze_verify";
    if !installed(test, "systemd-analyze", "systemd") {
        return;
    }
    let Some(unit) = read(test, "deploy/systemd/tcp-keepalive-exporter.service") else { return };
    for line in [INSTALLED, "KillSignal=SIGTERM", "AmbientCapabilities=CAP_SYS_PTRACE"] {
        assert!(unit.lines().any(|l| l.starts_with(line)), "no {line:?} in the unit");
    }
    // verify checks that ExecStart's program exists: point it at this build.
    let dir = temp_dir("unit");
    let here = unit.replace(INSTALLED, &format!("ExecStart={BIN} exporter"));
    let path = dir.join("tcp-keepalive-exporter.service");
    std::fs::write(&path, here).unwrap();
    // and that Documentation=man:tcp-keepalive-exporter(1) exists: the page `man exporter` prints.
    let pages = dir.join("man/man1");
    std::fs::create_dir_all(&pages).unwrap();
    let page = Command::new(BIN).args(["man", "exporter"]).output().unwrap();
    std::fs::write(pages.join("tcp-keepalive-exporter.1"), page.stdout).unwrap();
    let mut verify = Command::new("systemd-analyze");
    verify.arg("verify").env("MANPATH", dir.join("man"));
    if Command::new("man").arg("--version").output().is_err() {
        eprintln!(
            "{test}: man is not installed (apt-get install man-db): Documentation= not checked"
        );
        verify.arg("--man=no");
    }
    let out = verify.arg(&path).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
}

/// checkov from scripts/setup (a virtualenv in .tools/), or on PATH.
fn checkov() -> Option<PathBuf> {
    let local = Path::new(REPO).join(".tools/checkov/bin/checkov");
    if local.exists() {
        return Some(local);
    }
    Command::new("checkov").arg("--version").output().ok().map(|_| PathBuf::from("checkov"))
}

#[test]
fn the_daemonset_passes_checkov_with_only_the_skips_it_justifies() {
    let test = "the_daemonset_passes_checkov_with_only_the_skips_it_justifies";
    let Some(checkov) = checkov() else {
        let why = Unavailable("checkov is not installed (scripts/setup installs it)".into());
        return keepalive_faults::skip(test, &why);
    };
    let manifest = "deploy/kubernetes/daemonset.yaml";
    let Some(text) = read(test, manifest) else { return };
    for wanted in ["hostPID: true", "drop: [\"ALL\"]", "add: [\"SYS_PTRACE\", \"SYS_ADMIN\"]"] {
        assert!(text.contains(wanted), "no {wanted:?} in {manifest}");
    }
    let out = Command::new(checkov)
        .args(["--framework", "kubernetes", "--skip-download", "--compact", "-o", "json", "-f"])
        .arg(Path::new(REPO).join(manifest))
        // Offline: no look-up of guideline links.
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let ids = |kind: &str| -> BTreeSet<String> {
        let checks = report["results"][kind].as_array().unwrap_or_else(|| panic!("{report}"));
        checks.iter().map(|c| c["check_id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(report["summary"]["parsing_errors"], 0, "{}", report["summary"]);
    assert_eq!(ids("failed_checks"), BTreeSet::new(), "{}", report["summary"]);
    // Each skip has its reason in the manifest; a new one must be argued there and here.
    let skips = ["CKV2_K8S_6", "CKV_K8S_17", "CKV_K8S_19", "CKV_K8S_23", "CKV_K8S_25"];
    let skips: BTreeSet<String> = skips
        .iter()
        .chain(&["CKV_K8S_39", "CKV_K8S_40", "CKV_K8S_43"])
        .map(|s| s.to_string())
        .collect();
    assert_eq!(ids("skipped_checks"), skips);
    // Read-only root, no privilege escalation, every other capability dropped
    // (NET_RAW too), not privileged, a seccomp profile.
    let passed = ids("passed_checks");
    for id in ["CKV_K8S_22", "CKV_K8S_20", "CKV_K8S_37", "CKV_K8S_28", "CKV_K8S_16", "CKV_K8S_31"] {
        assert!(passed.contains(id), "{id} did not pass: {passed:?}");
    }
}

#[test]
fn the_prometheus_config_and_rules_pass_promtool() {
    let test = "the_prometheus_config_and_rules_pass_promtool";
    if !installed(test, "promtool", "prometheus") {
        return;
    }
    let config = "deploy/prometheus/prometheus.yml";
    if read(test, config).is_none() {
        return;
    }
    let config = Path::new(REPO).join(config);
    let out = Command::new("promtool").args(["check", "config"]).arg(&config).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "promtool check config: {said}");
    assert!(said.contains("SUCCESS: 2 rules found"), "{said}");
}

/// Every system call in the unit's SystemCallFilter= (groups expanded by
/// `systemd-analyze syscall-filter`).
fn allowed_calls(unit: &str) -> BTreeSet<String> {
    let mut pending: Vec<String> = unit
        .lines()
        .filter_map(|l| l.strip_prefix("SystemCallFilter="))
        .flat_map(|l| l.split_whitespace().map(String::from).collect::<Vec<_>>())
        .collect();
    let (mut calls, mut groups) = (BTreeSet::new(), BTreeSet::new());
    while let Some(name) = pending.pop() {
        if !name.starts_with('@') {
            calls.insert(name);
        } else if groups.insert(name.clone()) {
            let out = Command::new("systemd-analyze").args(["syscall-filter", &name]).output();
            let listed = String::from_utf8(out.unwrap().stdout).unwrap();
            let members = listed.lines().skip(1).map(str::trim);
            pending
                .extend(members.filter(|m| !m.is_empty() && !m.starts_with('#')).map(String::from));
        }
    }
    calls
}

#[test]
fn the_units_system_call_filter_allows_every_call_a_scrape_makes() {
    let test = "the_units_system_call_filter_allows_every_call_a_scrape_makes";
    if !installed(test, "strace", "strace") || !installed(test, "systemd-analyze", "systemd") {
        return;
    }
    let Some(unit) = read(test, "deploy/systemd/tcp-keepalive-exporter.service") else { return };
    let allowed = allowed_calls(&unit);
    assert!(allowed.contains("read") && allowed.contains("pidfd_getfd"), "{allowed:?}");
    let dir = temp_dir("strace");
    let trace = dir.join("trace");
    let mut strace = Command::new("strace")
        .args(["-f", "-qq", "-o"])
        .arg(&trace)
        .args([BIN, "exporter", "--json", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(strace.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let listening: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    // A connection of this process for the scrape to read exactly.
    let _held = std::net::TcpStream::connect(listening["address"].as_str().unwrap()).unwrap();
    let mut response = ureq::get(listening["url"].as_str().unwrap()).call().unwrap();
    let text = response.body_mut().read_to_string().unwrap();
    assert!(text.contains("tcp_keepalive_scrape_success 1"), "{text}");
    // strace's child is the exporter: SIGTERM to it, as systemd stops it.
    let children = format!("/proc/{}/task/{}/children", strace.id(), strace.id());
    let exporter = std::fs::read_to_string(children).unwrap();
    let status = Command::new("kill").args(["-s", "TERM", exporter.trim()]).status().unwrap();
    assert!(status.success());
    assert!(strace.wait().unwrap().success());
    let trace = std::fs::read_to_string(&trace).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let made: BTreeSet<&str> = trace
        .lines()
        .filter_map(|l| {
            let call = l.split_once(' ')?.1.trim_start();
            let name = call.split('(').next()?;
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then_some(name)
        })
        .collect();
    assert!(made.contains("pidfd_getfd"), "the scrape read no socket exactly: {made:?}");
    let refused: Vec<&&str> = made.iter().filter(|c| !allowed.contains(**c)).collect();
    assert!(refused.is_empty(), "calls the unit's SystemCallFilter= refuses: {refused:?}");
}
