use hamms_test::prelude::*;

#[with_fault_server(fixture)]
#[with_fault_server(proxy = backend.addr())]
#[with_fault_server(port = "refused")]
#[tokio::test]
async fn three_servers(backend: FaultServer, proxy: FaultServer, down: String) {
    let _ = (backend, proxy, down);
}

fn main() {}
