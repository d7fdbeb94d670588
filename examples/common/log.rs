//! The training examples' `log.jsonl` (fields in docs/log-jsonl.md): one line per step,
//! flushed as it is written. A run from step 0 starts the file afresh; a resumed run keeps
//! the lines of the steps before the one it resumes at and drops the rest (written after the
//! checkpoint), as Python's `Vmc.run` does, so the file reads as one run.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One step's line.
pub struct Row<'a> {
    pub step: u64,
    pub energy: f64,
    pub error: f64,
    pub variance: f64,
    pub relative_error: Option<f64>,
    pub grad_norm: f64,
    pub seconds: f64,
    /// transfer_2d: the lattice the step trained ("6x6").
    pub lattice: Option<&'a str>,
}

/// A kept line's step, energy and error (for the plot).
#[allow(dead_code)] // transfer_2d draws no plot
pub struct Kept {
    pub step: u64,
    pub energy: f64,
    pub error: f64,
}

/// The line of `row`, without its newline.
pub fn line(row: &Row) -> String {
    let mut s = format!(
        "{{\"step\":{},\"energy\":{:.12},\"error\":{:.6e},\"variance\":{:.6e}",
        row.step, row.energy, row.error, row.variance
    );
    if let Some(r) = row.relative_error {
        s.push_str(&format!(",\"relative_error\":{r:.6e}"));
    }
    s.push_str(&format!(
        ",\"grad_norm\":{:.6e},\"seconds\":{:.6}",
        row.grad_norm, row.seconds
    ));
    if let Some(l) = row.lattice {
        s.push_str(&format!(",\"lattice\":\"{l}\""));
    }
    s.push('}');
    s
}

/// The number after `"key":` in one of our lines.
fn number<T: std::str::FromStr>(line: &str, key: &str) -> Option<T> {
    let rest = &line[line.find(&format!("\"{key}\":"))? + key.len() + 3..];
    rest[..rest.find([',', '}'])?].parse().ok()
}

pub struct Log {
    path: PathBuf,
    file: fs::File,
}

impl Log {
    /// Opens `path` for a run whose first step is `first_step`, and returns the kept lines'
    /// values. A line that is not one of ours is refused, except the last (a crash may have
    /// cut it short).
    pub fn open(path: &Path, first_step: u64) -> Result<(Log, Vec<Kept>), String> {
        let mut kept_lines = String::new();
        let mut kept = Vec::new();
        if first_step > 0 && path.exists() {
            let text = fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            for (k, l) in lines.iter().enumerate() {
                let values = (
                    number::<u64>(l, "step"),
                    number::<f64>(l, "energy"),
                    number::<f64>(l, "error"),
                );
                let (Some(step), Some(energy), Some(error)) = values else {
                    if k + 1 < lines.len() {
                        return Err(format!(
                            "{} line {}: not a log line: {l:?}",
                            path.display(),
                            k + 1
                        ));
                    }
                    continue;
                };
                if step < first_step && l.ends_with('}') {
                    kept_lines.push_str(l);
                    kept_lines.push('\n');
                    kept.push(Kept {
                        step,
                        energy,
                        error,
                    });
                }
            }
        }
        // Rewritten whole (temporary file, rename), then appended to.
        let tmp = path.with_extension("jsonl.tmp");
        fs::write(&tmp, &kept_lines)
            .and_then(|()| fs::rename(&tmp, path))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let file = fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let log = Log {
            path: path.to_path_buf(),
            file,
        };
        Ok((log, kept))
    }

    /// Appends `row`'s line.
    pub fn write(&mut self, row: &Row) -> Result<(), String> {
        writeln!(self.file, "{}", line(row))
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}
