//! The README's Rust example, compiled and run exactly as written; the last test keeps the README
//! and this file in step.

// README example: start
use std::time::Duration;

use hamms_test::{Behavior, FaultServer};

#[tokio::test]
async fn my_client_gives_up_on_a_slow_drip() {
    let server = FaultServer::builder("slow_drip")
        .param("interval_ms", 50)
        .start()
        .unwrap();
    let client = reqwest::Client::new();

    let err = client
        .get(server.url("/"))
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    let history = server
        .wait_for_requests(1, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(history.last().unwrap().request.path, "/");

    // Swap the behavior for one block; the previous one comes back after it, even on panic.
    let unavailable = Behavior::mode("status")
        .unwrap()
        .param("status", 503)
        .unwrap();
    server
        .with_behavior(unavailable, async {
            let response = client.get(server.url("/")).send().await.unwrap();
            assert_eq!(response.status(), 503);
        })
        .await;
}
// README example: end

#[test]
fn the_readme_shows_this_example_verbatim() {
    let this = include_str!("readme.rs");
    let start =
        this.find("// README example: start\n").unwrap() + "// README example: start\n".len();
    let end = this.find("// README example: end").unwrap();
    let example = &this[start..end];
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains(&format!("```rust\n{example}```")),
        "README.md's example differs from tests/tests/readme.rs: copy it over"
    );
}
