/* Internals shared by the MQTT model's modules (mqtt.c, broker.c,
 * client.c): the configuration and model structs, and the two helpers every
 * handler uses to send a packet and to record an observation. Not part of
 * the public interface. */
#pragma once

#include "broker.h"
#include "client.h"
#include "mqtt.h"
#include "topic.h"
#include "variant.h"

struct _SesMqttConfig {
  /* Model copies take and drop references (all but the explorer's
   * states, which borrow), on whichever thread: the count gets a cache
   * line of its own, so that its writes do not evict the fields below
   * from the other threads' caches (they read them on every step). */
  gint ref;
  guint8 ref_line[64 - sizeof (gint)];
  SesIntern *strings;
  SesBrokerConfig broker;
  GArray *clients;        /* (element-type SesClientConfig) */
  GArray *client_session; /* (element-type guint32) session index per client */
  gboolean sessions_by_client; /* client_session[i] == i for every client:
                                  each has its own session, numbered as
                                  the client (no lookup needed) */
  GArray *assigned_id;    /* (element-type guint32) per client: the
                             identifier the broker assigns to an empty
                             ClientId (interned), 0 for a named one */
  GPtrArray *labels;      /* (element-type utf8) (owned) */
  GArray *wills;          /* (element-type SesWill) */
  GArray *actions;        /* (element-type SesAction) in script order */
  GArray *action_order;   /* (element-type guint32) action indices sorted
                             by (time, index): the order they run in */
  GArray *session_ids;    /* (element-type guint32) ClientId per session */
  GArray *session_owner;  /* (element-type guint32) first client per session */
  GArray *filters;        /* (element-type guint32) every filter used */
  GHashTable *filter_set; /* the same ids, for lookup only */
  GHashTable *session_by_id; /* ClientId -> session + 1, lookup only */
  SesTopicIndex *filter_index; /* built with a world, NULL after a new
                                  filter */
  /* topic id -> (element-type guint32) matching filter ids, for every topic
   * a publish or a will uses; filled while a world is built, read-only
   * while worlds run (see prepare_matches in mqtt.c). */
  GPtrArray *match_cache;
  gboolean matches_ready; /* match_cache covers every publish and will */
  /* 1 while a world is built, which prepares action_order and match_cache:
   * worlds may be built on several threads at once (random walks under
   * --jobs). A spin lock on an atomic, held for a moment once per world,
   * which ThreadSanitizer can follow (it cannot see GMutex's futex). */
  gint preparing;
};

struct _SesMqtt {
  SesMqttConfig *cfg; /* (owned) a reference, unless cfg_borrowed */
  gboolean cfg_borrowed; /* a copy made with copy_borrowing: some other
                            model holds the reference */
  SesBroker broker;
  SesClient *clients; /* n_clients, in the model's own block */
  /* History, not state: neither encoded nor compared. */
  GArray *log; /* (element-type SesObs) the view of log_vec */
  SesVec log_vec;
  gboolean recording;
  SesObserver observer;
  gpointer observer_data;
  guint64 observer_kinds;   /* bit (1 << SesObsKind) the observer reads;
                               0: every kind */
  SesMqttCounters counters;
  /* (nullable) The real broker this model's clients talk to in a
   * conformance run; the simulated broker then only records what reaches
   * its end of each connection and never answers. Not state. */
  const SesRemoteBroker *remote;
  gpointer remote_data;
  /* (element-type guint32) (nullable) the matching filters of a topic
   * missing from the configuration's cache; scratch, never state */
  GArray *matches;
};

/* Model event kinds. */
enum {
  SES_MQTT_EV_ACTION = SES_EVENT_MODEL, /* target = action index, arg =
                                           its place in action_order */
  SES_MQTT_EV_SESSION_EXPIRY,           /* target = session, arg = timer gen */
  SES_MQTT_EV_WILL_DELAY,               /* target = session, arg = timer gen */
  SES_MQTT_EV_BROKER_KEEP_ALIVE,        /* target = slot, arg = conn gen */
  SES_MQTT_EV_CLIENT_KEEP_ALIVE,        /* target = client, arg = conn gen;
                                           while the client lingers after
                                           its DISCONNECT (no keep alive
                                           then), its linger bound */
  SES_MQTT_EV_CLIENT_RECONNECT,         /* target = client, arg = timer gen */
};

/* The engine key of a timer (ses_world_timer_set): one per timer kind and
 * target, so each session, slot and client has its own five. */
static inline guint32
ses_mqtt_timer_key (guint32 kind, guint32 target)
{
  return target * 5 + (kind - SES_MQTT_EV_SESSION_EXPIRY);
}

void ses_mqtt_observe (SesMqtt *m, SesWorld *w, SesObsKind kind,
                       guint cause /* SesCause, or SesObsFault for faults */, guint32 client, guint32 session,
                       const SesPacket *pkt, guint32 arg, const char *rule);
/* An end learned that its connection is gone. */
void ses_mqtt_observe_lost (SesMqtt *m, SesWorld *w, guint32 client,
                            gboolean by_broker, SesCause cause);
/* Sends pkt over the client's connection and records it as sent or lost. */
gboolean ses_mqtt_send (SesMqtt *m, SesWorld *w, guint32 client, guint32 gen,
                        gboolean from_broker, const SesPacket *pkt);
/* The message as a PUBLISH packet (no id, no DUP). */
void ses_mqtt_publish_packet (const SesMessage *msg, SesTime now,
                              SesPacket *out);
/* The session a client owns: its own number where every client has its
 * own session (no lookup: among many clients the table is a cache miss on
 * every packet a client handles). */
static inline guint32
ses_mqtt_session_of_client (const SesMqttConfig *cfg, guint32 client)
{
  return cfg->sessions_by_client
           ? client
           : g_array_index (cfg->client_session, guint32, client);
}

/* Whether a deliberately wrong broker variant is on. */
static inline gboolean
ses_mqtt_variant (const SesMqtt *m, SesVariant v)
{
  return (m->cfg->broker.variants & (1u << v)) != 0;
}

/* Filter ids that match the topic (element-type guint32), ascending. Valid
 * until the next call on this model; never writes to the configuration. */
const GArray *ses_mqtt_matching_filters (SesMqtt *m, guint32 topic);
