use hamms_test::prelude::*;

#[with_fault_server(proxy = "127.0.0.1:6379", behavior = "latency", sleep = 1)]
#[tokio::test]
async fn an_option_of_another_behavior(server: FaultServer) {
    let _ = server;
}

fn main() {}
