//! Random streams: one independent xoshiro256++ stream per (seed, chunk), so results depend
//! on the seed and never on how chunks are spread over threads.

use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

pub(crate) type Rng = Xoshiro256PlusPlus;

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream of chunk `chunk` under `seed`. splitmix64 is a bijection, so distinct
/// (seed, chunk) pairs give distinct states.
pub(crate) fn stream(seed: u64, chunk: u64) -> Rng {
    let words = [
        splitmix64(seed),
        splitmix64(seed ^ 0x5851_F42D_4C95_7F2D),
        splitmix64(chunk),
        splitmix64(chunk ^ 0x1405_7B7E_F767_814F),
    ];
    let mut bytes = [0u8; 32];
    for (dst, w) in bytes.chunks_exact_mut(8).zip(words) {
        dst.copy_from_slice(&w.to_le_bytes());
    }
    Rng::from_seed(bytes)
}

/// Uniform in [0, 1) with 53 random bits; our own so that it never changes under us.
pub(crate) fn uniform(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A seed for the `index`-th use of `seed` (e.g. a training step's samples): distinct for
/// distinct indices, and fixed by the pair, so a resumed run draws what it would have drawn.
pub(crate) fn derive_seed(seed: u64, index: u64) -> u64 {
    splitmix64(seed ^ splitmix64(index ^ 0xD1B5_4A32_D192_ED03))
}
