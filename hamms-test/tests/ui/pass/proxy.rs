use hamms_test::prelude::*;

const BACKEND: &str = "127.0.0.1:6379";

#[with_fault_server(proxy = "127.0.0.1:6379", behavior = "delay", sleep = 0.1)]
#[tokio::test]
async fn literal_address(server: FaultServer) {
    let _ = server;
}

#[with_fault_server(proxy = BACKEND, protocol = "http", behavior = "20:error,80:dummy")]
#[tokio::test]
async fn expression_address(url: String) {
    let _ = url;
}

fn main() {}
