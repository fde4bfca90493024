//! `inspect --all-namespaces`: connections held in two network namespaces
//! the test creates, by Python processes the test moves into cgroups named
//! as Docker and Kubernetes (containerd) name theirs, appear with their
//! namespace and container labels, in JSON, text and `--prometheus`, and do
//! not appear without the flag. As `nobody` the namespaces are listed as
//! skipped (exit code 7). Needs root; skipped with the reason otherwise.
#![cfg(target_os = "linux")]

#[path = "support/inspect.rs"]
mod support;

use std::path::PathBuf;
use std::process::Command;

use keepalive_faults::netns::Netns;
use serde_json::{json, Value};
use support::{events, namespace, Peers, BIN};

const DOCKER_ID: &str = "4d6f636b65720000c0ffee0000000000000000000000000000000000000000a1";
const POD_CONTAINER_ID: &str = "6b38730000000000c0ffee0000000000000000000000000000000000000000b2";
const POD_UID: &str = "0b6c9a1e-2f3d-4e5a-8b7c-6d5e4f3a2b1c";

/// Cgroups (v2) the test made, from the leaf up; on drop their processes
/// are killed (`cgroup.kill`) and the directories removed.
struct Cgroup(Vec<PathBuf>);

impl Cgroup {
    /// Creates `<cgroup2 root>/<top>/<path>` and moves `pid` into it; `None`
    /// when there is no writable cgroup2 hierarchy here.
    fn with(top: &str, path: &str, pid: u32) -> Option<Cgroup> {
        let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
        let root = mounts.lines().find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.get(2) == Some(&"cgroup2")).then(|| PathBuf::from(fields[1]))
        })?;
        let mut dirs = vec![root.join(top)];
        for part in path.split('/') {
            dirs.push(dirs.last().unwrap().join(part));
        }
        dirs.reverse();
        std::fs::create_dir_all(&dirs[0]).ok()?;
        let cgroup = Cgroup(dirs);
        std::fs::write(cgroup.0[0].join("cgroup.procs"), pid.to_string()).ok()?;
        Some(cgroup)
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::write(self.0[0].join("cgroup.kill"), "1");
        for dir in &self.0 {
            // The killed process leaves its cgroup a moment later; a parent
            // another test cgroup still uses stays until that one goes.
            for _ in 0..50 {
                match std::fs::remove_dir(dir) {
                    Err(e) if e.raw_os_error() == Some(16) => {
                        std::thread::sleep(std::time::Duration::from_millis(20))
                    }
                    _ => break,
                }
            }
        }
    }
}

/// The inode of a named namespace.
fn inode(netns: &Netns) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/run/netns/{}", netns.name())).unwrap().ino()
}

fn run(args: &[&str], as_nobody: bool) -> std::process::Output {
    let mut command = match as_nobody {
        true => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(support::bin_for_nobody());
            c
        }
        false => Command::new(BIN),
    };
    command.args(args).output().unwrap()
}

#[test]
fn connections_of_every_namespace_appear_with_their_labels() {
    let test = "connections_of_every_namespace_appear_with_their_labels";
    let Some(first) = namespace(test) else { return };
    let second = Netns::new("inspect").expect("a second namespace");
    let (docker, pod) = (Peers::start(&first, Some(1)), Peers::start(&second, Some(1)));
    let top = format!("ka-test-{}.slice", std::process::id());
    let docker_cgroup = Cgroup::with(&top, &format!("docker-{DOCKER_ID}.scope"), docker.pid);
    let pod_path = format!(
        "kubepods-besteffort-pod{}.slice/cri-containerd-{POD_CONTAINER_ID}.scope",
        POD_UID.replace('-', "_")
    );
    let pod_cgroup = Cgroup::with(&top, &pod_path, pod.pid);
    let labelled = docker_cgroup.is_some() && pod_cgroup.is_some();
    if !labelled {
        eprintln!("SKIPPED {test} (container labels only): no writable cgroup2 hierarchy");
    }

    let out = run(&["inspect", "--all-namespaces", "--json"], false);
    let (events, summary) = events(&out);
    // Others' namespaces we could not see (a sandbox's pid 1) may make it 7; never ours.
    let code = out.status.code().unwrap();
    assert!(code == 0 || code == 7, "{out:?}");
    assert_eq!(summary["exit_code"], code);
    for skipped in events.iter().filter(|e| e["event"] == "skipped_namespace") {
        for ours in [&first, &second] {
            assert_ne!(skipped["netns_name"], ours.name(), "{skipped}");
        }
    }
    let expected = [
        (
            &first,
            &docker,
            json!({"runtime": "docker", "id": DOCKER_ID, "pod_uid": null, "unit": null}),
        ),
        (
            &second,
            &pod,
            json!({"runtime": "containerd", "id": POD_CONTAINER_ID, "pod_uid": POD_UID, "unit": null}),
        ),
    ];
    for (netns, peers, container) in &expected {
        let theirs: Vec<&Value> = events.iter().filter(|e| e["pid"] == peers.pid).collect();
        assert_eq!(theirs.len(), 2, "both ends of the connection in {}: {events:#?}", netns.name());
        for event in theirs {
            assert_eq!(event["netns_inode"], inode(netns), "{event}");
            assert_eq!(event["netns_name"], netns.name(), "{event}");
            assert_eq!(event["exact"], true, "{event}");
            if labelled {
                assert_eq!(&event["container"], container, "{event}");
            }
        }
    }

    // Text and Prometheus carry the same labels.
    let text = String::from_utf8(run(&["inspect", "--all-namespaces"], false).stdout).unwrap();
    let line = format!("python3[{}] {{netns {} ({})", docker.pid, inode(&first), first.name());
    assert!(text.contains(&line), "{line} in:\n{text}");
    if labelled {
        assert!(text.contains(&format!("{}), docker 4d6f636b6572}}", first.name())), "{text}");
        assert!(text.contains(&format!("containerd 6b3873000000, pod {POD_UID}}}")), "{text}");
    }
    let metrics = run(&["inspect", "--all-namespaces", "--prometheus"], false);
    let metrics = String::from_utf8(metrics.stdout).unwrap();
    let series = format!("netns=\"{}\",netns_name=\"{}\"", inode(&second), second.name());
    assert!(metrics.contains(&series), "{series} in:\n{metrics}");
    if labelled {
        assert!(metrics.contains(&format!("pod_uid=\"{POD_UID}\"")), "{metrics}");
    }

    // `apply --all-namespaces` matches the same way and labels the same.
    let pid = docker.pid.to_string();
    let keepalive = ["--idle", "5s", "--interval", "1s", "--retries", "2"];
    let out = run(
        &[&["apply", "--all-namespaces", "--pid", &pid, "--dry-run", "--json"][..], &keepalive]
            .concat(),
        false,
    );
    let events = support::json_lines(&out);
    let applied: Vec<&Value> = events.iter().filter(|e| e["event"] == "applied").collect();
    assert_eq!(applied.len(), 2, "both ends, nothing else: {events:#?}");
    for event in applied {
        assert_eq!(event["pid"], docker.pid, "{event}");
        assert_eq!(event["netns_name"], first.name(), "{event}");
        if labelled {
            assert_eq!(&event["container"], &expected[0].2, "{event}");
        }
    }

    // Without the flag: only this namespace, where neither process's connection is.
    for peers in [&docker, &pod] {
        let out = run(&["inspect", "--json", "--pid", &peers.pid.to_string()], false);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let (events, summary) = support::events(&out);
        assert_eq!(summary["connections"], 0, "{events:#?}");
    }

    // As nobody: our namespaces cannot be entered; they are named as skipped.
    let out = run(&["inspect", "--all-namespaces", "--json"], true);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let (events, _) = support::events(&out);
    for netns in [&first, &second] {
        let skipped = events
            .iter()
            .find(|e| e["event"] == "skipped_namespace" && e["netns_name"] == netns.name())
            .unwrap_or_else(|| panic!("{} not skipped: {events:#?}", netns.name()));
        assert_eq!(skipped["netns_inode"], inode(netns), "{skipped}");
        assert!(skipped["problem"].as_str().unwrap().contains("CAP_SYS_ADMIN"), "{skipped}");
    }
    assert!(events.iter().all(|e| e["pid"] != docker.pid && e["pid"] != pod.pid), "{events:#?}");
    drop((pod_cgroup, docker_cgroup));
}
