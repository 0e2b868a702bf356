/* The conformance sockets (live/socket.c) against a loopback listener this
 * test owns: a reset reaches the peer as ECONNRESET and a close as the end
 * of the stream (even with unread bytes waiting), and a peek sees what
 * arrived without reading it, so the peer's TCP window fills until the
 * socket is read again. */
/* sockets are POSIX, not C17 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "socket.h"

typedef struct {
  int listener;
  int peer;            /* the accepted end: the "broker" */
  SesLiveSocket *sock; /* the client end under test */
} Pair;

static int
setup (void **state)
{
  Pair *p = g_new0 (Pair, 1);
  p->listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true (p->listener >= 0);
  struct sockaddr_in a = { .sin_family = AF_INET,
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  assert_int_equal (bind (p->listener, (struct sockaddr *) &a, sizeof a), 0);
  assert_int_equal (listen (p->listener, 1), 0);
  assert_int_equal (getsockname (p->listener, (struct sockaddr *) &a, &len),
                    0);
  g_autoptr (GError) error = NULL;
  p->sock = ses_live_socket_connect ("127.0.0.1", ntohs (a.sin_port), 2000,
                                     &error);
  assert_non_null (p->sock);
  p->peer = accept4 (p->listener, NULL, NULL, SOCK_CLOEXEC);
  assert_true (p->peer >= 0);
  *state = p;
  return 0;
}

static int
teardown (void **state)
{
  Pair *p = *state;
  ses_live_socket_free (p->sock);
  if (p->peer >= 0)
    close (p->peer);
  close (p->listener);
  g_free (p);
  return 0;
}

/* recv on the peer, waiting at most 2 s: bytes, 0 (FIN) or -errno. */
static ssize_t
peer_recv (Pair *p, guint8 *buf, gsize len)
{
  struct pollfd pf = { .fd = p->peer, .events = POLLIN };
  assert_int_equal (poll (&pf, 1, 2000), 1);
  ssize_t n = recv (p->peer, buf, len, MSG_DONTWAIT);
  return n < 0 ? -errno : n;
}

static void
peer_send (Pair *p, const char *text)
{
  gsize len = strlen (text);
  assert_int_equal (send (p->peer, text, len, MSG_NOSIGNAL), (ssize_t) len);
}

/* Bytes the client end holds unread in its kernel buffer. */
static int
unread (Pair *p)
{
  int n = -1;
  assert_int_equal (ioctl (p->sock->fd, FIONREAD, &n), 0);
  return n;
}

/* Waits (bounded) until the client end holds n unread bytes. */
static void
wait_unread (Pair *p, int n)
{
  for (guint i = 0; i < 200 && unread (p) < n; i++)
    g_usleep (10 * 1000);
  assert_int_equal (unread (p), n);
}

static void
test_reset_is_rst (void **state)
{
  Pair *p = *state;
  const guint8 hello[] = "hello";
  assert_true (ses_live_socket_write (p->sock, hello, 5, 1000));
  ses_live_socket_reset (p->sock);
  assert_int_equal (p->sock->fd, -1);
  /* What was written before the RST is read first, then the reset. */
  guint8 buf[16];
  assert_int_equal (peer_recv (p, buf, sizeof buf), 5);
  assert_memory_equal (buf, "hello", 5);
  assert_int_equal (peer_recv (p, buf, sizeof buf), -ECONNRESET);
}

static void
test_close_is_fin_even_with_unread_bytes (void **state)
{
  Pair *p = *state;
  /* Closing a socket with unread bytes would send RST: the close reads
   * and drops them first. */
  peer_send (p, "unread");
  wait_unread (p, 6);
  ses_live_socket_close (p->sock);
  guint8 buf[16];
  assert_int_equal (peer_recv (p, buf, sizeof buf), 0);
}

static void
test_peek_then_read (void **state)
{
  Pair *p = *state;
  peer_send (p, "abc");
  wait_unread (p, 3);
  assert_true (ses_live_socket_peek (p->sock));
  assert_int_equal (p->sock->inbox->len, 3);
  assert_memory_equal (p->sock->inbox->data, "abc", 3);
  /* Still in the kernel: nothing was read. */
  assert_int_equal (unread (p), 3);
  /* A second peek adds only what is new. */
  assert_true (ses_live_socket_peek (p->sock));
  assert_int_equal (p->sock->inbox->len, 3);
  peer_send (p, "de");
  wait_unread (p, 5);
  assert_true (ses_live_socket_peek (p->sock));
  assert_int_equal (p->sock->inbox->len, 5);
  assert_memory_equal (p->sock->inbox->data, "abcde", 5);
  /* The caller takes what it framed; the kernel copies go at the read. */
  g_byte_array_remove_range (p->sock->inbox, 0, 2);
  peer_send (p, "f");
  wait_unread (p, 6);
  assert_true (ses_live_socket_read (p->sock));
  assert_int_equal (unread (p), 0);
  assert_int_equal (p->sock->peeked, 0);
  assert_int_equal (p->sock->inbox->len, 4);
  assert_memory_equal (p->sock->inbox->data, "cdef", 4);
  assert_false (p->sock->eof);
}

static void
test_peek_fills_the_window (void **state)
{
  Pair *p = *state;
  /* The peer writes until the kernel takes no more: a reader that only
   * peeks leaves the window shut. */
  static guint8 chunk[65536];
  memset (chunk, 'x', sizeof chunk);
  gsize sent = 0;
  gboolean full = FALSE;
  for (guint i = 0; i < 4096 && !full; i++)
    {
      ssize_t n = send (p->peer, chunk, sizeof chunk,
                        MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0)
        sent += (gsize) n;
      else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        {
          /* Give the data in flight time to land, peek, and try again. */
          g_usleep (50 * 1000);
          assert_true (ses_live_socket_peek (p->sock));
          n = send (p->peer, chunk, sizeof chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
          if (n > 0)
            sent += (gsize) n;
          else
            full = errno == EAGAIN || errno == EWOULDBLOCK;
        }
      else
        fail_msg ("send: %s", g_strerror (errno));
    }
  assert_true (full);
  assert_true (p->sock->peeked > 0);
  assert_true (p->sock->inbox->len == p->sock->peeked);
  /* Reading opens it again and loses nothing. */
  gsize got = 0;
  for (guint i = 0; i < 1000 && got < sent; i++)
    {
      assert_true (ses_live_socket_read (p->sock));
      got = p->sock->inbox->len;
      if (got < sent)
        g_usleep (5 * 1000);
    }
  assert_int_equal (got, sent);
  assert_int_equal (p->sock->peeked, 0);
  assert_true (send (p->peer, chunk, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1);
}

static void
test_peer_gone_without_reading (void **state)
{
  Pair *p = *state;
  peer_send (p, "last");
  wait_unread (p, 4);
  assert_false (ses_live_socket_peer_gone (p->sock));
  close (p->peer);
  p->peer = -1;
  for (guint i = 0; i < 200 && !ses_live_socket_peer_gone (p->sock); i++)
    g_usleep (10 * 1000);
  assert_true (ses_live_socket_peer_gone (p->sock));
  /* Nothing was read to find out; a read then gets the bytes and the end. */
  assert_int_equal (unread (p), 4);
  assert_true (ses_live_socket_read (p->sock));
  assert_int_equal (p->sock->inbox->len, 4);
  assert_true (p->sock->eof);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_reset_is_rst, setup, teardown),
    cmocka_unit_test_setup_teardown (test_close_is_fin_even_with_unread_bytes,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_peek_then_read, setup, teardown),
    cmocka_unit_test_setup_teardown (test_peek_fills_the_window, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (test_peer_gone_without_reading, setup,
                                     teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
