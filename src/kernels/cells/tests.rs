//! The cells' kernels against their bodies (bit for bit on this CPU's variant), against
//! f64 (the f32 ones), and the portable arithmetic against the fused.

mod forward {
    use crate::kernels::activations::Arithmetic;
    use crate::kernels::cells::gru::*;
    use crate::kernels::cells::linear_gated::*;
    use crate::kernels::cells::tensor_gru::*;
    use crate::kernels::cells::vanilla::*;
    use crate::kernels::heads::*;
    use crate::kernels::real::Real;

    use crate::kernels::activations::{Fused, Portable, Unfused};
    use crate::kernels::dispatch::{simd_level, SimdLevel};

    type Update<F> = fn(GruRows, &[F], &[F], &[F], &mut [F], &mut [F]);
    type TensorUpdate<F> = fn(TensorGruRows, &[F], &[F], &mut [F], &mut [F]);
    type InPlace<F> = fn(&mut [F]);

    /// One way to run the three kernels: the dispatched functions or a body instantiation,
    /// in f64 or f32.
    struct Kernels<F> {
        gru: Update<F>,
        tensor: TensorUpdate<F>,
        tanh: InPlace<F>,
        elu: InPlace<F>,
    }

    fn dispatched<F: Real>() -> Kernels<F> {
        Kernels {
            gru: gru_update::<F>,
            tensor: tensor_gru_update::<F>,
            tanh: tanh_in_place::<F>,
            elu: elu_in_place::<F>,
        }
    }

    fn bodies<A: Arithmetic, F: Real>() -> Kernels<F> {
        Kernels {
            gru: gru_update_body::<A, F>,
            tensor: tensor_gru_update_body::<A, F>,
            tanh: tanh_in_place_body::<A, F>,
            elu: elu_in_place_body::<A, F>,
        }
    }

    /// Every output (states and recorded gates, with and without recording) of `kernels` on
    /// fixed inputs spanning the activations' whole useful range (|pre-activation| up to 12).
    fn outputs<F: Real>(kernels: &Kernels<F>) -> Vec<Vec<F>> {
        let (rows, dh) = (7, 53);
        let wave = |n: usize, f: f64| -> Vec<F> {
            (0..n)
                .map(|i| F::from_f64(6.0 * ((i as f64 * f).sin())))
                .collect()
        };
        let bhg = wave(dh, 1.3);
        let h0 = wave(rows * dh, 0.11);
        let mut out = Vec::new();
        // Both blend targets: the previous state (chain) and the learned merge (grid).
        for grid in [false, true] {
            let layout = GruRows { dh, merge: grid };
            let pre_x = wave(rows * layout.input_width(), 0.37);
            let pre_h = wave(rows * layout.hidden_width(), 0.91);
            for record in [false, true] {
                let mut gates = vec![
                    F::ZERO;
                    if record {
                        rows * layout.tape_width()
                    } else {
                        0
                    }
                ];
                let mut h = h0.clone();
                (kernels.gru)(layout, &pre_x, &pre_h, &bhg, &mut h, &mut gates);
                out.extend([h, gates]);
            }
        }
        // The tensorized cell, on a chain and a grid, with and without its tape.
        for grid in [false, true] {
            // Two layers of two values: T is widest at layer 0, `neighbours * 2` blocks of c.
            let neighbours = if grid { 2 } else { 1 };
            let concat = neighbours * dh + 1;
            let layout = TensorGruRows {
                dh,
                concat,
                tensor: (neighbours * 2 * concat).max(concat + dh),
            };
            let pre = wave(rows * layout.input_width(), 0.37);
            let q = wave(rows * dh, 0.91);
            for record in [false, true] {
                let mut tape = vec![
                    F::ZERO;
                    if record {
                        rows * layout.tape_width()
                    } else {
                        0
                    }
                ];
                let mut h = vec![F::ZERO; rows * dh];
                (kernels.tensor)(layout, &pre, &q, &mut h, &mut tape);
                out.extend([h, tape]);
            }
        }
        let pre_x = wave(rows * 3 * dh, 0.37);
        for kernel in [kernels.tanh, kernels.elu] {
            let mut x = pre_x.clone();
            kernel(&mut x);
            out.push(x);
        }
        out
    }

    /// The FMA variants (AVX2, AVX-512) must round exactly like the bodies with fused
    /// multiply-adds, the portable variant exactly like the bodies with the portable ones, so
    /// that results depend on the CPU only through that one choice.
    #[test]
    fn dispatched_kernels_match_generic_bit_for_bit() {
        let reference = if simd_level() == SimdLevel::Generic {
            outputs(&bodies::<Portable, f64>())
        } else {
            outputs(&bodies::<Fused, f64>())
        };
        assert_eq!(outputs(&dispatched::<f64>()), reference);
        let reference = if simd_level() == SimdLevel::Generic {
            outputs(&bodies::<Portable, f32>())
        } else {
            outputs(&bodies::<Fused, f32>())
        };
        assert_eq!(outputs(&dispatched::<f32>()), reference);
    }

    /// Every f32 kernel, fused and unfused, agrees with the f64 one on the same inputs
    /// (rounded to f32) to f32 accuracy: at most 1e-6 relative to max(1, |value|).
    #[test]
    fn f32_kernels_match_f64_within_1e_6() {
        let exact = outputs(&bodies::<Fused, f64>());
        for run in [
            outputs(&bodies::<Fused, f32>()),
            outputs(&bodies::<Unfused, f32>()),
            outputs(&dispatched::<f32>()),
        ] {
            let widened: Vec<Vec<f64>> = run
                .iter()
                .map(|v| v.iter().map(|&x| x as f64).collect())
                .collect();
            let worst = worst_difference(&widened, &exact);
            assert!(worst <= 1e-6, "worst difference {worst}");
            assert!(worst > 0.0, "f32 kernels must compute in f32");
        }
    }

    /// Worst |a - b| / max(1, |b|) between two runs' outputs.
    fn worst_difference(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
        assert_eq!(a.len(), b.len());
        let mut worst: f64 = 0.0;
        for (a, b) in a.iter().zip(b) {
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b) {
                worst = worst.max((x - y).abs() / y.abs().max(1.0));
            }
        }
        worst
    }

    /// The unfused arithmetic (the portable variant's on targets without FMA) rounds
    /// differently from the fused one, but agrees with it to a few units in the last place:
    /// at most 2e-15 relative to max(1, |value|) (9.2e-16 at worst on these inputs, where
    /// about one value in ten differs). On targets with FMA the portable variant is the fused
    /// one and the second check holds exactly.
    #[test]
    fn portable_kernels_match_fused_within_2e_15() {
        let fused = outputs(&bodies::<Fused, f64>());
        let unfused = outputs(&bodies::<Unfused, f64>());
        let worst = worst_difference(&unfused, &fused);
        assert!(worst <= 2e-15, "worst difference {worst}");
        let worst = worst_difference(&outputs(&bodies::<Portable, f64>()), &fused);
        assert!(worst <= 2e-15, "worst difference {worst}");
    }

    /// The GRU update over more units than one sweep of the untaped path holds (150: two
    /// whole sweeps and a part) agrees with the equations evaluated with the standard
    /// library's exp and tanh to 1e-14, and the taped path gives the same states bit for
    /// bit, with both blend targets.
    #[test]
    fn gru_update_over_several_sweeps_matches_its_equations() {
        let (rows, dh) = (3, 150);
        let wave =
            |n: usize, f: f64| -> Vec<f64> { (0..n).map(|i| 5.0 * (i as f64 * f).sin()).collect() };
        let bhg = wave(dh, 1.3);
        let h0 = wave(rows * dh, 0.11);
        for merge in [false, true] {
            let layout = GruRows { dh, merge };
            let (xw, hw) = (layout.input_width(), layout.hidden_width());
            let pre_x = wave(rows * xw, 0.37);
            let pre_h = wave(rows * hw, 0.91);
            let mut h = h0.clone();
            gru_update::<f64>(layout, &pre_x, &pre_h, &bhg, &mut h, &mut []);
            let mut taped = h0.clone();
            let mut tape = vec![0.0; rows * layout.tape_width()];
            gru_update::<f64>(layout, &pre_x, &pre_h, &bhg, &mut taped, &mut tape);
            assert_eq!(h, taped);
            let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
            for row in 0..rows {
                for j in 0..dh {
                    let (px, ph) = (&pre_x[row * xw..], &pre_h[row * hw..]);
                    let r = sigmoid(px[j] + ph[j]);
                    let z = sigmoid(px[dh + j] + ph[dh + j]);
                    let g = (px[2 * dh + j] + r * (ph[2 * dh + j] + bhg[j])).tanh();
                    let m = if merge {
                        ph[3 * dh + j]
                    } else {
                        h0[row * dh + j]
                    };
                    let exact = (1.0 - z) * g + z * m;
                    let got = h[row * dh + j];
                    assert!(
                        (got - exact).abs() <= 1e-14,
                        "row {row} unit {j}: {got} vs {exact}"
                    );
                }
            }
        }
    }

    #[test]
    fn elu_is_identity_above_zero_and_exp_minus_one_below() {
        let mut x = vec![-30.0, -1.0, -1e-3, 0.0, 1e-3, 2.5];
        elu_in_place::<f64>(&mut x);
        let expected = [
            (-30.0f64).exp_m1(),
            (-1.0f64).exp_m1(),
            (-1e-3f64).exp_m1(),
            0.0,
            1e-3,
            2.5,
        ];
        for (a, b) in x.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
    }

    type LinearUpdateF64 = fn(LinearRows, &[f64], &[f64], &mut [f64], &mut [f64], &mut [f64]);
    type BlendF64 = fn(LinearRows, &[f64], &[f64], &[f64], &mut [f64], &mut [f64], Near<'_, f64>);
    type HeadF64 = fn(&[f64], &[f64], &[f64], &mut [f64]);
    type SoftmaxF64 = fn(&[f64], &[(u32, u32)], &[u8], &mut [f64]);

    /// Every output of the linear gated cell's kernels (update with and without tape, on a
    /// chain and on a grid with and without a horizontal neighbour; blend; head logits;
    /// softmax probability), run through `update`, `blend`, `head` and `softmax`.
    fn linear_outputs(
        update: LinearUpdateF64,
        blend: BlendF64,
        head: HeadF64,
        softmax: SoftmaxF64,
    ) -> Vec<Vec<f64>> {
        let (rows, dh) = (5, 19);
        let wave = |n: usize, f: f64| -> Vec<f64> {
            (0..n).map(|i| 6.0 * ((i as f64 * f).sin())).collect()
        };
        let mut out = Vec::new();
        for (grid, with_left) in [(false, false), (true, false), (true, true)] {
            let layout = LinearRows { dh, mix: grid };
            let pre_x = wave(rows * layout.input_width(), 0.37);
            let left = if with_left {
                wave(rows * dh, 0.23)
            } else {
                vec![]
            };
            for record in [false, true] {
                let mut h = wave(rows * dh, 0.11);
                let mut o = vec![0.0; rows * dh];
                let mut tape = vec![
                    0.0;
                    if record {
                        rows * layout.tape_width()
                    } else {
                        0
                    }
                ];
                update(layout, &pre_x, &left, &mut h, &mut o, &mut tape);
                if record {
                    // The blend with the taped gates repeats the update's state bit for bit.
                    let tw = layout.tape_width();
                    let own = wave(rows * dh, 0.11);
                    for row in 0..rows {
                        let (mut h1, mut o1) = (vec![0.0; dh], vec![0.0; dh]);
                        let l = if with_left {
                            &left[row * dh..(row + 1) * dh]
                        } else {
                            &[][..]
                        };
                        blend(
                            layout,
                            &tape[row * tw..(row + 1) * tw],
                            &own[row * dh..(row + 1) * dh],
                            l,
                            &mut h1,
                            &mut o1,
                            Near::none(),
                        );
                        assert_eq!(h1, h[row * dh..(row + 1) * dh]);
                        assert_eq!(o1, o[row * dh..(row + 1) * dh]);
                    }
                    // All rows at once, sharing the first row's gates, as row by row.
                    let (mut h_all, mut o_all) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
                    let l = if with_left { &left[..] } else { &[][..] };
                    blend(
                        layout,
                        &tape[..tw],
                        &own,
                        l,
                        &mut h_all,
                        &mut o_all,
                        Near::none(),
                    );
                    for row in 0..rows {
                        let (mut h1, mut o1) = (vec![0.0; dh], vec![0.0; dh]);
                        let range = row * dh..(row + 1) * dh;
                        let l = if with_left {
                            &left[range.clone()]
                        } else {
                            &[][..]
                        };
                        blend(
                            layout,
                            &tape[..tw],
                            &own[range.clone()],
                            l,
                            &mut h1,
                            &mut o1,
                            Near::none(),
                        );
                        assert_eq!(
                            (h1, o1),
                            (h_all[range.clone()].to_vec(), o_all[range].to_vec())
                        );
                    }
                }
                out.extend([h, o, tape]);
            }
        }
        let (x, wt, bias) = (wave(21, 0.3), wave(3 * 21, 0.7), wave(3, 1.1));
        let mut logits = vec![0.0; 3];
        head(&x, &wt, &bias, &mut logits);
        let mut p = vec![0.0; 4];
        // The same logits in four rows, under four ranges.
        let rows = [
            logits.clone(),
            logits.clone(),
            logits.clone(),
            logits.clone(),
        ]
        .concat();
        softmax(
            &rows,
            &[(0, 2), (1, 2), (0, 0), (1, 2)],
            &[1, 2, 0, 0],
            &mut p,
        );
        out.extend([logits, p]);
        out
    }

    /// Near rows of the blend take tanh as a Taylor polynomial around the sample's state:
    /// within 1e-15 of tanh for changes up to the walk's bound (6e-5 in f64) and beyond, the
    /// states bit for bit, far rows exactly as without near rows, dispatched as the body.
    #[test]
    fn near_rows_of_the_blend_match_tanh() {
        let dh = 13;
        let layout = LinearRows { dh, mix: false };
        let wave =
            |n: usize, f: f64| -> Vec<f64> { (0..n).map(|i| 2.0 * (i as f64 * f).sin()).collect() };
        let sigmoid_gates: Vec<f64> = wave(dh, 0.7)
            .iter()
            .map(|x| 1.0 / (1.0 + (-x).exp()))
            .collect();
        let gates = [sigmoid_gates, wave(dh, 0.3), vec![0.0; dh]].concat();
        let rows = 4;
        let own = wave(rows * dh, 0.19);
        let (mut h_far, mut out_far) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
        linear_blend::<f64>(
            layout,
            &gates,
            &own,
            &[],
            &mut h_far,
            &mut out_far,
            Near::none(),
        );
        for change in [1e-9, 6e-5, 1e-4] {
            // The sample's state: row 1's new state, moved by about `change`.
            let sample_h: Vec<f64> = (0..dh)
                .map(|j| h_far[dh + j] - change * (0.5 + 0.5 * (j as f64).cos()))
                .collect();
            let sample_out: Vec<f64> = sample_h.iter().map(|x| x.tanh()).collect();
            let near = Near {
                rows: &[false, true, false, false],
                h: &sample_h,
                out: &sample_out,
            };
            let (mut h, mut out) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
            linear_blend::<f64>(layout, &gates, &own, &[], &mut h, &mut out, near);
            assert_eq!(h, h_far);
            assert_eq!(out[..dh], out_far[..dh]);
            assert_eq!(out[2 * dh..], out_far[2 * dh..]);
            for j in 0..dh {
                let exact = h_far[dh + j].tanh();
                assert!(
                    (out[dh + j] - exact).abs() <= 1e-15,
                    "{change}: {} vs {exact}",
                    out[dh + j]
                );
            }
            let (mut h_body, mut out_body) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
            let blend_body: BlendF64 = if simd_level() == SimdLevel::Generic {
                linear_blend_body::<Portable, f64>
            } else {
                linear_blend_body::<Fused, f64>
            };
            blend_body(layout, &gates, &own, &[], &mut h_body, &mut out_body, near);
            assert_eq!((h_body, out_body), (h, out));
        }
    }

    /// The linear cell's dispatched kernels round like their bodies (as the GRU's do), and
    /// the head's logits and probability agree with a plain evaluation.
    #[test]
    fn linear_kernels_match_generic_bit_for_bit() {
        let dispatched = linear_outputs(
            linear_update::<f64>,
            linear_blend::<f64>,
            head_logits::<f64>,
            softmax_probabilities::<f64>,
        );
        let reference = if simd_level() == SimdLevel::Generic {
            linear_outputs(
                linear_update_body::<Portable, f64>,
                linear_blend_body::<Portable, f64>,
                head_logits_body::<f64>,
                softmax_probabilities_body::<Portable, f64>,
            )
        } else {
            linear_outputs(
                linear_update_body::<Fused, f64>,
                linear_blend_body::<Fused, f64>,
                head_logits_body::<f64>,
                softmax_probabilities_body::<Fused, f64>,
            )
        };
        assert_eq!(dispatched, reference);
        // Two values: from the logits' difference as from the logits, under every range.
        let ranges = [(0, 1), (0, 0), (1, 1), (1, 0), (0, 1), (0, 1)];
        let values = [0, 0, 0, 1, 1, 1];
        let differences = [0.3, -2.0, 4.0, 1.0, -37.5, 12.25];
        let logits: Vec<f64> = differences.iter().flat_map(|&d| [0.5, 0.5 + d]).collect();
        let (mut from_logits, mut from_differences) = ([0.0; 6], [0.0; 6]);
        softmax_probabilities::<f64>(&logits, &ranges, &values, &mut from_logits);
        two_value_probabilities::<f64>(&differences, &ranges, &values, &mut from_differences);
        for (a, b) in from_logits.iter().zip(&from_differences) {
            assert!((a - b).abs() <= 1e-15 * a.max(1e-300), "{a} vs {b}");
        }
        let mut body = [0.0; 6];
        let two_value_body: SoftmaxF64 = if simd_level() == SimdLevel::Generic {
            two_value_probabilities_body::<Portable, f64>
        } else {
            two_value_probabilities_body::<Fused, f64>
        };
        two_value_body(&differences, &ranges, &values, &mut body);
        assert_eq!(body, from_differences);
        let logits = &dispatched[dispatched.len() - 2];
        let x: Vec<f64> = (0..21).map(|i| 6.0 * (i as f64 * 0.3).sin()).collect();
        for (v, &l) in logits.iter().enumerate() {
            let plain = 6.0 * (v as f64 * 1.1).sin()
                + (0..21)
                    .map(|j| x[j] * 6.0 * (((v * 21 + j) as f64) * 0.7).sin())
                    .sum::<f64>();
            assert!((l - plain).abs() < 1e-12, "{l} vs {plain}");
        }
        // Several rows at once, as each row alone.
        let (wt, bias) = (
            (0..63)
                .map(|i| 6.0 * (i as f64 * 0.7).sin())
                .collect::<Vec<f64>>(),
            (0..3)
                .map(|i| 6.0 * (i as f64 * 1.1).sin())
                .collect::<Vec<f64>>(),
        );
        let x2: Vec<f64> = x.iter().chain(x.iter().rev()).copied().collect();
        let mut both = vec![0.0; 6];
        head_logits(&x2, &wt, &bias, &mut both);
        let mut second = vec![0.0; 3];
        head_logits(&x2[21..], &wt, &bias, &mut second);
        assert_eq!((&both[..3], &both[3..]), (&logits[..], &second[..]));
        let p = &dispatched[dispatched.len() - 1];
        let e: Vec<f64> = logits.iter().map(|l| l.exp()).collect();
        assert!((p[0] - e[1] / (e[0] + e[1] + e[2])).abs() < 1e-14);
        assert!((p[1] - e[2] / (e[1] + e[2])).abs() < 1e-14);
        assert_eq!(p[2], 1.0, "the only feasible value");
        assert_eq!(p[3], 0.0, "a value outside the feasible range");
    }

    /// The ln softmax of rows of two and of three values against libm's, in f64 and f32,
    /// the dispatched kernel equal to its body bit for bit, rows of -inf as before the
    /// kernel (-inf everywhere), and NaN or +inf logits giving NaN.
    #[test]
    fn log_softmax_matches_libm() {
        for d in [2usize, 3] {
            let rows = 37;
            let logits: Vec<f64> = (0..rows * d)
                .map(|i| 40.0 * (i as f64 * 0.377).sin() * (i as f64 * 0.051).cos())
                .collect();
            let mut out = vec![0.0; rows * d];
            log_softmax::<f64>(&logits, d, &mut out);
            let mut out32 = vec![0.0f32; rows * d];
            let logits32: Vec<f32> = logits.iter().map(|&x| x as f32).collect();
            log_softmax::<f32>(&logits32, d, &mut out32);
            for r in 0..rows {
                let row = &logits[r * d..(r + 1) * d];
                let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = max + row.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
                for v in 0..d {
                    let exact = row[v] - lse;
                    let tolerance = 4.0 * f64::EPSILON * exact.abs().max(1.0);
                    assert!((out[r * d + v] - exact).abs() <= tolerance, "d {d} row {r}");
                    let f32_tolerance = 1e-5 * exact.abs().max(1.0);
                    assert!((out32[r * d + v] as f64 - exact).abs() <= f32_tolerance);
                }
            }
            let mut body = vec![0.0; rows * d];
            if simd_level() == SimdLevel::Generic {
                log_softmax_body::<Portable, f64>(&logits, d, &mut body);
            } else {
                log_softmax_body::<Fused, f64>(&logits, d, &mut body);
            }
            assert_eq!(body, out);
        }
        let special = [
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            0.5,
            f64::INFINITY,
            0.5,
            -1e308,
            1e308,
        ];
        let mut out = [0.0; 8];
        log_softmax::<f64>(&special, 2, &mut out);
        assert_eq!(out[..2], [f64::NEG_INFINITY; 2]);
        assert!(out[2..6].iter().all(|x| x.is_nan()), "{out:?}");
        assert_eq!(out[7], 0.0);
        assert!(out[6] < -1e307);
        // Rows whose maximum is -inf because every logit is -inf or NaN, in both precisions
        // and with three values: NaN wins, else nothing is possible.
        let (inf, nan) = (f64::NEG_INFINITY, f64::NAN);
        let special = [nan, inf, nan, nan, inf, inf, 0.0, inf];
        let mut out = [0.0; 8];
        log_softmax::<f64>(&special, 2, &mut out);
        assert!(out[..4].iter().all(|x| x.is_nan()), "{out:?}");
        assert_eq!(out[4..], [inf, inf, 0.0, inf]);
        let special32: Vec<f32> = special.iter().map(|&x| x as f32).collect();
        let mut out32 = [0.0f32; 8];
        log_softmax::<f32>(&special32, 2, &mut out32);
        assert!(out32[..4].iter().all(|x| x.is_nan()), "{out32:?}");
        assert_eq!(
            out32[4..],
            [f32::NEG_INFINITY, f32::NEG_INFINITY, 0.0, f32::NEG_INFINITY]
        );
        let mut out3 = [0.0; 6];
        log_softmax::<f64>(&[inf, inf, inf, nan, inf, inf], 3, &mut out3);
        assert_eq!(out3[..3], [inf; 3]);
        assert!(out3[3..].iter().all(|x| x.is_nan()), "{out3:?}");
    }
}

mod backward {
    use crate::kernels::cells::gru::*;
    use crate::kernels::cells::linear_gated::*;
    use crate::kernels::cells::tensor_gru::*;
    use crate::kernels::cells::vanilla::*;

    /// These bodies are plain arithmetic (no activations, no multiply-adds), so every
    /// instruction-set variant, the portable one included, must round exactly like the body
    /// compiled for the baseline: the backward pass adds no dependence on the CPU's features.
    #[test]
    fn dispatched_backward_kernels_match_generic_bit_for_bit() {
        let (rows, dh) = (5, 13);
        let wave = |n: usize, f: f64| -> Vec<f64> {
            (0..n).map(|i| 0.9 * ((i as f64 * f).sin())).collect()
        };
        let adj = wave(rows * dh, 0.29);
        let h = wave(rows * dh, 0.71);

        for grid in [false, true] {
            let layout = GruRows { dh, merge: grid };
            let gates = wave(rows * layout.tape_width(), 0.37);
            let (xw, hw) = (layout.input_width(), layout.hidden_width());
            let (mut ha, mut hb) = (adj.clone(), adj.clone());
            let (mut xa, mut xb) = (vec![0.0; rows * xw], vec![0.0; rows * xw]);
            let (mut pa, mut pb) = (vec![0.0; rows * hw], vec![0.0; rows * hw]);
            gru_backward(layout, &gates, &h, &mut ha, &mut xa, &mut pa);
            gru_backward_body(layout, &gates, &h, &mut hb, &mut xb, &mut pb);
            assert_eq!((ha, xa, pa), (hb, xb, pb));
        }

        for grid in [false, true] {
            let concat = if grid { 2 * dh + 1 } else { dh + 1 };
            let layout = TensorGruRows {
                dh,
                concat,
                tensor: if grid { 4 } else { 2 } * concat,
            };
            let tape = wave(rows * layout.tape_width(), 0.37);
            let (mut pa, mut pb) = (vec![0.0; rows * 2 * dh], vec![0.0; rows * 2 * dh]);
            let (mut qa, mut qb) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
            tensor_gru_backward(layout, &tape, &adj, &mut pa, &mut qa);
            tensor_gru_backward_body(layout, &tape, &adj, &mut pb, &mut qb);
            assert_eq!((pa, qa), (pb, qb));
        }

        for (grid, with_left) in [(false, false), (true, false), (true, true)] {
            let layout = LinearRows { dh, mix: grid };
            let tape = wave(rows * layout.tape_width(), 0.37);
            let xw = layout.input_width();
            let (mut ha, mut hb) = (adj.clone(), adj.clone());
            let left = if with_left {
                wave(rows * dh, 0.53)
            } else {
                vec![]
            };
            let (mut la, mut lb) = (left.clone(), left.clone());
            let (mut xa, mut xb) = (vec![0.0; rows * xw], vec![0.0; rows * xw]);
            let out = wave(rows * dh, 0.19);
            linear_backward(layout, &tape, &h, &out, &mut ha, &mut la, &mut xa);
            linear_backward_body(layout, &tape, &h, &out, &mut hb, &mut lb, &mut xb);
            assert_eq!((ha, la, xa), (hb, lb, xb));
        }

        type Kernel = fn(&[f64], &[f64], &mut [f64]);
        let activations: [(Kernel, Kernel); 2] = [
            (tanh_backward, tanh_backward_body),
            (elu_backward, elu_backward_body),
        ];
        for (dispatched, generic) in activations {
            let (mut a, mut b) = (vec![0.0; rows * dh], vec![0.0; rows * dh]);
            dispatched(&h, &adj, &mut a);
            generic(&h, &adj, &mut b);
            assert_eq!(a, b);
        }
    }
}
