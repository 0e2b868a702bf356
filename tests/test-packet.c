/* Packets as values: zeroed construction, type names and the one-line
 * descriptions used in traces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "packet.h"

typedef struct {
  SesIntern *strings;
  guint32 topic, payload, client;
} Fixture;

static int
setup (void **state)
{
  Fixture *fx = g_new0 (Fixture, 1);
  fx->strings = ses_intern_new ();
  fx->topic = ses_intern_add (fx->strings, "plant/a");
  fx->payload = ses_intern_add (fx->strings, "21.5");
  fx->client = ses_intern_add (fx->strings, "c1");
  *state = fx;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *fx = *state;
  ses_intern_free (fx->strings);
  g_free (fx);
  return 0;
}

static void
assert_describes (const SesPacket *pkt, const SesIntern *strings,
                  const char *expected)
{
  g_autofree char *s = ses_packet_describe (pkt, strings);
  assert_string_equal (s, expected);
}

static void
test_init_zeroes_every_byte (void **state)
{
  (void) state;
  for (int type = SES_PKT_CONNECT; type <= SES_PKT_DISCONNECT; type++)
    {
      SesPacket pkt, want;
      memset (&pkt, 0xa5, sizeof pkt); /* garbage, padding included */
      ses_packet_init (&pkt, (SesPacketType) type);
      memset (&want, 0, sizeof want);
      want.type = (guint8) type;
      assert_memory_equal (&pkt, &want, sizeof pkt);
      /* Apart from the type byte, all zero. */
      const guint8 *b = (const guint8 *) &pkt;
      for (gsize i = 0; i < sizeof pkt; i++)
        if (i != G_STRUCT_OFFSET (SesPacket, type))
          assert_int_equal (b[i], 0);
    }
}

static void
test_type_names (void **state)
{
  (void) state;
  const struct {
    SesPacketType type;
    const char *name;
  } names[] = {
    { SES_PKT_CONNECT, "CONNECT" },
    { SES_PKT_CONNACK, "CONNACK" },
    { SES_PKT_PUBLISH, "PUBLISH" },
    { SES_PKT_PUBACK, "PUBACK" },
    { SES_PKT_PUBREC, "PUBREC" },
    { SES_PKT_PUBREL, "PUBREL" },
    { SES_PKT_PUBCOMP, "PUBCOMP" },
    { SES_PKT_SUBSCRIBE, "SUBSCRIBE" },
    { SES_PKT_SUBACK, "SUBACK" },
    { SES_PKT_UNSUBSCRIBE, "UNSUBSCRIBE" },
    { SES_PKT_UNSUBACK, "UNSUBACK" },
    { SES_PKT_PINGREQ, "PINGREQ" },
    { SES_PKT_PINGRESP, "PINGRESP" },
    { SES_PKT_DISCONNECT, "DISCONNECT" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    assert_string_equal (ses_packet_type_name (names[i].type), names[i].name);
  /* Out of range: a placeholder, never a crash. */
  assert_string_equal (ses_packet_type_name ((SesPacketType) 0), "?");
  assert_string_equal (ses_packet_type_name ((SesPacketType) 15), "?");
  assert_string_equal (ses_packet_type_name ((SesPacketType) 255), "?");
  assert_string_equal (ses_packet_type_name ((SesPacketType) -1), "?");
}

static void
test_describe_publish (void **state)
{
  Fixture *fx = *state;
  SesPacket p;
  ses_packet_init (&p, SES_PKT_PUBLISH);
  p.topic = fx->topic;
  p.payload = fx->payload;
  assert_describes (&p, fx->strings, "PUBLISH q0 \"plant/a\" \"21.5\"");

  p.qos = 2;
  p.packet_id = 3;
  p.flags = SES_PKT_F_DUP;
  assert_describes (&p, fx->strings,
                    "PUBLISH id=3 q2 dup \"plant/a\" \"21.5\"");

  p.qos = 1;
  p.packet_id = 65535;
  p.flags = SES_PKT_F_DUP | SES_PKT_F_RETAIN | SES_PKT_F_HAS_EXPIRY;
  p.expiry_s = 60;
  assert_describes (&p, fx->strings,
                    "PUBLISH id=65535 q1 dup retain \"plant/a\" \"21.5\""
                    " message-expiry=60s");

  /* Expiry value without the flag: not shown. */
  p.flags = SES_PKT_F_RETAIN;
  assert_describes (&p, fx->strings,
                    "PUBLISH id=65535 q1 retain \"plant/a\" \"21.5\"");
  /* Ghost fields and the will flag do not appear. */
  p.origin = 4;
  p.seq = 9;
  p.flags |= SES_PKT_F_WILL;
  assert_describes (&p, fx->strings,
                    "PUBLISH id=65535 q1 retain \"plant/a\" \"21.5\"");

  /* Unknown string ids and no table: empty strings. */
  p.topic = 99;
  assert_describes (&p, fx->strings,
                    "PUBLISH id=65535 q1 retain \"\" \"21.5\"");
  assert_describes (&p, NULL, "PUBLISH id=65535 q1 retain \"\" \"\"");
}

static void
test_describe_connect (void **state)
{
  Fixture *fx = *state;
  SesPacket p;
  ses_packet_init (&p, SES_PKT_CONNECT);
  p.version = 4;
  p.client_id = fx->client;
  p.flags = SES_PKT_F_CLEAN;
  p.keep_alive_s = 60;
  assert_describes (&p, fx->strings,
                    "CONNECT v3.1.1 id=\"c1\" clean-session=1 keep-alive=60s");
  p.flags = 0;
  p.keep_alive_s = 0;
  assert_describes (&p, fx->strings,
                    "CONNECT v3.1.1 id=\"c1\" clean-session=0");
  /* An empty client id (the server assigns one). */
  p.client_id = 0;
  assert_describes (&p, fx->strings, "CONNECT v3.1.1 id=\"\" clean-session=0");

  ses_packet_init (&p, SES_PKT_CONNECT);
  p.version = 5;
  p.client_id = fx->client;
  p.flags = SES_PKT_F_HAS_EXPIRY;
  p.expiry_s = SES_EXPIRY_NEVER;
  p.keep_alive_s = 30;
  p.receive_max = 10;
  p.will = 1;
  assert_describes (&p, fx->strings,
                    "CONNECT v5 id=\"c1\" clean-start=0 expiry=never"
                    " keep-alive=30s receive-max=10 will");
  p.flags = SES_PKT_F_CLEAN | SES_PKT_F_HAS_EXPIRY;
  p.expiry_s = 0;
  p.keep_alive_s = 0;
  p.receive_max = 0;
  p.will = 0;
  assert_describes (&p, fx->strings,
                    "CONNECT v5 id=\"c1\" clean-start=1 expiry=0s");
  /* No Session Expiry Interval property at all. */
  p.flags = SES_PKT_F_CLEAN;
  assert_describes (&p, fx->strings, "CONNECT v5 id=\"c1\" clean-start=1");
}

static void
test_describe_connack (void **state)
{
  Fixture *fx = *state;
  SesPacket p;
  ses_packet_init (&p, SES_PKT_CONNACK);
  assert_describes (&p, fx->strings, "CONNACK session-present=0 reason=0x00");
  p.flags = SES_PKT_F_SESSION_PRESENT | SES_PKT_F_HAS_EXPIRY;
  p.expiry_s = 300;
  p.receive_max = 20;
  p.keep_alive_s = 45;
  assert_describes (&p, fx->strings,
                    "CONNACK session-present=1 reason=0x00 expiry=300s"
                    " receive-max=20 server-keep-alive=45s");
  ses_packet_init (&p, SES_PKT_CONNACK);
  p.reason = SES_RC_CLIENT_ID_NOT_VALID;
  assert_describes (&p, fx->strings, "CONNACK session-present=0 reason=0x85");
  p.reason = SES_RC_V311_IDENTIFIER_REJECTED;
  assert_describes (&p, fx->strings, "CONNACK session-present=0 reason=0x02");
}

static void
test_describe_subscribe_and_suback (void **state)
{
  Fixture *fx = *state;
  SesPacket p;
  ses_packet_init (&p, SES_PKT_SUBSCRIBE);
  p.packet_id = 7;
  p.topic = fx->topic;
  p.qos = 2;
  assert_describes (&p, fx->strings, "SUBSCRIBE id=7 \"plant/a\" q2");

  ses_packet_init (&p, SES_PKT_SUBACK);
  p.packet_id = 7;
  p.qos = 1;
  assert_describes (&p, fx->strings, "SUBACK id=7 granted=q1");
  /* Failure (3.1.1 0x80, 5.0 reason codes >= 0x80) shows the code, not a
   * QoS, whatever qos holds. */
  p.reason = SES_RC_UNSPECIFIED;
  assert_describes (&p, fx->strings, "SUBACK id=7 granted=0x80");
  p.reason = 0x87;
  assert_describes (&p, fx->strings, "SUBACK id=7 granted=0x87");

  ses_packet_init (&p, SES_PKT_UNSUBSCRIBE);
  p.packet_id = 8;
  p.topic = fx->topic;
  assert_describes (&p, fx->strings, "UNSUBSCRIBE id=8 \"plant/a\"");
  ses_packet_init (&p, SES_PKT_UNSUBACK);
  p.packet_id = 8;
  assert_describes (&p, fx->strings, "UNSUBACK id=8");
}

static void
test_describe_acks (void **state)
{
  Fixture *fx = *state;
  SesPacket p;
  ses_packet_init (&p, SES_PKT_PUBREL);
  p.packet_id = 9;
  assert_describes (&p, fx->strings, "PUBREL id=9");
  p.reason = SES_RC_PACKET_ID_NOT_FOUND;
  assert_describes (&p, fx->strings, "PUBREL id=9 reason=0x92");

  const struct {
    SesPacketType type;
    const char *text;
  } acks[] = {
    { SES_PKT_PUBACK, "PUBACK id=1" },
    { SES_PKT_PUBREC, "PUBREC id=1" },
    { SES_PKT_PUBCOMP, "PUBCOMP id=1" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (acks); i++)
    {
      ses_packet_init (&p, acks[i].type);
      p.packet_id = 1;
      assert_describes (&p, fx->strings, acks[i].text);
    }
  ses_packet_init (&p, SES_PKT_PUBACK);
  p.packet_id = 2;
  p.reason = SES_RC_NO_MATCHING_SUBSCRIBERS;
  assert_describes (&p, fx->strings, "PUBACK id=2 reason=0x10");
}

static void
test_describe_others (void **state)
{
  Fixture *fx = *state;
  SesPacket p;
  ses_packet_init (&p, SES_PKT_PINGREQ);
  assert_describes (&p, fx->strings, "PINGREQ");
  ses_packet_init (&p, SES_PKT_PINGRESP);
  assert_describes (&p, fx->strings, "PINGRESP");
  ses_packet_init (&p, SES_PKT_DISCONNECT);
  assert_describes (&p, fx->strings, "DISCONNECT reason=0x00");
  p.reason = SES_RC_DISCONNECT_WITH_WILL;
  p.flags = SES_PKT_F_HAS_EXPIRY;
  p.expiry_s = 0;
  assert_describes (&p, fx->strings, "DISCONNECT reason=0x04 expiry=0s");
  p.reason = SES_RC_SESSION_TAKEN_OVER;
  p.flags = 0;
  assert_describes (&p, fx->strings, "DISCONNECT reason=0x8e");
  /* An unknown type is named "?" and described no further. */
  ses_packet_init (&p, (SesPacketType) 0);
  p.packet_id = 5;
  assert_describes (&p, fx->strings, "?");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_init_zeroes_every_byte),
    cmocka_unit_test (test_type_names),
    cmocka_unit_test_setup_teardown (test_describe_publish, setup, teardown),
    cmocka_unit_test_setup_teardown (test_describe_connect, setup, teardown),
    cmocka_unit_test_setup_teardown (test_describe_connack, setup, teardown),
    cmocka_unit_test_setup_teardown (test_describe_subscribe_and_suback,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_describe_acks, setup, teardown),
    cmocka_unit_test_setup_teardown (test_describe_others, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
