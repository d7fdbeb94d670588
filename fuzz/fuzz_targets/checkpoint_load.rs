//! The checkpoint loader must refuse any bytes with an error, never panic or over-allocate.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = rnnwf::Model::from_checkpoint_bytes(data) {
        // Whatever loads must save back to bytes that load to the same model.
        let again = rnnwf::Model::from_checkpoint_bytes(&model.to_checkpoint_bytes())
            .expect("a loaded model's checkpoint loads");
        assert_eq!(again.config(), model.config());
        assert_eq!(again.params(), model.params());
    }
});
