/* A scenario file's MQTT meaning: the header (version, seed, title, what it
 * teaches), broker settings, client declarations, the timeline and the
 * expectations, turned into a SesMqttConfig and a list of SesExpectation.
 * The grammar is documented in docs/scenario-language.md. */
#pragma once

#include <glib.h>
#include "mqtt.h"

typedef enum {
  SES_EXPECT_CONNACK = 1,   /* Session Present of a CONNACK */
  SES_EXPECT_RECEIVES,      /* payloads delivered (optionally in order) */
  SES_EXPECT_NEVER_RECEIVES,
  SES_EXPECT_DELIVERIES,    /* number of deliveries to the application */
  SES_EXPECT_WILL,          /* will published (by a time) */
  SES_EXPECT_NO_WILL,
  SES_EXPECT_SESSION,       /* session exists / ended at a time */
  SES_EXPECT_DISCONNECT,    /* DISCONNECT reason received from the broker */
  SES_EXPECT_POLICY_DROPS,  /* number of policy drops for the client */
  SES_EXPECT_DELIVERY,      /* the QoS, DUP, id, expiry of one delivery */
  SES_EXPECT_ACK,           /* an acknowledgement a publisher received */
} SesExpectKind;

/* Which fields of a CONNACK, a delivery or an acknowledgement an
 * expectation checks (SesExpectation.checks). */
enum {
  SES_EXPECT_CHECK_SESSION_PRESENT = 1 << 0,
  SES_EXPECT_CHECK_REASON = 1 << 1,
  SES_EXPECT_CHECK_ASSIGNED_ID = 1 << 2,
  SES_EXPECT_CHECK_KEEP_ALIVE = 1 << 3,
  SES_EXPECT_CHECK_RECEIVE_MAX = 1 << 4,
  SES_EXPECT_CHECK_EXPIRY = 1 << 5,   /* session or message expiry */
  SES_EXPECT_CHECK_QOS = 1 << 6,
  SES_EXPECT_CHECK_DUP = 1 << 7,
  SES_EXPECT_CHECK_ID = 1 << 8,
  SES_EXPECT_CHECK_KIND = 1 << 9,     /* ACK: which acknowledgement */
};

/* An expiry an expectation wants absent (`message-expiry=none`). */
#define SES_EXPECT_NO_EXPIRY G_MAXINT64

typedef struct {
  SesExpectKind kind;
  guint line;            /* where it was written */
  guint32 client;
  gint nth;              /* CONNACK: 1-based, 0 = the last one */
  gint value;            /* session-present, count, reason */
  gboolean in_order;
  gboolean exists;       /* SESSION */
  gint cause;            /* SESSION: required cause of the end, -1 any */
  SesTime at_us;         /* SESSION: when; WILL: by when (NONE: any time) */
  GPtrArray *payloads;   /* (element-type utf8) (owned) RECEIVES...; the
                            one message of DELIVERY and ACK */
  /* Added for the conformance expectations (docs/scenario-language.md). */
  SesTime after_us;      /* RECEIVES, DELIVERIES: counted only from this
                            moment (SES_TIME_NONE: from the start)… */
  SesTime by_us;         /* …up to this one (SES_TIME_NONE: the end) */
  GArray *one_of;        /* (element-type gint) (nullable) DELIVERIES: any
                            of these counts holds */
  guint32 checks;        /* SES_EXPECT_CHECK_* */
  gint reason;           /* CONNACK, ACK */
  guint32 receive_max;   /* CONNACK (65535 when absent) */
  guint32 keep_alive_s;  /* CONNACK Server Keep Alive */
  gint64 expiry_s;       /* CONNACK session, DELIVERY message expiry;
                            SES_EXPECT_NO_EXPIRY: absent */
  char *assigned_id;     /* CONNACK Assigned Client Identifier; "" any */
  guint8 qos, dup;       /* DELIVERY */
  guint8 ack_type;       /* ACK: SesPacketType */
  guint16 packet_id;     /* DELIVERY, ACK; 0 = by payload */
} SesExpectation;

/* The shape of per-client budgets: as SES_EXPLORE_BUDGETS and
 * SES_EXPLORE_TARGETS (sim/explore.h), which checker.c asserts. */
#define SES_SCRIPT_BUDGET_CLASSES 4
#define SES_SCRIPT_BUDGET_CLIENTS 16
#define SES_SCRIPT_BUDGET_MAX 255

/* Bounds for `sessim check`, from the scenario's `check` line; -1 where
 * the scenario leaves it to the command line. */
typedef struct {
  gint64 max_cuts;
  gint64 max_crashes;
  gint64 max_restarts;
  gint64 max_half_opens;
  gint64 max_states;
  gint64 max_depth;
  guint32 faults_on;   /* bit per client index; 0: all */
  /* Fault classes given per client (`max-cuts=sub:2,pub:1`), bit per
   * class in the order above (cuts 0, crashes 1, half-opens 3, as
   * SES_CHECK_*; restarts are the broker's), and each client's budget by
   * class and client index (clients not named: 0). The class's max_* is
   * then the sum. */
  guint32 by_client;
  guint8 client_budgets[SES_SCRIPT_BUDGET_CLASSES][SES_SCRIPT_BUDGET_CLIENTS];
  gint64 max_expiries; /* session expiries along a path; -1: no bound */
} SesScriptBounds;

typedef struct _SesScript SesScript;

/* The most timeline actions a scenario may have, `at` lines and the
 * repetitions of `every` statements together: a bound on what a (fuzzed)
 * `every 1us from 0s to 1000h …` may allocate. */
#define SES_SCRIPT_MAX_ACTIONS 100000u

/* Parses a scenario; errors are located (file:line:col: error: …). */
SesScript *ses_script_load (const char *path, const char *contents,
                            gsize length, GError **error);
SesScript *ses_script_load_file (const char *path, GError **error);
/* As ses_script_load, starting from a broker profile's settings
 * (brokerprofile.h) instead of the defaults; the scenario's own `broker`
 * lines still apply on top. profile NULL: the defaults. */
SesScript *ses_script_load_profile (const char *path, const char *contents,
                                    gsize length, const char *profile,
                                    GError **error);
void ses_script_free (SesScript *script);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesScript, ses_script_free)

/* (transfer none) */
SesMqttConfig *ses_script_config (const SesScript *script);
guint64 ses_script_seed (const SesScript *script);
/* When the run stops: the `until` statement, else 60 s after the last
 * timeline step. */
SesTime ses_script_until (const SesScript *script);
const char *ses_script_title (const SesScript *script);
/* What it teaches, lines joined with '\n'; may be empty. */
const char *ses_script_teaches (const SesScript *script);
/* A question for the reader (`question "…" "…" at=TIME`): the report
 * hides the answer until asked. */
typedef struct {
  char *question;
  char *answer;
  SesTime at_us;   /* the moment the run shows it, or SES_TIME_NONE */
} SesQuestion;
/* (element-type SesQuestion) in file order */
const GArray *ses_script_questions (const SesScript *script);
/* (element-type SesExpectation) */
const GArray *ses_script_expectations (const SesScript *script);
/* Invariants the scenario switched off: bit (1 << SesInvariantId). */
guint32 ses_script_disabled_invariants (const SesScript *script);
/* Invariant ids the scenario expects to see broken (`expect violation
 * NAME`), as a bit mask; 0 when it expects none. */
guint32 ses_script_expected_violations (const SesScript *script);
const SesScriptBounds *ses_script_bounds (const SesScript *script);
/* The source line of a timeline action, by action index. */
guint ses_script_action_line (const SesScript *script, guint action);
