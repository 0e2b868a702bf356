/* One TCP connection to a real broker, byte level: connect with a deadline,
 * write whole packets, read what has arrived, and end it the three ways a
 * conformance run needs (FIN, RST, or walking away with it still open).
 * Loopback and plain TCP only; no MQTT here beyond framing by the caller. */
#pragma once

#include <glib.h>

typedef struct {
  int fd;              /* -1 once closed */
  GByteArray *inbox;   /* bytes read and not yet framed */
  gboolean eof;        /* the peer closed (or reset) its side */
  gboolean abandoned;  /* we stopped writing; still read until the peer
                          closes, to see when it notices */
  gsize peeked;        /* bytes copied into inbox by a peek that are still
                          in the kernel's receive buffer, unread */
} SesLiveSocket;

/* Connects to host:port within timeout_ms. NULL and error on failure. */
SesLiveSocket *ses_live_socket_connect (const char *host, guint16 port,
                                        guint timeout_ms, GError **error);
/* Writes all of data (blocking, bounded by timeout_ms). FALSE when the
 * connection is gone or the peer stopped reading for that long. */
gboolean ses_live_socket_write (SesLiveSocket *sock, const guint8 *data,
                                gsize len, guint timeout_ms);
/* Reads whatever is there without blocking into sock->inbox; sets eof when
 * the peer closed. FALSE on a hard error (treated as a close). */
gboolean ses_live_socket_read (SesLiveSocket *sock);
/* Copies what has arrived since the last peek into sock->inbox without
 * reading it: it stays in the kernel's receive buffer, so the window the
 * peer sees shrinks as a reader that stopped reading makes it. The next
 * ses_live_socket_read first takes those bytes out (they are in inbox
 * already). FALSE on a hard error. */
gboolean ses_live_socket_peek (SesLiveSocket *sock);
/* Whether the peer has closed or reset the connection, without reading
 * (so what waits unread stays there). */
gboolean ses_live_socket_peer_gone (SesLiveSocket *sock);
/* A clean close: FIN after whatever was written. What waits unread is
 * read and dropped first: closing with unread data would send RST. */
void ses_live_socket_close (SesLiveSocket *sock);
/* A reset: the peer gets RST, and unread data on either side is lost. */
void ses_live_socket_reset (SesLiveSocket *sock);
void ses_live_socket_free (SesLiveSocket *sock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesLiveSocket, ses_live_socket_free)

/* A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's
 * choice), 0 on failure. Another process may take it before it is used:
 * callers retry. */
guint16 ses_live_free_port (void);
