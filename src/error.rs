//! The one error type of the Rust API. Each kind maps to one C status code (src/capi/status.rs).

use std::fmt;
use std::sync::Arc;

/// What went wrong, coarse enough to map onto the C status codes (docs/c-abi.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A value out of range: config field, spin value, site index.
    InvalidArgument,
    /// An array length that does not match what the call needs.
    BufferSize,
    /// Reading or writing a file failed.
    Io,
    /// A file that is not a valid, intact checkpoint.
    Format,
    /// NaN or Inf met in parameters, energies or gradients.
    Numerical,
    /// A request this build does not support.
    Unsupported,
    /// A host callback reported failure.
    Callback,
    /// An allocation whose size follows from the input was refused (the message names the
    /// buffer and its bytes).
    OutOfMemory,
    /// A training step stopped at a cancellation request ([`crate::cancel::CancelToken`]),
    /// on this process or, under a reduction hook, on another.
    Cancelled,
}

/// An error with a message that names the problem. An I/O failure keeps the operating
/// system's error as its [`source`](std::error::Error::source).
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// Shared so that the error stays `Clone` (`io::Error` is not).
    source: Option<Arc<std::io::Error>>,
}

/// Errors compare by kind and message: the source is detail for a reader, not identity.
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.message == other.message
    }
}

impl Eq for Error {}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }
    pub fn buffer_size(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BufferSize, message)
    }
    pub fn format(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Format, message)
    }
    pub fn numerical(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Numerical, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }
    pub fn out_of_memory(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::OutOfMemory, message)
    }
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, message)
    }
    /// [`ErrorKind::Io`] with `message` in front of the operating system's error, which
    /// stays reachable as the source.
    pub fn from_io(message: impl Into<String>, source: std::io::Error) -> Self {
        Error {
            kind: ErrorKind::Io,
            message: format!("{}: {source}", message.into()),
            source: Some(Arc::new(source)),
        }
    }
    /// The same error with `context` in front of its message (the source is kept).
    pub fn context(self, context: impl fmt::Display) -> Self {
        Error {
            message: format!("{context}: {}", self.message),
            ..self
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Checks that a caller's buffer holds exactly `expected` elements.
pub(crate) fn check_len(what: &str, got: usize, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(Error::buffer_size(format!(
            "{what}: buffer holds {got} elements, expected {expected}"
        )))
    }
}

/// `result` of a call that writes `out` as it computes, with `out` filled with zeros when
/// the result is `Numerical`: a NaN or Inf met part-way must not reach the caller, and
/// keeping the caller's former values would take a copy of them (the allocation that may
/// not fit). Other failures come before anything is written.
pub(crate) fn zeroed_on_numerical<T: Default>(result: Result<()>, out: &mut [T]) -> Result<()> {
    if matches!(&result, Err(e) if e.kind == ErrorKind::Numerical) {
        out.fill_with(T::default);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn an_unreadable_checkpoint_keeps_the_operating_systems_error_as_source() {
        let path = std::env::temp_dir().join("rnnwf-no-such-dir/model.safetensors");
        let err = crate::Model::load(&path).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Io);
        assert!(err.message.contains("rnnwf-no-such-dir"), "{}", err.message);
        let source = err.source().expect("an I/O source");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
        // Context keeps the source; equality ignores it.
        let wrapped = err.clone().context("loading");
        assert!(wrapped.source().is_some());
        assert_eq!(err, Error::new(ErrorKind::Io, err.message.clone()));
    }
}
