//! Replay windows for signed timestamps.

use crate::error::VerifyError;

/// Checks that `timestamp_secs` (Unix seconds) lies within `tolerance_secs` of
/// `now_ms` (Unix milliseconds) in either direction.
pub fn check_timestamp(
    timestamp_secs: i64,
    now_ms: u64,
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let now_secs = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
    let diff = now_secs.saturating_sub(timestamp_secs);
    if diff > 0 && diff.unsigned_abs() > tolerance_secs {
        return Err(VerifyError::StaleTimestamp {
            age_secs: diff.unsigned_abs(),
            tolerance_secs,
        });
    }
    if diff < 0 && diff.unsigned_abs() > tolerance_secs {
        return Err(VerifyError::FutureTimestamp {
            ahead_secs: diff.unsigned_abs(),
            tolerance_secs,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_inclusive_both_ways() {
        let now = 1_000_000_000;
        assert_eq!(check_timestamp(1_000_000 - 300, now, 300), Ok(()));
        assert_eq!(check_timestamp(1_000_000 + 300, now, 300), Ok(()));
        assert_eq!(
            check_timestamp(1_000_000 - 301, now, 300),
            Err(VerifyError::StaleTimestamp {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
        assert!(matches!(
            check_timestamp(1_000_000 + 301, now, 300),
            Err(VerifyError::FutureTimestamp {
                ahead_secs: 301,
                ..
            })
        ));
        assert!(check_timestamp(i64::MIN, now, 300).is_err());
    }
}
