/* Fuzz target: any bytes as a stream of MQTT packets, read once as a 3.1.1
 * connection and once as a 5.0 one by the wire codec (models/codec.c).
 *
 * Oracles, each an abort() so libFuzzer and the replayer stop on it:
 *   - no crash, leak or sanitizer report (in the sanitized builds), no GLib
 *     critical or warning;
 *   - a refusal is one SES_CODEC_ERROR whose message, valid UTF-8, names a
 *     byte inside the packet ("TYPE: byte N: ..." with N <= its length);
 *   - framing agrees with decoding: a framed packet minus its last byte
 *     needs more bytes, and decode_next consumes what frame announced;
 *   - what decodes, encodes, no longer than it was if nothing was dropped;
 *     the encoding decodes to the same packet and re-encodes to the same
 *     bytes (the encoder's form is a fixed point).
 * The replayer (fuzz-replay-codec) runs corpus-codec/ as a test, under
 * ASan and UBSan in CI's sanitizer build. */
#include "fuzz-scenario.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

static void G_GNUC_NORETURN
oracle_failed (const char *what, const char *message)
{
  fprintf (stderr, "fuzz-codec: %s\n--- details ---\n%s\n---\n", what,
           message != NULL ? message : "(none)");
  abort ();
}

static void
check_error (const GError *error, gsize packet_len)
{
  if (error == NULL || error->domain != SES_CODEC_ERROR)
    oracle_failed ("refused without a codec error",
                   error ? error->message : NULL);
  if (!g_utf8_validate (error->message, -1, NULL))
    oracle_failed ("error is not valid UTF-8", NULL);
  const char *at = strstr (error->message, ": byte ");
  if (at == NULL)
    oracle_failed ("error names no byte", error->message);
  guint64 offset = g_ascii_strtoull (at + 7, NULL, 10);
  if (offset > packet_len)
    oracle_failed ("error names a byte beyond the packet", error->message);
}

static void
round_trip (const SesPacket *pkt, const SesCodecExtra *extra, guint8 version,
            SesIntern *strings, gsize wire_len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GByteArray) once = g_byte_array_new ();
  if (!ses_codec_encode (pkt, extra, version, strings, once, &error))
    oracle_failed ("a decoded packet does not encode", error->message);
  /* The encoder's form is the shortest: with nothing dropped, it is never
   * longer than what was read. */
  if (extra->dropped == 0 && once->len > wire_len)
    oracle_failed ("the encoding is longer than the packet it came from",
                   NULL);
  SesPacket back;
  SesCodecExtra back_extra;
  if (!ses_codec_decode (once->data, once->len, version, strings, &back,
                         &back_extra, &error))
    oracle_failed ("an encoded packet does not decode", error->message);
  if (!ses_codec_equal (pkt, extra, &back, &back_extra, strings))
    {
      g_autofree char *a = ses_packet_describe (pkt, strings);
      g_autofree char *b = ses_packet_describe (&back, strings);
      g_autofree char *both = g_strdup_printf ("%s\n%s", a, b);
      oracle_failed ("encode then decode changes the packet", both);
    }
  if (back_extra.dropped != 0)
    oracle_failed ("the encoder wrote something the model drops", NULL);
  g_autoptr (GByteArray) twice = g_byte_array_new ();
  if (!ses_codec_encode (&back, &back_extra, version, strings, twice, &error))
    oracle_failed ("a re-decoded packet does not encode", error->message);
  if (once->len != twice->len || memcmp (once->data, twice->data, once->len))
    oracle_failed ("re-encoding changes the bytes", NULL);
  g_autofree char *line = ses_packet_describe (&back, strings);
}

static void
fuzz_stream (const guint8 *data, gsize size, guint8 version)
{
  g_autoptr (SesIntern) strings = ses_intern_new ();
  gsize pos = 0;
  /* At most 64 packets per input, to keep each run short. */
  for (guint k = 0; k < 64 && pos < size; k++)
    {
      const guint8 *p = data + pos;
      gsize left = size - pos;
      g_autoptr (GError) error = NULL;
      gsize frame_size = 0;
      SesCodecFrame framed = ses_codec_frame (p, left, 0, &frame_size, &error);
      if (framed == SES_CODEC_FRAME_MALFORMED)
        {
          check_error (error, left);
          return;
        }
      if (framed == SES_CODEC_FRAME_NEED_MORE)
        {
          if (frame_size != 0 && frame_size <= left)
            oracle_failed ("needs more bytes than it was given", NULL);
          /* A one-shot decode of the same bytes is truncated. */
          SesPacket pkt;
          if (ses_codec_decode (p, left, version, strings, &pkt, NULL, &error))
            oracle_failed ("a packet needing more bytes decodes", NULL);
          check_error (error, left);
          return;
        }
      if (frame_size > 2)
        {
          gsize short_size;
          g_autoptr (GError) short_error = NULL;
          if (ses_codec_frame (p, frame_size - 1, 0, &short_size, &short_error)
              != SES_CODEC_FRAME_NEED_MORE)
            oracle_failed ("a packet minus one byte is framed", NULL);
        }
      SesPacket pkt;
      SesCodecExtra extra;
      gsize consumed = 0;
      SesCodecFrame got = ses_codec_decode_next (p, left, version, 0, strings,
                                                 &pkt, &extra, &consumed,
                                                 &error);
      if (got == SES_CODEC_FRAME_MALFORMED)
        {
          check_error (error, frame_size);
          /* A refused packet does not stop the reading: the next one
           * starts where the frame said, which is what a lenient reader
           * (and the fuzzer's coverage) wants. */
          pos += frame_size;
          continue;
        }
      if (got != SES_CODEC_FRAME_PACKET || consumed != frame_size)
        oracle_failed ("decode_next disagrees with frame", NULL);
      round_trip (&pkt, &extra, pkt.type == SES_PKT_CONNECT ? pkt.version
                                                             : version,
                  strings, consumed);
      pos += consumed;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  fuzz_stream (data, size, 4);
  fuzz_stream (data, size, 5);
  return 0;
}
