//! How hamms' property tests run (this file serves hamms-catalog's and, included by path,
//! hamms-core's): proptest with a fixed seed, so that CI is deterministic and a failure
//! reproduces, and the seed printed with the smallest failing case. `PROPTEST_RNG_SEED=N` runs
//! another seed and `PROPTEST_CASES=N` another number of cases (a long run before a release).

use std::fmt::Debug;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

/// The seed when `PROPTEST_RNG_SEED` is not set.
const DEFAULT_SEED: u64 = 0x0048_414d_4d53; // "HAMMS" in ASCII.

/// Checks `property` on `cases` values drawn from `strategy` (or `PROPTEST_CASES` values); a
/// panic inside counts as a failure. Panics with the smallest failing value and the seed.
#[track_caller]
pub(crate) fn check<S>(
    cases: u32,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let from_env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    let seed = from_env("PROPTEST_RNG_SEED").unwrap_or(DEFAULT_SEED);
    let cases = from_env("PROPTEST_CASES").map_or(cases, |n| u32::try_from(n).unwrap_or(cases));
    let config = Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        // Failures are reproduced from the seed; nothing is written into the source tree.
        failure_persistence: None,
        ..Config::default()
    };
    if let Err(failure) = TestRunner::new(config).run(&strategy, property) {
        panic!("{failure}\nseed {seed} ({cases} cases): rerun with PROPTEST_RNG_SEED={seed}");
    }
}
