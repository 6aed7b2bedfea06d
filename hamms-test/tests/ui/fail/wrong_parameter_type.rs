use hamms_test::prelude::*;

#[with_fault_server(fixture)]
#[tokio::test]
async fn a_port_number(port: u16) {
    let _ = port;
}

fn main() {}
