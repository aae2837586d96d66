//! What an operator relies on: health and readiness probes, Prometheus metrics, request
//! ids, cacheable static files, and several instances serving one database.

use crate::helpers::{Browser, PASSWORD, spawn_app, spawn_app_with};

#[tokio::test]
async fn the_health_probe_says_ok_and_the_readiness_probe_reaches_the_database() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();

    let health = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let ready = client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    assert_eq!(ready.status().as_u16(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_method_and_status_in_prometheus_text() {
    let token = "prometheus-scrape-7f3a9c21";
    let app = spawn_app_with(|settings| {
        settings.metrics_token = Some(dealerloop::config::Secret::new(token));
    })
    .await;
    let mut browser = app.browser();
    let login = browser.get("/login").await;
    assert_eq!(login.status, 200);

    let response = reqwest::Client::new()
        .get(format!("{}/metrics", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let metrics = response.text().await.unwrap();
    let counter = metrics
        .lines()
        .find(|l| {
            l.starts_with(r#"http_requests_total{route="/login",method="GET",status="200"} "#)
        })
        .unwrap_or_else(|| panic!("no counter for GET /login in:\n{metrics}"));
    let count: u64 = counter.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1, "{counter}");
    assert!(
        metrics.contains("# TYPE http_requests_total counter"),
        "{metrics}"
    );
    assert!(
        metrics.contains("# TYPE http_request_duration_seconds histogram"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"http_request_duration_seconds_bucket{route="/login",method="GET",status="200",le="+Inf"} "#
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn every_response_has_a_request_id_and_a_sane_incoming_one_is_echoed() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let mut generated = Vec::new();
    for path in ["/login", "/healthz", "/no-such-page", "/"] {
        let response = client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        let id = response
            .headers()
            .get("x-request-id")
            .unwrap_or_else(|| panic!("{path} answered without x-request-id"))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!id.is_empty(), "{path}");
        generated.push(id);
    }
    let echoed = client
        .get(format!("{}/healthz", app.address))
        .header("X-Request-Id", "lb-7f3a-0042")
        .send()
        .await
        .unwrap();
    let replaced = client
        .get(format!("{}/healthz", app.address))
        .header("X-Request-Id", "bad id; with <spaces>")
        .send()
        .await
        .unwrap();

    generated.sort();
    generated.dedup();
    assert_eq!(generated.len(), 4, "each request gets its own id");
    assert_eq!(echoed.headers()["x-request-id"], "lb-7f3a-0042");
    let new_id = replaced.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(new_id, "bad id; with <spaces>");
    assert!(
        !new_id.is_empty()
            && new_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
    );
}

/// The `href` of the page's stylesheet link.
fn stylesheet_href(html: &str) -> String {
    let start = html
        .find(r#"<link rel="stylesheet" href=""#)
        .unwrap_or_else(|| panic!("no stylesheet link in:\n{html}"));
    let rest = &html[start + r#"<link rel="stylesheet" href=""#.len()..];
    rest.split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_stylesheet_is_served_at_its_hashed_url_and_cached_for_a_year() {
    let app = spawn_app().await;
    let mut browser = app.browser();
    let page = browser.get("/login").await;
    let href = stylesheet_href(&page.html);

    let response = reqwest::get(format!("{}{href}", app.address))
        .await
        .unwrap();

    assert!(
        href.starts_with("/static/app.") && href.ends_with(".css") && href != "/static/app.css",
        "{href}"
    );
    assert_eq!(response.status().as_u16(), 200, "{href}");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let css = response.text().await.unwrap();
    assert!(
        css.contains('{') && css.contains('}'),
        "a stylesheet: {css}"
    );
}

#[tokio::test]
async fn an_unknown_or_outdated_static_file_is_not_found() {
    let app = spawn_app().await;

    let unknown = reqwest::get(format!("{}/static/nothing.js", app.address))
        .await
        .unwrap();
    let outdated = reqwest::get(format!("{}/static/app.0000000000.css", app.address))
        .await
        .unwrap();

    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(outdated.status().as_u16(), 404);
    assert_ne!(
        outdated
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned()),
        Some("public, max-age=31536000, immutable".to_owned()),
        "a missing file must not be cached for a year"
    );
}

#[tokio::test]
async fn a_session_opened_on_one_instance_works_on_another_and_logging_out_there_ends_it_everywhere()
 {
    let instance_a = spawn_app().await;
    let instance_b = instance_a.second_instance().await;
    assert_ne!(instance_a.address, instance_b.address);
    instance_a.create_dealer("MI-01");
    instance_a.create_user("dealer@example.it", "dealer", Some("MI-01"));
    let mut on_a = instance_a.browser();
    let home = on_a.login("dealer@example.it", PASSWORD).await;
    assert_eq!(home.path(), "/dealer");
    let session = on_a
        .cookie("dl_session")
        .expect("a session cookie after login");

    // The same browser session, routed by a load balancer to instance B.
    let mut on_b = Browser::new(&instance_b.address, None);
    on_b.jar.add_cookie_str(
        &format!("dl_session={session}; Path=/"),
        &url::Url::parse(&instance_b.address).unwrap(),
    );
    let home_on_b = on_b.get("/dealer").await;

    assert_eq!(home_on_b.status, 200);
    assert_eq!(home_on_b.path(), "/dealer");
    assert!(home_on_b.contains("Officina MI-01"), "{}", home_on_b.html);

    let logged_out = on_b.post("/logout", &[]).await;
    assert_eq!(logged_out.path(), "/login");

    let back_on_a = on_a
        .without_redirects()
        .get(format!("{}/dealer", instance_a.address))
        .send()
        .await
        .unwrap();
    assert_eq!(back_on_a.status().as_u16(), 303);
    let location = back_on_a.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/login"), "{location}");
}
