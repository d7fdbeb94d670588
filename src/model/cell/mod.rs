//! The recurrent cells, one file each, behind one interface. A cell owns its parameter
//! blocks (names and shapes for a topology), its widths (gate columns, tape row), its tape's
//! named blocks (through its kernel's row shape, `kernels/cells/<cell>.rs`), its forward
//! step, its backward step and its weight-gradient accumulation. The pass (`model/forward.rs`), the
//! backward sweep (`grad/backward.rs`), the gradient accumulation (`grad/accumulate.rs`), the
//! local energies and the checkpoints (through the parameter layout) reach cells only through
//! [`Cell`].
//!
//! A cell reads `n` neighbours, each through its own weight block (the topology names them,
//! `NeighbourWeight::index`); layer 0's input holds the neighbours' one-hot values side by
//! side, neighbour i's at input row offset `i * local_dim`.
//!
//! To add a cell: its file here (and its kernel in `kernels/cells/`), a variant of [`Cell`]
//! (and its arm in `each_cell!`) and of `CellKind`, and one line in [`Cell::new`].

mod gru;
mod linear_gated;
mod tensor_gru;
mod vanilla;

pub(crate) use linear_gated::LinearGated;

use super::config::{CellKind, ModelConfig};
use super::topology::{Step, Topology};
use super::widen::Axis;
use super::Model;
use crate::kernels::{gemm, gemm_view, Real, View};
use std::ops::Range;

use gru::Gru;
use tensor_gru::TensorGru;
use vanilla::Vanilla;

/// What every cell is made for: the sizes it is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CellShape {
    /// Hidden units.
    pub dh: usize,
    /// Values per site.
    pub local_dim: usize,
    pub layers: usize,
    /// Neighbour weights the topology has (1 on a chain, 2 on a grid).
    pub neighbours: usize,
}

/// A model's cell.
///
/// Dispatch is an enum of structs, matched once per layer and position (where the closed
/// enum was matched before): each arm runs that cell's monomorphic step, whose kernels loop
/// over every row of the chunk, so nothing is dispatched per row or per element and each
/// cell's code inlines as before.
#[derive(Clone, Debug)]
pub(crate) enum Cell {
    Vanilla(Vanilla),
    Gru(Gru),
    TensorGru(TensorGru),
    LinearGated(LinearGated),
}

/// Runs `$body` with `$c` bound to whichever cell `$cell` is.
macro_rules! each_cell {
    ($cell:expr, $c:ident => $body:expr) => {
        match $cell {
            Cell::Vanilla($c) => $body,
            Cell::Gru($c) => $body,
            Cell::TensorGru($c) => $body,
            Cell::LinearGated($c) => $body,
        }
    };
}

impl Cell {
    /// The cell `cfg` selects, for `topology`'s neighbours: the one registration of cells.
    pub fn new(cfg: &ModelConfig, topology: &Topology) -> Self {
        let shape = CellShape {
            dh: cfg.hidden as usize,
            local_dim: cfg.local_dim as usize,
            layers: cfg.layers as usize,
            neighbours: topology.weights().len(),
        };
        match cfg.cell {
            CellKind::Vanilla => Cell::Vanilla(Vanilla::new(shape, vanilla::Activation::Tanh)),
            CellKind::VanillaElu => Cell::Vanilla(Vanilla::new(shape, vanilla::Activation::Elu)),
            CellKind::Gru => Cell::Gru(Gru::new(shape)),
            CellKind::TensorGru => Cell::TensorGru(TensorGru::new(shape)),
            CellKind::LinearGated => Cell::LinearGated(LinearGated::new(shape)),
        }
    }

    /// Layer `l`'s blocks, pushed in order through `push(name, axes)`; `names` are the
    /// topology's names of its neighbour weights.
    pub fn layer_blocks(&self, l: usize, names: &[&str], push: &mut Push<'_>) -> LayerBlocks {
        each_cell!(self, c => c.layer_blocks(l, names, push))
    }

    /// Columns of `pre_x` and of its adjoint per row.
    pub fn input_width(&self) -> usize {
        each_cell!(self, c => c.spec().input)
    }

    /// Columns of `pre_h` per row (the neighbour states times their weights).
    pub fn hidden_width(&self) -> usize {
        each_cell!(self, c => c.spec().hidden)
    }

    /// Columns of the adjoint the neighbour weights' gradients read, when not `pre_x`'s.
    pub fn adj_hidden_width(&self) -> usize {
        each_cell!(self, c => c.spec().adj_hidden)
    }

    /// Columns of a tape row.
    pub fn tape_width(&self) -> usize {
        each_cell!(self, c => c.spec().tape)
    }

    /// Columns of the cell's own scratch per row, forward and backward.
    pub fn scratch_width(&self) -> usize {
        each_cell!(self, c => c.spec().scratch)
    }

    /// Whether what the heads and the next layer read (the output) is not the state itself
    /// but kept beside it (the linear gated cell's tanh of its state).
    pub fn separate_output(&self) -> bool {
        each_cell!(self, c => c.spec().separate_output)
    }

    /// Whether a recorded pass tapes the states read from neighbours other than the previous
    /// position.
    pub fn tapes_gathered_states(&self) -> bool {
        each_cell!(self, c => c.spec().tapes_gathered_states)
    }

    /// The linear gated cell, whose local energies propagate flips (`local_energy/linear.rs`).
    pub fn linear_gated(&self) -> Option<&LinearGated> {
        match self {
            Cell::LinearGated(c) => Some(c),
            _ => None,
        }
    }

    /// One layer at one position, forward.
    #[inline]
    pub fn forward<F: Real>(&self, f: Forward<'_, F>) {
        each_cell!(self, c => c.forward(f))
    }

    /// One layer at one position, backward.
    #[inline]
    pub fn backward<F: Real>(&self, b: Backward<'_, F>) {
        each_cell!(self, c => c.backward(b))
    }

    /// One layer's weight gradients over a chunk.
    pub fn accumulate<F: Real, S: GradientSink>(&self, a: Accumulate<'_, F>, sink: &mut S) {
        each_cell!(self, c => c.accumulate(a, sink))
    }
}

/// What the pass and the sweep need to know of a cell's rows: their widths, and where its
/// output and its neighbours' states are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spec {
    /// Columns of `pre_x` and of its adjoint.
    pub input: usize,
    /// Columns of `pre_h`.
    pub hidden: usize,
    /// Columns of the adjoint its other weights' gradients read, when not `pre_x`'s.
    pub adj_hidden: usize,
    /// Columns of a tape row.
    pub tape: usize,
    /// Columns of its own scratch, forward and backward.
    pub scratch: usize,
    /// Whether its output (what the heads and the next layer read) is kept beside its state
    /// rather than being the state.
    pub separate_output: bool,
    /// Whether a recorded pass tapes the states it read from neighbours other than the
    /// previous position.
    pub tapes_gathered_states: bool,
}

impl Spec {
    /// `input` columns and nothing else: no other weights, tape or scratch, the output the
    /// state, the gathered states taped.
    pub fn input_only(input: usize) -> Self {
        Spec {
            input,
            hidden: 0,
            adj_hidden: 0,
            tape: 0,
            scratch: 0,
            separate_output: false,
            tapes_gathered_states: true,
        }
    }
}

/// What layer `l`'s input rows hold: layer 0 the neighbours' one-hot values side by side,
/// a layer above the state of the layer below.
fn input_axis(l: usize, names: &[&str], shape: CellShape) -> Axis {
    if l == 0 {
        Axis::other(names.len() * shape.local_dim)
    } else {
        Axis::units(1)
    }
}

/// Pushes a named block onto the parameter vector, its shape given by what each axis indexes
/// (rows the block's inputs, columns its outputs: `model/widen.rs`); returns its range.
pub(crate) type Push<'a> = dyn FnMut(String, Vec<Axis>) -> Range<usize> + 'a;

/// Where one layer's blocks are in the parameter vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LayerBlocks {
    /// The weight of the layer's input (the tensorized cell's `tensor_weight`).
    pub input: Range<usize>,
    /// One weight per neighbour weight of the topology, by `NeighbourWeight::index`; empty
    /// for a cell without (the linear gated cell; the tensorized cell's are in `input`).
    pub neighbours: Vec<Range<usize>>,
    pub bias: Range<usize>,
    /// The cell's other block: the GRU's `candidate_bias`, the tensorized cell's
    /// `merge_weight`.
    pub extra: Option<Range<usize>>,
}

/// What a layer's step reads: layer 0 the values in the state slots, `[slots x capacity]`;
/// a layer above the output of the layer below at this position, `[rows x dh]`.
#[derive(Clone, Copy)]
pub(crate) enum Input<'a, F> {
    Values(&'a [u8]),
    States(&'a [F]),
}

/// Where a layer's step is: its parameters, layer, position's neighbours and rows.
#[derive(Clone, Copy)]
pub(crate) struct At<'a, F> {
    pub params: &'a [F],
    pub blocks: &'a LayerBlocks,
    pub layer: usize,
    pub step: Step,
    pub rows: usize,
    /// Rows the state slots have room for: their stride is `capacity * dh`.
    pub capacity: usize,
    pub dh: usize,
}

impl<'a, F: Real> At<'a, F> {
    /// Layer `l` of `model` at a position reading `step`'s neighbours, for `rows` rows of
    /// slots with room for `capacity`.
    pub fn new(model: &'a Model, l: usize, step: Step, rows: usize, capacity: usize) -> Self {
        At {
            params: model.params_in::<F>(),
            blocks: &model.layout().layers[l],
            layer: l,
            step,
            rows,
            capacity,
            dh: model.config().hidden as usize,
        }
    }
}

impl<F> At<'_, F> {
    /// Slot `s`'s rows.
    pub fn slot(&self, s: usize) -> Range<usize> {
        let start = s * self.capacity * self.dh;
        start..start + self.rows * self.dh
    }

    /// The own slot's rows.
    pub fn own(&self) -> Range<usize> {
        self.slot(self.step.slot)
    }
}

/// One layer's forward step at one position over the first `rows` rows.
pub(crate) struct Forward<'a, F> {
    pub at: At<'a, F>,
    /// The layer's states, `[slots x capacity x dh]`: the own slot is overwritten.
    pub states: &'a mut [F],
    pub input: Input<'a, F>,
    /// Scratch of `[capacity x input_width]`, `[capacity x hidden_width]` and
    /// `[capacity x scratch_width]`.
    pub pre_x: &'a mut [F],
    pub pre_h: &'a mut [F],
    pub scratch: &'a mut [F],
    /// With a separate output, `[rows x dh]`; else empty.
    pub output: &'a mut [F],
    /// `[rows x tape_width]`, or empty when not recording.
    pub tape: &'a mut [F],
}

/// One layer's backward step at one position, after the layers above and the heads.
pub(crate) struct Backward<'a, F> {
    pub at: At<'a, F>,
    /// The adjoints of the layer's states, `[slots x capacity x dh]` (as the pass's states).
    pub adj: &'a mut [F],
    /// With a separate output, the adjoint of the output at this position, `[rows x dh]`;
    /// else empty (it is in the own slot of `adj`).
    pub adj_out: &'a [F],
    /// Above layer 0, the adjoint of the input (the layer below's output), `[rows x dh]`.
    pub adj_input: Option<&'a mut [F]>,
    /// `[rows x input_width]` and `[rows x adj_hidden_width]` at this position: written.
    pub adj_x: &'a mut [F],
    pub adj_hidden: &'a mut [F],
    /// `[capacity x scratch_width]`.
    pub scratch: &'a mut [F],
    /// `[rows x tape_width]` at this position.
    pub tape: &'a [F],
    /// The output here and at the position before (zeros before the first), `[rows x dh]`.
    pub output: &'a [F],
    pub previous_output: &'a [F],
    /// `[n_sites x rows]`: each row's value at each position.
    pub values: &'a [u8],
}

/// One layer's part of the gradient of a chunk of `rows` rows over `positions` positions;
/// every buffer `[positions x rows x width]`.
pub(crate) struct Accumulate<'a, F> {
    pub blocks: &'a LayerBlocks,
    pub layer: usize,
    pub rows: usize,
    pub positions: usize,
    pub dh: usize,
    pub topology: &'a Topology,
    /// Adjoints of `pre_x` and of what the neighbour weights produce (when not `pre_x`).
    pub adj_x: &'a [F],
    pub adj_hidden: &'a [F],
    pub tape: &'a [F],
    /// `[(positions + 1) x rows x dh]`: the layer's outputs, index p holding position
    /// p - 1's (zeros at 0).
    pub outputs: &'a [F],
    /// Above layer 0, the layer below's `outputs`.
    pub inputs: Option<&'a [F]>,
    /// The states read from neighbours other than the previous position, as taped:
    /// `[positions x rows x gathered x dh]`.
    pub gathered: &'a [F],
    /// `[positions x rows]`: each row's value at each position.
    pub values: &'a [u8],
}

/// Columns `first..first + cols` of the positions `positions` of a `[.. x rows x width]`
/// buffer: the rows of a matrix whose products and sums go into gradients.
#[derive(Clone)]
pub(crate) struct Columns<'a, F> {
    pub data: &'a [F],
    pub rows: usize,
    pub width: usize,
    pub positions: Range<usize>,
    pub first: usize,
    pub cols: usize,
}

impl<'a, F> Columns<'a, F> {
    /// Every column of the positions `positions`.
    pub fn all(data: &'a [F], rows: usize, width: usize, positions: Range<usize>) -> Self {
        Columns {
            data,
            rows,
            width,
            positions,
            first: 0,
            cols: width,
        }
    }

    /// Only the columns `columns`.
    pub fn only(self, columns: Range<usize>) -> Self {
        Columns {
            first: columns.start,
            cols: columns.len(),
            ..self
        }
    }
}

/// Where a cell's weight gradients go (the selected rows of a chunk, summed).
pub(crate) trait GradientSink {
    /// Adds `inputs^T adjoints`, summed over positions and selected rows, to the
    /// `[inputs.cols x adjoints.cols]` block `block`.
    fn product<F: Real>(&mut self, block: &Range<usize>, inputs: Columns<F>, adjoints: Columns<F>);
    /// Adds the column sums of `adjoints` to the vector block `block`.
    fn column_sums<F: Real>(&mut self, block: &Range<usize>, adjoints: Columns<F>);
    /// The selected rows of the chunk.
    fn selected(&self) -> Range<usize>;
    /// Adds `values` to the parameters from `start` on.
    fn add<F: Real>(&mut self, start: usize, values: &[F]);
}

/// `pre_x = bias + x V` for the first `rows` rows, `width` columns: layer 0 adds the weight
/// rows of its neighbours' values (the first fused with the bias, one pass over `pre_x`; a
/// slot's value is still the neighbour's until this site overwrites it), a layer above the
/// product with the layer below's output.
pub(super) fn input_stage<F: Real>(
    at: &At<'_, F>,
    input: Input<'_, F>,
    pre_x: &mut [F],
    width: usize,
) {
    let (rows, capacity) = (at.rows, at.capacity);
    let pre_x = &mut pre_x[..rows * width];
    let bias = &at.params[at.blocks.bias.clone()];
    let w_in = &at.params[at.blocks.input.clone()];
    match input {
        Input::Values(prev) => {
            let mut two = at.step.neighbours();
            if let (Some(a), Some(b), None) = (two.next(), two.next(), two.next()) {
                let values_a = &prev[a.slot * capacity..][..rows];
                let values_b = &prev[b.slot * capacity..][..rows];
                let offsets = (a.input_offset, b.input_offset);
                bias_plus_two_weight_rows(pre_x, bias, w_in, (values_a, values_b), offsets);
                return;
            }
            let mut neighbours = at.step.neighbours();
            match neighbours.next() {
                Some(n) => {
                    let values = &prev[n.slot * capacity..][..rows];
                    bias_plus_weight_rows(pre_x, bias, w_in, values, n.input_offset);
                }
                None => fill_rows(pre_x, bias),
            }
            for n in neighbours {
                let values = &prev[n.slot * capacity..][..rows];
                add_weight_rows(pre_x, w_in, values, n.input_offset, width);
            }
        }
        Input::States(x) => {
            fill_rows(pre_x, bias);
            gemm(rows, at.dh, width, x, w_in, F::ONE, pre_x);
        }
    }
}

/// Sets `out` (`[rows x width]`) to `beta` times itself plus each neighbour's state (in
/// `states`) times its weight block; to zeros when no neighbour is read and `beta` is 0.
pub(super) fn neighbour_products<F: Real>(
    at: &At<'_, F>,
    states: &[F],
    width: usize,
    out: &mut [F],
    beta: F,
) {
    let mut beta = beta;
    for n in at.step.neighbours() {
        let w = &at.params[at.blocks.neighbours[n.weight.index()].clone()];
        gemm(
            at.rows,
            at.dh,
            width,
            &states[at.slot(n.slot)],
            w,
            beta,
            out,
        );
        beta = F::ONE;
    }
    if beta == F::ZERO {
        out.fill(F::ZERO);
    }
}

/// Passes `adj_hidden` (`[rows x width]`, the adjoint of what the neighbour weights produce)
/// to the neighbours' slots of `adj` through their weights, transposed. The own slot's
/// adjoint is used up: the neighbour that read the slot starts it afresh, unless the cell
/// `kept` a part of its adjoint there (the chain GRU's adjoint of m); any other slot adds to
/// what later positions sent it. A slot nothing read before (the zero initial state) gets no
/// adjoint.
pub(super) fn pass_to_neighbours<F: Real>(
    at: &At<'_, F>,
    adj: &mut [F],
    adj_hidden: &[F],
    width: usize,
    kept: bool,
) {
    let a = View {
        data: adj_hidden,
        rs: width,
        cs: 1,
    };
    let mut own_passed_on = kept;
    for n in at.step.neighbours() {
        let w = transposed(
            at.params,
            at.blocks.neighbours[n.weight.index()].clone(),
            width,
        );
        let beta = if n.slot == at.step.slot && !kept {
            F::ZERO
        } else {
            F::ONE
        };
        own_passed_on |= n.slot == at.step.slot;
        let target = &mut adj[at.slot(n.slot)];
        gemm_view(at.rows, width, at.dh, a, w, beta, target, at.dh, 1);
    }
    if !own_passed_on {
        adj[at.own()].fill(F::ZERO);
    }
}

/// Above layer 0, adds (`beta` 1) or writes (`beta` 0) into `adj_input` the adjoint of the
/// input, the layer below's output: `adj_x` (`[rows x width]`) times the input weight
/// transposed.
pub(super) fn pass_to_input<F: Real>(
    at: &At<'_, F>,
    adj_input: Option<&mut [F]>,
    adj_x: &[F],
    width: usize,
    beta: F,
) {
    if let Some(below) = adj_input {
        let w_in = transposed(at.params, at.blocks.input.clone(), width);
        let a = View {
            data: adj_x,
            rs: width,
            cs: 1,
        };
        gemm_view(at.rows, width, at.dh, a, w_in, beta, below, at.dh, 1);
    }
}

/// The input weight's and the bias's gradients of a cell whose `pre_x` is `bias + x V`
/// ([`input_stage`]), `width` columns.
pub(super) fn accumulate_input<F: Real, S: GradientSink>(
    a: &Accumulate<'_, F>,
    sink: &mut S,
    width: usize,
) {
    let (rows, n) = (a.rows, a.positions);
    match a.inputs {
        None => {
            // One-hot inputs: each neighbour's value picks the weight row that collects the
            // adjoint, at the neighbour's offset.
            for pos in 0..n {
                let step = a.topology.step(pos);
                for row in sink.selected() {
                    let adj = &a.adj_x[(pos * rows + row) * width..(pos * rows + row + 1) * width];
                    for neighbour in step.neighbours() {
                        let v = a.values[neighbour.position * rows + row] as usize;
                        let start = a.blocks.input.start + (neighbour.input_offset + v) * width;
                        sink.add(start, adj);
                    }
                }
            }
        }
        Some(inputs) => {
            // The layer below's outputs at positions 0..n: its index 1..=n.
            let below = Columns::all(&inputs[rows * a.dh..], rows, a.dh, 0..n);
            sink.product(
                &a.blocks.input,
                below,
                Columns::all(a.adj_x, rows, width, 0..n),
            );
        }
    }
    sink.column_sums(&a.blocks.bias, Columns::all(a.adj_x, rows, width, 0..n));
}

/// The neighbour weights' gradients: each neighbour's state times `adjoints` (`[positions x
/// rows x width]`), one product per run of positions that read it ([`Topology::runs`]). A
/// neighbour at the previous position: the outputs' index p is position p - 1's. Another:
/// its state as taped when read, among the gathered ones at its `gathered_index`.
pub(super) fn accumulate_neighbours<F: Real, S: GradientSink>(
    a: &Accumulate<'_, F>,
    sink: &mut S,
    adjoints: &[F],
    width: usize,
) {
    let gathered_width = a.topology.gathered() * a.dh;
    for &weight in a.topology.weights() {
        for run in a.topology.runs(a.layer, weight) {
            let inputs = if weight.reads_previous_position() {
                Columns::all(a.outputs, a.rows, a.dh, run.states)
            } else {
                let first = weight.gathered_index() * a.dh;
                Columns::all(a.gathered, a.rows, gathered_width, run.states)
                    .only(first..first + a.dh)
            };
            let adj = Columns::all(adjoints, a.rows, width, run.positions);
            sink.product(&a.blocks.neighbours[weight.index()], inputs, adj);
        }
    }
}

/// Sets every row of `pre` (`[rows x width]`, width = `bias.len()`) to `bias`.
pub(super) fn fill_rows<F: Real>(pre: &mut [F], bias: &[F]) {
    for row in pre.chunks_exact_mut(bias.len()) {
        row.copy_from_slice(bias);
    }
}

/// Sets each row of `pre` to `bias` plus row `offset + value` of `weight`.
fn bias_plus_weight_rows<F: Real>(
    pre: &mut [F],
    bias: &[F],
    weight: &[F],
    values: &[u8],
    offset: usize,
) {
    let width = bias.len();
    for (row, &v) in pre.chunks_exact_mut(width).zip(values) {
        let start = (offset + v as usize) * width;
        for ((a, b), w) in row.iter_mut().zip(bias).zip(&weight[start..start + width]) {
            *a = *b + *w;
        }
    }
}

/// Sets each row of `pre` to `bias` plus the rows `offsets.0 + value` and `offsets.1 + value`
/// of `weight` for the two neighbours' values, added in that order: the grid's two
/// neighbours in one pass over `pre` instead of two, with the same sums.
fn bias_plus_two_weight_rows<F: Real>(
    pre: &mut [F],
    bias: &[F],
    weight: &[F],
    values: (&[u8], &[u8]),
    offsets: (usize, usize),
) {
    let width = bias.len();
    let rows = pre
        .chunks_exact_mut(width)
        .zip(values.0.iter().zip(values.1));
    for (row, (&va, &vb)) in rows {
        let (a, b) = (
            (offsets.0 + va as usize) * width,
            (offsets.1 + vb as usize) * width,
        );
        let (wa, wb) = (&weight[a..a + width], &weight[b..b + width]);
        for (((o, &c), &x), &y) in row.iter_mut().zip(bias).zip(wa).zip(wb) {
            *o = c + x + y;
        }
    }
}

/// Adds to each row of `pre` (`[rows x width]`) row `offset + value` of `weight`.
fn add_weight_rows<F: Real>(
    pre: &mut [F],
    weight: &[F],
    values: &[u8],
    offset: usize,
    width: usize,
) {
    for (row, &v) in pre.chunks_exact_mut(width).zip(values) {
        let start = (offset + v as usize) * width;
        for (a, w) in row.iter_mut().zip(&weight[start..start + width]) {
            *a += *w;
        }
    }
}

/// The adjoint of h through `h W` (W a `[.. x w]` block at `range`) is `adj W^T`: the block
/// seen transposed, by swapped strides.
pub(crate) fn transposed<F: Real>(p: &[F], range: Range<usize>, w: usize) -> View<'_, F> {
    View {
        data: &p[range],
        rs: 1,
        cs: w,
    }
}

/// The slot `own` of `states` mutably, beside the disjoint slot `other` (empty when `None`).
pub(crate) fn own_and_other<F>(
    states: &mut [F],
    own: Range<usize>,
    other: Option<Range<usize>>,
) -> (&mut [F], &mut [F]) {
    match other {
        None => (&mut states[own], &mut []),
        Some(other) if other.start >= own.end => {
            let (low, high) = states.split_at_mut(other.start);
            (&mut low[own], &mut high[..other.len()])
        }
        Some(other) => {
            let (low, high) = states.split_at_mut(own.start);
            (&mut high[..own.len()], &mut low[other])
        }
    }
}
