//! Checkpoints: models and optimiser states saved as safetensors files with an integrity
//! checksum.
//!
//! Two formats share one container (`container.rs`): the model (`model.rs`, format
//! `rnnwf-model`) and the state of a training run (`optimizer.rs`, format `rnnwf-optimizer`).
//! To resume a run, save both; the model file alone is what inference needs.
//!
//! # The container
//!
//! A checkpoint is a plain [safetensors](https://github.com/huggingface/safetensors) file, so
//! any safetensors reader (Python `safetensors`, PyTorch, ...) can open it: `F64`
//! (little-endian) tensors, and string metadata (`__metadata__`) with every value in its
//! canonical spelling: integers in decimal without sign (except `-1` where stated) or leading
//! zeros, names in lower case, floats in Rust's shortest decimal that reads back to the same
//! bits (`{:?}`: `0.001`, `1.0`, `1e-8`), so that saving and loading changes no bit.
//! Every file has the metadata `format` (which of the formats) and `format_version`, and
//! `crc32`.
//!
//! The header lists the metadata in key order and the tensors in the format's order, and the
//! data region holds the tensors back to back in that order. The same object always gives
//! the same bytes.
//!
//! The checksum `crc32` is CRC-32 (IEEE, as zlib's `crc32`), 8 lower-case hex digits, over this
//! byte string: for every metadata entry except `crc32`, in byte order of the keys,
//! `key=value\n`; then for every tensor in the format's order, `name[d0,d1]\n` (the shape's
//! dimensions in decimal, comma-separated, no spaces) followed by the tensor's raw bytes. In
//! Python:
//!
//! ```text
//! meta = {k: v for k, v in f.metadata().items() if k != "crc32"}
//! s = b"".join(f"{k}={meta[k]}\n".encode() for k in sorted(meta))
//! for name in tensor_order:  # the format's order, below
//!     t = f.get_tensor(name)  # float64
//!     s += f"{name}[{','.join(map(str, t.shape))}]\n".encode() + t.tobytes()
//! assert f"{zlib.crc32(s):08x}" == f.metadata()["crc32"]
//! ```
//!
//! CRC-32 finds every single-bit error, so a flipped bit anywhere in the file is refused.
//!
//! Saving writes to a fresh temporary file in the target's directory, flushes and syncs it,
//! gives it the replaced file's permissions, then renames it over the target: a crash leaves
//! either the old file or the new one, never half of one. Temporaries are named
//! `.<name>.tmp-<pid>-<n>` (a name too long for that is shortened and hashed); the next
//! save of a target removes those a killed save left (process gone, unchanged for a
//! minute). Loading reads regular files only, bounded by their size (docs/checkpoint-format.md).
//!
//! # Model (`format` = `rnnwf-model`, `format_version` 1, or 2 with `symmetry_maps`)
//!
//! * one tensor per parameter block of [`Model::param_blocks`], with the block's name and
//!   shape (`layer0.input_weight` `[local_dim, G*hidden]`, `layer0.bias` `[G*hidden]`, ...,
//!   `amplitude.weight`, `amplitude.bias`, and `phase.weight`, `phase.bias` for the phase
//!   head; a 2D RNN (`ly > 1`) has `layer{l}.horizontal_weight` and
//!   `layer{l}.vertical_weight` instead of `layer{l}.hidden_weight`; see `model/layout.rs`),
//!   in block order. Nothing else: no missing and no extra tensor. The data region is the
//!   model's flat parameter vector.
//! * metadata:
//!
//!   | key              | value                                                |
//!   |------------------|------------------------------------------------------|
//!   | `format`         | `rnnwf-model`                                        |
//!   | `format_version` | `2` with `symmetry_maps`, else `1`                   |
//!   | `cell`           | `vanilla`, `gru`, `vanilla_elu`, `tensor_gru`,       |
//!   |                  | `linear_gated`                                       |
//!   | `lx`, `ly`       | sites along x and y                                  |
//!   | `local_dim`      | values per site                                      |
//!   | `hidden`         | hidden units per layer                               |
//!   | `layers`         | stacked recurrent layers                             |
//!   | `phase`          | `none` or `softsign`                                 |
//!   | `sign_rule`      | `none` or `marshall`                                 |
//!   | `u1_total`       | `-1` (no constraint) or the conserved total          |
//!   | `seed`           | the initialisation seed (a `u64`)                    |
//!   | `crc32`          | the checksum                                         |
//!
//!   and, only when not their default, `symmetry`, `symmetry_maps`, `precision`, `boundary`
//!   and `dilation` (docs/checkpoint-format.md lists every key with its values).
//!
//! [`Model::from_checkpoint_bytes`] refuses, with [`ErrorKind::Format`] and a message naming the
//! problem: anything that is not safetensors, an unknown `format` or `format_version`, a
//! missing or misspelt metadata value, an invalid config (e.g. `hidden` = 0), a missing or
//! extra tensor, a wrong dtype or shape, a checksum mismatch, a non-finite value.
//!
//! A config that is intact (the checksum matches) but that this version cannot build would be
//! refused with [`ErrorKind::Unsupported`], the kind [`Model::new`] gives for it (no config is
//! unsupported at present; `ly > 1` was until the 2D RNN landed); a damaged file is always
//! `Format`, never `Unsupported`.
//! [`Model::load`] adds [`ErrorKind::Io`] when the file cannot be opened or read.
//!
//! # Optimiser (`format` = `rnnwf-optimizer`, `format_version` 1)
//!
//! The state of a [`Vmc`] driver: its settings, its step counter, Adam's moments and
//! SPRING's previous update. A run
//! resumed from a model checkpoint and an optimiser checkpoint saved together continues bit
//! for bit as the uninterrupted run would have (step k draws its samples with a seed derived
//! from `seed` and k). The reduction hook is not saved: it belongs to the process.
//!
//! * metadata:
//!
//!   | key              | value                                                        |
//!   |------------------|--------------------------------------------------------------|
//!   | `format`         | `rnnwf-optimizer`                                            |
//!   | `format_version` | `1`                                                          |
//!   | `optimizer`      | `sgd`, `adam` or `minsr`                                     |
//!   | `preconditioner` | `sr` or `spring`; present only with a preconditioner (absent:|
//!   |                  | none, as in files written before the setting existed)        |
//!   | `n_samples`      | samples per step on one process (`u64`)                      |
//!   | `learning_rate`  | float, the current one (schedules set it between steps)      |
//!   | `adam_beta1`, `adam_beta2`, `adam_eps` | floats                                 |
//!   | `sr_diag_shift`  | float                                                        |
//!   | `sr_momentum`    | float; present only when not 0 (absent: 0)                   |
//!   | `grad_clip`      | float, 0 = off                                               |
//!   | `temperature`    | float, the current one                                       |
//!   | `seed`           | the sampling seed (`u64`)                                    |
//!   | `steps`          | steps taken so far (`u64`): the index of the next step       |
//!   | `adam_t`         | Adam's update count (`u64`); present iff Adam state exists   |
//!   | `adam_model`     | the shape of the model the Adam state belongs to; optional   |
//!   | `spring_model`   | the shape of the model SPRING's previous update belongs to;  |
//!   |                  | present iff that update exists                               |
//!   | `crc32`          | the checksum                                                 |
//!
//! * tensors: when `adam_t` is present (Adam state exists once an Adam step was taken),
//!   `adam.m` then `adam.v`, Adam's first and second moments; when `spring_model` is present
//!   (once a SPRING step was taken), `spring.previous`, the previous update phi_{k-1}. Each
//!   of shape `[num_params]` of the model being trained; no other tensor. A file without
//!   `spring.previous` (every file written before SPRING existed) loads with phi = 0.
//!
//! [`Vmc::from_checkpoint_bytes`] refuses, with [`ErrorKind::Format`]: anything that is not
//! safetensors, another `format` (a model file, say) or `format_version`, a missing or
//! non-canonical metadata value, settings that [`VmcConfig::validate`] refuses, `adam_t`
//! without both tensors or tensors without `adam_t`, `spring_model` without
//! `spring.previous` or the reverse, `adam_model` and `spring_model` that differ, tensors of another dtype, of different
//! shapes or not one-dimensional, an extra tensor, a checksum mismatch, a non-finite moment.
//! `steps` or `adam_t` above [`MAX_STEPS`] (2^53) and `adam_model` without `adam_t` are
//! refused too. [`Vmc::load`] adds [`ErrorKind::Io`] and, on any error, leaves the driver
//! unchanged. A state whose recorded `adam_model` differs from the model's shape, or (in a
//! file without the record) whose moments do not match the model's parameter count, is
//! refused by the next step ([`ErrorKind::InvalidArgument`]).
//!
//! [`Model::param_blocks`]: crate::model::Model::param_blocks
//! [`Model::from_checkpoint_bytes`]: crate::model::Model::from_checkpoint_bytes
//! [`Model::new`]: crate::model::Model::new
//! [`Model::load`]: crate::model::Model::load
//! [`ErrorKind::Format`]: crate::error::ErrorKind::Format
//! [`ErrorKind::Unsupported`]: crate::error::ErrorKind::Unsupported
//! [`ErrorKind::Io`]: crate::error::ErrorKind::Io
//! [`ErrorKind::InvalidArgument`]: crate::error::ErrorKind::InvalidArgument
//! [`Vmc`]: crate::vmc::Vmc
//! [`Vmc::from_checkpoint_bytes`]: crate::vmc::Vmc::from_checkpoint_bytes
//! [`Vmc::load`]: crate::vmc::Vmc::load
//! [`VmcConfig::validate`]: crate::vmc::VmcConfig::validate

mod container;
pub(crate) mod model;
mod optimizer;

pub use model::{CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION};
pub use optimizer::{MAX_STEPS, OPTIMIZER_FORMAT, OPTIMIZER_FORMAT_VERSION};
