/* MQTT control packets as plain values: the fields that matter to sessions,
 * not a byte encoding. Strings are interned ids (see sim/intern.h), so a
 * packet is a fixed-size, pointer-free struct the net can copy and the
 * checker can hash. Always start from ses_packet_init() so that padding and
 * unused fields are zero and encodings are canonical. */
#pragma once

#include <glib.h>
#include "intern.h"

typedef enum {
  SES_PKT_CONNECT = 1,
  SES_PKT_CONNACK = 2,
  SES_PKT_PUBLISH = 3,
  SES_PKT_PUBACK = 4,
  SES_PKT_PUBREC = 5,
  SES_PKT_PUBREL = 6,
  SES_PKT_PUBCOMP = 7,
  SES_PKT_SUBSCRIBE = 8,
  SES_PKT_SUBACK = 9,
  SES_PKT_UNSUBSCRIBE = 10,
  SES_PKT_UNSUBACK = 11,
  SES_PKT_PINGREQ = 12,
  SES_PKT_PINGRESP = 13,
  SES_PKT_DISCONNECT = 14,
} SesPacketType;

enum {
  SES_PKT_F_DUP = 1 << 0,             /* PUBLISH */
  SES_PKT_F_RETAIN = 1 << 1,          /* PUBLISH */
  SES_PKT_F_CLEAN = 1 << 2,           /* CONNECT: Clean Session / Clean Start */
  SES_PKT_F_SESSION_PRESENT = 1 << 3, /* CONNACK */
  SES_PKT_F_HAS_EXPIRY = 1 << 4,      /* session expiry (CONNECT, CONNACK,
                                         DISCONNECT) or message expiry
                                         (PUBLISH) is present */
  SES_PKT_F_WILL = 1 << 5,            /* PUBLISH: a will publication */
};

/* Session Expiry Interval meaning "never". 5.0 §3.1.2.11.2 */
#define SES_EXPIRY_NEVER G_MAXUINT32

/* Reason codes used by the model (5.0 §2.4; 3.1.1 CONNACK return codes). */
enum {
  SES_RC_SUCCESS = 0x00,
  SES_RC_DISCONNECT_WITH_WILL = 0x04,
  SES_RC_V311_IDENTIFIER_REJECTED = 0x02,
  SES_RC_NO_MATCHING_SUBSCRIBERS = 0x10,
  SES_RC_UNSPECIFIED = 0x80,
  SES_RC_PROTOCOL_ERROR = 0x82,
  SES_RC_UNSUPPORTED_PROTOCOL_VERSION = 0x84,
  SES_RC_CLIENT_ID_NOT_VALID = 0x85,
  SES_RC_KEEP_ALIVE_TIMEOUT = 0x8D,
  SES_RC_SESSION_TAKEN_OVER = 0x8E,
  SES_RC_PACKET_ID_NOT_FOUND = 0x92,
  SES_RC_RECEIVE_MAX_EXCEEDED = 0x93,
  SES_RC_QUOTA_EXCEEDED = 0x97,
};

typedef struct {
  guint8 type;       /* SesPacketType */
  guint8 version;    /* CONNECT: 4 for 3.1.1, 5 for 5.0 */
  guint8 qos;        /* PUBLISH; SUBSCRIBE requested; SUBACK granted */
  guint8 flags;      /* SES_PKT_F_* */
  guint8 reason;     /* CONNACK, DISCONNECT and ack reason codes */
  guint8 pad0;
  guint16 packet_id;
  guint16 keep_alive_s; /* CONNECT; CONNACK Server Keep Alive (0 = absent) */
  guint16 receive_max;  /* CONNECT, CONNACK (0 = absent: 65535) */
  guint32 client_id;    /* CONNECT (interned); CONNACK: 5.0 Assigned Client
                           Identifier (0 = absent) */
  guint32 topic;        /* PUBLISH topic; SUBSCRIBE/UNSUBSCRIBE filter;
                           CONNECT: a Protocol Name other than "MQTT"
                           (interned; 0 = "MQTT") */
  guint32 payload;      /* PUBLISH (interned); DISCONNECT: 5.0 Reason
                           String (interned; 0 = none) */
  guint32 expiry_s;     /* see SES_PKT_F_HAS_EXPIRY */
  guint32 will;         /* CONNECT: will spec index + 1, 0 = no will */
  /* Ghost fields, not on the wire: which application message this is, so
   * observers can follow it end to end. origin is the publishing client's
   * index, seq its per-client count from 1 (0 for a will). */
  guint32 origin;
  guint32 seq;
} SesPacket;

void ses_packet_init (SesPacket *pkt, SesPacketType type);
const char *ses_packet_type_name (SesPacketType type);
/* One line, e.g. `PUBLISH id=3 q2 dup "plant/a" "21.5"`.
 * (transfer full) */
char *ses_packet_describe (const SesPacket *pkt, const SesIntern *strings);
