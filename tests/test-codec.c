/* The wire codec (models/codec.c): every packet kind round-trips in 3.1.1
 * and 5.0, byte vectors written by hand from the standards decode to the
 * fields they spell and encode back to the same bytes, malformed inputs are
 * refused with the right code at the right byte, and the streaming framer
 * tells "need more" from "one packet" from "malformed". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "codec.h"

static SesIntern *strings;

static int
setup (void **state)
{
  strings = ses_intern_new ();
  return 0;
}

static int
teardown (void **state)
{
  ses_intern_free (strings);
  strings = NULL;
  return 0;
}

static guint32
str (const char *s)
{
  return ses_intern_add (strings, s);
}

/* Bytes from a readable spelling: two hex digits per byte, or 'text' for
 * its ASCII bytes (no spaces inside), separated by spaces. */
static GByteArray *
hex (const char *spec)
{
  GByteArray *out = g_byte_array_new ();
  g_auto (GStrv) tokens = g_strsplit (spec, " ", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      const char *t = tokens[i];
      gsize n = strlen (t);
      if (n == 0)
        continue;
      if (t[0] == '\'')
        {
          assert_true (n >= 2 && t[n - 1] == '\'');
          g_byte_array_append (out, (const guint8 *) t + 1, (guint) n - 2);
          continue;
        }
      assert_int_equal (n, 2);
      assert_true (g_ascii_isxdigit (t[0]) && g_ascii_isxdigit (t[1]));
      guint8 b = (guint8) (g_ascii_xdigit_value (t[0]) * 16
                           + g_ascii_xdigit_value (t[1]));
      g_byte_array_append (out, &b, 1);
    }
  return out;
}

static char *
to_hex (const GByteArray *b)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < b->len; i++)
    g_string_append_printf (s, "%s%02x", i ? " " : "", b->data[i]);
  return g_string_free (s, FALSE);
}

static void
assert_same_bytes (const GByteArray *got, const GByteArray *want)
{
  g_autofree char *g = to_hex (got);
  g_autofree char *w = to_hex (want);
  assert_string_equal (g, w);
}

static GByteArray *
encode (const SesPacket *pkt, const SesCodecExtra *extra, guint8 version)
{
  GByteArray *out = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  gboolean ok = ses_codec_encode (pkt, extra, version, strings, out, &error);
  if (!ok)
    fail_msg ("encode: %s", error->message);
  return out;
}

static void
decode (const GByteArray *b, guint8 version, SesPacket *pkt,
        SesCodecExtra *extra)
{
  g_autoptr (GError) error = NULL;
  if (!ses_codec_decode (b->data, b->len, version, strings, pkt, extra,
                         &error))
    fail_msg ("decode: %s", error->message);
}

/* Encodes, checks every proper prefix frames as "need more", decodes the
 * whole to the same packet and re-encodes it to the same bytes. */
static void
assert_round_trip (const SesPacket *pkt, const SesCodecExtra *extra,
                   guint8 version)
{
  g_autoptr (GByteArray) once = encode (pkt, extra, version);
  for (guint cut = 0; cut < once->len; cut++)
    {
      gsize size = 0;
      g_autoptr (GError) error = NULL;
      assert_int_equal (ses_codec_frame (once->data, cut, 0, &size, &error),
                        SES_CODEC_FRAME_NEED_MORE);
      assert_true (size == 0 || size == once->len);
    }
  SesPacket back;
  SesCodecExtra back_extra;
  decode (once, version, &back, &back_extra);
  if (!ses_codec_equal (pkt, extra, &back, &back_extra, strings))
    {
      g_autofree char *a = ses_packet_describe (pkt, strings);
      g_autofree char *b = ses_packet_describe (&back, strings);
      fail_msg ("round trip changed\n  %s\nto\n  %s", a, b);
    }
  assert_int_equal (back_extra.dropped, 0);
  g_autoptr (GByteArray) twice = encode (&back, &back_extra, version);
  assert_same_bytes (twice, once);
}

/* ---- round trips ------------------------------------------------------ */

static void
round_trip_every_kind (guint8 v)
{
  gboolean v5 = v == 5;
  SesPacket p;
  SesCodecExtra x;

  /* CONNECT, bare and with everything the model sets */
  ses_packet_init (&p, SES_PKT_CONNECT);
  p.version = v;
  p.client_id = str ("");
  assert_round_trip (&p, NULL, v);
  p.client_id = str ("sensor-1");
  p.flags = SES_PKT_F_CLEAN;
  p.keep_alive_s = 65535;
  if (v5)
    {
      p.flags |= SES_PKT_F_HAS_EXPIRY;
      p.expiry_s = SES_EXPIRY_NEVER;
      p.receive_max = 7;
    }
  memset (&x, 0, sizeof x);
  p.will = 3; /* an index in some config: the wire says only "a will" */
  x.will.topic = str ("status/sensor-1");
  x.will.payload = str ("offline");
  x.will.qos = 2;
  x.will.retain = 1;
  if (v5)
    {
      x.will.delay_s = 30;
      x.will.has_expiry = 1;
      x.will.expiry_s = 0;
    }
  assert_round_trip (&p, &x, v);
  x.will.qos = 0;
  x.will.retain = 0;
  x.will.payload = str ("");
  assert_round_trip (&p, &x, v);

  /* CONNACK */
  ses_packet_init (&p, SES_PKT_CONNACK);
  p.flags = SES_PKT_F_SESSION_PRESENT;
  assert_round_trip (&p, NULL, v);
  p.flags = 0;
  p.reason = v5 ? SES_RC_CLIENT_ID_NOT_VALID : SES_RC_V311_IDENTIFIER_REJECTED;
  assert_round_trip (&p, NULL, v);
  if (v5)
    {
      ses_packet_init (&p, SES_PKT_CONNACK);
      p.flags = SES_PKT_F_SESSION_PRESENT | SES_PKT_F_HAS_EXPIRY;
      p.expiry_s = 600;
      p.receive_max = 20;
      p.keep_alive_s = 45;
      p.client_id = str ("auto-7f3a");
      assert_round_trip (&p, NULL, v);
      p.keep_alive_s = 0;
      memset (&x, 0, sizeof x);
      x.server_keep_alive_zero = 1;
      assert_round_trip (&p, &x, v);
    }

  /* PUBLISH at each QoS, with DUP, retain and message expiry */
  for (guint8 qos = 0; qos <= 2; qos++)
    {
      ses_packet_init (&p, SES_PKT_PUBLISH);
      p.qos = qos;
      p.topic = str ("plant/a");
      p.payload = str ("21.5");
      p.packet_id = qos > 0 ? 65535 : 0;
      assert_round_trip (&p, NULL, v);
      p.flags = SES_PKT_F_RETAIN | (qos > 0 ? SES_PKT_F_DUP : 0);
      p.payload = str ("");
      if (v5)
        {
          p.flags |= SES_PKT_F_HAS_EXPIRY;
          p.expiry_s = 12;
        }
      assert_round_trip (&p, NULL, v);
    }
  if (v5)
    {
      ses_packet_init (&p, SES_PKT_PUBLISH);
      p.topic = str ("");
      p.payload = str ("by alias");
      memset (&x, 0, sizeof x);
      x.topic_alias = 9;
      assert_round_trip (&p, &x, v);
    }

  /* PUBACK, PUBREC, PUBREL, PUBCOMP: Success and, in 5.0, a failure */
  static const guint8 acks[] = { SES_PKT_PUBACK, SES_PKT_PUBREC,
                                 SES_PKT_PUBREL, SES_PKT_PUBCOMP };
  for (guint i = 0; i < G_N_ELEMENTS (acks); i++)
    {
      ses_packet_init (&p, acks[i]);
      p.packet_id = 1;
      assert_round_trip (&p, NULL, v);
      if (v5)
        {
          p.reason = acks[i] <= SES_PKT_PUBREC ? SES_RC_NO_MATCHING_SUBSCRIBERS
                                               : SES_RC_PACKET_ID_NOT_FOUND;
          assert_round_trip (&p, NULL, v);
        }
    }

  /* SUBSCRIBE, SUBACK granted and refused, UNSUBSCRIBE, UNSUBACK */
  ses_packet_init (&p, SES_PKT_SUBSCRIBE);
  p.packet_id = 2;
  p.topic = str ("plant/+/temp");
  p.qos = 2;
  assert_round_trip (&p, NULL, v);
  ses_packet_init (&p, SES_PKT_SUBACK);
  p.packet_id = 2;
  p.qos = 1;
  assert_round_trip (&p, NULL, v);
  p.qos = 0;
  p.reason = SES_RC_UNSPECIFIED;
  assert_round_trip (&p, NULL, v);
  ses_packet_init (&p, SES_PKT_UNSUBSCRIBE);
  p.packet_id = 3;
  p.topic = str ("#");
  assert_round_trip (&p, NULL, v);
  ses_packet_init (&p, SES_PKT_UNSUBACK);
  p.packet_id = 3;
  assert_round_trip (&p, NULL, v);
  if (v5)
    {
      p.reason = 0x11; /* No subscription existed */
      assert_round_trip (&p, NULL, v);
    }

  /* PINGREQ, PINGRESP, DISCONNECT */
  ses_packet_init (&p, SES_PKT_PINGREQ);
  assert_round_trip (&p, NULL, v);
  ses_packet_init (&p, SES_PKT_PINGRESP);
  assert_round_trip (&p, NULL, v);
  ses_packet_init (&p, SES_PKT_DISCONNECT);
  assert_round_trip (&p, NULL, v);
  if (v5)
    {
      p.reason = SES_RC_DISCONNECT_WITH_WILL;
      assert_round_trip (&p, NULL, v);
      p.reason = SES_RC_SESSION_TAKEN_OVER;
      assert_round_trip (&p, NULL, v);
      p.reason = 0;
      p.flags = SES_PKT_F_HAS_EXPIRY;
      p.expiry_s = 0;
      assert_round_trip (&p, NULL, v);
    }
}

static void
round_trip_311 (void **state)
{
  round_trip_every_kind (4);
}

static void
round_trip_5 (void **state)
{
  round_trip_every_kind (5);
}

/* Remaining Lengths of 1, 2 and 3 bytes, across each boundary. */
static void
round_trip_lengths (void **state)
{
  static const gsize payloads[] = { 0, 122, 123, 16378, 16379, 70000 };
  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    for (guint8 v = 4; v <= 5; v++)
      {
        g_autofree char *text = g_strnfill (payloads[i], 'x');
        SesPacket p;
        ses_packet_init (&p, SES_PKT_PUBLISH);
        p.topic = str ("t");
        p.payload = str (text);
        /* 3.1.1 body: 3 + payload; 5.0 adds a Property Length byte */
        assert_round_trip (&p, NULL, v);
        g_autoptr (GByteArray) b = encode (&p, NULL, v);
        gsize remaining = 3 + payloads[i] + (v == 5);
        gsize header = remaining < 128 ? 2 : remaining < 16384 ? 3 : 4;
        assert_int_equal (b->len, header + remaining);
        gsize size = 0;
        assert_int_equal (ses_codec_frame (b->data, b->len, b->len, &size,
                                           NULL),
                          SES_CODEC_FRAME_PACKET);
        assert_int_equal (size, b->len);
      }
}

/* Ghost fields never reach the wire, and 3.1.1 has no place for 5.0's. */
static void
encode_leaves_out (void **state)
{
  SesPacket p;
  ses_packet_init (&p, SES_PKT_PUBLISH);
  p.qos = 1;
  p.packet_id = 4;
  p.topic = str ("t");
  p.payload = str ("x");
  p.origin = 3;
  p.seq = 17;
  p.flags = SES_PKT_F_WILL | SES_PKT_F_HAS_EXPIRY;
  p.expiry_s = 5;
  g_autoptr (GByteArray) got = encode (&p, NULL, 4);
  g_autoptr (GByteArray) want = hex ("32 06 00 01 't' 00 04 'x'");
  assert_same_bytes (got, want);

  ses_packet_init (&p, SES_PKT_PUBCOMP);
  p.packet_id = 9;
  p.reason = SES_RC_PACKET_ID_NOT_FOUND;
  g_autoptr (GByteArray) comp = encode (&p, NULL, 4);
  g_autoptr (GByteArray) comp_want = hex ("70 02 00 09");
  assert_same_bytes (comp, comp_want);

  ses_packet_init (&p, SES_PKT_DISCONNECT);
  p.reason = SES_RC_DISCONNECT_WITH_WILL;
  g_autoptr (GByteArray) disc = encode (&p, NULL, 4);
  g_autoptr (GByteArray) disc_want = hex ("e0 00");
  assert_same_bytes (disc, disc_want);

  /* 3.1.1 has one SUBACK failure code: the nearest is 0x80 */
  ses_packet_init (&p, SES_PKT_SUBACK);
  p.packet_id = 1;
  p.reason = 0x87;
  g_autoptr (GByteArray) sub = encode (&p, NULL, 4);
  g_autoptr (GByteArray) sub_want = hex ("90 03 00 01 80");
  assert_same_bytes (sub, sub_want);
}

/* ---- known answers, written from the standards' byte layouts ---------- */

/* Decodes want to exactly pkt/extra and encodes pkt/extra to exactly want. */
static void
assert_known (const char *spec, guint8 version, const SesPacket *pkt,
              const SesCodecExtra *extra)
{
  g_autoptr (GByteArray) want = hex (spec);
  SesPacket got;
  SesCodecExtra got_extra;
  decode (want, version, &got, &got_extra);
  if (!ses_codec_equal (pkt, extra, &got, &got_extra, strings))
    {
      g_autofree char *a = ses_packet_describe (pkt, strings);
      g_autofree char *b = ses_packet_describe (&got, strings);
      fail_msg ("%s decodes to\n  %s\nnot\n  %s", spec, b, a);
    }
  g_autoptr (GByteArray) bytes = encode (pkt, extra, version);
  assert_same_bytes (bytes, want);
}

static void
known_connect_311 (void **state)
{
  /* 3.1.1 §3.1: Clean Session, Keep Alive 60, ClientId "abc" */
  SesPacket p;
  ses_packet_init (&p, SES_PKT_CONNECT);
  p.version = 4;
  p.flags = SES_PKT_F_CLEAN;
  p.keep_alive_s = 60;
  p.client_id = str ("abc");
  assert_known ("10 0f 00 04 'MQTT' 04 02 00 3c 00 03 'abc'", 4, &p, NULL);
}

static void
known_connect_5 (void **state)
{
  /* 5.0 §3.1: Clean Start, Keep Alive 30, Session Expiry 3600, Receive
   * Maximum 10; a will at QoS 1, retained, on "w" saying "bye", with
   * Message Expiry 60 and Will Delay 5. Flags 0x2e = retain 0x20 | QoS 1
   * 0x08 | will 0x04 | clean 0x02. */
  SesPacket p;
  SesCodecExtra x = { 0 };
  ses_packet_init (&p, SES_PKT_CONNECT);
  p.version = 5;
  p.flags = SES_PKT_F_CLEAN | SES_PKT_F_HAS_EXPIRY;
  p.expiry_s = 3600;
  p.receive_max = 10;
  p.keep_alive_s = 30;
  p.client_id = str ("c1");
  p.will = 1;
  x.will.topic = str ("w");
  x.will.payload = str ("bye");
  x.will.qos = 1;
  x.will.retain = 1;
  x.will.delay_s = 5;
  x.will.has_expiry = 1;
  x.will.expiry_s = 60;
  assert_known ("10 2a 00 04 'MQTT' 05 2e 00 1e"
                " 08 11 00 00 0e 10 21 00 0a"    /* properties */
                " 00 02 'c1'"                    /* ClientId */
                " 0a 02 00 00 00 3c 18 00 00 00 05" /* will properties */
                " 00 01 'w' 00 03 'bye'", 5, &p, &x);
}

static void
known_connack_5 (void **state)
{
  /* 5.0 §3.2: Session Present, Success, Assigned Client Identifier "x",
   * Receive Maximum 20 */
  SesPacket p;
  ses_packet_init (&p, SES_PKT_CONNACK);
  p.flags = SES_PKT_F_SESSION_PRESENT;
  p.client_id = str ("x");
  p.receive_max = 20;
  assert_known ("20 0a 01 00 07 12 00 01 'x' 21 00 14", 5, &p, NULL);
  /* 3.1.1 §3.2: refused, Identifier rejected */
  ses_packet_init (&p, SES_PKT_CONNACK);
  p.reason = SES_RC_V311_IDENTIFIER_REJECTED;
  assert_known ("20 02 00 02", 4, &p, NULL);
}

static void
known_publish_qos2_dup (void **state)
{
  /* First byte 0x3c: PUBLISH, DUP 0x08, QoS 2 0x04; topic "a/b", packet
   * id 10, payload "hi" */
  SesPacket p;
  ses_packet_init (&p, SES_PKT_PUBLISH);
  p.qos = 2;
  p.flags = SES_PKT_F_DUP;
  p.topic = str ("a/b");
  p.packet_id = 10;
  p.payload = str ("hi");
  assert_known ("3c 09 00 03 'a/b' 00 0a 'hi'", 4, &p, NULL);
  assert_known ("3c 0a 00 03 'a/b' 00 0a 00 'hi'", 5, &p, NULL);
  /* 5.0 with Message Expiry Interval 60 and retain */
  p.flags |= SES_PKT_F_HAS_EXPIRY | SES_PKT_F_RETAIN;
  p.expiry_s = 60;
  assert_known ("3d 0f 00 03 'a/b' 00 0a 05 02 00 00 00 3c 'hi'", 5, &p,
                NULL);
}

static void
known_acks_5 (void **state)
{
  SesPacket p;
  /* 5.0 §3.4.2.1: Success without properties is the 2-byte short form */
  ses_packet_init (&p, SES_PKT_PUBACK);
  p.packet_id = 5;
  assert_known ("40 02 00 05", 5, &p, NULL);
  ses_packet_init (&p, SES_PKT_PUBREC);
  p.packet_id = 5;
  p.reason = SES_RC_NO_MATCHING_SUBSCRIBERS;
  assert_known ("50 03 00 05 10", 5, &p, NULL);
  ses_packet_init (&p, SES_PKT_PUBREL);
  p.packet_id = 5;
  assert_known ("62 02 00 05", 5, &p, NULL);
  ses_packet_init (&p, SES_PKT_PUBCOMP);
  p.packet_id = 5;
  p.reason = SES_RC_PACKET_ID_NOT_FOUND;
  assert_known ("70 03 00 05 92", 5, &p, NULL);

  /* The longer forms of the same Success decode alike. */
  static const char *const longer[] = {
    "40 03 00 05 00", "40 04 00 05 00 00",
    "40 0b 00 05 00 07 1f 00 04 'fine'",
  };
  for (guint i = 0; i < G_N_ELEMENTS (longer); i++)
    {
      g_autoptr (GByteArray) b = hex (longer[i]);
      SesPacket got;
      SesCodecExtra x;
      decode (b, 5, &got, &x);
      assert_int_equal (got.type, SES_PKT_PUBACK);
      assert_int_equal (got.packet_id, 5);
      assert_int_equal (got.reason, 0);
      assert_int_equal (x.dropped,
                        i == 2 ? SES_CODEC_DROPPED_REASON_STRING : 0);
    }
}

static void
known_subscriptions (void **state)
{
  SesPacket p;
  /* 3.1.1 §3.8: flags 0b0010, id 1, "a/#" at QoS 1 */
  ses_packet_init (&p, SES_PKT_SUBSCRIBE);
  p.packet_id = 1;
  p.topic = str ("a/#");
  p.qos = 1;
  assert_known ("82 08 00 01 00 03 'a/#' 01", 4, &p, NULL);
  assert_known ("82 09 00 01 00 00 03 'a/#' 01", 5, &p, NULL);
  ses_packet_init (&p, SES_PKT_SUBACK);
  p.packet_id = 1;
  p.qos = 1;
  assert_known ("90 03 00 01 01", 4, &p, NULL);
  assert_known ("90 04 00 01 00 01", 5, &p, NULL);
  p.qos = 0;
  p.reason = 0x80;
  assert_known ("90 03 00 01 80", 4, &p, NULL);
  ses_packet_init (&p, SES_PKT_UNSUBSCRIBE);
  p.packet_id = 2;
  p.topic = str ("a/#");
  assert_known ("a2 07 00 02 00 03 'a/#'", 4, &p, NULL);
  ses_packet_init (&p, SES_PKT_UNSUBACK);
  p.packet_id = 2;
  assert_known ("b0 02 00 02", 4, &p, NULL);
  assert_known ("b0 04 00 02 00 00", 5, &p, NULL);
}

static void
known_disconnect_and_ping (void **state)
{
  SesPacket p;
  ses_packet_init (&p, SES_PKT_PINGREQ);
  assert_known ("c0 00", 4, &p, NULL);
  ses_packet_init (&p, SES_PKT_PINGRESP);
  assert_known ("d0 00", 5, &p, NULL);
  ses_packet_init (&p, SES_PKT_DISCONNECT);
  assert_known ("e0 00", 4, &p, NULL);
  assert_known ("e0 00", 5, &p, NULL);
  p.reason = SES_RC_SESSION_TAKEN_OVER;
  assert_known ("e0 01 8e", 5, &p, NULL);
  /* 5.0 §3.14.2.2.2: Session Expiry Interval 0 on the way out */
  p.reason = 0;
  p.flags = SES_PKT_F_HAS_EXPIRY;
  p.expiry_s = 0;
  assert_known ("e0 07 00 05 11 00 00 00 00", 5, &p, NULL);
}

/* ---- what is dropped --------------------------------------------------- */

static void
drops_what_the_model_lacks (void **state)
{
  SesPacket p;
  SesCodecExtra x;
  /* Two filters, the second dropped; a User Property; No Local set */
  g_autoptr (GByteArray) sub = hex ("82 15 00 07 05 26 00 00 00 00"
                                    " 00 01 'a' 06 00 03 'b/c' 01");
  sub->data[1] = (guint8) (sub->len - 2);
  decode (sub, 5, &p, &x);
  assert_int_equal (p.packet_id, 7);
  assert_string_equal (ses_intern_get (strings, p.topic), "a");
  assert_int_equal (p.qos, 2);
  assert_int_equal (x.dropped, SES_CODEC_DROPPED_ENTRIES
                                 | SES_CODEC_DROPPED_USER_PROPERTY
                                 | SES_CODEC_DROPPED_SUB_OPTIONS);

  /* 3.1.1 CONNECT with user name and password */
  g_autoptr (GByteArray) conn = hex ("10 16 00 04 'MQTT' 04 c0 00 00"
                                     " 00 01 'c' 00 02 'me' 00 03 'pw!'");
  decode (conn, 4, &p, &x);
  assert_int_equal (p.version, 4);
  assert_int_equal (x.dropped,
                    SES_CODEC_DROPPED_USERNAME | SES_CODEC_DROPPED_PASSWORD);

  /* 5.0 PUBLISH with Content Type and a Subscription Identifier */
  g_autoptr (GByteArray) pub = hex ("30 0c 00 01 't' 07 03 00 02 'js' 0b 05"
                                    " 'p'");
  decode (pub, 5, &p, &x);
  assert_string_equal (ses_intern_get (strings, p.payload), "p");
  assert_int_equal (x.dropped, SES_CODEC_DROPPED_PROPERTY);

  /* a will's Content Type */
  g_autoptr (GByteArray) will = hex ("10 19 00 04 'MQTT' 05 04 00 00 00"
                                     " 00 01 'c' 04 03 00 01 'x'"
                                     " 00 01 'w' 00 01 'p'");
  decode (will, 5, &p, &x);
  assert_int_equal (p.will, 1);
  assert_string_equal (ses_intern_get (strings, x.will.topic), "w");
  assert_int_equal (x.dropped, SES_CODEC_DROPPED_WILL_PROPERTY);
}

/* ---- malformed input --------------------------------------------------- */

typedef struct {
  const char *name;
  guint8 version;
  const char *bytes;
  SesCodecErrorCode code;
  gsize offset;
  const char *says; /* part of the message */
} Bad;

#define CONNECT311(flags) "10 0d 00 04 'MQTT' 04 " flags " 00 3c 00 01 'a'"

static const Bad bad_inputs[] = {
  /* framing and lengths */
  { "empty", 4, "", SES_CODEC_ERROR_TRUNCATED, 0, "before its fixed header" },
  { "header only", 4, "30", SES_CODEC_ERROR_TRUNCATED, 1, "fixed header" },
  { "truncated publish", 4, "3c 09 00 03 'a/b' 00 0a 'h'",
    SES_CODEC_ERROR_TRUNCATED, 10, "1 bytes short" },
  { "remaining length in 5 bytes", 4, "30 ff ff ff ff 01",
    SES_CODEC_ERROR_MALFORMED, 1, "longer than 4 bytes" },
  { "remaining length cut", 5, "30 ff ff", SES_CODEC_ERROR_TRUNCATED, 3,
    "inside its Remaining Length" },
  { "non-minimal remaining length, 5.0", 5, "c0 80 00",
    SES_CODEC_ERROR_MALFORMED, 1, "[MQTT-1.5.5-1]" },
  { "bytes after the packet", 4, "c0 00 c0", SES_CODEC_ERROR_MALFORMED, 2,
    "after the end" },
  { "string past the end", 4, "30 04 00 05 'ab'", SES_CODEC_ERROR_MALFORMED,
    4, "runs past the end" },
  { "3.1.1 PUBACK too long", 4, "40 03 00 01 00", SES_CODEC_ERROR_MALFORMED,
    4, "left over" },
  { "PINGREQ with a body", 5, "c0 01 00", SES_CODEC_ERROR_MALFORMED, 2,
    "left over" },
  { "3.1.1 DISCONNECT with a body", 4, "e0 01 00",
    SES_CODEC_ERROR_MALFORMED, 2, "left over" },
  /* packet types and fixed header flags */
  { "type 0", 4, "00 00", SES_CODEC_ERROR_MALFORMED, 0, "reserved" },
  { "AUTH in 3.1.1", 4, "f0 00", SES_CODEC_ERROR_MALFORMED, 0, "reserved" },
  { "AUTH in 5.0", 5, "f0 00", SES_CODEC_ERROR_UNSUPPORTED, 0, "AUTH" },
  { "SUBSCRIBE flags 0", 4, "80 06 00 01 00 01 'a' 00",
    SES_CODEC_ERROR_MALFORMED, 0, "[MQTT-3.8.1-1]" },
  { "UNSUBSCRIBE flags 0", 5, "a0 06 00 01 00 00 01 'a'",
    SES_CODEC_ERROR_MALFORMED, 0, "[MQTT-3.10.1-1]" },
  { "PUBREL flags 0", 4, "60 02 00 01", SES_CODEC_ERROR_MALFORMED, 0,
    "[MQTT-3.6.1-1]" },
  { "PINGREQ flags 1", 4, "c1 00", SES_CODEC_ERROR_MALFORMED, 0,
    "[MQTT-2.2.2-2]" },
  { "PUBACK flags 2", 5, "42 02 00 01", SES_CODEC_ERROR_MALFORMED, 0,
    "fixed header flags" },
  { "QoS 3", 4, "36 05 00 01 'a' 00 01", SES_CODEC_ERROR_MALFORMED, 0,
    "QoS 3" },
  { "DUP on QoS 0", 5, "38 04 00 01 'a' 00", SES_CODEC_ERROR_MALFORMED, 0,
    "[MQTT-3.3.1-2]" },
  /* packet identifiers */
  { "packet id 0 on QoS 1", 4, "32 05 00 01 'a' 00 00",
    SES_CODEC_ERROR_PROTOCOL, 5, "[MQTT-2.3.1-1]" },
  { "packet id 0 on QoS 2, 5.0", 5, "34 06 00 01 'a' 00 00 00",
    SES_CODEC_ERROR_PROTOCOL, 5, "[MQTT-2.2.1-3]" },
  { "packet id 0 on PUBACK", 4, "40 02 00 00", SES_CODEC_ERROR_PROTOCOL, 2,
    "Packet Identifier 0" },
  { "packet id 0 on SUBSCRIBE", 4, "82 06 00 00 00 01 'a' 00",
    SES_CODEC_ERROR_PROTOCOL, 2, "Packet Identifier 0" },
  /* UTF-8 */
  { "overlong NUL in topic", 4, "30 04 00 02 c0 80",
    SES_CODEC_ERROR_MALFORMED, 4, "[MQTT-1.5.3-1]" },
  { "surrogate in topic", 5, "30 06 00 03 ed a0 80 00",
    SES_CODEC_ERROR_MALFORMED, 4, "surrogate" },
  { "U+0000 in ClientId", 4, "10 0e 00 04 'MQTT' 04 02 00 3c 00 02 'a' 00",
    SES_CODEC_ERROR_MALFORMED, 15, "U+0000" },
  { "UTF-8 cut short", 4, "30 05 00 02 'a' e2 'x'",
    SES_CODEC_ERROR_MALFORMED, 5, "cut short" },
  { "above U+10FFFF", 5, "30 08 00 05 'a' f4 90 80 80 00",
    SES_CODEC_ERROR_MALFORMED, 5, "[MQTT-1.5.4-1]" },
  { "bad continuation byte", 4, "30 05 00 03 e2 28 a1",
    SES_CODEC_ERROR_MALFORMED, 4, "ill-formed" },
  /* topics */
  { "wildcard in topic name", 4, "30 05 00 03 'a/#'",
    SES_CODEC_ERROR_PROTOCOL, 6, "[MQTT-3.3.2-2]" },
  { "empty topic, 3.1.1", 4, "30 02 00 00", SES_CODEC_ERROR_PROTOCOL, 4,
    "[MQTT-4.7.3-1]" },
  { "empty topic without alias, 5.0", 5, "30 03 00 00 00",
    SES_CODEC_ERROR_PROTOCOL, 4, "Topic Alias" },
  { "NUL byte in payload", 4, "30 05 00 01 'a' 'b' 00",
    SES_CODEC_ERROR_UNSUPPORTED, 6, "NUL" },
  /* properties */
  { "unknown property", 5, "30 06 00 01 'a' 02 05 00",
    SES_CODEC_ERROR_MALFORMED, 6, "unknown property identifier 0x05" },
  { "Session Expiry on PUBLISH", 5, "30 09 00 01 'a' 05 11 00 00 00 01",
    SES_CODEC_ERROR_PROTOCOL, 6, "not allowed in PUBLISH" },
  { "Message Expiry twice", 5,
    "30 0e 00 01 'a' 0a 02 00 00 00 01 02 00 00 00 02",
    SES_CODEC_ERROR_PROTOCOL, 11, "appears twice" },
  { "Property Length past the end", 5, "30 05 00 01 'a' 05 02",
    SES_CODEC_ERROR_MALFORMED, 5, "Property Length 5" },
  { "property value past its section", 5, "30 07 00 01 'a' 02 02 00 00",
    SES_CODEC_ERROR_MALFORMED, 7, "runs past" },
  { "non-minimal Subscription Identifier", 5, "30 07 00 01 'a' 03 0b 81 00",
    SES_CODEC_ERROR_MALFORMED, 7, "[MQTT-1.5.5-1]" },
  { "Subscription Identifier 0", 5, "30 06 00 01 'a' 02 0b 00",
    SES_CODEC_ERROR_PROTOCOL, 7, "must not be 0" },
  { "Topic Alias 0", 5, "30 07 00 01 'a' 03 23 00 00",
    SES_CODEC_ERROR_PROTOCOL, 7, "Topic Alias must not be 0" },
  { "Payload Format Indicator 2", 5, "30 06 00 01 'a' 02 01 02",
    SES_CODEC_ERROR_PROTOCOL, 7, "0 or 1" },
  { "Receive Maximum 0", 5,
    "10 10 00 04 'MQTT' 05 02 00 00 03 21 00 00 00 00",
    SES_CODEC_ERROR_PROTOCOL, 14, "Receive Maximum must not be 0" },
  { "Session Expiry among will properties", 5,
    "10 19 00 04 'MQTT' 05 06 00 00 00 00 00 05 11 00 00 00 01"
    " 00 01 'w' 00 01 'p'",
    SES_CODEC_ERROR_PROTOCOL, 16, "not allowed in the will properties" },
  { "Reason String on a PUBLISH", 5, "30 08 00 01 'a' 04 1f 00 01 'r'",
    SES_CODEC_ERROR_PROTOCOL, 6, "Reason String" },
  /* CONNECT */
  { "reserved Connect Flag", 4, CONNECT311 ("03"),
    SES_CODEC_ERROR_MALFORMED, 9, "[MQTT-3.1.2-3]" },
  { "Will QoS without Will Flag", 4, CONNECT311 ("0a"),
    SES_CODEC_ERROR_MALFORMED, 9, "[MQTT-3.1.2-13]" },
  { "Will Retain without Will Flag", 5,
    "10 0e 00 04 'MQTT' 05 22 00 3c 00 00 01 'a'",
    SES_CODEC_ERROR_MALFORMED, 9, "[MQTT-3.1.2-13]" },
  { "Will QoS 3", 4, CONNECT311 ("1e"), SES_CODEC_ERROR_MALFORMED, 9,
    "[MQTT-3.1.2-14]" },
  { "password without user name, 3.1.1", 4, CONNECT311 ("42"),
    SES_CODEC_ERROR_MALFORMED, 9, "[MQTT-3.1.2-22]" },
  { "MQTT 3.1", 4, "10 0f 00 06 'MQIsdp' 03 02 00 3c 00 01 'a'",
    SES_CODEC_ERROR_UNSUPPORTED, 2, "[MQTT-3.1.2-1]" },
  { "protocol level 6", 4, "10 0d 00 04 'MQTT' 06 02 00 3c 00 01 'a'",
    SES_CODEC_ERROR_UNSUPPORTED, 8, "Protocol Level 6" },
  { "will topic with a wildcard", 4,
    "10 13 00 04 'MQTT' 04 06 00 3c 00 01 'a' 00 01 '+' 00 01 'p'",
    SES_CODEC_ERROR_PROTOCOL, 17, "Will Topic" },
  { "will missing", 4, CONNECT311 ("06"), SES_CODEC_ERROR_MALFORMED, 15,
    "Will Topic" },
  { "CONNECT missing ClientId", 5, "10 0b 00 04 'MQTT' 05 02 00 3c 00",
    SES_CODEC_ERROR_MALFORMED, 13, "Client Identifier" },
  /* CONNACK */
  { "reserved CONNACK flags", 4, "20 02 02 00", SES_CODEC_ERROR_MALFORMED, 2,
    "reserved" },
  { "Session Present on refusal", 5, "20 03 01 87 00",
    SES_CODEC_ERROR_PROTOCOL, 2, "[MQTT-3.2.2-6]" },
  { "3.1.1 return code 6", 4, "20 02 00 06", SES_CODEC_ERROR_PROTOCOL, 3,
    "0x06" },
  { "5.0 CONNACK without properties", 5, "20 02 00 00",
    SES_CODEC_ERROR_MALFORMED, 4, "Property Length" },
  { "Server Keep Alive on CONNECT", 5,
    "10 11 00 04 'MQTT' 05 02 00 00 03 13 00 05 00 01 'a'",
    SES_CODEC_ERROR_PROTOCOL, 13, "Server Keep Alive" },
  /* acknowledgements */
  { "PUBACK reason 0x05", 5, "40 03 00 01 05", SES_CODEC_ERROR_PROTOCOL, 4,
    "reason code" },
  { "PUBREL reason 0x10", 5, "62 03 00 01 10", SES_CODEC_ERROR_PROTOCOL, 4,
    "reason code" },
  { "DISCONNECT reason 0x05", 5, "e0 01 05", SES_CODEC_ERROR_PROTOCOL, 2,
    "reason code" },
  { "3.1.1 SUBACK code 3", 4, "90 03 00 01 03", SES_CODEC_ERROR_PROTOCOL, 4,
    "reason code" },
  { "SUBACK without codes", 4, "90 02 00 01", SES_CODEC_ERROR_PROTOCOL, 4,
    "no Reason Code" },
  { "5.0 UNSUBACK without codes", 5, "b0 03 00 01 00",
    SES_CODEC_ERROR_PROTOCOL, 5, "no Reason Code" },
  /* SUBSCRIBE and UNSUBSCRIBE */
  { "SUBSCRIBE without filters", 4, "82 02 00 01", SES_CODEC_ERROR_PROTOCOL,
    4, "[MQTT-3.8.3-3]" },
  { "UNSUBSCRIBE without filters", 5, "a2 03 00 01 00",
    SES_CODEC_ERROR_PROTOCOL, 5, "[MQTT-3.10.3-2]" },
  { "SUBSCRIBE QoS 3", 4, "82 06 00 01 00 01 'a' 03",
    SES_CODEC_ERROR_MALFORMED, 7, "QoS 3" },
  { "SUBSCRIBE 3.1.1 reserved bits", 4, "82 06 00 01 00 01 'a' 04",
    SES_CODEC_ERROR_MALFORMED, 7, "[MQTT-3.8.3-4]" },
  { "SUBSCRIBE 5.0 reserved bits", 5, "82 07 00 01 00 00 01 'a' 40",
    SES_CODEC_ERROR_MALFORMED, 8, "[MQTT-3.8.3-5]" },
  { "Retain Handling 3", 5, "82 07 00 01 00 00 01 'a' 30",
    SES_CODEC_ERROR_PROTOCOL, 8, "Retain Handling 3" },
  { "SUBSCRIBE options missing", 4, "82 05 00 01 00 01 'a'",
    SES_CODEC_ERROR_MALFORMED, 7, "Subscription Options" },
  { "empty filter", 4, "82 05 00 01 00 00 01", SES_CODEC_ERROR_PROTOCOL, 6,
    "[MQTT-4.7.3-1]" },
  { "Subscription Identifier twice", 5,
    "82 0b 00 01 04 0b 01 0b 02 00 01 'a' 00",
    SES_CODEC_ERROR_PROTOCOL, 7, "appears twice" },
};

static void
malformed_inputs (void **state)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_inputs); i++)
    {
      const Bad *bad = &bad_inputs[i];
      g_autoptr (GByteArray) b = hex (bad->bytes);
      SesPacket pkt;
      SesCodecExtra x;
      g_autoptr (GError) error = NULL;
      /* An exact copy, so a sanitizer sees any read past the end. */
      g_autofree guint8 *copy = g_memdup2 (b->data, b->len);
      gboolean ok = ses_codec_decode (copy, b->len, bad->version, strings,
                                      &pkt, &x, &error);
      if (ok)
        fail_msg ("%s: decoded", bad->name);
      g_autofree char *at = g_strdup_printf (": byte %" G_GSIZE_FORMAT ": ",
                                             bad->offset);
      if (error->domain != SES_CODEC_ERROR || error->code != (int) bad->code
          || strstr (error->message, at) == NULL
          || strstr (error->message, bad->says) == NULL)
        fail_msg ("%s: got code %d \"%s\", want code %d at byte %"
                  G_GSIZE_FORMAT " saying \"%s\"", bad->name, error->code,
                  error->message, bad->code, bad->offset, bad->says);
      /* A refusal leaves nothing half-filled behind. */
      SesPacket zero;
      memset (&zero, 0, sizeof zero);
      assert_memory_equal (&pkt, &zero, sizeof pkt);
      assert_int_equal (x.dropped, 0);
    }
}

/* The same bytes may be fine in the other version. */
static void
version_dependent (void **state)
{
  static const struct { const char *bytes; guint8 ok_in; } cases[] = {
    { "c0 80 00", 4 },          /* non-minimal length: only 5.0 forbids */
    { "40 03 00 01 00", 5 },    /* PUBACK with a reason byte */
    { "e0 01 00", 5 },          /* DISCONNECT with a reason byte */
    { "30 03 00 01 'a'", 4 },   /* 5.0 wants a Property Length */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GByteArray) b = hex (cases[i].bytes);
      SesPacket pkt;
      SesCodecExtra x;
      guint8 other = cases[i].ok_in == 4 ? 5 : 4;
      g_autoptr (GError) error = NULL;
      gboolean ok4 = ses_codec_decode (b->data, b->len, cases[i].ok_in,
                                       strings, &pkt, &x, NULL);
      gboolean ok_other = ses_codec_decode (b->data, b->len, other, strings,
                                            &pkt, &x, &error);
      if (!ok4 || ok_other)
        fail_msg ("%s: want it fine only in version %u", cases[i].bytes,
                  cases[i].ok_in);
    }
  /* 5.0 allows a password without a user name, 3.1.1 does not; a CONNECT
   * is read by its own level whatever the connection's is. */
  g_autoptr (GByteArray) pw5 = hex ("10 12 00 04 'MQTT' 05 42 00 3c 00"
                                    " 00 01 'a' 00 02 'pw'");
  SesCodecExtra x;
  SesPacket p5;
  decode (pw5, 4, &p5, &x);
  assert_int_equal (x.dropped, SES_CODEC_DROPPED_PASSWORD);
  /* a 5.0 CONNECT read on a "3.1.1" connection is still 5.0 */
  g_autoptr (GByteArray) c5 = hex ("10 0e 00 04 'MQTT' 05 02 00 3c 00"
                                   " 00 01 'a'");
  SesPacket pkt;
  decode (c5, 4, &pkt, NULL);
  assert_int_equal (pkt.version, 5);
}

/* ---- encoding refusals ------------------------------------------------- */

typedef struct {
  SesPacket pkt;
  const SesCodecExtra *extra;
  guint8 v;
  const char *says;
} Refusal;

static void
encode_refuses (void **state)
{
  SesPacket p;
  SesCodecExtra x = { 0 };
  Refusal cases[12];
  guint n = 0;

  ses_packet_init (&p, SES_PKT_PUBLISH);
  p.topic = str ("t");
  p.qos = 3;
  p.packet_id = 1;
  cases[n++] = (Refusal) { p, NULL, 4, "QoS 3" };
  p.qos = 1;
  p.packet_id = 0;
  cases[n++] = (Refusal) { p, NULL, 5, "Packet Identifier 0" };
  p.packet_id = 1;
  p.topic = str ("a/+");
  cases[n++] = (Refusal) { p, NULL, 4, "wildcard" };
  p.topic = str ("\xed\xa0\x80");
  cases[n++] = (Refusal) { p, NULL, 5, "surrogate" };
  p.topic = str ("");
  cases[n++] = (Refusal) { p, NULL, 4, "empty" };
  p.topic = str ("t");
  p.qos = 0;
  p.flags = SES_PKT_F_DUP;
  cases[n++] = (Refusal) { p, NULL, 4, "DUP" };

  ses_packet_init (&p, SES_PKT_CONNECT);
  p.version = 5;
  p.will = 1;
  cases[n++] = (Refusal) { p, NULL, 5, "without its SesCodecExtra" };
  x.will.topic = str ("w");
  x.will.qos = 3;
  cases[n++] = (Refusal) { p, &x, 5, "Will QoS 3" };
  p.version = 3;
  cases[n++] = (Refusal) { p, &x, 5, "protocol version 3" };

  ses_packet_init (&p, SES_PKT_CONNACK);
  p.flags = SES_PKT_F_SESSION_PRESENT;
  p.reason = 0x80;
  cases[n++] = (Refusal) { p, NULL, 5, "[MQTT-3.2.2-6]" };
  ses_packet_init (&p, SES_PKT_PUBACK);
  p.packet_id = 1;
  p.reason = 0x92;
  cases[n++] = (Refusal) { p, NULL, 5, "not a PUBACK reason code" };
  ses_packet_init (&p, SES_PKT_SUBACK);
  p.packet_id = 1;
  p.reason = 0x01;
  cases[n++] = (Refusal) { p, NULL, 5, "goes in qos" };
  g_assert (n == G_N_ELEMENTS (cases));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GByteArray) out = g_byte_array_new ();
      g_autoptr (GError) error = NULL;
      if (ses_codec_encode (&cases[i].pkt, cases[i].extra, cases[i].v,
                            strings, out, &error))
        fail_msg ("case %u encoded", i);
      assert_true (g_error_matches (error, SES_CODEC_ERROR,
                                    SES_CODEC_ERROR_INVALID));
      if (strstr (error->message, cases[i].says) == NULL)
        fail_msg ("case %u: \"%s\" does not say \"%s\"", i, error->message,
                  cases[i].says);
      assert_int_equal (out->len, 0);
    }
}

/* ---- streaming ---------------------------------------------------------- */

static void
stream_byte_by_byte (void **state)
{
  g_autoptr (GByteArray) stream = hex ("10 0f 00 04 'MQTT' 04 02 00 3c"
                                       " 00 03 'abc'"
                                       " 3c 09 00 03 'a/b' 00 0a 'hi'"
                                       " c0 00 e0 00");
  static const guint8 types[] = { SES_PKT_CONNECT, SES_PKT_PUBLISH,
                                  SES_PKT_PINGREQ, SES_PKT_DISCONNECT };
  /* A reader that gets one byte at a time and decodes what it can. */
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint seen = 0;
  for (guint i = 0; i < stream->len; i++)
    {
      g_byte_array_append (buf, stream->data + i, 1);
      for (;;)
        {
          SesPacket pkt;
          gsize used = 0;
          g_autoptr (GError) error = NULL;
          SesCodecFrame got = ses_codec_decode_next (buf->data, buf->len, 4,
                                                     0, strings, &pkt, NULL,
                                                     &used, &error);
          assert_int_not_equal (got, SES_CODEC_FRAME_MALFORMED);
          if (got == SES_CODEC_FRAME_NEED_MORE)
            {
              assert_int_equal (used, 0);
              break;
            }
          assert_true (seen < G_N_ELEMENTS (types));
          assert_int_equal (pkt.type, types[seen]);
          seen++;
          g_byte_array_remove_range (buf, 0, (guint) used);
        }
    }
  assert_int_equal (seen, G_N_ELEMENTS (types));
  assert_int_equal (buf->len, 0);
}

static void
frame_sizes_and_limits (void **state)
{
  gsize size = 99;
  g_autoptr (GError) error = NULL;
  /* Length known before the body: the reader learns how much to wait for */
  g_autoptr (GByteArray) head = hex ("30 ff 7f");
  assert_int_equal (ses_codec_frame (head->data, head->len, 0, &size, &error),
                    SES_CODEC_FRAME_NEED_MORE);
  assert_int_equal (size, 3 + 16383);
  /* Length not yet known */
  assert_int_equal (ses_codec_frame (head->data, 2, 0, &size, &error),
                    SES_CODEC_FRAME_NEED_MORE);
  assert_int_equal (size, 0);
  /* The largest Remaining Length, and one byte more than a VBI holds */
  g_autoptr (GByteArray) max = hex ("30 ff ff ff 7f");
  assert_int_equal (ses_codec_frame (max->data, max->len, 0, &size, &error),
                    SES_CODEC_FRAME_NEED_MORE);
  assert_int_equal (size, 5 + SES_CODEC_MAX_REMAINING);
  g_autoptr (GByteArray) over = hex ("30 80 80 80 80 01");
  assert_int_equal (ses_codec_frame (over->data, over->len, 0, &size, &error),
                    SES_CODEC_FRAME_MALFORMED);
  assert_true (g_error_matches (error, SES_CODEC_ERROR,
                                SES_CODEC_ERROR_MALFORMED));
  g_clear_error (&error);
  /* The caller's cap, told before the body arrives */
  assert_int_equal (ses_codec_frame (head->data, head->len, 1024, &size,
                                     &error),
                    SES_CODEC_FRAME_MALFORMED);
  assert_true (g_error_matches (error, SES_CODEC_ERROR,
                                SES_CODEC_ERROR_TOO_LARGE));
  g_clear_error (&error);
  /* A packet then the start of the next */
  g_autoptr (GByteArray) two = hex ("d0 00 30");
  assert_int_equal (ses_codec_frame (two->data, two->len, 0, &size, &error),
                    SES_CODEC_FRAME_PACKET);
  assert_int_equal (size, 2);
  /* decode_next stops a stream on a malformed packet */
  g_autoptr (GByteArray) bad = hex ("60 02 00 01 c0 00");
  SesPacket pkt;
  gsize used = 7;
  assert_int_equal (ses_codec_decode_next (bad->data, bad->len, 5, 0, strings,
                                           &pkt, NULL, &used, &error),
                    SES_CODEC_FRAME_MALFORMED);
  assert_int_equal (used, 0);
  assert_true (strstr (error->message, "PUBREL: byte 0:") != NULL);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (round_trip_311, setup, teardown),
    cmocka_unit_test_setup_teardown (round_trip_5, setup, teardown),
    cmocka_unit_test_setup_teardown (round_trip_lengths, setup, teardown),
    cmocka_unit_test_setup_teardown (encode_leaves_out, setup, teardown),
    cmocka_unit_test_setup_teardown (known_connect_311, setup, teardown),
    cmocka_unit_test_setup_teardown (known_connect_5, setup, teardown),
    cmocka_unit_test_setup_teardown (known_connack_5, setup, teardown),
    cmocka_unit_test_setup_teardown (known_publish_qos2_dup, setup, teardown),
    cmocka_unit_test_setup_teardown (known_acks_5, setup, teardown),
    cmocka_unit_test_setup_teardown (known_subscriptions, setup, teardown),
    cmocka_unit_test_setup_teardown (known_disconnect_and_ping, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (drops_what_the_model_lacks, setup,
                                     teardown),
    cmocka_unit_test_setup_teardown (malformed_inputs, setup, teardown),
    cmocka_unit_test_setup_teardown (version_dependent, setup, teardown),
    cmocka_unit_test_setup_teardown (encode_refuses, setup, teardown),
    cmocka_unit_test_setup_teardown (stream_byte_by_byte, setup, teardown),
    cmocka_unit_test_setup_teardown (frame_sizes_and_limits, setup,
                                     teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
