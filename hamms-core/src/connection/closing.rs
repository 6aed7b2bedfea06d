//! Ending a connection: gracefully by default (FIN, then drain what the client still sends),
//! with a reset only when a mode asks for one.
//!
//! Closing a socket with unread data makes the kernel send RST, which can destroy bytes the
//! client has not read yet: the graceful close reads for a while after its FIN.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::conn::Conn;
use crate::history::{ConnectionEnd, Reply};

/// How long a graceful close keeps reading what the client still sends before dropping the socket.
pub(crate) const CLOSE_LINGER: Duration = Duration::from_secs(2);

impl Conn {
    /// Resets the connection: SO_LINGER 0, so that dropping the socket sends RST instead of
    /// FIN. Records the reset as the answer of an unanswered request.
    pub(crate) fn reset(&mut self) -> ConnectionEnd {
        self.reply_if_unanswered(Reply::Reset);
        if let Some(tcp) = self.stream.tcp() {
            let _ = tcp.set_zero_linger();
        }
        ConnectionEnd::ServerReset
    }

    /// Sends FIN, then reads (and records) what the client still sends, for a while.
    pub(crate) async fn close_gracefully(&mut self) -> ConnectionEnd {
        self.flush();
        let _ = self.stream.shutdown().await;
        let drain = async {
            loop {
                self.notice_requests(Reply::Closed);
                if self.read_more().await.is_err() {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(CLOSE_LINGER, drain).await;
        ConnectionEnd::ServerClosed
    }
}

#[cfg(test)]
mod tests {
    use std::io::ErrorKind;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use crate::connection::conn::testing::{accepted, history};
    use crate::history::ConnectionEnd;

    #[tokio::test]
    async fn a_graceful_close_sends_fin_and_records_what_the_client_still_sends() {
        let (mut conn, mut client) = accepted().await;
        let closing = tokio::spawn(async move {
            let end = conn.close_gracefully().await;
            conn.finish(end);
            history(&conn)
        });
        // FIN: the client reads the end, and may still send.
        let mut rest = Vec::new();
        assert_eq!(client.read_to_end(&mut rest).await.unwrap(), 0);
        client.write_all(b"late").await.unwrap();
        client.shutdown().await.unwrap();
        let recorded = closing.await.unwrap();
        let connection = &recorded.connections()[0];
        assert_eq!(connection.end, Some(ConnectionEnd::ServerClosed));
        assert_eq!(connection.received, b"late");
    }

    #[tokio::test]
    async fn a_reset_puts_an_rst_on_the_wire() {
        let (mut conn, mut client) = accepted().await;
        client
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        conn.wait_for_request_or_garbage().await.unwrap();
        assert_eq!(conn.reset(), ConnectionEnd::ServerReset);
        drop(conn);
        let mut answer = Vec::new();
        let error = client.read_to_end(&mut answer).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionReset);
    }
}
