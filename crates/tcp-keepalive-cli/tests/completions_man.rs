//! Shell completions and the man page, through the built binary: both exist and
//! mention every subcommand that `--help` lists, and the completions complete
//! when a real shell runs them (bash; zsh and fish where installed). No
//! privileges needed.

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
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
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

#[cfg(unix)]
/// What a shell offers for `line` (the cursor at its end), running the
/// completion script the way the shell does at a TAB; `None` when `shell` is
/// not installed.
fn complete(shell: &str, line: &str) -> Option<Vec<String>> {
    let dir = std::env::temp_dir().join(format!("tcp-keepalive-complete-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // zsh finds it in its fpath under this name; bash and fish source it.
    let script = dir.join("_tcp-keepalive");
    std::fs::write(&script, run(&["completions", shell])).unwrap();
    let script = script.to_str().unwrap();
    let support = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_tcp-keepalive")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let program = match shell {
        // As bash does at a TAB: COMP_WORDS and COMP_CWORD, then the function
        // `complete -p` names, with the command, the word and the one before it.
        "bash" => format!(
            r#"source '{script}'
            read -ra COMP_WORDS <<< "$LINE"; [[ "$LINE" == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMP_LINE=$LINE; COMP_POINT=${{#LINE}}
            function=$(complete -p tcp-keepalive | sed -E 's/.*-F ([^ ]+).*/\1/')
            "$function" tcp-keepalive "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
            printf '%s\n' "${{COMPREPLY[@]}}""#
        ),
        "fish" => format!(r#"source '{script}'; complete -C "$LINE" | cut -f1"#),
        "zsh" => format!("timeout 20 zsh -f {support}/zsh_complete.zsh"),
        _ => unreachable!(),
    };
    if Command::new(shell).arg("--version").output().is_err() {
        return None;
    }
    let out = match Command::new(if shell == "zsh" { "sh" } else { shell })
        .args(["-c", &program])
        .env("LINE", line)
        .env("PATH", path)
        .env("DIR", &dir)
        .env("INIT", format!("{support}/zsh_complete_init.zsh"))
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("running {shell}: {e}"),
    };
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect())
}

#[test]
#[cfg(unix)]
fn a_real_shell_completes_subcommands_options_and_their_values() {
    use std::io::Write;
    let cases: [(&str, &[&str]); 6] = [
        ("tcp-keepalive wat", &["watch"]),
        ("tcp-keepalive inspect --st", &["--state"]),
        ("tcp-keepalive inspect --state ", &["established", "all"]),
        ("tcp-keepalive completions ", &["bash", "zsh", "fish"]),
        ("tcp-keepalive idle-timeout 127.0.0.1:80 --conn", &["--connections", "--connect-timeout"]),
        ("tcp-keepalive watch 127.0.0.1:80 --user", &["--user-timeout"]),
    ];
    for shell in ["bash", "zsh", "fish"] {
        for (line, expected) in cases {
            let Some(offered) = complete(shell, line) else {
                let why = format!(
                    "{shell} is not installed (apt-get install {shell}; scripts/setup does)"
                );
                // On the real stderr: the harness captures a passing test's output.
                let test = "a_real_shell_completes_subcommands_options_and_their_values";
                let _ = writeln!(std::io::stderr(), "SKIPPED {test} in {shell}: {why}");
                break;
            };
            for word in expected {
                assert!(
                    offered.iter().any(|o| o == word),
                    "{shell}: {line:?} offers {offered:?}, not {word}"
                );
            }
        }
    }
}

/// The lines of `text` that list an exit code: `  130  interrupted ...`.
fn exit_code_lines(text: &str) -> Vec<&str> {
    let start = text.find("Exit codes").unwrap_or_else(|| panic!("no exit codes in {text}"));
    text[start..]
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter(|line| {
            line.trim_start().split("  ").next().is_some_and(|c| c.parse::<u8>().is_ok())
        })
        .collect()
}

#[test]
fn each_subcommands_help_shows_the_exit_codes_that_apply_and_points_to_the_table() {
    let all = exit_code_lines(&run(&["--help"])).len();
    assert!(all >= 10, "the main --help has the whole table");
    for sub in subcommands() {
        let help = run(&[&sub, "-h"]);
        let codes = exit_code_lines(&help);
        assert!(codes.len() < all, "{sub} -h repeats every exit code:\n{help}");
        assert!(help.contains("tcp-keepalive --help"), "{sub} -h does not point to the table");
        for common in ["0  ", "2  ", "130  "] {
            let found = codes.iter().any(|c| c.trim_start().starts_with(common));
            assert!(found, "{sub}: no {common:?}: {codes:?}");
        }
    }
    let watch = exit_code_lines(&run(&["watch", "-h"])).join("\n");
    assert!(watch.contains("  3  ") && watch.contains("  4  "), "{watch}");
    assert!(!watch.contains("  6  ") && !watch.contains("  7  "), "{watch}");
}

#[test]
fn the_man_page_lists_the_exit_status_as_a_roff_list() {
    let page = run(&["man"]);
    assert!(!page.contains(".SH EXTRA"), "{page}");
    let start = page.find(".SH \"EXIT STATUS\"").unwrap_or_else(|| panic!("{page}"));
    let section = &page[start..];
    let section = &section[..section[1..].find("\n.SH").map_or(section.len(), |end| end + 1)];
    for code in ["0", "1", "2", "3", "8", "130"] {
        assert!(
            section.contains(&format!(".TP\n{code}\n")),
            "code {code} is no list item:\n{section}"
        );
    }
    // A text line starting with a space breaks the line there (roff's rule).
    let broken: Vec<&str> = section.lines().filter(|l| l.starts_with(' ')).collect();
    assert!(broken.is_empty(), "{broken:?}");
    // A subcommand's page: its codes only.
    let watch = run(&["man", "watch"]);
    assert!(watch.contains(".SH \"EXIT STATUS\"") && watch.contains(".TP\n3\n"), "{watch}");
    assert!(!watch.contains(".TP\n7\n") && !watch.contains(".SH EXTRA"), "{watch}");
}
