//! Data generators for the command line and the benchmarks, not part of the domain: a
//! believable demo network with a history of leads (`dealerloop demo`), and a large
//! synthetic network for load tests (`dealerloop generate`). They create data through the
//! services the portal uses, so what they write is what the portal would have written.

pub mod demo;
pub mod scale;

/// A small deterministic generator, so the demo and the generated network are the same
/// every time.
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A copy of one of `items`.
    pub(crate) fn one_of<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    /// True `percent` times in a hundred.
    pub(crate) fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < usize::try_from(percent).unwrap_or(100)
    }

    /// A whole number in `from..=to`.
    pub(crate) fn between(&mut self, from: i64, to: i64) -> i64 {
        let span = usize::try_from((to - from).max(0) + 1).unwrap_or(1);
        from + i64::try_from(self.below(span)).unwrap_or(0)
    }

    /// One of `items`, each as likely as its weight.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = u32::try_from(self.below(usize::try_from(total).unwrap_or(1))).unwrap_or(0);
        for (item, w) in items {
            if roll < *w {
                return item;
            }
            roll -= w;
        }
        &items[items.len() - 1].0
    }
}
