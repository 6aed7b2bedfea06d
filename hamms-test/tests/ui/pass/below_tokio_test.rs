use hamms_test::prelude::*;

// Below #[tokio::test] as well as above it: the servers start before tokio's runtime, and its
// async block uses them as it would the parameters.
#[tokio::test]
#[with_fault_server(port = "slow_drip")]
#[with_fault_server(proxy = server.addr())]
async fn tokio_test_first(server: FaultServer, proxy: FaultServer) {
    let _ = (server, proxy);
}

fn main() {}
