//! README.md's Rust examples are files in `examples/`, which cargo builds with the
//! tests: the README cannot show code that does not compile. The first example
//! also shows how to read the values back (the getters).

/// The first ```rust block after `heading` in README.md (from the top when
/// empty); `None` after saying SKIPPED when there is no README (a packaged crate
/// has no workspace around it).
fn readme_block(test: &str, heading: &str) -> Option<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let Ok(readme) = std::fs::read_to_string(path) else {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: no {path}");
        return None;
    };
    let section = match heading {
        "" => readme.as_str(),
        _ => readme.split_once(heading).expect("README.md has the section").1,
    };
    let block = section
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section has a ```rust block");
    Some(block.to_string())
}

/// An example's code, after its //! header.
fn code(example: &str) -> String {
    example
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_readme_example_is_the_compiled_quickstart_and_shows_the_getters() {
    let test = "the_readme_example_is_the_compiled_quickstart_and_shows_the_getters";
    let Some(block) = readme_block(test, "") else { return };
    let example = code(include_str!("../examples/quickstart.rs"));
    assert_eq!(block, example, "README.md's first example differs from examples/quickstart.rs");
    for getter in [".idle()", ".interval()", ".retries()", ".user_timeout()"] {
        assert!(block.contains(getter), "README.md's example does not show {getter}");
    }
}

#[test]
fn the_liveness_example_is_the_compiled_one() {
    let test = "the_liveness_example_is_the_compiled_one";
    let heading = "## Noticing a dead peer without reading";
    let Some(block) = readme_block(test, heading) else { return };
    let example = code(include_str!("../examples/liveness.rs"));
    assert_eq!(block, example, "README.md's liveness example differs from examples/liveness.rs");
}
