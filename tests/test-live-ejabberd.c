/* The pure parts of the ejabberd launcher (live/ejabberd.c): the login it
 * adds to every CONNECT leaves the packet the codec reads unchanged but
 * for User Name and Password, in 3.1.1 and 5.0, also when the Remaining
 * Length grows a byte; anything else is left alone; and the mod_mqtt
 * settings generated from broker settings, with what has no equivalent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "codec.h"
#include "ejabberd.h"

static void
login_round_trip (guint8 version, const char *client_id, gboolean will)
{
  g_autoptr (SesIntern) strings = ses_intern_new ();
  SesPacket p;
  SesCodecExtra x = { 0 };
  ses_packet_init (&p, SES_PKT_CONNECT);
  p.version = version;
  p.flags = SES_PKT_F_CLEAN;
  p.keep_alive_s = 60;
  p.client_id = ses_intern_add (strings, client_id);
  if (will)
    {
      p.will = 1;
      x.will.topic = ses_intern_add (strings, "status/dev");
      x.will.payload = ses_intern_add (strings, "gone");
      x.will.qos = 1;
      if (version == 5)
        x.will.delay_s = 5;
    }
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  assert_true (ses_codec_encode (&p, &x, version, strings, bytes, NULL));
  guint before = bytes->len;
  assert_true (ses_live_ejabberd_login (bytes));
  /* Two strings of 2 + 6 bytes, and one more length byte past 127. */
  guint remaining = before - 2;
  assert_true (remaining <= 127);
  guint grown = remaining + 16 > 127 ? 1 : 0;
  assert_int_equal (bytes->len, before + 16 + grown);
  static const guint8 tail[] = { 0, 6, 's', 'e', 's', 's', 'i', 'm',
                                 0, 6, 's', 'e', 's', 's', 'i', 'm' };
  assert_memory_equal (bytes->data + bytes->len - 16, tail, 16);

  SesPacket q;
  SesCodecExtra y;
  assert_true (ses_codec_decode (bytes->data, bytes->len, version, strings,
                                 &q, &y, NULL));
  assert_true (ses_codec_equal (&p, &x, &q, &y, strings));
  assert_int_equal (y.dropped & (SES_CODEC_DROPPED_USERNAME
                                 | SES_CODEC_DROPPED_PASSWORD),
                    SES_CODEC_DROPPED_USERNAME | SES_CODEC_DROPPED_PASSWORD);
  /* Once is enough: a CONNECT that has a login keeps it. */
  g_autoptr (GByteArray) again = g_byte_array_new ();
  g_byte_array_append (again, bytes->data, bytes->len);
  assert_false (ses_live_ejabberd_login (again));
  assert_int_equal (again->len, bytes->len);
}

static void
login_connect (void **state)
{
  login_round_trip (4, "lamp", FALSE);
  login_round_trip (5, "lamp", FALSE);
  login_round_trip (4, "lamp", TRUE);
  login_round_trip (5, "lamp", TRUE);
  /* Remaining Length 113 (5.0) or 112 (3.1.1), + 16: a second byte. */
  char id[101];
  memset (id, 'x', 100);
  id[100] = '\0';
  login_round_trip (5, id, FALSE);
  login_round_trip (4, id, FALSE);
}

static void
login_leaves_others (void **state)
{
  static const guint8 pingreq[] = { 0xc0, 0x00 };
  static const guint8 short_connect[] = { 0x10, 0x05, 0x00, 0x04, 'M' };
  static const guint8 bad_length[] = { 0x10, 0x09, 0x00, 0x04, 'M' };
  const guint8 *cases[] = { pingreq, short_connect, bad_length };
  gsize sizes[] = { sizeof pingreq, sizeof short_connect, sizeof bad_length };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GByteArray) b = g_byte_array_new ();
      g_byte_array_append (b, cases[i], (guint) sizes[i]);
      assert_false (ses_live_ejabberd_login (b));
      assert_int_equal (b->len, sizes[i]);
      assert_memory_equal (b->data, cases[i], sizes[i]);
    }
}

static void
settings (void **state)
{
  SesBrokerConfig b;
  ses_broker_config_init (&b);
  g_autoptr (GPtrArray) unmapped = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = ses_live_ejabberd_settings (&b, unmapped);
  assert_string_equal (text, "modules:\n  mod_mqtt:\n    max_queue: 1000\n"
                             "    session_expiry: 4294967\n"
                             "    queue_type: ram\n");
  assert_int_equal (unmapped->len, 0);

  b.queue_limit = 0;
  b.max_session_expiry_s = 60;
  b.persistence = TRUE;
  b.receive_max = 20;
  b.drop_policy = SES_DROP_OLDEST;
  g_autofree char *capped = ses_live_ejabberd_settings (&b, unmapped);
  assert_non_null (strstr (capped, "    max_queue: unlimited\n"));
  assert_non_null (strstr (capped, "    session_expiry: 60\n"));
  assert_int_equal (unmapped->len, 3);
  assert_true (g_str_has_prefix (g_ptr_array_index (unmapped, 0),
                                 "persistence=on"));
  assert_true (g_str_has_prefix (g_ptr_array_index (unmapped, 1),
                                 "drop=oldest"));
  assert_true (g_str_has_prefix (g_ptr_array_index (unmapped, 2),
                                 "receive-max"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (login_connect),
    cmocka_unit_test (login_leaves_others),
    cmocka_unit_test (settings),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
