//! The training examples' checkpoint: model and optimiser together with the run's stage and
//! settings, in `<out>/checkpoint/` (`model.safetensors` and `optimizer.safetensors`, the
//! names Python's `rnnwf.load_checkpoint` reads, and `run.txt`). A run resumed from it
//! continues bit for bit: step k's samples come from (seed, k), and the examples' schedules
//! are functions of the step.
//!
//! The three files must agree, and two renames are not one: a save writes them into
//! `checkpoint.new/`, moves the current folder to `checkpoint.old/`, renames the new one into
//! place and removes the old. A crash leaves a whole folder under one of the names; loading
//! takes `checkpoint/`, else `checkpoint.old/`.

use rnnwf::vmc::Vmc;
use rnnwf::Model;
use std::fs;
use std::path::{Path, PathBuf};

const FOLDER: &str = "checkpoint";
const MODEL_FILE: &str = "model.safetensors";
const OPTIMIZER_FILE: &str = "optimizer.safetensors";
const RUN_FILE: &str = "run.txt";

/// The settings that define a run: a resumed run must be given the same ones.
pub type Settings = Vec<(&'static str, String)>;

/// What a checkpoint brings back.
pub struct Saved {
    pub model: Model,
    pub vmc: Vmc,
    /// The stage (transfer_2d's lattice, 0 for train_2d) the model and optimiser are in.
    #[allow(dead_code)] // train_2d has one stage
    pub stage: usize,
}

fn folder(out: &Path, suffix: &str) -> PathBuf {
    out.join(format!("{FOLDER}{suffix}"))
}

/// Makes a folder's entries durable where the file system can; some cannot sync a
/// directory and refuse, which leaves the renames as durable as they can be there (as the
/// library's own saves do).
fn sync_dir(dir: &Path) {
    let _ = fs::File::open(dir).and_then(|d| d.sync_all());
}

fn io(path: &Path, what: &str, e: std::io::Error) -> String {
    format!("cannot {what} {}: {e}", path.display())
}

fn run_text(stage: usize, settings: &Settings) -> String {
    let mut text = format!("stage={stage}\n");
    for (k, v) in settings {
        text.push_str(&format!("{k}={v}\n"));
    }
    text
}

/// Saves model, optimiser, stage and settings into `<out>/checkpoint/`, whole or not at all.
pub fn save(
    out: &Path,
    model: &Model,
    vmc: &Vmc,
    stage: usize,
    settings: &Settings,
) -> Result<(), String> {
    let (new, current, old) = (folder(out, ".new"), folder(out, ""), folder(out, ".old"));
    if new.exists() {
        fs::remove_dir_all(&new).map_err(|e| io(&new, "remove", e))?;
    }
    fs::create_dir_all(&new).map_err(|e| io(&new, "create", e))?;
    model
        .save(&new.join(MODEL_FILE))
        .map_err(|e| e.to_string())?;
    vmc.save(&new.join(OPTIMIZER_FILE))
        .map_err(|e| e.to_string())?;
    let run = new.join(RUN_FILE);
    let write_run = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = fs::File::create(&run)?;
        f.write_all(run_text(stage, settings).as_bytes())?;
        f.sync_all()?;
        sync_dir(&new);
        Ok(())
    };
    write_run().map_err(|e| io(&run, "write", e))?;
    // Without a current folder, the old one is the last whole checkpoint: keep it until the
    // new one is in place.
    if current.exists() {
        if old.exists() {
            fs::remove_dir_all(&old).map_err(|e| io(&old, "remove", e))?;
        }
        fs::rename(&current, &old).map_err(|e| io(&current, "rename", e))?;
    }
    fs::rename(&new, &current).map_err(|e| io(&new, "rename", e))?;
    sync_dir(out);
    if old.exists() {
        fs::remove_dir_all(&old).map_err(|e| io(&old, "remove", e))?;
    }
    Ok(())
}

/// Loads the checkpoint in `out`, refusing one saved with other settings (naming them).
pub fn load(out: &Path, settings: &Settings) -> Result<Saved, String> {
    let dir = [folder(out, ""), folder(out, ".old")]
        .into_iter()
        .find(|d| d.join(RUN_FILE).is_file())
        .ok_or_else(|| {
            format!(
                "--resume: no checkpoint in {} (run without --resume first)",
                folder(out, "").display()
            )
        })?;
    let run = dir.join(RUN_FILE);
    let text = fs::read_to_string(&run).map_err(|e| io(&run, "read", e))?;
    let mut stage = None;
    let mut saved: Vec<(&str, &str)> = Vec::new();
    for line in text.lines() {
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("{}: not a key=value line: {line:?}", run.display()))?;
        if k == "stage" {
            stage = v.parse::<usize>().ok();
        } else {
            saved.push((k, v));
        }
    }
    let stage = stage.ok_or_else(|| format!("{}: no stage", run.display()))?;
    let given: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if saved != given {
        let mut differ: Vec<String> = given
            .iter()
            .filter(|g| !saved.contains(g))
            .map(|(k, v)| {
                let was = saved.iter().find(|(s, _)| s == k).map_or("(none)", |s| s.1);
                format!("{k} {v} (the checkpoint's: {was})")
            })
            .collect();
        // A setting recorded only when it is not the default (such as precision F32),
        // given back at its default.
        differ.extend(
            saved
                .iter()
                .filter(|(k, _)| !given.iter().any(|(g, _)| g == k))
                .map(|(k, v)| format!("{k} at its default (the checkpoint's: {v})")),
        );
        return Err(format!(
            "--resume: the run in {} was started with other settings: {}; resume it with the \
             same ones",
            dir.display(),
            if differ.is_empty() {
                "a setting of an older version".to_string()
            } else {
                differ.join(", ")
            }
        ));
    }
    let model = Model::load(&dir.join(MODEL_FILE)).map_err(|e| e.to_string())?;
    let mut vmc = Vmc::new(Default::default()).map_err(|e| e.to_string())?;
    vmc.load(&dir.join(OPTIMIZER_FILE))
        .map_err(|e| e.to_string())?;
    Ok(Saved { model, vmc, stage })
}
