//! README.md's first example is `examples/quickstart.rs`, which cargo builds with
//! the tests: the README cannot show code that does not compile, and it shows how
//! to read the values back (the getters).

#[test]
fn the_readme_example_is_the_compiled_quickstart_and_shows_the_getters() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let Ok(readme) = std::fs::read_to_string(path) else {
        // A packaged crate has no workspace README around it.
        use std::io::Write;
        let why = format!("SKIPPED the_readme_example_is_the_compiled_quickstart: no {path}");
        let _ = writeln!(std::io::stderr(), "{why}");
        return;
    };
    let block = readme
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has a ```rust block");
    let example = include_str!("../examples/quickstart.rs");
    // The example's code, after its //! header.
    let code: String = example
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(block, code, "README.md's first example differs from examples/quickstart.rs");
    for getter in [".idle()", ".interval()", ".retries()", ".user_timeout()"] {
        assert!(block.contains(getter), "README.md's example does not show {getter}");
    }
}

#[test]
fn the_liveness_example_is_the_compiled_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let Ok(readme) = std::fs::read_to_string(path) else {
        use std::io::Write;
        let why = format!("SKIPPED the_liveness_example_is_the_compiled_one: no {path}");
        let _ = writeln!(std::io::stderr(), "{why}");
        return;
    };
    let section = readme
        .split("## Noticing a dead peer without reading")
        .nth(1)
        .expect("README.md has the section");
    let block = section
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section has a ```rust block");
    let example = include_str!("../examples/liveness.rs");
    let code: String = example
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.is_empty())
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(block, code, "README.md's liveness example differs from examples/liveness.rs");
}
