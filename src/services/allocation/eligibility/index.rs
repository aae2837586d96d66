//! The eligibility index: the whole rule of [`super::is_eligible`] laid out so that finding
//! a lead's candidates looks only at the active dealers that handle its product line in a
//! territory covering it (property-tested against the plain rule).

use rustc_hash::FxHashMap;

use super::{DealerProfile, Ineligible, LeadProfile, is_eligible};
use crate::domain::TerritoryKey;

/// FxHash (as in rustc): much faster than the default SipHash for the short keys here.
/// Keys come from the dealer network, which admins maintain; a lead can only choose which
/// key to look up, so there is no flooding risk worth SipHash's cost.
type FastMap<V> = FxHashMap<String, V>;

/// Dealer positions by postcode prefix and by region, within one country.
#[derive(Debug, Default)]
struct TerritoryIndex {
    /// Postcode prefix key → ascending dealer positions.
    by_prefix: FastMap<Vec<u32>>,
    /// Region key → ascending dealer positions.
    by_region: FastMap<Vec<u32>>,
    /// The shortest and longest prefix in `by_prefix`, to bound the lookups.
    shortest_prefix: usize,
    longest_prefix: usize,
}

impl TerritoryIndex {
    /// Adds the dealer at `position` (positions come in ascending order) for `territory`.
    fn insert(&mut self, position: u32, territory: &TerritoryKey) {
        let bucket = match territory {
            TerritoryKey::Postcode { prefix, .. } => {
                let prefix = prefix.as_str();
                if self.by_prefix.is_empty() {
                    self.shortest_prefix = prefix.len();
                }
                self.shortest_prefix = self.shortest_prefix.min(prefix.len());
                self.longest_prefix = self.longest_prefix.max(prefix.len());
                self.by_prefix.entry(prefix.to_owned()).or_default()
            }
            TerritoryKey::Region { region, .. } => self
                .by_region
                .entry(region.as_str().to_owned())
                .or_default(),
        };
        if bucket.last() != Some(&position) {
            bucket.push(position);
        }
    }

    /// Calls `f` with the bucket of each territory that covers `lead` (whose country is
    /// this index's).
    fn covering(&self, lead: &LeadProfile, mut f: impl FnMut(&[u32])) {
        if let Some(postcode) = &lead.postcode
            && !self.by_prefix.is_empty()
        {
            let postcode = postcode.as_str();
            let longest = self.longest_prefix.min(postcode.len());
            for len in self.shortest_prefix..=longest {
                if let Some(bucket) = postcode.get(..len).and_then(|p| self.by_prefix.get(p)) {
                    f(bucket);
                }
            }
        }
        if let Some(region) = &lead.region
            && let Some(bucket) = self.by_region.get(region.as_str())
        {
            f(bucket);
        }
    }
}

/// Up to this many dealers (times 64), the set of dealers covering a lead lives on the
/// stack.
const STACK_WORDS: usize = 128;

/// Calls `f` once for each dealer position in the buckets that `index` finds for `lead`,
/// in ascending order. The buckets are merged through a bit set, which deduplicates and
/// sorts without branching on the data.
fn each_covering(
    index: &TerritoryIndex,
    lead: &LeadProfile,
    dealers: usize,
    mut f: impl FnMut(usize),
) {
    let words = dealers.div_ceil(64);
    let mut stack = [0u64; STACK_WORDS];
    let mut heap = Vec::new();
    let seen: &mut [u64] = if words <= STACK_WORDS {
        &mut stack[..words]
    } else {
        heap.resize(words, 0u64);
        &mut heap
    };
    let (mut first, mut last) = (usize::MAX, 0usize);
    index.covering(lead, |bucket| {
        for &position in bucket {
            if let Some(bits) = seen.get_mut(position as usize / 64) {
                *bits |= 1u64 << (position % 64);
            }
        }
        if let (Some(&low), Some(&high)) = (bucket.first(), bucket.last()) {
            first = first.min(low as usize / 64);
            last = last.max(high as usize / 64);
        }
    });
    for (word, &found) in seen.iter().enumerate().take(last + 1).skip(first) {
        let mut bits = found;
        while bits != 0 {
            f(word * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

/// Ends each list of [`ActiveLists`], so that a merge of two lists stops on it (no dealer
/// has this position: positions index a `Vec` of at most `u32::MAX` dealers).
const END: u32 = u32::MAX;

/// The active dealers of one country per product line, laid out for the candidate
/// lookup: one map from postcode prefix and one from region, each to a row of lists (one
/// per product line), all lists in one arena so that a lookup touches little memory.
///
/// A prefix's list holds every dealer whose prefix is that key *or a shorter prefix of
/// it*, so the longest key a postcode starts with gives, in one lookup, every dealer
/// covering it by postcode. Lists are ascending and end with [`END`].
#[derive(Debug, Default)]
struct ActiveLists {
    lines: usize,
    by_prefix: FastMap<u32>,
    by_region: FastMap<u32>,
    /// `row * lines + line` → the list's range in `arena` (its `END` included).
    spans: Vec<(u32, u32)>,
    /// Dealer positions.
    arena: Vec<u32>,
    shortest_prefix: usize,
    longest_prefix: usize,
}

impl ActiveLists {
    /// Lays out the per-line territory indexes (`by_line[line]`) of one country.
    fn new(by_line: &[TerritoryIndex]) -> Self {
        let mut out = ActiveLists {
            lines: by_line.len(),
            ..Self::default()
        };
        let mut prefixes: Vec<&String> = by_line.iter().flat_map(|t| t.by_prefix.keys()).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        let mut regions: Vec<&String> = by_line.iter().flat_map(|t| t.by_region.keys()).collect();
        regions.sort_unstable();
        regions.dedup();
        out.shortest_prefix = prefixes.iter().map(|k| k.len()).min().unwrap_or(0);
        out.longest_prefix = prefixes.iter().map(|k| k.len()).max().unwrap_or(0);
        for key in prefixes {
            let shortest = out.shortest_prefix;
            let lists: Vec<Vec<u32>> = by_line
                .iter()
                .map(|t| {
                    (shortest..=key.len())
                        .filter_map(|len| key.get(..len).and_then(|p| t.by_prefix.get(p)))
                        .flatten()
                        .copied()
                        .collect()
                })
                .collect();
            let row = out.add_row(lists);
            out.by_prefix.insert(key.clone(), row);
        }
        for key in regions {
            let lists: Vec<Vec<u32>> = by_line
                .iter()
                .map(|t| t.by_region.get(key).cloned().unwrap_or_default())
                .collect();
            let row = out.add_row(lists);
            out.by_region.insert(key.clone(), row);
        }
        out
    }

    fn add_row(&mut self, lists: Vec<Vec<u32>>) -> u32 {
        let row = u32::try_from(self.spans.len() / self.lines.max(1)).unwrap_or(u32::MAX);
        for mut list in lists {
            list.sort_unstable();
            list.dedup();
            let start = u32::try_from(self.arena.len()).unwrap_or(u32::MAX);
            self.arena.extend(list);
            self.arena.push(END);
            let end = u32::try_from(self.arena.len()).unwrap_or(u32::MAX);
            self.spans.push((start, end));
        }
        row
    }

    fn list(&self, row: Option<&u32>, line: usize) -> &[u32] {
        row.and_then(|&row| self.spans.get(row as usize * self.lines + line))
            .and_then(|&(start, end)| self.arena.get(start as usize..end as usize))
            .unwrap_or(&[END])
    }

    /// The ascending positions of the active dealers of `line` covering `lead` by
    /// postcode, and those covering it by region (the two may share dealers), each list
    /// ending with [`END`].
    fn covering(&self, lead: &LeadProfile, line: usize) -> (&[u32], &[u32]) {
        let by_postcode = match &lead.postcode {
            Some(postcode) if !self.by_prefix.is_empty() => {
                let postcode = postcode.as_str();
                let longest = self.longest_prefix.min(postcode.len());
                (self.shortest_prefix..=longest)
                    .rev()
                    .find_map(|len| postcode.get(..len).and_then(|p| self.by_prefix.get(p)))
            }
            _ => None,
        };
        let by_region = match &lead.region {
            Some(region) if !self.by_region.is_empty() => self.by_region.get(region.as_str()),
            _ => None,
        };
        (self.list(by_postcode, line), self.list(by_region, line))
    }
}

/// The territories of one country: all dealers (to explain why a lead waits), and active
/// dealers per product line (to find candidates without looking at the others).
#[derive(Debug, Default)]
struct CountryIndex {
    any: TerritoryIndex,
    active: ActiveLists,
}

/// The whole dealer network in memory, indexed by country, product line and territory, so
/// that finding the eligible dealers for a lead looks only at the active dealers that
/// handle its product line in a territory covering it. Gives exactly the dealers for which
/// [`is_eligible`] is `Ok`. Open loads change through [`EligibilityIndex::set_open_load`];
/// any other change to a dealer means building a new index.
#[derive(Debug)]
pub struct EligibilityIndex {
    /// Sorted by dealer id, ids unique; positions index this, `ids` and `below_capacity`.
    dealers: Vec<DealerProfile>,
    /// Dealer ids by position, kept apart for the hot path.
    ids: Vec<i64>,
    /// Bit per position: open load below capacity.
    below_capacity: Vec<u64>,
    /// ASCII-lower-cased product lines, by number (the `line` of [`ActiveLists`]):
    /// searched linearly, as a network has a few dozen at most.
    product_lines: Vec<String>,
    /// Upper-cased countries with their territories: searched linearly too.
    countries: Vec<(String, CountryIndex)>,
}

impl EligibilityIndex {
    /// Indexes `dealers` (inactive ones too, to explain why a lead waits). Dealer ids are
    /// expected to be unique; of two profiles with the same id the first is kept.
    pub fn new(mut dealers: Vec<DealerProfile>) -> Self {
        dealers.sort_by_key(|d| d.dealer_id);
        dealers.dedup_by_key(|d| d.dealer_id);
        let mut product_lines: FastMap<u32> = FastMap::default();
        for line in dealers.iter().flat_map(|d| &d.product_lines) {
            let next = product_lines.len() as u32;
            product_lines
                .entry(line.to_ascii_lowercase())
                .or_insert(next);
        }
        let mut countries: FastMap<CountryIndex> = FastMap::default();
        let mut by_line: FastMap<Vec<TerritoryIndex>> = FastMap::default();
        let mut lines: Vec<u32> = Vec::new();
        for (position, dealer) in dealers.iter().enumerate() {
            let position = u32::try_from(position).unwrap_or(u32::MAX);
            lines.clear();
            lines.extend(
                dealer
                    .product_lines
                    .iter()
                    .filter_map(|l| product_lines.get(&l.to_ascii_lowercase()).copied()),
            );
            for territory in &dealer.territories {
                let country = territory.country().to_ascii_uppercase();
                if dealer.active {
                    let area = by_line.entry(country.clone()).or_default();
                    if area.len() < product_lines.len() {
                        area.resize_with(product_lines.len(), TerritoryIndex::default);
                    }
                    for &line in &lines {
                        area[line as usize].insert(position, territory);
                    }
                }
                countries
                    .entry(country)
                    .or_default()
                    .any
                    .insert(position, territory);
            }
        }
        for (country, area) in &by_line {
            if let Some(index) = countries.get_mut(country) {
                index.active = ActiveLists::new(area);
            }
        }
        let ids = dealers.iter().map(|d| d.dealer_id).collect();
        let mut lines_by_number: Vec<(u32, String)> =
            product_lines.into_iter().map(|(l, n)| (n, l)).collect();
        lines_by_number.sort_unstable();
        let mut index = EligibilityIndex {
            below_capacity: vec![0; dealers.len().div_ceil(64)],
            dealers,
            ids,
            product_lines: lines_by_number.into_iter().map(|(_, l)| l).collect(),
            countries: countries.into_iter().collect(),
        };
        for position in 0..index.dealers.len() {
            index.update_capacity_bit(position);
        }
        index
    }

    /// The dealer with `dealer_id`, if indexed.
    pub fn dealer(&self, dealer_id: i64) -> Option<&DealerProfile> {
        self.position(dealer_id).map(|p| &self.dealers[p])
    }

    /// Records a dealer's new open load (after an offer, accept, outcome or expiry);
    /// `false` when the dealer is not indexed.
    pub fn set_open_load(&mut self, dealer_id: i64, open_load: i64) -> bool {
        match self.position(dealer_id) {
            Some(p) => {
                self.dealers[p].open_load = open_load;
                self.update_capacity_bit(p);
                true
            }
            None => false,
        }
    }

    fn update_capacity_bit(&mut self, position: usize) {
        let dealer = &self.dealers[position];
        let bit = 1u64 << (position % 64);
        let word = &mut self.below_capacity[position / 64];
        if dealer.open_load < dealer.capacity {
            *word |= bit;
        } else {
            *word &= !bit;
        }
    }

    fn country(&self, country: &str) -> Option<&CountryIndex> {
        self.countries
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(country))
            .map(|(_, index)| index)
    }

    fn position(&self, dealer_id: i64) -> Option<usize> {
        self.dealers
            .binary_search_by_key(&dealer_id, |d| d.dealer_id)
            .ok()
    }

    /// The ids of the dealers eligible for `lead`, in ascending order (as
    /// [`crate::services::allocation::allocator::allocate_in_place`] is fastest with them). `excluded` lists the
    /// dealers that already declined this lead or let an offer of it expire (searched
    /// linearly: it is short).
    pub fn candidates(&self, lead: &LeadProfile, excluded: &[i64]) -> Vec<i64> {
        let mut positions = Vec::new();
        self.candidate_positions_into(lead, excluded, &mut positions);
        positions.iter().map(|&p| self.ids[p as usize]).collect()
    }

    /// The eligible dealers as positions in this index (dealers in ascending id order:
    /// see [`EligibilityIndex::dealer_id_at`]), ascending, written into `out` (cleared
    /// first). A network's running allocation state kept by position goes straight to
    /// [`crate::services::allocation::allocator::allocate_among`] with them.
    pub fn candidate_positions_into(
        &self,
        lead: &LeadProfile,
        excluded: &[i64],
        out: &mut Vec<u32>,
    ) {
        out.clear();
        let line = self
            .product_lines
            .iter()
            .position(|l| l.eq_ignore_ascii_case(&lead.product_line));
        let Some((area, line)) = self.country(&lead.country).zip(line) else {
            return;
        };
        // The per-line lists hold active dealers only; the capacity bits mask the rest.
        // The two sorted lists are merged, each position taken once, in ascending order;
        // both end with `END`, so the loop needs no other check for its end. Every
        // position is written and kept only when below capacity: no branch on the data.
        let (a, b) = area.active.covering(lead, line);
        out.resize(a.len() + b.len(), 0);
        let (mut i, mut j, mut kept) = (0, 0, 0);
        while let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) {
            let position = x.min(y);
            if position == END {
                break;
            }
            i += usize::from(x == position);
            j += usize::from(y == position);
            out[kept] = position;
            let p = position as usize;
            kept += (self.below_capacity[p / 64] >> (p % 64) & 1) as usize;
        }
        out.truncate(kept);
        if !excluded.is_empty() {
            out.retain(|&p| !excluded.contains(&self.ids[p as usize]));
        }
    }

    /// The id of the dealer at `position` (as [`EligibilityIndex::candidate_positions_into`]
    /// gives them).
    pub fn dealer_id_at(&self, position: u32) -> Option<i64> {
        self.ids.get(position as usize).copied()
    }

    /// The one eligibility decision, the same on every path (a batch's snapshot of the
    /// whole network, a single lead's pre-selected dealers): the positions of the dealers
    /// eligible for `lead`, ascending, written into `out` (cleared first); or, when there
    /// are none, why the lead waits ([`EligibilityIndex::no_candidate_reason`]).
    /// `excluded` lists the dealers that already declined this lead or let an offer of it
    /// expire.
    pub fn eligible_into(
        &self,
        lead: &LeadProfile,
        excluded: &[i64],
        out: &mut Vec<u32>,
    ) -> Result<(), Ineligible> {
        self.candidate_positions_into(lead, excluded, out);
        if out.is_empty() {
            Err(self
                .no_candidate_reason(lead, excluded)
                .unwrap_or(Ineligible::NoTerritoryMatch))
        } else {
            Ok(())
        }
    }

    /// Why no dealer may take `lead`, or `None` when one may. When no territory covers the
    /// lead the reason is [`Ineligible::NoTerritoryMatch`]; otherwise it is the reason of
    /// the covering dealer that came closest (so "at capacity" wins over "declined": the
    /// lead may go once capacity frees up).
    pub fn no_candidate_reason(&self, lead: &LeadProfile, excluded: &[i64]) -> Option<Ineligible> {
        let mut eligible = false;
        let mut closest: Option<Ineligible> = None;
        if let Some(area) = self.country(&lead.country) {
            each_covering(&area.any, lead, self.dealers.len(), |p| {
                match is_eligible(&self.dealers[p], lead, excluded) {
                    Ok(()) => eligible = true,
                    Err(reason) => closest = closest.max(Some(reason)),
                }
            });
        }
        if eligible {
            None
        } else {
            Some(closest.unwrap_or(Ineligible::NoTerritoryMatch))
        }
    }
}
