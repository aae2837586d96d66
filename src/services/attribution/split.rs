//! Money split into integer cents that sum exactly to the whole.

/// Splits `total` cents in proportion to `shares` (non-negative; they need not sum to 1)
/// by the largest-remainder method: every part gets the floor of its exact amount, and
/// the cents left over go one each to the parts with the largest remainders, the earlier
/// position first on a tie. The parts always sum exactly to `total`. With no shares, or
/// shares that are all zero, the whole is split equally.
pub fn largest_remainder(total: i64, shares: &[f64]) -> Vec<i64> {
    if shares.is_empty() {
        return Vec::new();
    }
    let clean: Vec<f64> = shares
        .iter()
        .map(|s| if s.is_finite() && *s > 0.0 { *s } else { 0.0 })
        .collect();
    let sum: f64 = clean.iter().sum();
    let weights: Vec<f64> = if sum > 0.0 {
        clean.iter().map(|s| s / sum).collect()
    } else {
        vec![1.0 / shares.len() as f64; shares.len()]
    };
    let magnitude = total.unsigned_abs() as f64;
    let exact: Vec<f64> = weights.iter().map(|w| w * magnitude).collect();
    let mut parts: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let mut left = total.abs() - parts.iter().sum::<i64>();
    // Positions by remainder, largest first; a stable sort keeps earlier positions first
    // among equal remainders.
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra)
    });
    // Rounding in floating point can leave more than one cent per part to place, or take
    // one too many; either way the loop ends with the parts summing to the whole.
    let mut i = 0;
    while left > 0 {
        parts[order[i % order.len()]] += 1;
        left -= 1;
        i += 1;
    }
    let mut j = order.len();
    while left < 0 {
        j = if j == 0 { order.len() - 1 } else { j - 1 };
        if parts[order[j]] > 0 {
            parts[order[j]] -= 1;
            left += 1;
        }
    }
    if total < 0 {
        parts.iter_mut().for_each(|p| *p = -*p);
    }
    parts
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_hundred_euros_in_three_gives_the_odd_cent_to_the_first() {
        assert_eq!(
            largest_remainder(10_000, &[1.0, 1.0, 1.0]),
            vec![3_334, 3_333, 3_333]
        );
    }

    #[test]
    fn the_largest_remainders_get_the_cents_left_over() {
        // 40/20/40 of 1.01 €: 40.4, 20.2, 40.4 → 40, 20, 40 and one cent left, to the
        // first of the two largest remainders.
        assert_eq!(largest_remainder(101, &[0.4, 0.2, 0.4]), vec![41, 20, 40]);
        // 1/6, 2/6, 3/6 of 1 €: 16.67, 33.33, 50 → the 0.67 remainder wins.
        assert_eq!(largest_remainder(100, &[1.0, 2.0, 3.0]), vec![17, 33, 50]);
    }

    #[test]
    fn zero_shares_split_equally_and_nothing_gives_nothing() {
        assert_eq!(largest_remainder(5, &[0.0, 0.0]), vec![3, 2]);
        assert_eq!(largest_remainder(5, &[]), Vec::<i64>::new());
        assert_eq!(largest_remainder(0, &[0.3, 0.7]), vec![0, 0]);
    }

    #[test]
    fn a_negative_total_is_split_as_its_magnitude() {
        assert_eq!(largest_remainder(-10, &[1.0, 1.0, 1.0]), vec![-4, -3, -3]);
    }

    proptest! {
        #[test]
        fn the_parts_always_sum_to_the_whole(
            total in -10_000_000_000i64..10_000_000_000,
            shares in prop::collection::vec(0.0f64..1e6, 1..40),
        ) {
            let parts = largest_remainder(total, &shares);
            prop_assert_eq!(parts.len(), shares.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            // No part is more than a cent from its exact amount.
            let sum: f64 = shares.iter().sum();
            if sum > 0.0 {
                for (p, s) in parts.iter().zip(&shares) {
                    let exact = total as f64 * s / sum;
                    prop_assert!((*p as f64 - exact).abs() <= 1.0 + exact.abs() * 1e-12);
                }
            }
        }
    }
}
