//! The process-wide thread count.

use super::boundary::ffi_call;
use super::status::rnnwf_status;

/// Sets the number of threads every later call in this process uses; 0 means all cores.
/// Results never depend on it: a seed gives the same samples for any thread count.
#[no_mangle]
pub extern "C" fn rnnwf_set_num_threads(n: u32) -> rnnwf_status {
    ffi_call("rnnwf_set_num_threads", || {
        crate::set_num_threads(n as usize);
        Ok(())
    })
}
