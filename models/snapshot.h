/* What each side of the MQTT model holds at one moment, in the words of
 * the rules: per broker session whether it exists and until when, whether
 * a connection is attached, its subscriptions, the QoS 1/2 messages sent
 * and not acknowledged, the messages waiting, the incoming QoS 2 messages
 * not completed, the will and when it is due; per client its own
 * unacknowledged messages and incomplete incoming QoS 2 exchanges. A
 * snapshot only reads the model; rendering it (text, JSON, HTML) is
 * deterministic, and two snapshots holding the same things have the same
 * canonical text (ses_snapshot_body_json). */
#pragma once

#include <glib.h>
#include "clock.h"
#include "mqtt.h"
#include "tracejson.h"

/* One message copy as a side holds it. Strings are borrowed from the
 * configuration's string table. */
typedef struct {
  guint16 packet_id;   /* 0: not numbered yet */
  guint8 qos;
  guint8 dup;          /* sent on an earlier connection: the next
                          PUBLISH carries DUP */
  guint8 will;         /* a will publication */
  const char *stage;   /* "awaiting PUBACK", "unsent", ... or NULL */
  const char *topic;   /* (nullable) */
  const char *payload; /* (nullable) */
  SesTime expiry_at_us;/* message expiry, SES_TIME_NONE */
} SesSnapMsg;

typedef struct {
  const char *filter;
  guint8 qos;          /* granted */
} SesSnapSub;

typedef struct {
  guint32 session;
  const char *client_id;
  char *clients;       /* labels of the clients using this ClientId, ", " */
  char *holder;        /* (nullable) label of the client attached now */
  gboolean exists;
  gboolean connected;
  const char *phase;   /* lifecycle node: "no-session", "connected",
                          "kept", "ended-expired", ... (see diagram.c) */
  guint8 version;      /* 4 (3.1.1) or 5 */
  guint32 expiry_s;    /* in force (SES_EXPIRY_NEVER) */
  SesTime expiry_at_us;/* when a disconnected session ends, or NONE */
  GArray *subs;        /* (element-type SesSnapSub) */
  GArray *unacked;     /* (element-type SesSnapMsg) sent, not acknowledged */
  GArray *waiting;     /* (element-type SesSnapMsg) not sent yet */
  GArray *incoming;    /* (element-type SesSnapMsg) QoS 2 in, not complete */
  gboolean has_will;
  const char *will_topic;
  guint8 will_qos;
  guint32 will_delay_s;
  SesTime will_at_us;  /* when it goes out, NONE while not scheduled */
} SesSnapSession;

typedef struct {
  const char *label;
  const char *state;   /* "offline", "connecting", "online", "lingering" */
  GArray *unacked;     /* (element-type SesSnapMsg) own QoS 1/2 outgoing */
  GArray *incoming;    /* (element-type guint16) QoS 2 ids before PUBREL */
  GArray *believed;    /* (element-type SesSnapSub) the subscriptions it
                          believes its session holds (from SUBACKs) */
} SesSnapClient;

typedef struct {
  SesTime time_us;
  guint after;         /* observations made before this state: it is the
                          state after observation after-1 */
  gboolean chosen;     /* taken at a time the user asked for */
  GArray *sessions;    /* (element-type SesSnapSession) by session index */
  GArray *clients;     /* (element-type SesSnapClient) by client index */
  char *body;          /* canonical JSON of sessions and clients */
} SesSnapshot;

/* Reads the model now. phases: (nullable) per session, the lifecycle
 * phase when the session does not exist (see SesSnapshots); NULL gives
 * "no-session" for all. (transfer full) */
SesSnapshot *ses_snapshot_take (SesMqtt *mqtt, SesTime now, guint after,
                                const char *const *phases);
void ses_snapshot_free (SesSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesSnapshot, ses_snapshot_free)

/* "{"sessions":[...],"clients":[...]}", no time: equal for equal state. */
const char *ses_snapshot_body_json (const SesSnapshot *snap);
/* {"type":"state","t_us":...,"time":...,"after":N,...} on one line, no
 * newline. (transfer full) */
char *ses_snapshot_to_json (const SesSnapshot *snap);
/* A compact table, each line starting with prefix. (transfer full) */
char *ses_snapshot_to_text (const SesSnapshot *snap, const char *prefix);
/* Two HTML tables (broker sessions, clients), escaped, no script.
 * (transfer full) */
char *ses_snapshot_to_html (const SesSnapshot *snap);

/* The snapshots of a run: one at the start, then one after each step that
 * changed what is shown (ses_snapshots_update after every world step), and
 * one at each chosen time (ses_snapshots_take_at). */
typedef struct _SesSnapshots SesSnapshots;

SesSnapshots *ses_snapshots_new (SesMqtt *mqtt);
void ses_snapshots_free (SesSnapshots *snaps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SesSnapshots, ses_snapshots_free)
/* Takes a snapshot; keeps it if it differs from the last kept one.
 * Returns whether it was kept. */
gboolean ses_snapshots_update (SesSnapshots *snaps, SesTime now);
/* Takes and keeps a snapshot at a chosen time, changed or not. */
void ses_snapshots_take_at (SesSnapshots *snaps, SesTime now);
/* (element-type SesSnapshot*) in the order taken. (transfer none) */
const GPtrArray *ses_snapshots_list (const SesSnapshots *snaps);

/* Puts a run's state records into its trace.jsonl (see
 * ses_tracejson_run_with()): each after the observations it follows. all:
 * every snapshot, else only those taken at chosen times. */
typedef struct {
  const SesSnapshots *snaps;
  gboolean all;
  guint next;          /* start at 0 */
} SesSnapshotsCursor;
void ses_snapshots_trace_extra (SesTraceWriter *w, guint64 step,
                                gpointer cursor);

/* The snapshot in force before observation index: the last one taken
 * after at most index observations, or NULL. (transfer none) */
const SesSnapshot *ses_snapshots_before (const SesSnapshots *snaps,
                                         guint index);
/* The state after the step that made observation index (a step's
 * observations happen at once). (transfer none) */
const SesSnapshot *ses_snapshots_after_step (const SesSnapshots *snaps,
                                             guint index);


