//! The model checkpoint (`rnnwf-model`): the config as metadata, one tensor per parameter
//! block. The format is described in the module docs of `checkpoint`.

use super::container::{
    f64_to_le_bytes, finite_f64s, read_file, to_bytes, write_atomically, Container, TensorBytes,
    F64_BYTES,
};
use crate::buffer::try_reserve;
use crate::enum_table::EnumTable;
use crate::error::{Error, ErrorKind, Result};
use crate::model::codes::{BOUNDARIES, CELLS, PHASES, PRECISIONS, SIGN_RULES, SYMMETRIES};
use crate::model::{
    Boundary, Model, ModelConfig, ParamBlock, ParamLayout, Precision, Symmetry, SymmetryMap,
};
use std::collections::BTreeMap;
use std::path::Path;

/// The `format` metadata value of a model checkpoint.
pub const CHECKPOINT_FORMAT: &str = "rnnwf-model";
/// The newest `format_version` this build writes; it reads it and every older one. Version 2
/// is version 1 with `symmetry_maps`, and only files with that key are written as 2: a build
/// that reads version 1 only would ignore the key and average over the whole group, a
/// different wave function, where it now refuses the file by its version.
pub const CHECKPOINT_FORMAT_VERSION: u32 = 2;

/// The `format_version` of a model's file: 1 unless it keeps a proper subgroup (the files
/// with `symmetry_maps`, which loading checks).
fn format_version(cfg: &ModelConfig) -> u32 {
    if cfg.symmetry_maps.is_some() {
        CHECKPOINT_FORMAT_VERSION
    } else {
        1
    }
}

impl Model {
    /// Writes the model to `path` atomically (temporary file, fsync, rename); errors are
    /// [`ErrorKind::Io`] with the path in the message.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomically(path, &self.try_to_checkpoint_bytes()?)
    }

    /// Reads a model written by [`Model::save`]; see the module docs for what is refused.
    pub fn load(path: &Path) -> Result<Model> {
        read_file(path, Model::from_checkpoint_bytes)
    }

    /// The checkpoint file's bytes; the same model always gives the same bytes. Panics when
    /// memory cannot hold them; [`Model::try_to_checkpoint_bytes`] returns the error.
    pub fn to_checkpoint_bytes(&self) -> Vec<u8> {
        self.try_to_checkpoint_bytes()
            .unwrap_or_else(|e| panic!("{}", e.message))
    }

    /// The checkpoint file's bytes, allocated fallibly: a model no memory can hold twice is
    /// `OutOfMemory` naming the bytes.
    pub fn try_to_checkpoint_bytes(&self) -> Result<Vec<u8>> {
        let blocks = self.param_blocks();
        let data = f64_to_le_bytes(self.params(), "the checkpoint's copy of the parameters")?;
        let tensors: Vec<TensorBytes> = blocks
            .iter()
            .map(|b| {
                let bytes = &data[b.range.start * F64_BYTES..b.range.end * F64_BYTES];
                (b.name.as_str(), &b.shape[..], bytes)
            })
            .collect();
        to_bytes(config_metadata(self.config()), &tensors)
    }

    /// Reads a checkpoint from memory; see the module docs for what is refused. Never panics,
    /// whatever the bytes, and allocates no more than a small multiple of their length.
    pub fn from_checkpoint_bytes(bytes: &[u8]) -> Result<Model> {
        let file = Container::parse(bytes)?;
        let version = file.check_format(CHECKPOINT_FORMAT, "model", CHECKPOINT_FORMAT_VERSION)?;
        let has_maps = file.has("symmetry_maps");
        if version != if has_maps { 2 } else { 1 } {
            return Err(Error::format(format!(
                "checkpoint format_version {version} with{} `symmetry_maps`: version 2 is for \
                 files with that key, 1 for those without",
                if has_maps { "" } else { "out" }
            )));
        }
        let config = config_from_metadata(&file)?;
        // An intact file with a config this build cannot make is Unsupported, so decide that
        // only after the checksum has vouched for the config. `validate` reports Unsupported
        // only once every range is checked, so the layout below is of a sane size.
        let unsupported = match config.validate() {
            Ok(()) => future_name(&file).map(|what| {
                Error::unsupported(format!(
                    "checkpoint metadata {what} is not known to this version (a model of a \
                     newer version?)"
                ))
            }),
            Err(e) if e.kind == ErrorKind::Unsupported => Some(e),
            Err(e) => return Err(Error::format(format!("checkpoint config invalid: {e}"))),
        };
        let layout = ParamLayout::new(&config);
        let tensors = expected_tensors(&file, &layout.blocks)?;
        file.verify_checksum(&tensors)?;
        if let Some(e) = unsupported {
            return Err(e);
        }

        // The parameters' one allocation, filled from the file: loading holds the file and
        // the parameters, nothing more.
        let mut params = Vec::new();
        try_reserve(&mut params, layout.total, "the model's parameters")?;
        for (name, _, data) in &tensors {
            finite_f64s(name, data, &mut params)?;
        }
        Model::from_param_vec(config, params)
    }
}

/// The config as metadata, without the checksum.
fn config_metadata(cfg: &ModelConfig) -> BTreeMap<String, String> {
    let entries = [
        ("format", CHECKPOINT_FORMAT.to_string()),
        ("format_version", format_version(cfg).to_string()),
        ("cell", CELLS.name(cfg.cell).into()),
        ("lx", cfg.lx.to_string()),
        ("ly", cfg.ly.to_string()),
        ("local_dim", cfg.local_dim.to_string()),
        ("hidden", cfg.hidden.to_string()),
        ("layers", cfg.layers.to_string()),
        ("phase", PHASES.name(cfg.phase).into()),
        ("sign_rule", SIGN_RULES.name(cfg.sign_rule).into()),
        (
            "u1_total",
            cfg.u1_total.map_or("-1".into(), |t| t.to_string()),
        ),
        ("seed", cfg.seed.to_string()),
    ];
    // Written only when not the default, so that files of models without them keep their
    // bytes; a file without them loads as NONE / F64 / OPEN / 0.
    let optional = [
        (cfg.symmetry != Symmetry::None)
            .then(|| ("symmetry", SYMMETRIES.name(cfg.symmetry).into())),
        cfg.symmetry_maps
            .as_ref()
            .map(|maps| ("symmetry_maps", maps_value(maps))),
        (cfg.precision != Precision::F64)
            .then(|| ("precision", PRECISIONS.name(cfg.precision).into())),
        (cfg.boundary != Boundary::Open)
            .then(|| ("boundary", BOUNDARIES.name(cfg.boundary).into())),
        (cfg.dilation != 0).then(|| ("dilation", cfg.dilation.to_string())),
    ];
    entries
        .into_iter()
        .chain(
            optional
                .into_iter()
                .flatten()
                .map(|(k, v): (&str, String)| (k, v)),
        )
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn config_from_metadata(file: &Container) -> Result<ModelConfig> {
    let u1_total = match file.parse_canonical::<i64>("u1_total")? {
        -1 => None,
        t => Some(u32::try_from(t).map_err(|_| {
            Error::format(format!(
                "checkpoint metadata `u1_total` = {t} is neither -1 nor a u32"
            ))
        })?),
    };
    // Absent means the default, which is never written: one spelling per config.
    Ok(ModelConfig {
        cell: file.parse_name("cell", CELLS.names())?,
        lx: file.parse_canonical("lx")?,
        ly: file.parse_canonical("ly")?,
        local_dim: file.parse_canonical("local_dim")?,
        hidden: file.parse_canonical("hidden")?,
        layers: file.parse_canonical("layers")?,
        phase: file.parse_name("phase", PHASES.names())?,
        sign_rule: file.parse_name("sign_rule", SIGN_RULES.names())?,
        u1_total,
        seed: file.parse_canonical("seed")?,
        // A name this version does not know reads as the default here, so that the checksum
        // can vouch for the file before `future_name` refuses it.
        symmetry: match file.has("symmetry") && !is_future(file, "symmetry") {
            true => file.parse_name("symmetry", non_default(&SYMMETRIES, Symmetry::None))?,
            false => Symmetry::None,
        },
        symmetry_maps: match file.has("symmetry_maps") && !is_future(file, "symmetry_maps") {
            true => Some(parse_maps(file.required("symmetry_maps")?)?),
            false => None,
        },
        precision: match file.has("precision") && !is_future(file, "precision") {
            true => file.parse_name("precision", non_default(&PRECISIONS, Precision::F64))?,
            false => Precision::F64,
        },
        boundary: match file.has("boundary") {
            true => file.parse_name("boundary", non_default(&BOUNDARIES, Boundary::Open))?,
            false => Boundary::Open,
        },
        dilation: match file.has("dilation") {
            true => {
                match file.parse_canonical("dilation")? {
                    0 => return Err(Error::format(
                        "checkpoint metadata `dilation` = 0 is the default, which is never written",
                    )),
                    d => d,
                }
            }
            false => 0,
        },
    })
}

/// Whether `key` (symmetry or precision) holds a name this version does not know (a model of
/// a newer version). The names are those of the enum tables; `key` absent is not.
fn is_future(file: &Container, key: &str) -> bool {
    let Ok(text) = file.required(key) else {
        return false;
    };
    match key {
        "symmetry" => !SYMMETRIES.names().any(|(n, _)| n == text),
        "symmetry_maps" => text
            .split(',')
            .any(|name| SymmetryMap::from_name(name).is_none()),
        _ => !PRECISIONS.names().any(|(n, _)| n == text),
    }
}

/// The first symmetry or precision name this version does not know, as `key = "name"`. In a
/// file the checksum vouches for (its parameter blocks those of the model without that
/// setting) it is Unsupported; in any other it is Format.
fn future_name(file: &Container) -> Option<String> {
    ["symmetry", "symmetry_maps", "precision"]
        .into_iter()
        .find(|key| is_future(file, key))
        .map(|key| format!("`{key}` = {:?}", file.required(key).unwrap_or_default()))
}

/// The kept group elements as the `symmetry_maps` value: their names, comma-separated.
fn maps_value(maps: &[SymmetryMap]) -> String {
    maps.iter().map(|m| m.name()).collect::<Vec<_>>().join(",")
}

/// The `symmetry_maps` value, each name known (`is_future` has checked); the order, the
/// identity and the closure are `ModelConfig::validate`'s to check.
fn parse_maps(text: &str) -> Result<Vec<SymmetryMap>> {
    text.split(',')
        .map(|name| {
            SymmetryMap::from_name(name).ok_or_else(|| {
                Error::format(format!(
                    "checkpoint metadata `symmetry_maps` names {name:?}"
                ))
            })
        })
        .collect()
}

/// The names of a table's variants other than `default`: a file never writes the default.
fn non_default<T: Copy + PartialEq>(
    table: &'static EnumTable<T>,
    default: T,
) -> impl Iterator<Item = (&'static str, T)> + Clone {
    table.names().filter(move |&(_, v)| v != default)
}

/// The file's tensors in block order, after checking that they are exactly the blocks, each
/// F64 with the block's shape.
fn expected_tensors<'a>(
    file: &Container<'a>,
    blocks: &'a [ParamBlock],
) -> Result<Vec<TensorBytes<'a>>> {
    let mut tensors = Vec::with_capacity(blocks.len());
    for block in blocks {
        let bytes = file.tensor(&block.name, &block.shape)?;
        tensors.push((block.name.as_str(), block.shape.as_slice(), bytes));
    }
    let names: Vec<&str> = blocks.iter().map(|b| b.name.as_str()).collect();
    file.check_no_extra_tensors(&names, "the config has no such parameter block")?;
    Ok(tensors)
}
