//! The layers, tested on the router itself where the behaviour cannot be
//! provoked from outside: a handler that panics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use tower::ServiceExt;

fn state() -> Arc<AppState> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/cn-qingdao-chengyang");
    let catalog = state::load_catalog(&dir).unwrap();
    let limits = Limits {
        max_body: 1 << 20,
        max_batch_body: 1 << 20,
        max_batch_cases: 10,
        max_concurrent: 4,
        max_concurrent_batches: 1,
        timeout: Duration::from_secs(5),
    };
    Arc::new(AppState::new(catalog, dir, limits, None))
}

async fn get_status(app: &Router, path: &str) -> (StatusCode, String, String) {
    let response = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let ct = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, ct, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_problem_and_the_server_goes_on() {
    let state = state();
    let routes = routes(&state).route(
        "/v1/boom",
        get(|| async {
            if std::hint::black_box(true) {
                panic!("boom");
            }
            "unreachable"
        }),
    );
    let app = with_layers(routes, state, None);
    let (status, ct, body) = get_status(&app, "/v1/boom").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(ct, errors::PROBLEM_JSON);
    assert!(body.contains("\"code\":\"internal_error\""), "{body}");
    assert!(
        !body.contains("boom"),
        "the panic message is logged, not answered: {body}"
    );
    let (status, _, _) = get_status(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = get_status(&app, "/v1/rulesets").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
