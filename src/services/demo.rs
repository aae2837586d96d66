//! A believable Italian dealer network for trying the portal: about forty family-run
//! dealers across the regions, each with territories, product lines and a user, plus an
//! admin and a channel manager. Loading it twice changes nothing.

use diesel::Connection;

use crate::db::DbConnection;
use crate::error::AppError;
use crate::models::dealer::Dealer;
use crate::models::user::User;
use crate::services::audit::Actor;
use crate::services::dealers::{self, DealerForm};
use crate::services::users::{self, UserForm};

/// The demo accounts' password (printed by `dealerloop demo`).
pub const DEMO_PASSWORD: &str = "Officina-Demo-2026";
pub const DEMO_ADMIN: &str = "admin@dealerloop.demo";
pub const DEMO_MANAGER: &str = "canale@dealerloop.demo";

/// (city, region, postcode prefixes, family name)
const DEALERS: &[(&str, &str, &[&str], &str)] = &[
    ("Milano", "Lombardia", &["20"], "Colombo"),
    ("Bergamo", "Lombardia", &["24"], "Brambilla"),
    ("Brescia", "Lombardia", &["25"], "Bonetti"),
    ("Varese", "Lombardia", &["21"], "Macchi"),
    ("Torino", "Piemonte", &["10"], "Ferrero"),
    ("Cuneo", "Piemonte", &["12"], "Giordano"),
    ("Novara", "Piemonte", &["28"], "Ferrari"),
    ("Aosta", "Valle d'Aosta", &["11"], "Vallet"),
    ("Genova", "Liguria", &["16"], "Parodi"),
    ("Verona", "Veneto", &["37"], "Zanetti"),
    ("Vicenza", "Veneto", &["36"], "Dalla Valle"),
    ("Padova", "Veneto", &["35"], "Schiavon"),
    ("Treviso", "Veneto", &["31"], "Visentin"),
    ("Trento", "Trentino-Alto Adige", &["38"], "Moser"),
    ("Bolzano", "Trentino-Alto Adige", &["39"], "Hofer"),
    ("Udine", "Friuli-Venezia Giulia", &["33"], "Toffolo"),
    ("Bologna", "Emilia-Romagna", &["40"], "Benassi"),
    ("Modena", "Emilia-Romagna", &["41"], "Ferrari"),
    ("Reggio Emilia", "Emilia-Romagna", &["42"], "Incerti"),
    ("Parma", "Emilia-Romagna", &["43"], "Barilli"),
    ("Firenze", "Toscana", &["50"], "Bianchi"),
    ("Prato", "Toscana", &["59"], "Bartolini"),
    ("Pisa", "Toscana", &["56"], "Lari"),
    ("Perugia", "Umbria", &["06"], "Bartoccini"),
    ("Ancona", "Marche", &["60"], "Pieroni"),
    ("Pesaro", "Marche", &["61"], "Pagnini"),
    ("Roma", "Lazio", &["00"], "Rossi"),
    ("Latina", "Lazio", &["04"], "Di Girolamo"),
    ("Pescara", "Abruzzo", &["65"], "Di Carlo"),
    ("Campobasso", "Molise", &["86"], "Di Iorio"),
    ("Napoli", "Campania", &["80"], "Esposito"),
    ("Salerno", "Campania", &["84"], "Russo"),
    ("Bari", "Puglia", &["70"], "Lorusso"),
    ("Lecce", "Puglia", &["73"], "De Giorgi"),
    ("Potenza", "Basilicata", &["85"], "Lauria"),
    ("Cosenza", "Calabria", &["87"], "Greco"),
    ("Palermo", "Sicilia", &["90"], "Lo Presti"),
    ("Catania", "Sicilia", &["95"], "Russo"),
    ("Cagliari", "Sardegna", &["09"], "Melis"),
    ("Sassari", "Sardegna", &["07"], "Sanna"),
];

/// The product lines the demo network sells.
pub(crate) const PRODUCT_LINES: &[&str] = &[
    "lathes",
    "milling",
    "grinding",
    "laser-cutting",
    "press-brakes",
    "saws",
    "edm",
];
const STYLES: &[&str] = &[
    "Macchine Utensili S.r.l.",
    "& Figli S.n.c.",
    "Tecnologie S.r.l.",
    "Meccanica S.a.s.",
    "Utensileria S.r.l.",
];

/// What `demo` created.
pub struct DemoSummary {
    pub dealers_created: usize,
    pub users_created: usize,
}

fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Loads the demo network; existing dealers and users (by code and email) are left alone.
pub fn load(conn: &mut DbConnection) -> Result<DemoSummary, anyhow::Error> {
    let actor = Actor::cli();
    let mut summary = DemoSummary {
        dealers_created: 0,
        users_created: 0,
    };
    let add_user = |conn: &mut DbConnection,
                    form: UserForm,
                    summary: &mut DemoSummary|
     -> anyhow::Result<()> {
        if User::find_by_email(conn, &form.email)
            .map_err(anyhow::Error::new)?
            .is_none()
        {
            users::create_with_password(conn, &actor, &form, DEMO_PASSWORD)?;
            summary.users_created += 1;
        }
        Ok(())
    };
    add_user(
        conn,
        UserForm {
            email: DEMO_ADMIN.into(),
            name: "Giulia Amministratrice".into(),
            role: "admin".into(),
            locale: "it".into(),
            ..Default::default()
        },
        &mut summary,
    )?;
    add_user(
        conn,
        UserForm {
            email: DEMO_MANAGER.into(),
            name: "Marco Canale".into(),
            role: "manager".into(),
            locale: "en".into(),
            ..Default::default()
        },
        &mut summary,
    )?;

    for (i, (city, region, prefixes, family)) in DEALERS.iter().enumerate() {
        let code = format!("{}-{:02}", &slug(city)[..3].to_uppercase(), i + 1);
        let name = format!("{family} {}", STYLES[i % STYLES.len()]);
        let domain = format!("{}{}.it", slug(family), slug(city));
        // Every dealer sells two to four lines; neighbours overlap so leads have a choice.
        let lines: Vec<&str> = (0..2 + i % 3)
            .map(|k| PRODUCT_LINES[(i + k * 2) % PRODUCT_LINES.len()])
            .collect();
        let postcodes = prefixes
            .iter()
            .map(|p| format!("IT {p}"))
            .collect::<Vec<_>>()
            .join("\n");
        let form = DealerForm {
            code: code.clone(),
            name,
            contact_email: format!("vendite@{domain}"),
            capacity: (60 + (i * 37) % 140).to_string(),
            postcodes,
            regions: format!("IT {region}"),
            product_lines: lines.join(", "),
            active: (i % 13 != 12).then(|| "on".into()),
        };
        let created = conn.transaction(|conn| -> Result<bool, AppError> {
            if Dealer::find_by_code(conn, &code)?.is_some() {
                return Ok(false);
            }
            dealers::save(conn, &actor, None, &form)
                .map_err(|e| e.unexpected(&format!("demo dealer {code}")))?;
            Ok(true)
        })?;
        if created {
            summary.dealers_created += 1;
        }
        add_user(
            conn,
            UserForm {
                email: format!("{}@{domain}", slug(city)),
                name: format!(
                    "{} {family}",
                    ["Luca", "Francesca", "Paolo", "Chiara", "Giovanni", "Elena"][i % 6]
                ),
                role: "dealer".into(),
                dealer_code: code,
                locale: if i % 5 == 4 { "en".into() } else { "it".into() },
            },
            &mut summary,
        )?;
    }
    Ok(summary)
}

/// The email of the demo user of the first dealer, for instructions and tests.
pub fn first_dealer_user() -> String {
    let (city, _, _, family) = DEALERS[0];
    format!("{}@{}{}.it", slug(city), slug(family), slug(city))
}

/// Marketing channels and the campaigns that run on them in the demo.
const CHANNELS: &[(&str, &str, &str, &[&str])] = &[
    (
        "paid_search",
        "google",
        "cpc",
        &["torni-autunno", "frese-cnc-2026", "brand-search"],
    ),
    (
        "linkedin",
        "linkedin",
        "paid_social",
        &["linkedin-decisori", "linkedin-retargeting"],
    ),
    (
        "trade_fair",
        "emo-milano",
        "event",
        &["emo-2026", "lamiera-bologna"],
    ),
    (
        "email_nurturing",
        "newsletter",
        "email",
        &["nurturing-q3", "nurturing-q4"],
    ),
    ("organic", "google", "organic", &["seo-guide"]),
    (
        "webinar",
        "website",
        "webinar",
        &["webinar-cnc", "webinar-laser"],
    ),
    ("referral", "partner", "referral", &["programma-referenze"]),
];

/// A small deterministic generator, so the demo is the same every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What `demo` added in leads.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeadSummary {
    /// Campaigns created (each with six months of spend).
    pub campaigns: usize,
    pub created: usize,
    pub accepted: usize,
    pub declined: usize,
    pub expired: usize,
}

const LAST_NAMES: [&str; 10] = [
    "Rossi", "Bianchi", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco",
    "Bruno",
];
const FIRST_NAMES: [&str; 8] = [
    "Marco", "Giulia", "Luca", "Sara", "Paolo", "Anna", "Davide", "Elena",
];

/// Loads `count` leads over the last six months with multi-touch paths, pushed through
/// the same intake as the API, and a history of accepts, declines and expiries, in one
/// go. Leads already loaded (by `external_id`) are left alone.
pub fn load_leads(
    conn: &mut DbConnection,
    count: usize,
    base_url: &str,
) -> Result<LeadSummary, anyhow::Error> {
    let mut leads = DemoLeads::new(count, base_url);
    leads.load_campaigns(conn)?;
    while leads.load_next(conn, count)? {}
    Ok(leads.summary())
}

/// The demo's leads (see [`load_leads`]), loaded a chunk at a time: the command line
/// commits each chunk on its own, so a portal running beside `dealerloop demo` gets the
/// database writer between chunks and keeps serving its own writes.
pub struct DemoLeads {
    count: usize,
    next: usize,
    dice: Dice,
    now: chrono::NaiveDateTime,
    policy: crate::services::allocation::offering::OfferPolicy,
    feedback: crate::services::feedback::FeedbackPolicy,
    actor: Actor,
    summary: LeadSummary,
}

impl DemoLeads {
    pub fn new(count: usize, base_url: &str) -> Self {
        Self {
            count,
            next: 0,
            dice: Dice(0x5EED_1EAD_CAFE_F00D),
            now: crate::db::now(),
            policy: crate::services::allocation::offering::OfferPolicy {
                base_url: base_url.to_owned(),
                ..Default::default()
            },
            feedback: crate::services::feedback::FeedbackPolicy {
                base_url: base_url.to_owned(),
                ..Default::default()
            },
            actor: Actor {
                label: "demo".into(),
                ..Actor::cli()
            },
            summary: LeadSummary::default(),
        }
    }

    /// The demo campaigns and their spend.
    pub fn load_campaigns(&mut self, conn: &mut DbConnection) -> Result<(), anyhow::Error> {
        self.summary.campaigns = load_campaigns(conn, self.now)?;
        Ok(())
    }

    /// Loads up to `chunk` more leads; returns whether any are left.
    pub fn load_next(
        &mut self,
        conn: &mut DbConnection,
        chunk: usize,
    ) -> Result<bool, anyhow::Error> {
        let end = self.count.min(self.next.saturating_add(chunk));
        for i in self.next..end {
            self.load_one(conn, i)?;
            self.next = i + 1;
        }
        Ok(self.next < self.count)
    }

    /// What was added so far.
    pub fn summary(&self) -> LeadSummary {
        self.summary
    }

    fn load_one(&mut self, conn: &mut DbConnection, i: usize) -> Result<(), anyhow::Error> {
        use chrono::TimeDelta;

        use crate::models::offer::Offer;
        use crate::services::allocation::offering;
        use crate::services::intake::{self, IntakeOutcome};
        use crate::services::offers;

        let (city, region, prefixes, _) = *self.dice.pick(DEALERS);
        let prefix = self.dice.pick(prefixes);
        let postcode = format!("{prefix}{:03}", self.dice.below(1000));
        let age_minutes = i64::try_from(self.dice.below(180 * 24 * 60)).unwrap_or(0);
        let received = self.now - TimeDelta::minutes(age_minutes);
        let touches = 1 + self.dice.below(5);
        let mut touchpoints = Vec::new();
        for t in 0..touches {
            let (channel, source, medium, campaigns) = *self.dice.pick(CHANNELS);
            let back = TimeDelta::days(
                i64::try_from((touches - t) * (1 + self.dice.below(10))).unwrap_or(1),
            );
            touchpoints.push(serde_json::json!({
                "occurred_at": (received - back).and_utc().to_rfc3339(),
                "channel": channel, "source": source, "medium": medium,
                "campaign": self.dice.pick(campaigns), "kind": if t + 1 == touches { "conversion" } else { "touch" },
            }));
        }
        let (first, last) = (self.dice.pick(&FIRST_NAMES), self.dice.pick(&LAST_NAMES));
        let grade = *self.dice.pick(&["A", "B", "C"]);
        let company = ["Meccanica", "Carpenteria", "Stampi", "Automazione"][self.dice.below(4)];
        let lead = serde_json::json!({
            "external_id": format!("DEMO-{i:05}"),
            "received_at": received.and_utc().to_rfc3339(),
            "contact": {
                "name": format!("{first} {last}"),
                "email": format!("{}.{}@{}-{}.it", first.to_lowercase(), last.to_lowercase(), slug(last), slug(city)),
                "phone": format!("+39 3{:02} {:07}", self.dice.below(100), self.dice.below(10_000_000)),
                "company": format!("{last} {company} S.r.l."),
            },
            "location": { "country": "IT", "postcode": postcode, "region": region },
            "product_line": self.dice.pick(PRODUCT_LINES),
            "qualification": { "grade": grade, "score": 40 + self.dice.below(60) },
            "consent": { "share_with_dealers": self.dice.below(20) != 0 },
            "touchpoints": touchpoints,
        });
        let input = intake::validate_lead(&lead, "", self.now)
            .map_err(|p| anyhow::anyhow!("demo lead {i} invalid: {p:?}"))?;
        let IntakeOutcome::Created(stored) =
            intake::store_lead(conn, "demo", &input, &self.policy)?
        else {
            return Ok(());
        };
        self.summary.created += 1;
        // Older leads have been answered: mostly accepted, some declined, some left to expire.
        if age_minutes < 3 * 24 * 60 {
            return Ok(());
        }
        let Some(dealer_id) = stored.dealer_id else {
            return Ok(());
        };
        let Some(offer) = Offer::open_for(conn, stored.id, dealer_id)? else {
            return Ok(());
        };
        match self.dice.below(20) {
            0..=13 => {
                offers::accept(conn, dealer_id, offer.id, &self.actor)?;
                self.summary.accepted += 1;
                let steps: &[&str] = match self.dice.below(10) {
                    0 => &[],
                    1 => &["contacted"],
                    2 => &["contacted", "quote_sent"],
                    3..=5 => &["contacted", "quote_sent", "won"],
                    6 => &["won"],
                    _ => &["contacted", "lost"],
                };
                for step in steps {
                    let _ =
                        offers::advance(conn, dealer_id, stored.id, step, "demo", &self.feedback)?;
                }
            }
            14..=16 => {
                let reason = *self.dice.pick(&offers::DECLINE_REASONS);
                let _ = offers::decline(
                    conn,
                    dealer_id,
                    offer.id,
                    reason,
                    "",
                    &self.actor,
                    &self.policy,
                )?;
                self.summary.declined += 1;
            }
            _ => {
                conn.transaction(|conn| -> Result<(), AppError> {
                    if Offer::close(conn, offer.id, "expired", false, self.now, None)? {
                        let lead = crate::models::lead::LeadRow::find(conn, stored.id)?;
                        offering::offer_to_next_dealer(
                            conn,
                            &lead,
                            "system",
                            &self.policy,
                            self.now,
                        )?;
                    }
                    Ok(())
                })?;
                self.summary.expired += 1;
            }
        }
        Ok(())
    }
}

/// Monthly spend in euro per channel, before the per-campaign variation.
fn monthly_budget_eur(channel: &str) -> i64 {
    match channel {
        "paid_search" => 4_500,
        "linkedin" => 3_200,
        "trade_fair" => 9_000,
        "email_nurturing" => 600,
        "organic" => 1_200,
        "webinar" => 1_500,
        _ => 800,
    }
}

/// The demo campaigns of every channel, with their spend for the six months up to `now`
/// (trade fairs spend in the month they happen). Returns how many campaigns were created.
fn load_campaigns(
    conn: &mut DbConnection,
    now: chrono::NaiveDateTime,
) -> Result<usize, anyhow::Error> {
    use chrono::{Datelike, Months};

    use crate::models::campaign::{Campaign, CampaignSpend};

    let mut created = 0;
    for (channel, _, _, campaigns) in CHANNELS {
        for (n, code) in campaigns.iter().enumerate() {
            if Campaign::find_by_code(conn, code)?.is_some() {
                continue;
            }
            let name = code.replace('-', " ");
            let campaign = Campaign::find_or_create(conn, code, channel, &name)?;
            created += 1;
            for back in 0..6u32 {
                let Some(month) = now.date().checked_sub_months(Months::new(back)) else {
                    continue;
                };
                let base = monthly_budget_eur(channel);
                let amount = if *channel == "trade_fair" {
                    // One fair per campaign, in a different month each.
                    if usize::try_from(back).unwrap_or(0) % 3 != n % 3 {
                        continue;
                    }
                    base * 3
                } else {
                    base + (i64::from(back) * 137 + i64::try_from(n).unwrap_or(0) * 311)
                        % (base / 3 + 1)
                };
                CampaignSpend::set(
                    conn,
                    &CampaignSpend {
                        campaign_id: campaign.id,
                        month: format!("{:04}-{:02}", month.year(), month.month()),
                        amount_cents: amount * 100,
                        currency: "EUR".into(),
                    },
                )?;
            }
        }
    }
    Ok(created)
}
