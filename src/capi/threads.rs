//! The process-wide thread pool's size.

use super::boundary::ffi_call;
use super::status::rnnwf_status;

/// Sets the number of threads every later call in this process uses; 0 means the default:
/// the environment variable RNNWF_NUM_THREADS when it holds a count from 1 to 1024, else
/// all cores (the default is also what calls use before any call of this function).
/// Results never depend on it: a seed gives the same samples for any thread count.
///
/// The threads form one pool that every call shares, also calls made at the same time from
/// several host threads. A call already running keeps the pool it started with. Returns
/// `RNNWF_ERR_INVALID_ARGUMENT` for more than 1024 threads, and `RNNWF_ERR_IO` if the
/// operating system refuses to start the threads; either way the previous count stays in
/// force.
#[no_mangle]
pub extern "C" fn rnnwf_set_num_threads(n: u32) -> rnnwf_status {
    ffi_call("rnnwf_set_num_threads", || {
        crate::set_num_threads(n as usize)?;
        Ok(())
    })
}
