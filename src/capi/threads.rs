//! The process-wide thread pool's size.

use super::boundary::ffi_call;
use super::status::rnnwf_status;

/// Sets the number of threads every later call in this process uses; 0 means all cores.
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
