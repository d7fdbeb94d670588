"""Vmc.run: budgets, the log (the Rust examples' fields), callbacks, progress, resuming from
checkpoints, and the plot over a log."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
import time

import numpy as np
import pytest

import rnnwf

N = 6


def ising():
    return rnnwf.Hamiltonian.tfim(N)


def model():
    return rnnwf.Model(lx=N, cell="gru", hidden=8, seed=1)


def vmc():
    return rnnwf.Vmc(optimizer="minsr", n_samples=64, learning_rate=0.05, sr_diag_shift=1e-3, seed=3)


def without_seconds(lines):
    """Log rows without the wall time, the one field two identical runs differ in."""
    rows = [json.loads(line) for line in lines]
    for r in rows:
        del r["seconds"]
    return rows


def test_run_is_the_hand_written_loop_and_logs_the_rust_fields(tmp_path):
    h = ising()
    e0 = h.exact_ground_energy()
    m, v = model(), vmc()
    history = v.run(m, h, steps=12, log=tmp_path / "log.jsonl", progress=False, reference=e0)
    # The same steps by hand, from the same start: the same numbers, bit for bit.
    m2, v2 = model(), vmc()
    by_hand = [v2.step(m2, h) for _ in range(12)]
    assert len(history) == 12 and history.stopped == "steps"
    np.testing.assert_array_equal(history["step"], np.arange(12))
    np.testing.assert_array_equal(history["energy"], [s.energy.mean_re for s in by_hand])
    np.testing.assert_array_equal(history["error"], [s.energy.error for s in by_hand])
    np.testing.assert_array_equal(history["grad_norm"], [s.grad_norm for s in by_hand])
    np.testing.assert_array_equal(m.get_params(), m2.get_params())
    np.testing.assert_allclose(history["relative_error"], np.abs(history["energy"] - e0) / abs(e0), rtol=1e-15)

    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    assert len(lines) == 12
    # Field names and order as train_ising writes them (docs/log-jsonl.md).
    assert list(json.loads(lines[0])) == ["step", "energy", "error", "variance", "relative_error",
                                          "grad_norm", "seconds"]
    row = json.loads(lines[5])
    assert row["energy"] == pytest.approx(by_hand[5].energy.mean_re, abs=1e-12)
    assert row["variance"] == pytest.approx(by_hand[5].energy.variance, rel=1e-6)
    # Rust's {:.6e}: no '+' and no leading zero in the exponent.
    assert '"error":' in lines[5] and "e-0" not in lines[5] and "e+" not in lines[5]
    with pytest.raises(ValueError, match="no field"):
        history["energies"]


def test_without_reference_the_log_has_no_relative_error(tmp_path):
    with ising() as h, model() as m, vmc() as v:
        history = v.run(m, h, steps=2, log=tmp_path / "log.jsonl", progress=False)
    row = json.loads((tmp_path / "log.jsonl").read_text().splitlines()[0])
    assert "relative_error" not in row and "energy" in row
    assert np.isnan(history["relative_error"]).all()


def test_a_damaged_log_is_named_not_overwritten(tmp_path):
    h = ising()
    m, v = model(), vmc()
    v.run(m, h, steps=3, progress=False, checkpoint=tmp_path / "run")
    log = tmp_path / "log.jsonl"
    log.write_text('{"step":0}\nnot json\n{"step":1}\n')
    m, v = rnnwf.load_checkpoint(tmp_path / "run")
    before = m.get_params()
    with pytest.raises(ValueError, match="line 2 is not a log line"):
        v.run(m, h, steps=1, log=log, progress=False)
    assert log.read_text() == '{"step":0}\nnot json\n{"step":1}\n'
    np.testing.assert_array_equal(m.get_params(), before)  # refused before any step



def test_a_run_from_step_0_starts_the_log_afresh(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text('{"step":0,"energy":1.0}\n' * 40)
    with ising() as h, model() as m, vmc() as v:
        v.run(m, h, steps=3, log=log, progress=False)
    assert [r["step"] for r in rnnwf.read_log(log)] == [0, 1, 2]


def test_resuming_from_checkpoints_continues_the_same_log(tmp_path):
    h = ising()
    # One uninterrupted run of 30 steps.
    m, v = model(), vmc()
    v.run(m, h, steps=30, log=tmp_path / "whole.jsonl", progress=False)
    whole = (tmp_path / "whole.jsonl").read_text().splitlines()

    # The same, interrupted at step 24 by an exception, with a checkpoint every 10 steps:
    # the log holds steps 0..24, the checkpoint is from after step 19.
    def crash(stats):
        if stats.step == 24:
            raise KeyboardInterrupt

    log, folder = tmp_path / "log.jsonl", tmp_path / "run"
    m, v = model(), vmc()
    with pytest.raises(KeyboardInterrupt):
        v.run(m, h, steps=30, log=log, progress=False, callback=crash, checkpoint=folder, checkpoint_every=10)
    assert len(log.read_text().splitlines()) == 25
    with open(log, "a") as f:
        f.write('{"step":25,"energy":-7.1')  # a line cut short by the crash
    m, v = rnnwf.load_checkpoint(folder)
    history = v.run(m, h, steps=10, log=log, progress=False)
    np.testing.assert_array_equal(history["step"], np.arange(20, 30))
    resumed = log.read_text().splitlines()
    assert without_seconds(resumed) == without_seconds(whole)


def test_a_save_cut_short_leaves_a_whole_checkpoint(tmp_path):
    # The model and the optimiser are written beside their places before either is renamed
    # in: a crash before the first rename leaves the previous pair, one between the renames
    # a new model whose optimiser is rolled forward on load; never a mixed pair.
    h = ising()
    m, v = model(), vmc()
    folder = tmp_path / "run"
    v.run(m, h, steps=3, progress=False, checkpoint=folder)
    assert sorted(p.name for p in folder.iterdir()) == ["model.safetensors", "optimizer.safetensors"]
    saved_params, saved_steps = m.get_params(), v.step_count
    v.run(m, h, steps=2, progress=False)  # the pair in place is from step 3, these are at 5
    # Cut short before the first rename: both .new files, the previous pair in place.
    m.save(folder / "model.safetensors.new")
    v.save(folder / "optimizer.safetensors.new")
    m2, v2 = rnnwf.load_checkpoint(folder)
    np.testing.assert_array_equal(m2.get_params(), saved_params)
    assert v2.step_count == saved_steps
    assert not list(folder.glob("*.new"))
    # Cut short between the renames: the new model in place, its optimiser beside it.
    m.save(folder / "model.safetensors")
    v.save(folder / "optimizer.safetensors.new")
    m3, v3 = rnnwf.load_checkpoint(folder)
    np.testing.assert_array_equal(m3.get_params(), m.get_params())
    assert v3.step_count == v.step_count == saved_steps + 2


def test_a_save_cut_short_keeps_the_settings_with_their_checkpoint(tmp_path):
    # The settings are renamed in last: a run B cut short in a folder of run A's before its
    # first rename leaves A's model with A's settings, after it B's model with B's settings.
    h = ising()
    folder = tmp_path / "run"
    a, b = dict(run="a"), dict(run="b")
    m, v = model(), vmc()
    v.run(m, h, steps=2, progress=False, checkpoint=folder, settings=a)
    m_a = m.get_params()
    v.run(m, h, steps=1, progress=False)
    m.save(folder / "model.safetensors.new")
    v.save(folder / "optimizer.safetensors.new")
    (folder / "run.json.new").write_text('{"run": "b"}\n')
    m2, _ = rnnwf.load_checkpoint(folder, a)
    np.testing.assert_array_equal(m2.get_params(), m_a)
    assert not list(folder.glob("*.new"))
    # Cut short after the model's rename: B's optimizer and settings roll forward.
    m.save(folder / "model.safetensors")
    v.save(folder / "optimizer.safetensors.new")
    (folder / "run.json.new").write_text('{"run": "b"}\n')
    with pytest.raises(rnnwf.InvalidValue, match=r"run a \(the checkpoint's: b\)"):
        rnnwf.load_checkpoint(folder, a)
    m3, v3 = rnnwf.load_checkpoint(folder, b)
    np.testing.assert_array_equal(m3.get_params(), m.get_params())
    # A save without settings drops an earlier run's; a run.json that is not an object is
    # refused by name.
    v.run(m, h, steps=1, progress=False, checkpoint=folder)
    assert not (folder / "run.json").exists()
    (folder / "run.json").write_text("[]\n")
    with pytest.raises(rnnwf.InvalidValue, match="not the settings' object"):
        rnnwf.load_checkpoint(folder, a)
    # Settings JSON cannot hold: NaN is a bad value, an object a bad type.
    with pytest.raises(rnnwf.InvalidValue, match="settings"):
        v.run(m, h, steps=1, progress=False, checkpoint=folder, settings=dict(lr=float("nan")))
    with pytest.raises(TypeError):
        v.run(m, h, steps=1, progress=False, checkpoint=folder, settings={1: 2})


def test_the_checkpoint_holds_what_the_callback_set(tmp_path):
    # A callback that sets the next step's learning rate: the checkpoint saved at that step
    # has it, so a resumed run goes on as the whole one does.
    h = ising()
    m, v = model(), vmc()
    v.run(m, h, steps=4, progress=False, checkpoint=tmp_path / "run", checkpoint_every=2,
          callback=lambda s: v.set_learning_rate(0.01 * (s.step + 1)))
    _, saved = rnnwf.load_checkpoint(tmp_path / "run")
    assert saved.config["learning_rate"] == pytest.approx(0.04)


def test_read_log_leaves_out_a_last_line_cut_short(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text('{"step":0,"energy":-1.0}\n{"step":1,"energy":-1.5}\n{"step":2,"ene')
    assert [r["step"] for r in rnnwf.read_log(log)] == [0, 1]
    log.write_text('{"step":0,"energy":-1.0}\nnot json\n{"step":2,"energy":-1.5}\n')
    with pytest.raises(ValueError):
        rnnwf.read_log(log)


def test_checkpoint_at_the_end_resumes_bit_for_bit(tmp_path):
    h = ising()
    m, v = model(), vmc()
    assert v.step_count == 0
    v.run(m, h, steps=7, progress=False, checkpoint=tmp_path / "run")  # 7 is not a multiple of 100
    m2, v2 = rnnwf.load_checkpoint(tmp_path / "run")
    assert v.step_count == 7 and v2.step_count == 7  # the count comes back with the checkpoint
    np.testing.assert_array_equal(m2.get_params(), m.get_params())
    assert v2.step(m2, h).energy == v.step(m, h).energy
    assert v2.step_count == 8


def test_step_count_is_the_next_steps_index():
    with ising() as h, model() as m, vmc() as v:
        for k in range(3):
            assert v.step_count == k
            assert v.step(m, h).step == k
        other = rnnwf.Hamiltonian.tfim(m.num_sites + 1)
        with pytest.raises(rnnwf.Error):
            v.step(m, other)  # a refused step does not count
        assert v.step_count == 3


def test_callback_stops_the_run():
    seen = []

    def stop_at_5(stats):
        seen.append(stats.step)
        return stats.step < 5

    with ising() as h, model() as m, vmc() as v:
        history = v.run(m, h, steps=100, progress=False, callback=stop_at_5)
    assert seen == list(range(6)) and len(history) == 6 and history.stopped == "callback"


def test_time_budget():
    with ising() as h, model() as m, vmc() as v:
        history = v.run(m, h, minutes=0, progress=False)
        assert len(history) == 0 and history.stopped == "minutes"
        start = time.monotonic()
        history = v.run(m, h, steps=10**9, minutes=0.5 / 60, progress=False)
        elapsed = time.monotonic() - start
    assert history.stopped == "minutes" and len(history) > 1
    # It stops at the first step boundary past the budget.
    assert 0.5 <= elapsed < 0.5 + 5 * max(history["seconds"]) + 0.2


def test_progress_line():
    out = io.StringIO()
    with ising() as h, model() as m, vmc() as v:
        v.run(m, h, steps=3, progress=out, reference=h.exact_ground_energy())
    text = out.getvalue()
    assert "GRU" in text and "minSR" in text, text  # human names, not MinSr or Gru
    last = text.strip().splitlines()[-1]
    assert last.startswith("step 2 (3/3)") and "+-" in last and "rel. error" in last, text


def test_run_refuses_bad_arguments():
    with ising() as h, model() as m, vmc() as v:
        with pytest.raises(ValueError, match="steps=, minutes="):
            v.run(m, h)
        with pytest.raises(TypeError, match="steps"):
            v.run(m, h, steps="10")
        with pytest.raises(ValueError, match="minutes"):
            v.run(m, h, minutes=math.nan)
        with pytest.raises(TypeError, match="callback"):
            v.run(m, h, steps=1, callback=3)
        with pytest.raises(ValueError, match="reference"):
            v.run(m, h, steps=1, reference=0.0)
        with pytest.raises(rnnwf.Error):
            v.run(m, h, steps=-1)


def test_run_trains_the_ising_chain_to_the_exact_energy():
    # Physics: the trained state's exact energy (full sum) against Lanczos.
    with rnnwf.Hamiltonian.tfim(10) as h, rnnwf.Model(lx=10, cell="gru", hidden=16, seed=1) as m, \
            rnnwf.Vmc(optimizer="minsr", n_samples=256, learning_rate=0.05, sr_diag_shift=1e-3, seed=3) as v:
        e0 = h.exact_ground_energy()
        history = v.run(m, h, steps=200, progress=False, reference=e0)
        assert (m.exact_expectation(h).real - e0) / abs(e0) < 1e-3
        assert history["relative_error"][-20:].mean() < 1e-2


def test_plot_log(tmp_path):
    pytest.importorskip("matplotlib")
    h = ising()
    e0 = h.exact_ground_energy()
    m, v = model(), vmc()
    v.run(m, h, steps=40, log=tmp_path / "log.jsonl", progress=False)
    final = m.expectation(h, 4096, seed=9)
    fig = rnnwf.plot_log(tmp_path / "log.jsonl", tmp_path / "e.png", reference=e0, reference_label="exact",
                         n_sites=N, final=final, title="test")
    assert (tmp_path / "e.png").read_bytes().startswith(b"\x89PNG")
    top = fig.axes[0]
    assert "per site" in top.get_ylabel() and "(J)" in top.get_ylabel()
    rows = rnnwf.read_log(tmp_path / "log.jsonl")
    lo, hi = top.get_ylim()
    # The scale follows the later steps: the first step, far above, is off the panel.
    assert rows[0]["energy"] / N > hi
    assert lo < e0 / N < hi and lo < final.mean_re / N < hi
    labels = top.get_legend_handles_labels()[1] if not top.get_legend() else \
        [t.get_text() for t in top.get_legend().get_texts()]
    assert any(label.startswith("exact") for label in labels)
    assert any(label.startswith("final") for label in labels)


def test_plot_log_draws_rows_without_a_finite_energy(tmp_path):
    # A diverged run (energies inf or NaN) still gets its plot, on matplotlib's own scale;
    # a run finite only in its first steps is scaled to those.
    pytest.importorskip("matplotlib")
    nan, inf = float("nan"), float("inf")
    for energies in ([nan, inf, nan], [-1.0, -1.2, nan, nan, nan, inf, nan, nan, nan, nan]):
        rows = [dict(step=k, energy=e, error=0.1) for k, e in enumerate(energies)]
        for reference in (None, -1.5):
            fig = rnnwf.plot_log(rows, tmp_path / "e.png", reference=reference)
            assert (tmp_path / "e.png").read_bytes().startswith(b"\x89PNG")
            lo, hi = fig.axes[0].get_ylim()
            assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
            if reference is None and energies[0] == -1.0:
                assert lo < -1.3 and -0.9 < hi < 0  # the first steps', where the later have none


def test_the_package_imports_without_matplotlib():
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import rnnwf\n"
            "try:\n"
            "    rnnwf.plot_log([{'step': 0, 'energy': 1.0, 'error': 0.1}])\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install matplotlib" in out.stdout, out.stdout + out.stderr


def test_one_name_for_sr():
    with rnnwf.Vmc(optimizer="minsr") as a, rnnwf.Vmc(optimizer="sr") as b, rnnwf.Vmc(optimizer=2) as c:
        assert a.config["optimizer"] == b.config["optimizer"] == c.config["optimizer"] == "minsr"
    with rnnwf.Vmc(optimizer="adam", preconditioner="sr") as d:
        assert d.config["preconditioner"] == "sr"
    with pytest.raises(ValueError, match="minsr"):
        rnnwf.Vmc(optimizer="lbfgs")
    assert rnnwf.human("optimizer", "minsr") == "minSR" and rnnwf.human("cell", "gru") == "GRU"


def test_a_checkpoint_refuses_other_settings(tmp_path):
    h = ising()
    m, v = model(), vmc()
    settings = dict(sites=m.num_sites, lr=0.01, seed=1)
    v.run(m, h, steps=2, progress=False, checkpoint=tmp_path / "run", settings=settings)
    m2, v2 = rnnwf.load_checkpoint(tmp_path / "run", settings)
    np.testing.assert_array_equal(m2.get_params(), m.get_params())
    with pytest.raises(rnnwf.InvalidValue, match=r"lr 0\.02 \(the checkpoint's: 0\.01\)"):
        rnnwf.load_checkpoint(tmp_path / "run", dict(settings, lr=0.02))
    with pytest.raises(rnnwf.InvalidValue, match=r"hidden 8 \(the checkpoint's: \(none\)\)"):
        rnnwf.load_checkpoint(tmp_path / "run", dict(settings, hidden=8))
    with pytest.raises(rnnwf.InvalidValue, match=r"seed \(not given\)"):
        rnnwf.load_checkpoint(tmp_path / "run", dict(sites=m.num_sites, lr=0.01))
    # Without settings= the checkpoint loads as before; one saved without them loads with a
    # warning when settings are given; settings that are not plain JSON are refused before
    # any step.
    rnnwf.load_checkpoint(tmp_path / "run")
    v.run(m, h, steps=1, progress=False, checkpoint=tmp_path / "bare")
    with pytest.warns(UserWarning, match="saved without settings"):
        rnnwf.load_checkpoint(tmp_path / "bare", settings)
    steps = v.step_count
    with pytest.raises(TypeError):
        v.run(m, h, steps=1, progress=False, checkpoint=tmp_path / "run", settings=dict(lr=object()))
    with pytest.raises(rnnwf.InvalidValue, match="checkpoint="):
        v.run(m, h, steps=1, progress=False, settings=settings)
    assert v.step_count == steps
