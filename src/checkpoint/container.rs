//! The container every checkpoint uses: a safetensors file with string metadata, `F64`
//! tensors and a CRC-32 over both, written with reproducible bytes and atomically.
//!
//! The formats (`model.rs`, `optimizer.rs`) decide the metadata keys and the tensors; this
//! file knows nothing about either.

use crate::buffer::try_reserve;
use crate::error::{Error, Result};
use safetensors::tensor::{Dtype, Metadata};
use safetensors::SafeTensors;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The metadata key of the checksum.
pub(super) const CHECKSUM_KEY: &str = "crc32";
pub(super) const F64_BYTES: usize = std::mem::size_of::<f64>();
/// A tensor as the checksum and the writer see it: name, shape, little-endian bytes.
pub(super) type TensorBytes<'a> = (&'a str, &'a [usize], &'a [u8]);

/// A safetensors file starts with its header's length as a little-endian u64.
const HEADER_LEN_BYTES: usize = 8;

/// Refuses a header whose tensors' data would end past the end of the file. safetensors
/// checks that too, but by adding the data's end to the header's length, which overflows
/// (a panic where overflow is checked) on offsets near 2^64 that its own checks let
/// through; so they are refused here first. A header that does not parse is left to
/// safetensors to refuse with its own message.
fn check_data_offsets(bytes: &[u8]) -> Result<()> {
    let Some(len) = bytes.get(..HEADER_LEN_BYTES) else {
        return Ok(());
    };
    let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
    let header = usize::try_from(len)
        .ok()
        .and_then(|len| bytes.get(HEADER_LEN_BYTES..HEADER_LEN_BYTES.checked_add(len)?));
    let Some(Ok(serde_json::Value::Object(entries))) =
        header.map(serde_json::from_slice::<serde_json::Value>)
    else {
        return Ok(());
    };
    for (name, entry) in &entries {
        let offsets = entry.get("data_offsets").and_then(|o| o.as_array());
        for end in offsets.into_iter().flatten().filter_map(|o| o.as_u64()) {
            if end > bytes.len() as u64 {
                return Err(Error::format(format!(
                    "not a safetensors file: tensor {name:?} has data up to byte {end}, past \
                     the end of the file ({} bytes)",
                    bytes.len()
                )));
            }
        }
    }
    Ok(())
}

/// The bytes of a container: `metadata` (without the checksum, which is computed and added
/// here) and the tensors, header and data both in the order given.
/// The bytes are allocated fallibly: a model no memory can hold twice is `OutOfMemory`.
pub(super) fn to_bytes(
    mut metadata: BTreeMap<String, String>,
    tensors: &[TensorBytes],
) -> Result<Vec<u8>> {
    let checksum = checksum(&metadata, tensors);
    metadata.insert(CHECKSUM_KEY.into(), checksum);
    write_safetensors(&metadata, tensors)
}

/// A container read from memory: its metadata, its header and its data region. Nothing is
/// trusted before [`Container::verify_checksum`].
pub(super) struct Container<'a> {
    metadata: BTreeMap<String, String>,
    header: Metadata,
    data: &'a [u8],
}

impl<'a> Container<'a> {
    /// Parses the safetensors framing; refuses anything that is not safetensors.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        check_data_offsets(bytes)?;
        let (header_len, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| Error::format(format!("not a safetensors file: {e}")))?;
        // read_metadata has checked that the tensors tile this region exactly.
        let data = &bytes[HEADER_LEN_BYTES + header_len..];
        let metadata: BTreeMap<String, String> = header
            .metadata()
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        Ok(Container {
            metadata,
            header,
            data,
        })
    }

    /// Refuses a container whose `format` is not `format` (an rnnwf `kind` checkpoint) or
    /// whose `format_version` is not one of 1 to `newest`; returns the version.
    pub fn check_format(&self, format: &str, kind: &str, newest: u32) -> Result<u32> {
        let found = self
            .metadata
            .get("format")
            .ok_or_else(|| Error::format("not an rnnwf checkpoint: no `format` metadata"))?;
        if found != format {
            return Err(Error::format(format!(
                "not an rnnwf {kind} checkpoint: format is {found:?}, expected {format:?}"
            )));
        }
        let found = self.required("format_version")?;
        // The canonical spelling only, as every other value.
        match (1..=newest).find(|v| found == v.to_string()) {
            Some(v) => Ok(v),
            None => Err(Error::format(format!(
                "checkpoint format_version {found:?} is not supported (this build reads {})",
                if newest == 1 {
                    "1".to_string()
                } else {
                    format!("1 to {newest}")
                }
            ))),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.metadata.contains_key(key)
    }

    pub fn required(&self, key: &str) -> Result<&str> {
        self.metadata
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| Error::format(format!("checkpoint metadata lacks `{key}`")))
    }

    /// Parses a value in its canonical spelling only (`T`'s `to_string`), so one value has
    /// one spelling and the checksum covers exactly what is read.
    pub fn parse_canonical<T: std::str::FromStr + ToString>(&self, key: &str) -> Result<T> {
        let text = self.required(key)?;
        match text.parse::<T>() {
            Ok(v) if v.to_string() == text => Ok(v),
            _ => Err(Error::format(format!(
                "checkpoint metadata `{key}` = {text:?} is not a valid number"
            ))),
        }
    }

    /// Parses a float written by [`float_text`] (Rust's shortest round-trip decimal).
    pub fn parse_float(&self, key: &str) -> Result<f64> {
        let text = self.required(key)?;
        match text.parse::<f64>() {
            Ok(v) if float_text(v) == text => Ok(v),
            _ => Err(Error::format(format!(
                "checkpoint metadata `{key}` = {text:?} is not a number in canonical form"
            ))),
        }
    }

    /// The value of `key` among `choices` (name, value).
    pub fn parse_name<T: Copy>(
        &self,
        key: &str,
        choices: impl Iterator<Item = (&'static str, T)> + Clone,
    ) -> Result<T> {
        let text = self.required(key)?;
        choices
            .clone()
            .find(|(name, _)| *name == text)
            .map(|(_, v)| v)
            .ok_or_else(|| {
                let names: Vec<_> = choices.map(|(n, _)| n).collect();
                Error::format(format!(
                    "checkpoint metadata `{key}` = {text:?} is not one of {}",
                    names.join(", ")
                ))
            })
    }

    /// The shape of tensor `name`, if the file has one of that name.
    pub fn tensor_shape(&self, name: &str) -> Option<&[usize]> {
        self.header.info(name).map(|info| info.shape.as_slice())
    }

    /// The bytes of tensor `name`, after checking that it exists, is F64 and has `shape`.
    pub fn tensor(&self, name: &str, shape: &[usize]) -> Result<&'a [u8]> {
        let info = self
            .header
            .info(name)
            .ok_or_else(|| Error::format(format!("missing tensor {name}")))?;
        if info.dtype != Dtype::F64 {
            return Err(Error::format(format!(
                "tensor {name} has dtype {:?}, expected F64",
                info.dtype
            )));
        }
        if info.shape != shape {
            return Err(Error::format(format!(
                "tensor {name} has shape {:?}, expected {shape:?}",
                info.shape
            )));
        }
        let (start, end) = info.data_offsets;
        self.data
            .get(start..end)
            .ok_or_else(|| Error::format(format!("tensor {name} lies outside the file")))
    }

    /// Refuses a tensor not in `expected`, naming the first one in name order; `why` says
    /// why such a tensor cannot belong.
    pub fn check_no_extra_tensors(&self, expected: &[&str], why: &str) -> Result<()> {
        let mut extra: Vec<String> = self
            .header
            .tensors()
            .into_keys()
            .filter(|name| !expected.contains(&name.as_str()))
            .collect();
        extra.sort();
        match extra.first() {
            None => Ok(()),
            Some(name) => Err(Error::format(format!("unexpected tensor {name} ({why})"))),
        }
    }

    /// Compares the stored checksum with the one of the metadata and `tensors` (every tensor
    /// of the file, in the format's order).
    pub fn verify_checksum(&self, tensors: &[TensorBytes]) -> Result<()> {
        let stored = self.required(CHECKSUM_KEY)?;
        let computed = checksum(&self.metadata, tensors);
        // Compared as text: a case flip in a hex digit is damage too. Fuzzing builds accept any
        // checksum so that mutated inputs reach the checks behind it.
        if stored != computed && !cfg!(fuzzing) {
            return Err(Error::format(format!(
                "checkpoint checksum mismatch: stored {stored}, computed {computed}"
            )));
        }
        Ok(())
    }
}

/// A float's metadata spelling: Rust's shortest decimal that reads back to the same bits
/// (`{:?}`: "0.001", "1.0", "1e-8", "-0.0"), so a value survives a save bit for bit.
pub(super) fn float_text(value: f64) -> String {
    format!("{value:?}")
}

/// CRC-32 of the canonical serialisation (see the module docs), as 8 hex digits.
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

/// A safetensors file whose header lists the metadata in key order and the tensors in the
/// order given, so that the bytes are reproducible (the `safetensors` crate's writer orders
/// its header through a hash map). The data region holds the tensors back to back.
fn write_safetensors(
    metadata: &BTreeMap<String, String>,
    tensors: &[TensorBytes],
) -> Result<Vec<u8>> {
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
    while !header.len().is_multiple_of(8) {
        header.push(' ');
    }
    let mut out = Vec::new();
    let len = HEADER_LEN_BYTES + header.len() + offset;
    try_reserve(&mut out, len, "the checkpoint's bytes")?;
    out.extend((header.len() as u64).to_le_bytes());
    out.extend(header.as_bytes());
    for (_, _, bytes) in tensors {
        out.extend(*bytes);
    }
    Ok(out)
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

/// `values` as little-endian bytes, allocated fallibly (`what` names them in the error).
pub(super) fn f64_to_le_bytes(values: &[f64], what: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    try_reserve(&mut out, values.len().saturating_mul(F64_BYTES), what)?;
    out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
    Ok(out)
}

/// The values of tensor `name` from its little-endian bytes; refuses a non-finite value.
pub(super) fn finite_f64s(name: &str, bytes: &[u8], out: &mut Vec<f64>) -> Result<()> {
    let start = out.len();
    let count = bytes.len() / F64_BYTES;
    try_reserve(out, count, &format!("tensor {name}"))?;
    out.extend(
        bytes
            .chunks_exact(F64_BYTES)
            .map(|b| f64::from_le_bytes(b.try_into().expect("chunks of 8 bytes"))),
    );
    if let Some(i) = out[start..].iter().position(|p| !p.is_finite()) {
        return Err(Error::format(format!(
            "tensor {name} holds a non-finite value at flat index {i}: {}",
            out[start + i]
        )));
    }
    Ok(())
}

/// Reads the file at `path` and decodes it with `decode`: [`Error::io`] when it cannot be
/// read or is not a regular file, and the path in front of any decoding error.
pub(super) fn read_file<T>(path: &Path, decode: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
    let bytes = read_regular_file(path)?;
    decode(&bytes).map_err(|e| e.context(format_args!("checkpoint {}", path.display())))
}

/// The bytes of the regular file at `path`. Anything else is refused before it is read: a
/// FIFO would block the open or the read forever and a device such as `/dev/urandom` never
/// ends. The read is bounded by the size the file has when opened (its buffer allocated
/// fallibly, a size no memory can hold refused naming it), and a file that grows meanwhile
/// is refused rather than read on.
fn read_regular_file(path: &Path) -> Result<Vec<u8>> {
    let cannot = |e| Error::from_io(format!("cannot read checkpoint {}", path.display()), e);
    let not_regular = |kind: &str| {
        Error::io(format!(
            "cannot read checkpoint {}: it is {kind}, not a regular file",
            path.display()
        ))
    };
    // stat before open: opening a FIFO for reading blocks until a writer appears.
    let meta = fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(file_kind(&meta.file_type())));
    }
    let file = open_without_blocking(path).map_err(cannot)?;
    // The path may have been replaced between the stat and the open: check what was opened.
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(file_kind(&meta.file_type())));
    }
    let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    let mut bytes = Vec::new();
    try_reserve(
        &mut bytes,
        len,
        &format!("cannot read checkpoint {}", path.display()),
    )?;
    // One byte more than the size: reading it means the file grew while being read.
    file.take(meta.len().saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() != len {
        return Err(Error::io(format!(
            "cannot read checkpoint {}: its size changed while it was read ({len} bytes, then {})",
            path.display(),
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn file_kind(t: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Opens for reading; on Linux with `O_NONBLOCK`, so that a FIFO swapped in after the stat
/// cannot block the open (on a regular file the flag changes nothing).
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    // The flag's value is that of Linux's generic ABI, on these architectures; elsewhere
    // (MIPS, SPARC) the open goes without it and only the stat before it guards.
    #[cfg(all(
        target_os = "linux",
        any(
            target_arch = "x86",
            target_arch = "x86_64",
            target_arch = "arm",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "loongarch64"
        )
    ))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000;
        options.custom_flags(O_NONBLOCK);
    }
    options.open(path)
}

/// Writes `bytes` to a new temporary file beside `path`, syncs it and renames it over `path`.
/// The new file keeps the permissions of the one it replaces (a 0600 file stays 0600), from
/// the moment the temporary exists, and, where the process may (root), its owner.
/// Temporaries of earlier saves of `path` whose process has died are removed first.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let io_error = |what: &str, e: std::io::Error| {
        Error::from_io(
            format!("cannot save checkpoint {}: {what}", path.display()),
            e,
        )
    };
    let prefix = temp_prefix(path);
    remove_stale_temps(parent_dir(path), &prefix);
    let old = fs::metadata(path).ok().filter(fs::Metadata::is_file);
    let (temp_path, mut file) = create_temp_beside(path, &prefix, old.as_ref())
        .map_err(|e| io_error("cannot create a temporary file", e))?;
    let kept_mode = match &old {
        Some(old) => keep_owner_and_mode(&file, old),
        None => Ok(()),
    };
    let written = kept_mode
        .map_err(|e| io_error("cannot give the new file the old one's permissions", e))
        .and_then(|()| {
            file.write_all(bytes)
                .and_then(|()| file.flush())
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error("cannot write", e))
        })
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

/// Longest file name most file systems take (ext4, XFS, btrfs, APFS, NTFS).
const MAX_NAME_BYTES: usize = 255;
/// Room a temporary's name keeps after its prefix for `-<pid>-<n>`: two u64 in decimal.
const TEMP_SUFFIX_BYTES: usize = 2 * 21;

/// The start of every temporary name of saves to `path`: `.<name>.tmp-`, or, when that
/// would leave no room for the suffix under 255 bytes, `.<the name's first bytes>~<CRC-32
/// of the whole name in 8 hex digits>.tmp-`, so that a legal 250-byte name can be saved.
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkpoint".into());
    let whole = format!(".{name}.tmp-");
    if whole.len() + TEMP_SUFFIX_BYTES <= MAX_NAME_BYTES {
        return whole;
    }
    let hash = format!("~{:08x}.tmp-", crc32fast::hash(name.as_bytes()));
    let mut keep = MAX_NAME_BYTES - TEMP_SUFFIX_BYTES - hash.len() - 1;
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!(".{}{hash}", &name[..keep])
}

/// A new file `<prefix><pid>-<n>` beside `path`; `create_new` makes the name unique even
/// between processes and threads saving to the same place. The file is created with the
/// mode of `old` (the file it will replace) in the open itself, so that no other user can
/// open a temporary of a 0600 checkpoint between its creation and a chmod.
fn create_temp_beside(
    path: &Path,
    prefix: &str,
    old: Option<&fs::Metadata>,
) -> std::io::Result<(PathBuf, File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if let Some(old) = old {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // The umask may clear bits of this mode, never add any; `keep_owner_and_mode`
        // restores the cleared ones once the file is open.
        options.mode(old.permissions().mode() & 0o777);
    }
    #[cfg(not(unix))]
    let _ = old;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = parent_dir(path).join(format!("{prefix}{}-{n}", std::process::id()));
        match options.open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Gives the open temporary `file` the owner (where the process may: root, or a group it
/// belongs to) and then the permissions of `old`, the file it will replace. The owner comes
/// first, since a change of owner may clear set-id bits.
fn keep_owner_and_mode(file: &File, old: &fs::Metadata) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let new = file.metadata()?;
        if (new.uid(), new.gid()) != (old.uid(), old.gid()) {
            // Refused (EPERM) for a user who may not give files away: the new file is then
            // theirs, as any file they write (docs/checkpoint-format.md).
            let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
        }
    }
    file.set_permissions(old.permissions())
}

/// A temporary left this long unchanged by a dead process is stale: the age guards against
/// removing the temporary of a save in progress on another machine sharing the directory,
/// whose process id means nothing here.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes the temporaries `<prefix><pid>-<n>` in `dir` that a save killed mid-write left
/// behind: those whose process is no longer running (on Linux, no `/proc/<pid>`) and that
/// have not changed for [`STALE_AFTER`]. Elsewhere, and on any error, nothing is removed:
/// cleaning up is a courtesy, never a reason for a save to fail.
fn remove_stale_temps(dir: &Path, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(temp_pid)
        else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let idle = entry
            .metadata()
            .ok()
            .filter(fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok());
        if idle.is_some_and(|idle| idle >= STALE_AFTER) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The process id of a temporary's suffix `<pid>-<n>`, both in decimal.
fn temp_pid(suffix: &str) -> Option<u32> {
    let (pid, n) = suffix.split_once('-')?;
    let decimal = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if decimal(pid) && decimal(n) {
        pid.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_trip_through_their_text() {
        for v in [
            0.0,
            -0.0,
            1.0,
            1e-8,
            0.1 + 0.2,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            0.999,
            123456.789e10,
        ] {
            let text = float_text(v);
            let back: f64 = text.parse().unwrap();
            assert_eq!(back.to_bits(), v.to_bits(), "{v} as {text}");
        }
        assert_eq!(float_text(1e-8), "1e-8");
        assert_eq!(float_text(0.001), "0.001");
        assert_eq!(float_text(1.0), "1.0");
    }

    /// The temporary of a 0600 file is 0600 from its creation: no chmod afterwards, which
    /// would leave it readable by others (0666 minus the umask) for a moment.
    #[cfg(unix)]
    #[test]
    fn a_temporary_is_created_with_the_mode_of_the_file_it_replaces() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("rnnwf-temp-mode-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("private.ckpt");
        fs::write(&target, b"old").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
        let old = fs::metadata(&target).unwrap();
        let (temp, file) = create_temp_beside(&target, &temp_prefix(&target), Some(&old)).unwrap();
        let mode = file.metadata().unwrap().permissions().mode() & 0o777;
        drop(file);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(mode, 0o600, "{} created with {mode:o}", temp.display());
    }
}
