//! The one error type of the Rust API. Each kind maps to one C status code (src/capi/status.rs).

use std::fmt;

/// What went wrong, coarse enough to map onto the C status codes (docs/c-abi.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

/// An error with a message that names the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
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
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Io, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

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
