//! Builder setters for the `#[non_exhaustive]` settings structs: code outside the crate
//! starts from the defaults and sets fields by name, so new fields never break it.

/// Implements `with_<field>(self, value) -> Self` for the listed fields of `$ty`.
macro_rules! with_setters {
    ($ty:ty { $($with:ident => $field:ident : $fty:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("These settings with `", stringify!($field), "` set to `value`.")]
                #[must_use]
                pub fn $with(mut self, value: $fty) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}
pub(crate) use with_setters;
