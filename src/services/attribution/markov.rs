//! The data-driven model: a Markov chain over every journey, converted and not, and each
//! channel's removal effect — how much of the chance to convert is lost when the channel
//! is taken out — computed exactly by solving the chain's absorption equations, not
//! estimated by simulation.
//!
//! A journey of order `k` walks the states "the last `k` channels seen", starting with its
//! first `k` channels (all of them, if it has fewer): for order 2,
//! `start → (a, b) → (b, c) → … → conversion | null`. This is ChannelAttribution's chain;
//! unfolding the first channels one at a time would give the same probabilities. Transition probabilities are
//! the observed transition counts, normalised per state. The probability `x_s` of ending
//! in conversion from state `s` solves `x_s = Σ_t P(s, t) x_t + P(s, conversion)`, a
//! linear system `(I − Q) x = r` over the transient states. Removing a channel turns every
//! state that holds it into null (`x = 0`); its removal effect is
//! `1 − x_start(without it) / x_start`.

use rustc_hash::FxHashMap;

/// The most states a chain may have: the dense system over them takes `8 n²` bytes
/// (3,000 states: 72 MB). A network with more should use a lower order.
pub const MAX_STATES: usize = 3_000;

/// One journey as the chain sees it: its channels (as indexes) in time order, and
/// whether it converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub channels: Vec<u32>,
    pub converted: bool,
}

/// A chain's result: what went in and each channel's removal effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Removal {
    pub order: usize,
    pub journeys: usize,
    pub conversions: usize,
    /// Transient states of the chain (the start included).
    pub states: usize,
    /// The chance a journey converts, as the chain has it.
    pub conversion_probability: f64,
    /// Per channel index: the share of conversions lost without the channel, 0..=1.
    pub effects: Vec<f64>,
}

impl Removal {
    /// Each channel's share of the removal effects (they sum to 1, or are all 0).
    pub fn shares(&self) -> Vec<f64> {
        let sum: f64 = self.effects.iter().sum();
        if sum > 0.0 {
            self.effects.iter().map(|e| e / sum).collect()
        } else {
            vec![0.0; self.effects.len()]
        }
    }
}

/// Why a chain could not be solved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkovError {
    #[error("the order must be 1, 2 or 3 (was {0})")]
    Order(usize),
    #[error("the chain has {0} states, more than the {MAX_STATES} it can solve; use a lower order")]
    TooManyStates(usize),
}

const START: usize = 0;

/// The chain of `order` over `paths` with channels `0..channels`, and every channel's
/// removal effect.
pub fn removal_effects(
    paths: &[Path],
    channels: usize,
    order: usize,
) -> Result<Removal, MarkovError> {
    if !(1..=3).contains(&order) {
        return Err(MarkovError::Order(order));
    }
    let chain = Chain::count(paths, order)?;
    let all = chain.conversion_probability(None);
    let effects = (0..channels)
        .map(|c| {
            if all <= 0.0 {
                return 0.0;
            }
            let without = chain.conversion_probability(Some(c as u32));
            (1.0 - without / all).clamp(0.0, 1.0)
        })
        .collect();
    Ok(Removal {
        order,
        journeys: paths.len(),
        conversions: paths.iter().filter(|p| p.converted).count(),
        states: chain.states.len(),
        conversion_probability: all,
        effects,
    })
}

/// Observed transitions between states.
struct Chain {
    /// Each state's last channels (the start has none); index = state id.
    states: Vec<Vec<u32>>,
    /// Per state: transitions to other states (by id) with their counts.
    next: Vec<FxHashMap<usize, u64>>,
    /// Per state: how often a journey converted, and how often it ended, right after it.
    converted: Vec<u64>,
    ended: Vec<u64>,
}

impl Chain {
    fn count(paths: &[Path], order: usize) -> Result<Chain, MarkovError> {
        let mut ids: FxHashMap<Vec<u32>, usize> = FxHashMap::default();
        let mut chain = Chain {
            states: vec![Vec::new()],
            next: vec![FxHashMap::default()],
            converted: vec![0],
            ended: vec![0],
        };
        ids.insert(Vec::new(), START);
        for path in paths {
            let mut at = START;
            let first = order.min(path.channels.len()).saturating_sub(1);
            for i in first..path.channels.len() {
                let window = path.channels[(i + 1).saturating_sub(order)..=i].to_vec();
                let id = match ids.get(&window) {
                    Some(&id) => id,
                    None => {
                        let id = chain.states.len();
                        if id >= MAX_STATES {
                            return Err(MarkovError::TooManyStates(id + 1));
                        }
                        ids.insert(window.clone(), id);
                        chain.states.push(window);
                        chain.next.push(FxHashMap::default());
                        chain.converted.push(0);
                        chain.ended.push(0);
                        id
                    }
                };
                *chain.next[at].entry(id).or_default() += 1;
                at = id;
            }
            chain.ended[at] += 1;
            if path.converted {
                chain.converted[at] += 1;
            }
        }
        Ok(chain)
    }

    /// The chance to convert from the start, with the states holding `removed` (if any)
    /// turned into null.
    fn conversion_probability(&self, removed: Option<u32>) -> f64 {
        // The states kept, numbered densely.
        let mut index = vec![usize::MAX; self.states.len()];
        let mut kept = Vec::with_capacity(self.states.len());
        for (id, channels) in self.states.iter().enumerate() {
            if removed.is_none_or(|c| !channels.contains(&c)) {
                index[id] = kept.len();
                kept.push(id);
            }
        }
        let n = kept.len();
        // (I − Q) x = r, dense, row-major.
        let mut a = vec![0.0f64; n * n];
        let mut r = vec![0.0f64; n];
        for (row, &id) in kept.iter().enumerate() {
            let total = self.next[id].values().sum::<u64>() + self.ended[id];
            if total == 0 {
                continue;
            }
            let total = total as f64;
            a[row * n + row] = 1.0;
            for (&to, &count) in &self.next[id] {
                let col = index[to];
                if col != usize::MAX {
                    a[row * n + col] -= count as f64 / total;
                }
            }
            r[row] = self.converted[id] as f64 / total;
        }
        solve(&mut a, &mut r, n);
        // The start is never removed: it holds no channel.
        r[index[START]]
    }
}

/// Solves `a x = r` in place (`x` ends in `r`) by Gaussian elimination. `a` is `I − Q`
/// for a substochastic `Q` from whose every state the chain can end: a nonsingular
/// M-matrix, diagonally dominant by rows, for which elimination without pivoting is
/// stable. Rows with nothing in the pivot's column are skipped (the chain is sparse).
fn solve(a: &mut [f64], r: &mut [f64], n: usize) {
    for k in 0..n {
        let pivot = a[k * n + k];
        if pivot == 0.0 {
            // A state never left (no transition counted from it): it cannot convert.
            a[k * n + k] = 1.0;
            r[k] = 0.0;
            continue;
        }
        let (done, below) = a.split_at_mut((k + 1) * n);
        let pivot_row = &done[k * n..];
        for i in 0..(n - k - 1) {
            let factor = below[i * n + k] / pivot;
            if factor == 0.0 {
                continue;
            }
            let row = &mut below[i * n..(i + 1) * n];
            for j in k..n {
                row[j] -= factor * pivot_row[j];
            }
            r[k + 1 + i] -= factor * r[k];
        }
    }
    for k in (0..n).rev() {
        let mut sum = r[k];
        for j in (k + 1)..n {
            sum -= a[k * n + j] * r[j];
        }
        r[k] = sum / a[k * n + k];
    }
}

/// Each touch's share of one conversion under the Markov model: the journey's channels
/// share it in proportion to their removal effects in `shares` (by channel index), and a
/// channel's part is spread evenly over its touches. Linear when none of the journey's
/// channels has an effect.
pub fn touch_shares(channels: &[u32], shares: &[f64]) -> Vec<f64> {
    let effect = |c: u32| shares.get(c as usize).copied().unwrap_or(0.0);
    let mut distinct: Vec<u32> = channels.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let total: f64 = distinct.iter().map(|&c| effect(c)).sum();
    if channels.is_empty() {
        return Vec::new();
    }
    if total <= 0.0 {
        return vec![1.0 / channels.len() as f64; channels.len()];
    }
    channels
        .iter()
        .map(|&c| {
            let touches = channels.iter().filter(|&&x| x == c).count() as f64;
            effect(c) / total / touches
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;

    fn path(channels: &[u32], converted: bool) -> Path {
        Path {
            channels: channels.to_vec(),
            converted,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Three journeys by hand (channels A = 0, B = 1, C = 2):
    /// A → B → conversion, A → C → null, B → conversion.
    /// P(start→A) = 2/3, P(start→B) = 1/3; P(A→B) = P(A→C) = 1/2;
    /// P(B→conv) = 1 (B converts both times it is last); P(C→null) = 1.
    /// Conversion from start: 2/3 · 1/2 · 1 + 1/3 · 1 = 2/3.
    /// Without A: only start→B converts: 1/3 → effect 1 − (1/3)/(2/3) = 1/2.
    /// Without B: nothing converts → effect 1. Without C: A→B still converts with 1/2 →
    /// 2/3 unchanged → effect 0.
    #[test]
    fn removal_effects_match_a_chain_solved_by_hand() {
        let paths = [path(&[0, 1], true), path(&[0, 2], false), path(&[1], true)];
        let r = removal_effects(&paths, 3, 1).unwrap();
        assert!(close(r.conversion_probability, 2.0 / 3.0));
        assert!(close(r.effects[0], 0.5), "{:?}", r.effects);
        assert!(close(r.effects[1], 1.0));
        assert!(close(r.effects[2], 0.0));
        assert_eq!((r.journeys, r.conversions, r.states), (3, 2, 4));
        let s = r.shares();
        assert!(close(s[0], 1.0 / 3.0) && close(s[1], 2.0 / 3.0));
    }

    /// A loop: A → B → A → conversion and A → null. Counts: start→A 2; A→B 1, A→conv 1,
    /// A→null 1; B→A 1. From A: x_A = 1/3 x_B + 1/3, x_B = x_A → x_A = 1/2.
    /// Without B: x_A = 1/3. Effect of B = 1 − (1/3)/(1/2) = 1/3; of A = 1.
    #[test]
    fn loops_are_solved_exactly_not_simulated() {
        let paths = [path(&[0, 1, 0], true), path(&[0], false)];
        let r = removal_effects(&paths, 2, 1).unwrap();
        assert!(close(r.conversion_probability, 0.5));
        assert!(close(r.effects[0], 1.0));
        assert!(close(r.effects[1], 1.0 / 3.0), "{:?}", r.effects);
    }

    /// Order 2 tells apart what came before: A → B converts, C → B does not.
    /// Order 1 sees B convert half the time whatever came before; order 2 sees that B
    /// after A always converts and B after C never does, so C's removal costs nothing.
    #[test]
    fn a_higher_order_remembers_the_channel_before() {
        let paths = [path(&[0, 1], true), path(&[2, 1], false)];
        let first = removal_effects(&paths, 3, 1).unwrap();
        assert!(close(first.conversion_probability, 0.5));
        assert!(close(first.effects[2], 0.5), "{:?}", first.effects);
        let second = removal_effects(&paths, 3, 2).unwrap();
        assert!(close(second.conversion_probability, 0.5));
        assert!(close(second.effects[0], 1.0));
        assert!(close(second.effects[1], 1.0));
        assert!(close(second.effects[2], 0.0), "{:?}", second.effects);
        // States: start, (A,B), (C,B).
        assert_eq!(second.states, 3);
    }

    #[test]
    fn nothing_converted_means_no_effect_and_orders_are_checked() {
        let r = removal_effects(&[path(&[0], false)], 1, 1).unwrap();
        assert_eq!(r.effects, vec![0.0]);
        assert_eq!(r.shares(), vec![0.0]);
        assert_eq!(removal_effects(&[], 1, 4), Err(MarkovError::Order(4)));
    }

    #[test]
    fn a_journeys_touches_share_by_their_channels_effects() {
        // Effects shares: A 0.6, B 0.3, C 0.1. Journey A, B, A: A's 2/3 over two touches.
        let s = touch_shares(&[0, 1, 0], &[0.6, 0.3, 0.1]);
        assert!(close(s[0], 1.0 / 3.0) && close(s[1], 1.0 / 3.0) && close(s[2], 1.0 / 3.0));
        let s = touch_shares(&[0, 2], &[0.6, 0.3, 0.1]);
        assert!(close(s[0], 6.0 / 7.0) && close(s[1], 1.0 / 7.0));
        // A channel the run never saw: linear.
        assert_eq!(touch_shares(&[5, 6], &[0.6]), vec![0.5, 0.5]);
    }
}
