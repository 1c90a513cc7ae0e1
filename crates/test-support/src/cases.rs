//! Data-driven suites in the style of wac-graph's `tests/graphs` and Spin's
//! UI tests: every entry of a folder is a case, run as a test of its own
//! (named after the entry, so a failure names its case), whose output is
//! compared with expected text beside it. `BLESS=1 cargo test` rewrites
//! the expectations instead.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

/// Runs `check` on each entry of `root` whose name ends with `suffix` (use
/// `""` for every entry), as one test each named after the entry without
/// the suffix, and exits with the test runner's status. Fails at once if
/// there are fewer than `at_least` cases, so a moved folder is not a pass.
pub fn run(
    root: &Path,
    suffix: &str,
    at_least: usize,
    check: fn(&Path) -> anyhow::Result<()>,
) -> ! {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|err| panic!("{}: {err}", root.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    cases.sort();
    assert!(
        cases.len() >= at_least,
        "{}: found only {} cases",
        root.display(),
        cases.len()
    );
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap().to_string_lossy();
            let name = name.strip_suffix(suffix).unwrap_or(&name).to_owned();
            Trial::test(name, move || {
                check(&case).map_err(|err| Failed::from(format!("{}: {err:#}", case.display())))
            })
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit()
}

/// Compares `actual` with the text of `expected`; with `BLESS` set, writes
/// `actual` there instead and removes the `stale` files beside it (the
/// other expectation a case may have had).
pub fn expect(expected: &Path, actual: &str, stale: &[&Path]) -> anyhow::Result<()> {
    if std::env::var_os("BLESS").is_some() {
        for stale in stale {
            let _ = std::fs::remove_file(stale);
        }
        std::fs::write(expected, actual)?;
        return Ok(());
    }
    let wanted = std::fs::read_to_string(expected).map_err(|_| {
        anyhow::anyhow!(
            "expected {}, which does not exist (BLESS=1 writes it); got:\n{actual}",
            expected.display()
        )
    })?;
    anyhow::ensure!(
        wanted == actual,
        "{}:\n--- expected\n{wanted}--- actual\n{actual}",
        expected.display()
    );
    Ok(())
}
