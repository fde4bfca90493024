//! `tcp-keepalive man [COMMAND]`: the man page (roff), generated from the same
//! clap definitions as `--help` (clap_mangen). The main page lists the
//! subcommands as `tcp-keepalive-<command>(1)`; `man COMMAND` prints that page.

use std::io;

use clap::Args;
use roff::{roman, Roff};
use schemars::JsonSchema;
use serde::Serialize;

use crate::output::{Event, Exit, Failure, Outcome, Output};

/// The events of `man`: one.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ManEvent {
    /// The page, in roff.
    Man { roff: String },
}

impl Event for ManEvent {
    fn text(&self) -> String {
        let ManEvent::Man { roff } = self;
        roff.trim_end_matches('\n').to_owned()
    }
}

/// `man` arguments.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Print this subcommand's page (tcp-keepalive-COMMAND(1)) instead of the main one.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// The roff source of `cli`'s page for `command` (None: the main page).
pub fn page(mut cli: clap::Command, command: Option<&str>) -> Result<String, Failure> {
    // Named before building, which adds `help`.
    let known: Vec<String> = cli.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    // Building propagates the global options and names subcommands "tcp-keepalive-<command>".
    cli.build();
    let cmd = match command {
        None => cli,
        Some(name) => cli.find_subcommand(name).cloned().ok_or_else(|| {
            Failure::new(
                Exit::BadInput,
                format!("no subcommand {name:?}; the subcommands are {}", known.join(", ")),
            )
        })?,
    };
    render(cmd).map_err(|e| Failure::io("cannot render the man page", e))
}

/// clap_mangen's sections, but the end of `--help` as sections of its own
/// (EXIT STATUS, JSON EVENTS, ...) instead of one EXTRA section that roff
/// would fill as running text.
fn render(cmd: clap::Command) -> io::Result<String> {
    let man = clap_mangen::Man::new(cmd.clone())
        // Subcommands have no version of their own: name the program's on every page.
        .source(concat!("tcp-keepalive ", env!("CARGO_PKG_VERSION")));
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if cmd.get_arguments().any(|arg| !arg.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut page)?;
    }
    let end = cmd.get_after_long_help().or(cmd.get_after_help()).map(|s| s.to_string());
    page.extend(help_sections(&end.unwrap_or_default()).render().into_bytes());
    if cmd.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    Ok(String::from_utf8_lossy(&page).into_owned())
}

/// The end of `--help` in roff. Paragraphs are separated by blank lines; one
/// whose first line ends in `:` and whose other lines are indented is a list
/// (`Exit codes:` then `  130  interrupted ...`): a section named by its first
/// words, with one tagged item per line. Other paragraphs go under NOTES.
fn help_sections(text: &str) -> Roff {
    let mut roff = Roff::new();
    let mut in_notes = false;
    for paragraph in text.split("\n\n").map(str::trim_end).filter(|p| !p.is_empty()) {
        let mut lines = paragraph.lines();
        let heading = lines.next().unwrap_or_default();
        let items: Vec<&str> = lines.collect();
        let is_list = heading.ends_with(':')
            && !items.is_empty()
            && items.iter().all(|line| line.starts_with(' '));
        if !is_list {
            if !std::mem::replace(&mut in_notes, true) {
                roff.control("SH", ["NOTES"]);
            }
            roff.control("PP", [])
                .text([roman(paragraph.split_whitespace().collect::<Vec<_>>().join(" "))]);
            continue;
        }
        let title = heading
            .split([' ', ':'])
            .filter(|w| !w.is_empty())
            .take_while(|w| !w.starts_with('('))
            .collect::<Vec<_>>();
        let title = match title.join(" ").as_str() {
            "Exit codes" => "EXIT STATUS".to_string(),
            other => other.to_uppercase(),
        };
        roff.control("SH", [title.as_str()]);
        in_notes = false;
        // What the heading says beyond its name ("every code: ...").
        if let Some((_, more)) = heading.trim_end_matches(':').split_once(" (") {
            roff.text([roman(format!("({more}"))]);
        }
        for item in items {
            let (tag, text) =
                item.trim().split_once(char::is_whitespace).unwrap_or((item.trim(), ""));
            roff.control("TP", []).text([roman(tag)]).text([roman(text.trim_start())]);
        }
    }
    roff
}

/// Prints `cli`'s page (with `--json`, as one `man` event).
pub fn run(args: &ManArgs, cli: clap::Command, out: &Output) -> Outcome {
    let roff = page(cli, args.command.as_deref())?;
    out.emit(&ManEvent::Man { roff })?;
    Ok(Exit::Success)
}
