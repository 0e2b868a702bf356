/* The MQTT 3.1.1 and 5.0 wire codec: bytes to SesPacket and back, pure code
 * (no sockets, no clock, no global state). Decoding checks everything the
 * standards let a receiver check on one packet alone and refuses the rest
 * with an error naming the byte; it never reads outside the buffer it is
 * given. Encoding writes the one canonical form the decoder reads back. */
#pragma once

#include <glib.h>
#include "intern.h"
#include "packet.h"

#define SES_CODEC_ERROR (ses_codec_error_quark ())
GQuark ses_codec_error_quark (void);

/* Every decoding error's message reads "TYPE: byte N: what (rule)", N
 * counted from the packet's first byte. */
typedef enum {
  SES_CODEC_ERROR_MALFORMED,   /* breaks the packet format (5.0: a
                                  "Malformed Packet", reason 0x81) */
  SES_CODEC_ERROR_PROTOCOL,    /* well formed, but breaks a rule the packet
                                  alone shows (5.0: "Protocol Error", 0x82) */
  SES_CODEC_ERROR_TRUNCATED,   /* the buffer ends inside the packet */
  SES_CODEC_ERROR_UNSUPPORTED, /* valid, but nothing the model can hold:
                                  AUTH, MQTT 3.1, a NUL byte in a payload */
  SES_CODEC_ERROR_TOO_LARGE,   /* over the caller's maximum packet size */
  SES_CODEC_ERROR_INVALID,     /* encoding: the packet has no wire form */
} SesCodecErrorCode;

/* The largest Remaining Length a 4-byte Variable Byte Integer holds.
 * 3.1.1 §2.2.3, 5.0 §1.5.5 */
#define SES_CODEC_MAX_REMAINING 268435455u

/* A CONNECT's will as it travels. The fields mirror SesWill (mqtt.h), so
 * the live side can copy one into the other. */
typedef struct {
  guint32 topic;      /* interned Will Topic */
  guint32 payload;    /* interned Will Payload */
  guint8 qos;
  guint8 retain;
  guint8 has_expiry;  /* 5.0 will Message Expiry Interval present */
  guint8 pad0;
  guint32 delay_s;    /* 5.0 Will Delay Interval; 0 = absent (same meaning) */
  guint32 expiry_s;
} SesCodecWill;

/* What a wire packet holds that SesPacket does not, and was dropped. */
enum {
  SES_CODEC_DROPPED_USERNAME = 1 << 0,      /* CONNECT User Name */
  SES_CODEC_DROPPED_PASSWORD = 1 << 1,      /* CONNECT Password */
  SES_CODEC_DROPPED_USER_PROPERTY = 1 << 2, /* 5.0 User Property */
  SES_CODEC_DROPPED_REASON_STRING = 1 << 3, /* 5.0 Reason String */
  SES_CODEC_DROPPED_PROPERTY = 1 << 4,      /* any other 5.0 property the
                                               model has no field for */
  SES_CODEC_DROPPED_WILL_PROPERTY = 1 << 5, /* a will property other than
                                               delay and message expiry */
  SES_CODEC_DROPPED_ENTRIES = 1 << 6,       /* SUBSCRIBE/UNSUBSCRIBE filters
                                               or SUBACK/UNSUBACK codes after
                                               the first */
  SES_CODEC_DROPPED_SUB_OPTIONS = 1 << 7,   /* 5.0 No Local, Retain As
                                               Published, Retain Handling */
};

/* The wire's extra fields, beside a SesPacket. Zero means absent. */
typedef struct {
  SesCodecWill will;          /* CONNECT whose pkt.will != 0 */
  guint16 topic_alias;        /* 5.0 PUBLISH Topic Alias */
  guint8 server_keep_alive_zero; /* 5.0 CONNACK: a Server Keep Alive of 0
                                    (pkt.keep_alive_s 0 means absent) */
  guint8 pad0;
  guint32 dropped;            /* SES_CODEC_DROPPED_*; decoding only */
} SesCodecExtra;

/* Where the first packet of a growing buffer ends. */
typedef enum {
  SES_CODEC_FRAME_NEED_MORE, /* no whole packet yet */
  SES_CODEC_FRAME_PACKET,    /* a whole packet of *size bytes */
  SES_CODEC_FRAME_MALFORMED, /* no length can be read: close the stream */
} SesCodecFrame;

/* Reads only the fixed header. On NEED_MORE, *size is the total the packet
 * will need once its length is known, else 0. max_size caps a packet's
 * total size (0: only the format's cap); a bigger one is MALFORMED with
 * SES_CODEC_ERROR_TOO_LARGE. */
SesCodecFrame ses_codec_frame (const guint8 *data, gsize len, gsize max_size,
                               gsize *size, GError **error);

/* Decodes exactly one packet that fills data[0, len). version is the
 * connection's (4 = 3.1.1, 5 = 5.0); a CONNECT is read by the level it
 * carries instead and sets pkt->version. Strings and payloads are interned
 * in strings. A will goes to extra->will (pkt->will = 1) and is lost if
 * extra is NULL. On failure pkt and extra are zeroed. */
gboolean ses_codec_decode (const guint8 *data, gsize len, guint8 version,
                           SesIntern *strings, SesPacket *pkt,
                           SesCodecExtra *extra, GError **error);

/* The streaming form: frames the first packet of data and decodes it.
 * Returns NEED_MORE, PACKET (*consumed bytes used, pkt filled) or MALFORMED
 * (error set; the stream cannot go on, whatever the cause). */
SesCodecFrame ses_codec_decode_next (const guint8 *data, gsize len,
                                     guint8 version, gsize max_size,
                                     SesIntern *strings, SesPacket *pkt,
                                     SesCodecExtra *extra, gsize *consumed,
                                     GError **error);

/* Appends pkt's wire form for a connection of this version (a CONNECT uses
 * pkt->version). extra may be NULL unless pkt carries a will. What 3.1.1
 * has no place for (expiry, Receive Maximum, Server Keep Alive, reasons on
 * acknowledgements and DISCONNECT) is left out; what cannot be sent at all
 * (QoS 3, packet id 0, a string that is not MQTT UTF-8, ...) is an
 * SES_CODEC_ERROR_INVALID and leaves out untouched. Ghost fields
 * (origin, seq, SES_PKT_F_WILL) are never on the wire. */
gboolean ses_codec_encode (const SesPacket *pkt, const SesCodecExtra *extra,
                           guint8 version, const SesIntern *strings,
                           GByteArray *out, GError **error);

/* TRUE if the two would go on the wire the same way: compares the fields
 * the codec writes (strings by content), not ghosts or extra->dropped.
 * Either extra may be NULL (all zero). */
gboolean ses_codec_equal (const SesPacket *a, const SesCodecExtra *ea,
                          const SesPacket *b, const SesCodecExtra *eb,
                          const SesIntern *strings);
