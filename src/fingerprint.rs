//! 48-bit fingerprints that processes compare through a sum: each process adds 1 and, for
//! each 16-bit limb of its fingerprint, the limb and its square. Whole numbers, which any
//! reduction sums exactly; the processes agree iff processes * sum(limb^2) = sum(limb)^2
//! for every limb (Cauchy-Schwarz), a verdict every process reaches alike.

/// Values a fingerprint takes in a reduction: the process count, then limb and square for
/// each of three limbs.
pub(crate) const FINGERPRINT_SUMS: usize = 7;

/// 48 bits of two CRC-32s of `bytes`: of the bytes, and of the bytes followed by `|`.
pub(crate) fn fingerprint_of_bytes(bytes: &[u8]) -> u64 {
    let low = crc32fast::hash(bytes) as u64;
    let mut high = crc32fast::Hasher::new();
    high.update(bytes);
    high.update(b"|");
    (u64::from(high.finalize()) << 32 | low) & 0xffff_ffff_ffff
}

/// [`fingerprint_of_bytes`] of the bit patterns of `values` (little-endian), so that two
/// vectors share it only when they are (almost surely) bit for bit the same.
pub(crate) fn fingerprint_of_values(values: &[f64]) -> u64 {
    let (mut low, mut high) = (crc32fast::Hasher::new(), crc32fast::Hasher::new());
    let mut block = [0u8; 512];
    for chunk in values.chunks(block.len() / 8) {
        for (bytes, x) in block.chunks_exact_mut(8).zip(chunk) {
            bytes.copy_from_slice(&x.to_bits().to_le_bytes());
        }
        low.update(&block[..8 * chunk.len()]);
        high.update(&block[..8 * chunk.len()]);
    }
    high.update(b"|");
    (u64::from(high.finalize()) << 32 | u64::from(low.finalize())) & 0xffff_ffff_ffff
}

/// Writes a fingerprint's values ([`FINGERPRINT_SUMS`]) into `out`.
pub(crate) fn fingerprint_values(fingerprint: u64, out: &mut [f64]) {
    out[0] = 1.0;
    for k in 0..3 {
        let limb = ((fingerprint >> (16 * k)) & 0xffff) as f64;
        out[1 + 2 * k] = limb;
        out[2 + 2 * k] = limb * limb;
    }
}

/// What the summed fingerprint values say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fingerprints {
    /// Every process gave the same fingerprint.
    Agree,
    /// Some processes gave different ones.
    Differ,
    /// The sums are not whole numbers: the reduction does not sum exactly (or at all).
    NotWhole,
}

/// Compares the processes' fingerprints from their summed values (the first
/// [`FINGERPRINT_SUMS`] of `sums`).
pub(crate) fn compare_fingerprints(sums: &[f64]) -> Fingerprints {
    // Whole numbers below 2^53 are exact, and so are their products as u128.
    let whole = |x: f64| (0.0..9.007_199_254_740_992e15).contains(&x) && x.fract() == 0.0;
    if !sums[..FINGERPRINT_SUMS].iter().all(|&x| whole(x)) {
        return Fingerprints::NotWhole;
    }
    let processes = sums[0] as u128;
    let agree = (0..3).all(|k| {
        let (sum, squares) = (sums[1 + 2 * k] as u128, sums[2 + 2 * k] as u128);
        processes * squares == sum * sum
    });
    match agree {
        true => Fingerprints::Agree,
        false => Fingerprints::Differ,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summed(fingerprints: &[u64]) -> [f64; FINGERPRINT_SUMS] {
        let mut total = [0.0; FINGERPRINT_SUMS];
        for &f in fingerprints {
            let mut one = [0.0; FINGERPRINT_SUMS];
            fingerprint_values(f, &mut one);
            total.iter_mut().zip(one).for_each(|(t, x)| *t += x);
        }
        total
    }

    #[test]
    fn equal_fingerprints_agree_and_any_difference_shows() {
        let a = fingerprint_of_values(&[1.0, 2.0, 3.0]);
        let b = fingerprint_of_values(&[1.0, 2.0, 3.0 + f64::EPSILON * 3.0]);
        assert_ne!(a, b);
        assert_eq!(
            compare_fingerprints(&summed(&[a, a, a])),
            Fingerprints::Agree
        );
        assert_eq!(compare_fingerprints(&summed(&[a, b])), Fingerprints::Differ);
        let mut scaled = summed(&[a, a]);
        scaled.iter_mut().for_each(|x| *x *= 1.0 + 1e-9);
        assert_eq!(compare_fingerprints(&scaled), Fingerprints::NotWhole);
    }

    #[test]
    fn the_values_fingerprint_is_the_bytes_fingerprint_of_their_bits() {
        let values: Vec<f64> = (0..200).map(|i| (i as f64).sin()).collect();
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|x| x.to_bits().to_le_bytes())
            .collect();
        assert_eq!(fingerprint_of_values(&values), fingerprint_of_bytes(&bytes));
    }
}
