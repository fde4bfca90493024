//! Which container, Kubernetes pod or systemd unit a process belongs to, as
//! its cgroup path shows it (`/proc/PID/cgroup`, read with procfs).
//!
//! The paths the runtimes create, with the systemd cgroup driver and with
//! the plain cgroupfs one:
//!
//! | runtime | systemd driver | cgroupfs driver |
//! | --- | --- | --- |
//! | Docker | `/system.slice/docker-ID.scope` | `/docker/ID` |
//! | containerd (Kubernetes) | `.../cri-containerd-ID.scope` | `/kubepods/QOS/podUID/ID` |
//! | CRI-O | `.../crio-ID.scope` | `/kubepods/QOS/podUID/ID` |
//! | Podman | `.../libpod-ID.scope` | `/libpod_parent/libpod-ID` |
//! | nerdctl (containerd) | `.../nerdctl-ID.scope` | `/NAMESPACE/ID` |
//!
//! and Kubernetes puts each pod in `kubepods-QOS-podUID.slice` (the UID's
//! dashes written as underscores) or `podUID`. Anything else ending in
//! `.service` or `.scope` is a systemd unit.

use schemars::JsonSchema;
use serde::Serialize;

/// What a cgroup path tells about its process; at least one field is set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Container {
    /// `docker`, `containerd`, `cri-o` or `podman`; null when the path does
    /// not say (a Kubernetes container under the cgroupfs driver).
    pub runtime: Option<String>,
    /// The container id (64 hex digits).
    pub id: Option<String>,
    /// The Kubernetes pod UID.
    pub pod_uid: Option<String>,
    /// The systemd unit, when no container is found.
    pub unit: Option<String>,
}

/// The labels of `pid`, or `None` when its cgroups say nothing (or are gone).
#[cfg(target_os = "linux")]
pub fn of(pid: u32) -> Option<Container> {
    use procfs::process::Process;
    let cgroups = Process::new(i32::try_from(pid).ok()?).ok()?.cgroups().ok()?;
    // The unified hierarchy (0) and systemd's name the unit; other v1
    // hierarchies may lag behind or sit at the root.
    let mut lines = cgroups.0;
    lines.sort_by_key(|c| (c.hierarchy != 0, !c.controllers.iter().any(|c| c == "name=systemd")));
    let parsed: Vec<Container> = lines.iter().filter_map(|c| from_path(&c.pathname)).collect();
    parsed
        .iter()
        .find(|c| c.id.is_some() || c.pod_uid.is_some())
        .or_else(|| parsed.first())
        .cloned()
}

/// The labels of owners, read once per process.
#[cfg(target_os = "linux")]
#[derive(Default)]
pub struct ByPid(std::collections::HashMap<u32, Option<Container>>);

#[cfg(target_os = "linux")]
impl ByPid {
    /// [`of`] `pid`, read the first time only.
    pub fn of(&mut self, pid: u32) -> Option<Container> {
        self.0.entry(pid).or_insert_with(|| of(pid)).clone()
    }
}

/// The labels a cgroup path shows, or `None`.
pub fn from_path(path: &str) -> Option<Container> {
    let mut found = Container::default();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    for (index, part) in parts.iter().enumerate() {
        if let Some(uid) = pod_uid(part) {
            found.pod_uid = Some(uid);
        } else if let Some((runtime, id)) = scope_id(part) {
            found.runtime = Some(runtime.into());
            found.id = Some(id.into());
        } else if is_id(part) && index > 0 {
            // cgroupfs: the id under its runtime's or pod's directory.
            found.runtime = match parts[index - 1] {
                "docker" => Some("docker".into()),
                parent if parent.starts_with("libpod") => Some("podman".into()),
                _ => None,
            };
            found.id = Some((*part).into());
        }
    }
    if found.id.is_none() && found.pod_uid.is_none() {
        let unit = parts.iter().rev().find(|p| p.ends_with(".service") || p.ends_with(".scope"));
        found.unit = Some((*unit?).into());
    }
    Some(found)
}

/// `docker-ID.scope` and the like: the runtime and the id.
fn scope_id(part: &str) -> Option<(&'static str, &str)> {
    let base = part.strip_suffix(".scope")?;
    [
        ("docker-", "docker"),
        ("cri-containerd-", "containerd"),
        ("nerdctl-", "containerd"),
        ("crio-", "cri-o"),
        ("libpod-", "podman"),
    ]
    .into_iter()
    .find_map(|(prefix, runtime)| Some((runtime, base.strip_prefix(prefix)?)))
    .filter(|(_, id)| is_id(id))
}

/// `kubepods-besteffort-pod1b2c_..slice` or `pod1b2c-...`: the pod UID.
fn pod_uid(part: &str) -> Option<String> {
    let base = part.strip_suffix(".slice").unwrap_or(part);
    let uid = &base[base.rfind("pod")? + 3..];
    let uid = uid.replace('_', "-");
    let hex_and_dashes = uid.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    (uid.len() == 36 && hex_and_dashes && uid.matches('-').count() == 4).then_some(uid)
}

/// A container id: 64 hex digits.
fn is_id(text: &str) -> bool {
    text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit())
}

impl Container {
    /// `docker 0123456789ab`, `pod UID`, `unit nginx.service`, for text lines.
    pub fn label(&self) -> String {
        let mut words = Vec::new();
        if let Some(id) = &self.id {
            let short = &id[..id.len().min(12)];
            words.push(format!("{} {short}", self.runtime.as_deref().unwrap_or("container")));
        }
        if let Some(uid) = &self.pod_uid {
            words.push(format!("pod {uid}"));
        }
        if let Some(unit) = &self.unit {
            words.push(format!("unit {unit}"));
        }
        words.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f1c2b9e8d7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e";
    const UID: &str = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d";

    fn container(runtime: Option<&str>, id: bool, pod: bool, unit: Option<&str>) -> Container {
        Container {
            runtime: runtime.map(Into::into),
            id: id.then(|| ID.into()),
            pod_uid: pod.then(|| UID.into()),
            unit: unit.map(Into::into),
        }
    }

    #[test]
    fn every_runtimes_paths_are_recognised() {
        let uid_ = UID.replace('-', "_");
        let cases = [
            (format!("/system.slice/docker-{ID}.scope"), container(Some("docker"), true, false, None)),
            (format!("/docker/{ID}"), container(Some("docker"), true, false, None)),
            (
                format!("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{uid_}.slice/cri-containerd-{ID}.scope"),
                container(Some("containerd"), true, true, None),
            ),
            (
                format!("/kubepods.slice/kubepods-pod{uid_}.slice/crio-{ID}.scope"),
                container(Some("cri-o"), true, true, None),
            ),
            (format!("/kubepods/burstable/pod{UID}/{ID}"), container(None, true, true, None)),
            (format!("/user.slice/user-1000.slice/user@1000.service/app.slice/libpod-{ID}.scope"), container(Some("podman"), true, false, None)),
            ("/system.slice/nginx.service".into(), container(None, false, false, Some("nginx.service"))),
            ("/user.slice/user-0.slice/session-3.scope".into(), container(None, false, false, Some("session-3.scope"))),
        ];
        for (path, expected) in cases {
            assert_eq!(from_path(&path), Some(expected), "{path}");
        }
        assert_eq!(from_path("/"), None);
        assert_eq!(from_path("/process_api/ed20dc652a7ed7dd22e76d5edb6deb05"), None);
        assert_eq!(from_path("/system.slice/docker-notanid.scope").unwrap().id, None);
    }

    #[test]
    fn labels_read_short() {
        let docker = container(Some("docker"), true, true, None);
        assert_eq!(docker.label(), format!("docker 3f1c2b9e8d7a, pod {UID}"));
        assert_eq!(container(None, false, false, Some("a.service")).label(), "unit a.service");
    }
}
