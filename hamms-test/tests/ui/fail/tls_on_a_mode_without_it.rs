use hamms_test::prelude::*;

#[with_fault_server(port = "refused", tls)]
#[tokio::test]
async fn refused_over_tls(server: FaultServer) {
    let _ = server;
}

fn main() {}
