//! A simulation's run: the events in time order, handled through the real services.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use chrono::{NaiveDateTime, TimeDelta};

use super::habits::{self, Dice, Fill, Group, OfferAnswer, PRODUCT_LINE};
use super::report::{Floor, GroupWeek, Report, Totals, Week};
use super::{Simulation, epoch};
use crate::db::DbConnection;
use crate::domain::feedback_fields::Outcome;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::models::dealer_score::DealerScoreRow;
use crate::models::feedback::FeedbackRequest;
use crate::models::lead::LeadRow;
use crate::models::offer::Offer;
use crate::services::allocation::OfferPolicy;
use crate::services::audit::Actor;
use crate::services::dealer_score::store;
use crate::services::dealers::{self, DealerForm};
use crate::services::feedback::form::{FormContext, check};
use crate::services::feedback::{self, FeedbackPolicy};
use crate::services::intake::IntakeError;
use crate::services::intake::submission::Submission;
use crate::services::{deadlines, offers};

/// The source the simulated marketing system sends leads as.
const SOURCE: &str = "simulation";

/// Something a dealer or the marketing system does at a simulated moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// The `n`-th lead arrives through the lead API.
    Lead {
        n: u64,
    },
    Accept {
        dealer_id: i64,
        offer_id: i64,
    },
    Decline {
        dealer_id: i64,
        offer_id: i64,
    },
    /// The dealer reports the accepted lead won or lost.
    Report {
        dealer_id: i64,
        lead_id: i64,
        won: bool,
    },
    /// The dealer submits the feedback form of a request.
    Form {
        request_id: i64,
        won: bool,
        fill: Fill,
    },
}

/// One simulated dealer.
#[derive(Debug, Clone, Copy)]
struct SimDealer {
    group: Group,
    /// Its place in the network (0-based).
    index: usize,
}
/// A run in progress.
pub(super) struct Run {
    sim: Simulation,
    policy: OfferPolicy,
    feedback: FeedbackPolicy,
    actor: Actor,
    dice: Dice,
    dealers: BTreeMap<i64, SimDealer>,
    group_sizes: BTreeMap<Group, usize>,
    events: BinaryHeap<Reverse<(NaiveDateTime, u64, Event)>>,
    sequence: u64,
    last_offer: i64,
    last_request: i64,
    /// Offers per week per dealer index.
    offers: Vec<Vec<u64>>,
    /// Per week, each group's (mean score, mean weight) at its end.
    scores: Vec<BTreeMap<Group, (f64, f64)>>,
    floor: Floor,
    totals: Totals,
}

impl Run {
    pub(super) fn start(sim: &Simulation, conn: &mut DbConnection) -> Result<Self, AppError> {
        let actor = Actor {
            label: "simulation".into(),
            ..Actor::system()
        };
        let mut dealers = BTreeMap::new();
        let mut group_sizes = BTreeMap::new();
        for index in 0..sim.dealers {
            let group = Group::of_dealer(index);
            let form = DealerForm {
                code: format!("SIM-{:04}", index + 1),
                name: format!("Officina simulata {} ({})", index + 1, group.name()),
                contact_email: format!("dealer{}@simulation.example", index + 1),
                capacity: "1000".into(),
                postcodes: "IT 20".into(),
                regions: String::new(),
                product_lines: PRODUCT_LINE.into(),
                active: Some("on".into()),
            };
            let id = dealers::save(conn, &actor, None, &form)
                .map_err(|e| e.unexpected("simulated dealer"))?;
            dealers.insert(id, SimDealer { group, index });
            *group_sizes.entry(group).or_insert(0) += 1;
        }
        let weeks = usize::try_from((sim.days + 6) / 7).unwrap_or(0);
        Ok(Self {
            sim: *sim,
            policy: OfferPolicy::default(),
            feedback: FeedbackPolicy::default(),
            actor,
            dice: Dice::new(sim.seed),
            dealers,
            group_sizes,
            events: BinaryHeap::new(),
            sequence: 0,
            last_offer: 0,
            last_request: 0,
            offers: vec![vec![0; sim.dealers]; weeks],
            scores: vec![BTreeMap::new(); weeks],
            floor: Floor {
                rule_floor: sim.rule.floor,
                lowest_weight: f64::INFINITY,
                lowest_weight_to_mean: f64::INFINITY,
                checks: 0,
            },
            totals: Totals::default(),
        })
    }

    fn schedule(&mut self, at: NaiveDateTime, event: Event) {
        self.sequence += 1;
        self.events.push(Reverse((at, self.sequence, event)));
    }

    fn day_of(&self, at: NaiveDateTime) -> i64 {
        (at - epoch()).num_days()
    }

    fn habit(&self, dealer_id: i64, at: NaiveDateTime) -> Option<habits::Habit> {
        let dealer = self.dealers.get(&dealer_id)?;
        Some(dealer.group.habit_on(self.day_of(at), self.sim.days))
    }

    /// Every simulated hour: the background runs, then the events of the hour in order.
    pub(super) fn go(&mut self, conn: &mut DbConnection) -> Result<(), AppError> {
        let hours = self.sim.days * 24;
        let mut previous = epoch();
        for hour in 0..hours {
            let now = epoch() + TimeDelta::hours(hour);
            if hour % 24 == 0 {
                self.schedule_leads(now);
            }
            self.background(conn, previous, now, hour % 24 == 0)?;
            previous = now;
            let end = now + TimeDelta::hours(1);
            while let Some(Reverse((at, _, event))) = self.events.peek().copied() {
                if at >= end {
                    break;
                }
                self.events.pop();
                self.handle(conn, at, event)?;
            }
            self.check_floor(conn)?;
            let day = hour / 24;
            if hour % 24 == 23 && (day % 7 == 6 || day + 1 == self.sim.days) {
                self.record_week_scores(conn, usize::try_from(day / 7).unwrap_or(0))?;
            }
        }
        Ok(())
    }

    /// The day's leads, at times spread over the day.
    fn schedule_leads(&mut self, day_start: NaiveDateTime) {
        let per_day = self.sim.leads_per_day.max(1);
        let slot = 86_400.0 / per_day as f64;
        let day = self.day_of(day_start);
        for k in 0..self.sim.leads_per_day {
            let second = ((k as f64 + self.dice.unit()) * slot) as i64;
            let n = u64::try_from(day).unwrap_or(0) * per_day as u64 + k as u64;
            self.schedule(day_start + TimeDelta::seconds(second), Event::Lead { n });
        }
    }

    /// What the portal's background workers do: offer deadlines and reminders, feedback
    /// timers and reminders, scores of dealers whose requests closed unanswered, and once
    /// a day every dealer's score.
    fn background(
        &mut self,
        conn: &mut DbConnection,
        previous: NaiveDateTime,
        now: NaiveDateTime,
        daily: bool,
    ) -> Result<(), AppError> {
        deadlines::process_due(conn, &self.policy, now)?;
        feedback::process_due(conn, &self.feedback, now)?;
        if now > previous {
            store::refresh_changed(conn, &self.sim.rule, previous, now)?;
        }
        if daily {
            store::recompute_all(conn, &self.sim.rule, now)?;
        }
        self.follow(conn)
    }

    fn handle(
        &mut self,
        conn: &mut DbConnection,
        at: NaiveDateTime,
        event: Event,
    ) -> Result<(), AppError> {
        match event {
            Event::Lead { n } => {
                let body = lead_body(self.sim.seed, n, at);
                Submission::read(body.as_bytes(), at)
                    .and_then(|s| s.store(conn, SOURCE, &self.policy))
                    .map_err(intake_failed)?;
                self.totals.leads += 1;
                self.follow(conn)?;
            }
            Event::Accept {
                dealer_id,
                offer_id,
            } => {
                let (answer, lead_id) =
                    offers::accept_at(conn, dealer_id, offer_id, &self.actor, at)?;
                if answer == offers::Answer::Done {
                    self.totals.accepted += 1;
                    let habit = self.habit(dealer_id, at);
                    if let Some((after, outcome)) =
                        habit.and_then(|h| h.report_outcome(&mut self.dice))
                    {
                        let won = outcome == Outcome::Won;
                        self.schedule(
                            at + after,
                            Event::Report {
                                dealer_id,
                                lead_id,
                                won,
                            },
                        );
                    }
                }
            }
            Event::Decline {
                dealer_id,
                offer_id,
            } => {
                let answer = offers::DeclineAnswer {
                    reason: "no_capacity",
                    note: "",
                };
                let (declined, _) = offers::decline_at(
                    conn,
                    dealer_id,
                    offer_id,
                    answer,
                    &self.actor,
                    &self.policy,
                    at,
                )?;
                if matches!(declined, offers::Declined::Done(_)) {
                    self.totals.declined += 1;
                }
                self.follow(conn)?;
            }
            Event::Report {
                dealer_id,
                lead_id,
                won,
            } => {
                let to = if won { "won" } else { "lost" };
                let done = offers::advance_at(
                    conn,
                    dealer_id,
                    lead_id,
                    to,
                    &self.actor.label,
                    &self.feedback,
                    at,
                )?;
                if done == offers::Advanced::Done {
                    self.totals.outcomes_reported += 1;
                }
                self.follow(conn)?;
            }
            Event::Form {
                request_id,
                won,
                fill,
            } => self.submit_form(conn, at, request_id, won, fill)?,
        }
        Ok(())
    }

    /// The dealer types the form and submits it, checked as the form page checks it.
    fn submit_form(
        &mut self,
        conn: &mut DbConnection,
        at: NaiveDateTime,
        request_id: i64,
        won: bool,
        fill: Fill,
    ) -> Result<(), AppError> {
        let request = FeedbackRequest::find(conn, request_id)?;
        let lead = LeadRow::find(conn, request.lead_id)?;
        let outcome = if won { Outcome::Won } else { Outcome::Lost };
        let today = at.date();
        let form = habits::feedback_form(outcome, fill, today, &mut self.dice);
        let lines = vec![PRODUCT_LINE.to_owned()];
        let ctx = FormContext {
            locale: Locale::En,
            today,
            lead_received: lead.received_at.get().date(),
            product_lines: &lines,
        };
        let answers = check(&form, &ctx, true).map_err(|errors| {
            AppError::Internal(anyhow::anyhow!(
                "a simulated form failed its checks: {errors:?}"
            ))
        })?;
        let saved = feedback::save(
            conn,
            request_id,
            &answers,
            true,
            &self.actor,
            &feedback::SubmissionRules {
                score: self.sim.rule,
                ..Default::default()
            },
            at,
        )?;
        if matches!(saved, feedback::Saved::Submitted { .. }) {
            self.totals.forms_submitted += 1;
        }
        Ok(())
    }

    /// Sees the offers and feedback requests made since the last look, counts the offers,
    /// and lets each dealer decide, by its habit at that moment, what it will do.
    fn follow(&mut self, conn: &mut DbConnection) -> Result<(), AppError> {
        for offer in Offer::made_after(conn, self.last_offer)? {
            self.last_offer = offer.id;
            let offered_at = offer.offered_at.get();
            let Some(dealer) = self.dealers.get(&offer.dealer_id).copied() else {
                continue;
            };
            self.totals.offers += 1;
            let week = usize::try_from(self.day_of(offered_at) / 7).unwrap_or(0);
            if let Some(counts) = self.offers.get_mut(week) {
                counts[dealer.index] += 1;
            }
            let habit = dealer
                .group
                .habit_on(self.day_of(offered_at), self.sim.days);
            let (dealer_id, offer_id) = (offer.dealer_id, offer.id);
            match habit.answer_offer(&mut self.dice) {
                OfferAnswer::Accept { after } => {
                    self.schedule(
                        offered_at + after,
                        Event::Accept {
                            dealer_id,
                            offer_id,
                        },
                    );
                }
                OfferAnswer::Decline { after } => {
                    self.schedule(
                        offered_at + after,
                        Event::Decline {
                            dealer_id,
                            offer_id,
                        },
                    );
                }
                OfferAnswer::Ignore => self.totals.ignored += 1,
            }
        }
        for request in FeedbackRequest::opened_after(conn, self.last_request)? {
            self.last_request = request.id;
            let opened_at = request.opened_at.get();
            let Some(habit) = self.habit(request.dealer_id, opened_at) else {
                continue;
            };
            let Some((after, fill)) = habit.fill_form(&mut self.dice) else {
                continue;
            };
            // A request opened by a reported outcome starts with it; one opened by the
            // timer gets the outcome the dealer reports now.
            let lead = LeadRow::find(conn, request.lead_id)?;
            let won = match lead.status {
                crate::domain::LeadStatus::Won => true,
                crate::domain::LeadStatus::Lost => false,
                _ => habits::sale_outcome(&mut self.dice) == Outcome::Won,
            };
            self.schedule(
                opened_at + after,
                Event::Form {
                    request_id: request.id,
                    won,
                    fill,
                },
            );
        }
        Ok(())
    }

    /// Checks every dealer's weight against the floor.
    fn check_floor(&mut self, conn: &mut DbConnection) -> Result<(), AppError> {
        let rows = DealerScoreRow::all(conn)?;
        if rows.is_empty() {
            return Ok(());
        }
        let mean = rows.iter().map(|r| r.weight).sum::<f64>() / rows.len() as f64;
        for row in &rows {
            self.floor.lowest_weight = self.floor.lowest_weight.min(steady(row.weight));
            if mean > 0.0 {
                self.floor.lowest_weight_to_mean = self
                    .floor
                    .lowest_weight_to_mean
                    .min(steady(row.weight / mean));
            }
        }
        self.floor.checks += 1;
        Ok(())
    }

    /// Each group's mean score and weight, at the end of week `week` (0-based).
    fn record_week_scores(&mut self, conn: &mut DbConnection, week: usize) -> Result<(), AppError> {
        let mut sums: BTreeMap<Group, (f64, f64, usize)> = BTreeMap::new();
        for row in DealerScoreRow::all(conn)? {
            if let Some(dealer) = self.dealers.get(&row.dealer_id) {
                let entry = sums.entry(dealer.group).or_insert((0.0, 0.0, 0));
                entry.0 += row.score;
                entry.1 += row.weight;
                entry.2 += 1;
            }
        }
        if let Some(slot) = self.scores.get_mut(week) {
            *slot = sums
                .into_iter()
                .map(|(g, (score, weight, n))| {
                    (g, (steady(score / n as f64), steady(weight / n as f64)))
                })
                .collect();
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Report {
        let dealers = self.sim.dealers.max(1);
        let weeks = self
            .offers
            .iter()
            .enumerate()
            .map(|(w, per_dealer)| {
                let offers: u64 = per_dealer.iter().sum();
                let groups = self
                    .group_sizes
                    .iter()
                    .map(|(&group, &size)| {
                        let group_offers: u64 = self
                            .dealers
                            .values()
                            .filter(|d| d.group == group)
                            .map(|d| per_dealer[d.index])
                            .sum();
                        let scored = self.scores[w].get(&group);
                        GroupWeek {
                            group,
                            offers: group_offers,
                            share: if offers == 0 {
                                0.0
                            } else {
                                group_offers as f64 / offers as f64
                            },
                            equal_share: size as f64 / dealers as f64,
                            mean_score: scored.map(|s| s.0),
                            mean_weight: scored.map(|s| s.1),
                        }
                    })
                    .collect();
                let first_day = i64::try_from(w * 7).unwrap_or(0);
                Week {
                    number: w + 1,
                    days: (self.sim.days - first_day).min(7),
                    offers,
                    groups,
                    fewest_offers_to_a_dealer: per_dealer.iter().copied().min().unwrap_or(0),
                }
            })
            .collect();
        Report {
            days: self.sim.days,
            dealers: self.sim.dealers,
            leads_per_day: self.sim.leads_per_day,
            seed: self.sim.seed,
            weeks,
            floor: self.floor,
            totals: self.totals,
        }
    }
}

/// `x` to nine decimals. Scores sum their observations in the order the database returns
/// them, which PostgreSQL does not keep from run to run: the last bits of a score may
/// differ between two runs of the same seed, and the report should not.
fn steady(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// The `n`-th lead as the marketing system sends it: every lead in the dealers' territory,
/// for their product line, with consent to share.
fn lead_body(seed: u64, n: u64, at: NaiveDateTime) -> String {
    serde_json::json!({
        "external_id": format!("SIM-{seed}-{n:07}"),
        "received_at": at.and_utc().to_rfc3339(),
        "contact": {
            "name": format!("Cliente {n}"),
            "email": format!("cliente{n}@clienti.example"),
        },
        "location": { "country": "IT", "postcode": format!("20{:03}", n % 1000) },
        "product_line": PRODUCT_LINE,
        "consent": { "share_with_dealers": true },
    })
    .to_string()
}

fn intake_failed(e: IntakeError) -> AppError {
    match e {
        IntakeError::App(e) => e,
        other => AppError::Internal(anyhow::anyhow!("a simulated lead was refused: {other}")),
    }
}
