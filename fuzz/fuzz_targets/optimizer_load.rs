//! The optimiser-checkpoint loader must refuse any bytes with an error, never panic or
//! over-allocate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rnnwf::vmc::Vmc;

fuzz_target!(|data: &[u8]| {
    if let Ok(vmc) = Vmc::from_checkpoint_bytes(data) {
        // Whatever loads must save back to bytes that load to the same state.
        let again = Vmc::from_checkpoint_bytes(&vmc.to_checkpoint_bytes())
            .expect("a loaded state's checkpoint loads");
        assert_eq!(again.config(), vmc.config());
        assert_eq!(again.steps(), vmc.steps());
        assert_eq!(again.adam_state(), vmc.adam_state());
    }
});
