use hamms_test::prelude::*;

#[with_fault_server(port = "status", behavior = "delay")]
#[tokio::test]
async fn a_proxy_option_on_a_mode(server: FaultServer) {
    let _ = server;
}

fn main() {}
