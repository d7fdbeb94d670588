//! Saving and loading a model: a safetensors file with an integrity checksum.
//!
//! # Format (`format_version` 1)
//!
//! A checkpoint is a plain [safetensors](https://github.com/huggingface/safetensors) file, so
//! any safetensors reader (Python `safetensors`, PyTorch, ...) can open it:
//!
//! * one `F64` (little-endian) tensor per parameter block of [`Model::param_blocks`], with the
//!   block's name and shape (`layer0.input_weight` `[local_dim, G*hidden]`, `layer0.bias`
//!   `[G*hidden]`, ..., `amplitude.weight`, `amplitude.bias`, and `phase.weight`, `phase.bias`
//!   for the phase head; a 2D RNN (`ly > 1`) has `layer{l}.horizontal_weight` and
//!   `layer{l}.vertical_weight` instead of `layer{l}.hidden_weight`; see `model/layout.rs`).
//!   Nothing else: no missing and no extra tensor.
//! * string metadata (`__metadata__`), every value in its canonical spelling (decimal integers
//!   without sign or leading zeros, lower-case names):
//!
//!   | key              | value                                                |
//!   |------------------|------------------------------------------------------|
//!   | `format`         | `rnnwf-model`                                        |
//!   | `format_version` | `1`                                                  |
//!   | `cell`           | `vanilla`, `gru` or `vanilla_elu`                    |
//!   | `lx`, `ly`       | sites along x and y                                  |
//!   | `local_dim`      | values per site                                      |
//!   | `hidden`         | hidden units per layer                               |
//!   | `layers`         | stacked recurrent layers                             |
//!   | `phase`          | `none` or `softsign`                                 |
//!   | `sign_rule`      | `none` or `marshall`                                 |
//!   | `u1_total`       | `-1` (no constraint) or the conserved total          |
//!   | `seed`           | the initialisation seed (a `u64`)                    |
//!   | `crc32`          | the checksum below, 8 lower-case hex digits          |
//!
//! The header lists the metadata in key order and the tensors in block order, and the data
//! region holds the tensors back to back in block order: it is the model's flat parameter
//! vector as little-endian `f64`. The same model always gives the same bytes.
//!
//! The checksum is CRC-32 (IEEE, as zlib's `crc32`) over this byte string: for every metadata
//! entry except `crc32`, in byte order of the keys, `key=value\n`; then for every tensor in
//! block order (the order of [`Model::param_blocks`]), `name[d0,d1]\n` (the shape's dimensions
//! in decimal, comma-separated, no spaces) followed by the tensor's raw bytes. In Python:
//!
//! ```text
//! meta = {k: v for k, v in f.metadata().items() if k != "crc32"}
//! s = b"".join(f"{k}={meta[k]}\n".encode() for k in sorted(meta))
//! for name in block_order:  # as in model/layout.rs
//!     t = f.get_tensor(name)  # float64
//!     s += f"{name}[{','.join(map(str, t.shape))}]\n".encode() + t.tobytes()
//! assert f"{zlib.crc32(s):08x}" == f.metadata()["crc32"]
//! ```
//!
//! # Loading
//!
//! [`Model::from_checkpoint_bytes`] refuses, with [`ErrorKind::Format`] and a message naming the
//! problem: anything that is not safetensors, an unknown `format` or `format_version`, a
//! missing or misspelt metadata value, an invalid config (e.g. `hidden` = 0), a missing or
//! extra tensor, a wrong dtype or shape, a checksum mismatch, a non-finite value. CRC-32 finds
//! every single-bit error, so a flipped bit anywhere in the file is refused.
//!
//! A config that is intact (the checksum matches) but that this version cannot build would be
//! refused with [`ErrorKind::Unsupported`], the kind [`Model::new`] gives for it (no config is
//! unsupported at present; `ly > 1` was until the 2D RNN landed); a damaged file is always
//! `Format`, never `Unsupported`.
//! [`Model::load`] adds [`ErrorKind::Io`] when the file cannot be opened or read.
//!
//! # Saving
//!
//! [`Model::save`] writes to a fresh temporary file in the target's directory, flushes and
//! syncs it, then renames it over the target: a crash leaves either the old file or the new
//! one, never half of one.

use crate::error::{Error, ErrorKind, Result};
use crate::model::{CellKind, Model, ModelConfig, ParamBlock, ParamLayout, PhaseKind, SignRule};
use safetensors::tensor::{Dtype, Metadata};
use safetensors::SafeTensors;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `format` metadata value of a model checkpoint.
pub const CHECKPOINT_FORMAT: &str = "rnnwf-model";
/// The `format_version` this build writes and reads.
pub const CHECKPOINT_FORMAT_VERSION: u32 = 1;

const CHECKSUM_KEY: &str = "crc32";
const F64_BYTES: usize = std::mem::size_of::<f64>();
/// A tensor as the checksum and the writer see it: name, shape, little-endian bytes.
type TensorBytes<'a> = (&'a str, &'a [usize], &'a [u8]);

/// A safetensors file starts with its header's length as a little-endian u64.
const HEADER_LEN_BYTES: usize = 8;

impl Model {
    /// Writes the model to `path` atomically (temporary file, fsync, rename); errors are
    /// [`ErrorKind::Io`] with the path in the message.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomically(path, &self.to_checkpoint_bytes())
    }

    /// Reads a model written by [`Model::save`]; see the module docs for what is refused.
    pub fn load(path: &Path) -> Result<Model> {
        let bytes = fs::read(path)
            .map_err(|e| Error::io(format!("cannot read checkpoint {}: {e}", path.display())))?;
        Model::from_checkpoint_bytes(&bytes).map_err(|e| {
            Error::new(
                e.kind,
                format!("checkpoint {}: {}", path.display(), e.message),
            )
        })
    }

    /// The checkpoint file's bytes; the same model always gives the same bytes.
    pub fn to_checkpoint_bytes(&self) -> Vec<u8> {
        let blocks = self.param_blocks();
        let data = f64_to_le_bytes(self.params());
        let tensors: Vec<TensorBytes> = blocks
            .iter()
            .map(|b| {
                let bytes = &data[b.range.start * F64_BYTES..b.range.end * F64_BYTES];
                (b.name.as_str(), &b.shape[..], bytes)
            })
            .collect();
        let mut metadata = config_metadata(self.config());
        let checksum = checksum(&metadata, &tensors);
        metadata.insert(CHECKSUM_KEY.into(), checksum);
        write_safetensors(&metadata, &tensors, &data)
    }

    /// Reads a checkpoint from memory; see the module docs for what is refused. Never panics,
    /// whatever the bytes, and allocates no more than a small multiple of their length.
    pub fn from_checkpoint_bytes(bytes: &[u8]) -> Result<Model> {
        let (header_len, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| Error::format(format!("not a safetensors file: {e}")))?;
        // read_metadata has checked that the tensors tile this region exactly.
        let data = &bytes[HEADER_LEN_BYTES + header_len..];
        let metadata: BTreeMap<String, String> = header
            .metadata()
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        check_format(&metadata)?;
        let config = config_from_metadata(&metadata)?;

        // An intact file with a config this build cannot make is Unsupported, so decide that
        // only after the checksum has vouched for the config. `validate` reports Unsupported
        // only once every range is checked, so the layout below is of a sane size.
        let unsupported = match config.validate() {
            Ok(()) => None,
            Err(e) if e.kind == ErrorKind::Unsupported => Some(e),
            Err(e) => return Err(Error::format(format!("checkpoint config invalid: {e}"))),
        };
        let layout = ParamLayout::new(&config);
        let tensors = expected_tensors(&header, data, &layout.blocks)?;
        verify_checksum(&metadata, &tensors)?;
        if let Some(e) = unsupported {
            return Err(e);
        }

        let mut params = Vec::with_capacity(layout.total);
        for (name, _, data) in &tensors {
            let start = params.len();
            params.extend(
                data.chunks_exact(F64_BYTES)
                    .map(|b| f64::from_le_bytes(b.try_into().expect("chunks of 8 bytes"))),
            );
            if let Some(i) = params[start..].iter().position(|p| !p.is_finite()) {
                return Err(Error::format(format!(
                    "tensor {name} holds a non-finite value at flat index {i}: {}",
                    params[start + i]
                )));
            }
        }
        Model::with_params(config, &params)
    }
}

/// The config as metadata, without the checksum.
fn config_metadata(cfg: &ModelConfig) -> BTreeMap<String, String> {
    let entries = [
        ("format", CHECKPOINT_FORMAT.to_string()),
        ("format_version", CHECKPOINT_FORMAT_VERSION.to_string()),
        ("cell", cell_name(cfg.cell).into()),
        ("lx", cfg.lx.to_string()),
        ("ly", cfg.ly.to_string()),
        ("local_dim", cfg.local_dim.to_string()),
        ("hidden", cfg.hidden.to_string()),
        ("layers", cfg.layers.to_string()),
        ("phase", phase_name(cfg.phase).into()),
        ("sign_rule", sign_rule_name(cfg.sign_rule).into()),
        (
            "u1_total",
            cfg.u1_total.map_or("-1".into(), |t| t.to_string()),
        ),
        ("seed", cfg.seed.to_string()),
    ];
    entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn cell_name(cell: CellKind) -> &'static str {
    match cell {
        CellKind::Vanilla => "vanilla",
        CellKind::Gru => "gru",
        CellKind::VanillaElu => "vanilla_elu",
    }
}

fn phase_name(phase: PhaseKind) -> &'static str {
    match phase {
        PhaseKind::None => "none",
        PhaseKind::Softsign => "softsign",
    }
}

fn sign_rule_name(rule: SignRule) -> &'static str {
    match rule {
        SignRule::None => "none",
        SignRule::Marshall => "marshall",
    }
}

fn check_format(metadata: &BTreeMap<String, String>) -> Result<()> {
    let format = metadata
        .get("format")
        .ok_or_else(|| Error::format("not an rnnwf checkpoint: no `format` metadata"))?;
    if format != CHECKPOINT_FORMAT {
        return Err(Error::format(format!(
            "not an rnnwf model checkpoint: format is {format:?}, expected {CHECKPOINT_FORMAT:?}"
        )));
    }
    let version = required(metadata, "format_version")?;
    if version != CHECKPOINT_FORMAT_VERSION.to_string() {
        return Err(Error::format(format!(
            "checkpoint format_version {version:?} is not supported (this build reads {CHECKPOINT_FORMAT_VERSION})"
        )));
    }
    Ok(())
}

fn required<'a>(metadata: &'a BTreeMap<String, String>, key: &str) -> Result<&'a str> {
    metadata
        .get(key)
        .map(String::as_str)
        .ok_or_else(|| Error::format(format!("checkpoint metadata lacks `{key}`")))
}

/// Parses a decimal in its canonical spelling only, so one value has one spelling and the
/// checksum covers exactly what is read.
fn parse_canonical<T: std::str::FromStr + ToString>(
    metadata: &BTreeMap<String, String>,
    key: &str,
) -> Result<T> {
    let text = required(metadata, key)?;
    match text.parse::<T>() {
        Ok(v) if v.to_string() == text => Ok(v),
        _ => Err(Error::format(format!(
            "checkpoint metadata `{key}` = {text:?} is not a valid number"
        ))),
    }
}

fn parse_name<T: Copy>(
    metadata: &BTreeMap<String, String>,
    key: &str,
    choices: &[(&str, T)],
) -> Result<T> {
    let text = required(metadata, key)?;
    choices
        .iter()
        .find(|(name, _)| *name == text)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<_> = choices.iter().map(|(n, _)| *n).collect();
            Error::format(format!(
                "checkpoint metadata `{key}` = {text:?} is not one of {}",
                names.join(", ")
            ))
        })
}

fn config_from_metadata(metadata: &BTreeMap<String, String>) -> Result<ModelConfig> {
    let u1_total = match parse_canonical::<i64>(metadata, "u1_total")? {
        -1 => None,
        t => Some(u32::try_from(t).map_err(|_| {
            Error::format(format!(
                "checkpoint metadata `u1_total` = {t} is neither -1 nor a u32"
            ))
        })?),
    };
    Ok(ModelConfig {
        cell: parse_name(
            metadata,
            "cell",
            &[
                ("vanilla", CellKind::Vanilla),
                ("gru", CellKind::Gru),
                ("vanilla_elu", CellKind::VanillaElu),
            ],
        )?,
        lx: parse_canonical(metadata, "lx")?,
        ly: parse_canonical(metadata, "ly")?,
        local_dim: parse_canonical(metadata, "local_dim")?,
        hidden: parse_canonical(metadata, "hidden")?,
        layers: parse_canonical(metadata, "layers")?,
        phase: parse_name(
            metadata,
            "phase",
            &[("none", PhaseKind::None), ("softsign", PhaseKind::Softsign)],
        )?,
        sign_rule: parse_name(
            metadata,
            "sign_rule",
            &[("none", SignRule::None), ("marshall", SignRule::Marshall)],
        )?,
        u1_total,
        seed: parse_canonical(metadata, "seed")?,
    })
}

/// The file's tensors in block order, after checking that they are exactly the blocks, each
/// F64 with the block's shape.
fn expected_tensors<'a>(
    header: &Metadata,
    data: &'a [u8],
    blocks: &'a [ParamBlock],
) -> Result<Vec<TensorBytes<'a>>> {
    let mut tensors = Vec::with_capacity(blocks.len());
    for block in blocks {
        let info = header
            .info(&block.name)
            .ok_or_else(|| Error::format(format!("missing tensor {}", block.name)))?;
        if info.dtype != Dtype::F64 {
            return Err(Error::format(format!(
                "tensor {} has dtype {:?}, expected F64",
                block.name, info.dtype
            )));
        }
        if info.shape != block.shape {
            return Err(Error::format(format!(
                "tensor {} has shape {:?}, expected {:?}",
                block.name, info.shape, block.shape
            )));
        }
        let (start, end) = info.data_offsets;
        let bytes = data
            .get(start..end)
            .ok_or_else(|| Error::format(format!("tensor {} lies outside the file", block.name)))?;
        tensors.push((block.name.as_str(), block.shape.as_slice(), bytes));
    }
    if header.tensors().len() != blocks.len() {
        let mut extra: Vec<String> = header
            .tensors()
            .into_keys()
            .filter(|name| !blocks.iter().any(|b| &b.name == name))
            .collect();
        extra.sort();
        return Err(Error::format(format!(
            "unexpected tensor {} (the config has no such parameter block)",
            extra.first().map_or("", String::as_str)
        )));
    }
    Ok(tensors)
}

/// CRC-32 of the canonical serialisation described in the module docs, as 8 hex digits.
fn checksum(metadata: &BTreeMap<String, String>, tensors: &[TensorBytes]) -> String {
    let mut crc = crc32fast::Hasher::new();
    for (key, value) in metadata.iter().filter(|(k, _)| *k != CHECKSUM_KEY) {
        crc.update(format!("{key}={value}\n").as_bytes());
    }
    for (name, shape, data) in tensors {
        let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
        crc.update(format!("{name}[{}]\n", dims.join(",")).as_bytes());
        crc.update(data);
    }
    format!("{:08x}", crc.finalize())
}

fn verify_checksum(metadata: &BTreeMap<String, String>, tensors: &[TensorBytes]) -> Result<()> {
    let stored = required(metadata, CHECKSUM_KEY)?;
    let computed = checksum(metadata, tensors);
    // Compared as text: a case flip in a hex digit is damage too. Fuzzing builds accept any
    // checksum so that mutated inputs reach the checks behind it.
    if stored != computed && !cfg!(fuzzing) {
        return Err(Error::format(format!(
            "checkpoint checksum mismatch: stored {stored}, computed {computed}"
        )));
    }
    Ok(())
}

/// A safetensors file whose header lists the metadata in key order and the tensors in block
/// order, so that the bytes are reproducible (the `safetensors` crate's writer orders its
/// header through a hash map). `data` is the tensors' bytes back to back in that order.
fn write_safetensors(
    metadata: &BTreeMap<String, String>,
    tensors: &[TensorBytes],
    data: &[u8],
) -> Vec<u8> {
    let entries: Vec<String> = metadata
        .iter()
        .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
        .collect();
    let mut header = format!("{{\"__metadata__\":{{{}}}", entries.join(","));
    let mut offset = 0;
    for (name, shape, bytes) in tensors {
        let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
        header += &format!(
            ",{}:{{\"dtype\":\"F64\",\"shape\":[{}],\"data_offsets\":[{offset},{}]}}",
            json_string(name),
            dims.join(","),
            offset + bytes.len()
        );
        offset += bytes.len();
    }
    header.push('}');
    // The format pads the header with spaces so that the data starts 8-byte aligned.
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut out = Vec::with_capacity(HEADER_LEN_BYTES + header.len() + data.len());
    out.extend((header.len() as u64).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn f64_to_le_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Writes `bytes` to a new temporary file beside `path`, syncs it and renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io_error = |what: &str, e: std::io::Error| {
        Error::io(format!(
            "cannot save checkpoint {}: {what}: {e}",
            path.display()
        ))
    };
    let (temp_path, mut file) =
        create_temp_beside(path).map_err(|e| io_error("cannot create a temporary file", e))?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("cannot write", e))
        .and_then(|()| {
            drop(file);
            fs::rename(&temp_path, path).map_err(|e| io_error("cannot rename into place", e))
        });
    if written.is_err() {
        let _ = fs::remove_file(&temp_path);
        return written;
    }
    // Make the rename itself durable; a directory that cannot be opened or synced (some
    // file systems) does not undo a save that has already happened.
    if let Ok(dir) = File::open(parent_dir(path)) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new file `.<name>.tmp-<pid>-<n>` beside `path`; `create_new` makes the name unique even
/// between processes and threads saving to the same place.
fn create_temp_beside(path: &Path) -> std::io::Result<(PathBuf, File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkpoint".into());
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = parent_dir(path).join(format!(".{name}.tmp-{}-{n}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}
