//! The elementwise halves of the cell updates and of their backward passes, one file per
//! cell, one dispatched call per layer and step. Each cell's file also holds its row shape:
//! the widths of its rows and the named blocks of its tape, which the cell (`model/cell/`)
//! lays its buffers out by.

mod gru;
mod linear_gated;
mod tensor_gru;
#[cfg(test)]
mod tests;
mod vanilla;

pub(crate) use gru::{gru_backward, gru_update, GruRows};
pub(crate) use linear_gated::{linear_backward, linear_blend, linear_update, LinearRows, Near};
pub(crate) use tensor_gru::{tensor_gru_backward, tensor_gru_update, TensorGruRows};
pub(crate) use vanilla::{elu_backward, elu_in_place, tanh_backward, tanh_in_place};
