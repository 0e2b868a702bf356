/* MQTT 3.1.1 / 5.0 wire codec (see codec.h). Every read goes through a
 * cursor bounded by the end of the packet, so a length field can never make
 * the decoder look past what it was given; every refusal names the byte it
 * stopped at and the rule, and the encoder writes only what the decoder
 * accepts, so decode(encode(p)) == p for every packet encode accepts. */
#include "codec.h"

#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (ses-codec-error-quark, ses_codec_error)

#define PKT_AUTH 15

static const char *
type_name (guint type)
{
  static const char *const names[16] = {
    "reserved type 0", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
    "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK",
    "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
  };
  return type < 16 ? names[type] : "packet";
}

/* ---- reason codes each packet may carry (5.0 §2.4 and each packet's
 * Reason Code table); anything else is refused ------------------------- */

static const guint8 rc_connack5[] = {
  0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A,
  0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
};
static const guint8 rc_puback[] = { /* PUBACK, PUBREC */
  0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99,
};
static const guint8 rc_pubrel[] = { 0x00, 0x92 }; /* PUBREL, PUBCOMP */
static const guint8 rc_suback[] = {
  0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
};
static const guint8 rc_unsuback[] = {
  0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91,
};
static const guint8 rc_disconnect[] = {
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E,
  0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C,
  0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
};

static gboolean
in_list (const guint8 *list, gsize n, guint8 code)
{
  return memchr (list, code, n) != NULL;
}

/* The 5.0 reason codes valid on this packet type; 3.1.1 CONNACK return
 * codes are 0..5 (3.1.1 §3.2.2.3) and SUBACK's 0, 1, 2, 0x80. */
static gboolean
reason_valid (guint type, guint8 version, guint8 code)
{
  switch (type)
    {
    case SES_PKT_CONNACK:
      return version == 5 ? in_list (rc_connack5, sizeof rc_connack5, code)
                          : code <= 5;
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
      return in_list (rc_puback, sizeof rc_puback, code);
    case SES_PKT_PUBREL:
    case SES_PKT_PUBCOMP:
      return in_list (rc_pubrel, sizeof rc_pubrel, code);
    case SES_PKT_SUBACK:
      /* 3.1.1 [MQTT-3.9.3-2] */
      return version == 5 ? in_list (rc_suback, sizeof rc_suback, code)
                          : (code <= 2 || code == 0x80);
    case SES_PKT_UNSUBACK:
      return in_list (rc_unsuback, sizeof rc_unsuback, code);
    case SES_PKT_DISCONNECT:
      return in_list (rc_disconnect, sizeof rc_disconnect, code);
    default:
      return code == 0;
    }
}

/* ---- UTF-8 as MQTT wants it ------------------------------------------ */

/* Returns the offset of the first byte that makes s[0, n) not an MQTT
 * UTF-8 string, or -1 if it is one, with *why saying what is wrong.
 * Well-formed UTF-8 only (no overlong forms, nothing above U+10FFFF), no
 * surrogates, no U+0000: 3.1.1 [MQTT-1.5.3-1] [MQTT-1.5.3-2], 5.0
 * [MQTT-1.5.4-1] [MQTT-1.5.4-2]. A byte order mark is kept as it is
 * (3.1.1 [MQTT-1.5.3-3], 5.0 [MQTT-1.5.4-3]). */
static gssize
utf8_check (const guint8 *s, gsize n, const char **why)
{
  gsize i = 0;
  while (i < n)
    {
      guint8 c = s[i];
      if (c == 0)
        {
          *why = "U+0000";
          return (gssize) i;
        }
      if (c < 0x80)
        {
          i++;
          continue;
        }
      gsize need;
      guint8 lo = 0x80, hi = 0xBF; /* range of the second byte */
      if (c >= 0xC2 && c <= 0xDF)
        need = 1;
      else if (c == 0xE0)
        need = 2, lo = 0xA0;
      else if (c == 0xED)
        need = 2, hi = 0x9F;
      else if (c >= 0xE1 && c <= 0xEF)
        need = 2;
      else if (c == 0xF0)
        need = 3, lo = 0x90;
      else if (c >= 0xF1 && c <= 0xF3)
        need = 3;
      else if (c == 0xF4)
        need = 3, hi = 0x8F;
      else
        {
          *why = "a byte that cannot start a UTF-8 sequence";
          return (gssize) i;
        }
      if (n - i <= need)
        {
          *why = "a UTF-8 sequence cut short";
          return (gssize) i;
        }
      if (s[i + 1] < lo || s[i + 1] > hi)
        {
          *why = (c == 0xED && s[i + 1] >= 0xA0 && s[i + 1] <= 0xBF)
                   ? "a surrogate code point (U+D800..U+DFFF)"
                   : "an ill-formed UTF-8 sequence";
          return (gssize) i;
        }
      for (gsize k = 2; k <= need; k++)
        if (s[i + k] < 0x80 || s[i + k] > 0xBF)
          {
            *why = "an ill-formed UTF-8 sequence";
            return (gssize) i;
          }
      i += need + 1;
    }
  return -1;
}

/* ---- 5.0 properties (5.0 §2.2.2.2) ----------------------------------- */

typedef enum {
  PT_BYTE, PT_U16, PT_U32, PT_VBI, PT_STR, PT_BIN, PT_PAIR,
} PropType;

/* Where a property may appear. */
enum {
  IN_CONNECT = 1 << 0,
  IN_CONNACK = 1 << 1,
  IN_PUBLISH = 1 << 2,
  IN_WILL = 1 << 3,
  IN_PUBACK = 1 << 4, /* PUBACK, PUBREC, PUBREL, PUBCOMP */
  IN_SUBSCRIBE = 1 << 5,
  IN_SUBACK = 1 << 6,
  IN_UNSUBSCRIBE = 1 << 7,
  IN_UNSUBACK = 1 << 8,
  IN_DISCONNECT = 1 << 9,
  IN_AUTH = 1 << 10,
};

enum {
  P_PAYLOAD_FORMAT = 0x01,
  P_MESSAGE_EXPIRY = 0x02,
  P_CONTENT_TYPE = 0x03,
  P_RESPONSE_TOPIC = 0x08,
  P_CORRELATION_DATA = 0x09,
  P_SUBSCRIPTION_ID = 0x0B,
  P_SESSION_EXPIRY = 0x11,
  P_ASSIGNED_CLIENT_ID = 0x12,
  P_SERVER_KEEP_ALIVE = 0x13,
  P_AUTH_METHOD = 0x15,
  P_AUTH_DATA = 0x16,
  P_REQUEST_PROBLEM_INFO = 0x17,
  P_WILL_DELAY = 0x18,
  P_REQUEST_RESPONSE_INFO = 0x19,
  P_RESPONSE_INFO = 0x1A,
  P_SERVER_REFERENCE = 0x1C,
  P_REASON_STRING = 0x1F,
  P_RECEIVE_MAX = 0x21,
  P_TOPIC_ALIAS_MAX = 0x22,
  P_TOPIC_ALIAS = 0x23,
  P_MAX_QOS = 0x24,
  P_RETAIN_AVAILABLE = 0x25,
  P_USER_PROPERTY = 0x26,
  P_MAX_PACKET_SIZE = 0x27,
  P_WILDCARD_SUB_AVAILABLE = 0x28,
  P_SUB_ID_AVAILABLE = 0x29,
  P_SHARED_SUB_AVAILABLE = 0x2A,
  P_LAST = 0x2A,
};

typedef struct {
  const char *name; /* NULL: no such property */
  guint8 type;      /* PropType */
  guint16 where;    /* IN_* */
} PropInfo;

#define ACKS (IN_PUBACK | IN_SUBACK | IN_UNSUBACK)
static const PropInfo props_info[P_LAST + 1] = {
  [P_PAYLOAD_FORMAT] = { "Payload Format Indicator", PT_BYTE,
                         IN_PUBLISH | IN_WILL },
  [P_MESSAGE_EXPIRY] = { "Message Expiry Interval", PT_U32,
                         IN_PUBLISH | IN_WILL },
  [P_CONTENT_TYPE] = { "Content Type", PT_STR, IN_PUBLISH | IN_WILL },
  [P_RESPONSE_TOPIC] = { "Response Topic", PT_STR, IN_PUBLISH | IN_WILL },
  [P_CORRELATION_DATA] = { "Correlation Data", PT_BIN, IN_PUBLISH | IN_WILL },
  [P_SUBSCRIPTION_ID] = { "Subscription Identifier", PT_VBI,
                          IN_PUBLISH | IN_SUBSCRIBE },
  [P_SESSION_EXPIRY] = { "Session Expiry Interval", PT_U32,
                         IN_CONNECT | IN_CONNACK | IN_DISCONNECT },
  [P_ASSIGNED_CLIENT_ID] = { "Assigned Client Identifier", PT_STR,
                             IN_CONNACK },
  [P_SERVER_KEEP_ALIVE] = { "Server Keep Alive", PT_U16, IN_CONNACK },
  [P_AUTH_METHOD] = { "Authentication Method", PT_STR,
                      IN_CONNECT | IN_CONNACK | IN_AUTH },
  [P_AUTH_DATA] = { "Authentication Data", PT_BIN,
                    IN_CONNECT | IN_CONNACK | IN_AUTH },
  [P_REQUEST_PROBLEM_INFO] = { "Request Problem Information", PT_BYTE,
                               IN_CONNECT },
  [P_WILL_DELAY] = { "Will Delay Interval", PT_U32, IN_WILL },
  [P_REQUEST_RESPONSE_INFO] = { "Request Response Information", PT_BYTE,
                                IN_CONNECT },
  [P_RESPONSE_INFO] = { "Response Information", PT_STR, IN_CONNACK },
  [P_SERVER_REFERENCE] = { "Server Reference", PT_STR,
                           IN_CONNACK | IN_DISCONNECT },
  [P_REASON_STRING] = { "Reason String", PT_STR,
                        IN_CONNACK | ACKS | IN_DISCONNECT | IN_AUTH },
  [P_RECEIVE_MAX] = { "Receive Maximum", PT_U16, IN_CONNECT | IN_CONNACK },
  [P_TOPIC_ALIAS_MAX] = { "Topic Alias Maximum", PT_U16,
                          IN_CONNECT | IN_CONNACK },
  [P_TOPIC_ALIAS] = { "Topic Alias", PT_U16, IN_PUBLISH },
  [P_MAX_QOS] = { "Maximum QoS", PT_BYTE, IN_CONNACK },
  [P_RETAIN_AVAILABLE] = { "Retain Available", PT_BYTE, IN_CONNACK },
  [P_USER_PROPERTY] = { "User Property", PT_PAIR,
                        IN_CONNECT | IN_CONNACK | IN_PUBLISH | IN_WILL | ACKS
                          | IN_SUBSCRIBE | IN_UNSUBSCRIBE | IN_DISCONNECT
                          | IN_AUTH },
  [P_MAX_PACKET_SIZE] = { "Maximum Packet Size", PT_U32,
                          IN_CONNECT | IN_CONNACK },
  [P_WILDCARD_SUB_AVAILABLE] = { "Wildcard Subscription Available", PT_BYTE,
                                 IN_CONNACK },
  [P_SUB_ID_AVAILABLE] = { "Subscription Identifier Available", PT_BYTE,
                           IN_CONNACK },
  [P_SHARED_SUB_AVAILABLE] = { "Shared Subscription Available", PT_BYTE,
                               IN_CONNACK },
};

/* The properties the model keeps; the rest are counted as dropped. */
typedef struct {
  guint64 seen; /* bit per property id */
  guint32 session_expiry_s;
  guint32 message_expiry_s;
  guint32 will_delay_s;
  guint32 assigned_client_id; /* interned */
  guint16 receive_max;
  guint16 server_keep_alive_s;
  guint16 topic_alias;
  guint32 dropped;
} Props;

/* ---- the read cursor -------------------------------------------------- */

typedef struct {
  const guint8 *buf;
  gsize pos;
  gsize end; /* of the packet or of the section being read */
  guint8 version;
  guint8 type;
  SesIntern *strings;
  GError **error;
} Rd;

static gboolean G_GNUC_PRINTF (4, 5)
fail_at (Rd *r, gsize at, SesCodecErrorCode code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (r->error, SES_CODEC_ERROR, code, "%s: byte %" G_GSIZE_FORMAT
               ": %s", type_name (r->type), at, what);
  return FALSE;
}

static gboolean
need (Rd *r, gsize n, const char *what)
{
  if (r->end - r->pos < n)
    return fail_at (r, r->pos, SES_CODEC_ERROR_MALFORMED,
                    "%s runs past the end of the packet (%" G_GSIZE_FORMAT
                    " bytes left, %" G_GSIZE_FORMAT " needed)",
                    what, r->end - r->pos, n);
  return TRUE;
}

static gboolean
rd_u8 (Rd *r, const char *what, guint8 *v)
{
  if (!need (r, 1, what))
    return FALSE;
  *v = r->buf[r->pos++];
  return TRUE;
}

static gboolean
rd_u16 (Rd *r, const char *what, guint16 *v)
{
  if (!need (r, 2, what))
    return FALSE;
  *v = (guint16) ((r->buf[r->pos] << 8) | r->buf[r->pos + 1]);
  r->pos += 2;
  return TRUE;
}

static gboolean
rd_u32 (Rd *r, const char *what, guint32 *v)
{
  if (!need (r, 4, what))
    return FALSE;
  const guint8 *p = r->buf + r->pos;
  *v = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8)
       | p[3];
  r->pos += 4;
  return TRUE;
}

/* A Variable Byte Integer inside a packet (5.0 §1.5.5): at most four
 * bytes, and in the fewest bytes that hold it, 5.0 [MQTT-1.5.5-1]. */
static gboolean
rd_vbi (Rd *r, const char *what, guint32 *v)
{
  gsize start = r->pos;
  guint32 value = 0;
  for (guint i = 0;; i++)
    {
      guint8 b;
      if (i == 4)
        return fail_at (r, start, SES_CODEC_ERROR_MALFORMED,
                        "%s: a Variable Byte Integer longer than 4 bytes "
                        "(5.0 §1.5.5)", what);
      if (!rd_u8 (r, what, &b))
        return FALSE;
      value |= (guint32) (b & 0x7F) << (7 * i);
      if (!(b & 0x80))
        {
          if (i > 0 && b == 0)
            return fail_at (r, start, SES_CODEC_ERROR_MALFORMED,
                            "%s: a Variable Byte Integer in more bytes "
                            "than it needs (5.0 [MQTT-1.5.5-1])", what);
          break;
        }
    }
  *v = value;
  return TRUE;
}

static gboolean
check_utf8 (Rd *r, gsize at, const guint8 *s, gsize n, const char *what)
{
  const char *why = NULL;
  gssize bad = utf8_check (s, n, &why);
  if (bad < 0)
    return TRUE;
  return fail_at (r, at + (gsize) bad, SES_CODEC_ERROR_MALFORMED,
                  "%s is not an MQTT UTF-8 string: %s (%s)", what, why,
                  r->version == 5 ? "5.0 [MQTT-1.5.4-1] [MQTT-1.5.4-2]"
                                  : "3.1.1 [MQTT-1.5.3-1] [MQTT-1.5.3-2]");
}

/* A two-byte length and that many bytes (3.1.1 §1.5.3, 5.0 §1.5.4/1.5.6);
 * *at is where the data starts. */
static gboolean
rd_bytes (Rd *r, const char *what, const guint8 **s, guint16 *n, gsize *at)
{
  if (!rd_u16 (r, what, n) || !need (r, *n, what))
    return FALSE;
  *at = r->pos;
  *s = r->buf + r->pos;
  r->pos += *n;
  return TRUE;
}

static gboolean
rd_str (Rd *r, const char *what, const guint8 **s, guint16 *n, gsize *at)
{
  return rd_bytes (r, what, s, n, at) && check_utf8 (r, *at, *s, *n, what);
}

static guint32
intern_bytes (Rd *r, const guint8 *s, gsize n)
{
  g_autofree char *copy = g_strndup ((const char *) s, n);
  return ses_intern_add (r->strings, copy);
}

static gboolean
rd_str_intern (Rd *r, const char *what, guint32 *id)
{
  const guint8 *s;
  guint16 n;
  gsize at;
  if (!rd_str (r, what, &s, &n, &at))
    return FALSE;
  *id = intern_bytes (r, s, n);
  return TRUE;
}

/* Interned strings end at a NUL byte, so a payload holding one cannot be
 * kept whole: refuse it rather than keep part of it. */
static gboolean
intern_payload (Rd *r, const guint8 *s, gsize n, gsize at, const char *what,
                guint32 *id)
{
  const guint8 *nul = memchr (s, 0, n);
  if (nul != NULL)
    return fail_at (r, at + (gsize) (nul - s), SES_CODEC_ERROR_UNSUPPORTED,
                    "%s holds a NUL byte, which the model's strings cannot",
                    what);
  *id = intern_bytes (r, s, n);
  return TRUE;
}

/* A Topic Name: no wildcards, 3.1.1 and 5.0 [MQTT-3.3.2-2]; at least one
 * character, 3.1.1 and 5.0 [MQTT-4.7.3-1] (5.0 lets a PUBLISH leave it
 * empty for a Topic Alias, which the caller checks). */
static gboolean
check_topic_name (Rd *r, const guint8 *s, gsize n, gsize at, const char *what,
                  gboolean may_be_empty)
{
  if (n == 0 && !may_be_empty)
    return fail_at (r, at, SES_CODEC_ERROR_PROTOCOL,
                    "%s is empty ([MQTT-4.7.3-1])", what);
  for (gsize i = 0; i < n; i++)
    if (s[i] == '+' || s[i] == '#')
      return fail_at (r, at + i, SES_CODEC_ERROR_PROTOCOL,
                      "%s holds the wildcard '%c' ([MQTT-3.3.2-2])", what,
                      s[i]);
  return TRUE;
}

/* Reads a Property Length and the properties it covers (5.0 §2.2.2).
 * where is IN_WILL for a CONNECT's will properties. */
static gboolean
rd_props (Rd *r, guint where, Props *out)
{
  memset (out, 0, sizeof *out);
  gsize len_at = r->pos;
  guint32 len;
  if (!rd_vbi (r, "Property Length", &len))
    return FALSE;
  if (len > r->end - r->pos)
    return fail_at (r, len_at, SES_CODEC_ERROR_MALFORMED,
                    "Property Length %u runs past the end of the packet "
                    "(%" G_GSIZE_FORMAT " bytes left) (5.0 §2.2.2.1)", len,
                    r->end - r->pos);
  gsize outer_end = r->end;
  r->end = r->pos + len;
  const char *in = where == IN_WILL ? "the will properties"
                                    : type_name (r->type);
  while (r->pos < r->end)
    {
      gsize at = r->pos;
      guint32 id;
      if (!rd_vbi (r, "Property Identifier", &id))
        return FALSE;
      const PropInfo *info = id <= P_LAST ? &props_info[id] : NULL;
      if (info == NULL || info->name == NULL)
        return fail_at (r, at, SES_CODEC_ERROR_MALFORMED,
                        "unknown property identifier 0x%02x (5.0 §2.2.2.2)",
                        id);
      if (!(info->where & where))
        return fail_at (r, at, SES_CODEC_ERROR_PROTOCOL,
                        "%s (0x%02x) is not allowed in %s (5.0 §2.2.2.2)",
                        info->name, id, in);
      /* Only User Property, and Subscription Identifier in a PUBLISH, may
       * repeat; each other property's section says a second one is a
       * Protocol Error (5.0 §3.1.2.11 to §3.15.2.2). */
      gboolean repeats = id == P_USER_PROPERTY
                         || (id == P_SUBSCRIPTION_ID && where == IN_PUBLISH);
      if (!repeats && (out->seen & (G_GUINT64_CONSTANT (1) << id)))
        return fail_at (r, at, SES_CODEC_ERROR_PROTOCOL,
                        "%s (0x%02x) appears twice (5.0 §2.2.2.2)",
                        info->name, id);
      out->seen |= G_GUINT64_CONSTANT (1) << id;
      guint8 b = 0;
      guint16 u16 = 0;
      guint32 u32 = 0;
      const guint8 *s = NULL;
      guint16 n = 0;
      gsize s_at;
      gsize val_at = r->pos;
      switch (info->type)
        {
        case PT_BYTE:
          if (!rd_u8 (r, info->name, &b))
            return FALSE;
          /* Each of these is a Protocol Error unless 0 or 1 (5.0
           * §3.1.2.11.6/7, §3.2.2.3.4/5/11/12/13, §3.3.2.3.2). */
          if (b > 1)
            return fail_at (r, val_at, SES_CODEC_ERROR_PROTOCOL,
                            "%s must be 0 or 1, not %u", info->name, b);
          break;
        case PT_U16:
          if (!rd_u16 (r, info->name, &u16))
            return FALSE;
          /* Receive Maximum 0 (5.0 §3.1.2.11.3, §3.2.2.3.3) and Topic
           * Alias 0 (5.0 [MQTT-3.3.2-8]) are Protocol Errors. */
          if (u16 == 0 && (id == P_RECEIVE_MAX || id == P_TOPIC_ALIAS))
            return fail_at (r, val_at, SES_CODEC_ERROR_PROTOCOL,
                            "%s must not be 0", info->name);
          break;
        case PT_U32:
          if (!rd_u32 (r, info->name, &u32))
            return FALSE;
          /* 5.0 §3.1.2.11.4, §3.2.2.3.6 */
          if (u32 == 0 && id == P_MAX_PACKET_SIZE)
            return fail_at (r, val_at, SES_CODEC_ERROR_PROTOCOL,
                            "Maximum Packet Size must not be 0");
          break;
        case PT_VBI:
          if (!rd_vbi (r, info->name, &u32))
            return FALSE;
          /* 5.0 §3.3.2.3.8, §3.8.2.1.2 */
          if (u32 == 0)
            return fail_at (r, val_at, SES_CODEC_ERROR_PROTOCOL,
                            "Subscription Identifier must not be 0");
          break;
        case PT_STR:
          if (!rd_str (r, info->name, &s, &n, &s_at))
            return FALSE;
          break;
        case PT_BIN:
          if (!rd_bytes (r, info->name, &s, &n, &s_at))
            return FALSE;
          break;
        case PT_PAIR:
          if (!rd_str (r, "User Property name", &s, &n, &s_at)
              || !rd_str (r, "User Property value", &s, &n, &s_at))
            return FALSE;
          break;
        default:
          g_assert_not_reached ();
        }
      switch (id)
        {
        case P_SESSION_EXPIRY:
          out->session_expiry_s = u32;
          break;
        case P_MESSAGE_EXPIRY:
          out->message_expiry_s = u32;
          break;
        case P_WILL_DELAY:
          out->will_delay_s = u32;
          break;
        case P_RECEIVE_MAX:
          out->receive_max = u16;
          break;
        case P_SERVER_KEEP_ALIVE:
          out->server_keep_alive_s = u16;
          break;
        case P_TOPIC_ALIAS:
          out->topic_alias = u16;
          break;
        case P_ASSIGNED_CLIENT_ID:
          out->assigned_client_id = intern_bytes (r, s, n);
          break;
        case P_USER_PROPERTY:
          out->dropped |= where == IN_WILL ? SES_CODEC_DROPPED_WILL_PROPERTY
                                           : SES_CODEC_DROPPED_USER_PROPERTY;
          break;
        case P_REASON_STRING:
          out->dropped |= SES_CODEC_DROPPED_REASON_STRING;
          break;
        default:
          out->dropped |= where == IN_WILL ? SES_CODEC_DROPPED_WILL_PROPERTY
                                           : SES_CODEC_DROPPED_PROPERTY;
          break;
        }
    }
  r->end = outer_end;
  return TRUE;
}

static gboolean
has (const Props *p, guint id)
{
  return (p->seen & (G_GUINT64_CONSTANT (1) << id)) != 0;
}

/* ---- decoding, one function per packet type --------------------------- */

static gboolean
rd_packet_id (Rd *r, SesPacket *pkt)
{
  gsize at = r->pos;
  if (!rd_u16 (r, "Packet Identifier", &pkt->packet_id))
    return FALSE;
  /* 3.1.1 [MQTT-2.3.1-1], 5.0 [MQTT-2.2.1-3] */
  if (pkt->packet_id == 0)
    return fail_at (r, at, SES_CODEC_ERROR_PROTOCOL,
                    "Packet Identifier 0 (%s)",
                    r->version == 5 ? "5.0 [MQTT-2.2.1-3]"
                                    : "3.1.1 [MQTT-2.3.1-1]");
  return TRUE;
}

static gboolean
rd_reason (Rd *r, SesPacket *pkt)
{
  gsize at = r->pos;
  if (!rd_u8 (r, "Reason Code", &pkt->reason))
    return FALSE;
  if (!reason_valid (r->type, r->version, pkt->reason))
    return fail_at (r, at, SES_CODEC_ERROR_PROTOCOL,
                    "0x%02x is not a %s reason code (%s)", pkt->reason,
                    type_name (r->type),
                    r->version == 5 ? "5.0 §2.4"
                    : r->type == SES_PKT_SUBACK ? "3.1.1 [MQTT-3.9.3-2]"
                                                : "3.1.1 §3.2.2.3");
  return TRUE;
}

static gboolean
at_end (Rd *r)
{
  if (r->pos != r->end)
    return fail_at (r, r->pos, SES_CODEC_ERROR_MALFORMED,
                    "%" G_GSIZE_FORMAT " bytes left over after the packet's "
                    "last field", r->end - r->pos);
  return TRUE;
}

static gboolean
decode_connect (Rd *r, SesPacket *pkt, SesCodecExtra *extra)
{
  const guint8 *name;
  guint16 name_len;
  gsize at;
  gsize name_at = r->pos;
  if (!rd_str (r, "Protocol Name", &name, &name_len, &at))
    return FALSE;
  gsize level_at = r->pos;
  guint8 level;
  if (!rd_u8 (r, "Protocol Level", &level))
    return FALSE;
  gboolean is_mqtt = name_len == 4 && memcmp (name, "MQTT", 4) == 0;
  if (!is_mqtt)
    /* 3.1.1 and 5.0 [MQTT-3.1.2-1]: a server may close; we must, having
     * no other protocol to fall back on (MQIsdp is MQTT 3.1). */
    return fail_at (r, name_at, SES_CODEC_ERROR_UNSUPPORTED,
                    "Protocol Name is not \"MQTT\" ([MQTT-3.1.2-1])");
  if (level != 4 && level != 5)
    /* answered by CONNACK 0x01 in 3.1.1 [MQTT-3.1.2-2], 0x84 in 5.0 */
    return fail_at (r, level_at, SES_CODEC_ERROR_UNSUPPORTED,
                    "Protocol Level %u is neither 4 (3.1.1) nor 5 (5.0)",
                    level);
  r->version = level;
  pkt->version = level;
  gsize flags_at = r->pos;
  guint8 flags;
  if (!rd_u8 (r, "Connect Flags", &flags))
    return FALSE;
  if (flags & 0x01)
    return fail_at (r, flags_at, SES_CODEC_ERROR_MALFORMED,
                    "the reserved Connect Flags bit is set "
                    "([MQTT-3.1.2-3])");
  gboolean will = (flags & 0x04) != 0;
  guint8 will_qos = (flags >> 3) & 3;
  gboolean will_retain = (flags & 0x20) != 0;
  gboolean password = (flags & 0x40) != 0;
  gboolean username = (flags & 0x80) != 0;
  if (flags & 0x02)
    pkt->flags |= SES_PKT_F_CLEAN;
  if (!will && (will_qos != 0 || will_retain))
    return fail_at (r, flags_at, SES_CODEC_ERROR_MALFORMED,
                    "Will QoS or Will Retain set without the Will Flag (%s)",
                    level == 5 ? "5.0 [MQTT-3.1.2-11] [MQTT-3.1.2-13]"
                               : "3.1.1 [MQTT-3.1.2-13] [MQTT-3.1.2-15]");
  if (will_qos == 3)
    return fail_at (r, flags_at, SES_CODEC_ERROR_MALFORMED,
                    "Will QoS 3 (%s)", level == 5 ? "5.0 [MQTT-3.1.2-12]"
                                                  : "3.1.1 [MQTT-3.1.2-14]");
  if (level == 4 && password && !username)
    return fail_at (r, flags_at, SES_CODEC_ERROR_MALFORMED,
                    "Password Flag without User Name Flag "
                    "(3.1.1 [MQTT-3.1.2-22])");
  if (!rd_u16 (r, "Keep Alive", &pkt->keep_alive_s))
    return FALSE;
  if (level == 5)
    {
      Props props;
      if (!rd_props (r, IN_CONNECT, &props))
        return FALSE;
      if (has (&props, P_SESSION_EXPIRY))
        {
          pkt->flags |= SES_PKT_F_HAS_EXPIRY;
          pkt->expiry_s = props.session_expiry_s;
        }
      pkt->receive_max = props.receive_max;
      extra->dropped |= props.dropped;
    }
  /* 3.1.1 [MQTT-3.1.3-3], 5.0 [MQTT-3.1.3-3]: the ClientId comes first.
   * An empty one is the model's to judge (3.1.1 [MQTT-3.1.3-8]). */
  if (!rd_str_intern (r, "Client Identifier", &pkt->client_id))
    return FALSE;
  if (will)
    {
      SesCodecWill *w = &extra->will;
      if (level == 5)
        {
          Props props;
          if (!rd_props (r, IN_WILL, &props))
            return FALSE;
          w->delay_s = props.will_delay_s;
          if (has (&props, P_MESSAGE_EXPIRY))
            {
              w->has_expiry = 1;
              w->expiry_s = props.message_expiry_s;
            }
          extra->dropped |= props.dropped;
        }
      const guint8 *s;
      guint16 n;
      if (!rd_str (r, "Will Topic", &s, &n, &at)
          || !check_topic_name (r, s, n, at, "Will Topic", FALSE))
        return FALSE;
      w->topic = intern_bytes (r, s, n);
      if (!rd_bytes (r, "Will Payload", &s, &n, &at)
          || !intern_payload (r, s, n, at, "Will Payload", &w->payload))
        return FALSE;
      w->qos = will_qos;
      w->retain = will_retain;
      pkt->will = 1;
    }
  const guint8 *s;
  guint16 n;
  if (username)
    {
      if (!rd_str (r, "User Name", &s, &n, &at))
        return FALSE;
      extra->dropped |= SES_CODEC_DROPPED_USERNAME;
    }
  if (password)
    {
      if (!rd_bytes (r, "Password", &s, &n, &at))
        return FALSE;
      extra->dropped |= SES_CODEC_DROPPED_PASSWORD;
    }
  return at_end (r);
}

static gboolean
decode_connack (Rd *r, SesPacket *pkt, SesCodecExtra *extra)
{
  gsize at = r->pos;
  guint8 ack_flags;
  if (!rd_u8 (r, "Connect Acknowledge Flags", &ack_flags))
    return FALSE;
  if (ack_flags & 0xFE)
    return fail_at (r, at, SES_CODEC_ERROR_MALFORMED,
                    "reserved Connect Acknowledge Flags bits set (%s)",
                    r->version == 5 ? "5.0 [MQTT-3.2.2-1]"
                                    : "3.1.1 §3.2.2.1");
  if (!rd_reason (r, pkt))
    return FALSE;
  if (ack_flags & 1)
    {
      /* 3.1.1 [MQTT-3.2.2-4], 5.0 [MQTT-3.2.2-6] */
      if (pkt->reason != 0)
        return fail_at (r, at, SES_CODEC_ERROR_PROTOCOL,
                        "Session Present with a refusal (%s)",
                        r->version == 5 ? "5.0 [MQTT-3.2.2-6]"
                                        : "3.1.1 [MQTT-3.2.2-4]");
      pkt->flags |= SES_PKT_F_SESSION_PRESENT;
    }
  if (r->version == 5)
    {
      Props props;
      if (!rd_props (r, IN_CONNACK, &props))
        return FALSE;
      if (has (&props, P_SESSION_EXPIRY))
        {
          pkt->flags |= SES_PKT_F_HAS_EXPIRY;
          pkt->expiry_s = props.session_expiry_s;
        }
      pkt->receive_max = props.receive_max;
      pkt->keep_alive_s = props.server_keep_alive_s;
      if (has (&props, P_SERVER_KEEP_ALIVE) && props.server_keep_alive_s == 0)
        extra->server_keep_alive_zero = 1;
      pkt->client_id = props.assigned_client_id;
      extra->dropped |= props.dropped;
    }
  return at_end (r);
}

static gboolean
decode_publish (Rd *r, guint8 flags, SesPacket *pkt, SesCodecExtra *extra)
{
  pkt->qos = (flags >> 1) & 3;
  if (pkt->qos == 3)
    return fail_at (r, 0, SES_CODEC_ERROR_MALFORMED,
                    "QoS 3 ([MQTT-3.3.1-4])");
  if ((flags & 0x08) && pkt->qos == 0)
    return fail_at (r, 0, SES_CODEC_ERROR_MALFORMED,
                    "DUP set on a QoS 0 message ([MQTT-3.3.1-2])");
  if (flags & 0x08)
    pkt->flags |= SES_PKT_F_DUP;
  if (flags & 0x01)
    pkt->flags |= SES_PKT_F_RETAIN;
  const guint8 *s;
  guint16 n;
  gsize topic_at;
  if (!rd_str (r, "Topic Name", &s, &n, &topic_at)
      || !check_topic_name (r, s, n, topic_at, "Topic Name", r->version == 5))
    return FALSE;
  pkt->topic = intern_bytes (r, s, n);
  if (pkt->qos > 0 && !rd_packet_id (r, pkt))
    return FALSE;
  if (r->version == 5)
    {
      Props props;
      if (!rd_props (r, IN_PUBLISH, &props))
        return FALSE;
      if (has (&props, P_MESSAGE_EXPIRY))
        {
          pkt->flags |= SES_PKT_F_HAS_EXPIRY;
          pkt->expiry_s = props.message_expiry_s;
        }
      extra->topic_alias = props.topic_alias;
      extra->dropped |= props.dropped;
      /* An empty Topic Name stands for the one a Topic Alias names, so it
       * needs one (5.0 §3.3.2.1, §3.3.2.3.4). */
      if (n == 0 && props.topic_alias == 0)
        return fail_at (r, topic_at, SES_CODEC_ERROR_PROTOCOL,
                        "empty Topic Name without a Topic Alias "
                        "(5.0 §3.3.2.1)");
    }
  /* The rest is the payload, possibly empty (3.1.1 §3.3.3, 5.0 §3.3.3). */
  return intern_payload (r, r->buf + r->pos, r->end - r->pos, r->pos,
                         "Payload", &pkt->payload);
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP. */
static gboolean
decode_ack (Rd *r, SesPacket *pkt, SesCodecExtra *extra)
{
  if (!rd_packet_id (r, pkt))
    return FALSE;
  /* 5.0 §3.4.2.1: with Remaining Length 2 the reason is 0x00 and there
   * are no properties; with 3 there is a reason but no properties. */
  if (r->version == 5 && r->pos < r->end)
    {
      if (!rd_reason (r, pkt))
        return FALSE;
      if (r->pos < r->end)
        {
          Props props;
          if (!rd_props (r, IN_PUBACK, &props))
            return FALSE;
          extra->dropped |= props.dropped;
        }
    }
  return at_end (r);
}

/* SUBSCRIBE and UNSUBSCRIBE: the first filter is kept. */
static gboolean
decode_subscribe (Rd *r, SesPacket *pkt, SesCodecExtra *extra)
{
  gboolean sub = r->type == SES_PKT_SUBSCRIBE;
  if (!rd_packet_id (r, pkt))
    return FALSE;
  if (r->version == 5)
    {
      Props props;
      if (!rd_props (r, sub ? IN_SUBSCRIBE : IN_UNSUBSCRIBE, &props))
        return FALSE;
      extra->dropped |= props.dropped;
    }
  /* 3.1.1 [MQTT-3.8.3-3] [MQTT-3.10.3-2], 5.0 [MQTT-3.8.3-2]
   * [MQTT-3.10.3-2]: at least one filter. */
  if (r->pos == r->end)
    return fail_at (r, r->pos, SES_CODEC_ERROR_PROTOCOL, "no Topic Filter (%s)",
                    !sub ? "[MQTT-3.10.3-2]"
                         : r->version == 5 ? "5.0 [MQTT-3.8.3-2]"
                                           : "3.1.1 [MQTT-3.8.3-3]");
  for (guint i = 0; r->pos < r->end; i++)
    {
      const guint8 *s;
      guint16 n;
      gsize at;
      if (!rd_str (r, "Topic Filter", &s, &n, &at))
        return FALSE;
      /* 3.1.1 and 5.0 [MQTT-4.7.3-1]; wildcard syntax is the model's to
       * judge (it answers with a SUBACK failure). */
      if (n == 0)
        return fail_at (r, at, SES_CODEC_ERROR_PROTOCOL,
                        "empty Topic Filter ([MQTT-4.7.3-1])");
      guint8 options = 0;
      gsize opt_at = r->pos;
      if (sub && !rd_u8 (r, "Subscription Options", &options))
        return FALSE;
      if (sub && r->version == 4 && (options & 0xFC))
        return fail_at (r, opt_at, SES_CODEC_ERROR_MALFORMED,
                        "reserved bits set in the Requested QoS byte "
                        "(3.1.1 [MQTT-3.8.3-4])");
      if (sub && r->version == 5 && (options & 0xC0))
        return fail_at (r, opt_at, SES_CODEC_ERROR_MALFORMED,
                        "reserved Subscription Options bits set "
                        "(5.0 [MQTT-3.8.3-5])");
      if (sub && (options & 3) == 3)
        return fail_at (r, opt_at, SES_CODEC_ERROR_MALFORMED,
                        "requested QoS 3 (%s)",
                        r->version == 5 ? "5.0 §3.8.3.1"
                                        : "3.1.1 [MQTT-3.8.3-4]");
      if (sub && ((options >> 4) & 3) == 3)
        return fail_at (r, opt_at, SES_CODEC_ERROR_PROTOCOL,
                        "Retain Handling 3 (5.0 §3.8.3.1)");
      if (i > 0)
        {
          extra->dropped |= SES_CODEC_DROPPED_ENTRIES;
          continue;
        }
      pkt->topic = intern_bytes (r, s, n);
      pkt->qos = options & 3;
      if (options & 0x3C)
        extra->dropped |= SES_CODEC_DROPPED_SUB_OPTIONS;
    }
  return TRUE;
}

/* SUBACK and UNSUBACK: the first code is kept. */
static gboolean
decode_suback (Rd *r, SesPacket *pkt, SesCodecExtra *extra)
{
  if (!rd_packet_id (r, pkt))
    return FALSE;
  /* 3.1.1 UNSUBACK is a packet id and nothing else (3.1.1 §3.11). */
  if (r->version == 4 && r->type == SES_PKT_UNSUBACK)
    return at_end (r);
  if (r->version == 5)
    {
      Props props;
      if (!rd_props (r, r->type == SES_PKT_SUBACK ? IN_SUBACK : IN_UNSUBACK,
                     &props))
        return FALSE;
      extra->dropped |= props.dropped;
    }
  if (r->pos == r->end)
    return fail_at (r, r->pos, SES_CODEC_ERROR_PROTOCOL,
                    "no Reason Code (one per Topic Filter, %s)",
                    r->type == SES_PKT_SUBACK ? "§3.9.3" : "5.0 §3.11.3");
  for (guint i = 0; r->pos < r->end; i++)
    {
      SesPacket code = { 0 };
      if (!rd_reason (r, i == 0 ? pkt : &code))
        return FALSE;
      if (i > 0)
        extra->dropped |= SES_CODEC_DROPPED_ENTRIES;
    }
  /* SesPacket's SUBACK holds a granted QoS in qos, a failure in reason. */
  if (r->type == SES_PKT_SUBACK && pkt->reason < 0x80)
    {
      pkt->qos = pkt->reason;
      pkt->reason = 0;
    }
  return TRUE;
}

static gboolean
decode_disconnect (Rd *r, SesPacket *pkt, SesCodecExtra *extra)
{
  /* 5.0 §3.14.2.1: Remaining Length 0 means reason 0x00 and no
   * properties; 1 means a reason without properties. */
  if (r->version == 5 && r->pos < r->end)
    {
      if (!rd_reason (r, pkt))
        return FALSE;
      if (r->pos < r->end)
        {
          Props props;
          if (!rd_props (r, IN_DISCONNECT, &props))
            return FALSE;
          if (has (&props, P_SESSION_EXPIRY))
            {
              pkt->flags |= SES_PKT_F_HAS_EXPIRY;
              pkt->expiry_s = props.session_expiry_s;
            }
          extra->dropped |= props.dropped;
        }
    }
  return at_end (r);
}

/* Fixed header flags each type must carry: 0b0010 for PUBREL, SUBSCRIBE
 * and UNSUBSCRIBE, 0 for the others (PUBLISH's are its own); anything
 * else is malformed. 3.1.1 [MQTT-2.2.2-1] [MQTT-2.2.2-2], 5.0 §2.1.3. */
static gboolean
check_fixed_flags (Rd *r, guint8 flags)
{
  guint8 want = (r->type == SES_PKT_PUBREL || r->type == SES_PKT_SUBSCRIBE
                 || r->type == SES_PKT_UNSUBSCRIBE) ? 2 : 0;
  if (flags == want)
    return TRUE;
  const char *rule = "";
  if (r->type == SES_PKT_PUBREL)
    rule = " [MQTT-3.6.1-1]";
  else if (r->type == SES_PKT_SUBSCRIBE)
    rule = " [MQTT-3.8.1-1]";
  else if (r->type == SES_PKT_UNSUBSCRIBE)
    rule = " [MQTT-3.10.1-1]";
  return fail_at (r, 0, SES_CODEC_ERROR_MALFORMED,
                  "fixed header flags 0x%x, must be 0x%x (%s%s)", flags, want,
                  r->version == 5 ? "5.0 §2.1.3" : "3.1.1 [MQTT-2.2.2-2]",
                  rule);
}

/* The Remaining Length (3.1.1 §2.2.3, 5.0 §2.1.4): 1 to 4 bytes after the
 * first. Returns 1 with *header and *remaining, 0 if more bytes are
 * needed, -1 if malformed (error set). */
static int
read_length (const guint8 *data, gsize len, gsize *header, guint32 *remaining,
             gboolean *minimal, GError **error)
{
  guint32 value = 0;
  for (guint i = 0; i < 4; i++)
    {
      if (1 + i >= len)
        return 0;
      guint8 b = data[1 + i];
      value |= (guint32) (b & 0x7F) << (7 * i);
      if (!(b & 0x80))
        {
          *header = 2 + i;
          *remaining = value;
          *minimal = i == 0 || b != 0;
          return 1;
        }
    }
  g_set_error (error, SES_CODEC_ERROR, SES_CODEC_ERROR_MALFORMED,
               "%s: byte 1: Remaining Length longer than 4 bytes "
               "(3.1.1 §2.2.3, 5.0 §1.5.5)", type_name (data[0] >> 4));
  return -1;
}

SesCodecFrame
ses_codec_frame (const guint8 *data, gsize len, gsize max_size, gsize *size,
                 GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, SES_CODEC_FRAME_MALFORMED);
  gsize header = 0;
  guint32 remaining = 0;
  gboolean minimal;
  *size = 0;
  int got = read_length (data, len, &header, &remaining, &minimal, error);
  if (got < 0)
    return SES_CODEC_FRAME_MALFORMED;
  if (got == 0)
    return SES_CODEC_FRAME_NEED_MORE;
  gsize total = header + remaining;
  if (max_size != 0 && total > max_size)
    {
      g_set_error (error, SES_CODEC_ERROR, SES_CODEC_ERROR_TOO_LARGE,
                   "%s: byte 1: a packet of %" G_GSIZE_FORMAT " bytes, over "
                   "the maximum of %" G_GSIZE_FORMAT,
                   type_name (data[0] >> 4), total, max_size);
      return SES_CODEC_FRAME_MALFORMED;
    }
  *size = total;
  return len >= total ? SES_CODEC_FRAME_PACKET : SES_CODEC_FRAME_NEED_MORE;
}

gboolean
ses_codec_decode (const guint8 *data, gsize len, guint8 version,
                  SesIntern *strings, SesPacket *pkt, SesCodecExtra *extra,
                  GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (version == 4 || version == 5, FALSE);
  g_return_val_if_fail (strings != NULL && pkt != NULL, FALSE);
  SesCodecExtra scratch;
  if (extra == NULL)
    extra = &scratch;
  ses_packet_init (pkt, SES_PKT_CONNECT);
  memset (extra, 0, sizeof *extra);

  Rd r = { .buf = data, .version = version, .strings = strings,
           .error = error };
  if (len < 2)
    {
      r.type = len > 0 ? data[0] >> 4 : 0;
      g_set_error (error, SES_CODEC_ERROR, SES_CODEC_ERROR_TRUNCATED,
                   "%s: byte %" G_GSIZE_FORMAT ": the packet ends before "
                   "its fixed header does", type_name (r.type), len);
      memset (pkt, 0, sizeof *pkt);
      return FALSE;
    }
  r.type = data[0] >> 4;
  guint8 flags = data[0] & 0x0F;
  gsize header;
  guint32 remaining;
  gboolean minimal;
  int got = read_length (data, len, &header, &remaining, &minimal, error);
  gboolean ok = FALSE;
  if (got == 0)
    g_set_error (error, SES_CODEC_ERROR, SES_CODEC_ERROR_TRUNCATED,
                 "%s: byte %" G_GSIZE_FORMAT ": the packet ends inside its "
                 "Remaining Length", type_name (r.type), len);
  else if (got > 0 && len < header + remaining)
    g_set_error (error, SES_CODEC_ERROR, SES_CODEC_ERROR_TRUNCATED,
                 "%s: byte %" G_GSIZE_FORMAT ": the packet ends %"
                 G_GSIZE_FORMAT " bytes short of its Remaining Length %u",
                 type_name (r.type), len, header + remaining - len,
                 remaining);
  else if (got > 0 && len > header + remaining)
    fail_at (&r, header + remaining, SES_CODEC_ERROR_MALFORMED,
             "%" G_GSIZE_FORMAT " bytes after the end of the packet",
             len - header - remaining);
  else if (got > 0)
    {
      r.pos = header;
      r.end = header + remaining;
      pkt->type = r.type;
      /* A CONNECT's version is its own; read its level first so every
       * rule below, the minimal length included, is that version's. */
      if (r.type == SES_PKT_CONNECT && remaining >= 7
          && data[header] == 0 && data[header + 1] == 4)
        r.version = data[header + 6] == 5 ? 5 : 4;
      switch (r.type)
        {
        case 0:
          fail_at (&r, 0, SES_CODEC_ERROR_MALFORMED,
                   "packet type 0 is reserved (%s)",
                   r.version == 5 ? "5.0 §2.1.2" : "3.1.1 §2.2.1");
          break;
        case PKT_AUTH:
          if (r.version == 5)
            fail_at (&r, 0, SES_CODEC_ERROR_UNSUPPORTED,
                     "AUTH (enhanced authentication) is not modelled");
          else
            fail_at (&r, 0, SES_CODEC_ERROR_MALFORMED,
                     "packet type 15 is reserved in 3.1.1 (3.1.1 §2.2.1)");
          break;
        default:
          if (!minimal && r.version == 5)
            fail_at (&r, 1, SES_CODEC_ERROR_MALFORMED,
                     "Remaining Length in more bytes than it needs "
                     "(5.0 [MQTT-1.5.5-1])");
          else if (r.type == SES_PKT_PUBLISH || check_fixed_flags (&r, flags))
            switch (r.type)
              {
              case SES_PKT_CONNECT:
                ok = decode_connect (&r, pkt, extra);
                break;
              case SES_PKT_CONNACK:
                ok = decode_connack (&r, pkt, extra);
                break;
              case SES_PKT_PUBLISH:
                ok = decode_publish (&r, flags, pkt, extra);
                break;
              case SES_PKT_PUBACK:
              case SES_PKT_PUBREC:
              case SES_PKT_PUBREL:
              case SES_PKT_PUBCOMP:
                ok = decode_ack (&r, pkt, extra);
                break;
              case SES_PKT_SUBSCRIBE:
              case SES_PKT_UNSUBSCRIBE:
                ok = decode_subscribe (&r, pkt, extra);
                break;
              case SES_PKT_SUBACK:
              case SES_PKT_UNSUBACK:
                ok = decode_suback (&r, pkt, extra);
                break;
              case SES_PKT_PINGREQ:
              case SES_PKT_PINGRESP:
                ok = at_end (&r);
                break;
              case SES_PKT_DISCONNECT:
                ok = decode_disconnect (&r, pkt, extra);
                break;
              default:
                g_assert_not_reached ();
              }
          break;
        }
    }
  if (!ok)
    {
      memset (pkt, 0, sizeof *pkt);
      memset (extra, 0, sizeof *extra);
    }
  return ok;
}

SesCodecFrame
ses_codec_decode_next (const guint8 *data, gsize len, guint8 version,
                       gsize max_size, SesIntern *strings, SesPacket *pkt,
                       SesCodecExtra *extra, gsize *consumed, GError **error)
{
  gsize size = 0;
  *consumed = 0;
  SesCodecFrame got = ses_codec_frame (data, len, max_size, &size, error);
  if (got != SES_CODEC_FRAME_PACKET)
    return got;
  if (!ses_codec_decode (data, size, version, strings, pkt, extra, error))
    return SES_CODEC_FRAME_MALFORMED;
  *consumed = size;
  return SES_CODEC_FRAME_PACKET;
}

/* ---- encoding ---------------------------------------------------------- */

typedef struct {
  GByteArray *buf;
  const SesIntern *strings;
  guint8 type;
  GError **error;
} Wr;

static gboolean G_GNUC_PRINTF (2, 3)
refuse (Wr *w, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (w->error, SES_CODEC_ERROR, SES_CODEC_ERROR_INVALID,
               "cannot encode %s: %s", type_name (w->type), what);
  return FALSE;
}

static void
put_u8 (GByteArray *b, guint8 v)
{
  g_byte_array_append (b, &v, 1);
}

static void
put_u16 (GByteArray *b, guint16 v)
{
  guint8 p[2] = { (guint8) (v >> 8), (guint8) v };
  g_byte_array_append (b, p, 2);
}

static void
put_u32 (GByteArray *b, guint32 v)
{
  guint8 p[4] = { (guint8) (v >> 24), (guint8) (v >> 16), (guint8) (v >> 8),
                  (guint8) v };
  g_byte_array_append (b, p, 4);
}

/* In the fewest bytes, 5.0 [MQTT-1.5.5-1]; v <= SES_CODEC_MAX_REMAINING. */
static void
put_vbi (GByteArray *b, guint32 v)
{
  do
    {
      guint8 byte = v & 0x7F;
      v >>= 7;
      if (v > 0)
        byte |= 0x80;
      put_u8 (b, byte);
    }
  while (v > 0);
}

static const char *
str_of (const SesIntern *strings, guint32 id)
{
  const char *s = ses_intern_get (strings, id);
  return s != NULL ? s : "";
}

/* A two-byte length and the bytes; a string must also be MQTT UTF-8. */
static gboolean
put_string (Wr *w, GByteArray *b, guint32 id, const char *what,
            gboolean utf8)
{
  const char *s = str_of (w->strings, id);
  gsize n = strlen (s);
  if (n > G_MAXUINT16)
    return refuse (w, "%s is %" G_GSIZE_FORMAT " bytes, over 65535", what, n);
  const char *why = NULL;
  gssize bad = utf8 ? utf8_check ((const guint8 *) s, n, &why) : -1;
  if (bad >= 0)
    return refuse (w, "%s is not an MQTT UTF-8 string: %s at byte %"
                   G_GSSIZE_FORMAT, what, why, bad);
  put_u16 (b, (guint16) n);
  g_byte_array_append (b, (const guint8 *) s, (guint) n);
  return TRUE;
}

static gboolean
check_topic (Wr *w, guint32 id, const char *what, gboolean may_be_empty)
{
  const char *s = str_of (w->strings, id);
  if (*s == '\0' && !may_be_empty)
    return refuse (w, "%s is empty ([MQTT-4.7.3-1])", what);
  if (strpbrk (s, "+#") != NULL)
    return refuse (w, "%s holds a wildcard ([MQTT-3.3.2-2])", what);
  return TRUE;
}

static void
put_props (GByteArray *b, GByteArray *props)
{
  put_vbi (b, props->len);
  g_byte_array_append (b, props->data, props->len);
}

static gboolean
check_reason (Wr *w, guint8 version, guint8 code)
{
  if (!reason_valid (w->type, version, code))
    return refuse (w, "0x%02x is not a %s reason code in %s", code,
                   type_name (w->type), version == 5 ? "5.0" : "3.1.1");
  return TRUE;
}

static gboolean
encode_body (Wr *w, const SesPacket *pkt, const SesCodecExtra *extra,
             guint8 version, GByteArray *b, guint8 *flags)
{
  g_autoptr (GByteArray) props = g_byte_array_new ();
  gboolean v5 = version == 5;
  gboolean expiry = v5 && (pkt->flags & SES_PKT_F_HAS_EXPIRY);
  switch (pkt->type)
    {
    case SES_PKT_CONNECT:
      {
        const SesCodecWill *will = pkt->will != 0 ? &extra->will : NULL;
        if (will != NULL && will->qos > 2)
          return refuse (w, "Will QoS %u", will->qos);
        if (will != NULL && !check_topic (w, will->topic, "Will Topic", FALSE))
          return FALSE;
        guint8 cflags = (pkt->flags & SES_PKT_F_CLEAN) ? 0x02 : 0;
        if (will != NULL)
          cflags |= 0x04 | (guint8) (will->qos << 3)
                    | (will->retain ? 0x20 : 0);
        /* A CONNECT may carry another Protocol Name (in topic) on
         * purpose, to see what a broker answers ([MQTT-3.1.2-1]). */
        if (pkt->topic != 0)
          {
            if (!put_string (w, b, pkt->topic, "Protocol Name", TRUE))
              return FALSE;
          }
        else
          {
            put_u16 (b, 4);
            g_byte_array_append (b, (const guint8 *) "MQTT", 4);
          }
        put_u8 (b, version);
        put_u8 (b, cflags);
        put_u16 (b, pkt->keep_alive_s);
        if (v5)
          {
            if (expiry)
              {
                put_u8 (props, P_SESSION_EXPIRY);
                put_u32 (props, pkt->expiry_s);
              }
            if (pkt->receive_max != 0)
              {
                put_u8 (props, P_RECEIVE_MAX);
                put_u16 (props, pkt->receive_max);
              }
            put_props (b, props);
          }
        if (!put_string (w, b, pkt->client_id, "Client Identifier", TRUE))
          return FALSE;
        if (will != NULL)
          {
            if (v5)
              {
                g_byte_array_set_size (props, 0);
                if (will->has_expiry)
                  {
                    put_u8 (props, P_MESSAGE_EXPIRY);
                    put_u32 (props, will->expiry_s);
                  }
                if (will->delay_s != 0)
                  {
                    put_u8 (props, P_WILL_DELAY);
                    put_u32 (props, will->delay_s);
                  }
                put_props (b, props);
              }
            if (!put_string (w, b, will->topic, "Will Topic", TRUE)
                || !put_string (w, b, will->payload, "Will Payload", FALSE))
              return FALSE;
          }
        return TRUE;
      }
    case SES_PKT_CONNACK:
      if (!check_reason (w, version, pkt->reason))
        return FALSE;
      if ((pkt->flags & SES_PKT_F_SESSION_PRESENT) && pkt->reason != 0)
        return refuse (w, "Session Present with a refusal ([MQTT-3.2.2-%s])",
                       v5 ? "6" : "4");
      put_u8 (b, (pkt->flags & SES_PKT_F_SESSION_PRESENT) ? 1 : 0);
      put_u8 (b, pkt->reason);
      if (v5)
        {
          if (expiry)
            {
              put_u8 (props, P_SESSION_EXPIRY);
              put_u32 (props, pkt->expiry_s);
            }
          if (pkt->client_id != 0)
            {
              put_u8 (props, P_ASSIGNED_CLIENT_ID);
              if (!put_string (w, props, pkt->client_id,
                               "Assigned Client Identifier", TRUE))
                return FALSE;
            }
          if (pkt->keep_alive_s != 0
              || (extra != NULL && extra->server_keep_alive_zero))
            {
              put_u8 (props, P_SERVER_KEEP_ALIVE);
              put_u16 (props, pkt->keep_alive_s);
            }
          if (pkt->receive_max != 0)
            {
              put_u8 (props, P_RECEIVE_MAX);
              put_u16 (props, pkt->receive_max);
            }
          put_props (b, props);
        }
      return TRUE;
    case SES_PKT_PUBLISH:
      {
        guint16 alias = (v5 && extra != NULL) ? extra->topic_alias : 0;
        if (pkt->qos > 2)
          return refuse (w, "QoS %u ([MQTT-3.3.1-4])", pkt->qos);
        if (pkt->qos == 0 && (pkt->flags & SES_PKT_F_DUP))
          return refuse (w, "DUP on QoS 0 ([MQTT-3.3.1-2])");
        if (pkt->qos > 0 && pkt->packet_id == 0)
          return refuse (w, "Packet Identifier 0 on QoS %u", pkt->qos);
        if (!check_topic (w, pkt->topic, "Topic Name", alias != 0))
          return FALSE;
        *flags = (guint8) ((pkt->flags & SES_PKT_F_DUP ? 0x08 : 0)
                           | (pkt->qos << 1)
                           | (pkt->flags & SES_PKT_F_RETAIN ? 0x01 : 0));
        if (!put_string (w, b, pkt->topic, "Topic Name", TRUE))
          return FALSE;
        if (pkt->qos > 0)
          put_u16 (b, pkt->packet_id);
        if (v5)
          {
            if (expiry)
              {
                put_u8 (props, P_MESSAGE_EXPIRY);
                put_u32 (props, pkt->expiry_s);
              }
            if (alias != 0)
              {
                put_u8 (props, P_TOPIC_ALIAS);
                put_u16 (props, alias);
              }
            put_props (b, props);
          }
        const char *payload = str_of (w->strings, pkt->payload);
        g_byte_array_append (b, (const guint8 *) payload,
                             (guint) strlen (payload));
        return TRUE;
      }
    case SES_PKT_PUBACK:
    case SES_PKT_PUBREC:
    case SES_PKT_PUBREL:
    case SES_PKT_PUBCOMP:
      if (pkt->packet_id == 0)
        return refuse (w, "Packet Identifier 0");
      if (v5 && !check_reason (w, version, pkt->reason))
        return FALSE;
      *flags = pkt->type == SES_PKT_PUBREL ? 2 : 0;
      put_u16 (b, pkt->packet_id);
      /* 5.0 §3.4.2.1: the short form when the reason is Success */
      if (v5 && pkt->reason != 0)
        put_u8 (b, pkt->reason);
      return TRUE;
    case SES_PKT_SUBSCRIBE:
    case SES_PKT_UNSUBSCRIBE:
      if (pkt->packet_id == 0)
        return refuse (w, "Packet Identifier 0");
      if (pkt->type == SES_PKT_SUBSCRIBE && pkt->qos > 2)
        return refuse (w, "requested QoS %u", pkt->qos);
      if (*str_of (w->strings, pkt->topic) == '\0')
        return refuse (w, "empty Topic Filter ([MQTT-4.7.3-1])");
      *flags = 2;
      put_u16 (b, pkt->packet_id);
      if (v5)
        put_props (b, props);
      if (!put_string (w, b, pkt->topic, "Topic Filter", TRUE))
        return FALSE;
      if (pkt->type == SES_PKT_SUBSCRIBE)
        put_u8 (b, pkt->qos);
      return TRUE;
    case SES_PKT_SUBACK:
      {
        if (pkt->packet_id == 0)
          return refuse (w, "Packet Identifier 0");
        if (pkt->reason != 0 && pkt->reason < 0x80)
          return refuse (w, "reason 0x%02x: a granted QoS goes in qos",
                         pkt->reason);
        if (pkt->reason == 0 && pkt->qos > 2)
          return refuse (w, "granted QoS %u", pkt->qos);
        guint8 code = pkt->reason >= 0x80 ? pkt->reason : pkt->qos;
        /* 3.1.1 has one failure code, 0x80 (3.1.1 [MQTT-3.9.3-2]) */
        if (!v5 && code >= 0x80)
          code = 0x80;
        if (v5 && !check_reason (w, version, code))
          return FALSE;
        put_u16 (b, pkt->packet_id);
        if (v5)
          put_props (b, props);
        put_u8 (b, code);
        return TRUE;
      }
    case SES_PKT_UNSUBACK:
      if (pkt->packet_id == 0)
        return refuse (w, "Packet Identifier 0");
      if (v5 && !check_reason (w, version, pkt->reason))
        return FALSE;
      put_u16 (b, pkt->packet_id);
      if (v5)
        {
          put_props (b, props);
          put_u8 (b, pkt->reason);
        }
      return TRUE;
    case SES_PKT_PINGREQ:
    case SES_PKT_PINGRESP:
      return TRUE;
    case SES_PKT_DISCONNECT:
      if (!v5)
        return TRUE;
      if (!check_reason (w, version, pkt->reason))
        return FALSE;
      /* 5.0 §3.14.2.1: the shortest form that holds what is sent; a
       * Reason String travels in payload */
      if (pkt->reason != 0 || expiry || pkt->payload != 0)
        put_u8 (b, pkt->reason);
      if (expiry)
        {
          put_u8 (props, P_SESSION_EXPIRY);
          put_u32 (props, pkt->expiry_s);
        }
      if (pkt->payload != 0)
        {
          put_u8 (props, P_REASON_STRING);
          if (!put_string (w, props, pkt->payload, "Reason String", TRUE))
            return FALSE;
        }
      if (expiry || pkt->payload != 0)
        put_props (b, props);
      return TRUE;
    default:
      return refuse (w, "unknown packet type %u", pkt->type);
    }
}

gboolean
ses_codec_encode (const SesPacket *pkt, const SesCodecExtra *extra,
                  guint8 version, const SesIntern *strings, GByteArray *out,
                  GError **error)
{
  g_return_val_if_fail (pkt != NULL && strings != NULL && out != NULL, FALSE);
  Wr w = { .strings = strings, .type = pkt->type, .error = error };
  if (pkt->type == SES_PKT_CONNECT)
    version = pkt->version;
  if (version != 4 && version != 5)
    return refuse (&w, "protocol version %u (4 = 3.1.1, 5 = 5.0)", version);
  if (pkt->type == SES_PKT_CONNECT && pkt->will != 0 && extra == NULL)
    return refuse (&w, "a will without its SesCodecExtra");
  g_autoptr (GByteArray) body = g_byte_array_new ();
  guint8 flags = 0;
  if (!encode_body (&w, pkt, extra, version, body, &flags))
    return FALSE;
  if (body->len > SES_CODEC_MAX_REMAINING)
    return refuse (&w, "%u bytes, over the largest Remaining Length",
                   body->len);
  put_u8 (out, (guint8) ((pkt->type << 4) | flags));
  put_vbi (out, body->len);
  g_byte_array_append (out, body->data, body->len);
  return TRUE;
}

/* ---- comparison -------------------------------------------------------- */

static gboolean
same_string (const SesIntern *strings, guint32 a, guint32 b)
{
  return strcmp (str_of (strings, a), str_of (strings, b)) == 0;
}

gboolean
ses_codec_equal (const SesPacket *a, const SesCodecExtra *ea,
                 const SesPacket *b, const SesCodecExtra *eb,
                 const SesIntern *strings)
{
  static const SesCodecExtra none;
  ea = ea != NULL ? ea : &none;
  eb = eb != NULL ? eb : &none;
  const guint8 ghost = SES_PKT_F_WILL;
  if (a->type != b->type || a->qos != b->qos || a->reason != b->reason
      || (a->flags & ~ghost) != (b->flags & ~ghost)
      || a->packet_id != b->packet_id || a->keep_alive_s != b->keep_alive_s
      || a->receive_max != b->receive_max
      || ((a->flags & SES_PKT_F_HAS_EXPIRY) && a->expiry_s != b->expiry_s)
      || (a->will != 0) != (b->will != 0)
      || ea->topic_alias != eb->topic_alias
      || ea->server_keep_alive_zero != eb->server_keep_alive_zero
      || !same_string (strings, a->client_id, b->client_id)
      || !same_string (strings, a->topic, b->topic)
      || !same_string (strings, a->payload, b->payload))
    return FALSE;
  if (a->type == SES_PKT_CONNECT && a->version != b->version)
    return FALSE;
  if (a->will != 0)
    {
      const SesCodecWill *x = &ea->will, *y = &eb->will;
      if (x->qos != y->qos || (x->retain != 0) != (y->retain != 0)
          || x->delay_s != y->delay_s || x->has_expiry != y->has_expiry
          || (x->has_expiry && x->expiry_s != y->expiry_s)
          || !same_string (strings, x->topic, y->topic)
          || !same_string (strings, x->payload, y->payload))
        return FALSE;
    }
  return TRUE;
}
