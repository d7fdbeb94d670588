//! Names, at the end of `cargo test`, every test that skipped because a host tool was missing
//! (only with RNNWF_SKIP_MISSING_TOOLS=1; without it such a test fails). Cargo runs the
//! integration tests in the order of their names, hence this file's: it runs after every
//! suite that can skip. It reads the record that `foreign::missing` keeps, keeps only the
//! lines of this run (same parent process, cargo), and prints them past libtest's capture.

mod foreign;
use std::io::Write;

#[test]
fn report_skipped_suites() {
    let record = foreign::skip_record();
    let Ok(text) = std::fs::read_to_string(&record) else {
        return; // nothing was ever skipped
    };
    let run = std::os::unix::process::parent_id().to_string();
    let skipped: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(pid, _)| *pid == run)
        .map(|(_, line)| line)
        .collect();
    // Older runs' lines are stale: start the next run with an empty record.
    std::fs::remove_file(&record).expect("remove the skip record");
    if skipped.is_empty() {
        return;
    }
    let mut report = format!(
        "\n{} test(s) SKIPPED for missing host tools ({}=1); install them with \
         `bash .ci/install-host-tools.sh`:\n",
        skipped.len(),
        foreign::SKIP_VARIABLE
    );
    for line in skipped {
        report.push_str(&format!("  {line}\n"));
    }
    // Not eprintln!: libtest would capture it, and this test passes.
    let _ = std::io::stderr().write_all(report.as_bytes());
}
