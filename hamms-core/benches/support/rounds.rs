//! How a bench is set up and summed up: its settings from the environment, and the medians and
//! percentiles of its rounds.

use std::str::FromStr;

/// The environment variable `name` read as a `T`, else `default`.
pub(crate) fn env_or<T: FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The median of `values` (sorted in place): the upper one of the middle two when they are even.
pub(crate) fn median<T: PartialOrd + Copy>(values: &mut [T]) -> T {
    percentile(values, 50)
}

/// The `pct` percentile of `values` (sorted in place), rounded up to the next sample.
pub(crate) fn percentile<T: PartialOrd + Copy>(values: &mut [T], pct: usize) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    values[((values.len() - 1) * pct).div_ceil(100)]
}
