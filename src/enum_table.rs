//! One table per enum of the API: each Rust variant with its C code (the `RNNWF_*` macro of
//! the header) and its name in checkpoint files. The layer that owns an enum owns its table
//! (`model/codes.rs`, `vmc/codes.rs`); the C conversions, the checkpoint names and the
//! Python and Julia constants (generated from the header, whose macros a test checks against
//! these tables) all come from them.

/// One variant: its C code and macro, and its name in checkpoints (never changed, so that
/// old files load).
#[derive(Debug)]
pub struct Entry<T> {
    pub value: T,
    pub code: u32,
    pub c_name: &'static str,
    pub name: &'static str,
}

/// An [`Entry`]: `entry!(value, code, "RNNWF_...", "checkpoint name")`.
macro_rules! entry {
    ($value:expr, $code:expr, $c_name:literal, $name:literal) => {
        $crate::enum_table::Entry {
            value: $value,
            code: $code,
            c_name: $c_name,
            name: $name,
        }
    };
}
pub(crate) use entry;

/// The variants of one enum.
#[derive(Debug)]
pub struct EnumTable<T: 'static> {
    /// The config field that takes it, for messages: `cell`.
    pub field: &'static str,
    /// The common prefix of its C macros: `RNNWF_CELL_`.
    pub c_prefix: &'static str,
    pub entries: &'static [Entry<T>],
}

impl<T: Copy + PartialEq> EnumTable<T> {
    fn entry(&self, value: T) -> &'static Entry<T> {
        self.entries
            .iter()
            .find(|e| e.value == value)
            .expect("every variant is in its table (tested)")
    }

    /// The C code of `value`.
    pub fn code(&self, value: T) -> u32 {
        self.entry(value).code
    }

    /// The checkpoint name of `value`.
    pub fn name(&self, value: T) -> &'static str {
        self.entry(value).name
    }

    /// The variant of a C code, if it is one.
    pub fn of_code(&self, code: u32) -> Option<T> {
        self.entries
            .iter()
            .find(|e| e.code == code)
            .map(|e| e.value)
    }

    /// (checkpoint name, variant) of every entry.
    pub fn names(&self) -> impl Iterator<Item = (&'static str, T)> + Clone {
        self.entries.iter().map(|e| (e.name, e.value))
    }

    /// The accepted codes, for messages: `RNNWF_PHASE_NONE (0) or RNNWF_PHASE_SOFTSIGN (1)`.
    pub fn c_choices(&self) -> String {
        let choices: Vec<String> = self
            .entries
            .iter()
            .map(|e| format!("{} ({})", e.c_name, e.code))
            .collect();
        match choices.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => choices.concat(),
        }
    }
}

/// Checks a table's invariants: codes, macros and names unique, macros under the prefix.
#[cfg(test)]
pub(crate) fn check_table<T: Copy + PartialEq + std::fmt::Debug>(table: &EnumTable<T>) {
    let e = table.entries;
    for (i, a) in e.iter().enumerate() {
        assert!(a.c_name.starts_with(table.c_prefix), "{}", a.c_name);
        for b in &e[i + 1..] {
            assert!(a.value != b.value, "{:?} twice", a.value);
            assert!(a.code != b.code, "code {} twice", a.code);
            assert!(a.c_name != b.c_name && a.name != b.name, "{} twice", a.name);
        }
        assert_eq!(table.code(a.value), a.code);
        assert_eq!(table.of_code(a.code), Some(a.value));
        assert_eq!(table.name(a.value), a.name);
    }
}
