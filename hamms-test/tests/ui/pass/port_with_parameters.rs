use hamms_test::prelude::*;

#[with_fault_server(port = "slow_drip")]
#[tokio::test]
async fn plain(server: FaultServer) {
    let _ = server.url("/");
}

#[with_fault_server(port = "status", status = 503)]
#[tokio::test]
async fn integer(server: FaultServer) {
    let _ = server;
}

#[with_fault_server(port = "slow_drip", interval_ms = 20, tls = true, seed = 7)]
#[tokio::test]
async fn several(url: String) {
    let _ = url;
}

#[with_fault_server(port = "fail_rate", failrate = 0.5)]
#[tokio::test]
async fn float(url: hamms_test::Uri) {
    let _ = url;
}

fn main() {}
