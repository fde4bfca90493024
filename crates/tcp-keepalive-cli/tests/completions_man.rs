//! Shell completions and the man page, through the built binary: both exist and
//! mention every subcommand that `--help` lists. No privileges needed.

use std::process::Command;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tcp-keepalive"))
        .args(args)
        .output()
        .expect("running tcp-keepalive");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The subcommands as `--help` lists them (clap's own `help` aside).
fn subcommands() -> Vec<String> {
    let help = run(&["--help"]);
    let names: Vec<String> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|&name| name != "help")
        .map(str::to_owned)
        .collect();
    // Guards the parsing above: these must be found, or the test checks nothing.
    for known in ["demo", "watch", "idle-timeout", "defaults", "completions", "man"] {
        assert!(names.iter().any(|name| name == known), "{known} not in --help:\n{help}");
    }
    names
}

#[test]
fn completions_for_each_shell_mention_every_subcommand() {
    let subcommands = subcommands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = run(&["completions", shell]);
        assert!(script.len() > 500, "{shell}: a script this short is not one:\n{script}");
        for sub in &subcommands {
            assert!(script.contains(sub.as_str()), "{shell} completions lack {sub}");
        }
        // Options of subcommands too, not just their names.
        assert!(script.contains("user-timeout"), "{shell} completions lack watch's options");
    }
}

#[test]
fn an_unknown_shell_is_bad_input() {
    let out = Command::new(env!("CARGO_BIN_EXE_tcp-keepalive"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tcsh"));
}

#[test]
fn the_man_page_is_roff_and_names_every_subcommand() {
    let page = run(&["man"]);
    assert!(page.starts_with(".ie") || page.contains("\n.TH tcp-keepalive 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for sub in subcommands() {
        assert!(
            page.contains(&format!("tcp\\-keepalive\\-{}(1)", sub.replace('-', "\\-"))),
            "man page lacks {sub}:\n{page}"
        );
        // Each subcommand has its own page with its options.
        let sub_page = run(&["man", &sub]);
        assert!(sub_page.contains(".TH tcp-keepalive-"), "man {sub}:\n{sub_page}");
    }
    // The exit-code table from --help is in the page.
    assert!(page.contains("Exit codes"), "{page}");
    assert!(run(&["man", "watch"]).contains("user\\-timeout"));
}

#[test]
fn json_gives_one_event_with_the_text() {
    let line = run(&["completions", "fish", "--json"]);
    let event: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(event["event"], "completions");
    assert_eq!(event["shell"], "fish");
    assert!(event["script"].as_str().unwrap().contains("idle-timeout"));
    let line = run(&["man", "--json"]);
    let event: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(event["event"], "man");
    assert!(event["roff"].as_str().unwrap().contains(".SH"));
}
