/* TCP connections for conformance runs: non-blocking sockets driven by
 * poll(2) with explicit deadlines, so no call waits unbounded. A reset is
 * SO_LINGER with a zero timeout, the one portable way to send RST. A peek
 * (MSG_PEEK) sees what arrived while leaving it in the receive buffer, so
 * a reader that stopped reading fills the peer's TCP window. */
/* sockets, poll, prctl and kill are POSIX and Linux, not C17 */
#define _GNU_SOURCE
#include "sessim-config.h"

#include "socket.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static gboolean
wait_fd (int fd, short events, guint timeout_ms)
{
  struct pollfd p = { .fd = fd, .events = events };
  for (;;)
    {
      int n = poll (&p, 1, (int) timeout_ms);
      if (n < 0 && errno == EINTR)
        continue;
      return n > 0;
    }
}

SesLiveSocket *
ses_live_socket_connect (const char *host, guint16 port, guint timeout_ms,
                         GError **error)
{
  struct addrinfo hints = { .ai_family = AF_UNSPEC,
                            .ai_socktype = SOCK_STREAM,
                            .ai_flags = AI_NUMERICSERV };
  struct addrinfo *res = NULL;
  char service[8];
  g_snprintf (service, sizeof service, "%u", port);
  int rc = getaddrinfo (host, service, &hints, &res);
  if (rc != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND,
                   "%s: %s", host, gai_strerror (rc));
      return NULL;
    }
  int fd = -1;
  int last_errno = ECONNREFUSED;
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
    {
      fd = socket (ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK
                                    | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0)
        {
          last_errno = errno;
          continue;
        }
      if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
        break;
      if (errno == EINPROGRESS && wait_fd (fd, POLLOUT, timeout_ms))
        {
          int err = 0;
          socklen_t len = sizeof err;
          getsockopt (fd, SOL_SOCKET, SO_ERROR, &err, &len);
          if (err == 0)
            break;
          last_errno = err;
        }
      else
        last_errno = errno == EINPROGRESS ? ETIMEDOUT : errno;
      close (fd);
      fd = -1;
    }
  freeaddrinfo (res);
  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (last_errno),
                   "%s:%u: cannot connect: %s", host, port,
                   g_strerror (last_errno));
      return NULL;
    }
  /* Packets go out as the client writes them, as a real client's do. */
  int one = 1;
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SesLiveSocket *sock = g_new0 (SesLiveSocket, 1);
  sock->fd = fd;
  sock->inbox = g_byte_array_new ();
  return sock;
}

gboolean
ses_live_socket_write (SesLiveSocket *sock, const guint8 *data, gsize len,
                       guint timeout_ms)
{
  if (sock->fd < 0 || sock->abandoned)
    return FALSE;
  gsize done = 0;
  while (done < len)
    {
      ssize_t n = send (sock->fd, data + done, len - done, MSG_NOSIGNAL);
      if (n > 0)
        {
          done += (gsize) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
          && wait_fd (sock->fd, POLLOUT, timeout_ms))
        continue;
      return FALSE;
    }
  return TRUE;
}

/* Reads and drops the bytes an earlier peek already put in inbox. */
static gboolean
take_peeked (SesLiveSocket *sock)
{
  guint8 buf[4096];
  while (sock->peeked > 0)
    {
      ssize_t n = recv (sock->fd, buf, MIN (sock->peeked, sizeof buf), 0);
      if (n > 0)
        {
          sock->peeked -= (gsize) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      /* They were there when peeked; only an error takes them away. */
      sock->peeked = 0;
      sock->eof = TRUE;
      return n == 0;
    }
  return TRUE;
}

gboolean
ses_live_socket_read (SesLiveSocket *sock)
{
  if (sock->fd < 0 || sock->eof)
    return TRUE;
  if (!take_peeked (sock))
    return FALSE;
  if (sock->eof)
    return TRUE;
  guint8 buf[4096];
  for (guint round = 0; round < 256; round++)
    {
      ssize_t n = recv (sock->fd, buf, sizeof buf, 0);
      if (n > 0)
        {
          g_byte_array_append (sock->inbox, buf, (guint) n);
          continue;
        }
      if (n == 0)
        {
          sock->eof = TRUE;
          return TRUE;
        }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return TRUE;
      sock->eof = TRUE; /* ECONNRESET and the like: it is gone */
      return FALSE;
    }
  return TRUE;
}

gboolean
ses_live_socket_peek (SesLiveSocket *sock)
{
  if (sock->fd < 0 || sock->eof)
    return TRUE;
  int avail = 0;
  if (ioctl (sock->fd, FIONREAD, &avail) < 0)
    {
      sock->eof = TRUE;
      return FALSE;
    }
  if ((gsize) avail <= sock->peeked)
    return TRUE;
  /* At most the receive buffer: bounded by the kernel. */
  g_autofree guint8 *buf = g_malloc ((gsize) avail);
  ssize_t n;
  do
    n = recv (sock->fd, buf, (gsize) avail, MSG_PEEK);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return TRUE;
  if (n < 0)
    {
      sock->eof = TRUE;
      return FALSE;
    }
  if ((gsize) n > sock->peeked)
    {
      g_byte_array_append (sock->inbox, buf + sock->peeked,
                           (guint) ((gsize) n - sock->peeked));
      sock->peeked = (gsize) n;
    }
  return TRUE;
}

gboolean
ses_live_socket_peer_gone (SesLiveSocket *sock)
{
  if (sock->fd < 0 || sock->eof)
    return TRUE;
  struct pollfd p = { .fd = sock->fd, .events = POLLRDHUP };
  int n;
  do
    n = poll (&p, 1, 0);
  while (n < 0 && errno == EINTR);
  return n > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

void
ses_live_socket_close (SesLiveSocket *sock)
{
  if (sock->fd < 0)
    return;
  /* Unread bytes make close() send RST: a close is a FIN. */
  guint8 buf[4096];
  for (guint round = 0; round < 1024; round++)
    {
      ssize_t n = recv (sock->fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0 && !(n < 0 && errno == EINTR))
        break;
    }
  shutdown (sock->fd, SHUT_WR);
  close (sock->fd);
  sock->fd = -1;
}

void
ses_live_socket_reset (SesLiveSocket *sock)
{
  if (sock->fd < 0)
    return;
  struct linger lg = { .l_onoff = 1, .l_linger = 0 };
  setsockopt (sock->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close (sock->fd);
  sock->fd = -1;
}

void
ses_live_socket_free (SesLiveSocket *sock)
{
  if (sock == NULL)
    return;
  if (sock->fd >= 0)
    close (sock->fd);
  g_byte_array_unref (sock->inbox);
  g_free (sock);
}

guint16
ses_live_free_port (void)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 0;
  struct sockaddr_in a = { .sin_family = AF_INET,
                           .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof a;
  guint16 port = 0;
  if (bind (fd, (struct sockaddr *) &a, sizeof a) == 0
      && getsockname (fd, (struct sockaddr *) &a, &len) == 0)
    port = ntohs (a.sin_port);
  close (fd);
  return port;
}
