//! The training examples' plot (plotters, SVG backend): the energy per site against the step
//! with its error band, the final high-statistics estimate marked after the last step and,
//! when a reference ground energy is known (exact, or e.g. QMC: labelled as what it is), the
//! reference line and a second panel with the relative error on a log scale.
//!
//! The energy panel's scale follows the later 80% of the steps (and the reference and final
//! estimate): the first steps, far above, would otherwise flatten the band once converged.
//! Points off that scale are drawn at its edge; the log panel shows the whole run.

use plotters::prelude::*;
use std::error::Error;
use std::path::Path;

/// One training step's energy estimate.
#[derive(Clone, Copy, Debug)]
pub struct EnergyPoint {
    pub step: u64,
    /// The sample mean of the local energy.
    pub mean: f64,
    /// Its standard error.
    pub error: f64,
}

/// A known ground energy and what it is ("exact", "QMC", "reference").
#[derive(Clone, Copy, Debug)]
pub struct Reference<'a> {
    pub energy: f64,
    pub label: &'a str,
}

/// The estimate from many fresh samples after the last step.
#[derive(Clone, Copy, Debug)]
pub struct FinalEstimate {
    pub mean: f64,
    pub error: f64,
    pub samples: usize,
}

/// What goes on the plot besides the steps.
pub struct Plot<'a> {
    /// Above the energy panel.
    pub title: &'a str,
    /// Energies are divided by this (per-site energies).
    pub sites: u32,
    pub reference: Option<Reference<'a>>,
    pub final_estimate: Option<FinalEstimate>,
}

const BAND: RGBColor = RGBColor(70, 130, 180);
const EXACT: RGBColor = RGBColor(200, 30, 30);
const NOISE: RGBColor = RGBColor(150, 150, 150);
const WIDTH: u32 = 900;
const PANEL_HEIGHT: u32 = 380;

/// Writes the plot to `path` (SVG).
pub fn write_energy_plot(path: &Path, plot: &Plot, history: &[EnergyPoint]) -> Result<(), String> {
    draw(path, plot, history).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn draw(path: &Path, plot: &Plot, history: &[EnergyPoint]) -> Result<(), Box<dyn Error>> {
    if history.is_empty() {
        return Err("no steps to plot".into());
    }
    // Everything per site from here on.
    let n = f64::from(plot.sites.max(1));
    let history: Vec<EnergyPoint> = history
        .iter()
        .map(|p| EnergyPoint {
            step: p.step,
            mean: p.mean / n,
            error: p.error / n,
        })
        .collect();
    let reference = plot.reference.map(|r| Reference {
        energy: r.energy / n,
        label: r.label,
    });
    let last = history[history.len() - 1].step as f64;
    let final_point = plot.final_estimate.map(|f| FinalEstimate {
        mean: f.mean / n,
        error: f.error / n,
        samples: f.samples,
    });
    let panels = if reference.is_some() { 2 } else { 1 };
    let root = SVGBackend::new(path, (WIDTH, panels * PANEL_HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(PANEL_HEIGHT);
    energy_panel(
        &top,
        plot.title,
        &history,
        reference,
        final_point.map(|f| (last, f)),
    )?;
    if let Some(reference) = reference {
        relative_error_panel(&bottom, &history, reference, final_point.map(|f| (last, f)))?;
    }
    root.present()?;
    Ok(())
}

/// The x axis: every step, the last one included.
fn steps(history: &[EnergyPoint]) -> std::ops::Range<f64> {
    let first = history[0].step as f64;
    let last = history[history.len() - 1].step as f64;
    first..last.max(first + 1.0)
}

/// Enough decimals to tell apart ticks about a tenth of `span` apart.
fn decimals(span: f64) -> usize {
    if span > 0.0 && span.is_finite() {
        (1.0 - (span / 10.0).log10().floor()).clamp(0.0, 10.0) as usize
    } else {
        4
    }
}

fn energy_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    history: &[EnergyPoint],
    reference: Option<Reference<'_>>,
    final_point: Option<(f64, FinalEstimate)>,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    // The y range covers the band of the later 80% of the steps, the reference and the final
    // estimate, with a margin for the legend.
    let later = &history[history.len() / 5..];
    let (lo, hi) = later
        .iter()
        .flat_map(|p| [p.mean - p.error, p.mean + p.error])
        .chain(reference.map(|r| r.energy))
        .chain(
            final_point
                .into_iter()
                .flat_map(|(_, f)| [f.mean - f.error, f.mean + f.error]),
        )
        .filter(|y| y.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
    let pad = ((hi - lo) * 0.08).max(1e-9 * hi.abs().max(1.0));
    let (bottom, top) = (lo - pad, hi + 2.5 * pad);
    // Earlier points off the scale are drawn at its edge.
    let clamp = |y: f64| y.clamp(bottom, top);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(85)
        .build_cartesian_2d(steps(history), bottom..top)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc("energy per site E/N (units of J, Pauli matrices)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.*}", decimals(hi - lo)))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let upper = history
        .iter()
        .map(|p| (p.step as f64, clamp(p.mean + p.error)));
    let lower = history
        .iter()
        .rev()
        .map(|p| (p.step as f64, clamp(p.mean - p.error)));
    chart
        .draw_series(std::iter::once(Polygon::new(
            upper.chain(lower).collect::<Vec<_>>(),
            BAND.mix(0.3).filled(),
        )))?
        .label("mean ± standard error")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], BAND.mix(0.3).filled()));
    chart
        .draw_series(LineSeries::new(
            history.iter().map(|p| (p.step as f64, clamp(p.mean))),
            BAND.stroke_width(1),
        ))?
        .label("energy (sample mean)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BAND.stroke_width(1)));
    if let Some(r) = reference {
        let range = steps(history);
        chart
            .draw_series(DashedLineSeries::new(
                [(range.start, r.energy), (range.end, r.energy)],
                8,
                5,
                EXACT.stroke_width(2),
            ))?
            .label(format!("{} {:.8}", r.label, r.energy))
            // Dashed in the legend too: two short segments.
            .legend(|(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new([(0, 0), (8, 0)], EXACT.stroke_width(2))
                    + PathElement::new([(13, 0), (20, 0)], EXACT.stroke_width(2))
            });
    }
    if let Some((x, f)) = final_point {
        chart
            .draw_series([
                PathElement::new(
                    [(x, f.mean - f.error), (x, f.mean + f.error)],
                    BLACK.stroke_width(1),
                )
                .into_dyn(),
                Circle::new((x, f.mean), 4, BLACK.filled()).into_dyn(),
            ])?
            .label(format!(
                "final {:.8} ± {:.1e} ({} samples)",
                f.mean, f.error, f.samples
            ))
            .legend(|(x, y)| {
                EmptyElement::at((x + 10, y))
                    + Circle::new((0, 0), 4, BLACK.filled())
                    + PathElement::new([(0, -7), (0, 7)], BLACK.stroke_width(1))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

fn relative_error_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    history: &[EnergyPoint],
    reference: Reference<'_>,
    final_point: Option<(f64, FinalEstimate)>,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let exact = reference.energy;
    let scale = exact.abs();
    let final_relative =
        final_point.map(|(x, f)| (x, (f.mean - exact).abs() / scale, f.error / scale));
    let relative: Vec<(f64, f64)> = history
        .iter()
        .map(|p| (p.step as f64, (p.mean - exact).abs() / scale))
        .collect();
    let noise: Vec<(f64, f64)> = history
        .iter()
        .map(|p| (p.step as f64, p.error / scale))
        .collect();
    // A log axis cannot show zero: its range spans the positive values, and a step whose
    // relative error is exactly zero (no sample noise either) is left out of the line.
    let positive = || {
        relative
            .iter()
            .chain(&noise)
            .map(|p| p.1)
            .chain(final_relative.map(|f| f.1))
            .filter(|&y| y > 0.0 && y.is_finite())
    };
    let lo = positive().fold(f64::INFINITY, f64::min);
    let hi = positive().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() {
        (lo / 2.0, hi * 2.0)
    } else {
        (1e-12, 1.0)
    };
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(85)
        .build_cartesian_2d(steps(history), (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc(format!("|E - E_{0}| / |E_{0}|", reference.label))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let keep = |p: &&(f64, f64)| p.1 > 0.0 && p.1.is_finite();
    chart
        .draw_series(LineSeries::new(
            noise.iter().filter(keep).copied(),
            NOISE.stroke_width(1),
        ))?
        .label(format!("standard error / |E_{}|", reference.label))
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], NOISE.stroke_width(1)));
    chart
        .draw_series(LineSeries::new(
            relative.iter().filter(keep).copied(),
            BAND.stroke_width(1),
        ))?
        .label("relative error")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BAND.stroke_width(1)));
    // The final estimate's relative error, when it is not zero (a log axis cannot show it).
    if let Some((x, rel, err)) = final_relative.filter(|f| f.1 > 0.0) {
        chart
            .draw_series(std::iter::once(Circle::new((x, rel), 4, BLACK.filled())))?
            .label(format!("final estimate {rel:.1e} (± {err:.1e})"))
            .legend(|(x, y)| {
                EmptyElement::at((x + 10, y))
                    + Circle::new((0, 0), 4, BLACK.filled())
                    + PathElement::new([(0, -7), (0, 7)], BLACK.stroke_width(1))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
