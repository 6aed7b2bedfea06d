//! [`Times`]: how many requests a stub expects, exactly or within a range.

use std::fmt;
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

/// How many requests a stub expects to match ([`Stub::expect`](crate::Stub::expect)): an
/// exact count (`2`) or a range of `u64` (`1..`, `..=3`, `2..5`, `..`), as wiremock-rs takes
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    min: u64,
    /// Inclusive; `None`: no upper bound.
    max: Option<u64>,
}

impl Times {
    /// Whether `count` requests meet the expectation.
    pub fn contains(&self, count: u64) -> bool {
        count >= self.min && self.max.is_none_or(|max| count <= max)
    }
}

impl fmt::Display for Times {
    /// `exactly 2 requests`, `at least 1 request`, `between 2 and 4 requests`...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = |n: u64| if n == 1 { "request" } else { "requests" };
        match (self.min, self.max) {
            (min, Some(max)) if min == max => write!(f, "exactly {min} {}", noun(min)),
            (0, Some(max)) => write!(f, "at most {max} {}", noun(max)),
            (min, Some(max)) if min > max => write!(f, "an empty range ({min} to {max})"),
            (min, Some(max)) => write!(f, "between {min} and {max} requests"),
            (0, None) => f.write_str("any number of requests"),
            (min, None) => write!(f, "at least {min} {}", noun(min)),
        }
    }
}

impl From<u64> for Times {
    fn from(count: u64) -> Times {
        Times {
            min: count,
            max: Some(count),
        }
    }
}

impl From<Range<u64>> for Times {
    fn from(range: Range<u64>) -> Times {
        Times {
            min: range.start,
            max: Some(range.end.saturating_sub(1)),
        }
    }
}

impl From<RangeInclusive<u64>> for Times {
    fn from(range: RangeInclusive<u64>) -> Times {
        Times {
            min: *range.start(),
            max: Some(*range.end()),
        }
    }
}

impl From<RangeFrom<u64>> for Times {
    fn from(range: RangeFrom<u64>) -> Times {
        Times {
            min: range.start,
            max: None,
        }
    }
}

impl From<RangeTo<u64>> for Times {
    fn from(range: RangeTo<u64>) -> Times {
        Times {
            min: 0,
            max: Some(range.end.saturating_sub(1)),
        }
    }
}

impl From<RangeToInclusive<u64>> for Times {
    fn from(range: RangeToInclusive<u64>) -> Times {
        Times {
            min: 0,
            max: Some(range.end),
        }
    }
}

impl From<RangeFull> for Times {
    fn from(_: RangeFull) -> Times {
        Times { min: 0, max: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_ranges_read_as_wiremock_rs_reads_them() {
        let cases: [(Times, &str, &[u64], &[u64]); 6] = [
            (2.into(), "exactly 2 requests", &[2], &[1, 3]),
            ((1..).into(), "at least 1 request", &[1, 99], &[0]),
            ((..=3).into(), "at most 3 requests", &[0, 3], &[4]),
            ((2..5).into(), "between 2 and 4 requests", &[2, 4], &[1, 5]),
            ((..).into(), "any number of requests", &[0, 7], &[]),
            ((..1).into(), "exactly 0 requests", &[0], &[1]),
        ];
        for (times, text, inside, outside) in cases {
            assert_eq!(times.to_string(), text);
            assert!(inside.iter().all(|n| times.contains(*n)), "{text}");
            assert!(!outside.iter().any(|n| times.contains(*n)), "{text}");
        }
    }
}
