//! The weight each dealer has in allocation, as both allocation paths read it: a
//! manager's override while one is in force, else the stored score's weight, else 1 (a
//! dealer not scored yet weighs as the average dealer).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rustc_hash::FxHashMap;

use crate::db::DbConnection;
use crate::models::dealer_score::WeightOverride;

/// One dealer's weight and where it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DealerWeight {
    pub weight: f64,
    /// The dealer's score, once it has one.
    pub score: Option<f64>,
    /// The override in force, if any (its weight is `weight`).
    pub override_id: Option<i64>,
}

impl Default for DealerWeight {
    fn default() -> Self {
        Self {
            weight: 1.0,
            score: None,
            override_id: None,
        }
    }
}

/// Dealers' weights at one moment.
#[derive(Debug, Clone, Default)]
pub struct Weights(FxHashMap<i64, DealerWeight>);

impl Weights {
    /// The weights of `dealer_ids` (of every dealer with `None`) at `now`.
    pub fn load(
        conn: &mut DbConnection,
        dealer_ids: Option<&[i64]>,
        now: NaiveDateTime,
    ) -> QueryResult<Weights> {
        use crate::schema::dealer_scores as s;
        let mut query = s::table
            .select((s::dealer_id, s::weight, s::score))
            .into_boxed();
        if let Some(ids) = dealer_ids {
            query = query.filter(s::dealer_id.eq_any(ids));
        }
        let mut map: FxHashMap<i64, DealerWeight> = query
            .load::<(i64, f64, f64)>(conn)?
            .into_iter()
            .map(|(id, weight, score)| {
                (
                    id,
                    DealerWeight {
                        weight,
                        score: Some(score),
                        override_id: None,
                    },
                )
            })
            .collect();
        // Newest first: the newest override in force wins.
        for o in WeightOverride::in_force(conn, None, now)?.into_iter().rev() {
            if dealer_ids.is_some_and(|ids| !ids.contains(&o.dealer_id)) {
                continue;
            }
            let entry = map.entry(o.dealer_id).or_default();
            entry.weight = o.weight;
            entry.override_id = Some(o.id);
        }
        Ok(Weights(map))
    }

    /// `dealer_id`'s weight (1 for a dealer not scored and not overridden).
    pub fn of(&self, dealer_id: i64) -> DealerWeight {
        self.0.get(&dealer_id).copied().unwrap_or_default()
    }
}
