//! The training examples' plot (plotters, SVG backend): the energy against the step with its
//! error band and, when the exact ground energy is known, the exact line and a second panel
//! with the relative error on a log scale. Nothing is clipped: the axes cover every point.

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

const BAND: RGBColor = RGBColor(70, 130, 180);
const EXACT: RGBColor = RGBColor(200, 30, 30);
const WIDTH: u32 = 900;
const PANEL_HEIGHT: u32 = 380;

/// Writes the plot to `path` (SVG). `title` goes above the energy panel.
pub fn write_energy_plot(
    path: &Path,
    title: &str,
    history: &[EnergyPoint],
    exact: Option<f64>,
) -> Result<(), String> {
    draw(path, title, history, exact).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn draw(
    path: &Path,
    title: &str,
    history: &[EnergyPoint],
    exact: Option<f64>,
) -> Result<(), Box<dyn Error>> {
    if history.is_empty() {
        return Err("no steps to plot".into());
    }
    let panels = if exact.is_some() { 2 } else { 1 };
    let root = SVGBackend::new(path, (WIDTH, panels * PANEL_HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(PANEL_HEIGHT);
    energy_panel(&top, title, history, exact)?;
    if let Some(exact) = exact {
        relative_error_panel(&bottom, history, exact)?;
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
    exact: Option<f64>,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    // The y range covers the whole band and the exact line, with a margin for the legend.
    let (lo, hi) = history
        .iter()
        .flat_map(|p| [p.mean - p.error, p.mean + p.error])
        .chain(exact)
        .filter(|y| y.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
    let pad = ((hi - lo) * 0.06).max(1e-9 * hi.abs().max(1.0));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(85)
        .build_cartesian_2d(steps(history), (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("step")
        .y_desc("energy")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.*}", decimals(hi - lo)))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let upper = history.iter().map(|p| (p.step as f64, p.mean + p.error));
    let lower = history
        .iter()
        .rev()
        .map(|p| (p.step as f64, p.mean - p.error));
    chart
        .draw_series(std::iter::once(Polygon::new(
            upper.chain(lower).collect::<Vec<_>>(),
            BAND.mix(0.3).filled(),
        )))?
        .label("mean ± standard error")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], BAND.mix(0.3).filled()));
    chart
        .draw_series(LineSeries::new(
            history.iter().map(|p| (p.step as f64, p.mean)),
            BAND.stroke_width(1),
        ))?
        .label("energy (sample mean)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BAND.stroke_width(2)));
    if let Some(exact) = exact {
        let range = steps(history);
        chart
            .draw_series(DashedLineSeries::new(
                [(range.start, exact), (range.end, exact)],
                8,
                5,
                EXACT.stroke_width(2),
            ))?
            .label(format!("exact {exact:.8}"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], EXACT.stroke_width(2)));
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
    exact: f64,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let scale = exact.abs();
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
        .y_desc("|E - E_exact| / |E_exact|")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let keep = |p: &&(f64, f64)| p.1 > 0.0 && p.1.is_finite();
    chart
        .draw_series(LineSeries::new(
            noise.iter().filter(keep).copied(),
            RGBColor(150, 150, 150).stroke_width(1),
        ))?
        .label("standard error / |E_exact|")
        .legend(|(x, y)| {
            PathElement::new(
                [(x, y), (x + 20, y)],
                RGBColor(150, 150, 150).stroke_width(2),
            )
        });
    chart
        .draw_series(LineSeries::new(
            relative.iter().filter(keep).copied(),
            BAND.stroke_width(1),
        ))?
        .label("relative error")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BAND.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}
