//! Who can read `/metrics`, and what its labels may hold: off the public routes unless a
//! token is configured, or on a separate listen address; labels from a fixed set.

use std::sync::Arc;

use dealerloop::config::Secret;
use dealerloop::startup::Application;

use crate::helpers::{fresh_database, spawn_app, spawn_app_with, test_settings};

const TOKEN: &str = "prometheus-scrape-7f3a9c21";

fn with_token(settings: &mut dealerloop::config::Settings) {
    settings.metrics_token = Some(Secret::new(TOKEN));
}

async fn metrics_status(address: &str, authorization: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new().get(format!("{address}/metrics"));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn without_a_metrics_token_the_public_address_has_no_metrics() {
    let app = spawn_app().await;

    let anonymous = metrics_status(&app.address, None).await;
    let with_a_guess = metrics_status(&app.address, Some(&format!("Bearer {TOKEN}"))).await;

    assert_eq!(anonymous, 404);
    assert_eq!(with_a_guess, 404);
}

#[tokio::test]
async fn with_a_metrics_token_only_a_scraper_showing_it_reads_the_metrics() {
    let app = spawn_app_with(with_token).await;

    let refused = [
        metrics_status(&app.address, None).await,
        metrics_status(&app.address, Some("Bearer wrong-token-0000000000")).await,
        metrics_status(&app.address, Some(&format!("Bearer {TOKEN}x"))).await,
        metrics_status(&app.address, Some(&format!("Basic {TOKEN}"))).await,
        metrics_status(&app.address, Some(TOKEN)).await,
    ];
    let scraped = reqwest::Client::new()
        .get(format!("{}/metrics", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();

    assert_eq!(refused, [404; 5], "a missing or wrong token is not found");
    assert_eq!(scraped.status().as_u16(), 200);
    assert!(
        scraped
            .text()
            .await
            .unwrap()
            .contains("# TYPE http_requests_total counter")
    );
}

#[tokio::test]
async fn a_separate_metrics_address_serves_the_metrics_and_the_public_address_does_not() {
    // Arrange: the portal with a metrics listener on a free loopback port.
    let (url, database) = fresh_database();
    let mut settings = test_settings(&url);
    settings.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    let app = Application::build(settings).await.unwrap();
    let public = format!("http://127.0.0.1:{}", app.port());
    let metrics_port = app.metrics_port().expect("the metrics listener's port");
    let _database = Arc::new(database);
    tokio::spawn(app.run_until_stopped());
    let login = reqwest::get(format!("{public}/login")).await.unwrap();
    assert_eq!(login.status().as_u16(), 200);

    // Act
    let on_the_listener = reqwest::get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .await
        .unwrap();
    let listener_status = on_the_listener.status().as_u16();
    let metrics = on_the_listener.text().await.unwrap();
    let on_the_public_address = metrics_status(&public, None).await;
    let other_path = reqwest::get(format!("http://127.0.0.1:{metrics_port}/login"))
        .await
        .unwrap();

    // Assert
    assert_ne!(metrics_port, 0);
    assert_eq!(listener_status, 200);
    assert!(
        metrics.contains(r#"http_requests_total{route="/login",method="GET",status="200"} "#),
        "{metrics}"
    );
    assert_eq!(on_the_public_address, 404);
    assert_eq!(
        other_path.status().as_u16(),
        404,
        "only /metrics is served there"
    );
}

#[tokio::test]
async fn unknown_methods_and_random_paths_never_become_metric_labels() {
    // Arrange
    let app = spawn_app_with(with_token).await;
    let client = reqwest::Client::new();
    let random = dealerloop::services::tokens::random_secret()
        .replace(['-', '_'], "")
        .to_lowercase();
    let paths = [
        format!("/{random}"),
        format!("/static/{random}/x"),
        format!("/login/{random}"),
        format!("/api/v1/{random}?q={random}"),
    ];

    // Act: odd methods on real and random paths, and plain requests to random paths.
    for path in &paths {
        for method in ["FOO", "GET", "PROPFIND"] {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            client
                .request(method, format!("{}{path}", app.address))
                .send()
                .await
                .unwrap();
        }
    }
    let foo_on_login = client
        .request(
            reqwest::Method::from_bytes(b"FOO").unwrap(),
            format!("{}/login", app.address),
        )
        .send()
        .await
        .unwrap();
    let metrics = client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // Assert
    assert_ne!(foo_on_login.status().as_u16(), 200);
    assert!(!metrics.contains("FOO"), "{metrics}");
    assert!(!metrics.contains("PROPFIND"), "{metrics}");
    assert!(!metrics.contains(&random[..12]), "{metrics}");
    assert!(metrics.contains(r#"method="OTHER""#), "{metrics}");
    assert!(metrics.contains(r#"route="unmatched""#), "{metrics}");
    let routes: std::collections::BTreeSet<&str> = metrics
        .lines()
        .filter_map(|l| l.split("route=\"").nth(1)?.split('"').next())
        .collect();
    assert!(
        routes
            .iter()
            .all(|r| *r == "unmatched" || r.starts_with('/')),
        "{routes:?}"
    );
}
