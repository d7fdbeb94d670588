//! The text form of an operator: one term a line, e.g. "-1.0 Z0 Z1" or "0.5" (a constant);
//! `#` starts a comment.

use super::{check_room_for_terms, Hamiltonian, Pauli};
use crate::error::{Error, Result};
use std::collections::HashSet;

pub(super) fn parse(n_sites: u32, text: &str) -> Result<Hamiltonian> {
    let mut h = Hamiltonian::new(n_sites)?;
    // At most a term a line, asked for at once so that a text no memory can hold as an
    // operator is refused before any work.
    let lines = text.lines().count();
    check_room_for_terms(lines, 2)?;
    let mut paulis = String::new();
    let mut sites = Vec::new();
    let mut seen = HashSet::new();
    for (index, raw_line) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw_line.split('#').next().unwrap_or("");
        let mut tokens = content.split_whitespace();
        let Some(first) = tokens.next() else {
            continue;
        };
        let coeff = coefficient(first).map_err(|why| at(line, first, &why))?;
        paulis.clear();
        sites.clear();
        seen.clear();
        for token in tokens {
            let (pauli, site) = factor(token, n_sites).map_err(|why| at(line, token, &why))?;
            if !seen.insert(site) {
                return Err(at(
                    line,
                    token,
                    &format!("site {site} appears twice in this term"),
                ));
            }
            paulis.push(pauli.letter());
            sites.push(site);
        }
        h.add_term(coeff, &paulis, &sites)
            .map_err(|e| Error::invalid(format!("line {line}: {}", e.message)))?;
    }
    Ok(h)
}

fn at(line: usize, token: &str, why: &str) -> Error {
    Error::invalid(format!("line {line}: token {token:?}: {why}"))
}

fn coefficient(token: &str) -> std::result::Result<f64, String> {
    let value: f64 = token.parse().map_err(|_| {
        "expected a real coefficient first (a term reads like \"-1.0 Z0 Z1\")".to_string()
    })?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(format!("coefficient {value} is not finite"))
    }
}

/// A factor such as "Z12": a letter, then the site index in decimal digits.
fn factor(token: &str, n_sites: u32) -> std::result::Result<(Pauli, u32), String> {
    let mut chars = token.chars();
    let letter = chars.next().unwrap_or(' ');
    let digits = chars.as_str();
    let pauli = Pauli::from_letter(letter).ok_or_else(|| {
        format!("unknown Pauli letter {letter:?} (expected X, Y or Z followed by a site index)")
    })?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "expected a site index of decimal digits after {letter:?}"
        ));
    }
    let site: u32 = digits
        .parse()
        .map_err(|_| format!("site index {digits} is out of range (n_sites = {n_sites})"))?;
    if site >= n_sites {
        return Err(format!("site {site} is out of range (n_sites = {n_sites})"));
    }
    Ok((pauli, site))
}
