/* What differs between MQTT 3.1.1 and 5.0, as one table. Handlers ask the
 * profile rather than testing the version, and take the rule IDs they cite
 * from it: the same statement ID can mean different rules in the two
 * versions, so a rule is always named by (version, ID). */
#pragma once

#include <glib.h>

typedef enum {
  SES_MQTT_311 = 4, /* protocol level byte of 3.1.1 */
  SES_MQTT_5 = 5,
} SesMqttVersion;

typedef struct {
  SesMqttVersion version;
  const char *name; /* "3.1.1" or "5.0" */
  /* Session Expiry Interval exists; without it Clean Session alone decides. */
  gboolean has_session_expiry;
  /* The will belongs to the session and may be delayed (5.0), rather than to
   * the network connection (3.1.1). */
  gboolean will_in_session;
  /* The server may send DISCONNECT with a reason code. */
  gboolean server_disconnect;
  gboolean has_receive_max;
  gboolean has_message_expiry;
  /* PUBCOMP for an unknown PUBREL carries 0x92 (5.0); 3.1.1 has no code. */
  gboolean pubcomp_not_found_reason;

  /* Rule citations, "<version> [<ID>]" or "<version> §<section>". */
  const char *rule_clean;          /* clean flag: discard and start fresh */
  const char *rule_resume;         /* clean 0 with a session: resume it */
  const char *rule_create;         /* clean 0 without a session: create */
  const char *rule_sp_clean;       /* Session Present 0 after clean 1 */
  const char *rule_sp_resumed;     /* Session Present 1 when resumed */
  const char *rule_sp_new;         /* Session Present 0 when created */
  const char *rule_sp_reject;      /* Session Present 0 on a refusal */
  const char *rule_session_end;    /* the session ends when it must */
  const char *rule_takeover;       /* same ClientId connects again */
  const char *rule_will_publish;   /* when the will goes out */
  const char *rule_will_discard;   /* DISCONNECT removes the will */
  const char *rule_keep_alive;     /* 1.5 x Keep Alive */
  const char *rule_resend;         /* resend unacknowledged on reconnect */
  const char *rule_offline_queue;  /* queue while disconnected */
  const char *rule_qos1_ack;       /* QoS 1 receiver acknowledges */
  const char *rule_qos2_dedup;     /* QoS 2 receiver de-duplicates */
  const char *rule_qos2_pubrel;    /* QoS 2 receiver answers PUBREL */
  const char *rule_qos2_sender;    /* QoS 2 sender: PUBREL, never PUBLISH */
  const char *rule_dup;            /* DUP on a redelivery */
  const char *rule_packet_id;      /* unused ids for new packets */
  const char *rule_granted_qos;    /* delivered QoS = min(pub, granted) */
  const char *rule_client_discard; /* client discards on Session Present 0 */
  const char *rule_unsubscribe;    /* stop adding messages after UNSUBSCRIBE */
  const char *rule_ping;           /* PINGREQ answered with PINGRESP */
} SesProfile;

const SesProfile *ses_profile_get (SesMqttVersion version);
/* Parses "3.1.1", "311", "4", "5", "5.0". */
gboolean ses_profile_parse_version (const char *text, SesMqttVersion *out);
