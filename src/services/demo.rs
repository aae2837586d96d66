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

const LINES: &[&str] = &[
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
            .map(|k| LINES[(i + k * 2) % LINES.len()])
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
            capacity: (10 + (i * 7) % 31).to_string(),
            postcodes,
            regions: format!("IT {region}"),
            product_lines: lines.join(", "),
            active: (i % 13 != 12).then(|| "on".into()),
        };
        let created = conn.transaction(|conn| -> Result<bool, AppError> {
            if Dealer::find_by_code(conn, &code)?.is_some() {
                return Ok(false);
            }
            dealers::save(conn, &actor, None, &form)?.map_err(|e| {
                AppError::Internal(anyhow::anyhow!("demo dealer {code} invalid: {e:?}"))
            })?;
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
