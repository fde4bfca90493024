//! `tcp-keepalive completions SHELL`: the shell completion script, generated
//! from the same clap definitions as `--help` (clap_complete), so it cannot
//! fall behind the arguments.

use clap::Args;
use clap_complete::Shell;
use schemars::JsonSchema;
use serde::Serialize;

use crate::output::{Event, Exit, Outcome, Output};

/// The events of `completions`: one.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CompletionsEvent {
    /// The completion script for `shell`.
    Completions { shell: String, script: String },
}

impl Event for CompletionsEvent {
    fn text(&self) -> String {
        let CompletionsEvent::Completions { script, .. } = self;
        script.trim_end_matches('\n').to_owned()
    }
}

/// `completions` arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// The program's name, as the shell sees it.
const BIN: &str = "tcp-keepalive";

/// The completion script for `shell`, completing `cli` (the whole command line).
pub fn script(shell: Shell, mut cli: clap::Command) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli, BIN, &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    match shell {
        Shell::Bash => bash_states_as_the_loop_spells_them(&script),
        Shell::Fish => script + &fish_positional_values(&cli),
        _ => script,
    }
}

/// clap_complete's fish script completes options' values but not those of
/// positional arguments (`completions <TAB>`): one line per such argument.
fn fish_positional_values(cli: &clap::Command) -> String {
    let mut lines = String::new();
    for sub in cli.get_subcommands() {
        for arg in sub.get_positionals() {
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_owned())
                .collect();
            if !values.is_empty() {
                lines.push_str(&format!(
                    "complete -c {BIN} -n \"__fish_{}_using_subcommand {}\" -f -a \"{}\"\n",
                    BIN.replace('-', "_"),
                    sub.get_name(),
                    values.join(" ")
                ));
            }
        }
    }
    lines
}

/// clap_complete's bash script tracks the subcommand in a state variable whose
/// values its word loop spells `tcp__keepalive__subcmd__inspect`, while its case
/// arms spell them `tcp__subcmd__keepalive__subcmd__inspect` (a hyphen in the
/// program's name; clap-rs/clap#6421, open): no arm ever matched, so nothing after
/// the subcommand completed. The arms are respelled the loop's way; once clap
/// spells both alike there is nothing to replace.
fn bash_states_as_the_loop_spells_them(script: &str) -> String {
    let arm = BIN.replace('-', "__subcmd__");
    let state = BIN.replace('-', "__");
    script.replace(&format!("{arm}__subcmd__"), &format!("{state}__subcmd__"))
}

/// Prints the script for `cli` (with `--json`, as one `completions` event).
pub fn run(args: &CompletionsArgs, cli: clap::Command, out: &Output) -> Outcome {
    let script = script(args.shell, cli);
    out.emit(&CompletionsEvent::Completions { shell: args.shell.to_string(), script })?;
    Ok(Exit::Success)
}
