//! Every OS's table, compiled on any host for the unit tests, which run the
//! shared logic (rounding, limits, listeners, the detection bound) against
//! each. Their numbers are checked against libc only where they are the host's
//! (`os` in mod.rs), so the check is a no-op here. The list is mod.rs's
//! `with_os_tables!`.
#![allow(dead_code)]

macro_rules! same_as_libc {
    ($($name:ident),+ $(,)?) => {};
}

/// One module per row of the list, and `ALL`, in the list's order.
macro_rules! every_table {
    (
        other $other:literal => $($okind:ident [$($otarget:literal),*])*;
        none $none:literal => $($nkind:ident [$($ntarget:literal),*])*;
        $($name:ident $file:literal: $cfg:meta => $($kind:ident [$($target:literal),*])*;)*
    ) => {
        $(
            #[path = $file]
            pub(crate) mod $name;
        )*

        /// Every table with a file of its own.
        pub(crate) const ALL: [&Platform; [$(stringify!($name)),*].len()] = [$(&$name::PLATFORM),*];

        /// Every table's `liveness()` facts, by OS.
        pub(crate) const LIVENESS: [(&str, &LivenessCheck); [$(stringify!($name)),*].len()] =
            [$(($name::PLATFORM.os, &$name::LIVENESS)),*];

        /// The targets each row names for the scripts, by kind, `other` and
        /// `none` included: (row, kind, target).
        pub(crate) const TARGETS: &[(&str, &str, &str)] = &[
            $($($((stringify!($name), stringify!($kind), $target),)*)*)*
            $($(("other", stringify!($okind), $otarget),)*)*
            $($(("none", stringify!($nkind), $ntarget),)*)*
        ];
    };
}

use crate::sys::liveness::LivenessCheck;
use crate::sys::table::Platform;

with_os_tables!(every_table);

#[cfg(test)]
mod tests {
    use super::{ALL, TARGETS};
    use crate::sys::platform::TABLE_CFGS;

    fn without_spaces(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// The cfg items of `any(a, b(c, d), e)`, split at the top level.
    fn items(list: &str) -> Vec<String> {
        let (mut items, mut depth, mut item) = (Vec::new(), 0, String::new());
        for c in list.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            item.push(c);
        }
        items.push(item);
        items.into_iter().map(|i| without_spaces(&i)).filter(|i| !i.is_empty()).collect()
    }

    /// Cargo.toml cannot read the list, so the libc dependency of the Unix
    /// systems without a table spells every row's cfg out: it must be exactly
    /// the list, or a new table would pull libc in, or lose its numbers.
    #[test]
    fn cargo_toml_lists_every_table() {
        let manifest = include_str!("../../../Cargo.toml");
        let prefix = "[target.'cfg(all(unix, not(any(";
        let line = manifest.lines().find(|l| l.starts_with(prefix)).expect("libc's target line");
        let list = line[prefix.len()..].trim_end_matches("))))'.dependencies]");
        let mut in_manifest = items(list);
        let mut in_list: Vec<String> = TABLE_CFGS.iter().map(|c| without_spaces(c)).collect();
        in_manifest.sort();
        in_list.sort();
        assert_eq!(in_manifest, in_list, "Cargo.toml's libc cfg and with_os_tables! differ");
    }

    /// Every row is compiled and linted for at least one target by
    /// scripts/check-targets, which reads these lists.
    #[test]
    fn every_row_names_a_target_that_checks_it() {
        let rows = ALL.len() + 2;
        let mut checked: Vec<&str> = TARGETS
            .iter()
            .filter(|(_, kind, _)| kind.starts_with("check"))
            .map(|(row, _, _)| *row)
            .collect();
        checked.dedup();
        assert_eq!(checked.len(), rows, "{checked:?}");
        for (row, kind, target) in TARGETS {
            assert!(
                ["check", "check_build_std", "run", "run_build_std"].contains(kind),
                "{row}: unknown kind {kind}"
            );
            assert!(target.split('-').count() >= 2, "{row}: {target}");
        }
    }
}
