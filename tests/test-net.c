/* Simulated connections: FIFO delivery with latency, loss on stale or broken
 * wires, cut, half-open, clean close, reopen, abandon, copy and canonical
 * encoding; a queue's single message in the slot's room, and buffers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "net.h"

typedef struct {
  guint32 n;
  char text[12];
} Msg;

static Msg
msg (guint32 n)
{
  Msg m;
  memset (&m, 0, sizeof m);
  m.n = n;
  g_snprintf (m.text, sizeof m.text, "m%u", n);
  return m;
}

static SesNet *
net_with_latency (SesTime latency_us)
{
  SesNet *net = ses_net_new (2, sizeof (Msg));
  ses_net_set_latency (net, 0, latency_us);
  ses_net_set_latency (net, 1, latency_us);
  return net;
}

static SesTime
send_n (SesNet *net, guint slot, guint32 gen, SesNetEnd from, guint32 n,
        SesTime now)
{
  Msg m = msg (n);
  return ses_net_send (net, slot, gen, from, &m, now);
}

/* Takes one arrival at `to` and checks it is message n. */
static void
assert_arrives (SesNet *net, guint slot, guint32 gen, SesNetEnd to, guint32 n)
{
  Msg out;
  memset (&out, 0xee, sizeof out);
  assert_int_equal (ses_net_arrive (net, slot, gen, to, &out),
                    SES_NET_ARRIVAL_MESSAGE);
  Msg want = msg (n);
  assert_memory_equal (&out, &want, sizeof out);
}

static GByteArray *
encode (const SesNet *net, SesTime now)
{
  GByteArray *b = g_byte_array_new ();
  ses_net_encode (net, now, b);
  return b;
}

static void
assert_same_bytes (const GByteArray *a, const GByteArray *b)
{
  assert_int_equal (a->len, b->len);
  assert_memory_equal (a->data, b->data, a->len);
}

static gboolean
same_bytes (const GByteArray *a, const GByteArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len) == 0;
}

static void
test_new_and_open (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = ses_net_new (3, sizeof (Msg));
  assert_int_equal (ses_net_n_slots (net), 3);
  assert_int_equal (ses_net_msg_size (net), sizeof (Msg));
  assert_int_equal (ses_net_get_latency (net, 2), 0);
  ses_net_set_latency (net, 2, 250);
  assert_int_equal (ses_net_get_latency (net, 2), 250);

  /* Never opened: generation 0, nothing is up, sends are lost. */
  assert_int_equal (ses_net_generation (net, 0), 0);
  assert_false (ses_net_is_up (net, 0, 0, SES_NET_CLIENT));
  assert_false (ses_net_wire_up (net, 0, 0));
  assert_int_equal (send_n (net, 0, 0, SES_NET_CLIENT, 1, 0), SES_TIME_NONE);

  guint32 gen = ses_net_open (net, 0);
  assert_int_equal (gen, 1);
  assert_int_equal (ses_net_generation (net, 0), 1);
  assert_true (ses_net_is_up (net, 0, gen, SES_NET_CLIENT));
  assert_true (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  assert_true (ses_net_wire_up (net, 0, gen));
  /* Slots are independent. */
  assert_int_equal (ses_net_generation (net, 1), 0);
  assert_int_equal (ses_net_open (net, 1), 1);
  assert_int_equal (ses_net_open (net, 1), 2);
  assert_int_equal (ses_net_generation (net, 0), 1);
  ses_net_free (NULL);
}

static void
test_fifo_delivery_and_latency (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (100);
  guint32 gen = ses_net_open (net, 0);

  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 1, 0), 100);
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 2, 10), 110);
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 3, 10), 110);
  assert_int_equal (send_n (net, 0, gen, SES_NET_SERVER, 4, 50), 150);
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 3);
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_CLIENT), 1);

  assert_arrives (net, 0, gen, SES_NET_SERVER, 1);
  assert_arrives (net, 0, gen, SES_NET_SERVER, 2);
  /* Interleave a send with arrivals: still first in, first out. */
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 5, 60), 160);
  assert_arrives (net, 0, gen, SES_NET_SERVER, 3);
  assert_arrives (net, 0, gen, SES_NET_SERVER, 5);
  assert_int_equal (ses_net_arrive (net, 0, gen, SES_NET_SERVER, NULL),
                    SES_NET_ARRIVAL_NONE);
  assert_arrives (net, 0, gen, SES_NET_CLIENT, 4);
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_CLIENT), 0);

  /* Many messages: the queue grows and keeps its order. */
  for (guint32 i = 0; i < 1000; i++)
    assert_int_equal (send_n (net, 0, gen, SES_NET_SERVER, i, 200 + i),
                      300 + i);
  for (guint32 i = 0; i < 1000; i++)
    {
      assert_arrives (net, 0, gen, SES_NET_CLIENT, i);
      if (i % 3 == 0) /* sends while the queue drains */
        send_n (net, 0, gen, SES_NET_CLIENT, i, 2000);
    }
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 334);
  for (guint32 i = 0; i < 1000; i += 3)
    assert_arrives (net, 0, gen, SES_NET_SERVER, i);
}

static void
test_messages_never_overtake (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (1000);
  guint32 gen = ses_net_open (net, 0);
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 1, 0), 1000);
  /* The latency drops: the next message would land earlier, but waits. */
  ses_net_set_latency (net, 0, 10);
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 2, 5), 1000);
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 3, 995), 1005);
  /* The other direction is its own FIFO and is not held back. */
  assert_int_equal (send_n (net, 0, gen, SES_NET_SERVER, 4, 5), 15);
  assert_arrives (net, 0, gen, SES_NET_SERVER, 1);
  assert_arrives (net, 0, gen, SES_NET_SERVER, 2);
  assert_arrives (net, 0, gen, SES_NET_SERVER, 3);

  /* Once the queue is empty, an earlier arrival time is fine again. */
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 5, 500), 510);
}

static void
test_stale_generation_lost (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (10);
  guint32 gen = ses_net_open (net, 0);
  assert_int_equal (send_n (net, 0, gen + 1, SES_NET_CLIENT, 1, 0),
                    SES_TIME_NONE);
  assert_int_equal (send_n (net, 0, 0, SES_NET_CLIENT, 1, 0), SES_TIME_NONE);
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 0);
  assert_int_equal (ses_net_close (net, 0, gen + 1, SES_NET_CLIENT, 0),
                    SES_TIME_NONE);
  assert_int_equal (ses_net_cut (net, 0, gen + 1), 0);
  assert_false (ses_net_half_open (net, 0, gen + 1, SES_NET_CLIENT));
  /* None of that touched the current generation. */
  assert_true (ses_net_wire_up (net, 0, gen));
  assert_true (ses_net_is_up (net, 0, gen, SES_NET_CLIENT));
  assert_true (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
}

static void
test_cut (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (10);
  guint32 gen = ses_net_open (net, 0);
  guint32 gen1 = ses_net_open (net, 1);
  send_n (net, 0, gen, SES_NET_CLIENT, 1, 0);
  send_n (net, 0, gen, SES_NET_CLIENT, 2, 0);
  send_n (net, 0, gen, SES_NET_SERVER, 3, 0);
  send_n (net, 1, gen1, SES_NET_CLIENT, 4, 0);

  assert_int_equal (ses_net_cut (net, 0, gen), (1u << SES_NET_CLIENT)
                                                   | (1u << SES_NET_SERVER));
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 0);
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_CLIENT), 0);
  assert_int_equal (ses_net_arrive (net, 0, gen, SES_NET_SERVER, NULL),
                    SES_NET_ARRIVAL_NONE);
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_CLIENT));
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  assert_false (ses_net_wire_up (net, 0, gen));
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 5, 20),
                    SES_TIME_NONE);
  assert_int_equal (send_n (net, 0, gen, SES_NET_SERVER, 5, 20),
                    SES_TIME_NONE);
  assert_int_equal (ses_net_close (net, 0, gen, SES_NET_CLIENT, 20),
                    SES_TIME_NONE);
  /* Nobody is left to notify the second time. */
  assert_int_equal (ses_net_cut (net, 0, gen), 0);
  /* The other slot did not notice. */
  assert_true (ses_net_wire_up (net, 1, gen1));
  assert_arrives (net, 1, gen1, SES_NET_SERVER, 4);
}

static void
test_cut_reports_only_ends_still_up (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (10);
  guint32 gen = ses_net_open (net, 0);
  /* After a half-open, only the unaware end still believes. */
  assert_true (ses_net_half_open (net, 0, gen, SES_NET_SERVER));
  assert_int_equal (ses_net_cut (net, 0, gen), 1u << SES_NET_SERVER);
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_SERVER));

  gen = ses_net_open (net, 0);
  ses_net_abandon (net, 0, gen, SES_NET_CLIENT);
  assert_int_equal (ses_net_cut (net, 0, gen), 1u << SES_NET_SERVER);
}

static void
test_half_open (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (10);
  guint32 gen = ses_net_open (net, 0);
  send_n (net, 0, gen, SES_NET_CLIENT, 1, 0);
  send_n (net, 0, gen, SES_NET_SERVER, 2, 0);

  /* The server does not notice; the client (aware end) does. */
  assert_true (ses_net_half_open (net, 0, gen, SES_NET_SERVER));
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_CLIENT));
  assert_true (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  assert_false (ses_net_wire_up (net, 0, gen));
  /* In flight is lost both ways. */
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 0);
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_CLIENT), 0);
  assert_int_equal (ses_net_arrive (net, 0, gen, SES_NET_CLIENT, NULL),
                    SES_NET_ARRIVAL_NONE);
  /* The unaware end still sends, into the void. */
  assert_int_equal (send_n (net, 0, gen, SES_NET_SERVER, 3, 20),
                    SES_TIME_NONE);
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_CLIENT), 0);
  /* Its clean close goes nowhere either, but it is down afterwards. */
  assert_int_equal (ses_net_close (net, 0, gen, SES_NET_SERVER, 20),
                    SES_TIME_NONE);
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  /* A second half-open has no aware end left to notify. */
  assert_false (ses_net_half_open (net, 0, gen, SES_NET_SERVER));

  /* The mirror case. */
  gen = ses_net_open (net, 0);
  assert_true (ses_net_half_open (net, 0, gen, SES_NET_CLIENT));
  assert_true (ses_net_is_up (net, 0, gen, SES_NET_CLIENT));
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 4, 30),
                    SES_TIME_NONE);
  /* The unaware end gives up (keep alive): now both are down. */
  ses_net_abandon (net, 0, gen, SES_NET_CLIENT);
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_CLIENT));
  assert_int_equal (ses_net_cut (net, 0, gen), 0);
}

static void
test_clean_close (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (100);
  guint32 gen = ses_net_open (net, 0);
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 1, 0), 100);
  assert_int_equal (send_n (net, 0, gen, SES_NET_SERVER, 2, 5), 105);
  ses_net_set_latency (net, 0, 10);

  /* The FIN would land at 30 but queues behind the data sent at 0. */
  assert_int_equal (ses_net_close (net, 0, gen, SES_NET_CLIENT, 20), 100);
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_CLIENT));
  assert_true (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  assert_false (ses_net_wire_up (net, 0, gen));
  /* The closing end receives nothing more: what was on its way is gone. */
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_CLIENT), 0);
  assert_int_equal (ses_net_arrive (net, 0, gen, SES_NET_CLIENT, NULL),
                    SES_NET_ARRIVAL_NONE);
  /* Nothing more is sent either way. */
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 3, 25),
                    SES_TIME_NONE);
  assert_int_equal (send_n (net, 0, gen, SES_NET_SERVER, 4, 25),
                    SES_TIME_NONE);
  assert_int_equal (ses_net_close (net, 0, gen, SES_NET_CLIENT, 25),
                    SES_TIME_NONE);

  /* The peer gets the data, then the FIN, and only then goes down. */
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 2);
  assert_arrives (net, 0, gen, SES_NET_SERVER, 1);
  assert_true (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  Msg out;
  memset (&out, 0x5a, sizeof out);
  assert_int_equal (ses_net_arrive (net, 0, gen, SES_NET_SERVER, &out),
                    SES_NET_ARRIVAL_CLOSE);
  /* A FIN carries no message: out is not written. */
  for (gsize i = 0; i < sizeof out; i++)
    assert_int_equal (((guint8 *) &out)[i], 0x5a);
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  assert_int_equal (ses_net_arrive (net, 0, gen, SES_NET_SERVER, NULL),
                    SES_NET_ARRIVAL_NONE);
  assert_int_equal (ses_net_cut (net, 0, gen), 0);

  /* With nothing in flight the FIN takes the current latency. */
  gen = ses_net_open (net, 0);
  assert_int_equal (ses_net_close (net, 0, gen, SES_NET_SERVER, 200), 210);
  assert_int_equal (ses_net_arrive (net, 0, gen, SES_NET_CLIENT, NULL),
                    SES_NET_ARRIVAL_CLOSE);
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_CLIENT));
}

static void
test_reopen_new_generation (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (10);
  guint32 old = ses_net_open (net, 0);
  send_n (net, 0, old, SES_NET_CLIENT, 1, 0);
  send_n (net, 0, old, SES_NET_SERVER, 2, 0);

  guint32 gen = ses_net_open (net, 0);
  assert_int_equal (gen, old + 1);
  assert_int_equal (ses_net_generation (net, 0), gen);
  /* The old generation's traffic is gone and its ends are dead. */
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 0);
  assert_int_equal (ses_net_arrive (net, 0, old, SES_NET_SERVER, NULL),
                    SES_NET_ARRIVAL_NONE);
  assert_false (ses_net_is_up (net, 0, old, SES_NET_CLIENT));
  assert_false (ses_net_wire_up (net, 0, old));
  assert_int_equal (send_n (net, 0, old, SES_NET_CLIENT, 3, 5),
                    SES_TIME_NONE);

  /* Traffic on the new one, then an old-generation arrival: nothing, and
   * the new generation's message stays queued. */
  send_n (net, 0, gen, SES_NET_CLIENT, 4, 5);
  assert_int_equal (ses_net_arrive (net, 0, old, SES_NET_SERVER, NULL),
                    SES_NET_ARRIVAL_NONE);
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 1);
  assert_arrives (net, 0, gen, SES_NET_SERVER, 4);

  /* Reopening after a cut works the same way. */
  ses_net_cut (net, 0, gen);
  guint32 next = ses_net_open (net, 0);
  assert_int_equal (next, gen + 1);
  assert_true (ses_net_wire_up (net, 0, next));
  assert_true (ses_net_is_up (net, 0, next, SES_NET_SERVER));
}

static void
test_abandon (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (10);
  guint32 gen = ses_net_open (net, 0);
  send_n (net, 0, gen, SES_NET_SERVER, 1, 0);
  send_n (net, 0, gen, SES_NET_CLIENT, 2, 0);

  /* The client crashes: it is down, the server is not told. */
  ses_net_abandon (net, 0, gen, SES_NET_CLIENT);
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_CLIENT));
  assert_true (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  /* What the client sent before crashing is still on the wire. */
  assert_arrives (net, 0, gen, SES_NET_SERVER, 2);
  /* A dead end receives nothing: neither what was on its way... */
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_CLIENT), 0);
  assert_int_equal (ses_net_arrive (net, 0, gen, SES_NET_CLIENT, NULL),
                    SES_NET_ARRIVAL_NONE);
  /* ...nor what the unknowing server sends afterwards, nor its FIN. */
  assert_int_equal (send_n (net, 0, gen, SES_NET_SERVER, 3, 5),
                    SES_TIME_NONE);
  assert_int_equal (send_n (net, 0, gen, SES_NET_CLIENT, 4, 5),
                    SES_TIME_NONE);
  assert_int_equal (ses_net_close (net, 0, gen, SES_NET_SERVER, 5),
                    SES_TIME_NONE);
  assert_false (ses_net_is_up (net, 0, gen, SES_NET_SERVER));
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_CLIENT), 0);
}

static void
test_copy_independent (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (10);
  guint32 gen = ses_net_open (net, 0);
  for (guint32 i = 0; i < 6; i++)
    send_n (net, 0, gen, SES_NET_CLIENT, i, i);
  assert_arrives (net, 0, gen, SES_NET_SERVER, 0); /* head moves off 0 */

  g_autoptr (SesNet) copy = ses_net_copy (net);
  assert_int_equal (ses_net_n_slots (copy), 2);
  assert_int_equal (ses_net_msg_size (copy), sizeof (Msg));
  assert_int_equal (ses_net_generation (copy, 0), gen);
  assert_int_equal (ses_net_get_latency (copy, 0), 10);
  assert_int_equal (ses_net_in_flight (copy, 0, SES_NET_SERVER), 5);

  /* Drain the copy and send more on it; the original is unchanged. */
  for (guint32 i = 1; i < 6; i++)
    assert_arrives (copy, 0, gen, SES_NET_SERVER, i);
  for (guint32 i = 100; i < 120; i++)
    send_n (copy, 0, gen, SES_NET_CLIENT, i, 50);
  ses_net_open (copy, 1);
  assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 5);
  assert_int_equal (ses_net_generation (net, 1), 0);
  for (guint32 i = 1; i < 6; i++)
    assert_arrives (net, 0, gen, SES_NET_SERVER, i);
  assert_int_equal (ses_net_in_flight (copy, 0, SES_NET_SERVER), 20);

  /* A cut on the original does not reach the copy. */
  ses_net_cut (net, 0, gen);
  assert_true (ses_net_wire_up (copy, 0, gen));
  assert_arrives (copy, 0, gen, SES_NET_SERVER, 100);

  /* The copy keeps the FIFO clamp: its next send cannot overtake. */
  g_autoptr (SesNet) a = net_with_latency (100);
  guint32 g = ses_net_open (a, 0);
  send_n (a, 0, g, SES_NET_CLIENT, 1, 0);
  ses_net_set_latency (a, 0, 1);
  g_autoptr (SesNet) b = ses_net_copy (a);
  assert_int_equal (send_n (b, 0, g, SES_NET_CLIENT, 2, 10), 100);
}

static void
test_encode (void **state)
{
  (void) state;
  /* Two nets brought to the same state by different paths: one has
   * delivered a message (its queue no longer starts at 0), the other
   * never sent it. */
  g_autoptr (SesNet) a = net_with_latency (100);
  g_autoptr (SesNet) b = net_with_latency (100);
  guint32 ga = ses_net_open (a, 0);
  guint32 gb = ses_net_open (b, 0);
  assert_int_equal (ga, gb);
  send_n (a, 0, ga, SES_NET_CLIENT, 1, 0);
  send_n (a, 0, ga, SES_NET_CLIENT, 2, 10);
  assert_arrives (a, 0, ga, SES_NET_SERVER, 1);
  send_n (b, 0, gb, SES_NET_CLIENT, 2, 10);

  g_autoptr (GByteArray) ea = encode (a, 100);
  g_autoptr (GByteArray) eb = encode (b, 100);
  assert_same_bytes (ea, eb);
  /* Encoding is a pure function of the state. */
  g_autoptr (GByteArray) ea2 = encode (a, 100);
  assert_same_bytes (ea, ea2);
  /* So is a copy's encoding. */
  g_autoptr (SesNet) c = ses_net_copy (a);
  g_autoptr (GByteArray) ec = encode (c, 100);
  assert_same_bytes (ea, ec);

  /* Times are relative to now: the same state shifted in time encodes
   * alike... */
  g_autoptr (SesNet) d = net_with_latency (100);
  guint32 gd = ses_net_open (d, 0);
  send_n (d, 0, gd, SES_NET_CLIENT, 2, 1010);
  g_autoptr (GByteArray) ed = encode (d, 1100);
  assert_same_bytes (ea, ed);
  /* ...but not the same state seen at another time. */
  g_autoptr (GByteArray) ea_later = encode (a, 101);
  assert_false (same_bytes (ea, ea_later));

  /* Each kind of change changes the bytes. */
  struct {
    const char *what;
    int op;
  } changes[] = {
    { "message content", 0 }, { "latency", 1 },   { "another message", 2 },
    { "cut", 3 },             { "half-open", 4 }, { "close", 5 },
    { "reopen", 6 },          { "other slot", 7 }, { "delivery", 8 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (changes); i++)
    {
      g_autoptr (SesNet) e = net_with_latency (100);
      guint32 ge = ses_net_open (e, 0);
      Msg m = msg (2);
      if (changes[i].op == 0)
        m.text[5] = 'x';
      ses_net_send (e, 0, ge, SES_NET_CLIENT, &m, 10);
      switch (changes[i].op)
        {
        case 1:
          ses_net_set_latency (e, 0, 99);
          break;
        case 2:
          send_n (e, 0, ge, SES_NET_SERVER, 9, 10);
          break;
        case 3:
          ses_net_cut (e, 0, ge);
          break;
        case 4:
          ses_net_half_open (e, 0, ge, SES_NET_SERVER);
          break;
        case 5:
          ses_net_close (e, 0, ge, SES_NET_SERVER, 10);
          break;
        case 6:
          ses_net_open (e, 0);
          break;
        case 7:
          ses_net_open (e, 1);
          break;
        case 8:
          ses_net_arrive (e, 0, ge, SES_NET_SERVER, NULL);
          break;
        default:
          break;
        }
      g_autoptr (GByteArray) ee = encode (e, 100);
      if (same_bytes (ea, ee))
        fail_msg ("a change (%s) left the encoding alone", changes[i].what);
    }

  /* The unchanged baseline does encode equal: the loop above compares
   * against a meaningful reference. */
  g_autoptr (SesNet) f = net_with_latency (100);
  guint32 gf = ses_net_open (f, 0);
  send_n (f, 0, gf, SES_NET_CLIENT, 2, 10);
  g_autoptr (GByteArray) ef = encode (f, 100);
  assert_same_bytes (ea, ef);
}

/* A queue that empties gives its buffer to the net's spares and the next
 * send anywhere takes it back: what arrives is what was sent, through a
 * recycled buffer, one that grows past the spare size, a copy (which
 * starts with no spares) and a copy made into a net that holds some. */
static void
test_drained_buffers_reused (void **state)
{
  (void) state;
  g_autoptr (SesNet) net = net_with_latency (10);
  guint32 g0 = ses_net_open (net, 0);
  guint32 g1 = ses_net_open (net, 1);
  send_n (net, 0, g0, SES_NET_CLIENT, 1, 0);
  send_n (net, 0, g0, SES_NET_SERVER, 2, 0);
  assert_arrives (net, 0, g0, SES_NET_SERVER, 1);
  assert_arrives (net, 0, g0, SES_NET_CLIENT, 2);
  /* Both buffers are spares now; slot 1 takes one and outgrows it. */
  for (guint32 i = 10; i < 19; i++)
    send_n (net, 1, g1, SES_NET_CLIENT, i, i);
  send_n (net, 0, g0, SES_NET_CLIENT, 3, 20);
  assert_int_equal (ses_net_in_flight (net, 1, SES_NET_SERVER), 9);
  for (guint32 i = 10; i < 19; i++)
    assert_arrives (net, 1, g1, SES_NET_SERVER, i);
  assert_int_equal (ses_net_arrive (net, 1, g1, SES_NET_SERVER, NULL),
                    SES_NET_ARRIVAL_NONE);
  /* A copy has none of the spares, and works the same. */
  g_autoptr (SesNet) copy = ses_net_copy (net);
  g_autoptr (GByteArray) a = encode (net, 30);
  g_autoptr (GByteArray) b = encode (copy, 30);
  assert_same_bytes (a, b);
  send_n (copy, 1, g1, SES_NET_SERVER, 4, 30);
  assert_arrives (copy, 0, g0, SES_NET_SERVER, 3);
  assert_arrives (copy, 1, g1, SES_NET_CLIENT, 4);
  /* A copy made into a net that holds spares lets them go (AddressSanitizer
   * finds any that leak) and takes the source's state. */
  SesNet *scratch = ses_net_copy (net);
  send_n (scratch, 1, g1, SES_NET_SERVER, 5, 30);
  assert_arrives (scratch, 1, g1, SES_NET_CLIENT, 5);
  scratch = ses_net_copy_into (scratch, net);
  g_autoptr (GByteArray) c = encode (scratch, 30);
  assert_same_bytes (a, c);
  assert_arrives (scratch, 0, g0, SES_NET_SERVER, 3);
  ses_net_free (scratch);
  /* A cut gives the buffers back too; the slot's next connection works. */
  send_n (net, 1, g1, SES_NET_CLIENT, 6, 40);
  ses_net_cut (net, 1, g1);
  guint32 g1b = ses_net_open (net, 1);
  send_n (net, 1, g1b, SES_NET_CLIENT, 7, 50);
  assert_arrives (net, 1, g1b, SES_NET_SERVER, 7);
  assert_arrives (net, 0, g0, SES_NET_SERVER, 3);
}

/* A message of `size` bytes that says n all through. */
static void
fill (guint8 *m, gsize size, guint32 n)
{
  for (gsize i = 0; i < size; i++)
    m[i] = (guint8) (n * 7 + i);
}

static void
arrives_sized (SesNet *net, guint32 gen, gsize size, guint32 n)
{
  guint8 want[128], got[128];
  fill (want, size, n);
  assert_int_equal (ses_net_arrive (net, 0, gen, SES_NET_SERVER, got),
                    SES_NET_ARRIVAL_MESSAGE);
  assert_memory_equal (got, want, size);
}

/* One message in flight lies in the slot itself (its room) when it fits,
 * a second moves the queue into a buffer, and an emptied queue takes the
 * room again; copies keep one message in their room and more in their
 * block. Messages too big for the room always take buffers. Either way
 * the order, the copies and the encoding are the same. */
static void
test_room_and_buffers (void **state)
{
  (void) state;
  static const gsize sizes[] = { 16, 40, 48, 100 };
  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      gsize size = sizes[k];
      g_autoptr (SesNet) net = ses_net_new (1, size);
      ses_net_set_latency (net, 0, 10);
      guint32 gen = ses_net_open (net, 0);
      guint8 m[128];
      guint32 next_in = 0, next_out = 0;
      SesNet *scratch = NULL;
      /* In flight: 1, 2, 1, 0, 1, 3, ... as rounds go. */
      static const guint in_flight[] = { 1, 2, 1, 0, 1, 3, 1, 0, 2, 1 };
      for (guint r = 0; r < G_N_ELEMENTS (in_flight); r++)
        {
          while (next_in - next_out < in_flight[r])
            {
              fill (m, size, next_in);
              assert_true (ses_net_send (net, 0, gen, SES_NET_CLIENT, m,
                                         (SesTime) r * 100)
                           != SES_TIME_NONE);
              next_in++;
            }
          while (next_in - next_out > in_flight[r])
            arrives_sized (net, gen, size, next_out++);
          assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER),
                            in_flight[r]);
          /* A copy and a copy made into the scratch encode alike and
           * deliver the same, and sending on them leaves net alone. */
          g_autoptr (SesNet) copy = ses_net_copy (net);
          scratch = ses_net_copy_into (scratch, net);
          g_autoptr (GByteArray) a = encode (net, (SesTime) r * 100);
          g_autoptr (GByteArray) b = encode (copy, (SesTime) r * 100);
          g_autoptr (GByteArray) c = encode (scratch, (SesTime) r * 100);
          assert_same_bytes (a, b);
          assert_same_bytes (a, c);
          SesNet *both[] = { copy, scratch };
          for (guint j = 0; j < 2; j++)
            {
              fill (m, size, 999);
              ses_net_send (both[j], 0, gen, SES_NET_CLIENT, m,
                            (SesTime) r * 100);
              for (guint32 i = next_out; i < next_in; i++)
                arrives_sized (both[j], gen, size, i);
              arrives_sized (both[j], gen, size, 999);
            }
          g_autoptr (GByteArray) a2 = encode (net, (SesTime) r * 100);
          assert_same_bytes (a, a2);
        }
      /* A cut drops what is in flight, from the room too. */
      fill (m, size, 5000);
      ses_net_send (net, 0, gen, SES_NET_CLIENT, m, 2000);
      ses_net_cut (net, 0, gen);
      guint32 gen2 = ses_net_open (net, 0);
      assert_int_equal (ses_net_in_flight (net, 0, SES_NET_SERVER), 0);
      fill (m, size, 6000);
      ses_net_send (net, 0, gen2, SES_NET_CLIENT, m, 3000);
      arrives_sized (net, gen2, size, 6000);
      ses_net_free (scratch);
    }
}

/* A net copied into again and again (the explorer's scratch child), from
 * nets with more and fewer messages in flight than it held, after it
 * outgrew its room: each time it encodes as a fresh copy does and
 * delivers the same messages, and the original is untouched. */
static void
test_copy_into (void **state)
{
  (void) state;
  g_autoptr (SesNet) small = net_with_latency (10);
  guint32 gs = ses_net_open (small, 0);
  send_n (small, 0, gs, SES_NET_CLIENT, 1, 0);
  send_n (small, 0, gs, SES_NET_CLIENT, 2, 0);
  assert_arrives (small, 0, gs, SES_NET_SERVER, 1); /* head off 0 */
  g_autoptr (SesNet) big = net_with_latency (10);
  guint32 gb = ses_net_open (big, 0);
  ses_net_open (big, 1);
  for (guint32 i = 0; i < 40; i++)
    send_n (big, 0, gb, i % 2 ? SES_NET_CLIENT : SES_NET_SERVER, i, i);
  g_autoptr (GByteArray) small_bytes = encode (small, 5);
  g_autoptr (GByteArray) big_bytes = encode (big, 5);

  SesNet *scratch = NULL;
  const SesNet *from[] = { small, big, small, big, small };
  for (guint k = 0; k < G_N_ELEMENTS (from); k++)
    {
      scratch = ses_net_copy_into (scratch, from[k]);
      g_autoptr (SesNet) fresh = ses_net_copy (from[k]);
      g_autoptr (GByteArray) a = encode (scratch, 5);
      g_autoptr (GByteArray) b = encode (fresh, 5);
      assert_same_bytes (a, b);
      /* More than its spare room: the queue moves out of the block. */
      guint32 gen = ses_net_generation (scratch, 0);
      for (guint32 i = 0; i < 12; i++)
        {
          send_n (scratch, 0, gen, SES_NET_CLIENT, 100 + i, 50);
          send_n (fresh, 0, gen, SES_NET_CLIENT, 100 + i, 50);
        }
      g_autoptr (GByteArray) c = encode (scratch, 5);
      g_autoptr (GByteArray) d = encode (fresh, 5);
      assert_same_bytes (c, d);
      guint n = ses_net_in_flight (fresh, 0, SES_NET_SERVER);
      assert_int_equal (ses_net_in_flight (scratch, 0, SES_NET_SERVER), n);
      for (guint i = 0; i < n; i++)
        {
          Msg x, y;
          assert_int_equal (ses_net_arrive (scratch, 0, gen, SES_NET_SERVER,
                                            &x),
                            ses_net_arrive (fresh, 0, gen, SES_NET_SERVER,
                                            &y));
          assert_memory_equal (&x, &y, sizeof x);
        }
      if (k == 3)
        ses_net_cut (scratch, 0, gen); /* the next copy finds it cut */
    }
  /* A net of another shape is not reused but replaced. */
  g_autoptr (SesNet) three = ses_net_new (3, sizeof (Msg));
  ses_net_open (three, 2);
  scratch = ses_net_copy_into (scratch, three);
  assert_int_equal (ses_net_n_slots (scratch), 3);
  g_autoptr (GByteArray) e3 = encode (scratch, 0);
  g_autoptr (GByteArray) f3 = encode (three, 0);
  assert_same_bytes (e3, f3);
  g_autoptr (GByteArray) small_after = encode (small, 5);
  g_autoptr (GByteArray) big_after = encode (big, 5);
  assert_same_bytes (small_bytes, small_after);
  assert_same_bytes (big_bytes, big_after);
  ses_net_free (scratch);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_new_and_open),
    cmocka_unit_test (test_fifo_delivery_and_latency),
    cmocka_unit_test (test_messages_never_overtake),
    cmocka_unit_test (test_stale_generation_lost),
    cmocka_unit_test (test_cut),
    cmocka_unit_test (test_cut_reports_only_ends_still_up),
    cmocka_unit_test (test_half_open),
    cmocka_unit_test (test_clean_close),
    cmocka_unit_test (test_reopen_new_generation),
    cmocka_unit_test (test_abandon),
    cmocka_unit_test (test_copy_independent),
    cmocka_unit_test (test_copy_into),
    cmocka_unit_test (test_room_and_buffers),
    cmocka_unit_test (test_drained_buffers_reused),
    cmocka_unit_test (test_encode),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
