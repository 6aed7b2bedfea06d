use hamms_test::prelude::*;

#[with_fault_server(proxy = "127.0.0.1:6379", behavior = "dealy")]
#[tokio::test]
async fn typo(server: FaultServer) {
    let _ = server;
}

fn main() {}
