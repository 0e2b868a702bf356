/* Variants: named, deliberately wrong brokers and clients. Each is a class
 * of bug that real brokers or clients have shipped; they exist to show that
 * the invariants catch it, and to teach what each rule protects against.
 * A variant is switched on by name (`broker variant=NAME` in a scenario,
 * `--variant NAME` on the command line) and is part of the configuration,
 * never of the state. */
#pragma once

#include <glib.h>

typedef enum {
  SES_VARIANT_SP_AFTER_RESTART = 0, /* Session Present 1 for a session the
                                       restart lost */
  SES_VARIANT_WILL_NOT_AT_SESSION_END, /* will waits for its delay even
                                          past the session's end */
  SES_VARIANT_TAKEOVER_NO_DISCONNECT,  /* 5.0 takeover without 0x8E */
  SES_VARIANT_CLEAN_START_KEEPS,       /* Clean Start 1 keeps the old
                                          session */
  SES_VARIANT_QOS2_NO_DEDUP,           /* QoS 2 repeats forwarded again */
  SES_VARIANT_FORGET_INFLIGHT,         /* unacknowledged messages dropped
                                          at disconnect */
  SES_VARIANT_NO_DUP,                  /* resends carry DUP 0 */
  SES_VARIANT_PUBLISH_AFTER_PUBREL,    /* resumes QoS 2 with PUBLISH */
  SES_VARIANT_IGNORE_EXPIRY,           /* sessions never expire */
  SES_VARIANT_EXPIRY_LOST_ON_RESTART,  /* restart forgets expiry deadlines */
  SES_VARIANT_CLIENT_KEEPS_STATE,      /* 5.0 client resends after SP 0 */
  SES_VARIANT_IGNORE_RECEIVE_MAX,      /* broker ignores Receive Maximum */
  SES_VARIANT_DELIVER_EXPIRED,         /* expired queued copies sent */
  SES_VARIANT_RESEND_REORDERED,        /* resends in reverse order */
  SES_VARIANT_COUNT,
} SesVariant;

typedef struct {
  const char *name;
  gboolean client_side;   /* a client bug rather than a broker bug */
  const char *summary;    /* one sentence: what it does wrong */
  const char *rule;       /* the rule it breaks */
  const char *caught_by;  /* the invariant that catches it */
} SesVariantInfo;

const SesVariantInfo *ses_variant_info (SesVariant variant);
gboolean ses_variant_lookup (const char *name, SesVariant *out);
