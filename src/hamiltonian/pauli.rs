//! The three Pauli matrices and their matrix elements in the computational basis
//! (site value 0 = up, Z = +1; 1 = down, Z = -1).

use num_complex::Complex64;

/// A Pauli matrix acting on one spin-1/2 site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pauli {
    X,
    Y,
    Z,
}

impl Pauli {
    /// The matrix named by an upper-case letter.
    pub fn from_letter(letter: char) -> Option<Pauli> {
        match letter {
            'X' => Some(Pauli::X),
            'Y' => Some(Pauli::Y),
            'Z' => Some(Pauli::Z),
            _ => None,
        }
    }

    pub fn letter(self) -> char {
        match self {
            Pauli::X => 'X',
            Pauli::Y => 'Y',
            Pauli::Z => 'Z',
        }
    }

    /// Whether it maps a basis state to the one with this site's value flipped.
    pub(crate) fn flips(self) -> bool {
        self != Pauli::Z
    }

    /// Whether its matrix element changes sign with the site value:
    /// <s|Z|s> = (-1)^s and <s|Y|1-s> = -i (-1)^s, while <s|X|1-s> = 1.
    pub(crate) fn signs(self) -> bool {
        self != Pauli::X
    }

    /// The factor of its matrix element that does not depend on the site value: -i for Y.
    pub(crate) fn constant_factor(self) -> Complex64 {
        match self {
            Pauli::Y => Complex64::new(0.0, -1.0),
            Pauli::X | Pauli::Z => Complex64::new(1.0, 0.0),
        }
    }
}
