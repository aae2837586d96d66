//! The admin area, split like `src/routes/admin/`: dealers (create, validate, edit), users
//! (invite, roles, disable), API tokens and the audit log.

mod api_tokens;
mod audit;
mod dealers;
mod users;

use crate::helpers::{Browser, PASSWORD, Page, TestApp, visible_text};

/// A complete, valid dealer form as an admin would fill it in.
pub(crate) const GOOD_DEALER: [(&str, &str); 8] = [
    ("code", "mi-tor01"),
    ("name", "Torneria Milanese"),
    ("contact_email", "Vendite@Torneria.example.it"),
    ("capacity", "40"),
    ("postcodes", "IT 20\r\nit 24"),
    ("regions", "IT Lombardia"),
    ("product_lines", "lathes, Milling"),
    ("active", "on"),
];

/// A dealer form with one mistake in every field.
pub(crate) const BAD_DEALER: [(&str, &str); 8] = [
    ("code", "x"),
    ("name", "   "),
    ("contact_email", "vendite-at-torneria"),
    ("capacity", "molti"),
    ("postcodes", "IT 20\nITALIA 30"),
    ("regions", "Lombardia"),
    ("product_lines", "torni & frese"),
    ("active", "on"),
];

pub(crate) async fn logged_in_admin(app: &TestApp) -> (Browser, i64) {
    let (email, id) = app.admin();
    let mut browser = app.browser();
    assert_eq!(browser.login(&email, PASSWORD).await.path(), "/admin");
    (browser, id)
}

/// The dealer codes on the dealer list, as the logged-in user sees it, sorted.
pub(crate) async fn listed_dealers(browser: &mut Browser) -> Vec<String> {
    let mut codes = browser.get("/dealers").await.all("data-code");
    codes.sort();
    codes
}

/// A user as the admin's user list shows them.
pub(crate) struct ListedUser {
    pub name: String,
    /// `admin`, `manager` or `dealer`.
    pub role: String,
    /// `invited` (no password chosen yet), `active` or `disabled`.
    pub status: String,
}

/// The user with `email` as the admin's user list shows them, if listed.
pub(crate) async fn listed_user(admin: &mut Browser, email: &str) -> Option<ListedUser> {
    let page = admin.get(&format!("/admin/users?q={email}")).await;
    let start = page.html.find(&format!(" data-email=\"{email}\""))?;
    let row = &page.html[start..start + page.html[start..].find("</tr>")?];
    let attr = |name: &str| {
        let prefix = format!(" {name}=\"");
        let at = row
            .find(&prefix)
            .unwrap_or_else(|| panic!("no {name} in {row}"))
            + prefix.len();
        row[at..].split('"').next().unwrap_or_default().to_owned()
    };
    let name = row
        .split("<td>")
        .nth(2)
        .and_then(|cell| cell.split("</td>").next())
        .unwrap_or_default();
    Some(ListedUser {
        name: visible_text(name),
        role: attr("data-role"),
        status: attr("data-status"),
    })
}

pub(crate) fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

/// Submits the new-user form as the logged-in admin.
pub(crate) async fn invite(browser: &mut Browser, fields: &[(&str, &str)]) -> Page {
    browser
        .submit("/admin/users/new", "/admin/users", fields)
        .await
}
